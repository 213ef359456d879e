import type { IToken } from "chevrotain";
import type * as A from "./syntax/ast.js";
import { parse, type ParseResult } from "./syntax/parse.js";
import * as T from "./syntax/tokens.js";

/**
 * The canonical layout of `.game` source, shared by `agora fmt` and the editor:
 *
 * - two spaces per level; every item, role item, rule item, statement, match arm, payoff
 *   row and training setting on its own line; the contents of a `{ ... }` on lines of
 *   their own (an empty one stays `{ }`), `} else {` joined;
 * - one space around binary operators, `=`, `=>` and after `,` and `:`; none inside
 *   brackets, around `.` and `..`, after a unary `-` or before a call's `(`;
 * - payoff rows aligned in columns;
 * - blank lines kept, at most one in a row, none just inside braces; `;` separators
 *   dropped (every statement is on its own line);
 * - comments kept word for word where they were: on their own line, or after code;
 * - line breaks the author put inside an expression kept (continuation lines indented one
 *   more level), since there is no line-length limit to break lines by.
 *
 * Text with syntax errors is returned unchanged, and so is any result that would not
 * parse back to the same tree with the same comments (a formatter bug must never cost
 * the author their code).
 */
export function formatText(text: string): string {
  return formatTextDetailed(text).text;
}

export interface FormatResult {
  text: string;
  /** `formatted`: laid out (possibly identical); otherwise why the input came back unchanged. */
  status: "formatted" | "syntaxErrors" | "unsafe";
}

interface Element {
  start: number;
  end: number;
  text: string;
  comment?: "line" | "block";
  type?: IToken["tokenType"];
}

/**
 * `formatText` with the reason when the text comes back unchanged. `parsed`, when given,
 * must be the parse of exactly `text` (an editor holding one saves a parse).
 */
export function formatTextDetailed(text: string, parsed: ParseResult = parse(text)): FormatResult {
  if (parsed.diagnostics.some((d) => d.severity === "error") || !parsed.ast.game) return { text, status: "syntaxErrors" };
  const eol = /\r\n/.test(text) ? "\r\n" : "\n";
  const bom = text.charCodeAt(0) === 0xfeff ? "\ufeff" : "";
  const output = bom + layout(text, parsed.tokens, parsed.ast, eol);
  if (output === text) return { text, status: "formatted" };
  return sameProgram(parsed.ast, output) ? { text: output, status: "formatted" } : { text, status: "unsafe" };
}

/** Whether `formatted` parses cleanly to the same tree (spans aside), docs and comments included. */
function sameProgram(original: A.SourceFile, formatted: string): boolean {
  const again = parse(formatted);
  if (again.diagnostics.some((d) => d.severity === "error")) return false;
  if (!sameTree(original.games, again.ast.games)) return false;
  const a = original.comments;
  const b = again.ast.comments;
  return a.length === b.length && a.every((c, i) => c.text === b[i].text);
}

const POSITION_KEYS = new Set(["span", "opSpan", "keyword"]);

