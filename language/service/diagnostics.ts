import type { Diagnostic } from "../diagnostics.js";
import { collect } from "./contributions.js";
import type { GameDocument } from "./document.js";
import type { ServiceDiagnostic, TextEdit } from "./types.js";

/** Every diagnostic of the document (syntax, names, types, constants, warnings), then the contributions' ones. */
export function getDiagnostics(doc: GameDocument): ServiceDiagnostic[] {
  return doc.memo("diagnostics", () => {
    const own = doc.diagnostics.map((d) => toServiceDiagnostic(doc, d));
    const contributed = collect(doc, (c) => c.diagnostics?.(doc)).flat();
    return [...own, ...contributed.map((d) => toServiceDiagnostic(doc, d))];
  });
}

export function toServiceDiagnostic(doc: GameDocument, d: Diagnostic): ServiceDiagnostic {
  const result: ServiceDiagnostic = {
    range: doc.rangeOf(d.span),
    severity: d.severity,
    code: d.code,
    message: d.message,
    source: "agora",
  };
  if (d.hint) result.hint = d.hint;
  if (d.related?.length)
    result.relatedInformation = d.related.map((r) => ({
      location: { uri: doc.uri, range: doc.rangeOf(r.span) },
      message: r.message,
    }));
  if (d.fix) result.fix = { title: d.fix.title, edit: fixEdit(doc, d) };
  return result;
}

/** The edit of a diagnostic's fix (the checker lays fixes out to match the text around them). */
export function fixEdit(doc: GameDocument, d: Diagnostic): TextEdit {
  const fix = d.fix!;
  return { range: doc.rangeOf(fix.span), newText: fix.text };
}
