import { spawn } from "node:child_process";
import type { TrialResult, TrialSpec } from "./trial.js";

/**
 * Runs a trial in a child process (`agora trial`, a hidden command): a crash, a runaway
 * TensorFlow.js allocation or a kill takes one trial down, not the sweep, and the executor
 * can stop a trial at any moment. The child reads its job from stdin and keeps reading:
 * when the parent dies (even by SIGKILL) stdin closes and the child exits, so no orphan
 * keeps writing into a run folder that a rerun is redoing.
 */
export interface ChildJob {
  spec: TrialSpec;
  runDir: string;
  scenarioPath: string;
}

export const RESULT_PREFIX = "AGORA-TRIAL-RESULT ";

export function spawnTrial(agoraBin: string, job: ChildJob, signal?: AbortSignal): Promise<TrialResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [agoraBin, "trial"], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr = (stderr + s).slice(-4000)));
    child.stdin.on("error", () => {});
    child.stdin.write(JSON.stringify(job) + "\n");
    const onAbort = () => child.kill("SIGTERM");
    signal?.addEventListener("abort", onAbort, { once: true });
    child.on("error", reject);
    child.on("close", (code, sig) => {
      signal?.removeEventListener("abort", onAbort);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (code === 0 && line) return resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as TrialResult);
      if (signal?.aborted) return reject(new TrialAborted(job.spec.trial.id));
      const why = sig ? `was killed (${sig})` : `exited with code ${code}`;
      reject(
        new Error(
          `trial ${job.spec.trial.id} ${why}${stderr.trim() ? `: ${stderr.trim().split("\n").slice(-3).join(" / ")}` : ""}`,
        ),
      );
    });
  });
}

export class TrialAborted extends Error {
  constructor(trial: string) {
    super(`trial ${trial} was stopped`);
  }
}
