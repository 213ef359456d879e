/**
 * Proximal Policy Optimization, in one place, in the manner of CleanRL's single-file PPO:
 * clipped surrogate objective, generalized advantage estimation, a value head, an entropy
 * bonus, normalised advantages, minibatches, and global gradient-norm clipping.
 *
 * One actor-critic per role, shared by all that role's learning agents (parameter sharing).
 * Illegal actions are masked out of the logits. Learners are trained on their role's
 * `objective`; payoffs are only logged (by the trainer).
 *
 * Every hyperparameter is named in `PpoConfig`, with defaults in `DEFAULT_CONFIG`; a
 * scenario's `train { }` block and the CLI flags override them (see `resolveConfig`).
 */
import { Rng } from "../language/util/prng.js";
import type { TfModule } from "./tf.js";

export { Rng };

type Tensor = import("@tensorflow/tfjs").Tensor;
type Tensor2D = import("@tensorflow/tfjs").Tensor2D;
type Variable = import("@tensorflow/tfjs").Variable;
type Optimizer = import("@tensorflow/tfjs").Optimizer;

export interface PpoConfig {
  /** Total agent steps to train for (learning agents only are counted). */
  steps: number;
  /** Environment copies stepped together. */
  envs: number;
  /** Steps per copy collected before each update (the rollout length). */
  rollout: number;
  /** Adam learning rate, annealed linearly to 0 when `annealLr`. */
  lr: number;
  annealLr: boolean;
  /** Discount factor. */
  gamma: number;
  /** GAE lambda. */
  lambda: number;
  /** PPO clipping range for the probability ratio. */
  clip: number;
  /** Passes over each rollout. */
  epochs: number;
  /** Minibatches per pass. */
  minibatches: number;
  /** Entropy bonus coefficient. */
  entropy: number;
  /** Value loss coefficient. */
  valueCoef: number;
  /** Global gradient-norm clipping. */
  maxGradNorm: number;
  /** Hidden layer sizes of the actor and of the critic. */
  hidden: number[];
  /** Activation of the hidden layers. */
  activation: Activation;
  /** Seed for network initialisation, sampling, shuffling and the environments. */
  seed: number;
  /** Co-players: `self` and bot names (from the scenario's `train` block or `--opponent`). */
  opponents: string[];
  /** With the `pool` co-player (fictitious self-play): past policies kept, spread evenly over training. */
  poolSize: number;
  /** With the `pool` co-player: members drawn from the pool for each update's rollout. */
  poolSample: number;
}

export type Activation = "relu" | "tanh";
export const ACTIVATIONS: Activation[] = ["relu", "tanh"];

export const DEFAULT_CONFIG: PpoConfig = {
  steps: 200_000,
  envs: 64,
  rollout: 64,
  lr: 2.5e-3,
  annealLr: true,
  gamma: 0.99,
  lambda: 0.95,
  clip: 0.2,
  epochs: 4,
  minibatches: 4,
  entropy: 0.01,
  valueCoef: 0.5,
  maxGradNorm: 0.5,
  hidden: [64, 64],
  activation: "relu",
  seed: 1,
  opponents: ["self"],
  poolSize: 64,
  poolSample: 8,
};

/**
 * A `rows x cols` matrix with orthonormal columns (or rows, whichever are fewer), times
 * `gain`: Gram-Schmidt on seeded Gaussian noise. (TensorFlow.js has an orthogonal
 * initialiser, but it is slow for the sizes used here and warns about it.)
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float32Array {
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  // n vectors of length m, made orthonormal.
  const vectors: Float64Array[] = [];
  for (let k = 0; k < n; k++) {
    const v = new Float64Array(m);
    for (let j = 0; j < m; j++) {
      // Box-Muller.
      const u1 = Math.max(rng.next(), 1e-12);
      const u2 = rng.next();
      v[j] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    for (const q of vectors) {
      let dot = 0;
      for (let j = 0; j < m; j++) dot += v[j] * q[j];
      for (let j = 0; j < m; j++) v[j] -= dot * q[j];
    }
    let norm = 0;
    for (let j = 0; j < m; j++) norm += v[j] * v[j];
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < m; j++) v[j] /= norm;
    vectors.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (rows >= cols ? vectors[c][r] : vectors[r][c]);
  }
  return out;
}

const denseLayers = new WeakMap<TfModule, (x: Tensor, w: Tensor, b: Tensor) => Tensor>();

/**
 * `x·w + b` with a hand-written gradient. TensorFlow.js's own gradient of a matrix product
 * uses transposed-operand products and a column sum, which the wasm backend runs about ten
 * times slower than a plain product; transposing first and summing with a product of ones
 * makes a training step about twice as fast (same values, to float32 rounding).
 */
