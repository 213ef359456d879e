import { describe, expect, it } from "vitest";
import { defaultThreads, loadNativeEngine } from "../runtime/engine/native.js";
import { NativePolicy, TfPolicy } from "../runtime/engine/policy.js";
import {
  DEFAULT_CONFIG,
  gatherMinibatch,
  ppoLoss,
  RolloutBuffer,
  Rng,
  type Activation,
  type PpoConfig,
} from "../runtime/ppo.js";
import { loadTf } from "../runtime/tf.js";

/**
 * The native engine against TensorFlow.js's autodiff (the reference): from the same weights
 * and the same minibatch, the same loss, gradients and updated weights, to float32 rounding.
 */

const native = () => {
  const loaded = loadNativeEngine();
  if (!loaded.engine) throw new Error(`the native engine did not build: ${loaded.error}`);
  return loaded.engine;
};

/** A rollout of random but valid data: some illegal actions, some agents that did not act. */
function randomBuffer(steps: number, agents: number, obsDim: number, numActions: number, seed: number): RolloutBuffer {
  const rng = new Rng(seed);
  const b = new RolloutBuffer(steps, agents, obsDim, numActions);
  const gauss = () => Math.sqrt(-2 * Math.log(Math.max(rng.next(), 1e-12))) * Math.cos(2 * Math.PI * rng.next());
  for (let i = 0; i < b.obs.length; i++) b.obs[i] = obsDim > 0 ? gauss() : 0;
  for (let k = 0; k < steps * agents; k++) {
    const legal: number[] = [];
    for (let a = 0; a < numActions; a++) {
      const ok = rng.next() < 0.7 || a === k % numActions;
      b.masks[k * numActions + a] = ok ? 1 : 0;
      if (ok) legal.push(a);
    }
    b.actions[k] = legal[Math.floor(rng.next() * legal.length)];
    b.acted[k] = rng.next() < 0.9 ? 1 : 0;
    // Old log-probabilities near a uniform policy's, so that some ratios fall outside the clip range.
    b.logp[k] = -Math.log(legal.length) + 0.4 * gauss();
    b.advantages[k] = gauss() + 0.3;
    b.returns[k] = 2 * gauss();
  }
  return b;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): { diff: number; scale: number } {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { diff, scale };
}

/** Equal to float32 rounding, relative to the largest reference value. */
function expectClose(actual: ArrayLike<number>, reference: ArrayLike<number>, what: string, tolerance = 2e-4) {
  expect(actual.length, what).toBe(reference.length);
  const { diff, scale } = maxDiff(actual, reference);
  expect(diff, `${what}: max difference ${diff} at scale ${scale}`).toBeLessThanOrEqual(
    tolerance * Math.max(scale, 1e-3),
  );
}

const SHAPES: { obsDim: number; numActions: number; hidden: number[] }[] = [
  { obsDim: 3, numActions: 2, hidden: [64, 64] },
  { obsDim: 5, numActions: 3, hidden: [24, 70] }, // widths that are not multiples of the vector width
  { obsDim: 4, numActions: 4, hidden: [] },
  { obsDim: 0, numActions: 3, hidden: [16] }, // a role without observations
  { obsDim: 7, numActions: 18, hidden: [32, 48, 20] },
];

