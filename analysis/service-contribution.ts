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

/**
 * Documents longer than this are not analysed in the editor: the analysis of a huge
 * document would cost seconds and gigabytes per version. `agora analyze` still analyses them.
 */
export const MAX_ANALYSED_LENGTH = 200_000;

/** Whether the editor skips the analysis of a document version for its size. */
export function tooLargeToAnalyse(doc: GameDocument): boolean {
  return doc.text.length > MAX_ANALYSED_LENGTH;
}

/**
 * How long the editor lets the analysis of one document version run, in milliseconds. Past
 * it the analysis stops, and the hover and lens say so (a stopped analysis is remembered for
 * the version, so it is not retried on every hover); `agora analyze` has no limit.
 */
export const EDITOR_ANALYSIS_BUDGET_MS = 750;

/**
 * The summary of a document version, computed once per version and budget, only when asked
 * for (undefined where the document has errors or is too large).
 */
export function summaryOf(doc: GameDocument, budgetMs = EDITOR_ANALYSIS_BUDGET_MS): EditorSummary | undefined {
  return doc.memo(`analysis:${budgetMs}`, (d) => {
    if (tooLargeToAnalyse(d)) return undefined;
    const model = d.model;
    if (!model || hasErrors(d.diagnostics)) return undefined;
    try {
      return analyzeForEditor(model, lowerGame(model, d.text), { budgetMs });
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

/** The contribution, with the editor's time budget for the analysis (`budgetMs`, for tests). */
export function createAnalysisContribution(options: { budgetMs?: number } = {}): ServiceContribution {
  const budgetMs = options.budgetMs ?? EDITOR_ANALYSIS_BUDGET_MS;
  return {
    name: "game analysis",
    diagnostics(doc) {
      return doc.model ? dominatedActionWarnings(doc.model, () => summaryOf(doc, budgetMs)) : [];
    },
    hover(doc, offset) {
      if (!doc.model) return undefined;
      const name = doc.model.game.name.span;
      if (tooLargeToAnalyse(doc)) {
        const kb = (n: number) => `${Math.round(n / 1000).toLocaleString("en-US")} KB`;
        const note = `Game analysis skipped in the editor: the document is ${kb(doc.text.length)} (limit ${kb(MAX_ANALYSED_LENGTH)}). Run \`agora analyze\` on the file.`;
        return offset >= name.start && offset <= name.end ? { contents: note, span: name } : undefined;
      }
      const summary = summaryOf(doc, budgetMs);
      if (!summary) return undefined;
      const onAnchor = offset >= summary.anchor.start && offset <= summary.anchor.end;
      const onGame = offset >= name.start && offset <= name.end;
      return onAnchor || onGame ? { contents: summary.hover, span: summary.anchor } : undefined;
    },
    codeLenses(doc) {
      const summary = summaryOf(doc, budgetMs);
      // Clicking it runs the full analysis (a command of the VS Code extension).
      return summary ? [{ span: summary.anchor, title: summary.lens, command: "agora.analyze" }] : [];
    },
  };
}

export const analysisContribution: ServiceContribution = createAnalysisContribution();
