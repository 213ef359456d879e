import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { IRGame } from "../compiler/ir.js";
import { createJsKernel } from "../compiler/js-backend.js";
import type { StepResult, VecEnv } from "../compiler/vecenv.js";
import {
  decodePool,
  encodePool,
  loadOptimizers,
  loadWeights,
  makeCheckpoint,
  readCheckpoint,
  writeCheckpoint,
  type Checkpoint,
} from "./checkpoint.js";
import { coPlayerSeats, opponentOfCopy, parseOpponents, type Opponent } from "./coplayers.js";
import { loadActor, PolicyPool } from "./pool.js";
import { loadScenario, type Scenario } from "./env.js";
import { EpisodeTracker, summarize, type EpisodeSummary } from "./episodes.js";
import { loadEngine, type EngineName, type LoadedEngine } from "./engine/select.js";
import type { Policy } from "./engine/policy.js";
import { ActorCritic, DEFAULT_CONFIG, RolloutBuffer, Rng, type PpoConfig, type UpdateStats } from "./ppo.js";
import { ActionCounter, type ActionShares } from "./action-stats.js";
import { writeReport } from "./report.js";
import {
  checkNewRunFolder,
  createRunFolder,
  holdsRun,
  lockRunFolder,
  readRunConfig,
  recordResume,
  resumeConflicts,
  RunFolderError,
  truncateMetrics,
} from "./run-folder.js";
import type { TfModule } from "./tf.js";

/** What a run folder's `config.json` records: enough to resume, evaluate and report. */
export interface RunConfig {
  format: "agora-run/1";
  scenario: { path: string; name: string; source: string };
  overrides: Record<string, number | boolean>;
  config: PpoConfig;
  backend: string;
  created: string;
  /** Each resume: when, from which update, and the step target it set. */
  resumes?: { at: string; fromUpdate: number; steps: number }[];
}

/** One line of `metrics.jsonl`: the state of training after one update. */
export interface MetricsLine {
  update: number;
  agentSteps: number;
  seconds: number;
  agentStepsPerSecond: number;
  lr: number;
  episodes: EpisodeSummary | null;
  /** Per role: how often learners chose each action (by action name) in this update's rollout. */
  actionFrequencies: Record<string, Record<string, number>>;
  /** Per role and phase: the share of each action with its argument (the mean argument for a ranged one). */
  actions?: ActionShares;
  losses: Record<string, UpdateStats>;
  time: { env: number; inference: number; update: number };
}

export interface TrainOptions {
  /** The scenario file (or, with `resume`, nothing: the run folder has it). */
  scenarioPath?: string;
  overrides?: Map<string, number | boolean>;
  /** Hyperparameters given on the command line; they win over the scenario's `train` block. */
  flags?: Partial<PpoConfig>;
  /** `--opponent` entries; they replace the scenario's `opponents`. */
  opponents?: string[];
  out?: string;
  resume?: string;
  /**
   * The training engine: `auto` (the default: native where it builds, else TensorFlow.js wasm), `native`, or a
   * TensorFlow.js backend.
   */
  backend?: EngineName;
  /** Threads for the native engine (default: every core). Results do not depend on it. */
  threads?: number;
  /** Save a checkpoint every this many updates (and at the end). */
  checkpointEvery?: number;
  log?: (line: string) => void;
  /** Called once the scenario is loaded. */
  onStart?: (scenario: Scenario) => void;
  /** Called after every update, for progress bars. */
  onUpdate?: (line: MetricsLine, total: number) => void;
  /** Write report.html at the end (default true). */
  report?: boolean;
  /** Aborted (Ctrl-C): the current update finishes, then a checkpoint and the report are written. */
  signal?: AbortSignal;
  /** Warnings about the run folder (a torn metrics line, a stale lock). */
  warn?: (line: string) => void;
}

export interface TrainResult {
  runDir: string;
  backend: string;
  updates: number;
  agentSteps: number;
  last: MetricsLine | undefined;
  scenario: Scenario;
  /** Stopped early by `signal`: a checkpoint and the report were written; resume continues it. */
  interrupted?: boolean;
  /** Why nothing was trained (a resume whose step target is already reached). */
  nothingToDo?: string;
}

