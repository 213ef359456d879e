import { checkText, hasErrors } from "../../language/check.js";
import type { Diagnostic } from "../../language/diagnostics.js";
import { diagnosticToJson, renderDiagnostic } from "../../language/render.js";
import { collectGameFiles, readSource } from "../files.js";
import { printable } from "../../language/text.js";

export interface CheckCommandOptions {
  format: "text" | "json";
  overrides: Map<string, number | boolean>;
  color: boolean;
  /** Warnings count as failures. */
  strict?: boolean;
  /** Also warn about strictly dominated actions of one-shot games (W0008), as the editor does. */
  dominated?: boolean;
}

/** `agora check`: prints every diagnostic of every file; 1 if any error, else 0. */
export async function runCheck(
  paths: string[],
  options: CheckCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  // The analysis is loaded only when asked for: a plain check starts faster without it.
  const analysis = options.dominated ? await import("../../analysis/service-contribution.js") : undefined;
  const editor = options.dominated ? await import("../../analysis/editor.js") : undefined;
  const { files, problems } = collectGameFiles(paths);
  let errors = problems.length;
  let warnings = 0;
  const json: unknown[] = [];
  for (const problem of problems) {
    if (options.format === "json")
      json.push({ file: problem.split(":")[0], severity: "error", code: "E0000", message: problem });
    else err(`error: ${printable(problem)}`);
  }
  if (files.length === 0 && problems.length === 0) {
    err(`error: no .game files found in ${printable(paths.join(", "))}`);
    return 1;
  }
  for (const file of files) {
    const source = readSource(file);
    if ("error" in source) {
      errors++;
      if (options.format === "json") json.push({ file, severity: "error", code: "E0000", message: source.error });
      else err(`error: ${printable(source.error)}`);
      continue;
    }
    const doc = checkText(source.text, { overrides: options.overrides });
    for (const message of doc.overrideErrors) {
      errors++;
      if (options.format === "json") json.push({ file, severity: "error", code: "E0000", message });
      else err(`${printable(file)}: error: ${printable(message)}`);
    }
    const diagnostics: Diagnostic[] = [...doc.diagnostics];
    if (analysis && editor && doc.model && !hasErrors(doc.diagnostics)) {
      diagnostics.push(...analysis.dominatedActionWarnings(doc.model, () => editor.summarizeDocument(doc)));
    }
    for (const d of diagnostics) {
      if (d.severity === "error") errors++;
      else if (d.severity === "warning") warnings++;
      if (options.format === "json") json.push(diagnosticToJson(file, doc.lines, d));
      else out(renderDiagnostic(file, doc.lines, d, { color: options.color }) + "\n");
    }
  }
  if (options.format === "json")
    out(JSON.stringify({ files: files.length, errors, warnings, diagnostics: json }, null, 2));
  else {
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    out(`checked ${plural(files.length, "file")}: ${plural(errors, "error")}, ${plural(warnings, "warning")}`);
  }
  return errors > 0 || (options.strict && warnings > 0) ? 1 : 0;
}
