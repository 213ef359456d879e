import type { Diagnostic } from "./diagnostics.js";
import { printable, type LineIndex } from "./text.js";

export interface RenderOptions {
  color?: boolean;
  /** Longest source line shown; longer lines are cut around the caret. */
  maxLineWidth?: number;
}

const COLORS = {
  error: "\x1b[1;31m",
  warning: "\x1b[1;33m",
  info: "\x1b[1;34m",
  hint: "\x1b[1;36m",
  bold: "\x1b[1m",
  dim: "\x1b[2m",
  reset: "\x1b[0m",
};

/**
 * Renders a diagnostic like rustc and tsc do:
 *
 *     file.game:3:5: error[E0101]: unknown name `foo`
 *        |
 *      3 |   x = foo + 1
 *        |       ^^^
 *        = hint: did you mean `for`?
 */
export function renderDiagnostic(file: string, lines: LineIndex, d: Diagnostic, options: RenderOptions = {}): string {
  const c = options.color ? COLORS : { error: "", warning: "", info: "", hint: "", bold: "", dim: "", reset: "" };
  const maxWidth = options.maxLineWidth ?? 160;
  const start = lines.positionAt(d.span.start);
  const end = lines.positionAt(d.span.end);
  const out: string[] = [];
  // File names, messages and source lines can carry control characters: never print them raw.
  file = printable(file);
  out.push(
    `${c.bold}${file}:${start.line + 1}:${start.character + 1}:${c.reset} ${c[d.severity]}${d.severity}[${d.code}]${c.reset}${c.bold}: ${printable(d.message)}${c.reset}`,
  );
  const gutter = String(start.line + 1).length;
  const pad = " ".repeat(gutter);
  if (start.line < lines.lineCount) {
    let text = printable(lines.lineText(start.line).replace(/\t/g, " "), { sameWidth: true });
    let caretStart = start.character;
    const caretEnd =
      end.line === start.line ? Math.max(end.character, caretStart + 1) : Math.max(text.length, caretStart + 1);
    let caretLength = caretEnd - caretStart;
    if (text.length > maxWidth) {
      // Show a window of the line around the caret.
      const from = Math.max(0, Math.min(caretStart - 20, text.length - maxWidth));
      text = (from > 0 ? "..." : "") + text.slice(from, from + maxWidth) + (from + maxWidth < text.length ? "..." : "");
      caretStart = caretStart - from + (from > 0 ? 3 : 0);
      caretLength = Math.min(caretLength, maxWidth);
    }
    out.push(`${c.dim}${pad} |${c.reset}`);
    out.push(`${c.dim}${String(start.line + 1)} |${c.reset} ${text}`);
    out.push(
      `${c.dim}${pad} |${c.reset} ${" ".repeat(caretStart)}${c[d.severity]}${"^".repeat(Math.max(1, caretLength))}${c.reset}`,
    );
  }
  if (d.hint) out.push(`${pad} = hint: ${printable(d.hint)}`);
  for (const r of d.related ?? []) {
    const p = lines.positionAt(r.span.start);
    out.push(`${pad} = note: ${printable(r.message)} at ${file}:${p.line + 1}:${p.character + 1}`);
  }
  return out.join("\n");
}

/** The JSON form of a diagnostic for tools: 1-based lines and columns, plus offsets. */
export function diagnosticToJson(file: string, lines: LineIndex, d: Diagnostic) {
  const start = lines.positionAt(d.span.start);
  const end = lines.positionAt(d.span.end);
  return {
    file,
    code: d.code,
    severity: d.severity,
    message: d.message,
    hint: d.hint,
    range: {
      start: { line: start.line + 1, column: start.character + 1, offset: d.span.start },
      end: { line: end.line + 1, column: end.character + 1, offset: d.span.end },
    },
    related: d.related?.map((r) => {
      const p = lines.positionAt(r.span.start);
      return { message: r.message, line: p.line + 1, column: p.character + 1 };
    }),
  };
}