const TRAIN_KEYS_TO_CONFIG: Record<string, keyof PpoConfig> = {
  steps: "steps",
  envs: "envs",
  lr: "lr",
  gamma: "gamma",
  lambda: "lambda",
  clip: "clip",
  epochs: "epochs",
  minibatches: "minibatches",
  entropy: "entropy",
  hidden: "hidden",
  seed: "seed",
  opponents: "opponents",
};
// rollout, valueCoef, maxGradNorm, annealLr and activation have no `train` key in the
// language (LANGUAGE.md lists the keys): they are set with flags or in PpoConfig.

/** Defaults, then the scenario's `train` block, then command-line flags. */
export function resolveConfig(
  train: Record<string, unknown>,
  flags: Partial<PpoConfig> = {},
  opponents?: string[],
): PpoConfig {
  const config: PpoConfig = {
    ...DEFAULT_CONFIG,
    hidden: [...DEFAULT_CONFIG.hidden],
    opponents: [...DEFAULT_CONFIG.opponents],
  };
  for (const [key, value] of Object.entries(train)) {
    const target = TRAIN_KEYS_TO_CONFIG[key];
    if (target && value !== undefined) (config as unknown as Record<string, unknown>)[target] = value;
  }
  for (const [key, value] of Object.entries(flags))
    if (value !== undefined) (config as unknown as Record<string, unknown>)[key] = value;
  if (opponents && opponents.length > 0) config.opponents = opponents;
  return config;
}

/** A run folder name: the scenario and the time, e.g. `runs/iterated_pd-20261126-091500`. */
function defaultRunDir(scenarioPath: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return join("runs", `${basename(scenarioPath).replace(/\.game$/, "")}-${stamp}`);
}

/**
 * Trains one policy per role on a scenario with PPO, in a run folder of its own: a new
 * folder (never one that holds a run), or the folder of the run it resumes; locked against
 * a second trainer, and removed again if the start fails.
 */
export async function train(options: TrainOptions): Promise<TrainResult> {
  const dir = options.resume ?? options.out ?? (options.scenarioPath ? defaultRunDir(options.scenarioPath) : undefined);
  if (dir === undefined) throw new Error("a scenario file is needed");
  if (options.resume?.trim() === "") throw new RunFolderError("--resume needs a run folder, got an empty path");
  if (options.resume) {
    if (!existsSync(join(dir, "config.json"))) throw new RunFolderError(`${dir} is not a run folder (no config.json)`);
  } else checkNewRunFolder(dir);
  const folder = options.resume ? { discard: () => {} } : createRunFolder(dir);
  let lock: { release: () => void };
  try {
    lock = lockRunFolder(dir, options.warn);
  } catch (error) {
    folder.discard();
    throw error;
  }
  try {
    return await trainInFolder({ ...options, out: dir });
  } catch (error) {
    // A start that failed (a bad co-player, a scenario with errors) leaves no folder behind.
    if (!options.resume && !holdsRunRecords(dir)) folder.discard();
    throw error;
  } finally {
    lock.release();
  }
}

/** Whether training wrote any record (a metrics line or a checkpoint) into a folder. */
function holdsRunRecords(dir: string): boolean {
  return (
    holdsRun(dir) && (existsSync(join(dir, "metrics.jsonl")) || existsSync(join(dir, "checkpoints", "latest.json")))
  );
}

