import {
  HORIZON_SITE,
  PARAM_SITE_BASE,
  type AgentField,
  type AssignOp,
  type Domain,
  type Expr,
  type IRGame,
  type Scalar,
  type Stmt,
} from "../ir.js";
import { imod, rdiv, rlog, rmod, rsqrt } from "../../language/semantic/scalar-ops.js";
import { assertNever, exprChildren } from "../ir-walk.js";
import { forIsVectorizable, initIsVectorizable } from "../vectorize.js";

/**
 * The tensor kernel generator: turns the IR into straight-line TensorFlow.js code, batched
 * over the E copies, specialised to the scenario.
 *
 * How the IR maps to tensors:
 *   - A per-copy value (param, rule, global, round, phase, local) is an `[E]` tensor; a
 *     per-agent field is a `[count, E]` tensor. Values known when generating (constants,
 *     unrolled loop variables, a static phase) stay numbers and are folded with the
 *     interpreter's own arithmetic.
 *   - Values carry named axes before the copy axis, newest first: the tensor is
 *     `[...sizes of its axes, E]`. Aggregates (`sum(a in R: ...)`, `count`, `size`, ...)
 *     and `self` in observations, masks, objectives, bots and initial values are
 *     vectorized: their variable is an index along a new axis, an agent field read through
 *     it is the whole `[count, E]` field seen along that axis, and the aggregate reduces
 *     that axis (always dim 0, being the newest). Values that do not depend on the state
 *     are constants, computed once when an environment is created (the "pool").
 *   - The copy axis is last (structure of arrays) because it makes the common operations
 *     the cheap ones on every backend: an agent's column is a contiguous row, fields are
 *     stacked along dim 0, and operands broadcast as suffixes of each other.
 *   - Statements are predicated: an `if` runs both branches under masks, and every
 *     assignment is `where(mask, new, old)`; `for` loops over agents or teams are unrolled
 *     (statements are sequential: a later iteration sees what an earlier one wrote); `end`
 *     sets a per-copy flag under the mask; a bot's `play` records the action under the mask
 *     and clears an "alive" mask, so later `play`s cannot override it.
 *   - An agent whose index is static (an unrolled loop variable) is a row of its field;
 *     rows are sliced lazily and stacked back only when the whole field is needed. An
 *     agent whose index is a run-time value (a `punish(t)` target) is read with a one-hot
 *     selection and written under a one-hot mask.
 *   - Steps run per copy in the copy's own phase: a kernel variant for "every copy in phase
 *     p" (the phase is then a constant) and one for mixed phases, which runs every phase's
 *     step under the mask `phase == p`.
 *   - Random draws are computed on the host (see runtime.ts); a kernel function lists the
 *     (site, keys) pairs it needs and receives one tensor for each.
 *   - Outputs (observation features, mask entries, rewards, metrics, a bot's choices) are
 *     separate tensors the host writes into the result buffers; features and mask entries
 *     that are constant are written by the host without any tensor.
 *
 * Arithmetic follows the interpreter bit for bit where tfjs allows: reals are float32
 * tensors (each op rounds), ints int32 (add/sub wrap; multiplication goes through a helper
 * that is exact on every backend), `x / 0` and `x % 0` are 0 (a `where`), `%` is floored
 * (`tf.mod`), `log`/`sqrt` outside their domain are 0, real sums add in index order.
 * A few tfjs kernels are avoided because some backend gets them wrong (noted where).
 */

type DType = "float32" | "int32" | "bool";
const DTYPE: Record<Scalar, DType> = { real: "float32", int: "int32", bool: "bool" };

export interface Val {
  t: Scalar;
  /** A value known when generating: no tensor. */
  s?: number;
  /** Otherwise the tensor: a name in the generated code, of shape `[...sizes of axes, E]`. */
  v?: string;
  /** Named axes before the copy axis, newest (highest id) first. */
  axes: number[];
  /** Whether the value changes with the state (else a pool constant). */
  e: boolean;
  /** The value is `lo + index` along `axis` (a vectorized loop, aggregate, self or argument variable). */
  iota?: { axis: number; lo: number };
  /**
   * A large constant kept narrow: `[...sizes, 1]`, broadcast against the copies when used
   * (a constant is otherwise materialized for all copies, so that ops broadcast as suffixes).
   */
  n?: boolean;
}

/** Constants with more elements per copy than this are kept narrow (see Val.n). */
const NARROW_ABOVE = 256;

export interface DrawReq {
  site: number;
  /** Static keys, or the index (plus `lo`) along dim `d` of the draw tensor. */
  keys: (number | { d: number; lo: number })[];
  /** Sizes of the dims before the copy axis. */
  sizes: number[];
  /** `u`: a unit draw (float32); `bern`: `u < a` (bool); `rint`: `rint(u, a, b)` (int32). */
  kind: "u" | "bern" | "rint";
  a?: number;
  b?: number;
}

/**
 * An output of a kernel function, for the host to write into the result buffers: the
 * tensor `key` (absent when the value is the constant `value`). `rows`: whether the tensor
 * has the agents' dim, `cols`: whether it has the argument values' dim: the tensor is
 * `[flatCount (cols), count (rows), E]`.
 */
export type OutDesc =
  | { k: "obs"; role: number; offset: number; width: number; hot: boolean; rows: boolean; key?: string; value?: number }
  | {
      k: "mask";
      role: number;
      start: number;
      width: number;
      cols: boolean;
      rows: boolean;
      key?: string;
      value?: number;
    }
  | { k: "rew" | "obj"; role: number; key: string }
  | { k: "metric" | "rule"; index: number; key?: string; value?: number }
  | { k: "done"; key: string }
  | { k: "play"; rows: boolean; key?: string; value?: number };

const TRUE: Val = { t: "bool", s: 1, axes: [], e: false };
const FALSE: Val = { t: "bool", s: 0, axes: [], e: false };

function stat(t: Scalar, s: number): Val {
  return { t, s, axes: [], e: false };
}

function isStatic(v: Val): v is Val & { s: number } {
  return v.s !== undefined;
}

function isTrue(v: Val): boolean {
  return v.s !== undefined && v.s !== 0;
}

function isFalse(v: Val): boolean {
  return v.s !== undefined && v.s === 0;
}

