/**
 * A role's trainable policy, whatever computes it: the trainer, checkpoints and co-players
 * see only this interface. Two implementations:
 *
 * - `NativePolicy`: the native engine (`native/ppo_engine.cc`), fused CPU kernels over one
 *   flat `Float32Array` of parameters, threaded; the default.
 * - `TfPolicy`: TensorFlow.js (`runtime/ppo.ts`), on any of its backends (wasm, cpu, node,
 *   node-gpu, webgl): the path to GPUs and the reference the native engine is tested against.
 *
 * Both use the same parameter layout (actor weights and biases layer by layer, then the
 * critic's), the same initialisation and the same Adam, so checkpoints move between them.
 */
import {
  ActorCritic,
  minibatchOrder,
  orthogonal,
  ppoUpdate,
  sampleActions,
  type Activation,
  type PpoConfig,
  type RolloutBuffer,
  type UpdateStats,
} from "../ppo.js";
import type { TfModule } from "../tf.js";
import { Rng } from "../../language/util/prng.js";
import type { NativeEngine } from "./native.js";

type Optimizer = import("@tensorflow/tfjs").Optimizer;

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface ActResult {
  actions: Int32Array;
  logp: Float32Array;
  value: Float32Array;
  logProbs: Float32Array;
}

export interface Policy {
  readonly obsDim: number;
  readonly numActions: number;
  readonly hidden: number[];
  /** Samples actions for `n` agents (see `sampleActions`), with values and log-probabilities. */
  act(obs: Float32Array, mask: Uint8Array, n: number, rng: Rng, greedy?: boolean): ActResult;
  /** The critic's values of `n` observations. */
  values(obs: Float32Array, n: number): Float32Array;
  /** One PPO update on a rollout (advantages computed), at learning rate `lr`. */
  update(buffer: RolloutBuffer, config: PpoConfig, rng: Rng, lr: number): UpdateStats;
  /** Weights in the layout above, named like TensorFlow.js's variables. */
  weights(): NamedTensor[];
  setWeights(weights: { shape: number[]; data: ArrayLike<number> }[]): void;
  /** Adam's state in TensorFlow.js's order: the step count, then every first moment, then every second. */
  optimizerState(): { shape: number[]; data: Float32Array }[];
  setOptimizerState(state: { shape: number[]; data: ArrayLike<number> }[]): Promise<void>;
  dispose(): void;
}

/** Adam's constants, as the trainer has always used them (TensorFlow.js's Adam with epsilon 1e-5). */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-5 };

/** The shapes of the weights: actor layers, then critic layers, each a matrix then a bias. */
export function weightShapes(
  obsDim: number,
  numActions: number,
  hidden: number[],
): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  for (const [tag, last] of [
    ["actor", numActions],
    ["critic", 1],
  ] as const) {
    const sizes = [Math.max(1, obsDim), ...hidden, last];
    for (let i = 0; i + 1 < sizes.length; i++) {
      out.push({ name: `${tag}/w${i}`, shape: [sizes[i], sizes[i + 1]] });
      out.push({ name: `${tag}/b${i}`, shape: [sizes[i + 1]] });
    }
  }
  return out;
}

/** CleanRL's initialisation, as `ActorCritic` does it: orthogonal weights, zero biases. */
export function initialWeights(obsDim: number, numActions: number, hidden: number[], seed: number): Float32Array[] {
  const shapes = weightShapes(obsDim, numActions, hidden);
  const layers = hidden.length + 1;
  return shapes.map(({ shape, name }, k) => {
    if (shape.length === 1) return new Float32Array(shape[0]);
    const critic = name.startsWith("critic");
    const i = (k >> 1) - (critic ? layers : 0);
    const gain = i < hidden.length ? Math.SQRT2 : critic ? 1 : 0.01;
    return orthogonal(shape[0], shape[1], gain, new Rng(seed * 1000 + (critic ? 101 : 1) + i));
  });
}

const ACTIVATION_CODES: Record<Activation, number> = { relu: 0, tanh: 1 };

/** The native engine's policy: parameters and Adam moments in flat `Float32Array`s. */
export class NativePolicy implements Policy {
  readonly params: Float32Array;
  private readonly m: Float32Array;
  private readonly v: Float32Array;
  private step = 0;
  private readonly net: Int32Array;
  private readonly shapes: { name: string; shape: number[] }[];
  private readonly hyper = new Float64Array(9);
  private readonly stats = new Float64Array(5);
  private ones = new Float32Array(0);