async function trainInFolder(options: TrainOptions): Promise<TrainResult> {
  const log = options.log ?? (() => {});
  const warn = options.warn ?? log;
  let run: RunConfig;
  let checkpoint: Checkpoint | undefined;
  let runDir: string;
  let nothingToDo: string | undefined;
  if (options.resume) {
    runDir = options.resume;
    run = readRunConfig(runDir);
    const conflicts = resumeConflicts(run, {
      flags: options.flags,
      overrides: options.overrides,
      opponents: options.opponents,
      scenarioPath: options.scenarioPath,
      scenarioSource: options.scenarioPath ? readFileSync(options.scenarioPath, "utf8") : undefined,
    });
    if (conflicts.length > 0)
      throw new RunFolderError(`cannot resume ${runDir} with different settings: ${conflicts.join("; ")}`);
    // A run killed before its first checkpoint starts over.
    checkpoint = existsSync(join(runDir, "checkpoints", "latest.json")) ? readCheckpoint(runDir) : undefined;
    if (!checkpoint) warn(`${runDir}: no checkpoint yet; training starts over from update 0`);
    const done = checkpoint?.agentSteps ?? 0;
    // A longer run may be asked for when resuming.
    const steps = options.flags?.steps ?? run.config.steps;
    if (done >= steps)
      nothingToDo = `${runDir} has already trained ${done.toLocaleString("en-US")} agent steps${options.flags?.steps !== undefined ? ` (--steps ${steps.toLocaleString("en-US")} asks for no more)` : `, its target`}: nothing to do; ask for more with --steps`;
    else {
      truncateMetrics(runDir, checkpoint?.update ?? 0, warn);
      recordResume(runDir, run, { fromUpdate: checkpoint?.update ?? 0, steps });
      run.config.steps = steps;
    }
  } else {
    if (!options.scenarioPath) throw new Error("a scenario file is needed");
    const source = readFileSync(options.scenarioPath, "utf8");
    const overrides = options.overrides ?? new Map();
    const scenario = loadScenario(source, { name: options.scenarioPath, overrides });
    const config = resolveConfig(scenario.document.model?.train ?? {}, options.flags, options.opponents);
    runDir = options.out ?? defaultRunDir(options.scenarioPath);
    run = {
      format: "agora-run/1",
      scenario: { path: resolve(options.scenarioPath), name: scenario.ir.name, source },
      overrides: Object.fromEntries(overrides),
      config,
      backend: options.backend ?? "auto",
      created: new Date().toISOString(),
    };
  }
  const config = run.config;
  const scenario = loadScenario(run.scenario.source, {
    name: run.scenario.path,
    overrides: new Map(Object.entries(run.overrides)),
  });
  if (nothingToDo)
    return {
      runDir,
      backend: run.backend,
      updates: checkpoint?.update ?? 0,
      agentSteps: checkpoint?.agentSteps ?? 0,
      last: undefined,
      scenario,
      nothingToDo,
    };
  const ir = scenario.ir;
  options.onStart?.(scenario);
  const engine = await loadEngine((options.backend ?? run.backend) as EngineName, options.threads);
  log(`engine: ${engine.description}${engine.note ? ` (${engine.note})` : ""}`);

  // --- co-players and seats (checked before anything is written) ---
  const opponents: Opponent[] = parseOpponents(config.opponents, ir);
  mkdirSync(join(runDir, "checkpoints"), { recursive: true });
  if (!options.resume)
    writeFileSync(join(runDir, "config.json"), JSON.stringify({ ...run, backend: engine.name }, null, 2) + "\n");
  const E = config.envs;
  const seatsOf = opponents.map((o) => coPlayerSeats(ir, o));
  /** The copies that opponent entry `k` plays in. */
  const copiesOf = (k: number) =>
    Array.from({ length: E }, (_, e) => e).filter((e) => opponentOfCopy(e, opponents.length) === k);
  /** Per role: the flat agent indices (copy * count + agent) whose actions the learner chooses. */
  const learners: number[][] = ir.roles.map((role, r) => {
    const list: number[] = [];
    for (let e = 0; e < E; e++)
      for (let i = 0; i < role.count; i++)
        if (!seatsOf[opponentOfCopy(e, opponents.length)][r][i]) list.push(e * role.count + i);
    return list;
  });
  const totalLearners = learners.reduce((n, l) => n + l.length, 0);
  if (totalLearners === 0)
    throw new Error("no agent learns with these co-players: every seat is played by a bot or checkpoint");

  // --- networks ---
  const activation = config.activation ?? "relu";
  const nets = ir.roles.map((role, r) =>
    engine.create(role.obsDim, role.numActions, config.hidden, config.seed * 31 + r, role.name, activation),
  );
  const frozen = opponents.map((o) => (o.kind === "checkpoint" ? frozenEnginePolicies(engine, ir, o.path) : undefined));
  // Fictitious self-play: per role, `poolSample` frozen networks that this update's pool members are loaded into.
  const poolSample = config.poolSample ?? DEFAULT_CONFIG.poolSample;
  const pool = opponents.some((o) => o.kind === "pool")
    ? new PolicyPool(
        config.poolSize ?? DEFAULT_CONFIG.poolSize,
        ir.roles.map(() => 2 * (config.hidden.length + 1)),
      )
    : undefined;
  const poolNets = pool
    ? ir.roles.map((role) =>
        Array.from({ length: poolSample }, (_, s) =>
          engine.create(role.obsDim, role.numActions, config.hidden, 0, `pool-${role.name}-${s}`, activation),
        ),
      )
    : [];
  const rng = new Rng(config.seed);
  let update = 0;
  let agentSteps = 0;
  if (checkpoint) {
    loadWeights(checkpoint, ir, nets);
    await loadOptimizers(checkpoint, nets);
    update = checkpoint.update;
    agentSteps = checkpoint.agentSteps;
    rng.state = checkpoint.rng;
    if (pool) {
      if (!checkpoint.pool)
        throw new RunFolderError(
          `${runDir}: the checkpoint has no policy pool, though the run trains against \`pool\``,
        );
      pool.restore(decodePool(checkpoint.pool));
    }
    log(`resuming ${runDir} at update ${update} (${agentSteps.toLocaleString("en-US")} agent steps)`);
  }

  // Environments restart on resume; their seed moves on so a resumed run sees new episodes.
  const env: VecEnv = createJsKernel(ir)({ numEnvs: E, seed: config.seed + update * 7919, sampleParams: true });
  const tracker = new EpisodeTracker(ir, E, (e) => opponentOfCopy(e, opponents.length));
  const buffers = ir.roles.map(
    (role, r) => new RolloutBuffer(config.rollout, learners[r].length, role.obsDim, role.numActions),
  );
  const stepsPerUpdate = config.rollout * totalLearners;
  const totalUpdates = Math.max(update + 1, Math.ceil(config.steps / stepsPerUpdate));
  const metricsPath = join(runDir, "metrics.jsonl");
  const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.round(totalUpdates / 10));
  const started = performance.now();
  const stepsAtStart = agentSteps;
  let last: MetricsLine | undefined;
  let interrupted = false;

  let result = env.reset();
  const actions = ir.roles.map((role) => new Int32Array(E * role.count));
  const botOut = new Map<string, Int32Array>();
  let episodes: EpisodeSummary[] = [];
  if (pool && update === 0) pool.offer(0, nets);

  while (update < totalUpdates) {
    const time = { env: 0, inference: 0, update: 0 };
    const lr = config.annealLr ? config.lr * (1 - update / totalUpdates) : config.lr;
    const frequencies = ir.roles.map((role) => new Float64Array(role.actions.length));
    const counter = new ActionCounter(ir);
    if (pool) {
      const members = pool.sample(poolSample, rng);
      poolNets.forEach((slots, r) => slots.forEach((net, s) => loadActor(net, members[s].actors[r])));
    }
    for (let t = 0; t < config.rollout; t++) {
      let t0 = performance.now();
      const acted = ir.roles.map((role, r) =>
        nets[r].act(result.roles[r].obs, result.roles[r].mask, E * role.count, rng),
      );
      // Co-players overwrite their seats.
      for (const [k, o] of opponents.entries()) {
        if (o.kind === "self") continue;
        if (o.kind === "pool") {
          actFromPool(poolNets[o.role], result.roles[o.role], ir.roles[o.role].count, copiesOf(k), seatsOf[k][o.role], {
            rng,
            into: acted[o.role].actions,
          });
          continue;
        }
        const chosen =
          o.kind === "bot"
            ? botActions(env, o.name, E * ir.roles[o.role].count, botOut)
            : frozen[k]![o.role].act(
                result.roles[o.role].obs,
                result.roles[o.role].mask,
                E * ir.roles[o.role].count,
                rng,
              ).actions;
        const role = ir.roles[o.role];
        for (let e = k; e < E; e += opponents.length)
          for (let i = 0; i < role.count; i++)
            if (seatsOf[k][o.role][i]) acted[o.role].actions[e * role.count + i] = chosen[e * role.count + i];
      }
      ir.roles.forEach((role, r) => {
        actions[r].set(acted[r].actions);
        const buffer = buffers[r];
        const D = role.obsDim;
        const A = role.numActions;
        const { obs, mask } = result.roles[r];
        const list = learners[r];
        // Plain index loops: this runs for every learner at every step (no per-agent subarrays).
        for (let n = 0; n < list.length; n++) {
          const j = list[n];
          const k = t * list.length + n;
          for (let d = 0; d < D; d++) buffer.obs[k * D + d] = obs[j * D + d];
          for (let a = 0; a < A; a++) buffer.masks[k * A + a] = mask[j * A + a];
          const a = acted[r].actions[j];
          buffer.actions[k] = Math.max(0, a);
          buffer.acted[k] = a >= 0 ? 1 : 0;
          buffer.logp[k] = acted[r].logp[j];
          buffer.values[k] = acted[r].value[j];
          if (a >= 0) frequencies[r][role.flatAction[a]]++;
          if (a >= 0) counter.record(r, a, result.phase[Math.floor(j / role.count)]);
        }
      });
      // Inference includes storing the rollout.
      time.inference += performance.now() - t0;
      t0 = performance.now();
      result = env.step(actions);
      time.env += performance.now() - t0;
      tracker.record(result);
      ir.roles.forEach((role, r) => {
        const list = learners[r];
        const { objective } = result.roles[r];
        for (let n = 0; n < list.length; n++) {
          const j = list[n];
          const k = t * list.length + n;
          buffers[r].rewards[k] = objective[j];
          buffers[r].dones[k] = result.done[Math.floor(j / role.count)];
        }
      });
    }
    agentSteps += stepsPerUpdate;
    // --- learn ---
    const t0 = performance.now();
    // Keyed by role names, which may be `__proto__` or `constructor`: no prototype.
    const losses: Record<string, UpdateStats> = Object.create(null);
    ir.roles.forEach((role, r) => {
      if (learners[r].length === 0) return;
      const all = nets[r].values(result.roles[r].obs, E * role.count);
      const lastValues = Float32Array.from(learners[r], (j) => all[j]);
      buffers[r].computeAdvantages(lastValues, config.gamma, config.lambda);
      const stats = nets[r].update(buffers[r], config, rng, lr);
      const bad = (["policyLoss", "valueLoss", "entropy", "approxKl"] as const).find((k) => !Number.isFinite(stats[k]));
      if (bad) {
        throw new Error(
          `update ${update + 1}: ${role.name}'s ${bad} is ${stats[bad]}; training stopped (no checkpoint written for this update). Try a lower --lr (now ${config.lr}) or check the scenario for huge rewards`,
        );
      }
      losses[role.name] = stats;
    });
    time.update += performance.now() - t0;
    update++;
    pool?.offer(update, nets);

    const finished = tracker.drain();
    const summary = summarize(finished) ?? null;
    if (summary) episodes = [...episodes.slice(-50), summary];
    const seconds = (performance.now() - started) / 1000;
    const actionFrequencies: Record<string, Record<string, number>> = Object.create(null);
    ir.roles.forEach((role, r) => {
      const total = frequencies[r].reduce((a, b) => a + b, 0);
      if (total === 0) return;
      actionFrequencies[role.name] = Object.fromEntries(
        role.actions.map((a, k) => [a.name, frequencies[r][k] / total]),
      );
    });
    last = {
      update,
      agentSteps,
      seconds,
      agentStepsPerSecond: (agentSteps - stepsAtStart) / Math.max(1e-9, seconds),
      lr,
      episodes: summary,
      actionFrequencies,
      actions: counter.shares(),
      losses,
      time,
    };
    appendFileSync(metricsPath, JSON.stringify(last) + "\n");
    options.onUpdate?.(last, totalUpdates);
    // Let a Ctrl-C arrive between updates; the update it interrupts is complete and saved.
    await new Promise((r) => setImmediate(r));
    interrupted = options.signal?.aborted === true && update < totalUpdates;
    if (update % checkpointEvery === 0 || update === totalUpdates || interrupted) {
      const saved = makeCheckpoint(ir, nets, { update, agentSteps, config, rng: rng.state });
      // Only the latest checkpoint carries the pool: resuming needs it, evaluating a checkpoint does not.
      writeCheckpoint(
        join(runDir, "checkpoints", "latest.json"),
        pool ? { ...saved, pool: encodePool(pool.save()) } : saved,
      );
      writeCheckpoint(join(runDir, "checkpoints", `update-${String(update).padStart(6, "0")}.json`), saved);
    }
    if (interrupted) break;
  }
  if (options.report ?? true) writeReport(runDir);
  nets.forEach((n) => n.dispose());
  frozen.forEach((f) => f?.forEach((n) => n.dispose()));
  poolNets.flat().forEach((n) => n.dispose());
  return { runDir, backend: engine.name, updates: update, agentSteps, last, scenario, interrupted };
}

