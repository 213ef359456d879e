import { imod, rdiv, rlog, rmod, rsqrt } from "./scalar-ops.js";
import { DiagnosticCode, type Diagnostic } from "../diagnostics.js";
import type * as A from "../syntax/ast.js";
import type { Span } from "../text.js";
import { Q } from "../util/rational.js";
import type { GameModel } from "./model.js";

/**
 * The values a scenario's constant expressions stand for, computed twice: exactly, as
 * rationals from the literals as written (`1/3` is one third), and as the run time
 * computes them (float32 reals, int32 ints, one rounding per operation). Analysis reads
 * payoff tables exactly; where the two differ in a way that changes the game, `check`
 * warns (W0009).
 */

export type ExactScalar = Q | boolean;

export interface ValuePair {
  t: "int" | "real" | "bool";
  /** The exact value; undefined when the expression has none (`sqrt(2)`), with `inexact` saying why. */
  exact?: ExactScalar;
  inexact?: string;
  /** The run-time value. */
  runtime: number | boolean;
}

export type Evaluated = ({ ok: true } & ValuePair) | { ok: false; reason: string };

/** Values for ranged params, pinned (a sweep's point); others take their defaults. */
export type ParamPins = Readonly<Record<string, number | boolean>>;

export class ExactEvaluator {
  private readonly params = new Map<string, Evaluated>();
  private readonly evaluating = new Set<string>();

  constructor(
    private readonly model: GameModel,
    private readonly pins: ParamPins = {},
  ) {}

  param(name: string): Evaluated {
    const cached = this.params.get(name);
    if (cached) return cached;
    const info = this.model.params.get(name);
    if (!info) return { ok: false, reason: `\`${name}\` is not a param` };
    if (this.evaluating.has(name)) return { ok: false, reason: `\`${name}\` depends on itself` };
    this.evaluating.add(name);
    let result: Evaluated;
    const pinned = this.pins[name];
    if (info.setBy.length > 0)
      result = { ok: false, reason: `param \`${name}\` is changed by rule \`${info.setBy[0].decl.name.text}\`` };
    else if (pinned !== undefined) result = fromNumber(info.type, pinned, "");
    else if (info.overridden && info.value) result = fromNumber(info.type, info.value.value, "");
    else {
      const v = this.eval(info.decl.value);
      // An int default of a real param widens, as the checker does.
      result =
        v.ok && info.type === "real" && v.t === "int"
          ? { ...v, t: "real", runtime: Math.fround(v.runtime as number) }
          : v;
    }
    this.evaluating.delete(name);
    this.params.set(name, result);
    return result;
  }

  eval(e: A.Expr): Evaluated {
    const fail = (reason: string): Evaluated => ({ ok: false, reason });
    switch (e.kind) {
      case "Number": {
        let exact: Q;
        try {
          exact = Q.parse(e.text.replace(/_/g, ""));
        } catch {
          exact = Q.fromFloat64(e.value);
        }
        return e.isInt
          ? { ok: true, t: "int", exact, runtime: e.value | 0 }
          : { ok: true, t: "real", exact, runtime: Math.fround(e.value) };
      }
      case "Bool":
        return { ok: true, t: "bool", exact: e.value, runtime: e.value };
      case "Paren":
        return this.eval(e.inner);
      case "NameRef": {
        const symbol = this.model.resolved.get(e) ?? this.model.resolved.get(e.name);
        if (symbol?.kind !== "param")
          return fail(`\`${e.name.text}\` is ${symbol ? `a ${symbol.kind}` : "unknown"}, read at run time`);
        return this.param(e.name.text);
      }
      case "Unary": {
        const x = this.eval(e.operand);
        if (!x.ok) return x;
        if (e.op === "not") return { ...x, exact: x.exact === undefined ? undefined : !x.exact, runtime: !x.runtime };
        const exact = x.exact instanceof Q ? x.exact.neg() : undefined;
        return {
          ...x,
          exact,
          runtime: x.t === "int" ? -(x.runtime as number) | 0 : Math.fround(-(x.runtime as number)),
        };
      }
      case "Binary":
        return this.binary(e);
      case "IfExpr": {
        const c = this.eval(e.condition);
        if (!c.ok) return c;
        const a = this.eval(e.then);
        if (!a.ok) return a;
        const b = this.eval(e.else);
        if (!b.ok) return b;
        const t = a.t === "real" || b.t === "real" ? "real" : a.t;
        const widen = (v: ValuePair) => (t === "real" && v.t === "int" ? Math.fround(v.runtime as number) : v.runtime);
        const exactSide = c.exact === undefined ? undefined : c.exact ? a : b;
        return {
          ok: true,
          t,
          exact: exactSide?.exact,
          inexact: c.exact === undefined ? c.inexact : exactSide?.inexact,
          runtime: c.runtime ? widen(a) : widen(b),
        };
      }
      case "Call":
        return this.call(e);
      case "Round":
        return fail("`round` changes during the episode");
      case "Phase":
        return fail("`phase` changes during the episode");
      case "Self":
        return fail("`self` is an agent");
      default:
        return fail("it reads the state of the game");
    }
  }

