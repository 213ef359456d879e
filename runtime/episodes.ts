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
  metrics: number[];
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

/** Accumulates per-copy episode sums from step results and emits records when copies finish. */
export class EpisodeTracker {
  private readonly length: Int32Array;
  private readonly payoff: Float64Array[];
  private readonly objective: Float64Array[];
  private readonly metrics: Float64Array;
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
    this.metrics = new Float64Array(numEnvs * ir.metrics.length);
    this.rules = new Float64Array(numEnvs * ir.rules.length);
  }

  record(result: StepResult) {
    const M = this.ir.metrics.length;
    const R = this.ir.rules.length;
    for (let e = 0; e < this.numEnvs; e++) {
      this.length[e]++;
      this.ir.roles.forEach((role, r) => {
        for (let i = 0; i < role.count; i++) {
          this.payoff[r][e * role.count + i] += result.roles[r].reward[e * role.count + i];
          this.objective[r][e * role.count + i] += result.roles[r].objective[e * role.count + i];
        }
      });
      for (let k = 0; k < M; k++) this.metrics[e * M + k] += result.metrics[e * M + k];
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
      const metrics: number[] = [];
      for (let k = 0; k < M; k++) {
        metrics.push(this.metrics[e * M + k] / n);
        this.metrics[e * M + k] = 0;
      }
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
  metrics: number[];
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
    metrics: column((r) => r.metrics),
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
