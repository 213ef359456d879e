import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { loadWeights, makeCheckpoint, readCheckpoint, writeCheckpoint } from "../runtime/checkpoint.js";
import { loadNativeEngine } from "../runtime/engine/native.js";
import { NativePolicy, TfPolicy } from "../runtime/engine/policy.js";
import { Rng } from "../runtime/ppo.js";
import { runPlay } from "../cli/commands/play.js";
import { loadTf } from "../runtime/tf.js";
import { train, type MetricsLine } from "../runtime/train.js";
import { repoRoot } from "./support/sources.js";

const dir = () => mkdtempSync(join(tmpdir(), "agora-train-"));

function scenarioFile(source: string): string {
  const path = join(dir(), "scenario.game");
  writeFileSync(path, source);
  return path;
}

/** One set of hyperparameters for every sanity check: it must learn where there is something to learn. */
const SANITY = { steps: 40_000, envs: 64, rollout: 16, hidden: [32, 32], lr: 5e-4, entropy: 0.2, seed: 7 };

async function trainQuietly(path: string) {
  const lines: MetricsLine[] = [];
  await train({
    scenarioPath: path,
    out: dir(),
    flags: SANITY,
    opponents: ["self"],
    report: false,
    onUpdate: (l) => lines.push(l),
  });
  return { last: lines[lines.length - 1], lines };
}

const ONE_SHOT_PD = (objective: string) => `game PD {
  horizon 1
  role player * 2 {
    action cooperate
    action defect
    ${objective}
  }
  payoff {
    cooperate, cooperate => 3, 3
    cooperate, defect    => 0, 5
    defect,    cooperate => 5, 0
    defect,    defect    => 1, 1
  }
}`;

describe("learning sanity (fixed seeds)", () => {
  it("one-shot prisoner's dilemma: defect at least 90% of the time", async () => {
    const { last } = await trainQuietly(join(repoRoot, "examples/prisoners_dilemma.game"));
    expect(last.actionFrequencies.player.defect).toBeGreaterThanOrEqual(0.9);
  });

  it("prisoner's dilemma where each cares for the other (care = 1): cooperate at least 90%", async () => {
    const { last } = await trainQuietly(
      scenarioFile(ONE_SHOT_PD("objective self.reward + sum(o in player where o != self: o.reward)")),
    );
    expect(last.actionFrequencies.player.cooperate).toBeGreaterThanOrEqual(0.9);
  });

  it("stag hunt: a coordinated outcome at least 90% of the time", async () => {
    const { last } = await trainQuietly(
      scenarioFile(`game StagHunt {
        horizon 1
        role hunter * 2 { action stag  action hare }
        payoff {
          stag, stag => 4, 4
          stag, hare => 0, 3
          hare, stag => 3, 0
          hare, hare => 3, 3
        }
        metric coordinated = if all(h in hunter where h.action == stag) or all(h in hunter where h.action == hare) then 1 else 0
      }`),
    );
    expect(last.episodes!.metrics[0]).toBeGreaterThanOrEqual(0.9);
  });

  it("matching pennies: each action about half the time (0.5 ± 0.1)", async () => {
    // Self-play circles around the mixed equilibrium; what it plays over the second half of
    // training is what is compared (the time average is what converges in zero-sum games).
    const { lines } = await trainQuietly(
      scenarioFile(`game Pennies {
        horizon 1
        role matcher { action heads  action tails }
        role mismatcher { action heads  action tails }
        payoff {
          heads, heads => 1, -1
          heads, tails => -1, 1
          tails, heads => -1, 1
          tails, tails => 1, -1
        }
      }`),
    );
    const later = lines.slice(Math.floor(lines.length / 2));
    for (const role of ["matcher", "mismatcher"]) {
      const heads = later.reduce((sum, l) => sum + l.actionFrequencies[role].heads, 0) / later.length;
      expect(Math.abs(heads - 0.5)).toBeLessThanOrEqual(0.1);
    }
  });
});

