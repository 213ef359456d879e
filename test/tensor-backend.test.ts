import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { beforeAll, describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import type { IRGame } from "../compiler/ir.js";
import { createInterpreter } from "../compiler/interpreter.js";
import { createTensorEnv, generateTensorModule } from "../compiler/tensor-backend.js";
import { EpisodeTracker } from "../runtime/episodes.js";
import { illegalActionMessage, type EnvOptions, type StepResult, type VecEnv } from "../compiler/vecenv.js";
import { compareResults, lockstep } from "./support/lockstep.js";
import { exampleFiles, prng, repoRoot } from "./support/sources.js";
import { EXPECTED, TWO_PHASES } from "./support/metric-scope.js";
import { RULE_VALUES } from "./support/rule-values.js";
import { ADVERSARIAL, EXTRA } from "./support/stress.js";

function ir(source: string): IRGame {
  const { ir, document } = compileToIR(source);
  if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
  return ir;
}

const scenarios: [string, string][] = [
  ...exampleFiles().map((f): [string, string] => [f.name, f.code]),
  ["adversarial", ADVERSARIAL],
  ["rule values", RULE_VALUES],
  ["overflow", EXTRA.overflow],
];

/** Reals may differ in the last place where exp/log/sqrt run on another backend. */
const tolerance = { real: 1e-5 };

beforeAll(async () => {
  // (Quiets tfjs's advert for its native backend.)
  tf.env().set("IS_TEST", true);
  await tf.setBackend("cpu");
  await tf.ready();
});

async function onBackend<T>(name: string, run: () => T | Promise<T>): Promise<T> {
  const before = tf.getBackend();
  await tf.setBackend(name);
  await tf.ready();
  try {
    return await run();
  } finally {
    await tf.setBackend(before);
    await tf.ready();
  }
}

describe("the tensor backend agrees with the reference interpreter (cpu backend)", () => {
  for (const [name, source] of scenarios) {
    it(`${name}: 8 copies x 200 steps`, () => {
      const game = ir(source);
      const options = { numEnvs: 8, seed: 4242, checked: true };
      const env = createTensorEnv(game, options, tf);
      try {
        expect(
          lockstep(game, [createInterpreter(game, options), env], { steps: 200, seed: 17, tolerance }),
        ).toBeUndefined();
      } finally {
        env.dispose();
      }
    });
  }

  it("agrees with pinned params and sampling off", () => {
    const game = ir(exampleFiles().find((f) => f.name === "commons_harvest.game")!.code);
    const options: EnvOptions = { numEnvs: 8, seed: 3, sampleParams: false, params: { growth: 0.2 } };
    const env = createTensorEnv(game, options, tf);
    try {
      expect(
        lockstep(game, [createInterpreter(game, options), env], { steps: 150, seed: 5, tolerance }),
      ).toBeUndefined();
    } finally {
      env.dispose();
    }
  });

  it("agrees with many agents (large constants kept narrow, aggregates vectorized past 32 agents)", () => {
    const strike = exampleFiles()
      .find((f) => f.name === "strike.game")!
      .code.replace("param n: int = 6", "param n: int = 40");
    const game = ir(strike);
    expect(game.roles[0].count).toBe(40);
    const options = { numEnvs: 4, seed: 8, checked: true };
    const env = createTensorEnv(game, options, tf);
    try {
      expect(
        lockstep(game, [createInterpreter(game, options), env], { steps: 60, seed: 2, tolerance }),
      ).toBeUndefined();
    } finally {
      env.dispose();
    }
  });

  it("agrees when results come back in one packed read (the path for GPU backends)", () => {
    const game = ir(exampleFiles().find((f) => f.name === "cheap_talk.game")!.code);
    const options = { numEnvs: 8, seed: 6, checked: true };
    const env = createTensorEnv(game, { ...options, packOutputs: true } as EnvOptions, tf);
    try {
      expect(
        lockstep(game, [createInterpreter(game, options), env], { steps: 100, seed: 4, tolerance }),
      ).toBeUndefined();
    } finally {
      env.dispose();
    }
  });

  it("rejects unknown and compile-time params as the other backends do", () => {
    const game = ir(exampleFiles().find((f) => f.name === "public_goods.game")!.code);
    expect(() => createTensorEnv(game, { numEnvs: 2, params: { nope: 1 } }, tf)).toThrow(/unknown param `nope`/);
    expect(() => createTensorEnv(game, { numEnvs: 2, params: { fine: 1 } }, tf)).toThrow(
      /fixed when the scenario is compiled/,
    );
  });
});

describe("the tensor backend on wasm", () => {
  for (const file of ["public_goods.game", "commons_harvest.game"]) {
    it(`${file}: 8 copies x 200 steps`, async () => {
      const game = ir(exampleFiles().find((f) => f.name === file)!.code);
      const options = { numEnvs: 8, seed: 99, checked: true };
      const diff = await onBackend("wasm", () => {
        const env = createTensorEnv(game, options, tf);
        expect((env as { backend: string }).backend).toBe("wasm");
        try {
          return lockstep(game, [createInterpreter(game, options), env], { steps: 200, seed: 23, tolerance });
        } finally {
          env.dispose();
        }
      });
      expect(diff).toBeUndefined();
    });
  }
});

describe("tensor memory", () => {
  it("keeps the number of live tensors flat across steps, resets and bot calls, and frees them all on dispose", () => {
    const game = ir(exampleFiles().find((f) => f.name === "strike.game")!.code);
    const E = 16;
    const start = tf.memory().numTensors;
    const env = createTensorEnv(game, { numEnvs: E, seed: 1 }, tf);
    const rand = prng(3);
    let r = env.reset();
    const actions = game.roles.map((role) => new Int32Array(E * role.count));
    const play = (steps: number) => {
      for (let t = 0; t < steps; t++) {
        game.roles.forEach((role, k) => {
          for (let j = 0; j < E * role.count; j++) {
            const legal = [...Array(role.numActions).keys()].filter((f) => r.roles[k].mask[j * role.numActions + f]);
            actions[k][j] = legal.length ? legal[Math.floor(rand() * legal.length)] : -1;
          }
        });
        env.botActions(
          game.bots[t % game.bots.length].name,
          new Int32Array(E * game.roles[game.bots[t % game.bots.length].role].count),
        );
        r = env.step(actions);
      }
    };
    play(5);
    const live = tf.memory().numTensors;
    play(60);
    expect(tf.memory().numTensors).toBe(live);
    env.reset();
    play(5);
    expect(tf.memory().numTensors).toBe(live);
    env.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});

describe("action arrays", () => {
  it("a short or missing array is the interpreter's error, not a row of no-ops", () => {
    const game = ir(exampleFiles().find((f) => f.name === "public_goods.game")!.code);
    const E = 3;
    const env = createTensorEnv(game, { numEnvs: E, seed: 1 }, tf);
    const reference = createInterpreter(game, { numEnvs: E, seed: 1 });
    try {
      env.reset();
      reference.reset();
      const need = E * game.roles[0].count;
      const message = `actions[0] (${game.roles[0].name}) must hold ${need} action indices`;
      for (const actions of [[new Int32Array(need - 1)], []]) {
        expect(() => reference.step(actions)).toThrow(message);
        expect(() => env.step(actions)).toThrow(message);
      }
    } finally {
      env.dispose();
    }
  });
});

describe("checked mode", () => {
  it("throws the interpreter's message for a masked-out action, and lets the no-op through", () => {
    const game = ir(exampleFiles().find((f) => f.name === "public_goods.game")!.code);
    const E = 3;
    const env = createTensorEnv(game, { numEnvs: E, seed: 1, checked: true }, tf);
    const reference = createInterpreter(game, { numEnvs: E, seed: 1, checked: true });
    try {
      env.reset();
      reference.reset();
      const role = game.roles[0];
      // `punish` is masked out while `sanctions` is inactive.
      const punish = role.actionLabels.findIndex((l) => l.startsWith("punish"));
      const actions = [new Int32Array(E * role.count).fill(-1)];
      actions[0][1 * role.count + 2] = punish;
      const message = illegalActionMessage(game, 0, 1, 2, punish);
      expect(() => reference.step(actions)).toThrow(message);
      expect(() => env.step(actions)).toThrow(message);
      actions[0][1 * role.count + 2] = role.numActions + 5;
      expect(() => env.step(actions)).toThrow(illegalActionMessage(game, 0, 1, 2, role.numActions + 5));
      actions[0].fill(-1);
      expect(() => env.step(actions)).not.toThrow();
      // Unchecked, the same action is played as the no-op.
      const lax = createTensorEnv(game, { numEnvs: E, seed: 1 }, tf);
      lax.reset();
      actions[0][1 * role.count + 2] = punish;
      expect(() => lax.step(actions)).not.toThrow();
      lax.dispose();
    } finally {
      env.dispose();
    }
  });
});

describe("the generated tensor module", () => {
  it("imports only @tensorflow/tfjs and steps exactly as createTensorEnv", async () => {
    const dir = mkdtempSync(join(repoRoot, "test", ".tmp-tensor-"));
    try {
      for (const name of ["commons_harvest.game", "iterated_pd.game"]) {
        const game = ir(exampleFiles().find((f) => f.name === name)!.code);
        const text = generateTensorModule(game, { sourceName: name });
        const imports = [...text.matchAll(/^\s*import\s[^;]*?from\s*["']([^"']+)["']/gm)].map((m) => m[1]);
        expect(imports).toEqual(["@tensorflow/tfjs"]);
        expect(text).not.toMatch(/\brequire\(|\bimport\(|__vite/);
        const path = join(dir, name.replace(".game", ".mjs"));
        writeFileSync(path, text);
        const mod = (await import(pathToFileURL(path).href)) as {
          schema: unknown;
          createEnv: (o: EnvOptions) => VecEnv & { dispose(): void };
        };
        const options = { numEnvs: 6, seed: 11, checked: true };
        const fromModule = mod.createEnv(options);
        const inProcess = createTensorEnv(game, options, tf);
        expect(mod.schema).toEqual(inProcess.schema);
        try {
          expect(lockstep(game, [inProcess, fromModule], { steps: 120, seed: 8 })).toBeUndefined();
        } finally {
          fromModule.dispose();
          inProcess.dispose();
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("results", () => {
  it("starts with zero rewards, metrics and done, in phase 0, like the interpreter", () => {
    const game = ir(exampleFiles().find((f) => f.name === "trust_game.game")!.code);
    const options = { numEnvs: 4, seed: 2 };
    const env = createTensorEnv(game, options, tf);
    const a: StepResult = createInterpreter(game, options).reset();
    const b = env.reset();
    expect(compareResults(a, b, { real: 0 })).toBeUndefined();
    expect(Array.from(b.phase)).toEqual([0, 0, 0, 0]);
    env.dispose();
  });
});

describe("metrics' phase scope", () => {
  it("gives the scoped episode values the interpreter gives (the scope applies to its per-step metrics and phases)", () => {
    const game = ir(TWO_PHASES);
    const env = createTensorEnv(game, { numEnvs: 3, seed: 5 }, tf);
    const tracker = new EpisodeTracker(game, 3, () => 0);
    env.reset();
    const actions = [new Int32Array(3)];
    for (let t = 0; t < 12; t++) tracker.record(env.step(actions));
    const records = tracker.drain();
    expect(records).toHaveLength(6);
    for (const r of records)
      expect(Object.fromEntries(game.metrics.map((m, k) => [m.name, r.metrics[k]]))).toEqual(EXPECTED);
    env.dispose();
  });
});
