import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import type { IRGame } from "../compiler/ir.js";
import { createInterpreter } from "../compiler/interpreter.js";
import { createJsKernel } from "../compiler/js-backend.js";
import type { EnvOptions, StepResult, VecEnv } from "../compiler/vecenv.js";
import { main } from "../cli/main.js";
import { createHandwrittenIpd } from "../bench/handwritten-ipd.js";
import { compareResults, lockstep } from "./support/lockstep.js";
import { prng } from "./support/sources.js";
import { exampleFiles, repoRoot } from "./support/sources.js";
import { EXTRA } from "./support/stress.js";

function ir(source: string): IRGame {
  const { ir, document } = compileToIR(source);
  if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
  return ir;
}

const example = (name: string) => ir(readFileSync(join(repoRoot, "examples", name), "utf8"));
const backends = {
  interpreter: (g: IRGame, o: EnvOptions) => createInterpreter(g, o),
  js: (g: IRGame, o: EnvOptions) => createJsKernel(g)(o),
};

describe("the JS kernel agrees with the reference interpreter", () => {
  const scenarios: [string, string][] = [
    ...exampleFiles().map((f): [string, string] => [f.name, f.code]),
    ...Object.entries(EXTRA),
  ];
  for (const [name, source] of scenarios) {
    it(`${name}: 64 copies x 1000 steps, bit for bit`, () => {
      const game = ir(source);
      const options = { numEnvs: 64, seed: 12345, checked: true };
      const diff = lockstep(game, [backends.interpreter(game, options), backends.js(game, options)], {
        steps: 1000,
        seed: 99,
      });
      expect(diff).toBeUndefined();
    });
  }
});

