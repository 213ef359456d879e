/**
 * The game analysis as a contribution to the language service (see
 * `language/service/contributions.ts`): a warning on each strictly dominated action of a
 * one-shot game (W0008), the analysis summary in the hover of the game's name and of the
 * `payoff` keyword, and a code lens there. The LSP server registers it; `agora check
 * --dominated` uses `dominatedActionWarnings` directly.
 */
import { hasErrors } from "../language/check.js";
import { DiagnosticCode, type Diagnostic } from "../language/diagnostics.js";
import type { GameModel } from "../language/semantic/model.js";
import type { GameDocument, ServiceContribution } from "../language/service/index.js";
import { lowerGame } from "../compiler/lower.js";
import { analyzeForEditor, type EditorSummary } from "./editor.js";

/** The summary of a document version, computed once (undefined where the document has errors). */
export function summaryOf(doc: GameDocument): EditorSummary | undefined {
  return doc.memo("analysis", (d) => {
    const model = d.model;
    if (!model || hasErrors(d.diagnostics)) return undefined;
    try {
      return analyzeForEditor(model, lowerGame(model, d.text));
    } catch {
      return undefined;
    }
  });
}

/**
 * A warning for each strictly dominated action, in one-shot games only: in a repeated game
 * a stage-dominated action (cooperating in the iterated PD, say) can be part of an
 * equilibrium, so it is no mistake to offer it. One warning per action declaration,
 * however many agents of the role it concerns.
 */
export function dominatedActionWarnings(model: GameModel, summary: () => EditorSummary | undefined): Diagnostic[] {
  const oneShot = model.horizon?.hi === 1 && model.phases.length <= 1;
  if (!oneShot) return [];
  const warnings: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const d of summary()?.dominated ?? []) {
    if (d.round !== 1 || !d.actionSpan) continue;
    const key = `${d.actionSpan.start}:${d.by}`;
    if (seen.has(key)) continue;
    seen.add(key);
    warnings.push({
      code: DiagnosticCode.DominatedAction,
      severity: "warning",
      span: d.actionSpan,
      message: `action \`${d.action}\` of \`${d.role}\` is strictly dominated by \`${d.by}\`: a payoff-maximising player never takes it`,
    });
  }
  return warnings;
}

export const analysisContribution: ServiceContribution = {
  name: "game analysis",
  diagnostics(doc) {
    return doc.model ? dominatedActionWarnings(doc.model, () => summaryOf(doc)) : [];
  },
  hover(doc, offset) {
    const summary = summaryOf(doc);
    if (!summary || !doc.model) return undefined;
    const name = doc.model.game.name.span;
    const onAnchor = offset >= summary.anchor.start && offset <= summary.anchor.end;
    const onGame = offset >= name.start && offset <= name.end;
    return onAnchor || onGame ? { contents: summary.hover, span: summary.anchor } : undefined;
  },
  codeLenses(doc) {
    const summary = summaryOf(doc);
    // Clicking it runs the full analysis (a command of the VS Code extension).
    return summary ? [{ span: summary.anchor, title: summary.lens, command: "agora.analyze" }] : [];
  },
};
