/**
 * Finding things in a document's syntax by offset: the tree node path under the cursor,
 * the token there, the comment around it, a declaration's text on one line. Pure queries
 * over the parse; names and types are the checker's (see occurrences.ts for symbols).
 */
import type { IToken } from "chevrotain";
import type * as A from "../syntax/ast.js";
import * as T from "../syntax/tokens.js";
import type { Span } from "../text.js";
import type { GameDocument } from "./document.js";

/** Whether a value is a tree node or name (an object with a span). */
function isNode(value: unknown): value is { span: Span } {
  return (
    value !== null &&
    typeof value === "object" &&
    "span" in (value as object) &&
    typeof (value as { span: Span }).span?.start === "number"
  );
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
    node =
      children.find((c) => c.span.start <= offset && offset < c.span.end) ??
      children.find((c) => c.span.start <= offset && offset === c.span.end && c.span.end > c.span.start);
  }
  return path;
}

export const isWordToken = (t: IToken | undefined): boolean =>
  t !== undefined && (t.tokenType === T.Identifier || T.isKeywordToken(t.tokenType));
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