  private binary(e: A.BinaryExpr): Evaluated {
    const a = this.eval(e.left);
    if (!a.ok) return a;
    const b = this.eval(e.right);
    if (!b.ok) return b;
    const inexact = a.inexact ?? b.inexact;
    const both = a.exact !== undefined && b.exact !== undefined;
    const bool = (exact: boolean | undefined, runtime: boolean): Evaluated => ({
      ok: true,
      t: "bool",
      exact,
      inexact,
      runtime,
    });
    if (e.op === "and" || e.op === "or") {
      const f = (x: boolean, y: boolean) => (e.op === "and" ? x && y : x || y);
      return bool(
        both ? f(a.exact as boolean, b.exact as boolean) : undefined,
        f(a.runtime as boolean, b.runtime as boolean),
      );
    }
    if (a.t === "bool" || b.t === "bool") {
      if (e.op === "==" || e.op === "!=")
        return bool(
          both ? (a.exact === b.exact) === (e.op === "==") : undefined,
          (a.runtime === b.runtime) === (e.op === "=="),
        );
      return { ok: false, reason: `\`${e.op}\` needs numbers` };
    }
    const int = a.t === "int" && b.t === "int" && e.op !== "/";
    // Run time: ints stay int32; otherwise both sides are float32 first.
    const ra = int ? (a.runtime as number) : Math.fround(a.runtime as number);
    const rb = int ? (b.runtime as number) : Math.fround(b.runtime as number);
    const qa = a.exact as Q | undefined;
    const qb = b.exact as Q | undefined;
    const cmp = both ? qa!.cmp(qb!) : 0;
    switch (e.op) {
      case "==":
        return bool(both ? cmp === 0 : undefined, ra === rb);
      case "!=":
        return bool(both ? cmp !== 0 : undefined, ra !== rb);
      case "<":
        return bool(both ? cmp < 0 : undefined, ra < rb);
      case "<=":
        return bool(both ? cmp <= 0 : undefined, ra <= rb);
      case ">":
        return bool(both ? cmp > 0 : undefined, ra > rb);
      case ">=":
        return bool(both ? cmp >= 0 : undefined, ra >= rb);
      default:
        // Arithmetic, below.
        break;
    }
    const t = int ? "int" : "real";
    const num = (exact: Q | undefined, runtime: number): Evaluated => ({ ok: true, t, exact, inexact, runtime });
    switch (e.op) {
      case "+":
        return num(both ? qa!.add(qb!) : undefined, int ? (ra + rb) | 0 : Math.fround(ra + rb));
      case "-":
        return num(both ? qa!.sub(qb!) : undefined, int ? (ra - rb) | 0 : Math.fround(ra - rb));
      case "*":
        return num(both ? qa!.mul(qb!) : undefined, int ? Math.imul(ra, rb) : Math.fround(ra * rb));
      case "/":
        return num(both ? (qb!.isZero() ? Q.ZERO : qa!.div(qb!)) : undefined, rdiv(ra, rb));
      case "%":
        return num(
          both ? (qb!.isZero() ? Q.ZERO : qa!.sub(qb!.mul(Q.of(qa!.div(qb!).floor())))) : undefined,
          int ? imod(ra, rb) : rmod(ra, rb),
        );
    }
    return { ok: false, reason: `unsupported operator \`${e.op}\`` };
  }

