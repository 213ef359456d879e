import { availableParallelism, hostname } from "node:os";
import { join } from "node:path";
import { spawnTrial, TrialAborted } from "./child.js";
import { scenarioFileName, type SweepPlan, type Trial } from "./plan.js";
import type { ResultsFile } from "./results.js";
import { runFolderOf, trialSpec, type TrialResult, type TrialTiming } from "./trial.js";

/**
 * Threads one trainer keeps busy. The wasm backend of TensorFlow.js runs single-threaded
 * in Node.js (its threaded build needs browser workers) and the JS kernel steps on the
 * main thread, so one trial is one core.
 */
export const TRAINER_THREADS = 1;

export function defaultParallelism(): number {
  return Math.max(1, Math.floor(availableParallelism() / TRAINER_THREADS));
}

export type SweepEvent =
  | { kind: "started"; trial: Trial }
  | { kind: "finished"; trial: Trial; result: TrialResult; timing: TrialTiming }
  | { kind: "failed"; trial: Trial; error: string };

export interface LocalOptions {
  dir: string;
  plan: SweepPlan;
  results: ResultsFile;
  parallelism: number;
  agoraBin: string;
  signal?: AbortSignal;
  onEvent?: (event: SweepEvent) => void;
}

/**
 * Runs every trial that has no result yet, `parallelism` at a time, each in a child
 * process; appends each result as it finishes. Returns the trials that failed. Stops
 * starting trials when `signal` aborts, and stops the running ones.
 */
export async function runLocal(
  options: LocalOptions,
): Promise<{ failed: { trial: Trial; error: string }[]; stopped: boolean }> {
  const { plan, results, dir } = options;
  const queue = plan.trials.filter((t) => !results.has(t.id));
  const failed: { trial: Trial; error: string }[] = [];
  const next = async (): Promise<void> => {
    for (;;) {
      if (options.signal?.aborted) return;
      const trial = queue.shift();
      if (!trial) return;
      options.onEvent?.({ kind: "started", trial });
      const start = performance.now();
      try {
        const result = await spawnTrial(
          options.agoraBin,
          {
            spec: trialSpec(plan, trial),
            runDir: join(dir, runFolderOf(trial)),
            scenarioPath: join(dir, "scenarios", scenarioFileName(plan, trial.scenario)),
          },
          options.signal,
        );
        results.add(result);
        options.onEvent?.({
          kind: "finished",
          trial,
          result,
          timing: { trial: trial.id, seconds: (performance.now() - start) / 1000, host: hostname() },
        });
      } catch (error) {
        if (error instanceof TrialAborted) return;
        failed.push({ trial, error: (error as Error).message });
        options.onEvent?.({ kind: "failed", trial, error: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.parallelism) }, () => next()));
  return { failed, stopped: Boolean(options.signal?.aborted) };
}
