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
 * - except a `{ ... }` the author wrote on one line, which stays on one line
 *   (`bot madman for driver { play straight }`), two spaces between its statements or
 *   items (`{ pot += x  c.reward -= x }`); after such a block an `else` stays where the
 *   author put it, on the same line or lined up with its `if` on the next;
 * - one space around binary operators, `=`, `=>` and after `,` and `:`; none inside
 *   brackets, around `.` and `..`, after a unary `-` or before a call's `(`;
 * - payoff rows aligned in columns: action names and rewards to the left, a column of
 *   plain numbers to the right (on the decimal point where there are decimals);
 *   consecutive one-line match arms with their `=>` lined up;
 * - blank lines kept, at most one in a row, none just inside braces; `;` separators
 *   dropped (every statement is on its own line, or two spaces apart in a one-line block);
 * - comments kept word for word where they were: on their own line, or after code (in a
 *   column, where the author lined up consecutive ones);
 * - line breaks the author put inside an expression kept, since there is no line-length
 *   limit to break lines by: a continuation line lined up under the list item or operand
 *   it continues where the author lined it up (`observe a,` / `        b`), else indented
 *   one more level.
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
  if (parsed.diagnostics.some((d) => d.severity === "error") || !parsed.ast.game)
    return { text, status: "syntaxErrors" };
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