describe("determinism", () => {
  const run = (seed: number) => {
    const game = ir(EXTRA["random and math"]);
    const env = backends.js(game, { numEnvs: 8, seed });
    env.reset();
    const trace: number[] = [];
    const actions = [new Int32Array(8 * 3).fill(-1)];
    for (let t = 0; t < 50; t++) {
      const r = env.step(actions);
      trace.push(...r.roles[0].reward, ...r.metrics, ...r.done);
    }
    return trace;
  };
  it("gives the same run for the same seed and another for another seed", () => {
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it("samples ranged params per episode, or uses the defaults when asked", () => {
    const game = example("public_goods.game");
    const sampled = backends.js(game, { numEnvs: 32, seed: 3 });
    const fixed = backends.js(game, { numEnvs: 32, seed: 3, sampleParams: false });
    const contributeAll = [new Int32Array(32 * 4).fill(10)];
    const a = sampled.reset() && sampled.step(contributeAll).roles[0].reward.slice();
    const b = fixed.reset() && fixed.step(contributeAll).roles[0].reward.slice();
    // Everyone gives 10: each gets -10 + 40 * multiplier / 4.
    expect(new Set(b)).toEqual(new Set([Math.fround(-10 + Math.fround(Math.fround(40 * Math.fround(1.6)) / 4))]));
    expect(new Set(a).size).toBeGreaterThan(8);
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(-10 + 12 - 1e-4);
      expect(v).toBeLessThanOrEqual(-10 + 25 + 1e-4);
    }
  });
});

/** Steps one copy with given actions per role and returns the result. */
function play(env: VecEnv, ...actions: number[][]): StepResult {
  return env.step(actions.map((a) => Int32Array.from(a)));
}

for (const backend of ["interpreter", "js"] as const) {
  describe(`hand-computed steps (${backend})`, () => {
    const make = (game: IRGame, extra: Partial<EnvOptions> = {}) => {
      const env = backends[backend](game, { numEnvs: 1, seed: 1, sampleParams: false, checked: true, ...extra });
      return { env, first: env.reset() };
    };

    it("prisoner's dilemma: payoffs, one-round episodes and auto-reset", () => {
      const { env } = make(example("prisoners_dilemma.game"));
      const cd = play(env, [0, 1]);
      expect([...cd.roles[0].reward]).toEqual([0, 5]);
      expect(cd.done[0]).toBe(1);
      expect([...play(env, [1, 1]).roles[0].reward]).toEqual([1, 1]);
      expect([...play(env, [1, 0]).roles[0].reward]).toEqual([5, 0]);
      // A no-op matches no row and pays nothing.
      expect([...play(env, [-1, 0]).roles[0].reward]).toEqual([0, 0]);
    });

    it("public goods: contributions, a vote that enacts sanctions, then a fine", () => {
      const game = example("public_goods.game");
      const { env, first } = make(game);
      const flat = (label: string) => game.roles[0].actionLabels.indexOf(label);
      // Before the vote, punishing is masked out for everyone.
      expect(first.roles[0].mask[flat("punish(citizen#1)")]).toBe(0);
      const step1 = play(env, [
        flat("contribute(4)"),
        flat("vote(sanctions)"),
        flat("vote(sanctions)"),
        flat("vote(sanctions)"),
      ]);
      const share = Math.fround(Math.fround(4 * Math.fround(1.6)) / 4);
      expect([...step1.roles[0].reward]).toEqual([Math.fround(-4 + share), share, share, share]);
      // Observations: round, self.total, mean total, sanctions (now enacted).
      expect([...step1.roles[0].obs.slice(0, 4)]).toEqual([
        1,
        Math.fround(-4 + share),
        Math.fround(Math.fround(Math.fround(-4 + share) + 3 * share) / 4),
        1,
      ]);
      // Now citizen 0 may punish others but not itself.
      expect(step1.roles[0].mask[flat("punish(citizen#0)")]).toBe(0);
      expect(step1.roles[0].mask[flat("punish(citizen#1)")]).toBe(1);
      const step2 = play(env, [
        flat("punish(citizen#1)"),
        flat("contribute(2)"),
        flat("contribute(2)"),
        flat("contribute(2)"),
      ]);
      const share2 = Math.fround(Math.fround(6 * Math.fround(1.6)) / 4);
      expect([...step2.roles[0].reward]).toEqual([
        Math.fround(-1 + share2),
        Math.fround(Math.fround(-2 - 3) + share2),
        Math.fround(-2 + share2),
        Math.fround(-2 + share2),
      ]);
      expect(step2.metrics[0]).toBe(0.25);
    });

    it("ultimatum: phases, the offer carried in state, and the episode's end", () => {
      const game = example("ultimatum.game");
      const { env, first } = make(game);
      expect(first.phase[0]).toBe(0);
      // In the propose phase the responder has no legal action.
      expect([...first.roles[1].mask]).toEqual([0, 0]);
      const offered = play(env, [3], [-1]);
      expect(offered.phase[0]).toBe(1);
      expect(offered.done[0]).toBe(0);
      expect([...offered.roles[1].obs]).toEqual([3]);
      expect([...offered.roles[0].mask]).toEqual(new Array(11).fill(0));
      const accepted = play(env, [-1], [0]);
      expect([...accepted.roles[0].reward, ...accepted.roles[1].reward]).toEqual([7, 3]);
      expect(accepted.done[0]).toBe(1);
      expect(accepted.phase[0]).toBe(0);
      play(env, [8], [-1]);
      const rejected = play(env, [-1], [1]);
      expect([...rejected.roles[0].reward, ...rejected.roles[1].reward]).toEqual([0, 0]);
    });

    it("coalitions: joining a team, shared output and care for teammates", () => {
      const game = example("coalitions.game");
      const { env, first } = make(game);
      const labels = game.roles[0].actionLabels;
      expect(labels).toEqual(["join(red)", "join(blue)", "work", "shirk"]);
      // Agents are dealt round-robin: 0, 2, 4 red; 1, 3, 5 blue. Joining your own team is masked.
      expect([...first.roles[0].mask.slice(0, 4)]).toEqual([0, 1, 1, 1]);
      const [joinBlue, work, shirk] = [1, 2, 3];
      const r = play(env, [joinBlue, work, work, work, work, shirk]);
      // Red: agents 2 and 4 work: output 6 shared by 2, minus 1 for working.
      // Blue: agents 0 (just joined), 1, 3, 5; 1 and 3 work: output 6 shared by 4.
      const blueShare = 1.5;
      expect([...r.roles[0].reward]).toEqual([blueShare, blueShare - 1, 2, blueShare - 1, 2, blueShare]);
      // Agent 0's objective: its reward plus care (0.5) times its teammates' mean reward.
      const mate = Math.fround(Math.fround(Math.fround(0.5 + 0.5) + 1.5) / 3);
      expect(r.roles[0].objective[0]).toBe(Math.fround(1.5 + Math.fround(0.5 * mate)));
      // Observation: own team (one-hot), size(red), size(blue).
      expect([...r.roles[0].obs.slice(0, 4)]).toEqual([0, 1, 2, 4]);
    });
  });
}

describe("the benchmark's hand-written iterated PD kernel", () => {
  it("computes exactly what the generated kernel computes, so the speed comparison is fair", () => {
    const E = 32;
    const generated = createJsKernel(example("iterated_pd.game"))({ numEnvs: E, seed: 1 });
    const handwritten = createHandwrittenIpd(E);
    expect(compareResults(generated.reset(), handwritten.reset(), { real: 0 })).toBeUndefined();
    const rand = prng(8);
    const actions = [new Int32Array(E * 2)];
    for (let t = 0; t < 500; t++) {
      for (let j = 0; j < actions[0].length; j++) actions[0][j] = Math.floor(rand() * 3) - 1;
      expect(
        compareResults(generated.step(actions), handwritten.step(actions), { real: 0 }),
        `step ${t}`,
      ).toBeUndefined();
    }
  });
});

describe("the environment API", () => {
  it("rejects a masked-out action in checked mode with a clear message", () => {
    const game = example("public_goods.game");
    for (const make of Object.values(backends)) {
      const env = make(game, { numEnvs: 2, seed: 1, checked: true });
      env.reset();
      const punish = game.roles[0].actionLabels.indexOf("punish(citizen#1)");
      expect(() => env.step([Int32Array.from([0, 0, 0, 0, 0, 0, punish, 0])])).toThrow(
        "copy 1, citizen #2: action `punish(citizen#1)` (12) is not available now (masked out); pass a legal action or -1 for no-op",
      );
    }
  });

  it("pins per-episode params and refuses to change compiled ones", () => {
    const game = example("public_goods.game");
    const env = backends.js(game, { numEnvs: 1, seed: 1, params: { multiplier: 2 } });
    env.reset();
    expect([...env.step([Int32Array.from([10, 10, 10, 10])]).roles[0].reward]).toEqual([10, 10, 10, 10]);
    expect(() => backends.js(game, { numEnvs: 1, params: { n: 5 } })).toThrow(
      "param `n` is fixed when the scenario is compiled",
    );
    expect(() => backends.interpreter(game, { numEnvs: 1, params: { nope: 5 } })).toThrow("unknown param `nope`");
  });

  it("reuses its result buffers instead of allocating per step", () => {
    const env = backends.js(example("iterated_pd.game"), { numEnvs: 4 });
    const a = env.reset();
    const b = env.step([new Int32Array(8)]);
    expect(b).toBe(a);
    expect(b.roles[0].obs).toBe(a.roles[0].obs);
  });

  it("describes roles, actions, observations, params and metrics in its schema", () => {
    const schema = backends.js(example("public_goods.game"), { numEnvs: 1 }).schema;
    expect(schema.roles[0]).toMatchObject({ name: "citizen", count: 4, numActions: 16, obsDim: 4 });
    expect(schema.roles[0].observations.map((o) => o.labels[0])).toEqual([
      "round",
      "self.total",
      "mean(c in citizen: c.total)",
      "sanctions",
    ]);
    expect(schema.params.find((p) => p.name === "multiplier")).toMatchObject({
      range: { lo: Math.fround(1.2), hi: 2.5 },
      variesPerEpisode: true,
    });
    expect(schema.metrics).toEqual(["punishing"]);
  });
});

describe("agora compile", () => {
  it("writes a standalone module and schema that step like the in-process kernel", async () => {
    const dir = mkdtempSync(join(repoRoot, "test", ".tmp-compile-"));
    try {
      const out: string[] = [];
      const code = await main(["compile", join(repoRoot, "examples/iterated_pd.game"), "-o", dir], {
        out: (s) => out.push(s),
        err: (s) => out.push(s),
      });
      expect(code).toBe(0);
      expect(out.join("\n")).toContain("env.mjs");
      const text = readFileSync(join(dir, "env.mjs"), "utf8");
      expect(text).not.toMatch(/^import /m);
      const schema = JSON.parse(readFileSync(join(dir, "schema.json"), "utf8"));
      expect(schema.roles[0].actionLabels).toEqual(["cooperate", "defect"]);
      const mod = await import(pathToFileURL(join(dir, "env.mjs")).href);
      const game = example("iterated_pd.game");
      const diff = lockstep(
        game,
        [createJsKernel(game)({ numEnvs: 16, seed: 4 }), mod.createEnv({ numEnvs: 16, seed: 4 })],
        { steps: 200, seed: 1 },
      );
      expect(diff).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("writes a TensorFlow.js program that imports only @tensorflow/tfjs", async () => {
    const dir = mkdtempSync(join(repoRoot, "test", ".tmp-compile-"));
    try {
      const code = await main(
        ["compile", join(repoRoot, "examples/public_goods.game"), "-o", dir, "--target", "tensor"],
        { out: () => {}, err: () => {} },
      );
      expect(code).toBe(0);
      const imports = readFileSync(join(dir, "env.mjs"), "utf8").match(/^import .*$/gm);
      expect(imports).toEqual([expect.stringMatching(/from "@tensorflow\/tfjs";$/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports errors as diagnostics and writes nothing", async () => {
    const err: string[] = [];
    const code = await main(
      [
        "compile",
        join(repoRoot, "test/corpus/errors/020-unknown-name-did-you-mean.game"),
        "-o",
        join(repoRoot, "test", ".tmp-never"),
      ],
      { out: () => {}, err: (s) => err.push(s) },
    );
    expect(code).toBe(1);
    expect(err.join("\n")).toContain("error[E0101]");
    expect(err.join("\n")).toContain("not compiled: 1 error");
  });
});
