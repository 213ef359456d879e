import * as T from "../syntax/tokens.js";
import type { GameDocument } from "./document.js";
import type { FoldingRange } from "./types.js";

/**
 * Folding ranges from the brackets (so they work on broken text too), multi-line block
 * comments, and runs of line comments. A range ends on the line before its closing bracket,
 * which stays visible.
 */
export function getFoldingRanges(doc: GameDocument): FoldingRange[] {
  const ranges: FoldingRange[] = [];
  const lineOf = (offset: number) => doc.positionAt(offset).line;
  const stack: { type: typeof T.LBrace; line: number }[] = [];
  const closers = new Map([
    [T.RBrace, T.LBrace],
    [T.RParen, T.LParen],
    [T.RBracket, T.LBracket],
  ]);
  for (const token of doc.parsed.tokens) {
    const type = token.tokenType;
    if (type === T.LBrace || type === T.LParen || type === T.LBracket)
      stack.push({ type, line: lineOf(token.startOffset) });
    else if (closers.has(type)) {
      const at = stack.map((s) => s.type).lastIndexOf(closers.get(type)!);
      if (at < 0) continue;
      const open = stack[at];
      stack.length = at;
      const endLine = lineOf(token.startOffset) - 1;
      if (endLine > open.line) ranges.push({ startLine: open.line, endLine });
    }
  }
  // A bracket never closed folds to the end of the file.
  const lastLine = doc.lines.lineCount - 1;
  for (const open of stack) if (lastLine > open.line) ranges.push({ startLine: open.line, endLine: lastLine });

  let run: { start: number; end: number } | undefined;
  const flush = () => {
    if (run && run.end > run.start) ranges.push({ startLine: run.start, endLine: run.end, kind: "comment" });
    run = undefined;
  };
  for (const comment of doc.parsed.ast.comments) {
    const start = lineOf(comment.span.start);
    const end = lineOf(comment.span.end);
    if (comment.block) {
      flush();
      if (end > start) ranges.push({ startLine: start, endLine: end, kind: "comment" });
      continue;
    }
    // Line comments on consecutive lines, each alone on its line, fold together.
    const alone = doc.lines.lineText(start).trimStart().startsWith("//");
    if (alone && run && start === run.end + 1) run.end = start;
    else {
      flush();
      if (alone) run = { start, end: start };
    }
  }
  flush();
  return ranges.sort((a, b) => a.startLine - b.startLine || a.endLine - b.endLine);
}
