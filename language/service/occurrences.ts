/**
 * Occurrences: every place a symbol's name is written in a document (its declaration and
 * each resolved use), and the names assignments write to. Highlights, references, rename,
 * hover and semantic tokens all read these, so they are computed once per document version.
 */
import type * as A from "../syntax/ast.js";
import type { SymbolDef } from "../semantic/model.js";
import type { Span } from "../text.js";
import type { GameDocument } from "./document.js";
import { walk } from "./syntax-lookup.js";

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
