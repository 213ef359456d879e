import { createInterface } from "node:readline";
import type { ChildJob } from "../../runtime/sweep/child.js";
import { RESULT_PREFIX } from "../../runtime/sweep/child.js";
import { runTrial } from "../../runtime/sweep/trial.js";

/**
 * `agora trial` (hidden): the child process of a sweep executor. Reads one job line from
 * stdin, runs it, prints the result line. Exits as soon as stdin closes: the executor that
 * started it is gone, and its trial will be redone by whoever resumes.
 */
export async function runTrialChild(out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const lines = createInterface({ input: process.stdin });
  const first = await new Promise<string | undefined>((resolve) => {
    lines.once("line", resolve);
    lines.once("close", () => resolve(undefined));
  });
  if (first === undefined) {
    err("agora trial: no job on stdin (this command is run by `agora sweep` and `agora worker`)");
    return 2;
  }
  lines.on("close", () => {
    err("agora trial: the executor went away; stopping");
    process.exit(3);
  });
  const job = JSON.parse(first) as ChildJob;
  const result = await runTrial(job.spec, job.runDir, job.scenarioPath);
  out(RESULT_PREFIX + JSON.stringify(result));
  lines.removeAllListeners("close");
  lines.close();
  return 0;
}
