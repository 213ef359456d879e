import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { analysisContribution, EDITOR_ANALYSIS_BUDGET_MS, summaryOf } from "../../analysis/service-contribution.js";
import { main } from "../../cli/main.js";
import * as service from "../../language/service/index.js";

const pd = readFileSync(new URL("../../examples/prisoners_dilemma.game", import.meta.url), "utf8");
const ipd = readFileSync(new URL("../../examples/iterated_pd.game", import.meta.url), "utf8");

const withAnalysis = (text: string) => service.createDocument("file:///g.game", text, 1, [analysisContribution]);
const positionOf = (text: string, needle: string) => {
  const offset = text.indexOf(needle);
  const lines = text.slice(0, offset).split("\n");
  return { line: lines.length - 1, character: lines[lines.length - 1].length };
};

describe("the analysis contribution to the language service", () => {
  it("warns (W0008) on a strictly dominated action of a one-shot game, on the action's name", () => {
    const doc = withAnalysis(pd);
    const warnings = service.getDiagnostics(doc).filter((d) => d.code === "W0008");
    expect(warnings).toHaveLength(1);
    expect(warnings[0].severity).toBe("warning");
    expect(warnings[0].message).toContain("`cooperate` of `player` is strictly dominated by `defect`");
    expect(warnings[0].range.start).toEqual(positionOf(pd, "cooperate\n"));
  });

  it("says nothing of stage-dominated actions in a repeated game", () => {
    expect(service.getDiagnostics(withAnalysis(ipd)).filter((d) => d.code === "W0008")).toEqual([]);
  });

  it("analyses a version once, however many features ask, and only when one asks", () => {
    const doc = withAnalysis(pd);
    // Nothing asked yet: the document's memo holds no analysis.
    expect(doc.memo(`analysis:${EDITOR_ANALYSIS_BUDGET_MS}`, () => "not computed")).toBe("not computed");
    const other = withAnalysis(pd);
    const first = summaryOf(other);
    expect(first).toBeDefined();
    service.getDiagnostics(other);
    service.getHover(other, positionOf(pd, "PrisonersDilemma"));
    service.getCodeLenses(other);
    expect(summaryOf(other)).toBe(first);
    // A new version is analysed afresh.
    expect(summaryOf(withAnalysis(pd))).not.toBe(first);
  });

  it("is absent from a service without the contribution", () => {
    const doc = service.createDocument("file:///g.game", pd, 1);
    expect(service.getDiagnostics(doc).some((d) => d.code === "W0008")).toBe(false);
    expect(service.getCodeLenses(doc)).toEqual([]);
  });

  it("adds the game summary to the hover of the game's name, below the language's own", () => {
    const hover = service.getHover(withAnalysis(pd), positionOf(pd, "PrisonersDilemma"));
    expect(hover?.contents).toContain("**Game analysis**");
    expect(hover?.contents).toContain("(defect, defect)");
    expect(hover?.contents.indexOf("---")).toBeGreaterThan(0);
    // Elsewhere the hover is the language's alone.
    expect(service.getHover(withAnalysis(pd), positionOf(pd, "T: real"))?.contents).not.toContain("Game analysis");
  });

  it("gives a code lens on the payoff keyword that runs the analysis", () => {
    const lenses = service.getCodeLenses(withAnalysis(pd));
    expect(lenses).toHaveLength(1);
    expect(lenses[0].command).toBe("agora.analyze");
    expect(lenses[0].title).toContain("prisoners_dilemma");
    expect(lenses[0].range.start).toEqual(positionOf(pd, "payoff {"));
  });

  it("a contribution that throws costs only its own answer", () => {
    const broken: service.ServiceContribution = {
      name: "broken",
      diagnostics: () => {
        throw new Error("boom");
      },
      hover: () => {
        throw new Error("boom");
      },
    };
    const doc = service.createDocument("file:///g.game", pd, 1, [broken, analysisContribution]);
    expect(service.getDiagnostics(doc).map((d) => d.code)).toEqual(["W0008"]);
    expect(service.getHover(doc, positionOf(pd, "PrisonersDilemma"))?.contents).toContain("Game analysis");
  });

  it("agora check --dominated reports the same warning; plain check does not", async () => {
    const file = new URL("../../examples/prisoners_dilemma.game", import.meta.url).pathname;
    const run = async (...args: string[]) => {
      const out: string[] = [];
      const code = await main(args, { out: (s) => out.push(s), err: (s) => out.push(s) });
      return { code, text: out.join("\n") };
    };
    const plain = await run("check", "--no-color", file);
    expect(plain.code).toBe(0);
    expect(plain.text).not.toContain("W0008");
    const dominated = await run("check", "--no-color", "--dominated", file);
    expect(dominated.code).toBe(0);
    expect(dominated.text).toContain(
      "warning[W0008]: action `cooperate` of `player` is strictly dominated by `defect`",
    );
    expect((await run("check", "--dominated", "--strict", file)).code).toBe(1);
  });
});
