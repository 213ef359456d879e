import { evaluate, formatEvaluation } from "../../runtime/evaluate.js";
import type { TfBackendName } from "../../runtime/tf.js";
import { UserError } from "../files.js";
import { printable } from "../../language/text.js";

export interface EvalCommandOptions {
  /** Extra co-players: bot:NAME or checkpoint:RUN_DIR. */
  vs: string[];
  episodes: number;
  seed: number;
  overrides: Map<string, number | boolean>;
  format: "text" | "json";
  backend: TfBackendName;
}

/** `agora eval`: returns and metrics of a trained run, and its cross-play table; 0 on success, 1 on failure. */
export async function runEval(
  runDir: string,
  options: EvalCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    const report = await evaluate({
      runDir,
      vs: options.vs,
      episodes: options.episodes,
      overrides: options.overrides,
      seed: options.seed,
      backend: options.backend,
    });
    // Exploitability (one-shot games with a normal form): see runtime/sweep/exploitability.ts.
    const { exploitabilityOfRun, formatExploitability } = await import("../../runtime/exploitability.js");
    const exploit = exploitabilityOfRun(runDir, options.overrides);
    out(
      options.format === "json"
        ? JSON.stringify(exploit ? { ...report, exploitability: exploit } : report, null, 2)
        : printable(formatEvaluation(report) + (exploit ? "\n\n" + formatExploitability(exploit) : ""), {
            multiline: true,
          }),
    );
    return 0;
  } catch (error) {
    if (error instanceof UserError) throw error;
    err(`error: ${printable((error as Error).message)}`);
    return 1;
  }
}