/** Structural equality of two trees, ignoring where things are. */
function sameTree(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameTree(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  for (const key in x) if (!POSITION_KEYS.has(key) && !sameTree(x[key], y[key])) return false;
  for (const key in y) if (!POSITION_KEYS.has(key) && !(key in x) && y[key] !== undefined) return false;
  return true;
}

function layout(text: string, tokens: IToken[], ast: A.SourceFile, eol: string): string {
  // Tokens (without `;`) and comments, in order.
  const elements: Element[] = [];
  for (const t of tokens) {
    if (t.tokenType === T.Semicolon) continue;
    elements.push({ start: t.startOffset, end: t.startOffset + t.image.length, text: t.image, type: t.tokenType });
  }
  for (const c of ast.comments) elements.push({ start: c.span.start, end: c.span.end, text: c.text, comment: c.block ? "block" : "line" });
  elements.sort((a, b) => a.start - b.start);

  const structure = analyse(ast, text);
  const aligned = alignPayoffs(ast, text, elements, structure);

  // `{` → whether nothing but whitespace and `;` lies between it and its `}`.
  const emptyPair = new Set<number>();
  const stack: number[] = [];
  for (let i = 0; i < elements.length; i++) {
    const type = elements[i].type;
    if (type === T.LBrace) stack.push(i);
    else if (type === T.RBrace) {
      const open = stack.pop();
      if (open !== undefined && open === i - 1) {
        emptyPair.add(elements[open].start);
        emptyPair.add(elements[i].start);
      }
    }
  }

  const lines: string[] = [];
  let line = "";
  let level = 0;
  let depth = 0;
  const flush = () => {
    if (line !== "") lines.push("  ".repeat(level) + line);
    line = "";
  };
  const newline = (newLevel: number, blank: boolean) => {
    flush();
    if (blank && lines.length > 0 && lines[lines.length - 1] !== "") lines.push("");
    level = newLevel;
  };
  const isLineStart = (e: Element) => structure.lineStarts.has(e.start) && !e.comment;
  const nextToken = (i: number) => {
    for (let j = i + 1; j < elements.length; j++) if (!elements[j].comment) return elements[j];
    return undefined;
  };
  const previousToken = (i: number) => {
    for (let j = i - 1; j >= 0; j--) if (!elements[j].comment) return elements[j];
    return undefined;
  };
  // `} else`, when a comment took the `else` off the `}` line: the `else` lines up with the `if`.
  const elseOfIf = (e: Element | undefined, i: number) => e?.type === T.Else && previousToken(i)?.type === T.RBrace;
  /** The level of a line starting with element i (depth already updated for a `}`). */
  const levelOf = (i: number): number => {
    const e = elements[i];
    if (e.type === T.RBrace || isLineStart(e) || elseOfIf(e, i)) return depth;
    if (e.comment) {
      const next = nextToken(i);
      if (!next || next.type === T.RBrace || isLineStart(next) || elseOfIf(next, i) || elements[i - 1]?.type === T.LBrace) return depth;
    }
    return depth + 1;
  };

  let previous: Element | undefined;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    if (e.type === T.RBrace) depth = Math.max(0, depth - 1);
    if (previous === undefined) {
      level = levelOf(i);
    } else {
      const breaks = lineBreaks(text, previous.end, e.start);
      // Just inside a `{`, no blank line. (After a comment on the `{` line one is kept: it
      // keeps the comment from becoming the doc of the item below.)
      const afterOpen = previous.type === T.LBrace;
      let separator: "none" | "space" | "line" | "blank";
      if (previous.comment === "line") separator = breaks >= 2 && !afterOpen ? "blank" : "line";
      else if (e.comment) separator = breaks === 0 ? "space" : breaks >= 2 && !afterOpen ? "blank" : "line";
      else if (e.type === T.RBrace) separator = emptyPair.has(e.start) ? "space" : "line";
      else if (isLineStart(e)) separator = breaks >= 2 && !afterOpen ? "blank" : "line";
      else if (afterOpen) separator = "line";
      else if (previous.type === T.RBrace) separator = e.type === T.Else ? "space" : breaks >= 2 ? "blank" : "line";
      else if (breaks > 0) separator = "line";
      else separator = spacing(previous, e, structure.unaryMinus) ? "space" : "none";
      // A dropped `;` between a comment and what follows kept the comment from being the doc
      // of the declaration below (docs are the comments directly above): a blank line keeps it so.
      if (previous.comment && (e.comment || isLineStart(e)) && text.slice(previous.end, e.start).includes(";")) separator = "blank";
      if (separator === "line" || separator === "blank") newline(levelOf(i), separator === "blank");
      else if (separator === "space" && line !== "") line += " ";
    }
    const row = aligned.get(e.start);
    if (row && isLineStart(e)) {
      line += row.text;
      while (i + 1 < elements.length && elements[i + 1].start < row.end) i++;
      previous = elements[i];
      continue;
    }
    line += e.text;
    if (e.type === T.LBrace) depth++;
    previous = e;
  }
  flush();
  return lines.join(eol) + eol;
}

/** Line breaks in text[from, to): `\r\n`, `\n` and a lone `\r` count once each. */
function lineBreaks(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) n++;
    else if (c === 13) {
      n++;
      if (text.charCodeAt(i + 1) === 10) i++;
    }
  }
  return n;
}

const NO_SPACE_BEFORE = new Set([T.Comma, T.RParen, T.RBracket, T.Dot, T.DotDot, T.Colon]);
const NO_SPACE_AFTER = new Set([T.LParen, T.LBracket, T.Dot, T.DotDot]);

/** Whether a space separates two elements on one line. */
function spacing(previous: Element, next: Element, unaryMinus: ReadonlySet<number>): boolean {
  if (next.type && NO_SPACE_BEFORE.has(next.type)) return false;
  if (previous.type && NO_SPACE_AFTER.has(previous.type)) return false;
  if (previous.type === T.Minus && unaryMinus.has(previous.start)) return false;
  if (next.type === T.LParen && (previous.type === T.Identifier || previous.type === T.Last)) return false;
  return true;
}

