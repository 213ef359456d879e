import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCheckpoint } from "../runtime/checkpoint.js";
import { exploitabilityOfRun } from "../runtime/exploitability.js";
import { train } from "../runtime/train.js";
import { renderedDom } from "./support/chromium.js";
import { repoRoot } from "./support/sources.js";
import { ZERO_SUM_GAMES } from "./support/zero-sum-games.js";

/**
 * The learning test of the `pool` co-player (fictitious self-play): on zero-sum games whose
 * only equilibrium is mixed, where self-play PPO cycles, what the run learned (its average
 * strategy) must be within 5% of the payoff range of an equilibrium, measured as NashConv
 * exactly from the payoff table. Fixed seeds; the margins seen are about 3× (see the
 * closing numbers in docs/training.md).
 */
const TRAIN = `
  train {
    steps 200000
    envs 64
    entropy 0.2
    opponents [self, pool]
  }`;

describe("fictitious self-play against the pool: NashConv below 5% of the payoff range", () => {
  for (const game of ZERO_SUM_GAMES) {
    it(game.name, async () => {
      const dir = mkdtempSync(join(tmpdir(), "agora-fsp-"));
      const scenarioPath = join(dir, "game.game");
      writeFileSync(scenarioPath, game.source(TRAIN));
      const out = join(dir, "run");
      // Short rollouts: fictitious play needs many updates (docs/training.md); `rollout` has no `train` key.
      await train({ scenarioPath, out, backend: "native", threads: 1, flags: { rollout: 8 } });
      const learned = exploitabilityOfRun(out)!;
      expect(learned.kind).toBe("average over training");
      expect(learned.nashConv).toBeLessThan(0.05 * game.range);
      // The nearest equilibrium is the game's only one, and the profile is close to it.
      expect(learned.nearest!.distance).toBeLessThan(0.1);

      // The report plots NashConv over training and ends at the same number.
      const html = readFileSync(join(out, "report.html"), "utf8");
      const data = JSON.parse(/const DATA = (.*);\n/.exec(html)![1]) as {
        charts: { id: string; series: { label: string; values: (number | null)[] }[] }[];
      };
      const chart = data.charts.find((c) => c.id === "nashconv")!;
      expect(chart.series.map((s) => s.label)).toEqual([
        "this update's policy",
        "average strategy so far (fictitious self-play)",
      ]);
      expect(chart.series[1].values.at(-1)).toBeCloseTo(learned.nashConv, 9);
      // ...and its summary names the learned profile, its NashConv and the nearest equilibrium.
      expect(html).toContain("<th>learned profile (average over training)</th>");
      expect(html).toContain(`<th>NashConv of the learned profile</th><td>${learned.nashConv.toFixed(4)} (`);
      expect(html).toContain(`(distance ${learned.nearest!.distance.toFixed(3)})</td>`);
      // The pool is saved with the latest checkpoint, for resuming.
      const pool = readCheckpoint(out).pool!;
      expect(pool.members.length).toBeGreaterThan(8);
      expect(pool.members.length).toBeLessThanOrEqual(64);
    });
  }

  it("examples/penalty_kick.game, as shipped (its train block: self and pool, entropy 0.2)", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "agora-fsp-")), "run");
    await train({
      scenarioPath: join(repoRoot, "examples/penalty_kick.game"),
      out,
      backend: "native",
      threads: 1,
      flags: { rollout: 8 },
    });
    const learned = exploitabilityOfRun(out)!;
    expect(learned.kind).toBe("average over training");
    // Payoffs from -0.95 to 0.95.
    expect(learned.nashConv).toBeLessThan(0.05 * 1.9);
  });

  it("a run against the pool resumes with its pool, and its report renders every chart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-fsp-"));
    const scenarioPath = join(dir, "game.game");
    writeFileSync(scenarioPath, ZERO_SUM_GAMES[2].source(TRAIN));
    const out = join(dir, "run");
    await train({ scenarioPath, out, backend: "native", threads: 1, flags: { steps: 20_000, rollout: 8 } });
    const before = readCheckpoint(out);
    const logs: string[] = [];
    const resumed = await train({ resume: out, flags: { steps: 40_000 }, log: (l) => logs.push(l), threads: 1 });
    expect(logs.some((l) => l.startsWith(`resuming ${out} at update ${before.update}`))).toBe(true);
    expect(resumed.updates).toBeGreaterThan(before.update);
    const after = readCheckpoint(out).pool!;
    // The members saved before the resume are still there (those the thinning keeps), and new ones joined.
    const kept = before.pool!.members.filter((m) => m.update % after.interval === 0).map((m) => m.update);
    expect(after.members.map((m) => m.update).slice(0, kept.length)).toEqual(kept);
    expect(after.members.at(-1)!.update).toBeGreaterThan(before.update);
    const dom = renderedDom(join(out, "report.html"));
    const charts = /data-charts="(\d+)"/.exec(dom);
    expect(Number(charts?.[1])).toBe((dom.match(/class="chart"/g) ?? []).length);
    expect(dom).toContain("Exploitability over training");
  });
});