function denseLayer(tf: TfModule): (x: Tensor, w: Tensor, b: Tensor) => Tensor {
  let dense = denseLayers.get(tf);
  if (!dense) {
    const custom = tf.customGrad((x, w, b, save) => {
      (save as (tensors: Tensor[]) => void)([x as Tensor, w as Tensor]);
      return {
        value: tf.add(tf.matMul(x as Tensor2D, w as Tensor2D), b as Tensor),
        gradFunc: (dy, saved) => {
          const [input, weights] = saved as [Tensor2D, Tensor2D];
          const g = dy as Tensor2D;
          return [
            tf.matMul(g, tf.transpose(weights)),
            tf.matMul(tf.transpose(input), g),
            tf.reshape(tf.matMul(tf.ones([1, g.shape[0]]), g), [g.shape[1]]),
          ];
        },
      };
    }) as unknown as (x: Tensor, w: Tensor, b: Tensor) => Tensor;
    dense = custom;
    denseLayers.set(tf, dense);
  }
  return dense;
}

/** Large negative logit for illegal actions: softmax gives them exactly 0 in float32. */
const MASKED = -1e9;

/** Actor-critic for one role: two MLPs (an actor and a critic), as in CleanRL. */
export class ActorCritic {
  readonly variables: Variable[] = [];
  private readonly actor: { w: Variable; b: Variable }[] = [];
  private readonly critic: { w: Variable; b: Variable }[] = [];

  constructor(
    private readonly tf: TfModule,
    readonly obsDim: number,
    readonly numActions: number,
    readonly hidden: number[],
    seed: number,
    readonly name: string,
    readonly activation: Activation = "relu",
  ) {
    const layer = (
      into: { w: Variable; b: Variable }[],
      sizes: number[],
      gain: number[],
      tag: string,
      seedBase: number,
    ) => {
      for (let i = 0; i + 1 < sizes.length; i++) {
        // Orthogonal weights (gain sqrt(2) for hidden layers, 0.01 for the policy head, 1 for
        // the value head) and zero biases: CleanRL's initialisation.
        const rows = Math.max(1, sizes[i]);
        const w = tf.variable(
          tf.tensor2d(orthogonal(rows, sizes[i + 1], gain[i], new Rng(seedBase + i)), [rows, sizes[i + 1]]),
          true,
          `${name}/${tag}/w${i}`,
        );
        const b = tf.variable(tf.zeros([sizes[i + 1]]), true, `${name}/${tag}/b${i}`);
        into.push({ w, b });
        this.variables.push(w, b);
      }
    };
    const gains = (last: number) => [...hidden.map(() => Math.SQRT2), last];
    layer(this.actor, [obsDim, ...hidden, numActions], gains(0.01), "actor", seed * 1000 + 1);
    layer(this.critic, [obsDim, ...hidden, 1], gains(1), "critic", seed * 1000 + 101);
  }

  private mlp(layers: { w: Variable; b: Variable }[], x: Tensor): Tensor {
    const tf = this.tf;
    const dense = denseLayer(tf);
    let h = x;
    layers.forEach((l, i) => {
      h = dense(h, l.w, l.b);
      // ReLU by default rather than CleanRL's tanh: on the wasm backend tanh costs four
      // times the matrix product it follows.
      if (i + 1 < layers.length) h = this.activation === "tanh" ? tf.tanh(h) : tf.relu(h);
    });
    return h;
  }

  /** An observation batch: a role without observations still gets one constant input. */
  input(obs: Float32Array, n: number): Tensor2D {
    if (this.obsDim === 0) return this.tf.ones([n, 1]);
    return this.tf.tensor2d(obs, [n, this.obsDim]);
  }

  /** Masked log-probabilities over actions, `[n, numActions]`. */
  logProbs(x: Tensor, maskBias: Tensor): Tensor {
    return this.tf.logSoftmax(this.tf.add(this.mlp(this.actor, x), maskBias));
  }

  value(x: Tensor): Tensor {
    return this.tf.reshape(this.mlp(this.critic, x), [-1]);
  }

