import { checkText, hasErrors, type CheckedDocument } from "../language/check.js";
import type { OverrideValue } from "../language/semantic/checker.js";
import type { IRGame } from "./ir.js";
import { lowerGame } from "./lower.js";

export interface CompileResult {
  /** The IR, when the scenario checked without errors. */
  ir: IRGame | undefined;
  document: CheckedDocument;
}

/** Checks a scenario and lowers it to the IR. Errors stay in `document.diagnostics`. */
export function compileToIR(source: string, overrides?: ReadonlyMap<string, OverrideValue>): CompileResult {
  const document = checkText(source, { overrides });
  if (hasErrors(document.diagnostics) || document.overrideErrors.length > 0 || !document.model)
    return { ir: undefined, document };
  return { ir: lowerGame(document.model, source), document };
}
