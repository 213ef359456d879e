import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseNfg } from "../../analysis/nfg.js";
import { runAnalyze, type AnalyzeCommandOptions } from "../../cli/commands/analyze.js";
import { repoRoot } from "../support/sources.js";

function run(file: string, options: Partial<AnalyzeCommandOptions> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = runAnalyze(
    file,
    { overrides: new Map(), format: "text", ...options },
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

const ex = (name: string) => join(repoRoot, "examples", name);
const tmp = mkdtempSync(join(tmpdir(), "agora-analyze-"));

describe("agora analyze", () => {
  it("prints a readable report", () => {
    const { code, out, err } = run(ex("prisoners_dilemma.game"));
    expect(code).toBe(0);
    expect(err).toBe("");
    expect(out).toContain("PrisonersDilemma: normal form from the `payoff` table, exact");
    expect(out).toMatch(/cooperate\s+3, 3\s+0, 5/);
    expect(out).toContain("1. pure  (defect, defect), strict  payoffs 1, 1");
    expect(out).toContain("strictly: round 1: player#0 cooperate (by defect); player#1 cooperate (by defect)");
    expect(out).toContain("Price of anarchy: 3");
    expect(out).toContain("Class: prisoners_dilemma");
    expect(out).toContain("dilemma strength: Dg = T - R = 2, Dr = P - S = 1");
  });

  it("shows mixed equilibria with exact probabilities, continua and sweeps", () => {
    expect(run(ex("battle_of_the_sexes.game")).out).toContain(
      "mixed ada: opera 3/5, football 2/5; ben: opera 2/5, football 3/5",
    );
    expect(run(ex("analysis/entry_deterrence.game")).out).toContain("a continuum with extreme points 1, 3");
    const sweep = run(ex("analysis/temptation_sweep.game")).out;
    expect(sweep).toContain("Sweep of `temptation` over 2..6 (21 points");
    expect(sweep).toMatch(/2 \.\. 3\.8: stag_hunt/);
    expect(sweep).toMatch(/change at 4 .*: stag_hunt -> no class/);
  });

  it("prints the documented JSON schema", () => {
    const { code, out } = run(ex("chicken.game"), { format: "json" });
    expect(code).toBe(0);
    const r = JSON.parse(out);
    expect(r.schema).toBe("agora-analysis/1");
    expect(Object.keys(r)).toEqual([
      "schema",
      "game",
      "normal_form",
      "players",
      "equilibria",
      "components",
      "dominated",
      "pareto_optimal",
      "welfare_max",
      "price_of_anarchy",
      "price_of_stability",
      "class",
      "classification",
      "sweep",
      "methods",
    ]);
    expect(r.players).toEqual([
      { role: "driver", index: 0, name: "driver#0", actions: ["swerve", "straight"] },
      { role: "driver", index: 1, name: "driver#1", actions: ["swerve", "straight"] },
    ]);
    expect(r.class).toBe("chicken");
    expect(r.equilibria).toHaveLength(3);
    for (const e of r.equilibria) {
      expect(Object.keys(e)).toEqual(
        expect.arrayContaining(["strategies", "payoffs", "pure", "support", "component", "epsilon"]),
      );
      expect(e.strategies.map((s: number[]) => s.length)).toEqual([2, 2]);
    }
    expect(r.pareto_optimal[0]).toEqual({ profile: ["swerve", "swerve"], payoffs: [1, 1], payoffs_exact: ["1", "1"] });
    expect(r.welfare_max).toMatchObject({ value: 3, value_exact: "3" });
    expect(Object.keys(r.methods)).toEqual([
      "equilibria",
      "dominated",
      "pareto_optimal",
      "welfare_max",
      "price_of_anarchy",
      "class",
      "sweep",
    ]);
    for (const key of ["equilibria", "dominated", "pareto_optimal", "welfare_max", "price_of_anarchy", "class"]) {
      expect(r.methods[key]).toMatchObject({
        method: expect.any(String),
        error: 0,
        error_kind: "exact",
        complete: true,
      });
    }
    expect(r.sweep[0].param).toBe("crash");
    expect(r.normal_form).toMatchObject({
      source: "payoff_table",
      stage: "one_shot",
      exact: true,
      sizes: [2, 2],
      profiles: 4,
      samples: null,
    });
    expect(r.normal_form.table).toHaveLength(4);
  });

  it("writes a Gambit NFG file that parses back to the same game", () => {
    const path = join(tmp, "rps.nfg");
    const { code } = run(ex("rock_paper_scissors.game"), { nfg: path });
    expect(code).toBe(0);
    const game = parseNfg(readFileSync(path, "utf8"));
    expect(game.players.map((p) => p.actions)).toEqual([
      ["rock", "paper", "scissors"],
      ["rock", "paper", "scissors"],
    ]);
    expect(game.payoffs[0].map(String)).toEqual(["0", "-1", "1", "1", "0", "-1", "-1", "1", "0"]);
  });

  it("explains games without a normal form and exits 0", () => {
    const text = run(ex("ultimatum.game"));
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^Ultimatum: no normal form to analyse: the game has phases \(propose, respond\)/);
    const json = run(ex("public_goods.game"), { format: "json" });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      schema: "agora-analysis/1",
      game: "PublicGoods",
      normal_form: null,
      kind: "repeated",
    });
  });

  it("applies --set", () => {
    const r = JSON.parse(run(ex("prisoners_dilemma.game"), { format: "json", overrides: new Map([["T", 2]]) }).out);
    // T = 2 < R = 3: no longer a dilemma.
    expect(r.class).toBe("stag_hunt");
  });

  it("reports errors in the scenario as diagnostics and exits 1, without a stack trace", () => {
    const bad = join(tmp, "bad.game");
    writeFileSync(
      bad,
      "game Bad {\n  horizon 1\n  role player * 2 { action a  action b }\n  payoff {\n    a, a => 1, 1\n  }\n}\n",
    );
    const { code, out, err } = run(bad);
    expect(code).toBe(1);
    expect(out).toBe("");
    expect(err).toMatch(/bad\.game:4:3: error\[E05\d\d\]/);
    expect(err).toContain("not analysed: 1 error");
    expect(err).not.toMatch(/\n\s+at /);
    const missing = run(join(tmp, "nope.game"));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no such file");
    const override = run(ex("prisoners_dilemma.game"), { overrides: new Map([["nope", 1]]) });
    expect(override.code).toBe(1);
  });

  it("reports an unwritable NFG path", () => {
    const { code, err } = run(ex("prisoners_dilemma.game"), { nfg: join(tmp, "no/such/dir/x.nfg") });
    expect(code).toBe(1);
    expect(err).toMatch(/cannot write/);
  });

  it("estimates random games with the sample count it is given", () => {
    const r = JSON.parse(run(ex("analysis/risky_hunt.game"), { format: "json", samples: 200 }).out);
    expect(r.normal_form.samples).toBe(200);
    expect(r.normal_form.exact).toBe(false);
    expect(r.methods.equilibria.error_kind).toBe("payoff_standard_error");
    expect(r.methods.equilibria.error).toBeGreaterThan(0);
  });
});