  /** `0` where legal, a large negative number where not. */
  maskBias(mask: Uint8Array, n: number): Tensor {
    const bias = new Float32Array(n * this.numActions);
    for (let i = 0; i < bias.length; i++) bias[i] = mask[i] ? 0 : MASKED;
    return this.tf.tensor2d(bias, [n, this.numActions]);
  }

  /**
   * Samples actions for `n` agents. Agents with no legal action get -1 (the no-op).
   * Returns actions, their log-probabilities, the value estimates and the probabilities.
   */
  act(obs: Float32Array, mask: Uint8Array, n: number, rng: Rng, greedy = false) {
    const tf = this.tf;
    const [logp, value] = tf.tidy(() => {
      const x = this.input(obs, n);
      return [this.logProbs(x, this.maskBias(mask, n)), this.value(x)];
    });
    const logpData = logp.dataSync() as Float32Array;
    const valueData = value.dataSync() as Float32Array;
    logp.dispose();
    value.dispose();
    return { ...sampleActions(logpData, mask, n, this.numActions, rng, greedy), value: valueData, logProbs: logpData };
  }

  /** Values of a batch of observations (for bootstrapping the last step of a rollout). */
  values(obs: Float32Array, n: number): Float32Array {
    const v = this.tf.tidy(() => this.value(this.input(obs, n)));
    const data = v.dataSync() as Float32Array;
    v.dispose();
    return data;
  }

  async weights(): Promise<{ name: string; shape: number[]; data: number[] }[]> {
    return Promise.all(
      this.variables.map(async (v) => ({
        name: v.name,
        shape: v.shape,
        data: Array.from((await v.data()) as Float32Array),
      })),
    );
  }

  setWeights(weights: { shape: number[]; data: number[] }[]) {
    if (weights.length !== this.variables.length)
      throw new Error(
        `checkpoint for ${this.name} has ${weights.length} tensors, the network ${this.variables.length}`,
      );
    weights.forEach((w, i) => {
      const v = this.variables[i];
      if (w.shape.join("x") !== v.shape.join("x"))
        throw new Error(`checkpoint tensor ${v.name} has shape ${w.shape.join("x")}, the network ${v.shape.join("x")}`);
      v.assign(this.tf.tensor(Float32Array.from(w.data), w.shape));
    });
  }

  dispose() {
    for (const v of this.variables) v.dispose();
  }
}

/**
 * Samples one action per agent from masked log-probabilities `[n, A]` (or takes the most
 * likely with `greedy`). Agents with no legal action get -1 (the no-op).
 */
export function sampleActions(
  logpData: Float32Array,
  mask: Uint8Array,
  n: number,
  A: number,
  rng: Rng,
  greedy = false,
) {
  const actions = new Int32Array(n);
  const actionLogp = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let legal = false;
    for (let a = 0; a < A; a++) legal ||= mask[i * A + a] === 1;
    if (!legal) {
      actions[i] = -1;
      continue;
    }
    let chosen = -1;
    if (greedy) {
      let best = -Infinity;
      for (let a = 0; a < A; a++)
        if (mask[i * A + a] && logpData[i * A + a] > best) [best, chosen] = [logpData[i * A + a], a];
    } else {
      const u = rng.next();
      let acc = 0;
      for (let a = 0; a < A; a++) {
        if (!mask[i * A + a]) continue;
        acc += Math.exp(logpData[i * A + a]);
        chosen = a;
        if (u < acc) break;
      }
    }
    actions[i] = chosen;
    actionLogp[i] = logpData[i * A + chosen];
  }
  return { actions, logp: actionLogp };
}

/** What one role's learning agents collected over a rollout, time-major `[T, N]`. */
export class RolloutBuffer {
  readonly obs: Float32Array;
  readonly masks: Uint8Array;
  readonly actions: Int32Array;
  readonly logp: Float32Array;
  readonly values: Float32Array;
  readonly rewards: Float32Array;
  /** 1 where the episode ended at this step (so the next step's value is not bootstrapped). */
  readonly dones: Uint8Array;
  /** 1 where the agent acted (a no-op step carries no gradient). */
  readonly acted: Uint8Array;
  readonly advantages: Float32Array;
  readonly returns: Float32Array;

