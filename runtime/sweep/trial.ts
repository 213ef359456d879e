import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { evaluate } from "../evaluate.js";
import { exploitabilityOfRun } from "../exploitability.js";
import type { TfBackendName } from "../tf.js";
import { train, type MetricsLine } from "../train.js";
import type { ParamValue, PlannedScenario, SweepPlan, Trial, TrainSettings } from "./plan.js";

/**
 * One trial, self-contained: what a worker on another machine needs to run it without the
 * sweep folder (the scenario's text travels with it).
 */
export interface TrialSpec {
  trial: Trial;
  scenario: PlannedScenario;
  train: TrainSettings;
  evaluation: { episodes: number; seed: number };
}

export function trialSpec(plan: SweepPlan, trial: Trial): TrialSpec {
  // A trial on the co-player axis trains against its own population.
  const train = trial.coplayers ? { ...plan.train, opponents: trial.coplayers } : plan.train;
  return { trial, scenario: plan.scenarios[trial.scenario], train, evaluation: plan.evaluation };
}

type Estimate = { mean: number; ci95: number };

/** One line of `results.jsonl`: a finished trial's point, seed and final evaluation. */
export interface TrialResult {
  trial: string;
  scenario: string;
  scenarioIndex: number;
  point: Record<string, ParamValue>;
  seed: number;
  /** With co-players as an axis: the trial's population. */
  coplayers?: string[];
  /** Self-play evaluation of the final policies (95% confidence intervals over episodes). */
  evaluation: {
    episodes: number;
    returns: ({ role: string } & Estimate)[];
    metrics: ({ name: string } & Estimate)[];
    welfare: Estimate;
    equality: Estimate;
  };
  /** Per role: the share of each action in the last training rollout. */
  actions: Record<string, Record<string, number>>;
  agentSteps: number;
  /**
   * For one-shot games with a normal form: the exploitability of the learned profile (each
   * role's action shares in the last rollout, or averaged over training for a run against
   * the pool: runtime/exploitability.ts `learnedShares`), exactly from the payoff table.
   */
  exploitability?: {
    nashConv: number;
    gains: number[];
    nearestEquilibrium: { strategies: number[][]; distance: number } | null;
  };
  /** The run folder, relative to the sweep folder. */
  run: string;
}

/** Where the trial's timing and host go: kept out of `TrialResult` so that results compare equal across executors. */
export interface TrialTiming {
  trial: string;
  seconds: number;
  host: string;
}

export const runFolderOf = (trial: Trial) => join("runs", trial.id);

/**
 * Trains and evaluates one trial in this process, into `runDir` (emptied first: whatever
 * an interrupted attempt left there is redone). The scenario's text is written to
 * `scenarioPath` for the trainer, which records it in the run folder's config.json.
 */
export async function runTrial(spec: TrialSpec, runDir: string, scenarioPath: string): Promise<TrialResult> {
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(join(runDir, ".."), { recursive: true });
  if (!existsSync(scenarioPath) || readFileSync(scenarioPath, "utf8") !== spec.scenario.source) {
    mkdirSync(join(scenarioPath, ".."), { recursive: true });
    writeFileSync(scenarioPath, spec.scenario.source);
  }
  const t = spec.train;
  const overrides = new Map<string, ParamValue>([...Object.entries(t.set), ...Object.entries(spec.trial.point)]);
  const backend = t.backend as TfBackendName;
  let last: MetricsLine | undefined;
  const trained = await train({
    scenarioPath,
    overrides,
    flags: {
      steps: t.steps,
      envs: t.envs,
      rollout: t.rollout,
      lr: t.lr,
      entropy: t.entropy,
      hidden: t.hidden,
      seed: spec.trial.seed,
    },
    opponents: t.opponents,
    out: runDir,
    backend,
    onUpdate: (line) => (last = line),
  });
  // The evaluation's seed differs per trial but is fixed by the plan: reruns agree.
  const report = await evaluate({
    runDir,
    vs: [],
    episodes: spec.evaluation.episodes,
    overrides: new Map(),
    seed: spec.evaluation.seed + spec.trial.seed,
    backend,
  });
  const self = report.selfPlay;
  const pick = (e: { mean: number; ci95: number }): Estimate => ({ mean: e.mean, ci95: e.ci95 });
  const actions = last?.actionFrequencies ?? trained.last?.actionFrequencies ?? {};
  return {
    trial: spec.trial.id,
    scenario: spec.scenario.name,
    scenarioIndex: spec.trial.scenario,
    point: spec.trial.point,
    seed: spec.trial.seed,
    ...(spec.trial.coplayers ? { coplayers: spec.trial.coplayers } : {}),
    evaluation: {
      episodes: report.episodes,
      returns: self.roles.map((r) => ({ role: r.role, ...pick(r.payoff) })),
      metrics: self.metrics.map((m) => ({ name: m.name, ...pick(m) })),
      welfare: pick(self.welfare),
      equality: pick(self.equality),
    },
    actions,
    agentSteps: trained.agentSteps,
    ...learnedExploitability(runDir),
    run: runFolderOf(spec.trial),
  };
}

/** For one-shot games with a normal form: NashConv of what the run learned (see `learnedShares`). */
function learnedExploitability(runDir: string): Pick<TrialResult, "exploitability"> {
  const e = exploitabilityOfRun(runDir);
  if (!e) return {};
  return {
    exploitability: {
      nashConv: e.nashConv,
      gains: e.gains,
      nearestEquilibrium: e.nearest && { strategies: e.nearest.strategies, distance: e.nearest.distance },
    },
  };
}
