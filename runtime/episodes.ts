import type { IRGame } from "../compiler/ir.js";
import type { StepResult } from "../compiler/vecenv.js";

/** One finished episode of one environment copy. */
export interface EpisodeRecord {
  length: number;
  /** Per role: the mean over its agents of their episode payoff and objective. */
  payoff: number[];
  objective: number[];
  /** Every agent's episode payoff, roles in order (for welfare and equality). */
  agentPayoffs: number[];
  /**
   * Per metric: its mean over the episode's steps in its phase scope (every step for a
   * metric without `in`); null when no step of the episode ran in its phases.
   */
  metrics: (number | null)[];
  /** Per rule: the fraction of the episode's steps it was active. */
  ruleActivity: number[];
  /** Which co-player entry this copy used. */
  opponent: number;
}

/** 1 − Gini coefficient of non-negative shares (shifted to be non-negative first): 1 is perfect equality. */
export function equality(values: number[]): number {
  if (values.length < 2) return 1;
  const min = Math.min(...values);
  const shifted = values.map((v) => v - Math.min(0, min));
  const total = shifted.reduce((a, b) => a + b, 0);
  if (total <= 0) return 1;
  let diff = 0;
  for (const a of shifted) for (const b of shifted) diff += Math.abs(a - b);
  return 1 - diff / (2 * shifted.length * total);
}

/**
 * Per-copy sums of the scenario's metrics over the current episode, each metric over the
 * steps of its phase scope only (`metric m in p = ...`; every step without `in`). A step
 * counts in the phase it ran in: the phase the copy was in before the step, which is the
 * `phase` of the previous result (copies start, and restart after `done`, in phase 0).
 * The one place where per-step metric values become episode values: training
 * (`EpisodeTracker`) and evaluation (`playEpisodes`) both use it.
 */
export class MetricAccumulator {
  private readonly sums: Float64Array;
  private readonly counts: Int32Array;
  /** The phase each copy's next step runs in. */
  private readonly phaseNow: Int32Array;
  /** Per metric: per phase, whether its steps count (undefined: every step counts). */
  private readonly scopes: (boolean[] | undefined)[];

  constructor(ir: IRGame, numEnvs: number) {
    const M = ir.metrics.length;
    this.sums = new Float64Array(numEnvs * M);
    this.counts = new Int32Array(numEnvs * M);
    this.phaseNow = new Int32Array(numEnvs);
    this.scopes = ir.metrics.map((m) =>
      m.phases.length > 0 ? ir.phases.map((_, p) => m.phases.includes(p)) : undefined,
    );
  }

  /** Adds copy `e`'s metrics from the result of one step (call once per copy and step, in order). */
  add(result: StepResult, e: number) {
    const M = this.scopes.length;
    const ran = this.phaseNow[e];
    for (let k = 0; k < M; k++) {
      const scope = this.scopes[k];
      if (scope && !scope[ran]) continue;
      this.sums[e * M + k] += result.metrics[e * M + k];
      this.counts[e * M + k]++;
    }
    this.phaseNow[e] = result.phase[e];
  }

  /** Copy `e`'s episode values (null: no step in the metric's phases), and starts its next episode. */
  take(e: number): (number | null)[] {
    const M = this.scopes.length;
    const values: (number | null)[] = [];
    for (let k = 0; k < M; k++) {
      const n = this.counts[e * M + k];
      values.push(n > 0 ? this.sums[e * M + k] / n : null);
      this.sums[e * M + k] = 0;
      this.counts[e * M + k] = 0;
    }
    return values;
  }
}

/**
 * The mean of a metric over episodes: over the episodes that have a value (a metric scoped
 * to phases that did not run in an episode has none there); null when none has.
 */
export function meanOfValues(values: (number | null)[]): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (v === null) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum / n : null;
}

/** Accumulates per-copy episode sums from step results and emits records when copies finish. */
export class EpisodeTracker {
  private readonly length: Int32Array;
  private readonly payoff: Float64Array[];
  private readonly objective: Float64Array[];
  private readonly metrics: MetricAccumulator;
  private readonly rules: Float64Array;
  readonly finished: EpisodeRecord[] = [];