  private call(e: A.CallExpr): Evaluated {
    const name = e.callee.text;
    const args: ValuePair[] = [];
    for (const a of e.args) {
      const v = this.eval(a);
      if (!v.ok) return v;
      if (v.t === "bool") return { ok: false, reason: `\`${name}\` needs numbers` };
      args.push(v);
    }
    const allInt = args.every((a) => a.t === "int");
    const t = allInt && name !== "exp" && name !== "log" && name !== "sqrt" ? "int" : name === "floor" ? "int" : "real";
    const qs = args.map((a) => a.exact as Q | undefined);
    const exactArgs = qs.every((q) => q !== undefined);
    const inexact = args.find((a) => a.inexact)?.inexact;
    const rt = args.map((a) => a.runtime as number);
    const store = (v: number) => (t === "int" ? v | 0 : Math.fround(v));
    const result = (exact: Q | undefined, runtime: number, why = inexact): Evaluated => ({
      ok: true,
      t,
      exact: exactArgs ? exact : undefined,
      inexact: exactArgs && exact ? undefined : why,
      runtime,
    });
    const pick = (better: (x: Q, y: Q) => boolean) =>
      exactArgs ? (qs as Q[]).reduce((x, y) => (better(y, x) ? y : x)) : undefined;
    switch (name) {
      case "min":
        return result(
          pick((y, x) => y.cmp(x) < 0),
          store(Math.min(...rt)),
        );
      case "max":
        return result(
          pick((y, x) => y.cmp(x) > 0),
          store(Math.max(...rt)),
        );
      case "abs":
        return result(exactArgs && qs[0]!.sign() < 0 ? qs[0]!.neg() : qs[0], store(Math.abs(rt[0])));
      case "floor":
        return result(exactArgs ? Q.of(qs[0]!.floor()) : undefined, Math.floor(rt[0]) | 0);
      case "clamp": {
        if (!exactArgs) return result(undefined, store(Math.min(Math.max(rt[0], rt[1]), rt[2])));
        const [x, lo, hi] = qs as Q[];
        const low = x.cmp(lo) < 0 ? lo : x;
        return result(low.cmp(hi) > 0 ? hi : low, store(Math.min(Math.max(rt[0], rt[1]), rt[2])));
      }
      case "exp":
        return result(undefined, Math.fround(Math.exp(rt[0])), `\`exp(...)\` has no exact rational value`);
      case "log":
        return result(undefined, rlog(rt[0]), `\`log(...)\` has no exact rational value`);
      case "sqrt":
        return result(undefined, rsqrt(rt[0]), `\`sqrt(...)\` has no exact rational value`);
    }
    return { ok: false, reason: `\`${name}(...)\` is computed at run time` };
  }
}

function fromNumber(type: "int" | "real" | "bool", v: number | boolean, inexact: string): Evaluated {
  if (typeof v === "boolean") return { ok: true, t: "bool", exact: v, runtime: v };
  if (type === "int") return { ok: true, t: "int", exact: Q.fromFloat64(Math.trunc(v)), runtime: Math.trunc(v) };
  // A real given as a number (--set, a sweep point): the shortest decimal that reads as it.
  return { ok: true, t: "real", exact: Q.fromFloat64(v), runtime: Math.fround(v), ...(inexact ? { inexact } : {}) };
}

/** One entry of a payoff table: agent `agent`'s payoff in row `row` (AST order). */
export interface PayoffEntry {
  row: number;
  agent: number;
  span: Span;
  /** The exact payoff; undefined with `reason` when it has none or is computed at run time. */
  exact?: Q;
  reason?: string;
  /** The float32 value paid at run time; undefined when it depends on the state of the game. */
  runtime?: number;
}