  constructor(
    private readonly engine: NativeEngine,
    readonly obsDim: number,
    readonly numActions: number,
    readonly hidden: number[],
    seed: number,
    readonly name: string,
    readonly activation: Activation = "relu",
  ) {
    this.shapes = weightShapes(obsDim, numActions, hidden);
    const initial = initialWeights(obsDim, numActions, hidden, seed);
    this.params = new Float32Array(initial.reduce((n, w) => n + w.length, 0));
    let offset = 0;
    for (const w of initial) {
      this.params.set(w, offset);
      offset += w.length;
    }
    this.m = new Float32Array(this.params.length);
    this.v = new Float32Array(this.params.length);
    this.net = Int32Array.from([
      Math.max(1, obsDim),
      numActions,
      hidden.length,
      ACTIVATION_CODES[activation],
      ...hidden,
    ]);
  }

  /** A role without observations sees one constant input. */
  private input(obs: Float32Array, n: number): Float32Array {
    if (this.obsDim > 0) return obs;
    if (this.ones.length < n) this.ones = new Float32Array(n).fill(1);
    return this.ones;
  }

  act(obs: Float32Array, mask: Uint8Array, n: number, rng: Rng, greedy = false): ActResult {
    const logProbs = new Float32Array(n * this.numActions);
    const value = new Float32Array(n);
    this.engine.forward(this.net, this.params, this.input(obs, n), mask, n, logProbs, value);
    return { ...sampleActions(logProbs, mask, n, this.numActions, rng, greedy), value, logProbs };
  }

  values(obs: Float32Array, n: number): Float32Array {
    const logProbs = new Float32Array(n * this.numActions);
    const value = new Float32Array(n);
    this.engine.forward(
      this.net,
      this.params,
      this.input(obs, n),
      new Uint8Array(n * this.numActions).fill(1),
      n,
      logProbs,
      value,
    );
    return value;
  }

  private setHyper(config: PpoConfig, lr: number) {
    this.hyper.set([
      lr,
      config.clip,
      config.entropy,
      config.valueCoef,
      config.maxGradNorm,
      ADAM.beta1,
      ADAM.beta2,
      ADAM.epsilon,
      this.step,
    ]);
  }

  update(buffer: RolloutBuffer, config: PpoConfig, rng: Rng, lr: number): UpdateStats {
    const { order, batchSize } = minibatchOrder(buffer.acted, config.epochs, config.minibatches, rng);
    if (order.length === 0) return { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0 };
    this.setHyper(config, lr);
    const obs = this.input(buffer.obs, buffer.actions.length);
    this.step += this.engine.update(
      this.net,
      this.params,
      this.m,
      this.v,
      this.hyper,
      obs,
      buffer.masks,
      buffer.actions,
      buffer.logp,
      buffer.advantages,
      buffer.returns,
      order,
      batchSize,
      this.stats,
    );
    const [policyLoss, valueLoss, entropy, approxKl, clipFraction] = this.stats;
    return { policyLoss, valueLoss, entropy, approxKl, clipFraction };
  }

  /** The loss parts and the (unclipped) gradient of one minibatch, without a step: for tests. */
  gradient(buffer: RolloutBuffer, batch: Int32Array, config: PpoConfig): { stats: number[]; grads: NamedTensor[] } {
    this.setHyper(config, 0);
    const grad = new Float32Array(this.params.length);
    this.engine.update(
      this.net,
      this.params,
      this.m,
      this.v,
      this.hyper,
      this.input(buffer.obs, buffer.actions.length),
      buffer.masks,
      buffer.actions,
      buffer.logp,
      buffer.advantages,
      buffer.returns,
      batch,
      batch.length,
      this.stats,
      grad,
    );
    return { stats: Array.from(this.stats), grads: this.split(grad) };
  }

