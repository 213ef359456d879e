import { Queue, Worker, type ConnectionOptions, type Job } from "bullmq";
import { parseRedisUrl } from "./redis-url.js";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { dirname, join, relative } from "node:path";
import { spawnTrial } from "./child.js";
import type { SweepEvent } from "./local-executor.js";
import { planFingerprint, scenarioFileName, type SweepPlan, type Trial } from "./plan.js";
import type { ResultsFile } from "./results.js";
import { runFolderOf, trialSpec, type TrialResult, type TrialSpec } from "./trial.js";

/**
 * The distributed executor: Redis with BullMQ. The coordinator (`agora sweep --queue`)
 * adds one job per unfinished trial, its id `SWEEP-TRIAL` (so a trial is never enqueued
 * twice, even by a rerun), and appends results as jobs complete; `agora worker`s anywhere
 * pull jobs and run each trial in a child process, exactly as the local executor does.
 *
 * A worker that dies mid-trial stops renewing its job's lock; after `lockSeconds` another
 * worker's stalled-job check puts the job back in the queue, and it runs again elsewhere.
 * A trial may thus *run* twice, but it *lands* once: only the coordinator writes
 * results.jsonl, keyed by trial. Redis should persist (appendonly yes) for a restart of
 * Redis itself to lose nothing; while it is away, workers and the coordinator wait.
 */

export const QUEUE_NAME = "agora-trials";

export interface JobData {
  sweep: string;
  spec: TrialSpec;
}

export interface JobReturn {
  result: TrialResult;
  /** The run folder's files (base64), when the worker has no shared --artifacts path. */
  files?: Record<string, string>;
  seconds: number;
  worker: string;
}

/** Run folders shipped through Redis up to this size; larger ones need a shared --artifacts path. */
const SHIP_LIMIT_BYTES = 16 * 1024 * 1024;