function sameAxes(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Whether `a` is a suffix of `b`: then `[...a, E]` broadcasts against `[...b, E]` natively. */
function isSuffix(a: number[], b: number[]): boolean {
  return a.length <= b.length && a.every((x, i) => x === b[b.length - a.length + i]);
}

function sameVal(a: Val, b: Val): boolean {
  if (isStatic(a) || isStatic(b)) return isStatic(a) && isStatic(b) && a.t === b.t && Object.is(a.s, b.s);
  return a.v === b.v && sameAxes(a.axes, b.axes);
}

/** A value of storage type `t`, as the interpreter stores it. */
function store(t: Scalar, v: number): number {
  if (t === "real") return Math.fround(v);
  if (t === "int") return v | 0;
  return v ? 1 : 0;
}

function literal(t: Scalar, v: number): string {
  if (t === "bool") return v ? "true" : "false";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

/** The union of axis lists, newest first. */
function union(lists: number[][]): number[] {
  const set = new Set<number>();
  for (const l of lists) for (const a of l) set.add(a);
  return [...set].sort((a, b) => b - a);
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;

/** The per-agent fields of a role, as state keys. */
type FieldKind = "rew" | "tot" | "team" | "act" | "last" | "ract" | `s${number}`;

function fieldKind(
  field: AgentField | { kind: "state"; index: number } | { kind: "reward" } | { kind: "team" },
): FieldKind {
  switch (field.kind) {
    case "state":
      return `s${field.index}`;
    case "reward":
      return "rew";
    case "total":
      return "tot";
    case "team":
      return "team";
    case "action":
      return "act";
    case "last":
      return "last";
  }
}

/** A per-agent field while generating: its `[count, E]` value, and rows written since. */
class FieldBinding {
  rows: (Val | undefined)[];
  dirty = false;
  constructor(
    readonly key: string,
    public base: Val,
    readonly count: number,
    readonly t: Scalar,
    readonly axis: number,
  ) {
    this.rows = new Array<Val | undefined>(count);
  }
}

/** Shared by every generated function: constants and axes. */
export class Gen {
  readonly pool: string[] = [];
  readonly poolNames: string[] = [];
  private readonly poolCache = new Map<string, string>();
  readonly axisSize: number[] = [];
  /** The axis of each role's agents (also `self` when vectorized). */
  readonly roleAxis: number[];
  readonly functions: { name: string; code: string; draws: DrawReq[]; outs: OutDesc[] }[] = [];

  constructor(readonly ir: IRGame) {
    this.roleAxis = ir.roles.map((r) => this.newAxis(r.count));
  }

  newAxis(n: number): number {
    this.axisSize.push(n);
    return this.axisSize.length - 1;
  }

  shape(axes: number[], narrow = false): string {
    return `[${[...axes.map((a) => String(this.axisSize[a])), narrow ? "1" : "E"].join(", ")}]`;
  }

  /** Whether a constant over these axes is kept narrow. */
  narrow(axes: number[]): boolean {
    return axes.reduce((n, a) => n * this.axisSize[a], 1) > NARROW_ABOVE;
  }

  constant(code: string): string {
    let name = this.poolCache.get(code);
    if (!name) {
      name = `K${this.pool.length}`;
      this.pool.push(`const ${name} = ${code};`);
      this.poolNames.push(name);
      this.poolCache.set(code, name);
    }
    return name;
  }

  /** A rank-0 constant (broadcasts against anything). */
  scalar(t: Scalar, v: number): string {
    if (Number.isNaN(v)) return this.constant(`tf.scalar(NaN, "float32")`);
    return this.constant(`tf.scalar(${literal(t, v)}, "${DTYPE[t]}")`);
  }

  /** A constant of shape `[...axes, E]` (`[...axes, 1]` when narrow). */
  fullConst(t: Scalar, v: number, axes: number[], narrow = false): string {
    const shape = this.shape(axes, narrow);
    if (t === "bool") return this.constant(v ? `tf.ones(${shape}, "bool")` : `tf.zeros(${shape}, "bool")`);
    return this.constant(`tf.fill(${shape}, ${Number.isNaN(v) ? "NaN" : literal(t, v)}, "${DTYPE[t]}")`);
  }

  iota(axis: number, lo: number): Val {
    const n = this.axisSize[axis];
    const base = `tf.reshape(tf.range(${lo}, ${lo + n}, 1, "int32"), [${n}, 1])`;
    if (this.narrow([axis]))
      return { t: "int", v: this.constant(base), axes: [axis], e: false, iota: { axis, lo }, n: true };
    return { t: "int", v: this.constant(`tf.tile(${base}, [1, E])`), axes: [axis], e: false, iota: { axis, lo } };
  }
}

export type PhaseSel = number | "mixed";

/**
 * One generated function `(S, X) => { S, O }`: S the state tensors, X this call's inputs
 * (round and phase, draws, actions, payoff gains, the done / advance / time-up masks),
 * returning the state it changed and its outputs (described by `outs` for the host).
 */
export class Body {
  private readonly lines: string[] = [];
  private readonly cse = new Map<string, string>();
  private tmp = 0;
  readonly draws: DrawReq[] = [];
  private readonly drawIndex = new Map<string, number>();
  private readonly vals = new Map<string, Val>();
  private readonly fields = new Map<string, FieldBinding>();
  private readonly changed = new Set<string>();
  readonly outs: OutDesc[] = [];
  private readonly outCode: [string, string][] = [];
  private readonly ir: IRGame;
  round: Val;
  phase: Val;
  self?: Val;
  /** The mask the current statement runs under (path conditions). */
  path: Val = TRUE;
  /** Bots: the agents that have not played yet. */
  alive: Val = TRUE;
  played: Val = stat("int", -1);
  ended: Val = FALSE;
  private readonly locals = new Map<number, { val: Val; decl: Val }>();
  /**
   * In a vectorized loop: the outer values it adds to (`L` for a local slot, `G` for a global), and the contributions.
   */
  private reductions?: Map<string, { t: Scalar; parts: Val[] }>;

  constructor(
    readonly g: Gen,
    readonly name: string,
  ) {
    const ir = g.ir;
    this.ir = ir;
    for (const i of ir.dynamicParams) this.vals.set(`P${i}`, { t: ir.params[i].t, v: `S.P${i}`, axes: [], e: true });
    ir.rules.forEach((_, i) => this.vals.set(`R${i}`, { t: "bool", v: `S.R${i}`, axes: [], e: true }));
    ir.globals.forEach((gl, i) => this.vals.set(`G${i}`, { t: gl.t, v: `S.G${i}`, axes: [], e: true }));
    ir.roles.forEach((r, role) => {
      const axis = g.roleAxis[role];
      const add = (kind: FieldKind, t: Scalar) => {
        const key = `F${role}_${kind}`;
        this.fields.set(key, new FieldBinding(key, { t, v: `S.${key}`, axes: [axis], e: true }, r.count, t, axis));
      };
      r.state.forEach((s, k) => add(`s${k}`, s.t));
      add("rew", "real");
      add("tot", "real");
      add("team", "int");
      add("act", "int");
      add("last", "int");
      add("ract", "int");
    });
    this.round = { t: "int", v: "X.RND", axes: [], e: true };
    this.phase = { t: "int", v: "X.PH", axes: [], e: true };
  }

  // ---- emission -----------------------------------------------------------------------------

  /** Emits `code` (a tensor expression) once: constants go to the pool, the rest to this function. */
  emit(code: string, t: Scalar, axes: number[], e: boolean, n = false): Val {
    if (!e)
      return n
        ? { t, v: this.g.constant(code), axes, e: false, n: true }
        : { t, v: this.g.constant(code), axes, e: false };
    let v = this.cse.get(code);
    if (!v) {
      v = `t${this.tmp++}`;
      this.lines.push(`const ${v} = ${code};`);
      this.cse.set(code, v);
    }
    return { t, v, axes, e: true };
  }

  private size(axis: number): number {
    return this.g.axisSize[axis];
  }

  /** The tensor of `v`, shaped to broadcast against `[...axes, E]` (natively when a suffix). */
  al(v: Val, axes: number[]): string {
    if (isStatic(v)) return this.g.scalar(v.t, v.s);
    if (isSuffix(v.axes, axes)) return v.v!;
    const shape = [...axes.map((a) => (v.axes.includes(a) ? String(this.size(a)) : "1")), v.n ? "1" : "E"];
    return this.emit(`tf.reshape(${v.v}, [${shape.join(", ")}])`, v.t, axes, v.e, v.n).v!;
  }

  /** An elementwise tfjs op over aligned operands. */
  op(fn: string, args: Val[], t: Scalar): Val {
    const axes = union(args.map((a) => a.axes));
    const e = args.some((a) => a.e);
    const tensors = args.filter((a) => !isStatic(a));
    const narrow = !e && tensors.length > 0 && (tensors.every((a) => a.n) || this.g.narrow(axes));
    if (narrow) args = args.map((a) => this.narrowOf(a));
    return this.emit(`${fn}(${args.map((a) => this.al(a, axes)).join(", ")})`, t, axes, e, narrow);
  }

  /** A constant as a narrow tensor: its first copy (all copies of a constant are equal). */
  private narrowOf(v: Val): Val {
    if (isStatic(v) || v.n || v.e) return v;
    return {
      ...v,
      v: this.g.constant(
        `tf.slice(${v.v}, [${v.axes.map(() => "0").join(", ")}${v.axes.length ? ", " : ""}0], ${this.g.shape(v.axes, true)})`,
      ),
      n: true,
    };
  }

  /**
   * `v` as a tensor of the full shape `[...axes, E]` (or `[...axes, 1]` when `narrow`; a
   * pool constant when it is one, except a narrow constant widened, which is widened per call).
   */
  expand(v: Val, axes: number[], narrow = false): string {
    if (isStatic(v)) {
      // A large constant at full width is filled per call rather than kept.
      if (!narrow && this.g.narrow(axes)) {
        const shape = this.g.shape(axes);
        return this.emit(
          v.t === "bool"
            ? `tf.${v.s ? "ones" : "zeros"}(${shape}, "bool")`
            : `tf.fill(${shape}, ${literal(v.t, v.s)}, "${DTYPE[v.t]}")`,
          v.t,
          axes,
          true,
        ).v!;
      }
      return this.g.fullConst(v.t, v.s, axes, narrow);
    }
    if (narrow) v = this.narrowOf(v);
    if (sameAxes(v.axes, axes) && !!v.n === narrow) return v.v!;
    const e = v.e || (!!v.n && !narrow);
    if (!v.n && !narrow && isSuffix(v.axes, axes) && !this.g.narrow(axes)) {
      const one = this.g.fullConst(v.t, 1, axes);
      return this.emit(v.t === "bool" ? `tf.logicalAnd(${v.v}, ${one})` : `tf.mul(${v.v}, ${one})`, v.t, axes, v.e).v!;
    }
    return this.emit(`tf.broadcastTo(${this.al(v, axes)}, ${this.g.shape(axes, narrow)})`, v.t, axes, e, narrow).v!;
  }

  /** `v` as a tensor of full shape that this function owns (for the state it returns). */
  owned(v: Val, axes: number[], t: Scalar): string {
    v = this.as(v, t);
    const code = this.expand(v, axes);
    if (/^K\d+$/.test(code)) return this.emit(`tf.clone(${code})`, t, axes, true).v!;
    return code;
  }

  /** Registers an output: the value's tensor (or its constant) for the host to write. */
  private out(desc: OutDesc, v?: Val) {
    if (v && isStatic(v)) (desc as { value?: number }).value = v.s;
    else if (v) {
      const key = `o${this.outCode.length}`;
      (desc as { key?: string }).key = key;
      this.outCode.push([key, v.n ? this.expand(v, v.axes) : v.v!]);
    }
    this.outs.push(desc);
  }

  /** The function's text. */
  finish(): string {
    const stateOut: string[] = [];
    for (const key of this.changed) {
      const fb = this.fields.get(key);
      let code: string;
      if (fb) code = this.owned(this.matrix(fb), [fb.axis], fb.t);
      else {
        const v = this.vals.get(key)!;
        code = this.owned(v, [], v.t);
      }
      if (code !== `S.${key}`) stateOut.push(`${key}: ${code}`);
    }
    const o = this.outCode.map(([k, v]) => `${k}: ${v}`);
    return [
      `function ${this.name}(S, X) {`,
      ...this.lines.map((l) => `  ${l}`),
      `  return { S: { ${stateOut.join(", ")} }, O: { ${o.join(", ")} } };`,
      "}",
    ].join("\n");
  }

  // ---- conversions and arithmetic -------------------------------------------------------------

  as(v: Val, t: Scalar): Val {
    if (v.t === t) return v;
    if (isStatic(v)) return stat(t, store(t, v.s));
    if (t === "real") {
      // int to real: cast, then an add that rounds to float32 (the cpu backend's cast keeps
      // the int values as they are).
      if (v.t === "int")
        return this.emit(`tf.add(tf.cast(${v.v}, "float32"), ${this.g.scalar("real", 0)})`, "real", v.axes, v.e, v.n);
      return this.emit(`tf.cast(${v.v}, "float32")`, "real", v.axes, v.e, v.n);
    }
    if (t === "int") return this.emit(`tf.cast(${v.v}, "int32")`, "int", v.axes, v.e, v.n);
    // (Casting int32 to bool keeps the value in the wasm backend: compare instead.)
    return this.op("tf.notEqual", [v, stat(v.t, 0)], "bool");
  }

  not(a: Val): Val {
    if (isStatic(a)) return stat("bool", a.s ? 0 : 1);
    return this.op("tf.logicalNot", [a], "bool");
  }

  and(a: Val, b: Val): Val {
    if (isFalse(a) || isFalse(b)) return FALSE;
    if (isTrue(a)) return b;
    if (isTrue(b)) return a;
    if (sameVal(a, b)) return a;
    return this.op("tf.logicalAnd", [a, b], "bool");
  }

  or(a: Val, b: Val): Val {
    if (isTrue(a) || isTrue(b)) return TRUE;
    if (isFalse(a)) return b;
    if (isFalse(b)) return a;
    if (sameVal(a, b)) return a;
    return this.op("tf.logicalOr", [a, b], "bool");
  }

  /** `where(m, a, b)`, typed as `a`. */
  sel(m: Val, a: Val, b: Val): Val {
    b = this.as(b, a.t);
    if (isTrue(m)) return a;
    if (isFalse(m)) return b;
    if (sameVal(a, b)) return a;
    if (a.t === "bool") {
      // tf.where on bool tensors corrupts the wasm backend's memory: logical ops instead.
      if (isStatic(a)) return a.s ? this.or(m, b) : this.and(this.not(m), b);
      if (isStatic(b)) return b.s ? this.or(this.not(m), a) : this.and(m, a);
      return this.or(this.and(m, a), this.and(this.not(m), b));
    }
    // The Select kernel on operands of one shape: tf.where would tile or copy each of them.
    const axes = union([m.axes, a.axes, b.axes]);
    const e = m.e || a.e || b.e;
    const tensors = [m, a, b].filter((x) => !isStatic(x));
    const narrow = !e && (tensors.every((x) => x.n) || this.g.narrow(axes));
    return this.emit(
      `H.select(${this.expand(m, axes, narrow)}, ${this.expand(a, axes, narrow)}, ${this.expand(b, axes, narrow)})`,
      a.t,
      axes,
      e,
      narrow,
    );
  }

  add(a: Val, b: Val, t: Scalar): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, t === "int" ? (a.s + b.s) | 0 : Math.fround(a.s + b.s));
    if (isStatic(b) && b.s === 0 && a.t === t) return a;
    if (isStatic(a) && a.s === 0 && b.t === t) return b;
    return this.op("tf.add", [a, b], t);
  }

  sub(a: Val, b: Val, t: Scalar): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, t === "int" ? (a.s - b.s) | 0 : Math.fround(a.s - b.s));
    if (isStatic(b) && b.s === 0 && a.t === t) return a;
    return this.op("tf.sub", [a, b], t);
  }

  mul(a: Val, b: Val, t: Scalar): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, t === "int" ? Math.imul(a.s, b.s) : Math.fround(a.s * b.s));
    if (isStatic(b) && b.s === 1 && a.t === t) return a;
    if (isStatic(a) && a.s === 1 && b.t === t) return b;
    if (t === "int") {
      if ((isStatic(a) && a.s === 0) || (isStatic(b) && b.s === 0)) return stat("int", 0);
      // A small constant factor keeps every product exact (below 2^53) on the cpu backend.
      const small = (v: Val) => isStatic(v) && Math.abs(v.s) < 1 << 21;
      if (small(a) || small(b)) return this.op("tf.mul", [a, b], t);
      return this.op("H.imul", [a, b], t);
    }
    return this.op("tf.mul", [a, b], t);
  }

  /** Real division; x / 0 is 0. */
  div(a: Val, b: Val): Val {
    a = this.as(a, "real");
    b = this.as(b, "real");
    if (isStatic(a) && isStatic(b)) return stat("real", rdiv(a.s, b.s));
    if (isStatic(b)) return b.s === 0 ? stat("real", 0) : b.s === 1 ? a : this.op("tf.div", [a, b], "real");
    const zero = this.op("tf.equal", [b, stat("real", 0)], "bool");
    return this.sel(zero, stat("real", 0), this.op("tf.div", [a, b], "real"));
  }

  /** Floored modulo; x % 0 is 0 (the divisor is replaced before the op: integer % 0 traps in wasm). */
  mod(a: Val, b: Val, t: Scalar): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, t === "int" ? imod(a.s, b.s) : rmod(a.s, b.s));
    if (isStatic(b)) return b.s === 0 ? stat(t, 0) : this.op("tf.mod", [a, b], t);
    const zero = this.op("tf.equal", [b, stat(t, 0)], "bool");
    const safe = this.sel(zero, stat(t, 1), b);
    return this.sel(zero, stat(t, 0), this.op("tf.mod", [a, safe], t));
  }

  neg(a: Val, t: Scalar): Val {
    if (isStatic(a)) return stat(t, t === "int" ? -a.s | 0 : Math.fround(-a.s));
    // tf.neg rounds int32 through floats on wasm: 0 - x is exact.
    return t === "int" ? this.op("tf.sub", [stat("int", 0), a], "int") : this.op("tf.neg", [a], "real");
  }

  compare(op: "eq" | "ne" | "lt" | "le" | "gt" | "ge", a: Val, b: Val): Val {
    if (isStatic(a) && isStatic(b)) {
      const x = a.s;
      const y = b.s;
      const r =
        op === "eq"
          ? x === y
          : op === "ne"
            ? x !== y
            : op === "lt"
              ? x < y
              : op === "le"
                ? x <= y
                : op === "gt"
                  ? x > y
                  : x >= y;
      return stat("bool", r ? 1 : 0);
    }
    if (a.t === "bool" && (op === "eq" || op === "ne")) {
      // Comparing with a constant bool is the value or its negation.
      if (isStatic(b)) return (b.s !== 0) === (op === "eq") ? a : this.not(a);
      if (isStatic(a)) return (a.s !== 0) === (op === "eq") ? b : this.not(b);
    }
    const fn = {
      eq: "tf.equal",
      ne: "tf.notEqual",
      lt: "tf.less",
      le: "tf.lessEqual",
      gt: "tf.greater",
      ge: "tf.greaterEqual",
    }[op];
    return this.op(fn, [a, b], "bool");
  }

  minmax(fn: "min" | "max", a: Val, b: Val, t: Scalar): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, store(t, fn === "min" ? Math.min(a.s, b.s) : Math.max(a.s, b.s)));
    // The identity (an aggregate's starting value): min(+inf, b) is b, NaN included.
    const identity = fn === "min" ? (t === "int" ? INT_MAX : Infinity) : t === "int" ? INT_MIN : -Infinity;
    if (isStatic(a) && a.s === identity && b.t === t) return b;
    if (isStatic(b) && b.s === identity && a.t === t) return a;
    return this.op(fn === "min" ? "tf.minimum" : "tf.maximum", [a, b], t);
  }

  // ---- reductions -----------------------------------------------------------------------------

  /**
   * Reduces `axis`, which is dim 0 (the newest axis). `H.*` pick per backend: row by row
   * on the cpu backend (its reductions transpose first), tfjs reductions elsewhere; real
   * sums always add rows in index order, as the interpreter does.
   */
  private reduce(fn: "sum" | "fsum" | "any" | "all" | "min" | "max", v: Val, axis: number, t: Scalar): Val {
    if (v.axes[0] !== axis)
      throw new Error(`internal: reducing axis ${axis}, not the newest of [${v.axes.join(", ")}]`);
    return this.emit(`H.${fn}(${v.v})`, t, v.axes.slice(1), v.e, v.n);
  }

  /** `v` with `axis` present (broadcast along it if it does not vary there). */
  private withAxis(v: Val, axis: number): Val {
    if (!isStatic(v) && v.axes.includes(axis)) return v;
    const axes = union([v.axes, [axis]]);
    const narrow = !v.e && (isStatic(v) ? this.g.narrow(axes) : !!v.n);
    return narrow
      ? { t: v.t, v: this.expand(v, axes, true), axes, e: false, n: true }
      : { t: v.t, v: this.expand(v, axes), axes, e: v.e || !!v.n };
  }

  // ---- state ----------------------------------------------------------------------------------

  private field(role: number, kind: FieldKind): FieldBinding {
    return this.fields.get(`F${role}_${kind}`)!;
  }

  private rowRead(fb: FieldBinding, i: number): Val {
    const c = fb.rows[i];
    if (c) return c;
    const b = fb.base;
    if (isStatic(b) || b.axes.length === 0) return b;
    const v = this.emit(`tf.reshape(tf.slice(${b.v}, [${i}, 0], [1, -1]), [-1])`, b.t, [], b.e, b.n);
    fb.rows[i] = v;
    return v;
  }

  private rowWrite(fb: FieldBinding, i: number, v: Val) {
    fb.rows[i] = this.as(v, fb.t);
    fb.dirty = true;
    this.changed.add(fb.key);
  }

  /** The whole field `[count, E]` (axes ⊆ [role axis]). */
  private matrix(fb: FieldBinding): Val {
    if (!fb.dirty) return fb.base;
    const rows = Array.from({ length: fb.count }, (_, i) => this.rowRead(fb, i));
    if (rows.every((c) => sameVal(c, rows[0]))) fb.base = { ...rows[0], iota: undefined };
    else {
      const e = rows.some((r) => r.e);
      const narrow = !e && rows.every((r) => isStatic(r) || r.n);
      fb.base = this.emit(
        `tf.stack([${rows.map((c) => this.expand(c, [], narrow)).join(", ")}], 0)`,
        fb.t,
        [fb.axis],
        e,
        narrow,
      );
    }
    fb.dirty = false;
    return fb.base;
  }

  private matrixWrite(fb: FieldBinding, v: Val) {
    v = this.as(v, fb.t);
    if (v.axes.some((a) => a !== fb.axis)) throw new Error(`internal: a value of ${fb.key} varies along another axis`);
    fb.base = { ...v, iota: undefined };
    fb.rows = new Array<Val | undefined>(fb.count);
    fb.dirty = false;
    this.changed.add(fb.key);
  }

  /** The field seen along `axis` (an aggregate's or self's axis over the role). */
  private view(fb: FieldBinding, axis: number): Val {
    const m = this.matrix(fb);
    if (isStatic(m) || m.axes.length === 0) return m;
    return { t: m.t, v: m.v, axes: [axis], e: m.e, n: m.n };
  }

  private isAgentAxis(a: Val, count: number): boolean {
    return !!a.iota && a.iota.lo === 0 && a.axes.length === 1 && this.size(a.iota.axis) === count;
  }

  private agentRead(role: number, a: Val, kind: FieldKind): Val {
    const fb = this.field(role, kind);
    const count = this.ir.roles[role].count;
    if (isStatic(a)) return a.s >= 0 && a.s < count ? this.rowRead(fb, a.s) : stat(fb.t, 0);
    if (this.isAgentAxis(a, count)) return this.view(fb, a.iota!.axis);
    // A run-time index: select the row with a one-hot mask along a new axis, and reduce it.
    if (a.axes.length > 0 || fb.dirty) {
      // The index varies along an axis (no outer product), or the field is held as rows
      // (no stacking): select row by row.
      let out: Val = stat(fb.t, 0);
      for (let i = 0; i < count; i++) out = this.sel(this.compare("eq", a, stat("int", i)), this.rowRead(fb, i), out);
      return out;
    }
    const m = this.matrix(fb);
    if (isStatic(m) || m.axes.length === 0) return m;
    const y = this.g.newAxis(count);
    const hit = this.op("tf.equal", [a, this.g.iota(y, 0)], "bool");
    const mv: Val = { t: m.t, v: m.v, axes: [y], e: m.e, n: m.n };
    if (fb.t === "bool") return this.reduce("any", this.and(hit, mv), y, "bool");
    // One row at most is selected: any order of addition is exact.
    return this.reduce("sum", this.sel(hit, mv, stat(fb.t, 0)), y, fb.t);
  }

  setVal(key: string, v: Val) {
    this.vals.set(key, v);
    this.changed.add(key);
  }

  // ---- expressions ----------------------------------------------------------------------------

  ex(e: Expr): Val {
    switch (e.k) {
      case "const":
        return stat(e.t, e.v);
      case "param":
        return this.param(e.param);
      case "global":
        return this.vals.get(`G${e.index}`)!;
      case "local": {
        const b = this.locals.get(e.slot);
        if (!b) throw new Error(`internal: local ${e.slot} read before it is set`);
        return b.val;
      }
      case "self":
        if (!this.self) throw new Error("internal: `self` outside a role context");
        return this.self;
      case "agent":
        return this.agentRead(e.role, this.ex(e.agent), fieldKind(e.field));
      case "round":
        return this.round;
      case "phase":
        return this.phase;
      case "rule":
        return this.vals.get(`R${e.rule}`)!;
      case "ruleDyn": {
        const id = this.ex(e.rule);
        if (isStatic(id)) return id.s >= 0 && id.s < this.ir.rules.length ? this.vals.get(`R${id.s}`)! : FALSE;
        let out: Val = FALSE;
        this.ir.rules.forEach(
          (_, i) => (out = this.sel(this.compare("eq", id, stat("int", i)), this.vals.get(`R${i}`)!, out)),
        );
        return out;
      }
      case "unary": {
        const x = this.ex(e.x);
        if (e.op === "not") return this.not(x);
        return this.neg(this.as(x, e.t), e.t);
      }
      case "binary":
        return this.binary(e);
      case "if": {
        const c = this.ex(e.c);
        if (isStatic(c)) return this.as(this.ex(c.s ? e.a : e.b), e.t);
        return this.sel(c, this.as(this.ex(e.a), e.t), this.as(this.ex(e.b), e.t));
      }
      case "call":
        return this.call(e);
      case "random":
        return this.random(e);
      case "aggregate":
        return this.aggregate(e);
      case "size": {
        const team = this.ex(e.team);
        let n: Val = stat("int", 0);
        this.ir.roles.forEach((r, role) => {
          const fb = this.field(role, "team");
          if (!isStatic(team) && team.axes.length > 0) {
            // The team varies along an axis: count agent by agent (no outer product).
            for (let i = 0; i < r.count; i++)
              n = this.add(n, this.as(this.compare("eq", this.rowRead(fb, i), team), "int"), "int");
            return;
          }
          const y = this.g.newAxis(r.count);
          const hit = this.compare("eq", this.view(fb, y), team);
          n = this.add(n, this.count(hit, y), "int");
        });
        return n;
      }
      case "actionIs": {
        const role = this.ir.roles[e.role];
        const a = role.actions[e.action];
        const v = this.ex(e.value);
        if (isStatic(v)) return stat("bool", v.s >= 0 && role.flatAction[v.s] === e.action ? 1 : 0);
        if (a.flatCount === 1) return this.compare("eq", v, stat("int", a.flatStart));
        return this.and(
          this.compare("ge", v, stat("int", a.flatStart)),
          this.compare("lt", v, stat("int", a.flatStart + a.flatCount)),
        );
      }
      case "actionArg": {
        const role = this.ir.roles[e.role];
        const a = role.actions[e.action];
        const v = this.ex(e.value);
        if (isStatic(v)) return stat("int", v.s >= 0 ? (role.flatArg[v.s] ?? 0) : 0);
        // Only read under `actionIs` (a match arm): there v is an index of this action.
        return this.sub(v, stat("int", a.flatStart - (a.arg?.lo ?? 0)), "int");
      }
      case "actionFlat": {
        const a = this.ir.roles[e.role].actions[e.action];
        if (!e.arg || !a.arg) return stat("int", a.flatStart);
        const k = this.sub(this.ex(e.arg), stat("int", a.arg.lo), "int");
        if (isStatic(k)) return stat("int", k.s >= 0 && k.s < a.flatCount ? a.flatStart + k.s : -2);
        const inRange = this.and(
          this.compare("ge", k, stat("int", 0)),
          this.compare("lt", k, stat("int", a.flatCount)),
        );
        return this.sel(inRange, this.add(k, stat("int", a.flatStart), "int"), stat("int", -2));
      }
      case "actionIndex": {
        const role = this.ir.roles[e.role];
        const v = this.ex(e.value);
        if (isStatic(v)) return stat("int", v.s >= 0 ? (role.flatAction[v.s] ?? -1) : -1);
        if (role.flatAction.every((a, i) => a === i)) return v;
        // The actions' flat ranges are consecutive: the index is how many start at or below v, minus 1.
        let index: Val = stat("int", -1);
        for (const a of role.actions)
          index = this.add(index, this.as(this.compare("ge", v, stat("int", a.flatStart)), "int"), "int");
        return index;
      }
    }
    throw new Error(`internal: unknown expression ${(e as Expr).k}`);
  }

  private param(i: number): Val {
    const p = this.ir.params[i];
    let v: Val = this.vals.get(`P${i}`) ?? stat(p.t, store(p.t, p.value));
    // Rule overrides: the first listed (the last declared) wins.
    for (const o of [...p.overrides].reverse())
      v = this.sel(this.vals.get(`R${o.rule}`)!, this.as(this.ex(o.value), p.t), v);
    return v;
  }

  private binary(e: Extract<Expr, { k: "binary" }>): Val {
    if (e.op === "and") return this.and(this.ex(e.a), this.ex(e.b));
    if (e.op === "or") return this.or(this.ex(e.a), this.ex(e.b));
    const t = e.operand;
    const a = this.as(this.ex(e.a), t);
    const b = this.as(this.ex(e.b), t);
    switch (e.op) {
      case "add":
        return this.add(a, b, t);
      case "sub":
        return this.sub(a, b, t);
      case "mul":
        return this.mul(a, b, t);
      case "div":
        return this.div(a, b);
      case "mod":
        return this.mod(a, b, t);
      default:
        return this.compare(e.op, a, b);
    }
  }

  private call(e: Extract<Expr, { k: "call" }>): Val {
    const args = e.args.map((a) => this.ex(a));
    const t = e.t;
    switch (e.fn) {
      case "min":
      case "max": {
        let v = this.as(args[0], t);
        for (const a of args.slice(1)) v = this.minmax(e.fn, v, this.as(a, t), t);
        return v;
      }
      case "abs": {
        const x = this.as(args[0], t);
        if (isStatic(x)) return stat(t, store(t, Math.abs(x.s)));
        // tf.abs on int32 goes through floats: max(x, 0 - x) is exact (and wraps like |0).
        return t === "int" ? this.minmax("max", x, this.neg(x, "int"), "int") : this.op("tf.abs", [x], "real");
      }
      case "floor": {
        const x = this.as(args[0], "real");
        if (isStatic(x)) return stat("int", Math.floor(x.s) | 0);
        return this.emit(`tf.cast(tf.floor(${x.v}), "int32")`, "int", x.axes, x.e, x.n);
      }
      case "clamp":
        return this.minmax(
          "min",
          this.minmax("max", this.as(args[0], t), this.as(args[1], t), t),
          this.as(args[2], t),
          t,
        );
      case "exp": {
        const x = this.as(args[0], "real");
        if (isStatic(x)) return stat("real", Math.fround(Math.exp(x.s)));
        return this.op("tf.exp", [x], "real");
      }
      case "log": {
        const x = this.as(args[0], "real");
        if (isStatic(x)) return stat("real", rlog(x.s));
        return this.sel(this.compare("gt", x, stat("real", 0)), this.op("tf.log", [x], "real"), stat("real", 0));
      }
      case "sqrt": {
        const x = this.as(args[0], "real");
        if (isStatic(x)) return stat("real", rsqrt(x.s));
        return this.sel(this.compare("ge", x, stat("real", 0)), this.op("tf.sqrt", [x], "real"), stat("real", 0));
      }
    }
  }

  private random(e: Extract<Expr, { k: "random" }>): Val {
    const keys = e.keys.map((k) => this.ex(k));
    const axes = union(keys.filter((k) => !isStatic(k)).map((k) => k.axes));
    const keySpec = keys.map((k) => {
      if (isStatic(k)) return k.s;
      if (!k.iota || k.axes.length !== 1)
        throw new Error("internal: a random key that is neither static nor a loop index");
      return { d: axes.indexOf(k.iota.axis), lo: k.iota.lo };
    });
    const sizes = axes.map((a) => this.size(a));
    const args = e.args.map((a) => this.ex(a));
    let req: DrawReq;
    if (e.fn === "bernoulli" && isStatic(args[0]))
      req = { site: e.site, keys: keySpec, sizes, kind: "bern", a: args[0].s };
    else if (e.fn === "randint" && isStatic(args[0]) && isStatic(args[1]))
      req = { site: e.site, keys: keySpec, sizes, kind: "rint", a: args[0].s, b: args[1].s };
    else req = { site: e.site, keys: keySpec, sizes, kind: "u" };
    const id = JSON.stringify(req);
    let index = this.drawIndex.get(id);
    if (index === undefined) {
      index = this.draws.length;
      this.draws.push(req);
      this.drawIndex.set(id, index);
    }
    const draw: Val = {
      t: req.kind === "u" ? "real" : req.kind === "bern" ? "bool" : "int",
      v: `X.U[${index}]`,
      axes,
      e: true,
    };
    if (req.kind !== "u" || e.fn === "random") return draw;
    if (e.fn === "bernoulli") return this.compare("lt", draw, this.as(args[0], "real"));
    // randint with bounds known only at run time: rint in float32, as in scalar-ops.ts.
    const lo = this.as(args[0], "int");
    const hi = this.as(args[1], "int");
    const n = this.add(this.sub(hi, lo, "int"), stat("int", 1), "int");
    const nf = isStatic(n) ? stat("real", n.s) : this.emit(`tf.cast(${n.v}, "float32")`, "real", n.axes, n.e, n.n);
    const scaled = this.op("tf.mul", [draw, nf], "real");
    const k = this.emit(`tf.cast(tf.floor(${scaled.v}), "int32")`, "int", scaled.axes, scaled.e, scaled.n);
    const kk = this.minmax("min", k, this.sub(n, stat("int", 1), "int"), "int");
    return this.sel(this.compare("le", n, stat("int", 1)), lo, this.add(lo, kk, "int"));
  }

  private domainSize(d: Domain): number {
    return d.kind === "teams" ? this.ir.teams.length : this.ir.roles[d.role].count;
  }

  /** How many elements along `axis` pass `f` (an int). */
  private count(f: Val, axis: number): Val {
    const n = this.size(axis);
    if (isStatic(f) || !f.axes.includes(axis)) return this.sel(f, stat("int", n), stat("int", 0));
    return this.reduce("sum", this.as(f, "int"), axis, "int");
  }

  /**
   * Whether `e` reads a variable that is vectorized (self over a role, an enclosing
   * aggregate's or argument's variable): vectorizing `e` along a new axis as well would
   * combine two axes in one op (an outer product), which every backend broadcasts slowly.
   */
  private readsAxes(e: Expr | undefined): boolean {
    if (!e) return false;
    switch (e.k) {
      case "self":
        return !!this.self && !isStatic(this.self) && this.self.axes.length > 0;
      case "local": {
        const b = this.locals.get(e.slot);
        return !!b && !isStatic(b.val) && b.val.axes.length > 0;
      }
      default:
        return exprChildren(e).some((child) => this.readsAxes(child));
    }
  }

  /** An aggregate element by element (static indices), accumulated in index order. */
  private aggregateUnrolled(e: Extract<Expr, { k: "aggregate" }>, n: number): Val {
    const t = e.t;
    const saved = this.locals.get(e.slot);
    const bt: Scalar = e.fn === "mean" ? "real" : t;
    let count: Val = stat("int", 0);
    let acc: Val =
      e.fn === "all"
        ? TRUE
        : e.fn === "any"
          ? FALSE
          : e.fn === "min"
            ? stat(t, t === "int" ? INT_MAX : Infinity)
            : e.fn === "max"
              ? stat(t, t === "int" ? INT_MIN : -Infinity)
              : stat(bt, 0);
    try {
      for (let i = 0; i < n; i++) {
        this.locals.set(e.slot, { val: stat("int", i), decl: TRUE });
        const f = e.filter ? this.ex(e.filter) : TRUE;
        if (isFalse(f)) continue;
        count = this.add(count, this.as(f, "int"), "int");
        switch (e.fn) {
          case "count":
            break;
          case "any":
            acc = this.or(acc, f);
            break;
          case "all":
            acc = this.and(acc, f);
            break;
          case "sum":
          case "mean":
            acc = this.add(acc, this.sel(f, this.as(this.ex(e.body!), bt), stat(bt, 0)), bt);
            break;
          case "min":
          case "max":
            acc = this.sel(f, this.minmax(e.fn, acc, this.as(this.ex(e.body!), t), t), acc);
            break;
        }
      }
    } finally {
      if (saved) this.locals.set(e.slot, saved);
      else this.locals.delete(e.slot);
    }
    switch (e.fn) {
      case "count":
        return count;
      case "any":
      case "all":
      case "sum":
        return acc;
      case "mean":
        return isStatic(count)
          ? count.s === 0
            ? stat("real", 0)
            : this.div(acc, stat("real", count.s))
          : this.sel(this.compare("eq", count, stat("int", 0)), stat("real", 0), this.div(acc, count));
      default:
        return this.sel(this.compare("gt", count, stat("int", 0)), acc, stat(t, 0));
    }
  }

  private aggregate(e: Extract<Expr, { k: "aggregate" }>): Val {
    const n = this.domainSize(e.domain);
    const t = e.t;
    if (n === 0) return e.fn === "all" ? TRUE : e.fn === "any" ? FALSE : stat(t, 0);
    if (n <= 32 && (this.readsAxes(e.filter) || this.readsAxes(e.body))) return this.aggregateUnrolled(e, n);
    const axis = this.g.newAxis(n);
    const saved = this.locals.get(e.slot);
    this.locals.set(e.slot, { val: this.g.iota(axis, 0), decl: TRUE });
    try {
      const f = e.filter ? this.ex(e.filter) : undefined;
      const along = (v: Val) => !isStatic(v) && v.axes.includes(axis);
      switch (e.fn) {
        case "count":
          return f ? this.count(f, axis) : stat("int", n);
        case "any":
          if (!f) return TRUE;
          return along(f) ? this.reduce("any", f, axis, "bool") : f;
        case "all":
          if (!f) return TRUE;
          return along(f) ? this.reduce("all", f, axis, "bool") : f;
        case "sum":
        case "mean": {
          const bt = e.fn === "mean" ? "real" : t;
          let b = this.as(this.ex(e.body!), bt);
          if (f) b = this.sel(f, b, stat(bt, 0));
          let sum: Val;
          if (bt === "int") sum = along(b) ? this.reduce("sum", b, axis, "int") : this.mul(b, stat("int", n), "int");
          else
            sum =
              n === 1 && !along(b)
                ? this.add(b, stat("real", 0), "real")
                : this.reduce("fsum", this.withAxis(b, axis), axis, "real");
          if (e.fn === "sum") return sum;
          const c = f ? this.count(f, axis) : stat("int", n);
          if (isStatic(c)) return c.s === 0 ? stat("real", 0) : this.div(sum, stat("real", c.s));
          return this.sel(this.compare("eq", c, stat("int", 0)), stat("real", 0), this.div(sum, c));
        }
        case "min":
        case "max": {
          let b = this.as(this.ex(e.body!), t);
          const sentinel = e.fn === "min" ? (t === "int" ? INT_MAX : Infinity) : t === "int" ? INT_MIN : -Infinity;
          if (f) b = this.sel(f, b, stat(t, sentinel));
          const r = along(b) ? this.reduce(e.fn, b, axis, t) : b;
          if (!f) return r;
          const any = along(f) ? this.reduce("any", f, axis, "bool") : f;
          return this.sel(any, r, stat(t, 0));
        }
      }
      throw new Error(`internal: unknown aggregate ${String(e.fn)}`);
    } finally {
      if (saved) this.locals.set(e.slot, saved);
      else this.locals.delete(e.slot);
    }
  }

  // ---- statements -----------------------------------------------------------------------------

  /** The mask statements run under: the path, for agents that have not played. */
  mask(): Val {
    return this.and(this.path, this.alive);
  }

  stmts(list: Stmt[]) {
    for (const s of list) {
      if (isFalse(this.mask())) return;
      this.stmt(s);
    }
  }

  /** A block: locals declared inside go out of scope at its end. */
  private block(list: Stmt[]) {
    const before = new Set(this.locals.keys());
    this.stmts(list);
    for (const k of [...this.locals.keys()]) if (!before.has(k)) this.locals.delete(k);
  }

  applyOp(op: AssignOp, t: Scalar, old: Val | undefined, v: Val): Val {
    if (op === "set") return this.as(v, t);
    if (!old) throw new Error("internal: compound assignment to an unset value");
    switch (op) {
      case "add":
        return this.add(old, this.as(v, t), t);
      case "sub":
        return this.sub(old, this.as(v, t), t);
      case "mul":
        return this.mul(old, this.as(v, t), t);
      case "div":
        return this.div(old, v);
    }
  }

  private stmt(s: Stmt) {
    switch (s.k) {
      case "setLocal": {
        const v = this.ex(s.value);
        if (this.reduce_(`L${s.slot}`, s.op, s.t, v)) return;
        const cur = this.locals.get(s.slot);
        const nv = this.applyOp(s.op, s.t, cur?.val, v);
        const m = this.mask();
        // A declaration, or an assignment under the mask of its declaration: lanes outside
        // that mask never read the local, so no `where` is needed.
        if (!cur) this.locals.set(s.slot, { val: nv, decl: m });
        else if (isTrue(m) || sameVal(m, cur.decl)) this.locals.set(s.slot, { val: nv, decl: cur.decl });
        else this.locals.set(s.slot, { val: this.sel(m, nv, cur.val), decl: cur.decl });
        return;
      }
      case "setGlobal": {
        const key = `G${s.index}`;
        const value = this.ex(s.value);
        if (this.reduce_(key, s.op, s.t, value)) return;
        const old = this.vals.get(key)!;
        const nv = this.applyOp(s.op, s.t, old, value);
        this.setVal(key, this.sel(this.mask(), nv, old));
        return;
      }
      case "setAgent": {
        const a = this.ex(s.agent);
        const v = this.ex(s.value);
        const kind = fieldKind(s.field);
        const fb = this.field(s.role, kind);
        const m = this.mask();
        const count = this.ir.roles[s.role].count;
        if (isStatic(a)) {
          if (a.s < 0 || a.s >= count) return;
          const old = this.rowRead(fb, a.s);
          this.rowWrite(fb, a.s, this.sel(m, this.applyOp(s.op, fb.t, old, v), old));
          return;
        }
        if (fb.dirty && a.axes.length === 0) {
          // The field is held as rows: update each row where the index points at it.
          for (let i = 0; i < count; i++) {
            const row = this.rowRead(fb, i);
            this.rowWrite(
              fb,
              i,
              this.sel(this.and(m, this.compare("eq", a, stat("int", i))), this.applyOp(s.op, fb.t, row, v), row),
            );
          }
          return;
        }
        const old = this.matrix(fb);
        const oldView: Val =
          isStatic(old) || old.axes.length === 0 ? old : { t: old.t, v: old.v, axes: [fb.axis], e: old.e, n: old.n };
        const hit =
          a.iota && a.iota.axis === fb.axis && a.iota.lo === 0 ? TRUE : this.compare("eq", a, this.g.iota(fb.axis, 0));
        this.matrixWrite(fb, this.sel(this.and(m, hit), this.applyOp(s.op, fb.t, oldView, v), oldView));
        return;
      }
      case "if": {
        const c = this.ex(s.c);
        if (isStatic(c)) {
          this.block(c.s ? s.then : s.else);
          return;
        }
        const saved = this.path;
        this.path = this.and(saved, c);
        this.block(s.then);
        if (s.else.length > 0) {
          this.path = this.and(saved, this.not(c));
          this.block(s.else);
        }
        this.path = saved;
        return;
      }
      case "for": {
        if (this.vectorizable(s)) {
          this.forVectorized(s as Extract<Stmt, { k: "for" }> & { domain: { kind: "role"; role: number } });
          return;
        }
        const n = this.domainSize(s.domain);
        const saved = this.path;
        for (let i = 0; i < n; i++) {
          this.locals.set(s.slot, { val: stat("int", i), decl: TRUE });
          const f = s.filter ? this.ex(s.filter) : TRUE;
          this.path = this.and(saved, f);
          if (!isFalse(this.mask())) this.block(s.body);
          this.path = saved;
        }
        this.locals.delete(s.slot);
        return;
      }
      case "enact":
        this.enact(s.rule, this.mask(), s.active);
        return;
      case "enactDyn": {
        const id = this.ex(s.rule);
        const m = this.mask();
        if (isStatic(id)) {
          if (id.s >= 0 && id.s < this.ir.rules.length) this.enact(id.s, m, s.active);
          return;
        }
        this.ir.rules.forEach((_, i) => this.enact(i, this.and(m, this.compare("eq", id, stat("int", i))), s.active));
        return;
      }
      case "end": {
        let m = this.mask();
        // In a vectorized loop: the copy ends if any agent's iteration does.
        while (!isStatic(m) && m.axes.length > 0) m = this.reduce("any", m, m.axes[0], "bool");
        this.ended = this.or(this.ended, m);
        return;
      }
      case "play": {
        const v = this.as(this.ex(s.value), "int");
        this.played = this.sel(this.mask(), v, this.played);
        this.alive = this.and(this.alive, this.not(this.path));
        return;
      }
      case "payoff":
        this.payoff(s);
        return;
      default:
        assertNever(s, "statement");
    }
  }

  /** In a vectorized loop, an update of an outer value it reduces into: record the contribution. */
  private reduce_(key: string, op: AssignOp, t: Scalar, v: Val): boolean {
    const r = this.reductions?.get(key);
    if (!r) return false;
    let c = this.sel(this.mask(), this.as(v, t), stat(t, 0));
    if (op === "sub") c = this.neg(c, t);
    r.parts.push(c);
    return true;
  }

  /** Whether a `for` over a role can run for all its agents at once (see compiler/vectorize.ts). */
  private vectorizable(s: Extract<Stmt, { k: "for" }>): boolean {
    if (this.self || this.reductions || !isTrue(this.alive)) return false;
    return forIsVectorizable(this.ir, s, (slot) => this.locals.has(slot));
  }

  private forVectorized(s: Extract<Stmt, { k: "for" }> & { domain: { kind: "role"; role: number } }) {
    const role = s.domain.role;
    const axis = this.g.roleAxis[role];
    const n = this.ir.roles[role].count;
    // Find the reductions again (vectorizable() checked them).
    const reductions = new Map<string, { t: Scalar; parts: Val[] }>();
    const collect = (list: Stmt[], bound: Set<number>) => {
      for (const st of list) {
        if (st.k === "setLocal" && this.locals.has(st.slot) && !bound.has(st.slot))
          reductions.set(`L${st.slot}`, { t: st.t, parts: [] });
        else if (st.k === "setLocal") bound.add(st.slot);
        else if (st.k === "setGlobal") reductions.set(`G${st.index}`, { t: st.t, parts: [] });
        else if (st.k === "if") {
          collect(st.then, new Set(bound));
          collect(st.else, new Set(bound));
        }
      }
    };
    collect(s.body, new Set([s.slot]));
    const saved = this.path;
    this.locals.set(s.slot, { val: this.g.iota(axis, 0), decl: TRUE });
    this.path = this.and(saved, s.filter ? this.ex(s.filter) : TRUE);
    this.reductions = reductions;
    try {
      if (!isFalse(this.mask())) this.block(s.body);
    } finally {
      this.reductions = undefined;
      this.path = saved;
      this.locals.delete(s.slot);
    }
    for (const [key, r] of reductions) {
      if (r.parts.length === 0) continue;
      const old = key.startsWith("L") ? this.locals.get(Number(key.slice(1)))!.val : this.vals.get(key)!;
      let total: Val;
      if (r.t === "int") {
        total = old;
        for (const c of r.parts)
          total = this.add(
            total,
            !isStatic(c) && c.axes.includes(axis)
              ? this.reduce("sum", c, axis, "int")
              : this.mul(c, stat("int", n), "int"),
            "int",
          );
      } else {
        // old + c[0] + c[1] + ..., rounding after each addition, as the iterations would.
        const rows = this.expand(r.parts[0], [axis]);
        const all = this.emit(
          `tf.concat([tf.reshape(${this.expand(this.as(old, "real"), [])}, [1, E]), ${rows}], 0)`,
          "real",
          [axis],
          true,
        );
        total = this.emit(`H.fsum(${all.v})`, "real", [], true);
      }
      if (key.startsWith("L")) {
        const slot = Number(key.slice(1));
        this.locals.set(slot, { val: total, decl: this.locals.get(slot)!.decl });
      } else this.setVal(key, total);
    }
  }

  private enact(rule: number, m: Val, active: boolean) {
    const key = `R${rule}`;
    const old = this.vals.get(key)!;
    this.setVal(key, active ? this.or(old, m) : this.and(old, this.not(m)));
  }

  /** A payoff table whose entries are all constants: the host looks the gains up (see runtime.ts). */
  hostPayoff?: Extract<Stmt, { k: "payoff" }>;

  private payoff(s: Extract<Stmt, { k: "payoff" }>) {
    if (s === this.hostPayoff) {
      // X.PAY[p]: agent p's gain for its copy's joint action (0 where someone took the no-op).
      s.agents.forEach((pos, p) => {
        const fb = this.field(pos.role, "rew");
        const old = this.rowRead(fb, pos.index);
        this.rowWrite(
          fb,
          pos.index,
          this.sel(this.mask(), this.add(old, { t: "real", v: `X.PAY[${p}]`, axes: [], e: true }, "real"), old),
        );
      });
      return;
    }
    const acts = s.agents.map((a) => this.rowRead(this.field(a.role, "act"), a.index));
    let valid: Val = TRUE;
    for (const a of acts) valid = this.and(valid, this.compare("ge", a, stat("int", 0)));
    let joint = acts[0];
    for (let p = 1; p < acts.length; p++)
      joint = this.add(this.mul(joint, stat("int", s.sizes[p]), "int"), acts[p], "int");
    const m = this.and(this.mask(), valid);
    if (isFalse(m)) return;
    const constant = s.rows.every((row) => !row || row.every((r) => r.k === "const"));
    // (tf.clipByValue is wrong on int32 in the wasm backend.)
    const clamped = this.minmax(
      "min",
      this.minmax("max", joint, stat("int", 0), "int"),
      stat("int", s.rows.length - 1),
      "int",
    );
    s.agents.forEach((pos, p) => {
      let gain: Val;
      if (constant) {
        const values = Array.from({ length: s.rows.length }, (_, k) =>
          s.rows[k] ? (s.rows[k][p] as { v: number }).v : 0,
        );
        if (isStatic(clamped)) gain = stat("real", values[clamped.s] ?? 0);
        else {
          const table = this.g.constant(
            `tf.tensor1d([${values.map((v) => literal("real", v)).join(", ")}], "float32")`,
          );
          gain = this.emit(`tf.gather(${table}, ${clamped.v})`, "real", clamped.axes, clamped.e, clamped.n);
        }
      } else {
        gain = stat("real", 0);
        s.rows.forEach((row, k) => {
          if (!row) return;
          gain = this.sel(this.compare("eq", joint, stat("int", k)), this.as(this.ex(row[p]), "real"), gain);
        });
      }
      const fb = this.field(pos.role, "rew");
      const old = this.rowRead(fb, pos.index);
      this.rowWrite(fb, pos.index, this.sel(m, this.add(old, gain, "real"), old));
    });
  }

  // ---- the pieces of a kernel ---------------------------------------------------------------

  /** Actions (legal or -1, checked by the host): this round's action, rewards reset. */
  takeActions() {
    this.ir.roles.forEach((_, role) => {
      const ra = this.g.roleAxis[role];
      const act = this.field(role, "act");
      const ract = this.field(role, "ract");
      const a: Val = { t: "int", v: `X.ACT[${role}]`, axes: [ra], e: true };
      this.matrixWrite(act, a);
      this.matrixWrite(ract, this.sel(this.compare("ge", a, stat("int", 0)), a, this.view(ract, ra)));
      this.matrixWrite(this.field(role, "rew"), stat("real", 0));
    });
  }

  /** Metrics, rules in force, totals, the reward and objective outputs, and done. */
  afterStep(canEnd: boolean) {
    const ir = this.ir;
    ir.metrics.forEach((m, index) => this.out({ k: "metric", index }, this.as(this.ex(m.expr), "real")));
    // Which rules were active during the step (after its `enact`s and `repeal`s).
    ir.rules.forEach((_, index) => this.out({ k: "rule", index }, this.vals.get(`R${index}`)!));
    ir.roles.forEach((_, role) => {
      const tot = this.field(role, "tot");
      const rew = this.field(role, "rew");
      this.matrixWrite(tot, this.add(this.matrix(tot), this.matrix(rew), "real"));
    });
    ir.roles.forEach((r, role) => {
      const ra = this.g.roleAxis[role];
      const rew = this.matrix(this.field(role, "rew"));
      this.outFull({ k: "rew", role, key: "" }, rew, [ra]);
      if (r.objective) {
        this.self = this.g.iota(ra, 0);
        this.outFull({ k: "obj", role, key: "" }, this.as(this.ex(r.objective), "real"), [ra]);
        this.self = undefined;
      } else this.outFull({ k: "obj", role, key: "" }, rew, [ra]);
    });
    if (canEnd) {
      let done = this.ended;
      for (const cond of ir.endWhen) done = this.or(done, this.ex(cond));
      done = this.or(done, { t: "bool", v: "X.TU", axes: [], e: true });
      this.outFull({ k: "done", key: "" }, done, []);
    }
  }

  /** An output of full shape. */
  private outFull(desc: OutDesc & { key: string }, v: Val, axes: number[]) {
    const key = `o${this.outCode.length}`;
    desc.key = key;
    this.outCode.push([key, this.expand(v, axes)]);
    this.outs.push(desc);
  }

  /** A new episode for the copies under `d`: rules, globals, agents (interpreter order). */
  newEpisode(d: Val) {
    const ir = this.ir;
    this.round = stat("int", -1);
    this.phase = stat("int", 0);
    ir.rules.forEach((r, i) =>
      this.setVal(`R${i}`, this.sel(d, stat("bool", r.startsActive ? 1 : 0), this.vals.get(`R${i}`)!)),
    );
    ir.globals.forEach((gl, i) =>
      this.setVal(`G${i}`, this.sel(d, this.as(this.ex(gl.init), gl.t), this.vals.get(`G${i}`)!)),
    );
    ir.roles.forEach((r, role) => {
      const ra = this.g.roleAxis[role];
      const teamOf = (self: Val): Val =>
        r.teamInit
          ? this.ex(r.teamInit)
          : ir.teams.length > 0
            ? this.mod(self, stat("int", ir.teams.length), "int")
            : stat("int", 0);
      const resets: [FieldKind, Val][] = [
        ["rew", stat("real", 0)],
        ["tot", stat("real", 0)],
        ["act", stat("int", -1)],
        ["last", stat("int", -1)],
        ["ract", stat("int", -1)],
      ];
      if (
        initIsVectorizable(
          r.teamInit,
          r.state.map((s) => s.init),
          role,
        )
      ) {
        // Every agent at once: the initial values read no other agent of this role.
        this.self = this.g.iota(ra, 0);
        const write = (kind: FieldKind, v: Val) => {
          const fb = this.field(role, kind);
          this.matrixWrite(fb, this.sel(d, this.as(v, fb.t), this.view(fb, ra)));
        };
        write("team", teamOf(this.self));
        r.state.forEach((st, k) => write(`s${k}`, this.as(this.ex(st.init), st.t)));
        for (const [kind, v] of resets) write(kind, v);
      } else {
        // Agent by agent, as the interpreter does.
        for (let i = 0; i < r.count; i++) {
          this.self = stat("int", i);
          const write = (kind: FieldKind, v: Val) => {
            const fb = this.field(role, kind);
            const old = this.rowRead(fb, i);
            this.rowWrite(fb, i, this.sel(d, this.as(v, fb.t), old));
          };
          write("team", teamOf(this.self));
          r.state.forEach((st, k) => write(`s${k}`, this.as(this.ex(st.init), st.t)));
          for (const [kind, v] of resets) write(kind, v);
        }
      }
      this.self = undefined;
    });
  }

  /** Round advance for the copies under `adv`: `last` takes this round's action. */
  advanceRound(adv: Val) {
    this.ir.roles.forEach((_, role) => {
      const ra = this.g.roleAxis[role];
      const last = this.field(role, "last");
      const ract = this.field(role, "ract");
      const r = this.view(ract, ra);
      this.matrixWrite(last, this.sel(this.and(adv, this.compare("ge", r, stat("int", 0))), r, this.view(last, ra)));
      this.matrixWrite(ract, this.sel(adv, stat("int", -1), r));
    });
  }

  /** Start of a phase: scheduled rules, then each role's observations and masks (outputs). */
  beginPhase() {
    const ir = this.ir;
    ir.rules.forEach((r, i) => {
      if (r.activeWhen) this.setVal(`R${i}`, this.ex(r.activeWhen));
    });
    ir.roles.forEach((r, role) => {
      const ra = this.g.roleAxis[role];
      this.self = this.g.iota(ra, 0);
      let offset = 0;
      for (const o of r.observations) {
        let v = this.ex(o.expr);
        const hot = o.encoding === "oneHot";
        // One-hot features go out as the class index (the host writes the ones).
        v = hot ? this.as(v, "int") : this.as(v, "real");
        if (!isStatic(v) && !sameAxes(v.axes, [ra]) && v.axes.length > 0)
          throw new Error("internal: an observation varies along another axis");
        this.out({ k: "obs", role, offset, width: o.width, hot, rows: !isStatic(v) && v.axes.length > 0 }, v);
        offset += o.width;
      }
      for (const a of r.actions) {
        let inPhase: Val = TRUE;
        if (a.phases.length > 0) {
          inPhase = FALSE;
          for (const p of a.phases) inPhase = this.or(inPhase, this.compare("eq", this.phase, stat("int", p)));
        }
        if (a.arg && a.guard && !isFalse(inPhase) && this.readsAxes(a.guard)) {
          // The guard reads `self`: one argument value at a time (no outer product).
          for (let k = 0; k < a.flatCount; k++) {
            this.locals.set(a.arg.slot, { val: stat("int", a.arg.lo + k), decl: TRUE });
            const ok = this.and(inPhase, this.ex(a.guard));
            this.locals.delete(a.arg.slot);
            const rows = !isStatic(ok) && ok.axes.length > 0;
            this.out({ k: "mask", role, start: a.flatStart + k, width: 1, cols: false, rows }, ok);
          }
          continue;
        }
        const y = this.g.newAxis(a.flatCount);
        let ok: Val = inPhase;
        if (a.guard && !isFalse(ok)) {
          if (a.arg) this.locals.set(a.arg.slot, { val: this.g.iota(y, a.arg.lo), decl: TRUE });
          ok = this.and(ok, this.ex(a.guard));
          if (a.arg) this.locals.delete(a.arg.slot);
        }
        if (!isStatic(ok) && ok.axes.some((x) => x !== ra && x !== y))
          throw new Error("internal: a guard varies along another axis");
        const cols = !isStatic(ok) && ok.axes.includes(y);
        const rows = !isStatic(ok) && ok.axes.includes(ra);
        this.out({ k: "mask", role, start: a.flatStart, width: a.flatCount, cols, rows }, ok);
      }
      this.self = undefined;
    });
  }

  /** A bot's choice for every agent of its role (the host keeps it only where legal). */
  bot(body: Stmt[], role: number) {
    const ra = this.g.roleAxis[role];
    this.self = this.g.iota(ra, 0);
    this.alive = TRUE;
    this.played = stat("int", -1);
    this.block(body);
    const p = this.played;
    this.out({ k: "play", rows: !isStatic(p) && p.axes.length > 0 }, p);
    this.self = undefined;
  }
}

