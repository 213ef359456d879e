import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pageData } from "../../runtime/sweep/page.js";
import {
  makePlan,
  parseAxis,
  planFingerprint,
  planPoints,
  PlanError,
  writeOrCheckPlan,
  type PlanRequest,
} from "../../runtime/sweep/plan.js";
import { ResultsFile } from "../../runtime/sweep/results.js";
import { resultsCsv } from "../../runtime/sweep/table.js";
import { trialSpec, type TrialResult } from "../../runtime/sweep/trial.js";
import { repoRoot } from "../support/sources.js";

const TEMPTATION = readFileSync(join(repoRoot, "examples/analysis/temptation_sweep.game"), "utf8");

function request(overrides: Partial<PlanRequest> = {}): PlanRequest {
  return {
    scenarios: [{ path: "temptation_sweep.game", source: TEMPTATION }],
    axes: [parseAxis("temptation=3..5:3")],
    seeds: 2,
    firstSeed: 10,
    train: { opponents: [], backend: "wasm", set: {} },
    evaluation: { episodes: 10, seed: 1 },
    ...overrides,
  };
}

describe("sweep axes", () => {
  it("reads ranges with counts, value lists and booleans", () => {
    expect(parseAxis("T=3..7:9")).toEqual({ param: "T", range: { lo: 3, hi: 7, points: 9 } });
    expect(parseAxis("n=2,4,8")).toEqual({ param: "n", values: [2, 4, 8] });
    expect(parseAxis("rule_on=true,false")).toEqual({ param: "rule_on", values: [true, false] });
    expect(planPoints([parseAxis("T=3..7:9")], undefined, new Set()).map((p) => p.T)).toEqual([
      3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7,
    ]);
  });

  it("rejects malformed axes with one clear line", () => {
    expect(() => parseAxis("T")).toThrow(PlanError);
    expect(() => parseAxis("T=7..3:2")).toThrow(/lo <= hi/);
    expect(() => parseAxis("T=a,b")).toThrow(/not a number/);
    expect(() => planPoints([parseAxis("T=3..7")], undefined, new Set())).toThrow(/needs a count/);
  });

  it("takes the product of axes, last axis fastest", () => {
    const points = planPoints([parseAxis("a=1,2"), parseAxis("b=5,6,7")], undefined, new Set());
    expect(points).toEqual([
      { a: 1, b: 5 },
      { a: 1, b: 6 },
      { a: 1, b: 7 },
      { a: 2, b: 5 },
      { a: 2, b: 6 },
      { a: 2, b: 7 },
    ]);
  });

  it("spreads quasi-random samples over ranges (Halton), integers included, within bounds", () => {
    const points = planPoints([parseAxis("x=0..1"), parseAxis("k=2..8")], 64, new Set(["k"]));
    expect(points).toHaveLength(64);
    for (const p of points) {
      expect(p.x as number).toBeGreaterThanOrEqual(0);
      expect(p.x as number).toBeLessThanOrEqual(1);
      expect(Number.isInteger(p.k)).toBe(true);
      expect(p.k as number).toBeGreaterThanOrEqual(2);
      expect(p.k as number).toBeLessThanOrEqual(8);
    }
    // Low discrepancy: every quarter of [0, 1] gets close to a quarter of the points.
    for (let q = 0; q < 4; q++)
      expect(
        points.filter((p) => (p.x as number) >= q / 4 && (p.x as number) < (q + 1) / 4).length,
      ).toBeGreaterThanOrEqual(14);
    expect(new Set(points.map((p) => p.k)).size).toBe(7);
  });
});

