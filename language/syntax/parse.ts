import { EOF, type IRecognitionException, type IToken } from "chevrotain";
import { DiagnosticCode, compareDiagnostics, type Diagnostic } from "../diagnostics.js";
import type { Span } from "../text.js";
import { closestName } from "../util/suggest.js";
import type * as A from "./ast.js";
import { AstBuilder } from "./build-ast.js";
import { gameParser } from "./parser.js";
import * as T from "./tokens.js";

/** Brackets nested deeper than this are reported rather than parsed (the parser recurses). */
export const MAX_BRACKET_DEPTH = 200;
/** Longest run of prefix operators (`-`, `not`, `if`) parsed before reporting. */
export const MAX_PREFIX_RUN = 200;

export interface ParseResult {
  ast: A.SourceFile;
  /** Every significant token (comments excluded), for editor features. */
  tokens: IToken[];
  diagnostics: Diagnostic[];
}

const DECLARATION_KEYWORDS = [
  "game",
  "param",
  "horizon",
  "phases",
  "teams",
  "state",
  "role",
  "rule",
  "payoff",
  "step",
  "metric",
  "bot",
  "train",
  "action",
  "observe",
  "objective",
  "team",
  "let",
  "if",
  "for",
  "match",
  "enact",
  "repeal",
  "end",
  "play",
  "else",
  "when",
  "where",
  "then",
];

