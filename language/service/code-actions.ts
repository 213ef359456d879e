import type { Range } from "../text.js";
import type { GameDocument } from "./document.js";
import { fixEdit, toServiceDiagnostic } from "./diagnostics.js";
import type { CodeAction } from "./types.js";

/**
 * Quick fixes for the diagnostics that touch `range`: every diagnostic carrying a fix
 * (a did-you-mean replacement, `self.` before agent state, the missing payoff rows...)
 * becomes an action with its edit.
 */
export function getCodeActions(doc: GameDocument, range: Range): CodeAction[] {
  const span = doc.spanOf(range);
  const actions: CodeAction[] = [];
  for (const d of doc.diagnostics) {
    if (!d.fix) continue;
    if (d.span.end < span.start || d.span.start > span.end) continue;
    actions.push({
      title: d.fix.title,
      kind: "quickfix",
      diagnostics: [toServiceDiagnostic(doc, d)],
      edit: { changes: { [doc.uri]: [fixEdit(doc, d)] } },
      isPreferred: true,
    });
  }
  return actions;
}