const POSITION_KEYS = new Set(["span", "opSpan", "keyword", "inKeyword"]);

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
  for (const c of ast.comments)
    elements.push({ start: c.span.start, end: c.span.end, text: c.text, comment: c.block ? "block" : "line" });
  elements.sort((a, b) => a.start - b.start);

  const structure = analyse(ast, text);
  const braces = pairBraces(text, elements);
  const oneLine = (offset: number) => braces.insideOneLine.has(offset);
  const aligned = alignPayoffs(ast, text, elements, structure, oneLine);
  const arrowPadding = alignArms(text, elements, structure, oneLine);

  const lines: OutputLine[] = [];
  let line = "";
  let indent = 0;
  let depth = 0;
  // A `//` comment after code on the current line: where it starts in `line`, and its column in the source.
  let trailing: { at: number; sourceColumn: number } | undefined;
  // The output column of every token laid out so far, by its source offset.
  const outputColumn = new Map<number, number>();
  const flush = () => {
    if (line !== "") {
      const comment = trailing && { codeEnd: indent + trailing.at, sourceColumn: trailing.sourceColumn };
      lines.push({ text: " ".repeat(indent) + line, trailingComment: comment });
    }
    line = "";
    trailing = undefined;
  };
  const newline = (newIndent: number, blank: boolean) => {
    flush();
    if (blank && lines.length > 0 && lines[lines.length - 1].text !== "") lines.push({ text: "" });
    indent = newIndent;
  };
  const sourceColumn = (offset: number) => {
    const lineStart = Math.max(text.lastIndexOf("\n", offset - 1), text.lastIndexOf("\r", offset - 1)) + 1;
    // (A byte order mark is not a column.)
    return offset - lineStart - (lineStart === 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0);
  };
  const isLineStart = (e: Element) => structure.lineStarts.has(e.start) && !e.comment;
  const nextToken = (i: number) => {
    for (let j = i + 1; j < elements.length; j++) if (!elements[j].comment) return j;
    return undefined;
  };
  const previousToken = (i: number) => {
    for (let j = i - 1; j >= 0; j--) if (!elements[j].comment) return elements[j];
    return undefined;
  };
  // `} else`, when a comment or the author took the `else` off the `}` line: the `else` lines up with the `if`.
  const elseOfIf = (i: number) => elements[i].type === T.Else && previousToken(i)?.type === T.RBrace;
  /**
   * The indentation of a line that continues an expression at token i: under the start of
   * what it continues (the first item of a list, the left operand) where the author lined
   * it up there, else one level more. (`lineStart`: the element that starts the line, i or a
   * comment before it.)
   */
  const continuation = (i: number, lineStart: Element): number => {
    const oneLevelMore = 2 * depth + 2;
    const before = previousToken(i);
    const anchor = before && continuationAnchor(structure.nodes, before.start, elements[i]);
    if (anchor === undefined || sourceColumn(anchor) !== sourceColumn(lineStart.start)) return oneLevelMore;
    const column = outputColumn.get(anchor);
    return column !== undefined && column > 2 * depth ? column : oneLevelMore;
  };
  /** The indentation of a line starting with element i (depth already updated for a `}`). */
  const indentOf = (i: number): number => {
    const e = elements[i];
    if (e.type === T.RBrace || isLineStart(e) || elseOfIf(i)) return 2 * depth;
    if (e.comment) {
      const next = nextToken(i);
      if (next === undefined) return 2 * depth;
      const n = elements[next];
      if (n.type === T.RBrace || isLineStart(n) || elseOfIf(next) || elements[i - 1]?.type === T.LBrace)
        return 2 * depth;
      return continuation(next, e);
    }
    return continuation(i, e);
  };

  let previous: Element | undefined;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i];
    if (e.type === T.RBrace) depth = Math.max(0, depth - 1);
    if (previous === undefined) {
      indent = indentOf(i);
    } else if (oneLine(e.start)) {
      // Inside a block the author wrote on one line, it stays on one line: `{ play stag }`,
      // with two spaces between its statements or items (`{ pot += x  c.reward -= x }`),
      // since without `;` one space would run them together.
      if (e.type === T.RBrace || previous.type === T.LBrace || e.comment || previous.comment) line += " ";
      else if (isLineStart(e)) line += "  ";
      else if (spacing(previous, e, structure.unaryMinus)) line += " ";
    } else {
      const breaks = lineBreaks(text, previous.end, e.start);
      // Just inside a `{`, no blank line. (After a comment on the `{` line one is kept: it
      // keeps the comment from becoming the doc of the item below.)
      const afterOpen = previous.type === T.LBrace;
      let separator: "none" | "space" | "line" | "blank";
      if (previous.comment === "line") separator = breaks >= 2 && !afterOpen ? "blank" : "line";
      else if (e.comment) separator = breaks === 0 ? "space" : breaks >= 2 && !afterOpen ? "blank" : "line";
      else if (e.type === T.RBrace) separator = braces.empty.has(e.start) ? "space" : "line";
      else if (isLineStart(e)) separator = breaks >= 2 && !afterOpen ? "blank" : "line";
      else if (afterOpen) separator = "line";
      else if (previous.type === T.RBrace) {
        // `} else` is joined, except after a one-line block the author ended its line with
        // (`if a { x }` / `else { y }`, a chain that reads as a table).
        if (e.type === T.Else) separator = breaks > 0 && braces.oneLineClose.has(previous.start) ? "line" : "space";
        else separator = breaks >= 2 ? "blank" : "line";
      } else if (breaks > 0) separator = "line";
      else separator = spacing(previous, e, structure.unaryMinus) ? "space" : "none";
      // A dropped `;` between a comment and what follows kept the comment from being the doc
      // of the declaration below (docs are the comments directly above): a blank line keeps it so.
      if (previous.comment && (e.comment || isLineStart(e)) && text.slice(previous.end, e.start).includes(";"))
        separator = "blank";
      if (separator === "line" || separator === "blank") newline(indentOf(i), separator === "blank");
      else if (separator === "space" && line !== "") {
        // (Not after a block comment over several lines: the columns are the last line's.)
        if (e.comment === "line" && !/[\r\n]/.test(line))
          trailing = { at: line.length, sourceColumn: sourceColumn(e.start) };
        line += " ";
      }
      line += " ".repeat(arrowPadding.get(e.start) ?? 0);
    }
    const row = aligned.get(e.start);
    if (row && isLineStart(e)) {
      line += row.text;
      while (i + 1 < elements.length && elements[i + 1].start < row.end) i++;
      previous = elements[i];
      continue;
    }
    const lastBreak = Math.max(line.lastIndexOf("\n"), line.lastIndexOf("\r"));
    outputColumn.set(e.start, lastBreak >= 0 ? line.length - lastBreak - 1 : indent + line.length);
    line += e.text;
    if (e.type === T.LBrace) depth++;
    previous = e;
  }
  flush();
  alignTrailingComments(lines);
  return lines.map((l) => l.text).join(eol) + eol;
}

interface OutputLine {
  text: string;
  /** Where the code ends before a `//` comment that follows it, and the comment's column in the source. */
  trailingComment?: { codeEnd: number; sourceColumn: number };
}

/**
 * `//` comments after code on consecutive lines that the author lined up in one column
 * stay in one column: theirs, or further right if the code grew into it. Others follow
 * their code after one space.
 */
function alignTrailingComments(lines: OutputLine[]) {
  for (let k = 0; k < lines.length;) {
    const first = lines[k].trailingComment;
    let end = k + 1;
    while (first && end < lines.length && lines[end].trailingComment?.sourceColumn === first.sourceColumn) end++;
    if (first && end - k >= 2) {
      const run = lines.slice(k, end);
      const column = Math.max(first.sourceColumn, ...run.map((l) => l.trailingComment!.codeEnd + 1));
      for (const l of run) {
        const codeEnd = l.trailingComment!.codeEnd;
        l.text = l.text.slice(0, codeEnd) + " ".repeat(column - codeEnd) + l.text.slice(codeEnd + 1);
      }
    }
    k = end;
  }
}

