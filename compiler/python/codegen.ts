import {
  HORIZON_SITE,
  PARAM_SITE_BASE,
  type AgentField,
  type AssignOp,
  type BinaryOp,
  type Expr,
  type IRGame,
  type Scalar,
  type Stmt,
} from "../ir.js";
import { rlog, rsqrt } from "../../language/semantic/scalar-ops.js";
import { binaryOp } from "../interpreter.js";
import { assertNever } from "../ir-walk.js";
import { forIsVectorizable, initIsVectorizable } from "../vectorize.js";
import { pyString } from "./literal.js";

/**
 * The NumPy kernel generator: turns the IR into straight-line NumPy code that steps all E
 * copies at once, specialised to the scenario (the body of `_kernel` in env.py).
 *
 * How the IR maps to arrays:
 *   - A per-copy value (param, rule, global, round, phase, episode) is an `(E, 1)` array; a
 *     per-agent field is `(E, count)`, copy-major like the JS buffers. Values known when
 *     generating (constants, unrolled loop variables, a static phase) stay Python numbers
 *     and are folded with the interpreter's arithmetic.
 *   - `self` in observations, masks, objectives, bots and initial values is vectorised: it
 *     is `arange(count)`, so a value that depends on it is `(E, count)` (or `(count,)`) and
 *     broadcasts against per-copy `(E, 1)` values. Loops and aggregates are unrolled: their
 *     variable is a constant in each copy of the body.
 *   - Statements are predicated: an `if` runs both branches under masks, and every
 *     assignment is `where(mask, new, old)`. A bot's `play` records its action under the
 *     mask and clears an "alive" mask, so later `play`s cannot override it.
 *   - State arrays are never written in place: every assignment binds a new array (a field's
 *     column through `where` over the column). So a value read earlier stays what it was,
 *     and generated temporaries need no copies.
 *   - Steps run per copy in the copy's own phase: with several phases, each phase's step
 *     runs under `PH == p` (skipped when no copy is in that phase).
 *
 * Arithmetic follows the interpreter bit for bit: reals are float32 arrays (each op rounds
 * once, as `Math.fround` does), ints int32 (add/sub wrap; `*` goes through int64 and wraps),
 * `x / 0` and `x % 0` are 0, `%` is floored, `exp`/`log`/`sqrt` are computed in float64 and
 * rounded (as JavaScript's Math does), and random draws use the same counter hash in uint32
 * arithmetic. The helpers named `_...` are defined once in env.py (see runtime.ts).
 */

interface Val {
  /** Python code: a literal, a temporary, a module constant, or a state name read in this statement. */
  c: string;
  t: Scalar;
  /** A value known when generating. */
  s?: number;
  /** May vary along the agent axis of `self` (shape `(E, count)` or `(count,)`). */
  w?: boolean;
  /** An int that is this bool temporary as 0/1: converted to real straight from the bool. */
  fromBool?: string;
  /** A real converted from this int or bool temporary: an observation stores that one directly
   * (NumPy's assignment casts it exactly as astype would), and the conversion goes unused. */
  unconverted?: string;
  /** Holds agents' actions as stored (-1 or a flat index). */
  act?: boolean;
}

const TRUE: Val = { c: "True", t: "bool", s: 1 };
const FALSE: Val = { c: "False", t: "bool", s: 0 };

function isStatic(v: Val): v is Val & { s: number } {
  return v.s !== undefined;
}
const isTrue = (v: Val) => v.s !== undefined && v.s !== 0;
const isFalse = (v: Val) => v.s !== undefined && v.s === 0;

/** A value of storage type `t`, as the interpreter stores it. */
function store(t: Scalar, v: number): number {
  if (t === "real") return Math.fround(v);
  if (t === "int") return v | 0;
  return v ? 1 : 0;
}

/** Python source of a number of type `t` (reals are float32 values, exact as Python floats). */
export function pyNumber(t: Scalar, v: number): string {
  if (t === "bool") return v ? "True" : "False";
  if (t === "int") {
    const i = v | 0;
    return i < 0 ? `(${i})` : String(i);
  }
  if (Number.isNaN(v)) return "_NAN";
  if (v === Infinity) return "_INF";
  if (v === -Infinity) return "(-_INF)";
  if (Object.is(v, -0)) return "(-0.0)";
  let s = String(v);
  if (!/[.eE]/.test(s)) s += ".0";
  return v < 0 ? `(${s})` : s;
}

function stat(t: Scalar, v: number): Val {
  const s = store(t, v);
  return { c: pyNumber(t, s), t, s };
}

const DTYPE: Record<Scalar, string> = { real: "_F32", int: "_I32", bool: "_BOOL" };

/** The state array holding a per-agent field of a role. */
function fieldArray(
  role: number,
  field: AgentField | { kind: "state"; index: number } | { kind: "reward" } | { kind: "team" } | { kind: "ract" },
): string {
  switch (field.kind) {
    case "state":
      return `S${role}_${field.index}`;
    case "reward":
      return `REW${role}`;
    case "total":
      return `TOT${role}`;
    case "team":
      return `TEAM${role}`;
    case "action":
      return `ACT${role}`;
    case "last":
      return `LAST${role}`;
    case "ract":
      return `RACT${role}`;
  }
}

/** The value and action of a `match` arm's test (`actionIs` on an agent's action), as a key. */
function armOf(c: Expr): { value: string; action: number } | undefined {
  if (c.k !== "actionIs") return undefined;
  return { value: JSON.stringify([c.role, c.value]), action: c.action };
}

/**
 * Whether statements are only further arms on the same value (other actions), ending in
 * nothing: then each arm's test excludes the earlier ones without negating them.
 */
function armChain(stmts: Stmt[], first: { value: string; action: number }): boolean {
  if (stmts.length === 0) return true;
  if (stmts.length !== 1 || stmts[0].k !== "if") return false;
  const arm = armOf(stmts[0].c);
  return !!arm && arm.value === first.value && arm.action !== first.action && armChain(stmts[0].else, first);
}

/** Whether an expression holds an aggregate whose filter or body reads `self`. */
function aggregateReadsSelf(e: Expr): boolean {
  let found = false;
  const visit = (x: Expr | undefined, inAggregate: boolean) => {
    if (!x || found) return;
    switch (x.k) {
      case "self":
        if (inAggregate) found = true;
        return;
      case "aggregate":
        visit(x.filter, true);
        visit(x.body, true);
        return;
      case "agent":
        visit(x.agent, inAggregate);
        return;
      case "unary":
        visit(x.x, inAggregate);
        return;
      case "binary":
        visit(x.a, inAggregate);
        visit(x.b, inAggregate);
        return;
      case "if":
        visit(x.c, inAggregate);
        visit(x.a, inAggregate);
        visit(x.b, inAggregate);
        return;
      case "call":
        x.args.forEach((a) => visit(a, inAggregate));
        return;
      case "random":
        x.keys.forEach((a) => visit(a, inAggregate));
        x.args.forEach((a) => visit(a, inAggregate));
        return;
      case "size":
        visit(x.team, inAggregate);
        return;
      case "ruleDyn":
        visit(x.rule, inAggregate);
        return;
      case "actionIs":
      case "actionArg":
      case "actionIndex":
        visit(x.value, inAggregate);
        return;
      case "actionFlat":
        visit(x.arg, inAggregate);
        return;
      default:
        return;
    }
  };
  visit(e, false);
  return found;
}

function containsEnd(stmts: Stmt[]): boolean {
  return stmts.some(
    (s) =>
      s.k === "end" ||
      (s.k === "if" && (containsEnd(s.then) || containsEnd(s.else))) ||
      (s.k === "for" && containsEnd(s.body)),
  );
}

/** Whether an action's availability never changes: no guard, and in every phase or (with one phase) in none. */
function fixedAction(ir: IRGame, a: IRGame["roles"][number]["actions"][number]): boolean {
  return !a.guard && (a.phases.length === 0 || ir.phases.length === 1);
}

