import type { IToken } from "chevrotain";
import { compareDiagnostics } from "../diagnostics.js";
import type * as A from "../syntax/ast.js";
import { parse, type ParseResult } from "../syntax/parse.js";
import * as T from "../syntax/tokens.js";

/**
 * Incremental parsing at the granularity of the game's items.
 *
 * An edit inside the game body re-parses only the items around it: the new text with
 * everything outside that region blanked to spaces (so offsets stay absolute) is parsed
 * whole, which costs little because blanks lex as one token. The region's items are then
 * spliced between the previous version's untouched items (those after it shifted).
 *
 * The result must equal `parse(text)` exactly, so the region is widened by one untouched
 * item on each side and the splice is refused (undefined: parse whole) unless:
 * - the previous tree has one game and every syntax error of it lies in the region, after
 *   its first token (an error there may be the previous item's);
 * - the region's own parse reports errors only inside the region and closes the game with
 *   its real `}`, so error recovery never reached the borders, where it could have read
 *   the neighbours differently;
 * - the region starts after whitespace and ends at the start of a line, so no token or
 *   line comment can run across its borders, and the comments just before the next item
 *   (its doc) read as before.
 */
export function reparse(oldText: string, old: ParseResult, text: string): ParseResult | undefined {
  const game = old.ast.game;
  if (!game || old.ast.games.length !== 1) return undefined;
  if (oldText === text) return old;

  // The changed range: [p, oldEnd) of the old text became [p, newEnd) of the new one.
  const minLength = Math.min(oldText.length, text.length);
  let p = 0;
  while (p < minLength && oldText.charCodeAt(p) === text.charCodeAt(p)) p++;
  let s = 0;
  while (s < minLength - p && oldText.charCodeAt(oldText.length - 1 - s) === text.charCodeAt(text.length - 1 - s)) s++;
  const oldEnd = oldText.length - s;
  const delta = text.length - oldText.length;

  // The game body: between its `{` and its closing `}`.
  const open = old.tokens.find((t) => t.startOffset >= game.name.span.end && t.tokenType === T.LBrace);
  const close = old.tokens.length > 0 ? old.tokens[old.tokens.length - 1] : undefined;
  if (!open || !close || close.tokenType !== T.RBrace || close.startOffset + 1 !== game.span.end) return undefined;
  const bodyStart = open.startOffset + 1;
  const bodyEnd = close.startOffset;
  if (p < bodyStart || oldEnd > bodyEnd) return undefined;

  const items = game.items;
  const n = items.length;
  let first = items.findIndex((item) => item.span.end >= p);
  if (first < 0) first = n;
  let last = -1;
  for (let i = n - 1; i >= 0; i--) {
    if (items[i].span.start <= oldEnd) {
      last = i;
      break;
    }
  }
  // One untouched item of margin on each side, more where the border is not clean.
  let lo = Math.max(0, first - 1);
  let hi = Math.min(n - 1, last + 1);
  const startOf = (l: number) => (l > 0 ? items[l - 1].span.end : bodyStart);
  const endOf = (h: number) => (h < n - 1 ? items[h + 1].span.start : bodyEnd);
  while (lo > 0 && !isSpace(oldText.charCodeAt(startOf(lo)))) lo--;
  while (hi < n - 1 && !startsLine(oldText, endOf(hi))) hi++;
  const regionStart = startOf(lo);
  const regionEnd = endOf(hi);
  if (regionStart >= p && regionStart !== bodyStart) return undefined;
  if (regionEnd <= oldEnd && regionEnd !== bodyEnd) return undefined;
  // An error at the region's first token may belong to the item before it (`end` missing
  // its `when` is reported at the next item's keyword): that item must be clean.
  const firstToken = old.tokens.find((t) => t.startOffset >= regionStart);
  const firstStart = firstToken && firstToken.startOffset < regionEnd ? firstToken.startOffset : regionEnd;
  if (old.diagnostics.some((d) => d.span.start <= firstStart || d.span.end > regionEnd || d.span.start >= regionEnd))
    return undefined;

  const newRegionEnd = regionEnd + delta;
  const newBodyEnd = bodyEnd + delta;
  const masked =
    text.slice(0, bodyStart) +
    " ".repeat(regionStart - bodyStart) +
    text.slice(regionStart, newRegionEnd) +
    " ".repeat(newBodyEnd - newRegionEnd) +
    text.slice(newBodyEnd);
  const region = parse(masked);
  const regionGame = region.ast.game;
  if (!regionGame || region.ast.games.length !== 1 || regionGame.span.end !== newBodyEnd + 1) return undefined;
  const inside = (start: number, end: number) => start >= regionStart && end <= newRegionEnd && start < newRegionEnd;
  if (region.diagnostics.some((d) => !inside(d.span.start, d.span.end))) return undefined;
  if (regionGame.items.some((item) => !inside(item.span.start, item.span.end))) return undefined;

  // The doc comment of the first item after the region is the run of comments just before
  // it: the text from the last token to that item must be the same as before the edit.
  if (hi < n - 1) {
    const lastOld = lastTokenBefore(old.tokens, regionEnd);
    const lastNew = lastTokenBefore(region.tokens, newRegionEnd);
    if (
      !lastOld ||
      !lastNew ||
      oldText.slice(tokenEndOf(lastOld), regionEnd) !== text.slice(tokenEndOf(lastNew), newRegionEnd)
    )
      return undefined;
  }

  const after = items.slice(hi + 1).map((item) => shifted(item, delta));
  const newGame: A.GameDecl = {
    ...game,
    span: { start: game.span.start, end: game.span.end + delta },
    items: [...items.slice(0, lo), ...regionGame.items, ...after],
  };
  const comments: A.Comment[] = [
    ...old.ast.comments.filter((c) => c.span.end <= regionStart),
    ...region.ast.comments.filter((c) => c.span.start >= regionStart && c.span.end <= newRegionEnd),
    ...old.ast.comments.filter((c) => c.span.start >= regionEnd).map((c) => shifted(c, delta)),
  ];
  const tokens: IToken[] = [
    ...old.tokens.filter((t) => t.startOffset + t.image.length <= regionStart),
    ...region.tokens.filter((t) => t.startOffset >= regionStart && t.startOffset < newRegionEnd),
    ...old.tokens
      .filter((t) => t.startOffset >= regionEnd)
      .map((t) => ({
        ...t,
        startOffset: t.startOffset + delta,
        endOffset: t.startOffset + delta + t.image.length - 1,
      })),
  ];
  const diagnostics = [...region.diagnostics].sort(compareDiagnostics);
  return {
    ast: { game: newGame, games: [newGame], comments, span: { start: 0, end: text.length } },
    tokens,
    diagnostics,
  };
}

