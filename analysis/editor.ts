import { checkText, hasErrors, type CheckedDocument } from "../language/check.js";
import type { OverrideValue } from "../language/semantic/checker.js";
import type { GameModel } from "../language/semantic/model.js";
import type { Span } from "../language/text.js";
import type { IRGame } from "../compiler/ir.js";
import { lowerGame } from "../compiler/lower.js";
import { bimatrixEquilibria, matrices, TooLargeError } from "./bimatrix.js";
import { buildNormalForm } from "./build.js";
import { classify, type GameClass } from "./classify.js";
import { AnalysisStopped, Deadline } from "./deadline.js";
import { numProfiles, profileNames, type NormalForm } from "./normal-form.js";
import { dominance, pureEquilibria } from "./pure.js";

/**
 * A short, fast summary of a scenario's game for the editor: a code lens above `payoff`
 * (or above the game's name for a one-shot game without a table) and a hover.
 *
 * It runs on keystrokes, so it only does the cheap parts: the normal form of games with at
 * most `maxProfiles` joint actions (default 4096) whose stage draws no random numbers,
 * pure equilibria, strictly dominated actions, the class, and the mixed equilibria of
 * two-player games up to 4x4. Anything else returns a summary with only a `note`.
 */

export interface EditorSummary {
  /** Where to show the lens: the `payoff` keyword, or the game's name. */
  anchor: Span;
  class: GameClass | null;
  pureEquilibria: { profile: string[]; payoffs: number[]; strict: boolean }[];
  /** Equilibria that mix (two-player games up to 4x4 only; undefined when not computed). */
  mixedEquilibria?: {
    strategies: { player: string; probabilities: { action: string; p: string }[] }[];
    payoffs: number[];
  }[];
  /** Actions removed by iterated elimination of strictly dominated actions (round 1: dominated outright). */
  dominated: {
    role: string;
    agent: number;
    player: string;
    action: string;
    by: string;
    round: number;
    actionSpan?: Span;
  }[];
  /** One line for a code lens, such as `prisoners_dilemma · equilibrium (defect, defect) · dominated: cooperate`. */
  lens: string;
  /** Markdown for a hover. */
  hover: string;
  /** Why parts are missing (no normal form, too large, random payoffs, stopped). */
  note?: string;
  /** Set when the analysis ran past its time budget and was stopped: nothing else is known then. */
  stopped?: { afterMs: number; budgetMs: number };
}

export interface EditorOptions {
  maxProfiles?: number;
  /**
   * Milliseconds the analysis may take (default: no limit). Past it the analysis stops and
   * the summary says so (`stopped`) instead of blocking the editor on a big game.
   */
  budgetMs?: number;
  /** The deadline itself, instead of `budgetMs` (tests pass one with their own clock). */
  deadline?: Deadline;
}

/** Summarises a checked model and its IR (`lowerGame(model, source)`). Pure; never throws for a checked model. */
export function analyzeForEditor(model: GameModel, ir: IRGame, options: EditorOptions = {}): EditorSummary {
  const anchor = model.payoff?.keyword ?? model.game.name.span;
  const deadline = options.deadline ?? (options.budgetMs === undefined ? undefined : new Deadline(options.budgetMs));
  try {
    return analyzeWithin(model, ir, anchor, options, deadline);
  } catch (error) {
    if (!(error instanceof AnalysisStopped)) throw error;
    const afterMs = Math.round(error.elapsedMs);
    const note = `the analysis was stopped after ${afterMs} ms (the editor gives it ${error.budgetMs} ms): run \`agora analyze\` for the full result`;
    return {
      anchor,
      class: null,
      pureEquilibria: [],
      dominated: [],
      lens: `analysis stopped after ${afterMs} ms: run agora analyze`,
      hover: `**Game analysis**: ${note}.`,
      note,
      stopped: { afterMs, budgetMs: error.budgetMs },
    };
  }
}

function analyzeWithin(
  model: GameModel,
  ir: IRGame,
  anchor: Span,
  options: EditorOptions,
  deadline: Deadline | undefined,
): EditorSummary {
  const empty = (note: string, lens = `no normal form: ${shorten(note)}`): EditorSummary => ({
    anchor,
    class: null,
    pureEquilibria: [],
    dominated: [],
    lens,
    hover: `**Game analysis**: ${note}`,
    note,
  });
  let built;
  try {
    built = buildNormalForm(ir, { maxProfiles: options.maxProfiles ?? 4096, refuseRandom: true, model, deadline });
  } catch (error) {
    if (error instanceof AnalysisStopped) throw error;
    return empty(`the analysis failed: ${(error as Error).message}`);
  }
  if (!built.ok)
    return built.kind === "random_payoffs"
      ? empty(built.reason, "random payoffs: `agora analyze` estimates them")
      : empty(built.reason);
  return summarize(built.game, anchor, model, deadline);
}