function tokenSpan(token: IToken): Span {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

const EMPTY_FILE = (length: number): A.SourceFile => ({
  game: undefined,
  games: [],
  comments: [],
  span: { start: 0, end: length },
});

/**
 * Parses `.game` source. Never throws on any input: it always returns a tree (possibly
 * partial) and the syntax errors found, one per independent problem.
 */
export function parse(text: string): ParseResult {
  const diagnostics: Diagnostic[] = [];
  if (text.includes("\u0000")) {
    diagnostics.push({
      code: DiagnosticCode.BinaryFile,
      severity: "error",
      span: { start: 0, end: 0 },
      message: "this file looks binary (it contains NUL bytes), not `.game` source",
    });
    return { ast: EMPTY_FILE(text.length), tokens: [], diagnostics };
  }

  const lexed = T.gameLexer.tokenize(text);
  // The lexer tracks start offsets only (cheaper); node ranges need the ends too.
  for (const token of lexed.tokens) token.endOffset = token.startOffset + token.image.length - 1;
  for (const error of lexed.errors) {
    const ch = text.slice(error.offset, error.offset + error.length);
    diagnostics.push({
      code: DiagnosticCode.InvalidCharacter,
      severity: "error",
      span: { start: error.offset, end: error.offset + Math.max(1, error.length) },
      message:
        error.length === 1
          ? `unexpected character \`${printable(ch)}\``
          : `unexpected characters \`${printable(ch.slice(0, 20))}\``,
      hint:
        ch.startsWith('"') || ch.startsWith("'")
          ? "the language has no strings"
          : ch.startsWith("#")
            ? "comments start with `//`"
            : undefined,
    });
  }

  for (const token of lexed.groups.invalid ?? []) {
    diagnostics.push({
      code: DiagnosticCode.InvalidCharacter,
      severity: "error",
      span: { start: token.startOffset, end: token.startOffset + 1 },
      message: "`#` does not start a comment here",
      hint: "comments start with `//`",
      fix: { span: { start: token.startOffset, end: token.startOffset + 1 }, text: "//", title: "Change to `//`" },
    });
  }

  const comments: A.Comment[] = [];
  for (const token of lexed.groups.comments ?? []) {
    if (token.tokenType === T.UnterminatedComment) {
      diagnostics.push({
        code: DiagnosticCode.UnterminatedComment,
        severity: "error",
        span: { start: token.startOffset, end: token.startOffset + 2 },
        message: "this `/*` comment is never closed",
        hint: "close it with `*/`",
      });
    }
    comments.push({ text: token.image, span: tokenSpan(token), block: token.tokenType !== T.LineComment });
  }

  const { tokens, dropped } = limitNesting(lexed.tokens, diagnostics);
  // An unclosed `/*` swallows the rest of the file: what is missing at the end follows from it.
  const unterminated = (lexed.groups.comments ?? []).some((t) => t.tokenType === T.UnterminatedComment);

  const parser = gameParser();
  parser.input = tokens;
  let ast: A.SourceFile;
  try {
    const cst = parser.file();
    reportParseErrors(parser.errors, text, tokens, dropped, unterminated, diagnostics);
    const builder = new AstBuilder(text.length);
    ast = builder.file(cst, comments);
    diagnostics.push(...builder.diagnostics);
  } catch (error) {
    // The nesting limits keep recursion bounded; this is the last line of defence.
    if (!(error instanceof RangeError)) throw error;
    parser.reset();
    diagnostics.push({
      code: DiagnosticCode.TooDeeplyNested,
      severity: "error",
      span: { start: 0, end: Math.min(text.length, 1) },
      message: "this file is nested too deeply to parse",
    });
    ast = EMPTY_FILE(text.length);
  }

  if (ast.games.length === 0 && !diagnostics.some((d) => d.severity === "error")) {
    diagnostics.push({
      code: DiagnosticCode.GameCount,
      severity: "error",
      span: { start: 0, end: Math.min(text.length, 1) },
      message:
        text.trim() === ""
          ? "this file is empty: a `.game` file holds one `game Name { ... }`"
          : "this file declares no `game`",
      hint: "start with `game Name { ... }`",
    });
  }
  for (const extra of ast.games.slice(1)) {
    diagnostics.push({
      code: DiagnosticCode.GameCount,
      severity: "error",
      span: extra.name.span,
      message: "a file holds one `game`; this is a second one",
      related: [{ span: ast.games[0].name.span, message: "the first game" }],
    });
  }
  attachDocs(ast, text);
  diagnostics.sort(compareDiagnostics);
  return { ast, tokens, diagnostics };
}

function printable(s: string): string {
  // Control characters are what this escapes.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`).replace(/`/g, "'");
}

/**
 * Removes bracket groups nested deeper than MAX_BRACKET_DEPTH and prefix-operator runs
 * longer than MAX_PREFIX_RUN, reporting each once, so the recursive-descent parser
 * never overflows the stack.
 */
function limitNesting(tokens: IToken[], diagnostics: Diagnostic[]): { tokens: IToken[]; dropped: Span[] } {
  const kept: IToken[] = [];
  const dropped: Span[] = [];
  let depth = 0;
  let prefixRun = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i].tokenType;
    const opens = type === T.LParen || type === T.LBrace || type === T.LBracket;
    const closes = type === T.RParen || type === T.RBrace || type === T.RBracket;
    const prefix = type === T.Minus || type === T.Not || type === T.If;
    prefixRun = prefix ? prefixRun + 1 : 0;
    if ((opens && depth + 1 > MAX_BRACKET_DEPTH) || prefixRun > MAX_PREFIX_RUN) {
      // Skip to the end of the offending group (or run of prefixes).
      let j = i;
      if (opens) {
        let inner = 0;
        for (; j < tokens.length; j++) {
          const t = tokens[j].tokenType;
          if (t === T.LParen || t === T.LBrace || t === T.LBracket) inner++;
          else if (t === T.RParen || t === T.RBrace || t === T.RBracket) inner--;
          if (inner === 0) break;
        }
      } else {
        while (j + 1 < tokens.length && [T.Minus, T.Not, T.If].includes(tokens[j + 1].tokenType)) j++;
        prefixRun = 0;
      }
      const last = tokens[Math.min(j, tokens.length - 1)];
      const region = { start: tokens[i].startOffset, end: tokenSpan(last).end };
      dropped.push(region);
      diagnostics.push({
        code: DiagnosticCode.TooDeeplyNested,
        severity: "error",
        span: tokenSpan(tokens[i]),
        message: opens
          ? `brackets are nested more than ${MAX_BRACKET_DEPTH} levels deep here; the nested part is skipped`
          : `more than ${MAX_PREFIX_RUN} prefix operators in a row; they are skipped`,
        hint: "split the expression or block into smaller pieces",
      });
      i = j;
      continue;
    }
    if (opens) depth++;
    else if (closes) depth = Math.max(0, depth - 1);
    kept.push(tokens[i]);
  }
  return { tokens: kept, dropped };
}