function containsEnd(stmts: Stmt[]): boolean {
  return stmts.some(
    (s) =>
      s.k === "end" ||
      (s.k === "if" && (containsEnd(s.then) || containsEnd(s.else))) ||
      (s.k === "for" && containsEnd(s.body)),
  );
}

export interface KernelSource {
  /** The body of `kernel(tf, E, H)`. */
  kernel: string;
  /** Static metadata the runtime reads. */
  spec: unknown;
}

/** Generates every kernel function of a scenario, and the runtime's metadata. */
export function generateKernel(ir: IRGame): KernelSource {
  const g = new Gen(ir);
  const canEnd = ir.endWhen.length > 0 || ir.steps.some(containsEnd);
  const numPhases = ir.phases.length;
  const phaseVariants: PhaseSel[] = numPhases === 1 ? [0] : [...ir.phases.map((_, p) => p), "mixed"];
  const tag = (p: PhaseSel) => (p === "mixed" ? "x" : String(p));
  const add = (b: Body) => g.functions.push({ name: b.name, code: b.finish(), draws: b.draws, outs: b.outs });
  // A payoff table of constants (the usual normal-form game) is looked up by the host.
  const payoffs = ir.steps.flat().filter((s): s is Extract<Stmt, { k: "payoff" }> => s.k === "payoff");
  const hostPayoff =
    numPhases === 1 && payoffs.length === 1 && payoffs[0].rows.every((row) => !row || row.every((r) => r.k === "const"))
      ? payoffs[0]
      : undefined;
  const phaseVal = (b: Body, p: PhaseSel): Val => (p === "mixed" ? b.phase : stat("int", p));

  // A: actions, the step of the copy's phase, metrics, totals, objectives, done.
  for (const p of phaseVariants) {
    const b = new Body(g, `A_${tag(p)}`);
    b.hostPayoff = hostPayoff;
    b.takeActions();
    if (p === "mixed") {
      ir.steps.forEach((stmts, q) => {
        b.path = b.compare("eq", { t: "int", v: "X.PH", axes: [], e: true }, stat("int", q));
        b.phase = stat("int", q);
        b.stmts(stmts);
      });
      b.path = TRUE;
      b.phase = { t: "int", v: "X.PH", axes: [], e: true };
    } else {
      b.phase = stat("int", p);
      b.stmts(ir.steps[p]);
    }
    b.afterStep(canEnd);
    add(b);
  }
  // B1: new episodes, for all copies (reset, or every copy done at once) or under a mask.
  for (const all of [true, false]) {
    const b = new Body(g, all ? "B1_all" : "B1_some");
    b.newEpisode(all ? TRUE : { t: "bool", v: "X.D", axes: [], e: true });
    add(b);
  }
  // B2: round advance.
  for (const all of [true, false]) {
    const b = new Body(g, all ? "B2_all" : "B2_some");
    b.advanceRound(all ? TRUE : { t: "bool", v: "X.ADV", axes: [], e: true });
    add(b);
  }
  // B3: start of a phase.
  for (const p of phaseVariants) {
    const b = new Body(g, `B3_${tag(p)}`);
    b.phase = phaseVal(b, p);
    b.beginPhase();
    add(b);
  }
  // Bots.
  ir.bots.forEach((bot, i) => {
    for (const p of phaseVariants) {
      const b = new Body(g, `bot${i}_${tag(p)}`);
      b.phase = phaseVal(b, p);
      b.bot(bot.body, bot.role);
      add(b);
    }
  });

  const state: { key: string; shape: number[]; dtype: DType; fill: number }[] = [];
  ir.rules.forEach((_, i) => state.push({ key: `R${i}`, shape: [], dtype: "bool", fill: 0 }));
  ir.globals.forEach((gl, i) => state.push({ key: `G${i}`, shape: [], dtype: DTYPE[gl.t], fill: 0 }));
  ir.roles.forEach((r, role) => {
    const f = (kind: string, t: Scalar, fill: number) =>
      state.push({ key: `F${role}_${kind}`, shape: [r.count], dtype: DTYPE[t], fill });
    r.state.forEach((s, k) => f(`s${k}`, s.t, 0));
    f("rew", "real", 0);
    f("tot", "real", 0);
    f("team", "int", 0);
    f("act", "int", -1);
    f("last", "int", -1);
    f("ract", "int", -1);
  });

  const spec = {
    numPhases,
    numMetrics: ir.metrics.length,
    numRules: ir.rules.length,
    canEnd,
    horizon: ir.horizon,
    horizonSite: HORIZON_SITE,
    paramSite: PARAM_SITE_BASE,
    params: ir.params.map((p, i) => ({ name: p.name, t: p.t, dynamic: ir.dynamicParams.includes(i) })),
    dynamic: ir.dynamicParams.map((i) => ({
      index: i,
      t: ir.params[i].t,
      value: store(ir.params[i].t, ir.params[i].value),
      range: ir.params[i].range,
    })),
    roles: ir.roles.map((r) => ({ name: r.name, count: r.count, numActions: r.numActions, obsDim: r.obsDim })),
    bots: ir.bots.map((b) => ({ name: b.name, role: b.role })),
    state,
    draws: Object.fromEntries(g.functions.map((f) => [f.name, f.draws])),
    payoff: hostPayoff && {
      agents: hostPayoff.agents.map((a) => [a.role, a.index]),
      sizes: hostPayoff.sizes,
      tables: hostPayoff.agents.map((_, p) =>
        Array.from({ length: hostPayoff.rows.length }, (_, k) =>
          hostPayoff.rows[k] ? (hostPayoff.rows[k][p] as { v: number }).v : 0,
        ),
      ),
    },
    outs: Object.fromEntries(g.functions.map((f) => [f.name, f.outs])),
  };

  const kernel = [
    `const POOL = tf.tidy(() => {`,
    ...g.pool.map((l) => `  ${l}`),
    `  return { ${g.poolNames.join(", ")} };`,
    `});`,
    g.poolNames.length ? `const { ${g.poolNames.join(", ")} } = POOL;` : "",
    ...g.functions.map((f) => f.code),
    `return { pool: Object.values(POOL), fns: { ${g.functions.map((f) => f.name).join(", ")} } };`,
  ].join("\n");
  return { kernel, spec };
}