describe("option parsing", () => {
  it("takes whole numbers for --samples and --seed", async () => {
    const { parseCount } = await import("../../cli/options.js");
    expect(parseCount("500", "--samples")).toBe(500);
    expect(() => parseCount("5e2", "--samples")).toThrow(/expected a whole number/);
    expect(() => parseCount("-1", "--seed")).toThrow(/--seed -1/);
  });

  it("analyses a Gambit .nfg file directly, payoff and outcome versions, exactly as written", () => {
    const payoffVersion = join(tmp, "pd.nfg");
    writeFileSync(payoffVersion, 'NFG 1 R "pd" { "A" "B" } { 2 2 }\n3 3 0 5 5 0 1 1\n');
    const text = run(payoffVersion);
    expect(text.code).toBe(0);
    expect(text.out).toContain("pd: normal form from a normal-form file, exact");
    expect(text.out).toContain("1. pure  (1, 1), strict  payoffs 3, 3");
    const outcomeVersion = join(tmp, "thirds.nfg");
    writeFileSync(
      outcomeVersion,
      'NFG 1 R "thirds" { "A" "B" }\n{ { "u" "d" } { "l" "r" } }\n""\n{ { "" 1/3, 1 } { "" 0, 0 } }\n1 2 2 1\n',
    );
    const json = JSON.parse(run(outcomeVersion, { format: "json" }).out);
    expect(json.normal_form.payoff_values.kind).toBe("exact");
    expect(json.equilibria.map((e: { strategies_exact: string[][] }) => e.strategies_exact)).toEqual([
      [
        ["1", "0"],
        ["1", "0"],
      ],
      [
        ["0", "1"],
        ["0", "1"],
      ],
      [
        ["1/2", "1/2"],
        ["1/2", "1/2"],
      ],
    ]);
    const broken = join(tmp, "broken.nfg");
    writeFileSync(broken, "NFG 2 R");
    const bad = run(broken);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("unsupported NFG version 2");
  });
});
