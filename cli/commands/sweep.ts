import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultParallelism, runLocal, type SweepEvent } from "../../runtime/sweep/local-executor.js";
import {
  lockSweepFolder,
  makePlan,
  parseAxis,
  planFingerprint,
  PlanError,
  readPlan,
  writeAtomically,
  writeOrCheckPlan,
  type Axis,
  type SweepPlan,
  type TrainSettings,
} from "../../runtime/sweep/plan.js";
import { RunFolderError } from "../../runtime/run-folder.js";
import { ResultsFile } from "../../runtime/sweep/results.js";
import { resultsCsv } from "../../runtime/sweep/table.js";
import type { TrialResult } from "../../runtime/sweep/trial.js";
import { printable } from "../../language/text.js";
import { readRegularFile, UserError } from "../files.js";

export interface SweepCommandOptions {
  files: string[];
  vary: string[];
  /** Co-player settings as an axis (`--coplayers`): each a population. */
  coplayers?: string[][];
  samples?: number;
  seeds: number;
  seed: number;
  episodes: number;
  train: Omit<TrainSettings, "set"> & { set: Map<string, number | boolean> };
  out: string;
  parallel?: number;
  queue?: string;
  format: "text" | "json" | "csv";
  /** Check and print the plan; run and write nothing. */
  dryRun?: boolean;
}

/** The `bin/agora.js` of this installation: trial children run it. */
export function agoraBin(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let k = 0; k < 6; k++) {
    const candidate = join(dir, "bin", "agora.js");
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  throw new Error("cannot find bin/agora.js next to this installation");
}

function describePoint(point: Record<string, number | boolean>): string {
  return Object.entries(point)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
}

/** The headline of a result: the scenario's first metric, else welfare. */
function headline(r: TrialResult): string {
  const m = r.evaluation.metrics[0];
  const e = m ?? { name: "welfare", ...r.evaluation.welfare };
  return `${m ? m.name : "welfare"} ${e.mean.toFixed(3)} ± ${Number.isFinite(e.ci95) ? e.ci95.toFixed(3) : "n/a"}`;
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  if (seconds < 90) return `${Math.round(seconds)}s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)}m`;
  return `${(seconds / 3600).toFixed(1)}h`;
}

/** `agora sweep`: plans, runs (locally or through a queue), resumes, and writes results and sweep.html. */
export async function runSweep(
  options: SweepCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  let axes: Axis[];
  let plan: SweepPlan;
  const dir = resolve(options.out);
  let lock: { release: () => void } | undefined;
  const controller = new AbortController();
  let stopping: (() => void) | undefined;
  const onSignal = () => {
    if (!controller.signal.aborted) stopping?.();
    controller.abort();
  };
  try {
    axes = options.vary.map(parseAxis);
    const scenarios = options.files.map((path) => {
      // Regular files only (a folder or a FIFO is one line, not a crash); the text as it is, byte order mark included.
      const read = readRegularFile(path);
      if ("error" in read) throw new UserError(read.error);
      return { path, source: read.buffer.toString("utf8") };
    });
    plan = makePlan({
      scenarios,
      axes,
      samples: options.samples,
      seeds: options.seeds,
      firstSeed: options.seed,
      train: { ...options.train, set: Object.fromEntries(options.train.set) },
      coplayers: options.coplayers?.length ? options.coplayers : undefined,
      evaluation: { episodes: options.episodes, seed: 1_000_003 },
    });
    if (options.dryRun) {
      dryRun(dir, plan, options.format, out);
      return 0;
    }
    mkdirSync(dir, { recursive: true });
    // One coordinator per sweep folder, until this function returns (done, error or Ctrl-C).
    lock = lockSweepFolder(dir, err);
    // Ctrl-C or SIGTERM from here on stops the executor, and the function returns, releasing the lock.
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    const state = writeOrCheckPlan(dir, plan);
    const results = new ResultsFile(dir, { repair: true });
    const total = plan.trials.length;
    const where = relative(process.cwd(), dir) || ".";
    const info = options.format === "text" ? out : err;
    info(
      `${state === "new" ? "sweep" : "resuming sweep"} in ${where}: ${total} trials (${planShape(plan)}), ${results.size} already finished`,
    );

    let executed: { failed: { trial: { id: string }; error: string }[]; stopped: boolean };
    if (options.queue) {
      const { runThroughQueue } = await import("../../runtime/sweep/queue.js");
      executed = await runThroughQueue({
        url: options.queue,
        dir,
        plan,
        results,
        log: info,
        onEvent: progress(info, results, total),
        signal: controller.signal,
      });
    } else {
      const parallelism = options.parallel ?? defaultParallelism();
      info(
        `running ${Math.min(parallelism, total - results.size)} at a time on this machine (Ctrl-C stops; rerun the same command to resume)`,
      );
      stopping = () => info("stopping: the running trials are abandoned and will be redone on resume");
      executed = await runLocal({
        dir,
        plan,
        results,
        parallelism,
        agoraBin: agoraBin(),
        signal: controller.signal,
        onEvent: progress(info, results, total),
      });
    }
    const all = results.all();
    writeAtomically(join(dir, "results.csv"), resultsCsv(plan, all));
    const page = await writePage(dir, plan, all);
    if (options.format === "json")
      out(
        JSON.stringify(
          all.sort((a, b) => (a.trial < b.trial ? -1 : 1)),
          null,
          1,
        ),
      );
    else if (options.format === "csv") out(resultsCsv(plan, all).replace(/\n$/, ""));
    else {
      out(`${all.length}/${total} trials finished`);
      out(`  results       ${join(where, "results.jsonl")} (and results.csv)`);
      if (page) out(`  phase diagram ${join(where, "sweep.html")}`);
    }
    for (const f of executed.failed) err(`trial ${f.trial.id} failed: ${f.error}`);
    if (executed.stopped) {
      err(`stopped with ${total - all.length} trials left; rerun the same command to resume`);
      return 130;
    }
    return all.length === total ? 0 : 1;
  } catch (error) {
    if (error instanceof PlanError || error instanceof RunFolderError) throw new UserError(error.message);
    throw error;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    lock?.release();
  }
}

