import { compareDiagnostics, DiagnosticCode, type Diagnostic } from "./diagnostics.js";
import { checkGame, type CheckOptions } from "./semantic/checker.js";
import { payoffPrecisionDiagnostics } from "./semantic/exact-values.js";
import type { GameModel } from "./semantic/model.js";
import type { SourceFile } from "./syntax/ast.js";
import { parse, type ParseResult } from "./syntax/parse.js";
import type { IToken } from "chevrotain";
import { LineIndex, type Span } from "./text.js";

/** A document after the front end: parsed, linked and checked. */
export interface CheckedDocument {
  text: string;
  lines: LineIndex;
  ast: SourceFile;
  tokens: IToken[];
  model: GameModel | undefined;
  /** Syntax, name, type and constant diagnostics, sorted by position. */
  diagnostics: Diagnostic[];
  overrideErrors: string[];
}

/**
 * Runs the whole front end on one document. Never throws on any text: a failure inside a
 * pass becomes an error diagnostic, so editors and the CLI always get an answer.
 */
export function checkText(text: string, options: CheckOptions = {}): CheckedDocument {
  const parsed = parse(text);
  const { model, diagnostics, overrideErrors } = checkParsedText(text, parsed, options);
  return {
    text,
    lines: new LineIndex(text),
    ast: parsed.ast,
    tokens: parsed.tokens,
    model,
    diagnostics,
    overrideErrors,
  };
}

/**
 * The checking half of `checkText`, for callers that already parsed (the language service
 * parses incrementally): the checker's diagnostics merged with the parser's, follow-on
 * "no roles/actions" warnings dropped when the parse failed, ranges clamped into the text,
 * sorted, duplicates removed.
 */
export function checkParsedText(
  text: string,
  parsed: ParseResult,
  options: CheckOptions = {},
): { model: GameModel | undefined; diagnostics: Diagnostic[]; overrideErrors: string[] } {
  const diagnostics = parsed.diagnostics.map((d) => ({ ...d }));
  let model: GameModel | undefined;
  let overrideErrors: string[] = [];
  try {
    const checked = checkGame(parsed.ast, { ...options, source: text });
    model = checked.model;
    overrideErrors = checked.overrideErrors;
    // A game cut short by a syntax error is not empty: only say so when it parsed.
    const parsedWhole = !parsed.diagnostics.some((d) => d.severity === "error");
    diagnostics.push(
      ...checked.diagnostics.filter(
        (d) => parsedWhole || (d.code !== DiagnosticCode.NoRoles && d.code !== DiagnosticCode.NoActions),
      ),
    );
    if (model && !diagnostics.some((d) => d.severity === "error"))
      diagnostics.push(...payoffPrecisionDiagnostics(model));
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    diagnostics.push({
      code: DiagnosticCode.TooDeeplyNested,
      severity: "error",
      span: { start: 0, end: Math.min(1, text.length) },
      message: "this file is nested too deeply to check",
    });
  }
  for (const d of diagnostics) {
    d.span = clampSpan(d.span, text.length);
    if (d.related) d.related = d.related.map((r) => ({ ...r, span: clampSpan(r.span, text.length) }));
  }
  diagnostics.sort(compareDiagnostics);
  return { model, diagnostics: capErrors(dedupe(diagnostics)), overrideErrors };
}

/** Errors reported per file; past this, one E0009 says the rest are not shown. */
export const MAX_ERRORS = 1000;

/**
 * Keeps the diagnostics up to the `MAX_ERRORS`th error and ends with one "too many errors":
 * a pasted garbage line gives a readable answer instead of thousands of follow-on errors.
 */
function capErrors(diagnostics: Diagnostic[]): Diagnostic[] {
  let errors = 0;
  const index = diagnostics.findIndex((d) => d.severity === "error" && ++errors > MAX_ERRORS);
  if (index < 0) return diagnostics;
  const rest = diagnostics.length - index;
  return [
    ...diagnostics.slice(0, index),
    {
      code: DiagnosticCode.TooManyErrors,
      severity: "error",
      span: diagnostics[index].span,
      message: `too many errors: ${MAX_ERRORS} are shown, ${rest} more diagnostic${rest === 1 ? "" : "s"} from here on are not`,
    },
  ];
}

/** Keeps a range inside the document and the right way round, whatever recovery produced. */
function clampSpan(span: Span, length: number): Span {
  const start = Math.max(0, Math.min(span.start, length));
  return { start, end: Math.max(start, Math.min(span.end, length)) };
}

/** Drops repeated reports of one problem at one place. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.span.start}:${d.span.end}:${d.code}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}