describe("native engine against TensorFlow.js autodiff", async () => {
  const { tf } = await loadTf();
  const engine = native();
  const config: PpoConfig = { ...DEFAULT_CONFIG, epochs: 2, minibatches: 3, entropy: 0.05 };

  for (const activation of ["relu", "tanh"] as Activation[]) {
    for (const { obsDim, numActions, hidden } of SHAPES) {
      const label = `${activation}, ${obsDim}-${[...hidden, numActions].join("-")}`;

      it(`same initial weights, loss, gradients and updated weights (${label})`, () => {
        const seed = 11 + hidden.length;
        const reference = new TfPolicy(tf, obsDim, numActions, hidden, seed, `ref-${label}`, activation);
        const candidate = new NativePolicy(engine, obsDim, numActions, hidden, seed, "native", activation);
        try {
          const initial = reference.weights();
          candidate.weights().forEach((w, i) => expect(w.data, `initial ${initial[i].name}`).toEqual(initial[i].data));

          const buffer = randomBuffer(20, 17, obsDim, numActions, seed);
          const batch = Int32Array.from({ length: 300 }, (_, i) => (i * 7) % buffer.actions.length).filter(
            (k) => buffer.acted[k] === 1,
          );

          // Loss parts and gradients of one minibatch.
          const mb = gatherMinibatch(buffer, batch, obsDim);
          const { grads, parts } = tf.tidy(() => {
            let kept: number[] = [];
            const { grads } = tf.variableGrads(() => {
              const computed = ppoLoss(tf, reference.net, mb, config);
              kept = computed.parts.map((t) => (t.dataSync() as Float32Array)[0]);
              return computed.loss;
            }, reference.net.variables);
            return {
              grads: reference.net.variables.map((v) => (grads[v.name].dataSync() as Float32Array).slice()),
              parts: kept,
            };
          });
          const got = candidate.gradient(buffer, batch, config);
          expectClose(got.stats, parts, "loss parts", 1e-4);
          got.grads.forEach((g, i) => expectClose(g.data, grads[i], `gradient of ${initial[i].name}`));

          // A whole update (shuffles, minibatches, clipping, Adam), from the same RNG state.
          const refStats = reference.update(buffer, config, new Rng(5), 3e-3);
          const gotStats = candidate.update(buffer, config, new Rng(5), 3e-3);
          expectClose(Object.values(gotStats), Object.values(refStats), "update statistics", 1e-3);
          const after = reference.weights();
          candidate.weights().forEach((w, i) => expectClose(w.data, after[i].data, `updated ${after[i].name}`, 1e-3));
          const refAdam = reference.optimizerState();
          candidate.optimizerState().forEach((s, i) => expectClose(s.data, refAdam[i].data, `Adam state ${i}`, 2e-3));

          // The rollout's forward pass: log-probabilities and values.
          const n = 33;
          const obs = buffer.obs.subarray(0, n * Math.max(1, obsDim));
          const mask = buffer.masks.subarray(0, n * numActions);
          const a = reference.act(obs, mask, n, new Rng(1));
          const b = candidate.act(obs, mask, n, new Rng(1));
          expectClose(b.value, a.value, "values", 1e-4);
          for (let i = 0; i < n * numActions; i++)
            if (mask[i]) expect(Math.abs(b.logProbs[i] - a.logProbs[i]), "log-probabilities").toBeLessThanOrEqual(1e-4);
        } finally {
          reference.dispose();
        }
      });
    }
  }

  it("gives the same bits on one thread and on several", () => {
    const run = (threads: number) => {
      engine.setThreads(threads);
      const policy = new NativePolicy(engine, 3, 2, [64, 64], 3, "threads");
      const buffer = randomBuffer(64, 40, 3, 2, 9);
      const stats = policy.update(buffer, { ...DEFAULT_CONFIG }, new Rng(2), 2.5e-3);
      return { stats, weights: policy.weights().map((w) => Array.from(w.data)) };
    };
    try {
      expect(run(3)).toEqual(run(1));
    } finally {
      engine.setThreads(defaultThreads());
    }
  });

  it("refuses sample indices and actions out of range", () => {
    const policy = new NativePolicy(engine, 3, 2, [8], 1, "bad");
    const buffer = randomBuffer(4, 4, 3, 2, 1);
    expect(() => policy.gradient(buffer, Int32Array.of(0, 99), config)).toThrow(/out of range/);
    buffer.actions[0] = 5;
    expect(() => policy.gradient(buffer, Int32Array.of(0, 1), config)).toThrow(/out of range/);
  });
});
