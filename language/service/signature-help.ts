import { AGGREGATES, BUILTIN_FUNCTIONS } from "../semantic/builtins.js";
import * as T from "../syntax/tokens.js";
import type { Position } from "../text.js";
import { commentAt, isWordToken, tokenIndexBefore } from "./syntax-lookup.js";
import type { GameDocument } from "./document.js";
import { actionSignature } from "./hover.js";
import type { ParameterInformation, SignatureHelp, SignatureInformation } from "./types.js";

/**
 * Signature help inside the parentheses of a built-in function, an aggregate, `last` or
 * an action with an argument. The active parameter is counted from the commas (for an
 * aggregate: from `where` and `:`) at the call's own nesting level.
 */
export function getSignatureHelp(doc: GameDocument, position: Position): SignatureHelp | null {
  const offset = doc.offsetAt(position);
  if (commentAt(doc.parsed.ast, offset)) return null;
  const tokens = doc.parsed.tokens;
  const last = tokenIndexBefore(tokens, offset);
  // The innermost `(` still open at the cursor.
  let depth = 0;
  let open = -1;
  for (let i = last; i >= 0; i--) {
    const type = tokens[i].tokenType;
    if (type === T.RParen) {
      // A `)` ending right at the cursor closes the call: no help after it.
      depth++;
    } else if (type === T.LParen) {
      if (depth === 0) {
        open = i;
        break;
      }
      depth--;
    } else if (type === T.LBrace || type === T.RBrace) break;
  }
  if (open < 1 || !isWordToken(tokens[open - 1])) return null;
  const callee = tokens[open - 1].image;
  // What is written between `(` and the cursor, at the call's own level.
  let commas = 0;
  let sawWhere = false;
  let sawColon = false;
  depth = 0;
  for (let i = open + 1; i <= last; i++) {
    const type = tokens[i].tokenType;
    if (type === T.LParen || type === T.LBracket) depth++;
    else if (type === T.RParen || type === T.RBracket) depth--;
    else if (depth === 0 && type === T.Comma) commas++;
    else if (depth === 0 && type === T.Where) sawWhere = true;
    else if (depth === 0 && type === T.Colon) sawColon = true;
  }
  const isAggregate = tokens[open + 2]?.tokenType === T.In && AGGREGATES.has(callee);
  if (isAggregate) {
    const agg = AGGREGATES.get(callee)!;
    const parts = agg.takesBody ? ["a in role", "where c", "e"] : ["a in role", "where c"];
    const active = sawColon && agg.takesBody ? 2 : sawWhere ? 1 : 0;
    return single(agg.signature, agg.doc, parts, active);
  }
  const fn = BUILTIN_FUNCTIONS.get(callee);
  if (fn) {
    const inner = fn.signature.slice(fn.signature.indexOf("(") + 1, fn.signature.lastIndexOf(")"));
    const params = inner === "" ? [] : inner.split(", ");
    const active = params.length === 0 ? 0 : Math.min(commas, params.length - 1);
    const signature = single(fn.signature, fn.doc, params, active);
    if (AGGREGATES.has(callee) && commas === 0) {
      // `min(` / `max(` may still become an aggregate.
      const agg = AGGREGATES.get(callee)!;
      signature.signatures.push(build(agg.signature, agg.doc, ["a in role", "where c", "e"]));
    }
    return signature;
  }
  if (AGGREGATES.has(callee)) {
    const agg = AGGREGATES.get(callee)!;
    return single(agg.signature, agg.doc, agg.takesBody ? ["a in role", "where c", "e"] : ["a in role", "where c"], 0);
  }
  if (callee === "last")
    return single(
      "last(a.action)",
      "The agent's most recent action before this round (none in round 0).",
      ["a.action"],
      0,
    );
  const action = doc.model?.roles.flatMap((r) => r.actions).find((a) => a.symbol.name === callee && a.argument);
  if (action) {
    const label = actionSignature(action);
    const param = label.slice(label.indexOf("(") + 1, label.length - 1);
    return single(
      label,
      `Action of \`${action.role}\`${action.symbol.doc ? `: ${action.symbol.doc}` : ""}`,
      [param],
      0,
    );
  }
  return null;
}

function build(label: string, documentation: string, params: string[]): SignatureInformation {
  const parameters: ParameterInformation[] = [];
  let from = label.indexOf("(") + 1;
  for (const p of params) {
    const at = label.indexOf(p, from);
    if (at < 0) continue;
    parameters.push({ label: [at, at + p.length] });
    from = at + p.length;
  }
  return { label, documentation, parameters };
}

function single(label: string, documentation: string, params: string[], active: number): SignatureHelp {
  return { signatures: [build(label, documentation, params)], activeSignature: 0, activeParameter: active };
}
