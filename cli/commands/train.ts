import { SingleBar } from "cli-progress";
import { join, relative, resolve } from "node:path";
import { reportScenarioError } from "../../runtime/env.js";
import type { PpoConfig } from "../../runtime/ppo.js";
import type { EngineName } from "../../runtime/engine/select.js";
import { resolveConfig, train, type MetricsLine } from "../../runtime/train.js";
import { compileToIR } from "../../compiler/compile.js";
import type { IRGame } from "../../compiler/ir.js";
import { readSource } from "../files.js";
import { printable } from "../../language/text.js";
import { describeActionShares } from "../../runtime/action-stats.js";

export interface TrainCommandOptions {
  flags: Partial<PpoConfig>;
  overrides: Map<string, number | boolean>;
  opponents: string[];
  out?: string;
  resume?: string;
  backend?: EngineName;
  /** Threads for the native engine. */
  threads?: number;
  color: boolean;
  /** A progress bar on a terminal; elsewhere a line every few seconds. */
  tty: boolean;
}

function describeLine(line: MetricsLine, roles: string[], metrics: string[]): string {
  const e = line.episodes;
  const returns = e ? roles.map((r, k) => `${r} ${e.payoff[k].toFixed(2)}`).join(", ") : "no episode yet";
  // The scenario's first two metrics are its key ones.
  const key = e
    ? metrics
        .slice(0, 2)
        .map((m, k) => ` · ${m} ${e.metrics[k]?.toFixed(3) ?? "n/a"}`)
        .join("")
    : "";
  // The rate of the whole loop (environment, inference, update, logging, checkpoints) since the start.
  return `${Math.round(line.agentStepsPerSecond).toLocaleString("en-US")} agent-steps/s · return ${returns}${key}${e ? ` · welfare ${e.welfare.toFixed(2)}` : ""}`;
}

/** The most memory the rollout buffers of a run may take (docs/training.md): beyond it V8 dies mid-run. */
export const MAX_ROLLOUT_BYTES = 4 * 1024 ** 3;

/**
 * Bytes of the rollout buffers: per agent and step, its observations, mask, action,
 * log-probability, value, reward, done, advantage and return (runtime/ppo.ts RolloutBuffer),
 * plus the environments' own arrays. A lower bound: TensorFlow.js needs more on top.
 */
export function estimateRolloutBytes(ir: IRGame, envs: number, rollout: number): number {
  return ir.roles.reduce(
    (n, r) => n + envs * r.count * ((rollout + 2) * (4 * Math.max(1, r.obsDim) + r.numActions + 4 * 7)),
    0,
  );
}

/** Refuses a fresh run whose buffers would not fit, with the estimate; undefined when it fits or cannot be told yet. */
function memoryProblem(file: string, options: TrainCommandOptions): string | undefined {
  const source = readSource(file);
  if ("error" in source) return undefined;
  const { ir, document } = compileToIR(source.text, options.overrides);
  if (!ir) return undefined; // train reports the diagnostics
  const config = resolveConfig(document.model?.train ?? {}, options.flags, options.opponents);
  const bytes = estimateRolloutBytes(ir, config.envs, config.rollout);
  if (bytes <= MAX_ROLLOUT_BYTES) return undefined;
  const gb = (b: number) => (b / 1024 ** 3).toFixed(1);
  return `${config.envs} copies x ${config.rollout} steps of ${ir.roles.map((r) => `${r.count} ${r.name}`).join(", ")} need about ${gb(bytes)} GB for the rollout alone (limit ${gb(MAX_ROLLOUT_BYTES)} GB); use fewer --envs or a shorter --rollout`;
}

