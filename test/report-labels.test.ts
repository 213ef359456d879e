import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActionCounter, describeActionShares } from "../runtime/action-stats.js";
import { loadScenario } from "../runtime/env.js";
import { forPeople, renderReport } from "../runtime/report.js";
import type { RunConfig } from "../runtime/train.js";
import { repoRoot } from "./support/sources.js";

const example = (name: string) => readFileSync(join(repoRoot, "examples", name), "utf8");
const run = (source: string): RunConfig => ({
  format: "agora-run/1",
  scenario: { path: "x.game", name: "X", source },
  overrides: {},
  config: { steps: 1 } as never,
  backend: "wasm",
  created: "now",
});

/** The chart data a report embeds (its JSON, `<` escaped as \u003c). */
function embedded(html: string): { charts: { title: string; series: { label: string }[] }[] } {
  return JSON.parse(/const DATA = (.*);\n/.exec(html)![1]);
}

describe("report labels come from the compiled scenario", () => {
  // Comments and doc text in these examples mention roles and rules that a regex took for declarations.
  for (const name of ["battle_of_the_sexes.game", "trust_game.game", "stag_hunt.game", "public_goods.game"]) {
    it(name, () => {
      const source = example(name);
      const { ir } = loadScenario(source);
      const data = embedded(renderReport(run(source), []));
      const returns = data.charts.find((c) => c.title.startsWith("Learning curves"))!;
      expect(returns.series.map((s) => s.label)).toEqual(
        ir.roles.flatMap((r) => [`${r.name} payoff`, `${r.name} objective`]),
      );
      const metrics = data.charts.find((c) => c.title.startsWith("Scenario metrics"));
      expect(metrics?.series.map((s) => s.label) ?? []).toEqual(ir.metrics.map((m) => m.name));
      const rules = data.charts.find((c) => c.title.startsWith("Rule activity"));
      expect(rules?.series.map((s) => s.label) ?? []).toEqual(ir.rules.map((r) => r.name));
    });
  }

  it("puts entropy (nats) and KL (near 0) on charts of their own, each with its own axis", () => {
    const source = example("prisoners_dilemma.game");
    const data = embedded(renderReport(run(source), [])) as unknown as {
      charts: { id: string; yLabel: string; series: { label: string }[] }[];
    };
    const entropy = data.charts.find((c) => c.id === "entropy")!;
    const kl = data.charts.find((c) => c.id === "kl")!;
    expect(entropy.series.map((s) => s.label)).toEqual(["player entropy"]);
    expect(kl.series.map((s) => s.label)).toEqual(["player approx. KL"]);
    expect(entropy.yLabel).not.toBe(kl.yLabel);
  });

  it("rounds numbers for people", () => {
    expect(forPeople(Math.fround(0.95))).toBe(0.95);
    expect(forPeople(64)).toBe(64);
  });
});

describe("action shares per role and phase, arguments kept", () => {
  it("public goods: contributing 0 is not contributing 10, and the mean argument says so", () => {
    const { ir } = loadScenario(example("public_goods.game"));
    const citizen = ir.roles[0];
    const contribute = citizen.actions.find((a) => a.name === "contribute")!;
    const counter = new ActionCounter(ir);
    // Three agents contribute 0, one contributes 10.
    for (let k = 0; k < 3; k++) counter.record(0, contribute.flatStart, 0);
    counter.record(0, contribute.flatStart + 10, 0);
    const shares = counter.shares();
    expect(shares.citizen[ir.phases[0]]).toEqual([{ action: "contribute", share: 1, meanArgument: 2.5 }]);
    expect(describeActionShares(shares, ir.phases)).toEqual(["citizen: contribute 100% (mean 2.5)"]);
  });

  it("keeps phases apart and labels agent arguments", () => {
    const { ir } = loadScenario(example("trust_game.game"));
    expect(ir.phases.length).toBeGreaterThan(1);
    const counter = new ActionCounter(ir);
    ir.roles.forEach((role, r) => {
      const phase = role.actions[0].phases[0] ?? 0;
      counter.record(r, 0, phase);
    });
    const shares = counter.shares();
    ir.roles.forEach((role) => {
      const phase = ir.phases[role.actions[0].phases[0] ?? 0];
      expect(Object.keys(shares[role.name])).toEqual([phase]);
      expect(shares[role.name][phase][0].share).toBe(1);
    });
  });
});

describe("play: typed actions", () => {
  it("accepts a number, a name or an unambiguous prefix, and explains the rest", async () => {
    const { pickAction } = await import("../cli/commands/play.js");
    const labels = ["rock", "paper", "scissors", "pass"];
    const legal = [0, 1, 2, 3];
    expect(pickAction("1", legal, labels)).toBe(1);
    expect(pickAction("scissors", legal, labels)).toBe(2);
    expect(pickAction("sc", legal, labels)).toBe(2);
    expect(pickAction("pa", legal, labels)).toEqual({ problem: "`pa` could be paper or pass; type more of the name" });
    expect(pickAction("r", [1, 2], labels)).toEqual({
      problem: "not a legal action here: r; choose one of paper, scissors",
    });
  });
});
