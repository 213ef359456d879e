import type * as A from "../syntax/ast.js";
import type { Range } from "../text.js";
import { walk } from "./syntax-lookup.js";
import type { GameDocument } from "./document.js";
import type { InlayHint } from "./types.js";

/** The inferred type after each `let` written without one: `let pot = 0` shows `let pot: int = 0`. */
export function getInlayHints(doc: GameDocument, range?: Range): InlayHint[] {
  const model = doc.model;
  const game = doc.parsed.ast.game;
  if (!model || !game) return [];
  const span = range ? doc.spanOf(range) : { start: 0, end: doc.text.length };
  const hints: InlayHint[] = [];
  walk(game, (node) => {
    const stmt = node as A.LetStmt;
    if (stmt.kind !== "Let" || stmt.type || stmt.name.text === "") return;
    if (stmt.name.span.end < span.start || stmt.name.span.end > span.end) return;
    const type = model.letTypes.get(stmt);
    if (!type || type.kind === "error") return;
    // What an annotation would say: a built-in type, or the role of an agent.
    const written =
      type.kind === "agent"
        ? type.role
        : type.kind === "action"
          ? undefined
          : type.kind === "phase"
            ? undefined
            : type.kind;
    const label = `: ${written ?? (type.kind === "action" ? `action of ${type.role ?? "any role"}` : type.kind)}`;
    const position = doc.positionAt(stmt.name.span.end);
    hints.push({
      position,
      label,
      kind: "type",
      textEdits: written ? [{ range: { start: position, end: position }, newText: `: ${written}` }] : undefined,
      tooltip: "inferred type",
    });
  });
  return hints;
}