let instance = 0;
/** TensorFlow.js variable names must be unique in a process. */
function uniqueName(base: string): string {
  return `${base}#${instance++}`;
}

/**
 * Pool members choose for the co-player seats of the copies in `copies`: the i-th copy is played by slot i mod slots
 * (this update's i-th drawn member), each slot acting on its copies' observations only.
 */
function actFromPool(
  slots: Policy[],
  view: { obs: Float32Array; mask: Uint8Array },
  count: number,
  copies: number[],
  seats: boolean[],
  out: { rng: Rng; into: Int32Array },
): void {
  const D = Math.max(1, slots[0].obsDim);
  const A = slots[0].numActions;
  slots.forEach((net, s) => {
    const mine = copies.filter((_, i) => i % slots.length === s);
    if (mine.length === 0) return;
    const n = mine.length * count;
    const obs = new Float32Array(n * D);
    const mask = new Uint8Array(n * A);
    mine.forEach((e, c) => {
      if (slots[0].obsDim > 0) obs.set(view.obs.subarray(e * count * D, (e + 1) * count * D), c * count * D);
      mask.set(view.mask.subarray(e * count * A, (e + 1) * count * A), c * count * A);
    });
    const chosen = net.act(obs, mask, n, out.rng).actions;
    mine.forEach((e, c) => {
      for (let i = 0; i < count; i++) if (seats[i]) out.into[e * count + i] = chosen[c * count + i];
    });
  });
}

