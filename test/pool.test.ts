import { describe, expect, it } from "vitest";
import { decodePool, encodePool } from "../runtime/checkpoint.js";
import { parseOpponent, parseOpponents } from "../runtime/coplayers.js";
import type { Policy } from "../runtime/engine/policy.js";
import { learnedShares, nashConvOverTraining, oneShotAnalysis } from "../runtime/exploitability.js";
import { loadScenario } from "../runtime/env.js";
import { loadActor, PolicyPool } from "../runtime/pool.js";
import { Rng } from "../runtime/ppo.js";
import type { MetricsLine, RunConfig } from "../runtime/train.js";
import { ZERO_SUM_GAMES } from "./support/zero-sum-games.js";

const PENNIES = ZERO_SUM_GAMES[0].source();

/** A stand-in policy whose every weight tensor holds `tag` (actor: 2 tensors, critic: 2). */
function fakePolicy(tag: () => number): Policy & { loaded: number[][] } {
  const loaded: number[][] = [];
  return {
    obsDim: 1,
    numActions: 2,
    hidden: [],
    loaded,
    weights: () =>
      ["actor/w0", "actor/b0", "critic/w0", "critic/b0"].map((name) => ({
        name,
        shape: [2],
        data: Float32Array.of(tag(), tag()),
      })),
    setWeights: (w: { data: ArrayLike<number> }[]) => loaded.push(w.map((t) => t.data[0])),
  } as unknown as Policy & { loaded: number[][] };
}

describe("the policy pool (fictitious self-play)", () => {
  it("keeps at most `capacity` snapshots, evenly spread over all of training, from update 0 on", () => {
    let update = 0;
    const pool = new PolicyPool(4, [2]);
    const policy = fakePolicy(() => update);
    for (update = 0; update <= 20; update++) pool.offer(update, [policy]);
    const kept = pool.members.map((m) => m.update);
    expect(kept.length).toBeLessThanOrEqual(4);
    expect(kept).toEqual([0, 8, 16]);
    expect(pool.interval).toBe(8);
    // Only the actor is kept, a copy of what the policy held then.
    expect(pool.members[1].actors[0].map((w) => Array.from(w))).toEqual([
      [8, 8],
      [8, 8],
    ]);
  });

  it("draws members uniformly and reproducibly from its seed", () => {
    const pool = new PolicyPool(64, [2]);
    let update = 0;
    const policy = fakePolicy(() => update);
    for (update = 0; update < 4; update++) pool.offer(update, [policy]);
    const draw = (seed: number) => pool.sample(4000, new Rng(seed)).map((m) => m.update);
    expect(draw(7)).toEqual(draw(7));
    const counts = [0, 1, 2, 3].map((u) => draw(7).filter((x) => x === u).length);
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it("loads a member's actor into a co-player, leaving its critic", () => {
    const pool = new PolicyPool(8, [2]);
    pool.offer(0, [fakePolicy(() => 5)]);
    const slot = fakePolicy(() => -1);
    loadActor(slot, pool.members[0].actors[0]);
    expect(slot.loaded).toEqual([[5, 5, -1, -1]]);
  });

  it("survives a checkpoint round trip, and refuses a pool of 1", () => {
    const pool = new PolicyPool(3, [2]);
    let update = 0;
    const policy = fakePolicy(() => update + 0.5);
    for (update = 0; update < 7; update++) pool.offer(update, [policy]);
    const back = new PolicyPool(3, [2]);
    back.restore(decodePool(JSON.parse(JSON.stringify(encodePool(pool.save())))));
    expect(back.interval).toBe(pool.interval);
    expect(back.members.map((m) => [m.update, Array.from(m.actors[0][0])])).toEqual(
      pool.members.map((m) => [m.update, Array.from(m.actors[0][0])]),
    );
    expect(() => new PolicyPool(1, [2])).toThrow(/2 members/);
  });

  it("`pool` stands for one co-player entry per role, and is for training only", () => {
    const { ir } = loadScenario(PENNIES);
    expect(parseOpponents(["self", "pool"], ir)).toEqual([
      { kind: "self" },
      { kind: "pool", role: 0 },
      { kind: "pool", role: 1 },
    ]);
    expect(() => parseOpponent("pool", ir)).toThrow(/training only/);
  });
});

describe("what a run learned, and its NashConv over training", () => {
  const run = (opponents: string[]): RunConfig => ({
    format: "agora-run/1",
    scenario: { path: "p.game", name: "Pennies", source: PENNIES },
    overrides: {},
    config: { opponents } as never,
    backend: "native",
    created: "",
  });
  const line = (matcherHeads: number, mismatcherHeads: number) =>
    ({
      actionFrequencies: {
        matcher: { heads: matcherHeads, tails: 1 - matcherHeads },
        mismatcher: { heads: mismatcherHeads, tails: 1 - mismatcherHeads },
      },
    }) as unknown as MetricsLine;
  // Both show heads, then both tails: each profile is exploitable by 2 (the mismatcher's gain); their average is the
  // equilibrium.
  const lines = [line(1, 1), line(0, 0)];

  it("is the last rollout's shares, or against the pool the average over training", () => {
    expect(learnedShares(run(["self"]), lines)).toEqual({ shares: lines[1].actionFrequencies, kind: "last rollout" });
    const average = learnedShares(run(["self", "pool"]), lines)!;
    expect(average.kind).toBe("average over training");
    expect(average.shares.matcher).toEqual({ heads: 0.5, tails: 0.5 });
  });

  it("gives NashConv per update, and of the running average for runs against the pool", () => {
    const report = oneShotAnalysis(run(["pool"]))!;
    expect(nashConvOverTraining(report, lines, false)).toEqual({ current: [2, 2], average: undefined });
    expect(nashConvOverTraining(report, lines, true)).toEqual({ current: [2, 2], average: [2, 0] });
  });
});

describe("`pool` in a scenario's train block", () => {
  const withTrain = (extra: string, opponents: string) =>
    PENNIES.replace(/\}\n$/, `${extra}\n  train {\n    opponents [${opponents}]\n  }\n}\n`);

  it("is fictitious self-play, unless the scenario has a bot of that name", () => {
    expect(loadScenario(withTrain("", "self, pool")).document.model?.train?.opponents).toEqual(["self", "pool"]);
    const botNamedPool = withTrain("\n  bot pool for matcher { play heads }", "pool");
    expect(loadScenario(botNamedPool).document.model?.train?.opponents).toEqual(["bot:pool"]);
    expect(() => loadScenario(withTrain("", "pol"))).toThrow(/`pol` is not a bot of this game/);
  });
});