function tokenEndOf(t: IToken): number {
  return t.startOffset + t.image.length;
}

function lastTokenBefore(tokens: readonly IToken[], offset: number): IToken | undefined {
  let lo = 0;
  let hi = tokens.length - 1;
  let found: IToken | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tokenEndOf(tokens[mid]) <= offset) {
      found = tokens[mid];
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11 || c === 0xa0 || c === 0xfeff;
}

/** Whether only spaces and tabs stand between the previous line break and `offset`. */
function startsLine(text: string, offset: number): boolean {
  let i = offset - 1;
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i--;
  return i >= 0 && (text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13);
}

/** A deep copy of a tree fragment with every span moved by `delta`. */
function shifted<T>(value: T, delta: number): T {
  return shift(value, delta) as T;
}

function shift(value: unknown, delta: number): unknown {
  if (Array.isArray(value)) return value.map((v) => shift(v, delta));
  if (value === null || typeof value !== "object") return value;
  const source = value as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const key in source) {
    const v = source[key];
    copy[key] = v !== null && typeof v === "object" ? shift(v, delta) : v;
  }
  if (isSpanObject(source)) {
    copy.start = (source.start as number) + delta;
    copy.end = (source.end as number) + delta;
  }
  return copy;
}

function isSpanObject(o: Record<string, unknown>): boolean {
  return typeof o.start === "number" && typeof o.end === "number" && Object.keys(o).length === 2;
}
