import { AGENT_FIELDS, AGGREGATES, BUILTIN_FUNCTIONS } from "../semantic/builtins.js";
import type { SymbolKind } from "../semantic/model.js";
import * as T from "../syntax/tokens.js";
import { occurrences } from "./occurrences.js";
import { isWordToken, tokenEnd } from "./syntax-lookup.js";
import type { GameDocument } from "./document.js";
import type { SemanticTokens, SemanticTokensLegend } from "./types.js";

/**
 * Token types in this language's terms. Editors that only know LSP's standard types can
 * declare each with the super type in SEMANTIC_TOKEN_SUPERTYPES (VS Code's
 * `contributes.semanticTokenTypes`), so themes colour them without knowing the language.
 */
export const SEMANTIC_TOKEN_TYPES = [
  "keyword",
  "comment",
  "number",
  "operator",
  "type",
  "function",
  "param",
  "state",
  "rule",
  "role",
  "action",
  "team",
  "phase",
  "metric",
  "bot",
  "game",
  "variable",
  "property",
] as const;

export type SemanticTokenType = (typeof SEMANTIC_TOKEN_TYPES)[number];

export const SEMANTIC_TOKEN_MODIFIERS = ["declaration", "readonly", "defaultLibrary"] as const;

export type SemanticTokenModifier = (typeof SEMANTIC_TOKEN_MODIFIERS)[number];

export const semanticTokensLegend: SemanticTokensLegend = {
  tokenTypes: [...SEMANTIC_TOKEN_TYPES],
  tokenModifiers: [...SEMANTIC_TOKEN_MODIFIERS],
};

/** The standard type each custom one specializes, for editors and themes that know only those. */
export const SEMANTIC_TOKEN_SUPERTYPES: Readonly<Record<string, string>> = {
  param: "parameter",
  state: "variable",
  rule: "event",
  role: "class",
  action: "method",
  team: "enumMember",
  phase: "enumMember",
  metric: "variable",
  bot: "function",
  game: "namespace",
};

const BY_SYMBOL: Record<SymbolKind, { type: SemanticTokenType; readonly?: boolean }> = {
  game: { type: "game" },
  param: { type: "param", readonly: true },
  state: { type: "state" },
  agentState: { type: "property" },
  rule: { type: "rule" },
  role: { type: "role" },
  team: { type: "team", readonly: true },
  phase: { type: "phase", readonly: true },
  metric: { type: "metric" },
  bot: { type: "bot" },
  action: { type: "action" },
  local: { type: "variable" },
  loopVariable: { type: "variable", readonly: true },
  aggregateVariable: { type: "variable", readonly: true },
  matchBinding: { type: "variable", readonly: true },
  actionArgument: { type: "variable", readonly: true },
  builtin: { type: "function" },
};

const OPERATORS = new Set([
  T.EqEq,
  T.NotEq,
  T.LessEq,
  T.GreaterEq,
  T.Less,
  T.Greater,
  T.PlusEq,
  T.MinusEq,
  T.StarEq,
  T.SlashEq,
  T.Eq,
  T.Plus,
  T.Minus,
  T.Star,
  T.Slash,
  T.Percent,
  T.Arrow,
  T.DotDot,
]);

export interface ClassifiedToken {
  start: number;
  length: number;
  type: SemanticTokenType;
  modifiers: SemanticTokenModifier[];
}

/** Every token worth colouring, in order. */
export function classifyTokens(doc: GameDocument): ClassifiedToken[] {
  const result: ClassifiedToken[] = [];
  const byStart = new Map(occurrences(doc).map((o) => [o.span.start, o]));
  const tokens = doc.parsed.tokens;
  const trainKeys = new Set<number>();
  for (const item of doc.parsed.ast.game?.items ?? [])
    if (item.kind === "Train") for (const e of item.entries) trainKeys.add(e.key.span.start);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const start = t.startOffset;
    const length = t.image.length;
    const push = (type: SemanticTokenType, modifiers: SemanticTokenModifier[] = []) =>
      result.push({ start, length, type, modifiers });
    const afterDot = tokens[i - 1]?.tokenType === T.Dot;
    if (t.tokenType === T.Number) push("number");
    else if (OPERATORS.has(t.tokenType)) push("operator");
    else if (isWordToken(t)) {
      const occurrence = byStart.get(start);
      if (occurrence && occurrence.span.end === tokenEnd(t)) {
        const style = BY_SYMBOL[occurrence.symbol.kind];
        const modifiers: SemanticTokenModifier[] = [];
        if (occurrence.declaration) modifiers.push("declaration");
        if (style.readonly) modifiers.push("readonly");
        push(style.type, modifiers);
      } else if (afterDot) push("property", AGENT_FIELDS.has(t.image) ? ["defaultLibrary"] : []);
      else if (trainKeys.has(start)) push("property", ["defaultLibrary"]);
      else if (T.isKeywordToken(t.tokenType)) {
        const typePosition = tokens[i - 1]?.tokenType === T.Colon;
        if (
          t.image === "int" ||
          t.image === "real" ||
          t.image === "bool" ||
          ((t.image === "team" || t.image === "rule") && typePosition)
        )
          push("type");
        else push("keyword");
      } else if (tokens[i + 1]?.tokenType === T.LParen && (BUILTIN_FUNCTIONS.has(t.image) || AGGREGATES.has(t.image)))
        push("function", ["defaultLibrary"]);
    }
  }
  for (const comment of doc.parsed.ast.comments)
    result.push({
      start: comment.span.start,
      length: comment.span.end - comment.span.start,
      type: "comment",
      modifiers: [],
    });
  return result.sort((a, b) => a.start - b.start);
}

/** The document's semantic tokens in LSP's relative encoding (multi-line comments split by line). */
export function getSemanticTokens(doc: GameDocument): SemanticTokens {
  const data: number[] = [];
  let lastLine = 0;
  let lastChar = 0;
  const lines = doc.lines;
  const emit = (line: number, character: number, length: number, type: number, modifiers: number) => {
    if (length <= 0) return;
    data.push(line - lastLine, line === lastLine ? character - lastChar : character, length, type, modifiers);
    lastLine = line;
    lastChar = character;
  };
  for (const token of classifyTokens(doc)) {
    const type = SEMANTIC_TOKEN_TYPES.indexOf(token.type);
    let bits = 0;
    for (const m of token.modifiers) bits |= 1 << SEMANTIC_TOKEN_MODIFIERS.indexOf(m);
    const start = lines.positionAt(token.start);
    const end = lines.positionAt(token.start + token.length);
    if (start.line === end.line) {
      emit(start.line, start.character, end.character - start.character, type, bits);
      continue;
    }
    for (let line = start.line; line <= end.line; line++) {
      const from = line === start.line ? start.character : 0;
      const to = line === end.line ? end.character : lines.lineEnd(line) - lines.lineStart(line);
      emit(line, from, to - from, type, bits);
    }
  }
  return { data };
}