  constructor(
    private readonly ir: IRGame,
    private readonly numEnvs: number,
    private readonly opponentOf: (copy: number) => number,
  ) {
    this.length = new Int32Array(numEnvs);
    this.payoff = ir.roles.map((r) => new Float64Array(numEnvs * r.count));
    this.objective = ir.roles.map((r) => new Float64Array(numEnvs * r.count));
    this.metrics = new MetricAccumulator(ir, numEnvs);
    this.rules = new Float64Array(numEnvs * ir.rules.length);
  }

  record(result: StepResult) {
    const R = this.ir.rules.length;
    for (let e = 0; e < this.numEnvs; e++) {
      this.length[e]++;
      this.ir.roles.forEach((role, r) => {
        for (let i = 0; i < role.count; i++) {
          this.payoff[r][e * role.count + i] += result.roles[r].reward[e * role.count + i];
          this.objective[r][e * role.count + i] += result.roles[r].objective[e * role.count + i];
        }
      });
      this.metrics.add(result, e);
      if (result.rules) for (let k = 0; k < R; k++) this.rules[e * R + k] += result.rules[e * R + k];
      if (!result.done[e]) continue;
      const n = this.length[e];
      const agentPayoffs: number[] = [];
      const payoff: number[] = [];
      const objective: number[] = [];
      this.ir.roles.forEach((role, r) => {
        let p = 0;
        let o = 0;
        for (let i = 0; i < role.count; i++) {
          const k = e * role.count + i;
          agentPayoffs.push(this.payoff[r][k]);
          p += this.payoff[r][k];
          o += this.objective[r][k];
          this.payoff[r][k] = 0;
          this.objective[r][k] = 0;
        }
        payoff.push(p / role.count);
        objective.push(o / role.count);
      });
      const metrics = this.metrics.take(e);
      const ruleActivity: number[] = [];
      for (let k = 0; k < R; k++) {
        ruleActivity.push(this.rules[e * R + k] / n);
        this.rules[e * R + k] = 0;
      }
      this.finished.push({
        length: n,
        payoff,
        objective,
        agentPayoffs,
        metrics,
        ruleActivity,
        opponent: this.opponentOf(e),
      });
      this.length[e] = 0;
    }
  }

  /** Takes the episodes finished since the last call. */
  drain(): EpisodeRecord[] {
    return this.finished.splice(0, this.finished.length);
  }
}

export interface EpisodeSummary {
  episodes: number;
  length: number;
  payoff: number[];
  objective: number[];
  /** Per metric: the mean over the episodes that have a value (null: none has; see `EpisodeRecord`). */
  metrics: (number | null)[];
  ruleActivity: number[];
  welfare: number;
  perCapita: number;
  equality: number;
}

export function summarize(records: EpisodeRecord[]): EpisodeSummary | undefined {
  if (records.length === 0) return undefined;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const column = (pick: (r: EpisodeRecord) => number[]) =>
    pick(records[0]).map((_, k) => mean(records.map((r) => pick(r)[k])));
  const welfare = mean(records.map((r) => r.agentPayoffs.reduce((a, b) => a + b, 0)));
  return {
    episodes: records.length,
    length: mean(records.map((r) => r.length)),
    payoff: column((r) => r.payoff),
    objective: column((r) => r.objective),
    metrics: records[0].metrics.map((_, k) => meanOfValues(records.map((r) => r.metrics[k]))),
    ruleActivity: column((r) => r.ruleActivity),
    welfare,
    perCapita: welfare / records[0].agentPayoffs.length,
    equality: mean(records.map((r) => equality(r.agentPayoffs))),
  };
}

/** Mean with a normal-approximation 95% confidence half-width. */
export function meanWithCi(xs: number[]): { mean: number; ci95: number; n: number } {
  const n = xs.length;
  if (n === 0) return { mean: NaN, ci95: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, ci95: NaN, n };
  const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return { mean, ci95: 1.96 * Math.sqrt(variance / n), n };
}