describe("training runs", () => {
  it("keeps the tensor count flat across updates", async () => {
    const { tf } = await loadTf();
    const counts: number[] = [];
    await train({
      scenarioPath: join(repoRoot, "examples/public_goods.game"),
      out: dir(),
      backend: "wasm",
      flags: { steps: 6 * 16 * 16 * 4, envs: 16, rollout: 16, hidden: [16] },
      report: false,
      onUpdate: () => counts.push(tf.memory().numTensors),
    });
    expect(counts.length).toBe(6);
    expect(new Set(counts.slice(1)).size).toBe(1);
  });

  it("gives the same run for the same seed", async () => {
    const run = async () => {
      const lines: MetricsLine[] = [];
      await train({
        scenarioPath: join(repoRoot, "examples/stag_hunt.game"),
        out: dir(),
        flags: { steps: 3 * 16 * 8 * 2, envs: 16, rollout: 8, seed: 3 },
        report: false,
        onUpdate: (l) => lines.push(l),
      });
      return lines.map((l) => ({ episodes: l.episodes, frequencies: l.actionFrequencies, losses: l.losses }));
    };
    expect(await run()).toEqual(await run());
  });

  it("saves checkpoints that load back to identical actions, on either engine", async () => {
    const { tf } = await loadTf();
    const native = loadNativeEngine().engine!;
    const nets = [new TfPolicy(tf, 3, 4, [8, 8], 5, "save-test")];
    const path = join(dir(), "c.json");
    const ir = { name: "G", roles: [{ name: "r", obsDim: 3, numActions: 4 }] } as never;
    writeCheckpoint(path, makeCheckpoint(ir, nets, { update: 1, agentSteps: 10, config: {} as never, rng: 9 }));
    const restored = [new TfPolicy(tf, 3, 4, [8, 8], 99, "load-test")];
    loadWeights(readCheckpoint(path), ir, restored);
    const onNative = [new NativePolicy(native, 3, 4, [8, 8], 99, "load-native")];
    loadWeights(readCheckpoint(path), ir, onNative);
    const obs = Float32Array.from({ length: 30 }, (_, i) => Math.sin(i));
    const mask = new Uint8Array(40).fill(1);
    const a = nets[0].act(obs, mask, 10, new Rng(1));
    const b = restored[0].act(obs, mask, 10, new Rng(1));
    expect(b.logProbs).toEqual(a.logProbs);
    expect(b.actions).toEqual(a.actions);
    const c = onNative[0].act(obs, mask, 10, new Rng(1));
    for (let i = 0; i < a.logProbs.length; i++) expect(c.logProbs[i]).toBeCloseTo(a.logProbs[i], 5);
    expect(c.actions).toEqual(a.actions);
    nets[0].dispose();
    restored[0].dispose();
  });

  it("resumes from the latest checkpoint and continues the metrics", async () => {
    const out = dir();
    const flags = { steps: 2 * 16 * 8 * 2, envs: 16, rollout: 8 };
    await train({ scenarioPath: join(repoRoot, "examples/iterated_pd.game"), out, flags, report: false });
    await train({ resume: out, flags: { steps: 4 * 16 * 8 * 2 }, report: false });
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as MetricsLine);
    expect(lines.map((l) => l.update)).toEqual([1, 2, 3, 4]);
    expect(lines.map((l) => l.agentSteps)).toEqual([256, 512, 768, 1024]);
    expect(readCheckpoint(out).update).toBe(4);
  });

  it("writes a self-contained report with learning curves, actions, metrics and social metrics", async () => {
    const result = await train({
      scenarioPath: join(repoRoot, "examples/public_goods.game"),
      out: dir(),
      flags: { steps: 3 * 16 * 40 * 4, envs: 16, rollout: 40, hidden: [16] },
    });
    const html = readFileSync(join(result.runDir, "report.html"), "utf8");
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)=["']?https?:/);
    for (const title of [
      "Learning curves",
      "Actions over training: citizen",
      "Mean argument over training: citizen",
      "actions of citizen",
      "Scenario metrics",
      "Social metrics: welfare",
      "Social metrics: equality",
      "Rule activity",
    ])
      expect(html).toContain(title);
    expect(html).toContain("uPlot");
  });
});

