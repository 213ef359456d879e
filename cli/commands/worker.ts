import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { agoraBin } from "./sweep.js";

export interface WorkerCommandOptions {
  artifacts?: string;
  concurrency: number;
  maxTrials?: number;
  lockSeconds: number;
}

/**
 * `agora worker URL`: runs sweep trials from a Redis queue until stopped (SIGTERM/Ctrl-C: finish the running trial;
 * twice: leave now).
 */
export async function runWorker(
  url: string,
  options: WorkerCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const { startWorker } = await import("../../runtime/sweep/queue.js");
  const worker = startWorker({
    url,
    agoraBin: agoraBin(),
    artifacts: options.artifacts ? resolve(options.artifacts) : undefined,
    scratch: mkdtempSync(join(tmpdir(), "agora-worker-")),
    concurrency: options.concurrency,
    lockSeconds: options.lockSeconds,
    maxTrials: options.maxTrials,
    log: out,
  });
  out(
    `worker ${process.pid} pulling trials from ${url}${options.artifacts ? `, run folders to ${options.artifacts}` : ""}`,
  );
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    err("stopping after the running trial (again to leave now; the trial is then retried elsewhere)");
    void worker.stop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  await worker.done;
  return 0;
}
