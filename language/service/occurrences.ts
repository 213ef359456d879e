import type { IToken } from "chevrotain";
import type * as A from "../syntax/ast.js";
import type { SymbolDef } from "../semantic/model.js";
import * as T from "../syntax/tokens.js";
import type { Span } from "../text.js";
import type { GameDocument } from "./document.js";

/** One place a symbol's name is written: its declaration or a resolved use. */
export interface Occurrence {
  span: Span;
  symbol: SymbolDef;
  declaration: boolean;
}

/**
 * Every occurrence of every symbol in the document, sorted by position. Generated names
 * (`teams 3` declares `team0`... at the `3`) are left out: nothing there can be renamed.
 */
export function occurrences(doc: GameDocument): Occurrence[] {
  return doc.memo("occurrences", () => {
    const model = doc.model;
    if (!model) return [];
    const text = doc.text;
    const result: Occurrence[] = [];
    const seen = new Set<string>();
    const add = (span: Span, symbol: SymbolDef, declaration: boolean) => {
      if (span.end <= span.start || text.slice(span.start, span.end) !== symbol.name) return;
      const key = `${span.start}:${span.end}`;
      if (seen.has(key)) return;
      seen.add(key);
      result.push({ span, symbol, declaration });
    };
    for (const symbol of model.symbols) add(symbol.nameSpan, symbol, true);
    for (const reference of model.references) add(reference.span, reference.symbol, false);
    result.sort((a, b) => a.span.start - b.span.start);
    return result;
  });
}

/** The occurrence under the cursor: the name containing it, or ending right at it. */
export function occurrenceAt(doc: GameDocument, offset: number): Occurrence | undefined {
  const all = occurrences(doc);
  let lo = 0;
  let hi = all.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid].span.start <= offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  if (found < 0) return undefined;
  const o = all[found];
  return offset <= o.span.end ? o : undefined;
}

/** Every occurrence of one symbol, declaration first when it has one. */
export function occurrencesOf(doc: GameDocument, symbol: SymbolDef): Occurrence[] {
  const list = occurrences(doc).filter((o) => o.symbol === symbol);
  return list.sort((a, b) => Number(b.declaration) - Number(a.declaration) || a.span.start - b.span.start);
}

/** Start offsets of names written to: assignment targets (`x = ...`, `a.field += ...`). */
export function writtenNames(doc: GameDocument): Set<number> {
  return doc.memo("writtenNames", () => {
    const written = new Set<number>();
    const game = doc.parsed.ast.game;
    if (!game) return written;
    walk(game, (node) => {
      if ((node as A.Stmt).kind === "Assign") {
        const target = (node as A.AssignStmt).target;
        if (target.kind === "NameRef") written.add(target.name.span.start);
        else if (target.kind === "Field") written.add(target.field.span.start);
      }
    });
    return written;
  });
}

/** Whether a value is a tree node or name (an object with a span). */
function isNode(value: unknown): value is { span: Span } {
  return value !== null && typeof value === "object" && "span" in (value as object) && typeof (value as { span: Span }).span?.start === "number";
}

/** The node-valued children of a tree node, in source order. */
export function childrenOf(node: object): { span: Span }[] {
  const out: { span: Span }[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      for (const v of value) if (isNode(v)) out.push(v);
    } else if (isNode(value)) out.push(value);
    else if (value !== null && typeof value === "object" && !("start" in (value as object))) {
      // Plain groupings such as an action's `argument`, or its argument type.
      for (const v of Object.values(value)) if (isNode(v)) out.push(v);
    }
  }
  return out.sort((a, b) => a.span.start - b.span.start);
}

/** Visits every node below `root` (pre-order). */
export function walk(root: object, visit: (node: { span: Span }) => void): void {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (isNode(node)) visit(node);
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/** The chain of nodes containing `offset`, outermost first (end offsets inclusive). */
export function nodePath(root: object, offset: number): { span: Span }[] {
  const path: { span: Span }[] = [];
  let node: object | undefined = root;
  while (node) {
    if (isNode(node)) path.push(node);
    const children: { span: Span }[] = childrenOf(node);
    // Prefer a child that strictly contains the offset; else one ending at it.
    node = children.find((c) => c.span.start <= offset && offset < c.span.end) ?? children.find((c) => c.span.start <= offset && offset === c.span.end && c.span.end > c.span.start);
  }
  return path;
}

export const isWordToken = (t: IToken | undefined): boolean => t !== undefined && (t.tokenType === T.Identifier || T.isKeywordToken(t.tokenType));
export const isIdentifierToken = (t: IToken | undefined): boolean => t !== undefined && t.tokenType === T.Identifier;
export const tokenEnd = (t: IToken): number => t.startOffset + t.image.length;

/** The index of the last token starting before `offset` (-1 when none). */
export function tokenIndexBefore(tokens: readonly IToken[], offset: number): number {
  let lo = 0;
  let hi = tokens.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokens[mid].startOffset < offset) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** The token under the cursor (containing it, or ending right at it when it is a word). */
export function tokenAt(tokens: readonly IToken[], offset: number): IToken | undefined {
  const i = tokenIndexBefore(tokens, offset + 1);
  if (i < 0) return undefined;
  const t = tokens[i];
  if (offset < tokenEnd(t)) return t;
  if (offset === tokenEnd(t) && isWordToken(t)) return t;
  // Right after a token that is not a word: the word that starts here, if any.
  return undefined;
}

/** The comment containing the offset: inside it, or at the end of a line comment. */
export function commentAt(ast: A.SourceFile, offset: number): A.Comment | undefined {
  for (const c of ast.comments) {
    if (c.span.start >= offset) break;
    const closed = c.block && c.text.endsWith("*/") && c.text.length >= 4;
    if (offset < c.span.end || (offset === c.span.end && !closed)) return c;
  }
  return undefined;
}

/** A declaration's source text on one line, comments dropped (for hovers and details). */
export function sourceLine(doc: GameDocument, span: Span): string {
  const tokens = doc.parsed.tokens;
  const parts: string[] = [];
  let i = Math.max(0, tokenIndexBefore(tokens, span.start + 1));
  let previous: IToken | undefined;
  for (; i < tokens.length && tokens[i].startOffset < span.end; i++) {
    const t = tokens[i];
    if (t.startOffset < span.start) continue;
    if (previous && tokenEnd(previous) < t.startOffset) parts.push(" ");
    parts.push(t.image);
    previous = t;
  }
  return parts.join("");
}