describe("names and numbers a scenario may hold", () => {
  it("keeps losses and action frequencies of a role named like a JS built-in (`__proto__`, `constructor`)", async () => {
    const path = scenarioFile(`game Names {
  horizon 1
  role __proto__ { action toString  action valueOf }
  role constructor { action a  action b }
  payoff {
    toString, a => 1, 0
    toString, b => 0, 1
    valueOf, a => 0, 1
    valueOf, b => 1, 0
  }
}
`);
    const lines: MetricsLine[] = [];
    await train({
      scenarioPath: path,
      out: join(dir(), "run"),
      flags: { steps: 512, envs: 16, rollout: 8, hidden: [8], seed: 1 },
      opponents: ["self"],
      report: false,
      onUpdate: (l) => lines.push(l),
    });
    const last = lines[lines.length - 1];
    expect(Object.keys(last.losses).sort()).toEqual(["__proto__", "constructor"]);
    expect(Object.hasOwn(last.losses, "__proto__")).toBe(true);
    expect(Number.isFinite(last.losses["__proto__"].policyLoss)).toBe(true);
    expect(Object.keys(last.actionFrequencies["__proto__"]).sort()).toEqual(["toString", "valueOf"]);
  });

  it("stops on a non-finite loss, naming the update, with a hint", async () => {
    // Rewards near float32's limit: their discounted sum overflows float32 in the rollout.
    const path = scenarioFile(`game Huge {
  horizon 4
  role player * 2 { action a  action b }
  step {
    for p in player { p.reward = 3e38 }
  }
}
`);
    await expect(
      train({
        scenarioPath: path,
        out: join(dir(), "run"),
        flags: { steps: 512, envs: 16, rollout: 8, hidden: [8], seed: 1 },
        opponents: ["self"],
        report: false,
      }),
    ).rejects.toThrow(/^update 1: player's \w+ is (NaN|-?Infinity); training stopped .*--lr/);
  });
});

describe("command line", () => {
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  it("trains from the command line, then evaluates against the scenario's bots", async () => {
    const out = dir();
    const trained = await run(
      "train",
      join(repoRoot, "examples/iterated_pd.game"),
      "--steps",
      "2048",
      "--envs",
      "16",
      "--rollout",
      "32",
      "--out",
      out,
    );
    expect(trained.code).toBe(0);
    expect(trained.out).toContain("engine: native (fused C++ kernels");
    expect(trained.out).toContain(join(out, "report.html"));
    expect(trained.out).toMatch(/ {2}last actions {2}player: (cooperate|defect) \d+%/);
    const evaluated = await run("eval", out, "--episodes", "8", "--format", "json");
    expect(evaluated.code).toBe(0);
    const report = JSON.parse(evaluated.out);
    expect(report.crossPlay.columns).toEqual(["self", "bot:tit_for_tat"]);
    expect(report.crossPlay.cells[0][1].mean).toBeGreaterThan(0);
    expect(report.selfPlay.roles[0].payoff.ci95).toBeGreaterThanOrEqual(0);
    // Self-play is one measurement: the "this run" × "self" cell is the self-play numbers.
    expect(report.crossPlay.cells[0][0].mean).toBeCloseTo(report.selfPlay.roles[0].payoff.mean, 12);
    expect(report.crossPlay.focal).toEqual([["player#0", "player#1"], ["player#0"]]);
    expect(Object.keys(report.selfPlay.actions.player.main[0])).toContain("share");
    const text = await run("eval", out, "--episodes", "8", "--vs", `checkpoint:${out}`);
    expect(text.code).toBe(0);
    // Whole row labels, a confidence interval in every cell, the focal seats named.
    expect(text.out).toContain(`  checkpoint:${out}  `);
    expect(text.out).toMatch(/this run\s+-?\d+\.\d{3} ± \d+\.\d{3}\s+-?\d+\.\d{3} ± \d+\.\d{3}/);
    expect(text.out).toContain("  bot:tit_for_tat: player#0");
    expect(text.out).toMatch(/actions of player: (cooperate|defect) \d+%/);
  });

  it("takes every PPO setting as a flag and records it in config.json", async () => {
    const out = dir();
    const args = [
      "--gamma",
      "0.9",
      "--lambda",
      "0.8",
      "--clip",
      "0.1",
      "--epochs",
      "2",
      "--minibatches",
      "2",
      "--value-coef",
      "0.25",
      "--max-grad-norm",
      "1.5",
      "--no-anneal-lr",
      "--activation",
      "tanh",
      "--threads",
      "1",
    ];
    const trained = await run(
      "train",
      join(repoRoot, "examples/iterated_pd.game"),
      "--steps",
      "512",
      "--envs",
      "8",
      "--rollout",
      "16",
      "--out",
      out,
      ...args,
    );
    expect(trained.code).toBe(0);
    expect(trained.out).toContain("engine: native (fused C++ kernels, 1 thread)");
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(config.backend).toBe("native");
    expect(config.config).toMatchObject({
      gamma: 0.9,
      lambda: 0.8,
      clip: 0.1,
      epochs: 2,
      minibatches: 2,
      valueCoef: 0.25,
      maxGradNorm: 1.5,
      annealLr: false,
      activation: "tanh",
      rollout: 16,
    });
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as MetricsLine);
    expect(new Set(metrics.map((l) => l.lr))).toEqual(new Set([config.config.lr]));
    const bad = await run("train", join(repoRoot, "examples/iterated_pd.game"), "--gamma", "2", "--out", dir());
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--gamma takes a number from 0 to 1, got `2`");
  });

  it("explains bad flags, missing files and scenarios with errors", async () => {
    const bad = await run("train", join(repoRoot, "examples/iterated_pd.game"), "--steps", "lots");
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("--steps takes a positive whole number, got `lots`");
    const missing = await run("train", "nowhere.game");
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("nowhere.game: no such file or folder");
    const broken = await run(
      "train",
      join(repoRoot, "test/corpus/errors/020-unknown-name-did-you-mean.game"),
      "--out",
      dir(),
    );
    expect(broken.code).toBe(1);
    expect(broken.err).toContain("error[E0101]");
    expect(broken.err).toContain("not trained: the scenario has errors");
    const noRun = await run("eval", dir());
    expect(noRun.code).toBe(1);
    expect(noRun.err).toContain("is not a run folder");
    const badBot = await run(
      "train",
      join(repoRoot, "examples/iterated_pd.game"),
      "--opponent",
      "bot:nice",
      "--out",
      dir(),
    );
    expect(badBot.code).toBe(1);
    expect(badBot.err).toContain("unknown bot `nice`; the scenario's bots are `tit_for_tat`");
  });

  it("lets a person play a role in the terminal", async () => {
    const lines: string[] = [];
    async function* typed() {
      yield "";
      yield "betray";
      yield "def";
    }
    const code = await runPlay(
      join(repoRoot, "examples/prisoners_dilemma.game"),
      { overrides: new Map(), seed: 1, episodes: 1, backend: "wasm", input: typed() },
      (s) => lines.push(s),
      (s) => lines.push(s),
    );
    expect(code).toBe(0);
    const text = lines.join("\n");
    expect(text).toContain(
      "the other player agents play at random (no --policy, and the scenario has no bot for this role)",
    );
    // The empty line showed the choices again; an unknown word is refused; a prefix is enough.
    expect(text.match(/Your actions: \[0\] cooperate {2}\[1\] defect/g)).toHaveLength(2);
    expect(text).toContain("not a legal action here: betray; choose one of cooperate, defect");
    expect(text).toMatch(/the others: player#1 (cooperate|defect)\nrewards: player#0 (1|5), player#1 (0|1)/);
    expect(text).toContain("episode over.");
  });

  it("says what is wrong with a --set when playing", async () => {
    const lines: string[] = [];
    const code = await runPlay(
      join(repoRoot, "examples/prisoners_dilemma.game"),
      { overrides: new Map([["Q", 1]]), seed: 1, episodes: 1, backend: "wasm", input: (async function* () {})() },
      () => {},
      (s) => lines.push(s),
    );
    expect(code).toBe(1);
    expect(lines.join("\n")).toContain("--set Q: the game has no param `Q`");
  });
});
