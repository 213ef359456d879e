/**
 * Constant folding: the value an expression has before any episode starts, or why it has
 * none. The checker needs such values for role counts, the horizon, param defaults and
 * ranges, action-argument bounds and training settings, and probes with it for guards that
 * are always false and divisions by a constant zero.
 *
 * Folding knows literals, operators, `if` and the deterministic builtins; it follows the
 * run-time rules where they differ from plain arithmetic (x / 0 and x % 0 are 0, `log` and
 * `sqrt` outside their domain are 0, `%` is floored). What a name stands for is the
 * checker's business: it passes a `FoldName` that resolves params (evaluating their
 * defaults on demand) and reports unknown names.
 */
import type * as A from "../syntax/ast.js";
import type { Span } from "../text.js";
import { BUILTIN_FUNCTIONS } from "./builtins.js";
import { flooredMod, toInt, toReal, type ConstValue } from "./constants.js";

/**
 * A folded value, or where and why folding failed (an empty reason: already reported).
 * `overflow`: the value at `span` is not a finite float32 or not an int32 (E0408/E0409,
 * reported by the checker where the expression is typed).
 */
export type ConstResult = { ok: true; value: ConstValue } | { ok: false; span: Span; reason: string; overflow?: true };

/** A numeric result that overflowed (infinite or NaN) becomes an overflow failure at `span`. */
function finite(result: ConstResult, span: Span): ConstResult {
  if (result.ok && result.value.type !== "bool" && !Number.isFinite(result.value.value))
    return { ok: false, span, reason: "", overflow: true };
  return result;
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Folds an expression to a constant, asking `foldName` for the names it meets. */
export function foldConstant(e: A.Expr, foldName: FoldName): ConstResult {
  return finite(foldNode(e, foldName), e.span);
}

/** What a name folds to; supplied by the checker, which knows the game's names. */
export type FoldName = (ref: A.NameRef) => ConstResult;

function foldNode(e: A.Expr, foldName: FoldName): ConstResult {
  const fail = (reason: string, span = e.span): ConstResult => ({ ok: false, span, reason });
  switch (e.kind) {
    case "Number":
      if (e.isInt && e.value > INT32_MAX) return { ok: false, span: e.span, reason: "", overflow: true };
      return { ok: true, value: e.isInt ? toInt(e.value) : toReal(e.value) };
    case "Bool":
      return { ok: true, value: { type: "bool", value: e.value } };
    case "Paren":
      return foldConstant(e.inner, foldName);
    case "ErrorExpr":
      return fail("");
    case "NameRef":
      return foldName(e);
    case "Unary": {
      const inner = foldConstant(e.operand, foldName);
      if (!inner.ok) return inner;
      const v = inner.value;
      if (e.op === "not")
        return v.type === "bool" ? { ok: true, value: { type: "bool", value: !v.value } } : fail("`not` needs a bool");
      if (v.type === "bool") return fail("`-` needs a number");
      return { ok: true, value: v.type === "int" ? toInt(-v.value) : toReal(-v.value) };
    }
    case "Binary": {
      const left = foldConstant(e.left, foldName);
      if (!left.ok) return left;
      const right = foldConstant(e.right, foldName);
      if (!right.ok) return right;
      return foldBinary(e.op, left.value, right.value, e.span);
    }
    case "IfExpr": {
      const c = foldConstant(e.condition, foldName);
      if (!c.ok) return c;
      if (c.value.type !== "bool") return fail("the condition must be a bool");
      return c.value.value ? foldConstant(e.then, foldName) : foldConstant(e.else, foldName);
    }
    case "Call": {
      const fn = BUILTIN_FUNCTIONS.get(e.callee.text);
      if (!fn || fn.random || fn.name === "size") return fail(`\`${e.callee.text}(...)\` is not a constant`);
      const args: number[] = [];
      let allInt = true;
      for (const a of e.args) {
        const r = foldConstant(a, foldName);
        if (!r.ok) return r;
        if (r.value.type === "bool") return fail(`\`${fn.name}\` needs numbers`);
        allInt &&= r.value.type === "int";
        args.push(r.value.value);
      }
      if (args.length < fn.minArgs || args.length > fn.maxArgs)
        return fail(
          `\`${fn.signature}\` takes ${fn.minArgs === fn.maxArgs ? fn.minArgs : `${fn.minArgs} or more`} arguments`,
        );
      const num = (v: number, int: boolean): ConstResult => ({ ok: true, value: int ? toInt(v) : toReal(v) });
      switch (fn.name) {
        case "min":
          return num(Math.min(...args), allInt);
        case "max":
          return num(Math.max(...args), allInt);
        case "abs":
          return num(Math.abs(args[0]), allInt);
        case "floor":
          return num(Math.floor(args[0]), true);
        case "clamp":
          return num(Math.min(Math.max(args[0], args[1]), args[2]), allInt);
        case "exp":
          return num(Math.exp(args[0]), false);
        case "log":
          return num(args[0] > 0 ? Math.log(args[0]) : 0, false);
        case "sqrt":
          return num(args[0] >= 0 ? Math.sqrt(args[0]) : 0, false);
      }
      return fail(`\`${fn.name}\` is not a constant`);
    }
    case "Round":
      return fail("`round` changes during the episode");
    case "Phase":
      return fail("`phase` changes during the episode");
    case "Self":
      return fail("`self` is an agent, not a constant");
    default:
      return fail("it depends on the state of the game");
  }
}

function foldBinary(op: A.BinaryOp, a: ConstValue, b: ConstValue, span: Span): ConstResult {
  const fail = (reason: string): ConstResult => ({ ok: false, span, reason });
  if (op === "and" || op === "or") {
    if (a.type !== "bool" || b.type !== "bool") return fail(`\`${op}\` needs bools`);
    return { ok: true, value: { type: "bool", value: op === "and" ? a.value && b.value : a.value || b.value } };
  }
  if (op === "==" || op === "!=") {
    const equal = a.value === b.value;
    return { ok: true, value: { type: "bool", value: op === "==" ? equal : !equal } };
  }
  if (a.type === "bool" || b.type === "bool") return fail(`\`${op}\` needs numbers`);
  const x = a.value;
  const y = b.value;
  const int = a.type === "int" && b.type === "int";
  const num = (v: number, isInt = int): ConstResult => ({ ok: true, value: isInt ? toInt(v) : toReal(v) });
  switch (op) {
    case "+":
      return num(x + y);
    case "-":
      return num(x - y);
    case "*":
      return num(x * y);
    case "/":
      return num(y === 0 ? 0 : x / y, false);
    case "%":
      return num(flooredMod(x, y));
    case "<":
      return { ok: true, value: { type: "bool", value: x < y } };
    case "<=":
      return { ok: true, value: { type: "bool", value: x <= y } };
    case ">":
      return { ok: true, value: { type: "bool", value: x > y } };
    case ">=":
      return { ok: true, value: { type: "bool", value: x >= y } };
  }
  return fail(`unsupported operator \`${op}\``);
}