describe("sweep plans", () => {
  it("lists scenario × point × seed trials with stable ids", () => {
    const plan = makePlan(request());
    expect(plan.trials.map((t) => [t.id, t.point.temptation, t.seed])).toEqual([
      ["t0000", 3, 10],
      ["t0001", 3, 11],
      ["t0002", 4, 10],
      ["t0003", 4, 11],
      ["t0004", 5, 10],
      ["t0005", 5, 11],
    ]);
    expect(plan.scenarios[0].name).toBe("TemptationSweep");
  });

  it("refuses unknown params and out-of-range values before anything runs", () => {
    expect(() => makePlan(request({ axes: [parseAxis("tempation=3,4")] }))).toThrow(/has no param `tempation`/);
    expect(() => makePlan(request({ axes: [parseAxis("temptation=1,4")] }))).toThrow(PlanError);
  });

  it("resumes the same sweep in a folder and refuses a different one", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-plan-"));
    expect(writeOrCheckPlan(dir, makePlan(request()))).toBe("new");
    expect(writeOrCheckPlan(dir, makePlan(request()))).toBe("resumed");
    expect(() => writeOrCheckPlan(dir, makePlan(request({ seeds: 3 })))).toThrow(/different sweep/);
  });

  it("makes co-players an axis: point × population × seed, each trial training against its population", () => {
    const plan = makePlan(
      request({
        axes: [parseAxis("temptation=3,4")],
        seeds: 1,
        coplayers: [["self"], ["self", "pool"]],
      }),
    );
    expect(plan.trials.map((t) => [t.id, t.point.temptation, t.coplayers, t.seed])).toEqual([
      ["t0000", 3, ["self"], 10],
      ["t0001", 3, ["self", "pool"], 10],
      ["t0002", 4, ["self"], 10],
      ["t0003", 4, ["self", "pool"], 10],
    ]);
    expect(trialSpec(plan, plan.trials[1]).train.opponents).toEqual(["self", "pool"]);
    // Without the axis, the plan's co-players.
    const fixed = makePlan(request({ train: { opponents: ["pool"], backend: "wasm", set: {} } }));
    expect(trialSpec(fixed, fixed.trials[0]).train.opponents).toEqual(["pool"]);
    // A different population is a different sweep.
    expect(planFingerprint(plan)).not.toBe(
      planFingerprint(makePlan(request({ axes: [parseAxis("temptation=3,4")], seeds: 1, coplayers: [["self"]] }))),
    );
    const csv = resultsCsv(plan, [{ ...result("t0001", { temptation: 3 }), coplayers: ["self", "pool"] }]).split("\n");
    expect(csv[0].startsWith("trial,scenario,temptation,coplayers,seed,")).toBe(true);
    expect(csv[1].startsWith('t0001,G,3,"self,pool",1,')).toBe(true);
    const sections = pageData(plan, []).scenarios.map((s) => s.name);
    expect(sections).toEqual(["TemptationSweep, co-players self", "TemptationSweep, co-players self + pool"]);
  });

  it("refuses a population naming nothing the scenario has, and --coplayers with --opponent", () => {
    expect(() => makePlan(request({ coplayers: [["self"], ["self", "grim"]] }))).toThrow(
      /--coplayers self,grim: temptation_sweep.game: unknown co-player `grim`/,
    );
    expect(() => makePlan(request({ coplayers: [["self", ""]] }))).toThrow(/an empty entry/);
    expect(() =>
      makePlan(request({ coplayers: [["self"]], train: { opponents: ["self"], backend: "wasm", set: {} } })),
    ).toThrow(/one or the other/);
  });
});

function result(trial: string, point: Record<string, number>): TrialResult {
  const e = { mean: 1, ci95: 0.1 };
  return {
    trial,
    scenario: "G",
    scenarioIndex: 0,
    point,
    seed: 1,
    evaluation: {
      episodes: 5,
      returns: [{ role: "p", ...e }],
      metrics: [{ name: 'coop, "rate"', ...e }],
      welfare: e,
      equality: e,
    },
    actions: { p: { a: 0.25, b: 0.75 } },
    agentSteps: 8,
    run: `runs/${trial}`,
  };
}

describe("results.jsonl", () => {
  it("keeps one line per trial and drops a line cut short by a kill", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-results-"));
    const file = new ResultsFile(dir, { repair: true });
    expect(file.add(result("t0000", { T: 3 }))).toBe(true);
    expect(file.add(result("t0000", { T: 3 }))).toBe(false);
    writeFileSync(file.path, readFileSync(file.path, "utf8") + JSON.stringify(result("t0001", { T: 4 })).slice(0, 40));
    // A reader skips the partial line; the coordinator cuts it and appends after it cleanly.
    expect(new ResultsFile(dir).size).toBe(1);
    const again = new ResultsFile(dir, { repair: true });
    again.add(result("t0001", { T: 4 }));
    const lines = readFileSync(file.path, "utf8").trimEnd().split("\n");
    expect(lines.map((l) => (JSON.parse(l) as TrialResult).trial)).toEqual(["t0000", "t0001"]);
  });

  it("writes CSV with quoted cells where needed", () => {
    const plan = makePlan(request({ axes: [parseAxis("temptation=3,4")], seeds: 1 }));
    const csv = resultsCsv(plan, [result("t0001", { temptation: 4 }), result("t0000", { temptation: 3 })]).split("\n");
    expect(csv[0]).toBe(
      'trial,scenario,temptation,seed,return.p,return.p.ci95,"metric.coop, ""rate""","metric.coop, ""rate"".ci95",welfare,welfare.ci95,equality,equality.ci95,action.p.a,action.p.b',
    );
    expect(csv[1].startsWith("t0000,G,3,1,1,0.1,")).toBe(true);
    expect(csv[1].endsWith(",0.25,0.75")).toBe(true);
  });
});