class PyGen {
  private lines: string[] = [];
  private ind = "";
  private tmp = 0;
  private nonlocals = new Set<string>();
  /** Whether the function being generated has asked for the hash base of the moment. */
  private usesBase = false;
  /** Whether the function computes the hash base itself (after changing the round and phase). */
  private baseInline = false;
  /** Module-level constants (tables), emitted before the kernel. */
  readonly consts: string[] = [];
  private readonly constNames = new Map<string, string>();
  private locals = new Map<number, { val: Val; decl: Val }>();
  self: Val | undefined;
  path: Val = TRUE;
  alive: Val = TRUE;
  played: Val = stat("int", -1);
  phase: Val = { c: "PH", t: "int" };
  /** Whether `end` is allowed here (it sets the `ended` variable of the step). */
  canEnd = false;

  constructor(readonly ir: IRGame) {}

  // ---- emission -------------------------------------------------------------------------------

  emit(line: string) {
    this.lines.push(this.ind + line);
  }

  /**
   * Runs `body` one indentation level deeper (a Python block): temporaries made inside are
   * not reused outside, nor ones made before inside (the caches start and end empty).
   */
  indented(body: () => void) {
    const saved = this.ind;
    this.ind += "    ";
    this.cse.clear();
    try {
      body();
    } finally {
      this.ind = saved;
      this.cse.clear();
    }
  }

  /** Temporaries by the code they hold: pure codes, and state reads until the state is rebound. */
  private readonly cse = new Map<string, Val>();

  /** Binds `code` (pure: temporaries, constants and NumPy calls only) to a temporary, reusing an equal one. */
  let(code: string, t: Scalar, w = false): Val {
    const known = this.cse.get(code);
    if (known && known.t === t) return known;
    const name = `t${this.tmp++}`;
    this.emit(`${name} = ${code}`);
    const v = { c: name, t, w };
    this.cse.set(code, v);
    return v;
  }

  /** Rebinds a state name (the function declares it nonlocal); earlier reads of it are forgotten. */
  assign(name: string, code: string) {
    this.nonlocals.add(name);
    this.emit(`${name} = ${code}`);
    this.forget(name);
  }

  /** Forgets cached codes that read a state name. */
  private forget(name: string) {
    const pattern = new RegExp(`(^|[^A-Za-z0-9_])${name}($|[^A-Za-z0-9_])`);
    for (const key of [...this.cse.keys()]) if (pattern.test(key)) this.cse.delete(key);
  }

  /** A module-level constant, shared by identical definitions. */
  constant(code: string): string {
    let name = this.constNames.get(code);
    if (!name) {
      name = `_K${this.consts.length}`;
      this.consts.push(`${name} = ${code}`);
      this.constNames.set(code, name);
    }
    return name;
  }

  /** Generates a function of the kernel closure. */
  fn(name: string, params: string, body: () => void): string[] {
    const savedLines = this.lines;
    const savedNonlocals = this.nonlocals;
    this.lines = [];
    this.nonlocals = new Set();
    this.usesBase = false;
    this.baseInline = false;
    this.locals = new Map();
    this.cse.clear();
    this.tmp = 0;
    this.indented(() => this.indented(body));
    const bodyLines = withoutDeadTemporaries(this.lines);
    const nonlocals = [...this.nonlocals];
    this.lines = savedLines;
    this.nonlocals = savedNonlocals;
    const head = [`    def ${name}(${params}):`];
    if (nonlocals.length) head.push(`        nonlocal ${nonlocals.join(", ")}`);
    if (this.usesBase && !this.baseInline) head.push("        HB = _mix(_mix(_mix(H0, EP), RND), PH)");
    if (bodyLines.length === 0) bodyLines.push("        pass");
    return [...head, ...bodyLines];
  }

  // ---- conversions and arithmetic -------------------------------------------------------------

  as(v: Val, t: Scalar): Val {
    if (v.t === t) return v;
    if (isStatic(v)) return stat(t, v.s);
    if (t === "real") {
      const source = v.fromBool ?? v.c;
      const r = this.let(`${source}.astype(_F32)`, "real", v.w);
      return /^t\d+$/.test(source) ? { ...r, unconverted: source } : r;
    }
    if (t === "int" && v.t === "bool") {
      const i = this.let(`${v.c}.astype(_I32)`, "int", v.w);
      // Only a temporary is never rebound, so only a temporary can be read again later.
      return /^t\d+$/.test(v.c) ? { ...i, fromBool: v.c } : i;
    }
    if (t === "int") return this.let(`_toi32(${v.c})`, "int", v.w);
    return this.let(`(${v.c} != 0)`, "bool", v.w);
  }

  /** A value as a full `(E, 1)` array of its type (for state that must stay an array). */
  full(v: Val): string {
    if (isStatic(v)) return `np.full(_E1, ${v.c}, ${DTYPE[v.t]})`;
    return v.c;
  }

  not(a: Val): Val {
    if (isStatic(a)) return stat("bool", a.s ? 0 : 1);
    return this.let(`~${a.c}`, "bool", a.w);
  }

  and(a: Val, b: Val): Val {
    if (isFalse(a) || isFalse(b)) return FALSE;
    if (isTrue(a)) return b;
    if (isTrue(b)) return a;
    if (a.c === b.c) return a;
    return this.let(`${a.c} & ${b.c}`, "bool", a.w || b.w);
  }

  or(a: Val, b: Val): Val {
    if (isTrue(a) || isTrue(b)) return TRUE;
    if (isFalse(a)) return b;
    if (isFalse(b)) return a;
    if (a.c === b.c) return a;
    return this.let(`${a.c} | ${b.c}`, "bool", a.w || b.w);
  }

  /** `where(m, a, b)`, typed as `a`. */
  sel(m: Val, a: Val, b: Val): Val {
    b = this.as(b, a.t);
    if (isTrue(m)) return a;
    if (isFalse(m)) return b;
    if (isStatic(a) && isStatic(b) && Object.is(a.s, b.s)) return a;
    if (a.c === b.c) return a;
    // `if c then 1 else 0`: the condition as a number.
    if (isStatic(a) && isStatic(b) && a.s === 1 && b.s === 0 && a.t !== "bool") {
      const n = this.let(`${m.c}.astype(${DTYPE[a.t]})`, a.t, m.w);
      return a.t === "int" && /^t\d+$/.test(m.c) ? { ...n, fromBool: m.c } : n;
    }
    // Two Python numbers would make a default-typed array: type both (NumPy 1.x promotes
    // a float32 and a Python float to float64).
    const both = isStatic(a) && isStatic(b);
    const ac = both ? `${DTYPE[a.t]}(${a.c})` : a.c;
    const bc = both ? `${DTYPE[b.t]}(${b.c})` : b.c;
    return this.let(`np.where(${m.c}, ${ac}, ${bc})`, a.t, m.w || a.w || b.w);
  }

