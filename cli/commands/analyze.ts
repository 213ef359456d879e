import { writeFileSync } from "node:fs";
import { compileToIR } from "../../compiler/compile.js";
import { renderDiagnostic } from "../../language/render.js";
import { analyzeScenario, SCHEMA } from "../../analysis/analyze.js";
import { analyzeNfgText, writeNfg } from "../../analysis/nfg.js";
import { renderReport } from "../../analysis/report.js";
import { readSource } from "../files.js";
import { printable } from "../../language/text.js";

export interface AnalyzeCommandOptions {
  overrides: Map<string, number | boolean>;
  format: "text" | "json";
  /** Write the normal form to this file in Gambit's NFG format. */
  nfg?: string;
  /** Samples per joint action where the step draws random numbers (default 1000). */
  samples?: number;
  /** Analyse each role's `objective` instead of the reward (default false). */
  objective?: boolean;
  /** Sweep ranged params (default true). */
  sweep?: boolean;
  seed?: number;
  color?: boolean;
}

/**
 * `agora analyze`: the game-theoretic analysis of a scenario's normal form. Prints the
 * report (text or JSON); 1 on errors in the scenario (printed as diagnostics) or an
 * unwritable NFG file, 0 otherwise, including when the game has no normal form (which the
 * report explains).
 */
export function runAnalyze(
  file: string,
  options: AnalyzeCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const source = readSource(file);
  if ("error" in source) {
    err(`error: ${printable(source.error)}`);
    return 1;
  }
  if (file.toLowerCase().endsWith(".nfg")) {
    const nfg = analyzeNfgText(source.text, { seed: options.seed });
    if (!nfg.ok) {
      err(`${file}: error: ${nfg.error}`);
      return 1;
    }
    if (options.nfg) writeFileSync(options.nfg, writeNfg(nfg.game));
    out(options.format === "json" ? JSON.stringify(nfg.report, null, 2) : renderReport(nfg.report));
    return 0;
  }
  const { ir, document: doc } = compileToIR(source.text, options.overrides);
  for (const message of doc.overrideErrors) err(`${printable(file)}: error: ${printable(message)}`);
  for (const d of doc.diagnostics) err(renderDiagnostic(file, doc.lines, d, { color: options.color ?? false }) + "\n");
  if (!ir) {
    const n = doc.diagnostics.filter((d) => d.severity === "error").length + doc.overrideErrors.length;
    err(`${printable(file)}: not analysed: ${n} error${n === 1 ? "" : "s"}`);
    return 1;
  }
  const result = analyzeScenario(ir, {
    utility: options.objective ? "objective" : "reward",
    samples: options.samples,
    seed: options.seed,
    sweep: options.sweep,
    model: doc.model,
  });
  if (!result.ok) {
    if (options.format === "json")
      out(
        JSON.stringify(
          { schema: SCHEMA, game: ir.name, normal_form: null, reason: result.reason, kind: result.kind },
          null,
          2,
        ),
      );
    else out(`${ir.name}: no normal form to analyse: ${result.reason}`);
    if (options.nfg) err(`${printable(file)}: no NFG file written (no normal form)`);
    return 0;
  }
  if (options.nfg) {
    try {
      writeFileSync(options.nfg, writeNfg(result.game));
    } catch (error) {
      err(printable(`error: cannot write ${options.nfg}: ${(error as Error).message}`));
      return 1;
    }
  }
  out(
    options.format === "json"
      ? JSON.stringify(result.report, null, 2)
      : printable(renderReport(result.report), { multiline: true }),
  );
  return 0;
}