interface Braces {
  /** Offsets of the elements inside a `{ ... }` written on one line (its `}` included). */
  insideOneLine: Set<number>;
  /** Offsets of the `}` that close a block written on one line. */
  oneLineClose: Set<number>;
  /** Offsets of the `{` and `}` of pairs with nothing but whitespace and `;` between them. */
  empty: Set<number>;
}

function pairBraces(text: string, elements: Element[]): Braces {
  const closeOf = new Map<number, number>();
  const stack: number[] = [];
  for (let i = 0; i < elements.length; i++) {
    if (elements[i].type === T.LBrace) stack.push(i);
    else if (elements[i].type === T.RBrace) {
      const open = stack.pop();
      if (open !== undefined) closeOf.set(open, i);
    }
  }
  const braces: Braces = { insideOneLine: new Set(), oneLineClose: new Set(), empty: new Set() };
  for (const [open, close] of closeOf) {
    if (close === open + 1) {
      braces.empty.add(elements[open].start);
      braces.empty.add(elements[close].start);
    }
    if (lineBreaks(text, elements[open].end, elements[close].start) > 0) continue;
    braces.oneLineClose.add(elements[close].start);
    for (let i = open + 1; i <= close; i++) braces.insideOneLine.add(elements[i].start);
  }
  return braces;
}

/**
 * Where a line that continues an expression between tokens `before` and `after` would line
 * up: the start of the first item of the list `after` continues (an `observe` list, a
 * call's arguments), else the start of the innermost node's first part (the left operand
 * of `a\n + b`). Undefined when there is nothing to line up with before the line break.
 */
function continuationAnchor(
  nodes: { start: number; end: number; node: Record<string, unknown> }[],
  before: number,
  after: Element,
): number | undefined {
  let innermost: (typeof nodes)[number] | undefined;
  for (const n of nodes) {
    if (n.start <= before && after.end <= n.end && (!innermost || n.end - n.start < innermost.end - innermost.start))
      innermost = n;
  }
  if (!innermost) return undefined;
  const hasSpan = (v: unknown): v is { span: { start: number; end: number } } =>
    v !== null && typeof v === "object" && "span" in v;
  let first: number | undefined;
  for (const key in innermost.node) {
    if (POSITION_KEYS.has(key)) continue;
    const value = innermost.node[key];
    if (Array.isArray(value)) {
      const at = value.findIndex((v) => hasSpan(v) && v.span.start <= after.start && after.start < v.span.end);
      if (at > 0 && hasSpan(value[0])) return value[0].span.start;
      if (at === 0) return undefined;
      if (hasSpan(value[0])) first = Math.min(first ?? Infinity, value[0].span.start);
    } else if (hasSpan(value)) first = Math.min(first ?? Infinity, value.span.start);
  }
  return first !== undefined && first < after.start ? first : undefined;
}

/** Whether some line of `text`, neither its first nor its last, is blank. */
function hasBlankLine(text: string): boolean {
  return text.split(/\r\n|\n|\r/).some((line, i, lines) => i > 0 && i < lines.length - 1 && line.trim() === "");
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
  /** Every node of the tree (names included) with its span. */
  nodes: { start: number; end: number; node: Record<string, unknown> }[];
  /** Every `match` statement. */
  matches: A.MatchStmt[];
}

function analyse(ast: A.SourceFile, text: string): Structure {
  const lineStarts = new Set<number>();
  const unaryMinus = new Set<number>();
  const nodes: Structure["nodes"] = [];
  const matches: A.MatchStmt[] = [];
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
        matches.push(s);
        for (const arm of s.arms) {
          lineStarts.add(arm.span.start);
          block(arm.body);
        }
        break;
      default:
        // The other statements hold no blocks.
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
        default:
          // The other items are one line each.
          break;
      }
    }
  }
  // Every node and every unary minus, wherever they are.
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    if (value === null || typeof value !== "object") return;
    const node = value as Record<string, unknown>;
    const span = node.span as { start: number; end: number } | undefined;
    if (span) nodes.push({ start: span.start, end: span.end, node });
    if (node.kind === "Unary" && node.op === "-") unaryMinus.add((node.span as { start: number }).start);
    for (const key in node) {
      const v = node[key];
      if (v !== null && typeof v === "object" && key !== "span" && key !== "opSpan" && key !== "keyword") visit(v);
    }
  };
  visit(ast.games);
  return { lineStarts, unaryMinus, nodes, matches };
}