interface Structure {
  /** Offsets where an item, statement, arm, row or setting starts: each begins a line. */
  lineStarts: Set<number>;
  /** Offsets of `-` tokens that negate (no space after them). */
  unaryMinus: Set<number>;
}

function analyse(ast: A.SourceFile, text: string): Structure {
  const lineStarts = new Set<number>();
  const unaryMinus = new Set<number>();
  const realBlock = (b: A.Block) => text.charCodeAt(b.span.start) === 123; /* { */
  const block = (b: A.Block) => {
    const real = realBlock(b);
    for (const s of b.statements) {
      if (real) lineStarts.add(s.span.start);
      statement(s);
    }
  };
  const statement = (s: A.Stmt) => {
    switch (s.kind) {
      case "If":
        block(s.then);
        if (s.else?.kind === "Block") block(s.else);
        else if (s.else) statement(s.else);
        break;
      case "For":
        block(s.body);
        break;
      case "Match":
        for (const arm of s.arms) {
          lineStarts.add(arm.span.start);
          block(arm.body);
        }
        break;
    }
  };
  for (const game of ast.games) {
    lineStarts.add(game.span.start);
    for (const item of game.items) {
      lineStarts.add(item.span.start);
      switch (item.kind) {
        case "Role":
        case "Rule":
          for (const member of item.items) lineStarts.add(member.span.start);
          break;
        case "Payoff":
          for (const row of item.rows) lineStarts.add(row.span.start);
          break;
        case "Train":
          for (const entry of item.entries) lineStarts.add(entry.span.start);
          break;
        case "Step":
        case "Bot":
          block(item.body);
          break;
      }
    }
  }
  // Every unary minus, wherever it is.
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as Record<string, unknown>;
    if (node.kind === "Unary" && node.op === "-") unaryMinus.add((node.span as { start: number }).start);
    for (const key in node) {
      const v = node[key];
      if (v !== null && typeof v === "object" && key !== "span" && key !== "opSpan" && key !== "keyword") visit(v);
    }
  };
  visit(ast.games);
  return { lineStarts, unaryMinus };
}

/** Payoff rows laid out in columns: row start → its text and where it ends. */
function alignPayoffs(ast: A.SourceFile, text: string, elements: Element[], structure: Structure): Map<number, { text: string; end: number }> {
  const result = new Map<number, { text: string; end: number }>();
  const inline = (start: number, end: number) => {
    let out = "";
    let previous: Element | undefined;
    for (const e of elements) {
      if (e.start < start || e.start >= end) continue;
      if (previous && spacing(previous, e, structure.unaryMinus)) out += " ";
      out += e.text;
      previous = e;
    }
    return out;
  };
  for (const game of ast.games) {
    for (const item of game.items) {
      if (item.kind !== "Payoff") continue;
      const rows = item.rows.filter(
        (row) =>
          row.actions.length > 0 &&
          row.rewards.length > 0 &&
          lineBreaks(text, row.span.start, row.span.end) === 0 &&
          !elements.some((e) => e.comment && e.start >= row.span.start && e.start < row.span.end),
      );
      const cells = rows.map((row) => ({
        row,
        actions: row.actions.map((a, i) => a.text + (i < row.actions.length - 1 ? "," : "")),
        rewards: row.rewards.map((r, i) => inline(r.span.start, r.span.end) + (i < row.rewards.length - 1 ? "," : "")),
      }));
      const widths = (pick: (c: (typeof cells)[number]) => string[]) => {
        const w: number[] = [];
        for (const c of cells) pick(c).forEach((cell, i) => (w[i] = Math.max(w[i] ?? 0, cell.length)));
        return w;
      };
      const actionWidths = widths((c) => c.actions);
      const rewardWidths = widths((c) => c.rewards);
      for (const c of cells) {
        const actions = c.actions.map((cell, i) => cell.padEnd(actionWidths[i])).join(" ");
        const rewards = c.rewards.map((cell, i) => (i < c.rewards.length - 1 ? cell.padEnd(rewardWidths[i]) : cell)).join(" ");
        result.set(c.row.span.start, { text: `${actions} => ${rewards}`, end: c.row.span.end });
      }
    }
  }
  return result;
}