/** Summarises a document from `checkText`; undefined when it has errors. */
export function summarizeDocument(doc: CheckedDocument, options: EditorOptions = {}): EditorSummary | undefined {
  if (!doc.model || hasErrors(doc.diagnostics) || doc.overrideErrors.length > 0) return undefined;
  let ir: IRGame;
  try {
    ir = lowerGame(doc.model, doc.text);
  } catch {
    return undefined;
  }
  return analyzeForEditor(doc.model, ir, options);
}

/** Checks, lowers and summarises a source text; undefined when it has errors. */
export function summarizeGame(
  source: string,
  overrides?: ReadonlyMap<string, OverrideValue>,
  options: EditorOptions = {},
): EditorSummary | undefined {
  return summarizeDocument(checkText(source, { overrides }), options);
}

function shorten(s: string): string {
  const first = s.split(/[.:;](?=\s)/)[0];
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

function summarize(
  game: NormalForm,
  anchor: Span,
  model: GameModel | undefined,
  deadline: Deadline | undefined,
): EditorSummary {
  const cls = classify(game).class;
  const pure = pureEquilibria(game, deadline).map((e) => ({
    profile: profileNames(game, e.actions),
    payoffs: game.payoffs.map((row) => row[e.profile].toNumber()),
    strict: e.strict,
  }));
  const dom = dominance(game, deadline);
  const dominated = dom.strict.map((e) => {
    const player = game.players[e.player];
    const actionName = player.actions[e.action].replace(/\(.*$/, "");
    const actionSpan = model?.roles
      .find((r) => r.name === player.role)
      ?.actions.find((a) => a.symbol.name === actionName)?.symbol.nameSpan;
    return {
      role: player.role,
      agent: player.index,
      player: player.name,
      action: player.actions[e.action],
      by: player.actions[e.by],
      round: e.round,
      actionSpan,
    };
  });
  let mixed: EditorSummary["mixedEquilibria"];
  if (game.players.length === 2 && game.sizes[0] <= 4 && game.sizes[1] <= 4 && numProfiles(game.sizes) <= 16) {
    try {
      const [A, B] = matrices(game);
      mixed = bimatrixEquilibria(A, B, { maxBases: 2000, deadline })
        .equilibria.filter((e) => !e.strategies.every((s) => s.filter((q) => !q.isZero()).length === 1))
        .map((e) => ({
          strategies: e.strategies.map((s, p) => ({
            player: game.players[p].name,
            probabilities: s.flatMap((q, a) =>
              q.isZero() ? [] : [{ action: game.players[p].actions[a], p: q.toString() }],
            ),
          })),
          payoffs: e.payoffs.map((q) => q.toNumber()),
        }));
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error;
    }
  }
  // Lens: class · equilibria · dominated actions (each role's action once).
  const parts: string[] = [];
  if (cls) parts.push(cls);
  const eqText = (p: string[]) => `(${p.join(", ")})`;
  if (pure.length === 0) parts.push("no pure equilibrium");
  else if (pure.length <= 3)
    parts.push(`${pure.length === 1 ? "equilibrium" : "equilibria"} ${pure.map((e) => eqText(e.profile)).join(" ")}`);
  else parts.push(`${pure.length} pure equilibria`);
  if (mixed && mixed.length > 0) parts.push(`${mixed.length} mixed`);
  const firstRound = [...new Set(dominated.filter((d) => d.round === 1).map((d) => `${d.role}.${d.action}`))];
  if (firstRound.length > 0)
    parts.push(`strictly dominated: ${firstRound.slice(0, 4).join(", ")}${firstRound.length > 4 ? ", ..." : ""}`);
  const lens = parts.join(" · ");
  // Hover.
  const lines = [
    `**Game analysis** (${game.source === "payoff_table" ? "payoff table" : "enumerated step"}, ${game.sizes.join("×")})`,
    "",
  ];
  lines.push(`- class: ${cls ? `\`${cls}\`` : "none"}`);
  lines.push(
    `- pure equilibria: ${pure.length === 0 ? "none" : pure.map((e) => `${eqText(e.profile)} → ${e.payoffs.join(", ")}${e.strict ? "" : " (weak)"}`).join("; ")}`,
  );
  if (mixed) {
    for (const m of mixed)
      lines.push(
        `- mixed equilibrium: ${m.strategies.map((s) => `${s.player}: ${s.probabilities.map((x) => `${x.action} ${x.p}`).join(", ")}`).join("; ")} → ${m.payoffs.map((v) => Number(v.toPrecision(6))).join(", ")}`,
      );
  }
  if (dominated.length > 0) {
    lines.push(
      `- strictly dominated: ${dominated.map((d) => `${d.player} \`${d.action}\` (by \`${d.by}\`${d.round > 1 ? `, round ${d.round}` : ""})`).join("; ")}`,
    );
  }
  for (const n of game.notes) lines.push(`- note: ${n}`);
  lines.push("", "Run `agora analyze` for mixed equilibria, Pareto, welfare and sweeps.");
  return { anchor, class: cls, pureEquilibria: pure, mixedEquilibria: mixed, dominated, lens, hover: lines.join("\n") };
}