/** The payoff table's entries, exactly and as the run time pays them (rewards are float32). */
export function payoffTableValues(model: GameModel, pins: ParamPins = {}): PayoffEntry[] {
  if (!model.payoff) return [];
  const evaluator = new ExactEvaluator(model, pins);
  const out: PayoffEntry[] = [];
  model.payoff.rows.forEach((row, r) => {
    row.rewards.forEach((expr, agent) => {
      const v = evaluator.eval(expr);
      if (!v.ok) out.push({ row: r, agent, span: expr.span, reason: v.reason });
      else {
        const runtime = Math.fround(Number(v.runtime));
        out.push({
          row: r,
          agent,
          span: expr.span,
          exact: v.exact as Q | undefined,
          reason: v.exact === undefined ? v.inexact : undefined,
          runtime,
        });
      }
    });
  });
  return out;
}

/** Agent names in payoff-row order: `role` or `role#i` for every agent of every role. */
export function payoffAgentNames(model: GameModel): string[] {
  return model.roles.flatMap((r) =>
    Array.from({ length: r.count ?? 0 }, (_, i) => (r.count === 1 ? r.name : `${r.name}#${i}`)),
  );
}

/**
 * W0009: where the float32 values paid at run time order an agent's payoffs differently from
 * the exact values written (two different payoffs become equal, equal ones differ, or the
 * order flips), or a payoff is beyond float32's range. Such a game is not the one written:
 * its equilibria, dominance and best responses can differ. At most `limit` warnings.
 */
export function payoffPrecisionDiagnostics(model: GameModel, limit = 5): Diagnostic[] {
  let entries: PayoffEntry[];
  try {
    entries = payoffTableValues(model);
  } catch {
    // Values no rational holds (an infinite constant): nothing to compare.
    return [];
  }
  const names = payoffAgentNames(model);
  const out: Diagnostic[] = [];
  const text = (q: Q) => q.toDecimalString();
  const warn = (span: Span, message: string, related?: { span: Span; message: string }) =>
    out.push({
      code: DiagnosticCode.PayoffPrecision,
      severity: "warning",
      span,
      message,
      hint: "payoffs are float32 at run time; rescale them (for example to small integers or multiples of a power of two) so that they stay distinct",
      related: related ? [related] : undefined,
    });
  const agents = new Set(entries.map((e) => e.agent));
  for (const agent of agents) {
    const exact = entries.filter(
      (e): e is PayoffEntry & { exact: Q; runtime: number } =>
        e.agent === agent && e.exact !== undefined && e.runtime !== undefined,
    );
    for (const e of exact) {
      if (!Number.isFinite(e.runtime) && out.length < limit)
        warn(
          e.span,
          `the payoff ${text(e.exact)} of \`${names[agent] ?? `agent ${agent}`}\` is beyond the range of float32 and is paid as ${e.runtime}`,
        );
    }
    const sorted = exact.filter((e) => Number.isFinite(e.runtime)).sort((a, b) => a.exact.cmp(b.exact));
    for (let i = 1; i < sorted.length && out.length < limit; i++) {
      const [x, y] = [sorted[i - 1], sorted[i]];
      const c = x.exact.cmp(y.exact);
      const who = `\`${names[agent] ?? `agent ${agent}`}\``;
      if (c < 0 && x.runtime >= y.runtime) {
        warn(
          y.span,
          x.runtime === y.runtime
            ? `the payoffs ${text(x.exact)} and ${text(y.exact)} of ${who} differ, but at run time both are paid as the float32 ${y.runtime}: the environment plays a different game than the table says`
            : `the payoffs ${text(x.exact)} < ${text(y.exact)} of ${who} are paid in the opposite order at run time (${x.runtime} and ${y.runtime} in float32)`,
          { span: x.span, message: `the other payoff, ${text(x.exact)}` },
        );
      } else if (c === 0 && x.runtime !== y.runtime) {
        warn(
          y.span,
          `the payoffs of ${who} here and at the related location are both ${text(x.exact)}, but at run time they are paid as different float32 values (${y.runtime} and ${x.runtime})`,
          {
            span: x.span,
            message: `the same payoff, ${text(x.exact)}`,
          },
        );
      }
    }
  }
  return out;
}