  constructor(
    readonly steps: number,
    readonly agents: number,
    readonly obsDim: number,
    readonly numActions: number,
  ) {
    const n = steps * agents;
    this.obs = new Float32Array(n * Math.max(1, obsDim));
    this.masks = new Uint8Array(n * numActions);
    this.actions = new Int32Array(n);
    this.logp = new Float32Array(n);
    this.values = new Float32Array(n);
    this.rewards = new Float32Array(n);
    this.dones = new Uint8Array(n);
    this.acted = new Uint8Array(n);
    this.advantages = new Float32Array(n);
    this.returns = new Float32Array(n);
  }

  /**
   * Generalized advantage estimation, backwards in time. `lastValues` are the critic's
   * estimates after the last step. Steps where an agent took the no-op (it had no legal
   * action, say in another role's phase) pass rewards and values through unchanged.
   */
  computeAdvantages(lastValues: Float32Array, gamma: number, lambda: number) {
    const { steps: T, agents: N } = this;
    for (let i = 0; i < N; i++) {
      let nextValue = lastValues[i];
      let nextAdvantage = 0;
      let pendingReward = 0;
      for (let t = T - 1; t >= 0; t--) {
        const k = t * N + i;
        if (this.dones[k]) {
          nextValue = 0;
          nextAdvantage = 0;
          pendingReward = 0;
        }
        const reward = this.rewards[k] + pendingReward;
        if (!this.acted[k]) {
          // Rewards received while waiting count toward the last action taken.
          pendingReward = reward;
          this.advantages[k] = 0;
          this.returns[k] = nextValue;
          continue;
        }
        pendingReward = 0;
        const delta = reward + gamma * nextValue - this.values[k];
        nextAdvantage = delta + gamma * lambda * nextAdvantage;
        this.advantages[k] = nextAdvantage;
        this.returns[k] = nextAdvantage + this.values[k];
        nextValue = this.values[k];
      }
    }
  }
}

export interface UpdateStats {
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
  clipFraction: number;
}

/**
 * The samples of an update in the order they are used: every epoch shuffles the samples
 * where the agent acted (Fisher-Yates with the trainer's seeded RNG, continuing from the
 * previous epoch's order) and cuts them into minibatches of `batchSize`; a remainder that
 * fills no minibatch is left out of that epoch. Minibatches are consecutive runs of `order`.
 */
export function minibatchOrder(
  acted: Uint8Array,
  epochs: number,
  minibatches: number,
  rng: Rng,
): { order: Int32Array; batchSize: number } {
  let count = 0;
  for (let k = 0; k < acted.length; k++) if (acted[k]) count++;
  if (count === 0) return { order: new Int32Array(0), batchSize: 1 };
  const indices = new Int32Array(count);
  for (let k = 0, i = 0; k < acted.length; k++) if (acted[k]) indices[i++] = k;
  const batchSize = Math.max(1, Math.floor(count / minibatches));
  const used = Math.floor(count / batchSize) * batchSize;
  const order = new Int32Array(epochs * used);
  for (let epoch = 0; epoch < epochs; epoch++) {
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      const swap = indices[i];
      indices[i] = indices[j];
      indices[j] = swap;
    }
    order.set(indices.subarray(0, used), epoch * used);
  }
  return { order, batchSize };
}

/** One minibatch, gathered from a rollout buffer, with normalised advantages. */
export interface Minibatch {
  n: number;
  obs: Float32Array;
  mask: Uint8Array;
  actions: Int32Array;
  oldLogp: Float32Array;
  advantages: Float32Array;
  returns: Float32Array;
}

export function gatherMinibatch(buffer: RolloutBuffer, batch: ArrayLike<number>, obsDim: number): Minibatch {
  const n = batch.length;
  const D = Math.max(1, obsDim);
  const A = buffer.numActions;
  const obs = new Float32Array(n * D);
  const mask = new Uint8Array(n * A);
  const actions = new Int32Array(n);
  const oldLogp = new Float32Array(n);
  const advantages = new Float32Array(n);
  const returns = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = batch[i];
    if (obsDim > 0) obs.set(buffer.obs.subarray(k * obsDim, (k + 1) * obsDim), i * D);
    mask.set(buffer.masks.subarray(k * A, (k + 1) * A), i * A);
    actions[i] = buffer.actions[k];
    oldLogp[i] = buffer.logp[k];
    advantages[i] = buffer.advantages[k];
    returns[i] = buffer.returns[k];
  }
  // Normalised advantages (per minibatch, as CleanRL does).
  let mean = 0;
  for (const a of advantages) mean += a;
  mean /= n;
  let variance = 0;
  for (const a of advantages) variance += (a - mean) ** 2;
  const std = Math.sqrt(variance / n) + 1e-8;
  for (let i = 0; i < n; i++) advantages[i] = (advantages[i] - mean) / std;
  return { n, obs, mask, actions, oldLogp, advantages, returns };
}