function reportParseErrors(
  errors: IRecognitionException[],
  text: string,
  tokens: IToken[],
  dropped: Span[],
  unterminated: boolean,
  diagnostics: Diagnostic[],
) {
  const seen = new Set<number>();
  const lastEnd = tokens.length > 0 ? tokenSpan(tokens[tokens.length - 1]).end : text.length;
  const unclosed = unclosedBrackets(tokens);
  for (const error of errors) {
    const token = error.token;
    const atEnd = token.tokenType === EOF || Number.isNaN(token.startOffset);
    if (atEnd && unterminated) continue;
    const span = atEnd ? { start: lastEnd, end: lastEnd } : tokenSpan(token);
    if (seen.has(span.start)) continue;
    seen.add(span.start);
    // An error right after a skipped, too-deep region is a consequence of the skip.
    if (dropped.some((d) => span.start >= d.start && span.start <= d.end + 1)) continue;
    let hint: string | undefined;
    if (!atEnd && token.tokenType === T.Identifier) {
      const keyword = closestName(token.image, DECLARATION_KEYWORDS);
      if (keyword) hint = `did you mean \`${keyword}\`?`;
    }
    if (!hint && !atEnd && T.isKeywordToken(token.tokenType) && /expected a name/.test(error.message)) {
      hint = `\`${token.image}\` is a reserved word`;
    }
    // A bracket still open at the end: point at where it opened.
    const opener = atEnd ? unclosed[unclosed.length - 1] : undefined;
    const related = opener
      ? [{ span: tokenSpan(opener), message: `this \`${opener.image}\` is never closed` }]
      : undefined;
    diagnostics.push({
      code: DiagnosticCode.UnexpectedToken,
      severity: "error",
      span,
      message: error.message,
      hint,
      related,
    });
  }
}

/** The opening brackets left unclosed at the end of the tokens, outermost first. */
function unclosedBrackets(tokens: IToken[]): IToken[] {
  const stack: IToken[] = [];
  const pairs = new Map([
    [T.RParen, T.LParen],
    [T.RBrace, T.LBrace],
    [T.RBracket, T.LBracket],
  ]);
  for (const token of tokens) {
    const type = token.tokenType;
    if (type === T.LParen || type === T.LBrace || type === T.LBracket) stack.push(token);
    else if (pairs.has(type)) {
      // Pop to the matching opener; a stray closer is ignored.
      const at = stack.map((t) => t.tokenType).lastIndexOf(pairs.get(type)!);
      if (at >= 0) stack.length = at;
    }
  }
  return stack;
}

/** Whether only spaces and tabs stand between the previous line break and `offset`. */
function startsLine(source: string, offset: number): boolean {
  for (let i = offset - 1; i >= 0; i--) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 13) return true;
    if (c !== 32 && c !== 9) return false;
  }
  return true;
}

/** Attaches the comments directly above a declaration (no blank line between) as its doc. */
function attachDocs(ast: A.SourceFile, source: string) {
  const comments = ast.comments;
  if (comments.length === 0) return;
  const commentText = (c: A.Comment) =>
    c.block
      ? c.text
          .replace(/^\/\*+/, "")
          .replace(/\*+\/$/, "")
          .split(/\r?\n/)
          .map((l) => l.replace(/^\s*\*?\s?/, ""))
          .join("\n")
          .trim()
      : c.text.replace(/^\/\/+\s?/, "");
  const docBefore = (start: number): string | undefined => {
    // The last comment ending at or before `start`.
    let lo = 0;
    let hi = comments.length - 1;
    let index = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (comments[mid].span.end <= start) {
        index = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const lines: string[] = [];
    let boundary = start;
    for (let i = index; i >= 0; i--) {
      const gap = source.slice(comments[i].span.end, boundary);
      // Only whitespace with at most one line break between the comment and what follows.
      if (!/^[ \t]*(\r?\n|\r)?[ \t]*$/.test(gap)) break;
      // A comment trailing code on its line documents that code, not what comes next.
      if (!startsLine(source, comments[i].span.start)) break;
      lines.unshift(commentText(comments[i]));
      boundary = comments[i].span.start;
    }
    return lines.length > 0 ? lines.join("\n") : undefined;
  };
  for (const game of ast.games) {
    game.doc = docBefore(game.span.start);
    for (const item of game.items) {
      if (
        item.kind === "Param" ||
        item.kind === "State" ||
        item.kind === "Role" ||
        item.kind === "Rule" ||
        item.kind === "Metric" ||
        item.kind === "Bot"
      ) {
        item.doc = docBefore(item.span.start);
      }
      if (item.kind === "Role") {
        for (const roleItem of item.items) {
          if (roleItem.kind === "Action" || roleItem.kind === "State") roleItem.doc = docBefore(roleItem.span.start);
        }
      }
    }
  }
}