  private split(flat: Float32Array): NamedTensor[] {
    let offset = 0;
    return this.shapes.map(({ name, shape }) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const data = flat.slice(offset, offset + size);
      offset += size;
      return { name: `${this.name}/${name}`, shape, data };
    });
  }

  private join(into: Float32Array, parts: { shape: number[]; data: ArrayLike<number> }[], what: string) {
    if (parts.length !== this.shapes.length)
      throw new Error(`${what} for ${this.name} has ${parts.length} tensors, the network ${this.shapes.length}`);
    let offset = 0;
    parts.forEach((p, i) => {
      const shape = this.shapes[i].shape;
      if (p.shape.join("x") !== shape.join("x"))
        throw new Error(
          `${what} tensor ${this.shapes[i].name} has shape ${p.shape.join("x")}, the network ${shape.join("x")}`,
        );
      into.set(p.data, offset);
      offset += p.data.length;
    });
  }

  weights(): NamedTensor[] {
    return this.split(this.params);
  }

  setWeights(weights: { shape: number[]; data: ArrayLike<number> }[]) {
    this.join(this.params, weights, "checkpoint");
  }

  optimizerState(): { shape: number[]; data: Float32Array }[] {
    return [{ shape: [], data: Float32Array.of(this.step) }, ...this.split(this.m), ...this.split(this.v)];
  }

  async setOptimizerState(state: { shape: number[]; data: ArrayLike<number> }[]) {
    const k = this.shapes.length;
    if (state.length !== 2 * k + 1)
      throw new Error(
        `the checkpoint's optimizer state for ${this.name} has ${state.length} tensors, expected ${2 * k + 1}`,
      );
    this.step = Number(state[0].data[0]);
    this.join(this.m, state.slice(1, k + 1), "optimizer state");
    this.join(this.v, state.slice(k + 1), "optimizer state");
  }

  dispose() {}
}

/** TensorFlow.js's policy: an `ActorCritic` and its Adam optimizer. */
export class TfPolicy implements Policy {
  readonly net: ActorCritic;
  readonly optimizer: Optimizer;
  private primed = false;

  constructor(
    private readonly tf: TfModule,
    readonly obsDim: number,
    readonly numActions: number,
    readonly hidden: number[],
    seed: number,
    name: string,
    activation: Activation = "relu",
  ) {
    this.net = new ActorCritic(tf, obsDim, numActions, hidden, seed, name, activation);
    this.optimizer = tf.train.adam(1e-3, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
  }

  act(obs: Float32Array, mask: Uint8Array, n: number, rng: Rng, greedy = false): ActResult {
    return this.net.act(obs, mask, n, rng, greedy);
  }

  values(obs: Float32Array, n: number): Float32Array {
    return this.net.values(obs, n);
  }

  update(buffer: RolloutBuffer, config: PpoConfig, rng: Rng, lr: number): UpdateStats {
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    this.primed = true;
    return ppoUpdate(this.tf, this.net, this.optimizer, buffer, config, rng);
  }

  weights(): NamedTensor[] {
    return this.net.variables.map((v) => ({
      name: v.name,
      shape: v.shape,
      data: (v.dataSync() as Float32Array).slice(),
    }));
  }

  setWeights(weights: { shape: number[]; data: ArrayLike<number> }[]) {
    this.net.setWeights(weights.map((w) => ({ shape: w.shape, data: Array.from(w.data) })));
  }

  /** Adam creates its moments on the first step; before that its state is zeros. */
  optimizerState(): { shape: number[]; data: Float32Array }[] {
    if (!this.primed)
      return [
        { shape: [], data: new Float32Array(1) },
        ...this.weights().map((w) => ({ shape: w.shape, data: new Float32Array(w.data.length) })),
        ...this.weights().map((w) => ({ shape: w.shape, data: new Float32Array(w.data.length) })),
      ];
    const state = this.optimizer as unknown as {
      accumulatedFirstMoment: { variable: import("@tensorflow/tfjs").Variable }[];
      accumulatedSecondMoment: { variable: import("@tensorflow/tfjs").Variable }[];
      iterations: number;
    };
    const read = (v: import("@tensorflow/tfjs").Variable) => ({
      shape: v.shape,
      data: (v.dataSync() as Float32Array).slice(),
    });
    return [
      { shape: [], data: Float32Array.of(state.iterations) },
      ...state.accumulatedFirstMoment.map((m) => read(m.variable)),
      ...state.accumulatedSecondMoment.map((m) => read(m.variable)),
    ];
  }

  async setOptimizerState(state: { shape: number[]; data: ArrayLike<number> }[]) {
    const tf = this.tf;
    // Adam's moments exist only after a first step: create them with a zero-gradient step, then overwrite.
    tf.tidy(() => {
      const grads: Record<string, import("@tensorflow/tfjs").Tensor> = {};
      for (const v of this.net.variables) grads[v.name] = tf.zerosLike(v);
      this.optimizer.applyGradients(grads);
    });
    const tensors = state.map((t, i) => ({ name: `w${i}`, tensor: tf.tensor(Float32Array.from(t.data), t.shape) }));
    await this.optimizer.setWeights(tensors);
    // setWeights copies them into variables of its own.
    for (const t of tensors) t.tensor.dispose();
    this.primed = true;
  }

  dispose() {
    this.net.dispose();
    this.optimizer.dispose();
  }
}