/** A payoff cell that is a plain number, `-` allowed: its sign and whole part, and the rest (`.5`, `e-3`). */
const NUMBER_CELL = /^(-?[0-9]+)((?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$/;

/**
 * Payoff rows laid out in columns: row start → its text and where it ends. Action names
 * and rewards that are not all plain numbers are left-aligned; a column of plain numbers
 * is right-aligned, on the decimal point where one has decimals, the way one types a
 * table of numbers by hand:
 *
 *     stay_out, fight       =>  0,  2
 *     enter,    fight       => -1, -1
 *     enter,    accommodate =>  1.5, 1
 */
function alignPayoffs(
  ast: A.SourceFile,
  text: string,
  elements: Element[],
  structure: Structure,
  oneLine: (offset: number) => boolean,
): Map<number, { text: string; end: number }> {
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
          !oneLine(row.span.start) &&
          lineBreaks(text, row.span.start, row.span.end) === 0 &&
          !elements.some((e) => e.comment && e.start >= row.span.start && e.start < row.span.end),
      );
      const actions = rows.map((row) => row.actions.map((a) => a.text));
      const rewards = rows.map((row) => row.rewards.map((r) => inline(r.span.start, r.span.end)));
      const actionCells = layColumns(actions, () => false);
      const rewardCells = layColumns(rewards, (column) =>
        rewards.every((cells) => column >= cells.length || NUMBER_CELL.test(cells[column])),
      );
      rows.forEach((row, r) => {
        result.set(row.span.start, {
          text: `${actionCells[r].join(" ")} => ${rewardCells[r].join(" ")}`.trimEnd(),
          end: row.span.end,
        });
      });
    }
  }
  return result;
}

/**
 * Cells (a table, rows of possibly different lengths) padded to columns, each but a row's
 * last followed by its `,`: padding goes after the `,` of left-aligned cells and before
 * the number in numeric ones (and after it, for the decimals of a longer number).
 */
function layColumns(table: string[][], numeric: (column: number) => boolean): string[][] {
  const columns = Math.max(0, ...table.map((cells) => cells.length));
  const laid = table.map((cells) => cells.map((cell, c) => (c < cells.length - 1 ? cell + "," : cell)));
  for (let c = 0; c < columns; c++) {
    const present = table.filter((cells) => c < cells.length);
    if (numeric(c)) {
      const split = (cell: string) => NUMBER_CELL.exec(cell)!;
      const whole = Math.max(...present.map((cells) => split(cells[c])[1].length));
      const decimals = Math.max(...present.map((cells) => split(cells[c])[2].length));
      table.forEach((cells, r) => {
        if (c >= cells.length) return;
        const [, w, d] = split(cells[c]);
        laid[r][c] = " ".repeat(whole - w.length) + laid[r][c] + " ".repeat(decimals - d.length);
      });
    }
    const width = Math.max(...laid.filter((cells) => c < cells.length).map((cells) => cells[c].length));
    laid.forEach((cells) => {
      if (c < cells.length) cells[c] = cells[c].padEnd(width);
    });
  }
  return laid;
}

/**
 * The `=>` of consecutive match arms that each fit on one line, lined up (as payoff rows
 * are): `=>` offset → the spaces to add before it.
 */
function alignArms(
  text: string,
  elements: Element[],
  structure: Structure,
  oneLine: (offset: number) => boolean,
): Map<number, number> {
  const padding = new Map<number, number>();
  const arrowOf = (arm: A.MatchArm) => elements.find((e) => e.start >= arm.span.start && e.type === T.Arrow);
  const fits = (arm: A.MatchArm) =>
    !oneLine(arm.span.start) &&
    lineBreaks(text, arm.span.start, arm.span.end) === 0 &&
    !elements.some((e) => e.comment && e.start >= arm.span.start && e.start < arm.span.end);
  for (const match of structure.matches) {
    let run: { arrow: number; width: number }[] = [];
    const close = () => {
      const width = Math.max(...run.map((a) => a.width));
      if (run.length >= 2) for (const a of run) padding.set(a.arrow, width - a.width);
      run = [];
    };
    match.arms.forEach((arm, i) => {
      const arrow = arrowOf(arm);
      // A blank line between arms starts a new group.
      if (i > 0 && hasBlankLine(text.slice(match.arms[i - 1].span.end, arm.span.start))) close();
      if (!arrow || !fits(arm)) return close();
      // The pattern as laid out: `name` or `name(binding)`.
      run.push({ arrow: arrow.start, width: arm.action.text.length + (arm.binding ? arm.binding.text.length + 2 : 0) });
    });
    close();
  }
  return padding;
}
