import { DiagnosticCode, type Diagnostic } from "../diagnostics.js";
import type { GameDocument } from "./document.js";
import type { ServiceDiagnostic, TextEdit } from "./types.js";

/** Every diagnostic of the document (syntax, names, types, constants, warnings), in order. */
export function getDiagnostics(doc: GameDocument): ServiceDiagnostic[] {
  return doc.memo("diagnostics", () => doc.diagnostics.map((d) => toServiceDiagnostic(doc, d)));
}

export function toServiceDiagnostic(doc: GameDocument, d: Diagnostic): ServiceDiagnostic {
  const result: ServiceDiagnostic = { range: doc.rangeOf(d.span), severity: d.severity, code: d.code, message: d.message, source: "agora" };
  if (d.hint) result.hint = d.hint;
  if (d.related?.length) result.relatedInformation = d.related.map((r) => ({ location: { uri: doc.uri, range: doc.rangeOf(r.span) }, message: r.message }));
  if (d.fix) result.fix = { title: d.fix.title, edit: fixEdit(doc, d) };
  return result;
}

/** The edit of a diagnostic's fix; missing payoff rows are indented like the table's rows. */
export function fixEdit(doc: GameDocument, d: Diagnostic): TextEdit {
  const fix = d.fix!;
  const text = doc.text;
  if (d.code === DiagnosticCode.PayoffMissingRows && fix.span.start === fix.span.end && text[fix.span.start] === "}") {
    const lineStart = text.lastIndexOf("\n", fix.span.start - 1) + 1;
    const before = text.slice(lineStart, fix.span.start);
    const rows = fix.text.split("\n").map((r) => r.trim()).filter((r) => r !== "");
    if (/^[ \t]*$/.test(before) && rows.length > 0) {
      // The rows go on lines of their own before the `}`, indented like the rows above.
      const payoff = doc.parsed.ast.game?.items.find((i) => i.kind === "Payoff" && i.span.end === fix.span.start + 1);
      const firstRow = payoff?.kind === "Payoff" ? payoff.rows[0] : undefined;
      const indent = firstRow ? text.slice(text.lastIndexOf("\n", firstRow.span.start - 1) + 1, firstRow.span.start) : before + "  ";
      const eol = text.includes("\r\n") ? "\r\n" : "\n";
      const rowsIndent = /^[ \t]*$/.test(indent) ? indent : before + "  ";
      return { range: doc.rangeOf({ start: lineStart, end: lineStart }), newText: rows.map((r) => rowsIndent + r + eol).join("") };
    }
  }
  return { range: doc.rangeOf(fix.span), newText: fix.text };
}