  binary(op: BinaryOp, operand: Scalar, t: Scalar, a: Val, b: Val): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, binaryOp(op, operand, a.s, b.s));
    const w = a.w || b.w;
    const int = operand === "int";
    switch (op) {
      case "add":
        if (isStatic(b) && b.s === 0 && int) return a;
        if (isStatic(a) && a.s === 0 && int) return b;
        return this.let(`${a.c} + ${b.c}`, t, w);
      case "sub":
        if (isStatic(b) && b.s === 0 && int) return a;
        return this.let(`${a.c} - ${b.c}`, t, w);
      case "mul":
        if (isStatic(b) && b.s === 1) return a;
        if (isStatic(a) && a.s === 1) return b;
        return int ? this.let(`_imul(${a.c}, ${b.c})`, t, w) : this.let(`${a.c} * ${b.c}`, t, w);
      case "div":
        if (isStatic(b)) return b.s === 0 ? stat("real", 0) : b.s === 1 ? a : this.let(`${a.c} / ${b.c}`, "real", w);
        return this.let(`_rdiv(${a.c}, ${b.c})`, "real", w);
      case "mod":
        if (isStatic(b) && b.s === 0) return stat(t, 0);
        return this.let(int ? `_imod(${a.c}, ${b.c})` : `_rmod(${a.c}, ${b.c})`, t, w);
      case "eq":
      case "ne":
        if (operand === "bool" && (isStatic(a) || isStatic(b))) {
          // Comparing with a constant bool is the value or its negation.
          const [k, x] = isStatic(a) ? [a, b] : [b, a];
          return (k.s !== 0) === (op === "eq") ? x : this.not(x);
        }
        return this.let(`(${a.c} ${op === "eq" ? "==" : "!="} ${b.c})`, "bool", w);
      case "lt":
        return this.let(`(${a.c} < ${b.c})`, "bool", w);
      case "le":
        return this.let(`(${a.c} <= ${b.c})`, "bool", w);
      case "gt":
        return this.let(`(${a.c} > ${b.c})`, "bool", w);
      case "ge":
        return this.let(`(${a.c} >= ${b.c})`, "bool", w);
      case "and":
        return this.and(a, b);
      case "or":
        return this.or(a, b);
      default:
        return assertNever(op, "binary operator");
    }
  }

  minmax(fn: "min" | "max", a: Val, b: Val, t: Scalar): Val {
    if (isStatic(a) && isStatic(b)) return stat(t, fn === "min" ? Math.min(a.s, b.s) : Math.max(a.s, b.s));
    return this.let(`np.${fn === "min" ? "minimum" : "maximum"}(${a.c}, ${b.c})`, t, a.w || b.w);
  }

  // ---- state --------------------------------------------------------------------------------

  /** Reads a state name into a temporary (a snapshot: state is rebound, never written in place). */
  private read(code: string, t: Scalar, w = false): Val {
    return this.let(code, t, w);
  }

  private fieldType(role: number, field: AgentField): Scalar {
    if (field.kind === "state") return this.ir.roles[role].state[field.index].t;
    return field.kind === "reward" || field.kind === "total" ? "real" : "int";
  }

  /** Whether `a` is `self` (or a vectorised index) running over all agents of a role of `count`. */
  private isAgentAxis(a: Val, count: number): boolean {
    return a.c === `_AR${count}`;
  }

  agentRead(role: number, a: Val, field: AgentField): Val {
    const v = this.agentReadRaw(role, a, field);
    return field.kind === "action" || field.kind === "last" ? { ...v, act: !isStatic(v) } : v;
  }

  private agentReadRaw(role: number, a: Val, field: AgentField): Val {
    const arr = fieldArray(role, field);
    const t = this.fieldType(role, field);
    const n = this.ir.roles[role].count;
    if (isStatic(a)) return a.s >= 0 && a.s < n ? this.read(`${arr}[:, ${a.s}:${a.s + 1}]`, t) : stat(t, 0);
    if (this.isAgentAxis(a, n)) return this.read(arr, t, true);
    // A run-time index: only meaningful where it is in range (elsewhere the lane is masked out).
    const idx = this.let(`np.minimum(np.maximum(${a.c}, 0), ${n - 1})`, "int", a.w);
    return this.let(`${arr}[_ROWS, ${idx.c}]`, t, a.w);
  }

  /** The `(count,)` one-hot mask of column `i`. */
  private column(n: number, i: number): string {
    return this.constant(`np.arange(${n}) == ${i}`);
  }

  agentWrite(
    role: number,
    a: Val,
    field: { kind: "state"; index: number } | { kind: "reward" } | { kind: "team" },
    op: AssignOp,
    v: Val,
    t: Scalar,
  ) {
    const arr = fieldArray(role, field);
    const n = this.ir.roles[role].count;
    const m = this.mask();
    if (isStatic(a)) {
      if (a.s < 0 || a.s >= n) return;
      const old = this.read(`${arr}[:, ${a.s}:${a.s + 1}]`, t);
      const nv = this.applyOp(op, t, old, v);
      if (!m.w && !nv.w) {
        // One column of a fresh copy: cheaper than a where over every column, and earlier
        // reads of the old array keep their values.
        const value = isTrue(m) ? nv : this.let(`np.where(${m.c}, ${nv.c}, ${old.c})`, t);
        this.assign(arr, `${arr}.copy()`);
        this.emit(`${arr}[:, ${a.s}:${a.s + 1}] = ${value.c}`);
        return;
      }
      const hit = this.and(m, { c: this.column(n, a.s), t: "bool", w: true });
      this.assign(arr, `np.where(${hit.c}, ${nv.c}, ${arr})`);
      return;
    }
    const old = this.read(arr, t, true);
    const nv = this.applyOp(op, t, old, v);
    const hit = this.isAgentAxis(a, n) ? m : this.and(m, this.let(`(${a.c} == _AR${n})`, "bool", true));
    if (isTrue(hit)) this.assign(arr, `np.broadcast_to(${nv.c}, ${arr}.shape).astype(${DTYPE[t]})`);
    else this.assign(arr, `np.where(${hit.c}, ${nv.c}, ${arr})`);
  }

  // ---- expressions ----------------------------------------------------------------------------

  ex(e: Expr): Val {
    switch (e.k) {
      case "const":
        return stat(e.t, e.v);
      case "param":
        return this.param(e.param);
      case "global":
        return this.read(`G${e.index}`, e.t);
      case "local": {
        const b = this.locals.get(e.slot);
        if (!b) throw new Error(`internal: local ${e.slot} read before it is set`);
        return b.val;
      }
      case "self":
        if (!this.self) throw new Error("internal: `self` outside a role context");
        return this.self;
      case "agent":
        return this.agentRead(e.role, this.ex(e.agent), e.field);
      case "round":
        return this.read("RND", "int");
      case "phase":
        return isStatic(this.phase) ? this.phase : this.read("PH", "int");
      case "rule":
        return this.read(`R${e.rule}`, "bool");
      case "ruleDyn": {
        const id = this.ex(e.rule);
        if (isStatic(id)) return id.s >= 0 && id.s < this.ir.rules.length ? this.read(`R${id.s}`, "bool") : FALSE;
        let out: Val = FALSE;
        this.ir.rules.forEach(
          (_, i) =>
            (out = this.sel(this.binary("eq", "int", "bool", id, stat("int", i)), this.read(`R${i}`, "bool"), out)),
        );
        return out;
      }
      case "unary": {
        const x = this.ex(e.x);
        if (e.op === "not") return this.not(x);
        if (isStatic(x)) return stat(e.t, e.t === "int" ? -x.s | 0 : -x.s);
        return this.let(`-${x.c}`, e.t, x.w);
      }
      case "binary": {
        if (e.op === "and") return this.and(this.ex(e.a), this.ex(e.b));
        if (e.op === "or") return this.or(this.ex(e.a), this.ex(e.b));
        // An int converted to a real (`x + 0.0`): the cast is exact rounding already.
        if (e.op === "add" && e.operand === "real" && e.a.t === "int" && e.b.k === "const" && e.b.v === 0)
          return this.as(this.ex(e.a), "real");
        return this.binary(e.op, e.operand, e.t, this.as(this.ex(e.a), e.operand), this.as(this.ex(e.b), e.operand));
      }
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
          if (r.count === 0) return;
          if (!team.w) {
            const hits = this.let(`(TEAM${role} == ${team.c}).sum(axis=1, keepdims=True, dtype=_I32)`, "int");
            n = this.binary("add", "int", "int", n, hits);
            return;
          }
          // The team varies along the agent axis: count agent by agent (no outer product).
          for (let i = 0; i < r.count; i++) {
            const hit = this.binary("eq", "int", "bool", this.read(`TEAM${role}[:, ${i}:${i + 1}]`, "int"), team);
            n = this.binary("add", "int", "int", n, this.as(hit, "int"));
          }
        });
        return n;
      }
      case "actionIs": {
        const role = this.ir.roles[e.role];
        const a = role.actions[e.action];
        const v = this.ex(e.value);
        if (isStatic(v)) return stat("bool", v.s >= 0 && role.flatAction[v.s] === e.action ? 1 : 0);
        if (a.flatCount === 1) return this.binary("eq", "int", "bool", v, stat("int", a.flatStart));
        if (v.act) {
          // An agent's action is -1 or a flat index: look its action index up once (the
          // table's last entry, -1, is what index -1 reads), then compare.
          const table = this.constant(`np.array([${[...role.flatAction, -1].join(", ")}], dtype=_I32)`);
          return this.binary("eq", "int", "bool", this.let(`${table}[${v.c}]`, "int", v.w), stat("int", e.action));
        }
        return this.and(
          this.binary("ge", "int", "bool", v, stat("int", a.flatStart)),
          this.binary("lt", "int", "bool", v, stat("int", a.flatStart + a.flatCount)),
        );
      }
      case "actionArg": {
        const role = this.ir.roles[e.role];
        const a = role.actions[e.action];
        const v = this.ex(e.value);
        if (isStatic(v)) return stat("int", v.s >= 0 ? (role.flatArg[v.s] ?? 0) : 0);
        // Only read under `actionIs` (a match arm): there v is an index of this action.
        return this.binary("sub", "int", "int", v, stat("int", a.flatStart - (a.arg?.lo ?? 0)));
      }
      case "actionFlat": {
        const a = this.ir.roles[e.role].actions[e.action];
        if (!e.arg || !a.arg) return stat("int", a.flatStart);
        const k = this.binary("sub", "int", "int", this.ex(e.arg), stat("int", a.arg.lo));
        if (isStatic(k)) return stat("int", k.s >= 0 && k.s < a.flatCount ? a.flatStart + k.s : -2);
        const inRange = this.and(
          this.binary("ge", "int", "bool", k, stat("int", 0)),
          this.binary("lt", "int", "bool", k, stat("int", a.flatCount)),
        );
        return this.sel(inRange, this.binary("add", "int", "int", k, stat("int", a.flatStart)), stat("int", -2));
      }
      case "actionIndex": {
        const role = this.ir.roles[e.role];
        const v = this.ex(e.value);
        if (isStatic(v)) return stat("int", v.s >= 0 ? (role.flatAction[v.s] ?? -1) : -1);
        if (role.flatAction.every((a, i) => a === i)) return v;
        const table = this.constant(`np.array([${role.flatAction.join(", ")}], dtype=_I32)`);
        const idx = this.let(`np.minimum(np.maximum(${v.c}, 0), ${role.numActions - 1})`, "int", v.w);
        return this.sel(
          this.binary("ge", "int", "bool", v, stat("int", 0)),
          this.let(`${table}[${idx.c}]`, "int", v.w),
          stat("int", -1),
        );
      }
    }
    throw new Error(`internal: unknown expression ${(e as Expr).k}`);
  }

  private param(i: number): Val {
    const p = this.ir.params[i];
    let v: Val = this.ir.dynamicParams.includes(i) ? this.read(`P${i}`, p.t) : stat(p.t, p.value);
    // Rule overrides: the first listed (the last declared) wins.
    for (const o of [...p.overrides].reverse())
      v = this.sel(this.read(`R${o.rule}`, "bool"), this.as(this.ex(o.value), p.t), v);
    return v;
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
        if (isStatic(x)) return stat(t, Math.abs(x.s));
        return this.let(`np.abs(${x.c})`, t, x.w);
      }
      case "floor": {
        const x = args[0];
        if (isStatic(x)) return stat("int", Math.floor(x.s) | 0);
        return this.let(`_floor(${x.c})`, "int", x.w);
      }
      case "clamp":
        return this.minmax(
          "min",
          this.minmax("max", this.as(args[0], t), this.as(args[1], t), t),
          this.as(args[2], t),
          t,
        );
      case "exp":
      case "log":
      case "sqrt": {
        const x = args[0];
        if (isStatic(x))
          return stat("real", e.fn === "exp" ? Math.fround(Math.exp(x.s)) : e.fn === "log" ? rlog(x.s) : rsqrt(x.s));
        return this.let(`_r${e.fn}(${x.c})`, "real", x.w);
      }
    }
  }

  private random(e: Extract<Expr, { k: "random" }>): Val {
    this.usesBase = true;
    let h = this.let(`_mix(HB, ${e.site >>> 0})`, "int");
    for (const key of e.keys) {
      const k = this.ex(key);
      h = this.let(`_mix(${h.c}, ${isStatic(k) ? k.s >>> 0 : k.c})`, "int", h.w || k.w);
    }
    const u = this.let(`_unit(${h.c})`, "real", h.w);
    if (e.fn === "random") return u;
    if (e.fn === "bernoulli") return this.binary("lt", "real", "bool", u, this.ex(e.args[0]));
    const lo = this.ex(e.args[0]);
    const hi = this.ex(e.args[1]);
    if (isStatic(lo) && isStatic(hi) && hi.s - lo.s + 1 <= 1) return stat("int", lo.s);
    return this.let(`_rint(${u.c}, ${lo.c}, ${hi.c})`, "int", u.w || lo.w || hi.w);
  }

  /** Whether the agent axis is taken (by a vectorised `self` or aggregate variable). */
  private axisBusy(): boolean {
    return !!this.self?.w || this.inVectorAggregate || !!this.reductions;
  }

  private inVectorAggregate = false;

  /**
   * An aggregate over a role whose result does not need float32 additions in order (count,
   * any, all, int sums, int min/max), with its variable running along the agent axis: one
   * reduction instead of one block per agent. Undefined where it does not apply.
   */
  private vectorAggregate(e: Extract<Expr, { k: "aggregate" }>): Val | undefined {
    // (With `self` a constant, unrolling folds comparisons with it: `o != self`.)
    if (e.domain.kind !== "role" || this.axisBusy() || (this.self && isStatic(this.self))) return undefined;
    const vectorizable =
      e.fn === "count" ||
      e.fn === "any" ||
      e.fn === "all" ||
      (e.t === "int" && (e.fn === "sum" || e.fn === "min" || e.fn === "max"));
    if (!vectorizable) return undefined;
    const n = this.ir.roles[e.domain.role].count;
    const saved = this.locals.get(e.slot);
    this.locals.set(e.slot, { val: this.selfAxis(n), decl: TRUE });
    this.inVectorAggregate = true;
    const wide = (v: Val) => `np.broadcast_to(${v.c}, (E, ${n}))`;
    try {
      const f = e.filter ? this.ex(e.filter) : TRUE;
      switch (e.fn) {
        case "count":
          if (!f.w) return this.sel(f, stat("int", n), stat("int", 0));
          return this.let(`_row_count(${f.c}, E, ${n})`, "int");
        case "any":
        case "all":
          if (!f.w) return f;
          return this.let(`_row_${e.fn}(${f.c}, E, ${n})`, "bool");
        case "sum": {
          let b = this.as(this.ex(e.body!), "int");
          b = this.sel(f, b, stat("int", 0));
          if (!b.w) return this.binary("mul", "int", "int", b, stat("int", n));
          return this.let(`${wide(b)}.sum(axis=1, keepdims=True, dtype=_I32)`, "int");
        }
        default: {
          const b = this.as(this.ex(e.body!), "int");
          const sentinel = e.fn === "min" ? 2147483647 : -2147483648;
          const r = this.let(`${wide(this.sel(f, b, stat("int", sentinel)))}.${e.fn}(axis=1, keepdims=True)`, "int");
          const any = f.w ? this.let(`${wide(f)}.any(axis=1, keepdims=True)`, "bool") : f;
          return this.sel(any, r, stat("int", 0));
        }
      }
    } finally {
      this.inVectorAggregate = false;
      if (saved) this.locals.set(e.slot, saved);
      else this.locals.delete(e.slot);
    }
  }

  /** An aggregate element by element (the variable a constant in each), in index order. */
  private aggregate(e: Extract<Expr, { k: "aggregate" }>): Val {
    const vector = this.vectorAggregate(e);
    if (vector) return vector;
    const n = e.domain.kind === "teams" ? this.ir.teams.length : this.ir.roles[e.domain.role].count;
    const t = e.t;
    const saved = this.locals.get(e.slot);
    let count: Val = stat("int", 0);
    let acc: Val = e.fn === "all" ? TRUE : e.fn === "any" ? FALSE : stat(e.fn === "mean" ? "real" : t, 0);
    let first = true;
    try {
      for (let i = 0; i < n; i++) {
        this.locals.set(e.slot, { val: stat("int", i), decl: TRUE });
        const f = e.filter ? this.ex(e.filter) : TRUE;
        if (isFalse(f)) continue;
        switch (e.fn) {
          case "count":
            count = this.binary("add", "int", "int", count, this.as(f, "int"));
            break;
          case "any":
            acc = this.or(acc, f);
            break;
          case "all":
            acc = this.and(acc, f);
            break;
          case "sum":
          case "mean": {
            const bt: Scalar = e.fn === "mean" ? "real" : t;
            const v = this.as(this.ex(e.body!), bt);
            // The interpreter adds from 0 only where the filter passes.
            acc = this.sel(f, this.binary("add", bt, bt, acc, v), acc);
            if (e.fn === "mean") count = this.binary("add", "int", "int", count, this.as(f, "int"));
            break;
          }
          case "min":
          case "max": {
            const v = this.as(this.ex(e.body!), t);
            // The first element that passes is taken as is, later ones through min/max.
            const next = first
              ? v
              : this.sel(
                  count.s === 0 ? FALSE : this.binary("gt", "int", "bool", count, stat("int", 0)),
                  this.minmax(e.fn, acc, v, t),
                  v,
                );
            acc = this.sel(f, next, acc);
            count = this.binary("add", "int", "int", count, this.as(f, "int"));
            first = false;
            break;
          }
        }
      }
    } finally {
      if (saved) this.locals.set(e.slot, saved);
      else this.locals.delete(e.slot);
    }
    switch (e.fn) {
      case "count":
        return count;
      case "mean": {
        if (isStatic(count))
          return count.s === 0 ? stat("real", 0) : this.binary("div", "real", "real", acc, stat("real", count.s));
        return this.sel(
          this.binary("eq", "int", "bool", count, stat("int", 0)),
          stat("real", 0),
          this.binary("div", "real", "real", acc, this.as(count, "real")),
        );
      }
      default:
        return acc;
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
  block(list: Stmt[]) {
    const before = new Set(this.locals.keys());
    this.stmts(list);
    for (const k of [...this.locals.keys()]) if (!before.has(k)) this.locals.delete(k);
  }

  applyOp(op: AssignOp, t: Scalar, old: Val | undefined, v: Val): Val {
    if (op === "set") return this.as(v, t);
    if (!old) throw new Error("internal: compound assignment to an unset value");
    if (op === "div") return this.as(this.binary("div", "real", "real", this.as(old, "real"), this.as(v, "real")), t);
    return this.binary(op, t, t, old, this.as(v, t));
  }

  private stmt(s: Stmt) {
    switch (s.k) {
      case "setLocal": {
        const v = this.ex(s.value);
        if (this.reduceInto(`L${s.slot}`, s.op, s.t, v)) return;
        const cur = this.locals.get(s.slot);
        const nv = this.applyOp(s.op, s.t, cur?.val, v);
        const m = this.mask();
        // A declaration, or an assignment under the mask of its declaration: lanes outside
        // that mask never read the local, so no `where` is needed.
        if (!cur) this.locals.set(s.slot, { val: nv, decl: m });
        else if (isTrue(m) || m.c === cur.decl.c) this.locals.set(s.slot, { val: nv, decl: cur.decl });
        else this.locals.set(s.slot, { val: this.sel(m, nv, cur.val), decl: cur.decl });
        return;
      }
      case "setGlobal": {
        const value = this.ex(s.value);
        if (this.reduceInto(`G${s.index}`, s.op, s.t, value)) return;
        const old = this.read(`G${s.index}`, s.t);
        const nv = this.applyOp(s.op, s.t, old, value);
        this.assign(`G${s.index}`, this.full(this.sel(this.mask(), nv, old)));
        return;
      }
      case "setAgent":
        this.agentWrite(
          s.role,
          this.ex(s.agent),
          s.field,
          s.op,
          this.ex(s.value),
          s.field.kind === "reward" ? "real" : s.field.kind === "team" ? "int" : s.t,
        );
        return;
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
          // The other arms of a `match` on the same value exclude this one by themselves.
          this.path = armOf(s.c) && armChain(s.else, armOf(s.c)!) ? saved : this.and(saved, this.not(c));
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
        const n = s.domain.kind === "teams" ? this.ir.teams.length : this.ir.roles[s.domain.role].count;
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
        this.ir.rules.forEach((_, i) =>
          this.enact(i, this.and(m, this.binary("eq", "int", "bool", id, stat("int", i))), s.active),
        );
        return;
      }
      case "end": {
        if (!this.canEnd) throw new Error("internal: `end` outside a step");
        let m = this.mask();
        // In a vectorised loop: the copy ends if any agent's iteration does.
        if (m.w) m = this.let(`np.broadcast_to(${m.c}, (E, ${this.loopCount})).any(axis=1, keepdims=True)`, "bool");
        if (isTrue(m)) this.emit("ended = np.ones(_E1, _BOOL)");
        else this.emit(`ended = ended | ${m.c}`);
        this.forget("ended");
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

  // ---- vectorised loops ---------------------------------------------------------------------

  /** In a vectorised loop: the outer values it adds to (`L` slot, `G` index), and the contributions. */
  private reductions?: Map<string, { t: Scalar; parts: Val[] }>;
  private loopCount = 0;

  /** In a vectorised loop, an update of an outer value it adds to: records the contribution. */
  private reduceInto(key: string, op: AssignOp, t: Scalar, v: Val): boolean {
    const r = this.reductions?.get(key);
    if (!r) return false;
    let c = this.sel(this.mask(), this.as(v, t), stat(t, 0));
    if (op === "sub") c = isStatic(c) ? stat(t, -c.s) : this.let(`-${c.c}`, t, c.w);
    r.parts.push(c);
    return true;
  }

  /** Whether a `for` over a role can run for all its agents at once (see compiler/vectorize.ts). */
  private vectorizable(s: Extract<Stmt, { k: "for" }>): boolean {
    if (this.axisBusy() || !isTrue(this.alive)) return false;
    return forIsVectorizable(this.ir, s, (slot) => this.locals.has(slot));
  }

  private forVectorized(s: Extract<Stmt, { k: "for" }> & { domain: { kind: "role"; role: number } }) {
    const n = this.ir.roles[s.domain.role].count;
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
    this.locals.set(s.slot, { val: this.selfAxis(n), decl: TRUE });
    this.reductions = reductions;
    this.loopCount = n;
    try {
      this.path = this.and(saved, s.filter ? this.ex(s.filter) : TRUE);
      if (!isFalse(this.mask())) this.block(s.body);
    } finally {
      this.reductions = undefined;
      this.path = saved;
      this.locals.delete(s.slot);
    }
    for (const [key, r] of reductions) {
      if (r.parts.length === 0) continue;
      const old = key.startsWith("L") ? this.locals.get(Number(key.slice(1)))!.val : this.read(key, r.t);
      let total = old;
      if (r.t === "int") {
        for (const c of r.parts)
          total = this.binary(
            "add",
            "int",
            "int",
            total,
            c.w ? this.let(`_row_count(${c.c}, E, ${n})`, "int") : this.binary("mul", "int", "int", c, stat("int", n)),
          );
      } else {
        // old + c[0] + c[1] + ..., rounding after each addition, as the iterations would
        // (an iteration that adds nothing leaves the value as it is, -0 included).
        const c = r.parts[0];
        const wide = this.let(`np.broadcast_to(${c.c}, (E, ${n}))`, "real", true);
        const m = this.mask();
        const added =
          this.path.w || m.w
            ? this.let(`np.broadcast_to(${this.and(this.path, m).c}, (E, ${n}))`, "bool", true)
            : undefined;
        for (let i = 0; i < n; i++) {
          const sum = this.let(`${total.c} + ${wide.c}[:, ${i}:${i + 1}]`, "real");
          total = added ? this.let(`np.where(${added.c}[:, ${i}:${i + 1}], ${sum.c}, ${total.c})`, "real") : sum;
        }
      }
      if (key.startsWith("L")) {
        const slot = Number(key.slice(1));
        this.locals.set(slot, { val: total, decl: this.locals.get(slot)!.decl });
      } else this.assign(key, this.full(total));
    }
  }

  private enact(rule: number, m: Val, active: boolean) {
    const old = this.read(`R${rule}`, "bool");
    this.assign(`R${rule}`, this.full(active ? this.or(old, m) : this.and(old, this.not(m))));
  }

  private payoff(s: Extract<Stmt, { k: "payoff" }>) {
    const constant = s.rows.every((row) => !row || row.every((r) => r.k === "const"));
    const wholeRoles = s.agents.every(
      (a, p) =>
        p === 0 ||
        (a.role === s.agents[p - 1].role
          ? a.index === s.agents[p - 1].index + 1
          : a.index === 0 && s.agents[p - 1].index === this.ir.roles[s.agents[p - 1].role].count - 1),
    );
    if (constant && wholeRoles && s.agents[0].index === 0) {
      this.payoffTable(s);
      return;
    }
    const acts = s.agents.map((a) => this.read(`ACT${a.role}[:, ${a.index}:${a.index + 1}]`, "int"));
    let valid: Val = TRUE;
    for (const a of acts) valid = this.and(valid, this.binary("ge", "int", "bool", a, stat("int", 0)));
    let joint = acts[0];
    // (The joint index stays below the number of rows: no overflow.)
    for (let p = 1; p < acts.length; p++) joint = this.let(`${joint.c} * ${s.sizes[p]} + ${acts[p].c}`, "int");
    const m = this.and(this.mask(), valid);
    if (isFalse(m)) return;
    s.agents.forEach((pos, p) => {
      let gain: Val = stat("real", 0);
      s.rows.forEach((row, k) => {
        if (!row) return;
        gain = this.sel(
          this.binary("eq", "int", "bool", joint, stat("int", k)),
          this.as(this.ex(row[p]), "real"),
          gain,
        );
      });
      const saved = this.path;
      this.path = this.and(saved, valid);
      this.agentWrite(pos.role, stat("int", pos.index), { kind: "reward" }, "add", gain, "real");
      this.path = saved;
    });
  }

  /**
   * A payoff table of constants over every agent (the usual normal-form game): one lookup
   * per copy gives every agent's gain, added role by role.
   */
  private payoffTable(s: Extract<Stmt, { k: "payoff" }>) {
    const roles = [...new Set(s.agents.map((a) => a.role))];
    let joint: Val | undefined;
    let valid: Val = TRUE;
    let p = 0;
    for (const role of roles) {
      const n = this.ir.roles[role].count;
      const act = this.read(`ACT${role}`, "int", true);
      // Column by column: a reduction along a short axis costs far more in NumPy.
      const played =
        n <= 8
          ? Array.from({ length: n }, (_, i) => `(${act.c}[:, ${i}:${i + 1}] >= 0)`).join(" & ")
          : `(${act.c} >= 0).all(axis=1, keepdims=True)`;
      valid = this.and(valid, this.let(played, "bool"));
      for (let i = 0; i < n; i++, p++) {
        const col = `${act.c}[:, ${i}:${i + 1}]`;
        joint = joint ? this.let(`${joint.c} * ${s.sizes[p]} + ${col}`, "int") : this.let(col, "int");
      }
    }
    const m = this.and(this.mask(), valid);
    if (isFalse(m)) return;
    // A missing row pays nothing.
    const rows = Array.from(
      { length: s.rows.length },
      (_, k) =>
        `[${s.agents.map((_, q) => pyNumber("real", s.rows[k] ? (s.rows[k][q] as { v: number }).v : 0)).join(", ")}]`,
    );
    const table = this.constant(`np.array([${rows.join(", ")}], dtype=_F32)`);
    const gains = this.let(`np.take(${table}, ${joint!.c}[:, 0], axis=0, mode="clip")`, "real", true);
    let start = 0;
    for (const role of roles) {
      const n = this.ir.roles[role].count;
      const old = this.read(`REW${role}`, "real", true);
      this.assign(`REW${role}`, `np.where(${m.c}, ${old.c} + ${gains.c}[:, ${start}:${start + n}], ${old.c})`);
      start += n;
    }
  }

  // ---- the pieces of the kernel ----------------------------------------------------------------

  /** Runs `body` with `self` over all agents of a role (vectorised), or agent by agent. */
  withSelf(self: Val, body: () => void) {
    this.self = self;
    try {
      body();
    } finally {
      this.self = undefined;
    }
  }

  selfAxis(count: number): Val {
    return { c: `_AR${count}`, t: "int", w: true };
  }

  /** `start(D)`: new episodes for the copies under the `(E, 1)` mask D (EP already set). */
  start(): string[] {
    const ir = this.ir;
    return this.fn("start", "D", () => {
      const d: Val = { c: "D", t: "bool" };
      this.assign("RND", "np.where(D, _I32(-1), RND)");
      this.assign("PH", "np.where(D, _I32(0), PH)");
      this.phase = stat("int", 0);
      // Draws at reset hash (episode, round -1, phase 0): the base of the new values.
      this.baseInline = true;
      this.emit("HB = _mix(_mix(_mix(H0, EP), RND), PH)");
      this.emit(`HZ_NEW = _rint(_unit(_mix(HB, ${HORIZON_SITE >>> 0})), ${ir.horizon.lo}, ${ir.horizon.hi})`);
      this.assign("HZ", "np.where(D, HZ_NEW, HZ)");
      for (const i of ir.dynamicParams) {
        const p = ir.params[i];
        const dflt = pyNumber(p.t, store(p.t, p.value));
        this.emit(`if PIN[${i}] is not None:`);
        this.indented(() => this.emit(`v = PIN[${i}]`));
        if (p.range) {
          const u = `_unit(_mix(HB, ${(PARAM_SITE_BASE + i) >>> 0}))`;
          this.emit("elif SAMPLE:");
          this.indented(() =>
            this.emit(
              p.t === "int"
                ? `v = _rint(${u}, ${p.range!.lo}, ${p.range!.hi})`
                : `v = _rreal(${u}, ${pyNumber("real", p.range!.lo)}, ${pyNumber("real", p.range!.hi)})`,
            ),
          );
        }
        this.emit("else:");
        this.indented(() => this.emit(`v = ${dflt}`));
        this.assign(`P${i}`, `np.where(D, ${DTYPE[p.t]}(v) if np.ndim(v) == 0 else v, P${i}).astype(${DTYPE[p.t]})`);
      }
      ir.rules.forEach((r, i) => this.assign(`R${i}`, `np.where(D, ${r.startsActive ? "True" : "False"}, R${i})`));
      ir.globals.forEach((g, i) => {
        const v = this.as(this.ex(g.init), g.t);
        this.assign(`G${i}`, this.full(this.sel(d, v, this.read(`G${i}`, g.t))));
      });
      ir.roles.forEach((r, role) => {
        const n = r.count;
        if (n === 0) return;
        const teamOf = (self: Val): Val =>
          r.teamInit
            ? this.as(this.ex(r.teamInit), "int")
            : ir.teams.length > 0
              ? this.binary("mod", "int", "int", self, stat("int", ir.teams.length))
              : stat("int", 0);
        const resets: [string, Val][] = [
          [`REW${role}`, stat("real", 0)],
          [`TOT${role}`, stat("real", 0)],
          [`ACT${role}`, stat("int", -1)],
          [`LAST${role}`, stat("int", -1)],
          [`RACT${role}`, stat("int", -1)],
        ];
        if (
          initIsVectorizable(
            r.teamInit,
            r.state.map((s) => s.init),
            role,
          )
        ) {
          // Every agent at once: the initial values read no other agent of this role.
          this.withSelf(this.selfAxis(n), () => {
            const write = (arr: string, v: Val) => this.assign(arr, `np.where(D, ${v.c}, ${arr})`);
            write(`TEAM${role}`, teamOf(this.self!));
            r.state.forEach((st, k) => write(`S${role}_${k}`, this.as(this.ex(st.init), st.t)));
            for (const [arr, v] of resets) write(arr, v);
          });
        } else {
          // Agent by agent, as the interpreter does.
          this.path = d;
          for (let i = 0; i < n; i++) {
            this.withSelf(stat("int", i), () => {
              this.agentWrite(role, stat("int", i), { kind: "team" }, "set", teamOf(this.self!), "int");
              r.state.forEach((st, k) =>
                this.agentWrite(role, stat("int", i), { kind: "state", index: k }, "set", this.ex(st.init), st.t),
              );
            });
          }
          this.path = TRUE;
          for (const [arr, v] of resets) this.assign(arr, `np.where(D, ${v.c}, ${arr})`);
        }
      });
      this.assign("RND", "np.where(D, _I32(0), RND)");
    });
  }

  /** `begin()`: the start of a phase for every copy: scheduled rules, observations and masks. */
  begin(): string[] {
    const ir = this.ir;
    return this.fn("begin", "", () => {
      this.phase = { c: "PH", t: "int" };
      ir.rules.forEach((r, i) => {
        if (r.activeWhen) this.assign(`R${i}`, this.full(this.ex(r.activeWhen)));
      });
      ir.roles.forEach((r, role) => {
        const n = r.count;
        this.withSelf(this.selfAxis(n), () => {
          this.assign(`OBS${role}`, `np.empty((E, ${n}, ${r.obsDim}), _F32)`);
          let offset = 0;
          for (const o of r.observations) {
            if (o.encoding === "oneHot") {
              const v = this.as(this.ex(o.expr), "int");
              // A few agent-wide columns: one comparison each beats a broadcast (E, n, width) one.
              if (v.w && o.width <= 8)
                for (let k = 0; k < o.width; k++) this.emit(`OBS${role}[:, :, ${offset + k}] = (${v.c} == ${k})`);
              else this.emit(`OBS${role}[:, :, ${offset}:${offset + o.width}] = _onehot(${v.c}, ${o.width})`);
            } else if (n <= 8 && aggregateReadsSelf(o.expr)) {
              // An aggregate that compares its variable with `self` (`o != self`): agent by
              // agent, where those comparisons fold and the other agents' values are shared.
              for (let i = 0; i < n; i++) {
                this.self = stat("int", i);
                const v = this.ex(o.expr);
                this.emit(`OBS${role}[:, ${i}:${i + 1}, ${offset}] = ${v.unconverted ?? v.c}`);
              }
              this.self = this.selfAxis(n);
            } else {
              const v = this.ex(o.expr);
              // (Casting while broadcasting is slow in NumPy: convert a per-copy value first.)
              this.emit(`OBS${role}[:, :, ${offset}] = ${(v.w && v.unconverted) || v.c}`);
            }
            offset += o.width;
          }
          // Actions always available (or never) come from a read-only template.
          const variable = r.actions.filter((a) => !fixedAction(ir, a));
          if (variable.length === 0) {
            this.assign(`MASK${role}`, `MASK_BASE${role}`);
            return;
          }
          this.assign(`MASK${role}`, `MASK_BASE${role}.copy()`);
          for (const a of variable) {
            let inPhase: Val = TRUE;
            if (a.phases.length > 0 && ir.phases.length > 1) {
              inPhase = FALSE;
              const ph = this.read("PH", "int");
              for (const p of a.phases)
                inPhase = this.or(inPhase, this.binary("eq", "int", "bool", ph, stat("int", p)));
            } else if (a.phases.length > 0 && !a.phases.includes(0)) inPhase = FALSE;
            for (let k = 0; k < a.flatCount; k++) {
              let ok = inPhase;
              if (a.guard && !isFalse(ok)) {
                if (a.arg) this.locals.set(a.arg.slot, { val: stat("int", a.arg.lo + k), decl: TRUE });
                ok = this.and(ok, this.ex(a.guard));
                if (a.arg) this.locals.delete(a.arg.slot);
              }
              this.emit(`MASK${role}[:, :, ${a.flatStart + k}] = ${ok.c}`);
            }
          }
        });
      });
    });
  }

  /** `step(A)`: actions (already checked, one `(E, count)` array per role), the phase's step, outputs. */
  step(): string[] {
    const ir = this.ir;
    const lastPhase = ir.phases.length - 1;
    return this.fn("step", "A", () => {
      ir.roles.forEach((r, role) => {
        this.assign(`ACT${role}`, `A[${role}]`);
        // (With one phase, a round is one step: `last` takes the step's action directly.)
        if (ir.phases.length > 1) this.assign(`RACT${role}`, `np.where(A[${role}] >= 0, A[${role}], RACT${role})`);
        this.assign(`REW${role}`, `np.zeros((E, ${r.count}), _F32)`);
      });
      const canEnd = containsEnd(ir.steps.flat());
      if (canEnd) this.emit("ended = np.zeros(_E1, _BOOL)");
      this.canEnd = true;
      if (ir.phases.length === 1) {
        this.phase = stat("int", 0);
        this.block(ir.steps[0]);
      } else {
        ir.steps.forEach((stmts, p) => {
          if (stmts.length === 0) return;
          this.emit(`IN_PHASE = PH == ${p}`);
          // Every copy in this phase (the usual case: copies move in step): no masks.
          this.emit("if IN_PHASE.all():");
          this.indented(() => {
            this.phase = stat("int", p);
            this.block(stmts);
            this.emit("pass");
          });
          this.emit("elif IN_PHASE.any():");
          this.indented(() => {
            this.phase = stat("int", p);
            this.path = { c: "IN_PHASE", t: "bool" };
            this.block(stmts);
            this.path = TRUE;
            this.emit("pass");
          });
        });
      }
      this.phase = { c: "PH", t: "int" };
      this.canEnd = false;
      this.assign("METRICS", `np.empty((E, ${ir.metrics.length}), _F32)`);
      ir.metrics.forEach((m, k) => {
        const v = this.ex(m.expr);
        this.emit(`METRICS[:, ${k}:${k + 1}] = ${v.c}`);
      });
      if (ir.rules.length)
        this.assign("RULES", `np.concatenate([${ir.rules.map((_, i) => `R${i}`).join(", ")}], axis=1).astype(_U8)`);
      // Every total first, then the objectives (which may read any agent's total).
      ir.roles.forEach((_, role) => this.assign(`TOT${role}`, `TOT${role} + REW${role}`));
      ir.roles.forEach((r, role) => {
        this.assign(`OUTREW${role}`, `REW${role}`);
        if (!r.objective) {
          this.assign(`OBJ${role}`, `REW${role}`);
          return;
        }
        this.withSelf(this.selfAxis(r.count), () => {
          const v = this.ex(r.objective!);
          this.assign(`OBJ${role}`, `np.broadcast_to(${v.c}, (E, ${r.count})).astype(_F32)`);
        });
      });
      let done: Val = canEnd ? { c: "ended", t: "bool" } : FALSE;
      for (const cond of ir.endWhen) done = this.or(done, this.ex(cond));
      const ph = this.read("PH", "int");
      const rnd = this.read("RND", "int");
      const last = ir.phases.length === 1 ? TRUE : this.binary("eq", "int", "bool", ph, stat("int", lastPhase));
      const timeUp = this.and(
        last,
        this.let(
          ir.horizon.lo === ir.horizon.hi ? `(${rnd.c} >= ${ir.horizon.hi - 1})` : `(${rnd.c} >= HZ - 1)`,
          "bool",
        ),
      );
      done = this.or(done, timeUp);
      this.assign("DONE", this.full(done));
      // Copies that go on: the next phase, or the next round after the last phase.
      const adv = this.and(last, this.not({ c: "DONE", t: "bool" }));
      if (ir.phases.length > 1) this.assign("PH", `np.where(${last.c}, _I32(0), PH + 1)`);
      this.assign("RND", `np.where(${adv.c}, RND + 1, RND)`);
      ir.roles.forEach((_, role) => {
        if (ir.phases.length === 1) {
          this.assign(`LAST${role}`, `np.where(${adv.c} & (ACT${role} >= 0), ACT${role}, LAST${role})`);
          return;
        }
        this.assign(`LAST${role}`, `np.where(${adv.c} & (RACT${role} >= 0), RACT${role}, LAST${role})`);
        this.assign(`RACT${role}`, `np.where(${adv.c}, _I32(-1), RACT${role})`);
      });
      this.emit("if DONE.any():");
      this.indented(() => {
        this.assign("EP", "np.where(DONE, EP + 1, EP)");
        this.emit("start(DONE)");
      });
      this.emit("begin()");
    });
  }

  /** `bot_<i>()`: the bot's choice for every agent of its role, `(E, count)` (legality checked by the caller). */
  bot(index: number): string[] {
    const bot = this.ir.bots[index];
    const r = this.ir.roles[bot.role];
    return this.fn(`bot_${index}`, "", () => {
      this.phase = { c: "PH", t: "int" };
      this.withSelf(this.selfAxis(r.count), () => {
        this.alive = TRUE;
        this.played = stat("int", -1);
        this.path = TRUE;
        this.block(bot.body);
        this.emit(`return np.broadcast_to(${this.played.c}, (E, ${r.count})).astype(_I32)`);
        this.alive = TRUE;
        this.played = stat("int", -1);
      });
    });
  }
}

/** The body of `_kernel(E, SEED, SAMPLE, PIN)` in env.py, and the module constants it uses. */
export function generatePythonKernel(ir: IRGame): { consts: string[]; kernel: string[] } {
  const g = new PyGen(ir);
  const counts = new Set<number>(ir.roles.map((r) => r.count));
  const L: string[] = [];
  L.push("def _kernel(E, SEED, SAMPLE, PIN):");
  L.push("    _E1 = (E, 1)");
  L.push("    _ROWS = np.arange(E).reshape(E, 1)");
  L.push("    H0 = _mix(_mix(np.full(_E1, 0x2545f491, _U32), SEED), np.arange(E, dtype=_U32).reshape(E, 1))");
  L.push("    EP = np.zeros(_E1, _I32); RND = np.zeros(_E1, _I32); PH = np.zeros(_E1, _I32); HZ = np.ones(_E1, _I32)");
  for (const i of ir.dynamicParams) L.push(`    P${i} = np.zeros(_E1, ${DTYPE[ir.params[i].t]})`);
  ir.rules.forEach((_, i) => L.push(`    R${i} = np.zeros(_E1, _BOOL)`));
  ir.globals.forEach((gl, i) => L.push(`    G${i} = np.zeros(_E1, ${DTYPE[gl.t]})`));
  ir.roles.forEach((r, role) => {
    const shape = `(E, ${r.count})`;
    r.state.forEach((s, k) => L.push(`    S${role}_${k} = np.zeros(${shape}, ${DTYPE[s.t]})`));
    L.push(
      `    REW${role} = np.zeros(${shape}, _F32); TOT${role} = np.zeros(${shape}, _F32); TEAM${role} = np.zeros(${shape}, _I32)`,
    );
    L.push(
      `    ACT${role} = np.full(${shape}, -1, _I32); LAST${role} = np.full(${shape}, -1, _I32); RACT${role} = np.full(${shape}, -1, _I32)`,
    );
    L.push(`    OUTREW${role} = np.zeros(${shape}, _F32); OBJ${role} = OUTREW${role}`);
    L.push(
      `    OBS${role} = np.zeros((E, ${r.count}, ${r.obsDim}), _F32); MASK${role} = np.zeros((E, ${r.count}, ${r.numActions}), _U8)`,
    );
    L.push(`    MASK_BASE${role} = np.zeros((E, ${r.count}, ${r.numActions}), _U8)`);
    for (const a of r.actions)
      if (fixedAction(ir, a) && (a.phases.length === 0 || a.phases.includes(0)))
        L.push(`    MASK_BASE${role}[:, :, ${a.flatStart}:${a.flatStart + a.flatCount}] = 1`);
    L.push(`    MASK_BASE${role}.flags.writeable = False`);
  });
  L.push(
    `    DONE = np.zeros(_E1, _BOOL); METRICS = np.zeros((E, ${ir.metrics.length}), _F32); RULES = np.zeros((E, ${ir.rules.length}), _U8)`,
  );
  L.push(...g.start(), ...g.begin(), ...g.step());
  ir.bots.forEach((_, i) => L.push(...g.bot(i)));
  L.push("    def results():");
  L.push(
    `        return ([${ir.roles.map((_, r) => `(OBS${r}, MASK${r}, OUTREW${r}, OBJ${r})`).join(", ")}], DONE[:, 0], METRICS, PH[:, 0], RULES)`,
  );
  L.push("    def reset():");
  L.push("        nonlocal EP, DONE, METRICS, RULES" + ir.roles.map((_, r) => `, OUTREW${r}, OBJ${r}`).join(""));
  L.push("        EP = np.zeros(_E1, _I32)");
  L.push("        start(np.ones(_E1, _BOOL))");
  L.push("        begin()");
  L.push(
    `        DONE = np.zeros(_E1, _BOOL); METRICS = np.zeros((E, ${ir.metrics.length}), _F32); RULES = np.zeros((E, ${ir.rules.length}), _U8)`,
  );
  ir.roles.forEach((r, role) =>
    L.push(`        OUTREW${role} = np.zeros((E, ${r.count}), _F32); OBJ${role} = OUTREW${role}`),
  );
  L.push("        return results()");
  L.push("    def next_episode():");
  L.push("        nonlocal EP");
  L.push("        EP = EP + 1");
  L.push("        start(np.ones(_E1, _BOOL))");
  L.push("        begin()");
  L.push("        return results()");
  L.push("    def advance(A):");
  L.push("        step(A)");
  L.push("        return results()");
  L.push("    def masks():");
  L.push(`        return [${ir.roles.map((_, r) => `MASK${r}`).join(", ")}]`);
  L.push(`    bots = [${ir.bots.map((_, i) => `bot_${i}`).join(", ")}]`);
  // Per role: 2 when its mask never changes, 1 when some action is always legal, else 0.
  L.push(
    `    fixed = [${ir.roles.map((r) => (r.actions.every((a) => fixedAction(ir, a)) ? 2 : r.actions.some((a) => !a.guard && a.phases.length === 0) ? 1 : 0)).join(", ")}]`,
  );
  // For tests and debugging: every state array, with the dtype and shape it must keep.
  const state: [string, string, string][] = [
    ["EP", "_I32", "_E1"],
    ["RND", "_I32", "_E1"],
    ["PH", "_I32", "_E1"],
    ["HZ", "_I32", "_E1"],
  ];
  for (const i of ir.dynamicParams) state.push([`P${i}`, DTYPE[ir.params[i].t], "_E1"]);
  ir.rules.forEach((_, i) => state.push([`R${i}`, "_BOOL", "_E1"]));
  ir.globals.forEach((gl, i) => state.push([`G${i}`, DTYPE[gl.t], "_E1"]));
  ir.roles.forEach((r, role) => {
    const shape = `(E, ${r.count})`;
    r.state.forEach((st, k) => state.push([`S${role}_${k}`, DTYPE[st.t], shape]));
    state.push(
      [`REW${role}`, "_F32", shape],
      [`TOT${role}`, "_F32", shape],
      [`TEAM${role}`, "_I32", shape],
      [`ACT${role}`, "_I32", shape],
      [`LAST${role}`, "_I32", shape],
      [`RACT${role}`, "_I32", shape],
    );
  });
  L.push("    def state():");
  L.push(
    `        return {${state.map(([name, t, shape]) => `${pyString(name)}: (${name}, ${t}, ${shape})`).join(", ")}}`,
  );
  L.push("    return reset, advance, masks, bots, next_episode, fixed, state");
  const consts = [...[...counts].map((n) => `_AR${n} = np.arange(${n}, dtype=_I32)`), ...g.consts];
  return { consts, kernel: L };
}

/**
 * Drops the temporaries a function computes and never reads (a conversion the value ended up
 * not needing, say): every `tN = …` line is a pure array expression, so only time is lost.
 */
export function withoutDeadTemporaries(lines: string[]): string[] {
  let kept = lines;
  for (;;) {
    const uses = new Map<string, number>();
    for (const line of kept) for (const m of line.matchAll(/\bt\d+\b/g)) uses.set(m[0], (uses.get(m[0]) ?? 0) + 1);
    const next = kept.filter((line) => {
      const m = /^\s*(t\d+) = /.exec(line);
      return !m || (uses.get(m[1]) ?? 0) > 1;
    });
    if (next.length === kept.length) break;
    kept = next;
  }
  // A block whose every line went needs a `pass`.
  const out: string[] = [];
  kept.forEach((line, i) => {
    out.push(line);
    if (!line.trimEnd().endsWith(":")) return;
    const indent = (l: string) => l.length - l.trimStart().length;
    const following = kept[i + 1];
    if (following === undefined || indent(following) <= indent(line)) out.push(`${" ".repeat(indent(line) + 4)}pass`);
  });
  return out;
}
