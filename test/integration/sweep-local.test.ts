import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { SweepPlan } from "../../runtime/sweep/plan.js";
import type { TrialResult } from "../../runtime/sweep/trial.js";
import { repoRoot } from "../support/sources.js";

const BIN = join(repoRoot, "bin/agora.js");
const GAME = join(repoRoot, "examples/analysis/temptation_sweep.game");
/** Tiny trials: a few updates of a tiny network; what is checked is the bookkeeping, not learning. */
const TINY = ["--steps", "128", "--envs", "8", "--rollout", "8", "--hidden", "8", "--episodes", "16"];

const readResults = (dir: string) =>
  readFileSync(join(dir, "results.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .filter((l) => l)
    .map((l) => JSON.parse(l) as TrialResult);

async function waitFor(condition: () => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("agora sweep, local executor", () => {
  it("runs a tiny sweep, survives SIGKILL of the coordinator, and resumes without redoing finished trials", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "agora-sweep-")), "sweep");
    const args = [
      BIN,
      "sweep",
      GAME,
      "--vary",
      "temptation=3,4,5",
      "--seeds",
      "1",
      ...TINY,
      "--parallel",
      "1",
      "--out",
      out,
    ];
    const first = spawn(process.execPath, args, { stdio: "ignore" });
    await waitFor(
      () => existsSync(join(out, "results.jsonl")) && readFileSync(join(out, "results.jsonl"), "utf8").length > 0,
      40_000,
    );
    first.kill("SIGKILL");
    await new Promise((r) => first.once("close", r));
    const before = readResults(out);
    expect(before.length).toBeGreaterThanOrEqual(1);
    expect(before.length).toBeLessThan(3);
    const finishedConfig = join(out, before[0].run, "config.json");
    const mtime = statSync(finishedConfig).mtimeMs;

    const second = spawnSync(process.execPath, args, { encoding: "utf8" });
    // The killed coordinator's lock is stale: taken over, with one line saying so.
    expect(second.stderr).toBe(`${out}: taking over a stale lock (its sweep coordinator, pid ${first.pid}, is gone)\n`);
    expect(existsSync(join(out, "coordinator.lock"))).toBe(false);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain(`resuming sweep`);
    expect(second.stdout).toContain(`${before.length} already finished`);
    expect(second.stdout).toContain("3/3 trials finished");

    const plan = JSON.parse(readFileSync(join(out, "plan.json"), "utf8")) as SweepPlan;
    const after = readResults(out);
    // Every trial exactly once; the finished ones kept their line and their run folder.
    expect(after.map((r) => r.trial).sort()).toEqual(plan.trials.map((t) => t.id));
    expect(after.slice(0, before.length)).toEqual(before);
    expect(statSync(finishedConfig).mtimeMs).toBe(mtime);
    for (const r of after) {
      const trial = plan.trials.find((t) => t.id === r.trial)!;
      expect(r.point).toEqual(trial.point);
      expect(r.seed).toBe(trial.seed);
      expect(existsSync(join(out, r.run, "config.json"))).toBe(true);
      expect(existsSync(join(out, r.run, "checkpoints", "latest.json"))).toBe(true);
      expect(r.evaluation.episodes).toBe(16);
      expect(r.evaluation.returns[0].role).toBe("player");
      expect(Number.isFinite(r.evaluation.welfare.ci95)).toBe(true);
      expect(r.actions.player.cooperate + r.actions.player.defect).toBeCloseTo(1, 6);
      // A one-shot game with a normal form: the learned profile's exploitability, from the payoff table.
      expect(r.exploitability!.nashConv).toBeGreaterThanOrEqual(0);
      expect(r.exploitability!.gains).toHaveLength(2);
    }
    expect(readFileSync(join(out, "results.csv"), "utf8").trimEnd().split("\n")).toHaveLength(4);
    expect(existsSync(join(out, "sweep.html"))).toBe(true);

    // A third run has nothing left to do, and prints the results for people who plot themselves.
    const third = spawnSync(process.execPath, [...args, "--format", "json"], { encoding: "utf8" });
    expect(third.status).toBe(0);
    expect((JSON.parse(third.stdout) as TrialResult[]).map((r) => r.trial)).toEqual(plan.trials.map((t) => t.id));
  });
});