function botActions(env: VecEnv, name: string, size: number, cache: Map<string, Int32Array>): Int32Array {
  let out = cache.get(name);
  if (!out || out.length !== size) {
    out = new Int32Array(size);
    cache.set(name, out);
  }
  env.botActions(name, out);
  return out;
}

/** Policies of a saved run, frozen, for use as co-players or in evaluation. */
export async function frozenPolicies(tf: TfModule, ir: IRGame, path: string): Promise<ActorCritic[]> {
  const checkpoint = readCheckpoint(path);
  const nets = ir.roles.map(
    (role, r) =>
      new ActorCritic(
        tf,
        role.obsDim,
        role.numActions,
        checkpoint.roles[r]?.hidden ?? checkpoint.config.hidden,
        0,
        uniqueName(`frozen-${role.name}`),
        checkpoint.config.activation ?? "relu",
      ),
  );
  loadWeights(checkpoint, ir, nets);
  return nets;
}

/** A saved run's policies, frozen, on the training engine (co-players during training). */
function frozenEnginePolicies(engine: LoadedEngine, ir: IRGame, path: string): Policy[] {
  const checkpoint = readCheckpoint(path);
  const nets = ir.roles.map((role, r) =>
    engine.create(
      role.obsDim,
      role.numActions,
      checkpoint.roles[r]?.hidden ?? checkpoint.config.hidden,
      0,
      `frozen-${role.name}`,
      checkpoint.config.activation ?? "relu",
    ),
  );
  loadWeights(checkpoint, ir, nets);
  return nets;
}

export type { StepResult };
