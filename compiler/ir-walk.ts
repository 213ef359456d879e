/**
 * The one traversal of the IR: which expressions and statements each node holds. Every
 * pass that needs to visit a tree (analysis facts, the tensor backend's scans) builds on
 * these functions, and every `switch` over IR kinds ends in `assertNever`, so adding a node
 * to `ir.ts` is a type error at each place that must handle it instead of a node silently
 * skipped.
 */
import type { Expr, Stmt } from "./ir.js";

/** For the `default` of an exhaustive switch: the type checker proves it unreachable. */
export function assertNever(value: never, what = "IR node"): never {
  const kind =
    (value as { k?: string; kind?: string } | undefined)?.k ?? (value as { kind?: string } | undefined)?.kind;
  throw new Error(`internal: unhandled ${what} \`${kind ?? String(value)}\``);
}

/** The expressions directly inside `e`, in evaluation order. */
export function exprChildren(e: Expr): Expr[] {
  switch (e.k) {
    case "const":
    case "param":
    case "global":
    case "local":
    case "self":
    case "round":
    case "phase":
    case "rule":
      return [];
    case "agent":
      return [e.agent];
    case "ruleDyn":
      return [e.rule];
    case "unary":
      return [e.x];
    case "binary":
      return [e.a, e.b];
    case "if":
      return [e.c, e.a, e.b];
    case "call":
      return e.args;
    case "random":
      return [...e.keys, ...e.args];
    case "aggregate":
      return [...(e.filter ? [e.filter] : []), ...(e.body ? [e.body] : [])];
    case "size":
      return [e.team];
    case "actionIs":
    case "actionArg":
    case "actionIndex":
      return [e.value];
    case "actionFlat":
      return e.arg ? [e.arg] : [];
    default:
      return assertNever(e, "expression");
  }
}

/** The expressions a statement evaluates itself (not those of nested statements). */
export function stmtExprs(s: Stmt): Expr[] {
  switch (s.k) {
    case "setLocal":
    case "setGlobal":
      return [s.value];
    case "setAgent":
      return [s.agent, s.value];
    case "if":
      return [s.c];
    case "for":
      return s.filter ? [s.filter] : [];
    case "enactDyn":
      return [s.rule];
    case "play":
      return [s.value];
    case "payoff":
      return s.rows.flatMap((row) => row ?? []);
    case "enact":
    case "end":
      return [];
    default:
      return assertNever(s, "statement");
  }
}

/** The statement lists nested in a statement (branches, loop bodies). */
export function stmtBodies(s: Stmt): Stmt[][] {
  switch (s.k) {
    case "if":
      return [s.then, s.else];
    case "for":
      return [s.body];
    case "setLocal":
    case "setGlobal":
    case "setAgent":
    case "enact":
    case "enactDyn":
    case "end":
    case "play":
    case "payoff":
      return [];
    default:
      return assertNever(s, "statement");
  }
}

/** Calls `visit` on every expression inside `e`, `e` included, parents first. */
export function walkExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  for (const child of exprChildren(e)) walkExpr(child, visit);
}

/** Calls `onStmt` on every statement (parents first) and `onExpr` on every expression of a body. */
export function walkStmts(
  stmts: readonly Stmt[],
  onExpr: (e: Expr) => void,
  onStmt: (s: Stmt) => void = () => {},
): void {
  for (const s of stmts) {
    onStmt(s);
    for (const e of stmtExprs(s)) walkExpr(e, onExpr);
    for (const body of stmtBodies(s)) walkStmts(body, onExpr, onStmt);
  }
}

/** Whether `e` or any expression inside it satisfies `test` (stops at the first). */
export function someExpr(e: Expr, test: (e: Expr) => boolean): boolean {
  return test(e) || exprChildren(e).some((child) => someExpr(child, test));
}