/** `agora train`: trains, showing progress, and says where the run folder and report are. */
export async function runTrain(
  file: string | undefined,
  options: TrainCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  if (file && !options.resume) {
    const problem = memoryProblem(file, options);
    if (problem) {
      err(`error: ${printable(problem)}`);
      return 1;
    }
  }
  let bar: SingleBar | undefined;
  let lastPrint = 0;
  let roles: string[] = [];
  let metrics: string[] = [];
  // Ctrl-C: the current update finishes, a checkpoint and the report are written (exit 130);
  // a second Ctrl-C stops at once (the checkpoint before it is kept; resume still works).
  const stop = new AbortController();
  const onSigint = () => {
    if (stop.signal.aborted) process.exit(130);
    bar?.stop();
    err("stopping after this update (Ctrl-C again to stop now)...");
    stop.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const source = file === undefined ? undefined : readSource(file);
    if (source && "error" in source) {
      err(`error: ${source.error}`);
      return 1;
    }
    const result = await train({
      signal: stop.signal,
      warn: (s) => err(`warning: ${s}`),
      scenarioPath: file,
      overrides: options.overrides,
      flags: options.flags,
      opponents: options.opponents,
      out: options.out,
      resume: options.resume,
      backend: options.backend,
      threads: options.threads,
      log: (s) => out(printable(s, { multiline: true })),
      onStart: (scenario) => {
        roles = scenario.ir.roles.map((r) => r.name);
        metrics = scenario.ir.metrics.map((m) => m.name);
      },
      onUpdate: (line, total) => {
        if (roles.length === 0) roles = Object.keys(line.losses);
        const text = describeLine(line, roles, metrics);
        if (options.tty) {
          if (!bar) {
            bar = new SingleBar(
              {
                format: "training [{bar}] {percentage}% | {value}/{total} updates | {status}",
                barsize: 24,
                hideCursor: true,
                clearOnComplete: false,
              },
              undefined,
            );
            bar.start(total, 0, { status: text });
          }
          bar.update(line.update, { status: text });
        } else if (performance.now() - lastPrint > 5000 || line.update === total || line.update === 1) {
          lastPrint = performance.now();
          out(`update ${line.update}/${total} (${line.agentSteps.toLocaleString("en-US")} agent steps) · ${text}`);
        }
      },
    });
    bar?.stop();
    if (result.nothingToDo) {
      out(result.nothingToDo);
      return 0;
    }
    const rel = relative(process.cwd(), result.runDir);
    const dir = rel === "" ? "." : rel.startsWith("..") ? resolve(result.runDir) : rel;
    if (result.interrupted) {
      out(
        `interrupted at update ${result.updates} (${result.agentSteps.toLocaleString("en-US")} agent steps): checkpoint and report written to ${dir}`,
      );
      out(`resume with: agora train --resume ${shellQuote(dir)}`);
      return 130;
    }
    const actions = describeActionShares(result.last?.actions, result.scenario.ir.phases);
    out(
      `trained ${result.scenario.ir.name} for ${result.agentSteps.toLocaleString("en-US")} agent steps (${result.updates} updates) on ${result.backend}`,
    );
    for (const a of actions) out(`  last actions  ${printable(a)}`);
    // One-shot games with a normal form: how far what was learned is from an equilibrium.
    const { exploitabilityOfRun, SUMMARY_ANALYSIS_BUDGET_MS } = await import("../../runtime/exploitability.js");
    let exploit: ReturnType<typeof exploitabilityOfRun>;
    try {
      exploit = exploitabilityOfRun(result.runDir, new Map(), SUMMARY_ANALYSIS_BUDGET_MS);
    } catch {
      // The run is trained and saved; a summary line is not worth failing it.
    }
    if (exploit)
      out(
        `  NashConv      ${exploit.nashConv.toFixed(4)} (${exploit.kind}; 0 at a Nash equilibrium; agora eval for more)`,
      );
    out(`  run folder    ${dir}`);
    out(`  report        ${join(dir, "report.html")}`);
    out(`  metrics       ${join(dir, "metrics.jsonl")}`);
    out(`  checkpoint    ${join(dir, "checkpoints", "latest.json")}`);
    return 0;
  } catch (error) {
    bar?.stop();
    if (reportScenarioError(error, file ?? "scenario", err, options.color)) {
      err(`${printable(file ?? "scenario")}: not trained: the scenario has errors`);
      return 1;
    }
    err(`error: ${printable((error as Error).message)}`);
    return 1;
  } finally {
    process.off("SIGINT", onSigint);
  }
}

/** A path as it can be pasted into a POSIX shell. */
function shellQuote(path: string): string {
  return /^[A-Za-z0-9_./+-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