/** `--dry-run`: the plan in short (or as JSON), its fingerprint, and what a run would do with the folder. */
function dryRun(dir: string, plan: SweepPlan, format: "text" | "json" | "csv", out: (s: string) => void): void {
  const fingerprint = planFingerprint(plan);
  let folder: "new" | "resume" | "different";
  if (!existsSync(join(dir, "plan.json"))) folder = "new";
  else {
    try {
      folder = planFingerprint(readPlan(dir)) === fingerprint ? "resume" : "different";
    } catch {
      folder = "different";
    }
  }
  if (format === "json") {
    out(JSON.stringify({ fingerprint, folder, plan }, null, 1));
    return;
  }
  const where = relative(process.cwd(), dir) || ".";
  out(`sweep plan ${fingerprint}: ${plan.trials.length} trials (${planShape(plan)})`);
  for (const s of plan.scenarios) out(`  scenario  ${s.path} (${s.name})`);
  for (const a of plan.axes)
    out(
      `  vary      ${a.param} = ${a.values ? a.values.join(",") : `${a.range!.lo}..${a.range!.hi}${a.range!.points === undefined ? "" : `:${a.range!.points}`}`}`,
    );
  if (plan.design.kind === "samples") out(`  samples   ${plan.design.count}`);
  for (const key of new Set(plan.trials.filter((t) => t.coplayers).map((t) => t.coplayers!.join(","))))
    out(`  coplayers ${printable(key)}`);
  out(`  seeds     ${plan.seeds.join(", ")}`);
  const t = plan.train;
  const settings = Object.entries({
    steps: t.steps,
    envs: t.envs,
    rollout: t.rollout,
    lr: t.lr,
    entropy: t.entropy,
    hidden: t.hidden?.join(","),
    backend: t.backend,
  })
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${v}`);
  out(`  train     ${settings.join(", ")}${t.opponents.length ? `; opponents ${t.opponents.join(", ")}` : ""}`);
  const fixed = Object.entries(t.set);
  if (fixed.length) out(`  set       ${fixed.map(([k, v]) => `${k}=${v}`).join(", ")}`);
  out(`  evaluation ${plan.evaluation.episodes} episodes`);
  out(
    `  folder    ${where}: ${folder === "new" ? "a new sweep" : folder === "resume" ? "holds this sweep (a run resumes it)" : "holds a different sweep (a run would be refused)"}`,
  );
  out("nothing was run or written (--dry-run)");
}

/** How the trials multiply: `2 scenarios × 9 points × 2 co-player settings × 5 seeds`. */
function planShape(plan: SweepPlan): string {
  const populations = new Set(plan.trials.map((t) => JSON.stringify(t.coplayers ?? null))).size;
  const points = plan.trials.length / plan.seeds.length / plan.scenarios.length / populations;
  return [
    ...(plan.scenarios.length > 1 ? [`${plan.scenarios.length} scenarios`] : []),
    `${points} point${points === 1 ? "" : "s"}`,
    ...(populations > 1 ? [`${populations} co-player settings`] : []),
    `${plan.seeds.length} seed${plan.seeds.length === 1 ? "" : "s"}`,
  ].join(" × ");
}

/** Writes sweep.html when the page module is there; returns whether it did. */
async function writePage(dir: string, plan: SweepPlan, results: TrialResult[]): Promise<boolean> {
  const { renderSweepPage } = await import("../../runtime/sweep/page.js");
  writeFileSync(join(dir, "sweep.html"), renderSweepPage(plan, results));
  return true;
}

function progress(info: (s: string) => void, results: ResultsFile, total: number) {
  const started = performance.now();
  const doneAtStart = results.size;
  return (event: SweepEvent) => {
    if (event.kind === "failed") info(`  ${event.trial.id} failed: ${event.error.split("\n")[0]}`);
    if (event.kind !== "finished") return;
    const doneHere = results.size - doneAtStart;
    const perTrial = (performance.now() - started) / 1000 / doneHere;
    const left = total - results.size;
    info(
      `[${results.size}/${total}] ${event.trial.id} ${describePoint(event.trial.point)}${event.trial.coplayers ? ` vs ${printable(event.trial.coplayers.join(","))}` : ""} seed ${event.trial.seed} · ${headline(event.result)} · ${event.timing.seconds.toFixed(1)}s${left ? ` · about ${duration(perTrial * left)} left` : ""}`,
    );
  };
}