export function connectionOf(url: string): ConnectionOptions {
  const parsed = parseRedisUrl(url);
  return {
    host: parsed.hostname || "localhost",
    port: Number(parsed.port || 6379),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.pathname.length > 1 ? { db: Number(parsed.pathname.slice(1)) } : {}),
    ...(parsed.protocol === "rediss:" ? { tls: {} } : {}),
    // Wait for Redis rather than fail a command while it is away (BullMQ workers need this).
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** Says once that Redis is unreachable, and once that it is back. */
function connectionReporter(url: string, log: (s: string) => void, who: string) {
  let down = false;
  return {
    error(error: Error) {
      if (down) return;
      down = true;
      log(
        `${who}: lost the connection to Redis at ${url} (${error.message.split("\n")[0]}); waiting for it to come back — nothing is lost while it is away`,
      );
    },
    ok() {
      if (!down) return;
      down = false;
      log(`${who}: Redis at ${url} is back`);
    },
  };
}

export interface QueueRunOptions {
  url: string;
  dir: string;
  plan: SweepPlan;
  results: ResultsFile;
  log: (s: string) => void;
  onEvent?: (event: SweepEvent) => void;
  signal?: AbortSignal;
  /** How often the coordinator collects finished jobs. */
  pollMs?: number;
}

/** Enqueues the unfinished trials and collects their results until every trial has one (or one fails for good). */
export async function runThroughQueue(
  options: QueueRunOptions,
): Promise<{ failed: { trial: Trial; error: string }[]; stopped: boolean }> {
  const { plan, results, dir } = options;
  const sweep = planFingerprint(plan);
  const reporter = connectionReporter(options.url, options.log, "sweep");
  const queue = new Queue<JobData, JobReturn>(QUEUE_NAME, { connection: connectionOf(options.url) });
  queue.on("error", (e) => reporter.error(e));
  const pending = new Map(plan.trials.filter((t) => !results.has(t.id)).map((t) => [`${sweep}-${t.id}`, t]));
  const failed: { trial: Trial; error: string }[] = [];
  const enqueue = (entries: [string, Trial][]) =>
    queue.addBulk(
      entries.map(([jobId, trial]) => ({
        name: trial.id,
        data: { sweep, spec: trialSpec(plan, trial) },
        opts: {
          jobId,
          attempts: 3,
          backoff: { type: "fixed", delay: 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
  try {
    // Jobs keep their results in Redis until the coordinator has written them: a
    // coordinator killed between the two finds them on its rerun.
    await enqueue([...pending]);
    reporter.ok();
    options.log(
      `queued ${pending.size} trials on ${options.url} (queue ${QUEUE_NAME}, sweep ${sweep}); start workers with: agora worker ${options.url}`,
    );
    const started = new Set<string>();
    while (pending.size > 0 && !options.signal?.aborted) {
      let jobs: Job<JobData, JobReturn>[];
      try {
        jobs = [];
        const missing: [string, Trial][] = [];
        for (const [jobId, trial] of pending) {
          const job = await queue.getJob(jobId);
          if (job) jobs.push(job);
          else missing.push([jobId, trial]);
        }
        // A job can vanish: a Redis restarted without persistence, or another coordinator
        // of the same sweep that recorded and removed it. Its trial is simply queued again.
        if (missing.length > 0) {
          options.log(`${missing.length} unfinished trials are no longer in the queue; queuing them again`);
          await enqueue(missing);
        }
        reporter.ok();
      } catch (error) {
        reporter.error(error as Error);
        await sleep(1000);
        continue;
      }
      for (const job of jobs) {
        const trial = pending.get(job.id!)!;
        if (job.returnvalue && job.finishedOn) {
          const ret = job.returnvalue;
          if (ret.files) writeRunFolder(join(dir, runFolderOf(trial)), ret.files);
          if (results.add(ret.result))
            options.onEvent?.({
              kind: "finished",
              trial,
              result: ret.result,
              timing: { trial: trial.id, seconds: ret.seconds, host: ret.worker },
            });
          pending.delete(job.id!);
          await job.remove().catch(() => {});
        } else if (job.failedReason && job.finishedOn && job.attemptsMade >= (job.opts.attempts ?? 1)) {
          failed.push({ trial, error: job.failedReason });
          options.onEvent?.({ kind: "failed", trial, error: job.failedReason });
          pending.delete(job.id!);
          // Removed so that a rerun of the sweep tries it again.
          await job.remove().catch(() => {});
        } else if (job.processedOn && !started.has(trial.id)) {
          started.add(trial.id);
          options.onEvent?.({ kind: "started", trial });
        }
      }
      if (pending.size > 0) await sleep(options.pollMs ?? 500);
    }
  } finally {
    await queue.close().catch(() => {});
  }
  return { failed, stopped: Boolean(options.signal?.aborted) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(root);
  return out;
}

function readRunFolder(runDir: string): Record<string, string> | undefined {
  const files = listFiles(runDir);
  if (files.reduce((n, f) => n + statSync(f).size, 0) > SHIP_LIMIT_BYTES) return undefined;
  return Object.fromEntries(files.map((f) => [relative(runDir, f), readFileSync(f).toString("base64")]));
}

function writeRunFolder(runDir: string, files: Record<string, string>) {
  rmSync(runDir, { recursive: true, force: true });
  for (const [rel, data] of Object.entries(files)) {
    if (rel.split(/[\\/]/).some((part) => part === ".." || part === "")) continue;
    const path = join(runDir, rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, Buffer.from(data, "base64"));
  }
}

export interface WorkerOptions {
  url: string;
  agoraBin: string;
  /**
   * Shared folder for run folders (`ARTIFACTS/SWEEP/runs/TRIAL`); without it, a scratch folder, and run folders travel
   * back through Redis.
   */
  artifacts?: string;
  scratch: string;
  concurrency: number;
  /** A silent worker's trial is retried after this long (BullMQ's lock duration). */
  lockSeconds: number;
  maxTrials?: number;
  log: (s: string) => void;
}

/** Pulls and runs trials until `stop()` is called (or `maxTrials` have run). */
export function startWorker(options: WorkerOptions): { done: Promise<void>; stop: () => Promise<void> } {
  const reporter = connectionReporter(options.url, options.log, "worker");
  const me = `${hostname()}:${process.pid}`;
  let ran = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const worker = new Worker<JobData, JobReturn>(
    QUEUE_NAME,
    async (job) => {
      const { sweep, spec } = job.data;
      const root = join(options.artifacts ?? options.scratch, sweep);
      const finalDir = join(root, runFolderOf(spec.trial));
      // Each attempt trains in its own folder, moved into place only when it succeeds:
      // a stalled attempt that is still running elsewhere cannot mix its files in.
      const attemptDir = join(root, ".attempts", `${spec.trial.id}-${process.pid}-${job.attemptsMade}-${Date.now()}`);
      options.log(
        `running ${spec.trial.id} of sweep ${sweep} (${Object.entries(spec.trial.point)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ")}, seed ${spec.trial.seed})`,
      );
      const start = performance.now();
      const result = await spawnTrial(options.agoraBin, {
        spec,
        runDir: attemptDir,
        scenarioPath: join(root, "scenarios", scenarioFileName({ scenarios: [spec.scenario] } as SweepPlan, 0)),
      });
      rmSync(finalDir, { recursive: true, force: true });
      mkdirSync(dirname(finalDir), { recursive: true });
      renameSync(attemptDir, finalDir);
      const files = options.artifacts ? undefined : readRunFolder(finalDir);
      if (!options.artifacts) rmSync(finalDir, { recursive: true, force: true });
      const seconds = (performance.now() - start) / 1000;
      options.log(`finished ${spec.trial.id} in ${seconds.toFixed(1)}s`);
      return { result, ...(files ? { files } : {}), seconds, worker: me };
    },
    {
      connection: connectionOf(options.url),
      concurrency: options.concurrency,
      lockDuration: options.lockSeconds * 1000,
      stalledInterval: options.lockSeconds * 1000,
      // A trial whose worker vanished is retried; one that kills every worker thrice is given up.
      maxStalledCount: 3,
    },
  );
  worker.on("error", (e) => reporter.error(e));
  worker.on("ready", () => reporter.ok());
  worker.on("active", () => reporter.ok());
  worker.on("failed", (job, error) => options.log(`trial ${job?.name ?? "?"} failed: ${error.message.split("\n")[0]}`));
  worker.on("completed", () => {
    ran++;
    if (options.maxTrials !== undefined && ran >= options.maxTrials) void stop();
  });
  const stop = async () => {
    await worker.close();
    finish();
  };
  if (!existsSync(options.scratch)) mkdirSync(options.scratch, { recursive: true });
  return { done, stop };
}
