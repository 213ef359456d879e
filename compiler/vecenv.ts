import type { IRGame } from "./ir.js";

/**
 * The vectorized environment contract every backend implements: E independent copies of
 * a game stepped together, with results as flat typed arrays (row-major, copy first).
 */

export interface RoleBuffers {
  /** Observations `[E, count, obsDim]`, for the step about to be taken. */
  obs: Float32Array;
  /** Legal actions `[E, count, numActions]` (1 = legal), for the step about to be taken. */
  mask: Uint8Array;
  /** Payoff received in the last step, `[E, count]`. */
  reward: Float32Array;
  /** What learners of this role maximise, received in the last step, `[E, count]`. */
  objective: Float32Array;
}

export interface StepResult {
  roles: RoleBuffers[];
  /** `[E]`: 1 where the last step ended the copy's episode; that copy was then reset. */
  done: Uint8Array;
  /** `[E, numMetrics]`: the metrics' values in the last step. */
  metrics: Float32Array;
  /** `[E]`: the phase each copy is in now (the phase the next actions are for). */
  phase: Int32Array;
  /** `[E, numRules]`: 1 where a rule was active during the last step (for rule-activity metrics). */
  rules?: Uint8Array;
}

export interface EnvOptions {
  numEnvs: number;
  seed?: number;
  /**
   * Ranged params are sampled per episode when true (training); when false each uses its
   * default (evaluation). Horizon ranges are always sampled.
   */
  sampleParams?: boolean;
  /** Values for params that vary per episode (ranged or rule-set); others are fixed at compile time. */
  params?: Record<string, number | boolean>;
  /** Check that every chosen action is legal; a masked-out action throws with a clear message. */
  checked?: boolean;
}

export interface VecEnv {
  readonly schema: Schema;
  readonly numEnvs: number;
  /** Starts every copy at episode 0 and returns the first observations. */
  reset(): StepResult;
  /**
   * Advances every copy by one step (one phase of one round). `actions[r]` holds a flat
   * action index per agent of role r, `[E, count]`; -1 is the no-op, and an agent without
   * a legal action takes the no-op whatever it is given. The returned buffers are reused.
   */
  step(actions: Int32Array[]): StepResult;
  /** Fills `out` (`[E, count]` of the bot's role) with the bot's choices in the current state. */
  botActions(bot: string, out: Int32Array): void;
}

export interface Schema {
  format: "agora-env/1";
  name: string;
  roles: {
    name: string;
    count: number;
    numActions: number;
    actions: { name: string; argument?: { name: string; kind: string; values: string[] }; phases: string[] }[];
    actionLabels: string[];
    obsDim: number;
    observations: { labels: string[]; encoding: string; offset: number; width: number }[];
  }[];
  params: {
    name: string;
    type: string;
    value: number;
    range?: { lo: number; hi: number };
    variesPerEpisode: boolean;
  }[];
  metrics: string[];
  /**
   * Per metric, in `metrics` order: the phases whose steps its episode value averages (a
   * step counts in the phase it ran in: the `phase` before the step); empty: every step.
   */
  metricPhases: string[][];
  phases: string[];
  teams: string[];
  rules: string[];
  horizon: { lo: number; hi: number };
  bots: { name: string; role: string }[];
}

export function buildSchema(ir: IRGame): Schema {
  return {
    format: "agora-env/1",
    name: ir.name,
    roles: ir.roles.map((r) => {
      let offset = 0;
      return {
        name: r.name,
        count: r.count,
        numActions: r.numActions,
        actions: r.actions.map((a) => ({
          name: a.name,
          argument: a.arg
            ? {
                name: a.arg.name,
                kind: a.arg.kind,
                values: r.actionLabels.slice(a.flatStart, a.flatStart + a.flatCount),
              }
            : undefined,
          phases: a.phases.map((p) => ir.phases[p]),
        })),
        actionLabels: r.actionLabels,
        obsDim: r.obsDim,
        observations: r.observations.map((o) => {
          const entry = { labels: o.labels, encoding: o.encoding, offset, width: o.width };
          offset += o.width;
          return entry;
        }),
      };
    }),
    params: ir.params.map((p, i) => ({
      name: p.name,
      type: p.t,
      value: p.value,
      range: p.range,
      variesPerEpisode: ir.dynamicParams.includes(i),
    })),
    metrics: ir.metrics.map((m) => m.name),
    metricPhases: ir.metrics.map((m) => m.phases.map((p) => ir.phases[p])),
    phases: ir.phases,
    teams: ir.teams,
    rules: ir.rules.map((r) => r.name),
    horizon: ir.horizon,
    bots: ir.bots.map((b) => ({ name: b.name, role: ir.roles[b.role].name })),
  };
}

/** Allocates the result buffers for E copies. */
export function allocateResult(ir: IRGame, numEnvs: number): StepResult {
  return {
    roles: ir.roles.map((r) => ({
      obs: new Float32Array(numEnvs * r.count * r.obsDim),
      mask: new Uint8Array(numEnvs * r.count * r.numActions),
      reward: new Float32Array(numEnvs * r.count),
      objective: new Float32Array(numEnvs * r.count),
    })),
    done: new Uint8Array(numEnvs),
    metrics: new Float32Array(numEnvs * ir.metrics.length),
    phase: new Int32Array(numEnvs),
    rules: new Uint8Array(numEnvs * ir.rules.length),
  };
}

/** Resolves `params` options to per-param pinned values (undefined: sample or default). */
export function resolveParamOptions(ir: IRGame, options: EnvOptions): (number | undefined)[] {
  const pinned: (number | undefined)[] = ir.params.map(() => undefined);
  for (const [name, value] of Object.entries(options.params ?? {})) {
    const index = ir.params.findIndex((p) => p.name === name);
    if (index < 0)
      throw new Error(
        `unknown param \`${name}\`; the params are ${ir.params.map((p) => `\`${p.name}\``).join(", ") || "none"}`,
      );
    if (!ir.dynamicParams.includes(index)) {
      throw new Error(
        `param \`${name}\` is fixed when the scenario is compiled; set it with \`--set ${name}=...\` when compiling`,
      );
    }
    const p = ir.params[index];
    const numeric = typeof value === "boolean" ? (value ? 1 : 0) : value;
    pinned[index] = p.t === "int" ? Math.trunc(numeric) : p.t === "real" ? Math.fround(numeric) : numeric ? 1 : 0;
  }
  return pinned;
}

/**
 * Every backend refuses a missing or short action array with this message before stepping
 * (a short array is a caller's bug, never a row of no-ops).
 */
export function checkActionArrays(ir: IRGame, numEnvs: number, actions: readonly (Int32Array | undefined)[]): void {
  ir.roles.forEach((r, i) => {
    const a = actions[i];
    if (!a || a.length < numEnvs * r.count)
      throw new Error(`actions[${i}] (${r.name}) must hold ${numEnvs * r.count} action indices`);
  });
}

/** The message for a masked-out action in checked mode. */
export function illegalActionMessage(ir: IRGame, role: number, env: number, agent: number, action: number): string {
  const r = ir.roles[role];
  const label = action >= 0 && action < r.numActions ? `\`${r.actionLabels[action]}\` (${action})` : `${action}`;
  return `copy ${env}, ${r.name} #${agent}: action ${label} is not available now (masked out); pass a legal action or -1 for no-op`;
}