/**
 * The PPO loss of a minibatch (to be differentiated), and its parts: policy loss, value
 * loss, entropy, approximate KL, clip fraction. Call inside `tf.tidy`/`tf.variableGrads`.
 */
export function ppoLoss(
  tf: TfModule,
  net: ActorCritic,
  mb: Minibatch,
  config: PpoConfig,
): { loss: import("@tensorflow/tfjs").Scalar; parts: Tensor[] } {
  const x = net.input(mb.obs, mb.n);
  const bias = net.maskBias(mb.mask, mb.n);
  const actionOneHot = tf.oneHot(tf.tensor1d(mb.actions, "int32"), net.numActions);
  const oldLogpT = tf.tensor1d(mb.oldLogp);
  const advT = tf.tensor1d(mb.advantages);
  const retT = tf.tensor1d(mb.returns);
  const logProbs = net.logProbs(x, bias);
  const newLogp = tf.sum(tf.mul(logProbs, actionOneHot), 1);
  const logRatio = tf.sub(newLogp, oldLogpT);
  const ratio = tf.exp(logRatio);
  const unclipped = tf.mul(ratio, advT);
  const clipped = tf.mul(tf.clipByValue(ratio, 1 - config.clip, 1 + config.clip), advT);
  const policyLoss = tf.neg(tf.mean(tf.minimum(unclipped, clipped)));
  const probs = tf.exp(logProbs);
  // Masked actions have probability exactly 0, so they add nothing here.
  const entropy = tf.mean(tf.neg(tf.sum(tf.mul(probs, tf.maximum(logProbs, -1e4)), 1)));
  const valueLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(net.value(x), retT))));
  const parts = [
    policyLoss,
    valueLoss,
    entropy,
    tf.mean(tf.sub(tf.sub(ratio, 1), logRatio)),
    tf.mean(tf.cast(tf.greater(tf.abs(tf.sub(ratio, 1)), config.clip), "float32")),
  ];
  const loss = tf.add(
    tf.sub(policyLoss, tf.mul(config.entropy, entropy)),
    tf.mul(config.valueCoef, valueLoss),
  ) as import("@tensorflow/tfjs").Scalar;
  return { loss, parts };
}

/** One PPO update of a role's actor-critic on its rollout. */
export function ppoUpdate(
  tf: TfModule,
  net: ActorCritic,
  optimizer: Optimizer,
  buffer: RolloutBuffer,
  config: PpoConfig,
  rng: Rng,
): UpdateStats {
  const stats: UpdateStats = { policyLoss: 0, valueLoss: 0, entropy: 0, approxKl: 0, clipFraction: 0 };
  const { order, batchSize } = minibatchOrder(buffer.acted, config.epochs, config.minibatches, rng);
  if (order.length === 0) return stats;
  let updates = 0;
  for (let start = 0; start + batchSize <= order.length; start += batchSize) {
    const mb = gatherMinibatch(buffer, order.subarray(start, start + batchSize), net.obsDim);
    const result = tf.tidy(() => {
      let parts: Tensor[] = [];
      const { grads } = tf.variableGrads(() => {
        const computed = ppoLoss(tf, net, mb, config);
        parts = computed.parts.map((t) => tf.keep(t));
        return computed.loss;
      }, net.variables);
      // Global gradient-norm clipping.
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((k) => tf.sum(tf.square(grads[k])))));
      const scale = tf.minimum(1, tf.div(config.maxGradNorm, tf.add(norm, 1e-6)));
      const clippedGrads: Record<string, Tensor> = {};
      for (const k of names) clippedGrads[k] = tf.mul(grads[k], scale);
      optimizer.applyGradients(clippedGrads as Record<string, import("@tensorflow/tfjs").Tensor>);
      return parts;
    });
    const values = result.map((t) => (t.dataSync() as Float32Array)[0]);
    result.forEach((t) => t.dispose());
    stats.policyLoss += values[0];
    stats.valueLoss += values[1];
    stats.entropy += values[2];
    stats.approxKl += values[3];
    stats.clipFraction += values[4];
    updates++;
  }
  for (const key of Object.keys(stats) as (keyof UpdateStats)[]) stats[key] /= Math.max(1, updates);
  return stats;
}
