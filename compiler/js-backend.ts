import {
  HORIZON_SITE,
  PARAM_SITE_BASE,
  RESET_ROUND,
  type AssignOp,
  type Expr,
  type IRGame,
  type Scalar,
  type Stmt,
} from "./ir.js";
import { assertNever } from "./ir-walk.js";
import { SCALAR_OPS_SOURCE } from "../language/semantic/scalar-ops.js";
import { buildSchema } from "./vecenv.js";
import { commentText, jsonLiteral, jsString } from "./js-literal.js";

/**
 * The JS kernel backend: generates JavaScript specialised to one scenario that steps all E
 * copies over structure-of-arrays typed arrays. Every array is allocated once when the
 * environment is created; a step allocates nothing. Loops over agents stay loops (counts
 * are constants, so V8 unrolls what pays); expressions that need a loop (aggregates) are
 * hoisted into statements just before their use, in the same scope.
 *
 * Generated code keeps bools as JS booleans and converts at typed-array boundaries.
 */

/** Loops over at most this many agents or teams are unrolled, with the index as a constant. */
const UNROLL_LIMIT = 8;
/**
 * Nested unrolled loops multiply: code inside them is emitted this many times at most.
 * Deeper loops stay loops, so seven nested aggregates over eight agents give kilobytes of
 * code, not 8^7 copies of the innermost body.
 */
const UNROLL_BUDGET = 64;

const NUMBER = /^-?[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/;
const isNumber = (code: string) => NUMBER.test(code);
const isBool = (code: string) => code === "true" || code === "false";

/** JS source of a float32 or int constant. */
function literal(t: Scalar, v: number): string {
  if (t === "bool") return v ? "true" : "false";
  if (Object.is(v, -0)) return "-0";
  return String(v);
}

class Emitter {
  private temp = 0;
  /** Local slots whose value is a known constant here (an unrolled loop's index). */
  private readonly known = new Map<number, number>();
  /** The index of `self` where the agent loop is unrolled. */
  self: number | undefined;
  /** How many times the code being emitted is repeated by the unrolled loops around it. */
  unrolled = 1;

  /** Whether a loop of `n` iterations is unrolled here, within `UNROLL_BUDGET`. */
  unrolls(n: number): boolean {
    return n <= UNROLL_LIMIT && this.unrolled * n <= UNROLL_BUDGET;
  }

  /** Emits the `n` iterations of an unrolled loop, counting them against the budget. */
  unroll<T>(n: number, emit: () => T): T {
    const outer = this.unrolled;
    this.unrolled = outer * n;
    try {
      return emit();
    } finally {
      this.unrolled = outer;
    }
  }
  constructor(private readonly ir: IRGame) {}

  /** Runs `emit` with a local slot bound to a constant (one unrolled iteration). */
  withKnown<T>(slot: number, value: number, emit: () => T): T {
    this.known.set(slot, value);
    try {
      return emit();
    } finally {
      this.known.delete(slot);
    }
  }

  fresh(prefix = "t"): string {
    return `${prefix}${this.temp++}`;
  }

  /** Array holding per-agent field values of a role. */
  private agentArray(role: number, field: Extract<Expr, { k: "agent" }>["field"]): string {
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
    }
  }

  private agentStorage(role: number, field: Extract<Expr, { k: "agent" }>["field"]): Scalar {
    if (field.kind === "state") return this.ir.roles[role].state[field.index].t;
    return field.kind === "reward" || field.kind === "total" ? "real" : "int";
  }

  /** A typed-array read of storage type `t`: bools are stored as 0/1. */
  private load(array: string, index: string, t: Scalar): string {
    return t === "bool" ? `(${array}[${index}] === 1)` : `${array}[${index}]`;
  }

  /** Compiles an expression; statements it needs first (aggregates) go to `pre`. */
  expr(e: Expr, pre: string[]): string {
    switch (e.k) {
      case "const":
        return literal(e.t, e.v);
      case "param": {
        const p = this.ir.params[e.param];
        let code = this.load(`P${e.param}`, "e", p.t);
        // Rule overrides, the last declared rule first.
        for (const o of [...p.overrides].reverse())
          code = `(RULE${o.rule}[e] === 1 ? ${this.expr(o.value, pre)} : ${code})`;
        return code;
      }
      case "global":
        return this.load(`G${e.index}`, "e", e.t);
      case "local":
        return this.known.has(e.slot) ? String(this.known.get(e.slot)) : `l${e.slot}`;
      case "self":
        return this.self !== undefined ? String(this.self) : "self";
      case "agent": {
        const agent = this.expr(e.agent, pre);
        const index = agent === "0" ? `b${e.role}` : `b${e.role} + ${agent}`;
        return this.load(this.agentArray(e.role, e.field), index, this.agentStorage(e.role, e.field));
      }
      case "round":
        return "RND[e]";
      case "phase":
        return "PH[e]";
      case "rule":
        return `(RULE${e.rule}[e] === 1)`;
      case "ruleDyn": {
        const id = this.expr(e.rule, pre);
        const cases = this.ir.rules.map((_, i) => `${id} === ${i} ? RULE${i}[e] === 1 : `).join("");
        return `(${cases}false)`;
      }
      case "unary": {
        const x = this.expr(e.x, pre);
        if (e.op === "not") return isBool(x) ? String(x === "false") : `!${x}`;
        return e.t === "int" ? `(-(${x}) | 0)` : `Math.fround(-(${x}))`;
      }
      case "binary":
        return this.binary(e, pre);
      case "if":
        return `(${this.expr(e.c, pre)} ? ${this.expr(e.a, pre)} : ${this.expr(e.b, pre)})`;
      case "call": {
        const args = e.args.map((a) => this.expr(a, pre));
        switch (e.fn) {
          case "min":
          case "max":
            return `Math.${e.fn}(${args.join(", ")})`;
          case "abs":
            return e.t === "int" ? `(Math.abs(${args[0]}) | 0)` : `Math.abs(${args[0]})`;
          case "floor":
            return `(Math.floor(${args[0]}) | 0)`;
          case "clamp":
            return `Math.min(Math.max(${args[0]}, ${args[1]}), ${args[2]})`;
          case "exp":
            return `Math.fround(Math.exp(${args[0]}))`;
          case "log":
            return `rlog(${args[0]})`;
          case "sqrt":
            return `rsqrt(${args[0]})`;
        }
        break;
      }
      case "random": {
        let h = `rbase(SEED, e, EP[e], RND[e], PH[e], ${e.site})`;
        for (const key of e.keys) h = `rmix(${h}, ${this.expr(key, pre)})`;
        const u = `runit(${h})`;
        if (e.fn === "random") return u;
        if (e.fn === "bernoulli") return `(${u} < ${this.expr(e.args[0], pre)})`;
        return `rint(${u}, ${this.expr(e.args[0], pre)}, ${this.expr(e.args[1], pre)})`;
      }
      case "aggregate":
        return this.aggregate(e, pre);
      case "size": {
        const team = this.fresh();
        const n = this.fresh();
        pre.push(`const ${team} = ${this.expr(e.team, pre)}; let ${n} = 0;`);
        this.ir.roles.forEach((r, role) =>
          pre.push(`for (let i = 0; i < ${r.count}; i++) if (TEAM${role}[b${role} + i] === ${team}) ${n}++;`),
        );
        return n;
      }
      case "actionIs": {
        const a = this.ir.roles[e.role].actions[e.action];
        const v = this.value(e.value, pre);
        return a.flatCount === 1
          ? `(${v} === ${a.flatStart})`
          : `(${v} >= ${a.flatStart} && ${v} < ${a.flatStart + a.flatCount})`;
      }
      case "actionArg": {
        const a = this.ir.roles[e.role].actions[e.action];
        const lo = a.arg?.lo ?? 0;
        return `(${this.expr(e.value, pre)} - ${a.flatStart - lo})`;
      }
      case "actionIndex": {
        const role = this.ir.roles[e.role];
        // Without arguments, flat indices are action indices (and -1 stays -1).
        if (role.numActions === role.actions.length) return this.expr(e.value, pre);
        const v = this.value(e.value, pre);
        return `(${v} >= 0 ? FA${e.role}[${v}] : -1)`;
      }
      case "actionFlat": {
        const a = this.ir.roles[e.role].actions[e.action];
        if (!e.arg || !a.arg) return String(a.flatStart);
        const k = this.fresh();
        pre.push(`const ${k} = ${this.expr(e.arg, pre)} - ${a.arg.lo};`);
        return `(${k} >= 0 && ${k} < ${a.flatCount} ? ${a.flatStart} + ${k} : -2)`;
      }
    }
    return assertNever(e, "expression");
  }

  /** An expression used more than once: a simple one as is, anything else through a temporary. */
  value(e: Expr, pre: string[]): string {
    const code = this.expr(e, pre);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(code) || /^-?[0-9.]+$/.test(code)) return code;
    const t = this.fresh();
    pre.push(`const ${t} = ${code};`);
    return t;
  }

  private binary(e: Extract<Expr, { k: "binary" }>, pre: string[]): string {
    // `and`/`or`: the right side's hoisted statements must only run when it is evaluated;
    // they are pure, so running them always is correct, just wasteful.
    const a = this.expr(e.a, pre);
    const b = this.expr(e.b, pre);
    const int = e.operand === "int";
    const folded = fold(e.op, a, b, int);
    if (folded !== undefined) return folded;
    switch (e.op) {
      case "and":
        return `(${a} && ${b})`;
      case "or":
        return `(${a} || ${b})`;
      case "add":
        return int ? `((${a} + ${b}) | 0)` : `Math.fround(${a} + ${b})`;
      case "sub":
        return int ? `((${a} - ${b}) | 0)` : `Math.fround(${a} - ${b})`;
      case "mul":
        return int ? `Math.imul(${a}, ${b})` : `Math.fround(${a} * ${b})`;
      case "div":
        return `rdiv(${a}, ${b})`;
      case "mod":
        return int ? `imod(${a}, ${b})` : `rmod(${a}, ${b})`;
      case "eq":
        return `(${a} === ${b})`;
      case "ne":
        return `(${a} !== ${b})`;
      case "lt":
        return `(${a} < ${b})`;
      case "le":
        return `(${a} <= ${b})`;
      case "gt":
        return `(${a} > ${b})`;
      case "ge":
        return `(${a} >= ${b})`;
    }
  }

  private domainSize(domain: Extract<Expr, { k: "aggregate" }>["domain"]): number {
    return domain.kind === "teams" ? this.ir.teams.length : this.ir.roles[domain.role].count;
  }

  private aggregate(e: Extract<Expr, { k: "aggregate" }>, pre: string[]): string {
    const n = this.domainSize(e.domain);
    if (this.unrolls(n)) return this.unroll(n, () => this.unrolledAggregate(e, n, pre));
    const acc = this.fresh();
    const count = this.fresh();
    const body: string[] = [`l${e.slot} = i;`];
    if (e.filter) {
      const inner: string[] = [];
      const f = this.expr(e.filter, inner);
      body.push(...inner, `if (!${f}) continue;`);
    }
    switch (e.fn) {
      case "count":
        pre.push(`let ${acc} = 0;`);
        body.push(`${acc}++;`);
        break;
      case "any":
        pre.push(`let ${acc} = false;`);
        body.push(`${acc} = true; break;`);
        break;
      case "all":
        pre.push(`let ${acc} = 0;`);
        body.push(`${acc}++;`);
        break;
      default: {
        const inner: string[] = [];
        const v = this.expr(e.body!, inner);
        pre.push(`let ${acc} = 0, ${count} = 0;`);
        body.push(...inner);
        if (e.fn === "min" || e.fn === "max")
          body.push(`{ const v = ${v}; ${acc} = ${count} === 0 ? v : Math.${e.fn}(${acc}, v); ${count}++; }`);
        else
          body.push(
            e.t === "int"
              ? `${acc} = (${acc} + ${v}) | 0; ${count}++;`
              : `${acc} = Math.fround(${acc} + ${v}); ${count}++;`,
          );
      }
    }
    pre.push(`for (let i = 0; i < ${n}; i++) { ${body.join(" ")} }`);
    if (e.fn === "all") return `(${acc} === ${n})`;
    if (e.fn === "mean") return `(${count} === 0 ? 0 : rdiv(${acc}, ${count}))`;
    return acc;
  }

  /** An aggregate over a few elements, one block per element with the index as a constant. */
  private unrolledAggregate(e: Extract<Expr, { k: "aggregate" }>, n: number, pre: string[]): string {
    const acc = this.fresh();
    const count = this.fresh();
    pre.push(e.fn === "any" || e.fn === "all" ? `let ${acc} = ${e.fn === "all"};` : `let ${acc} = 0, ${count} = 0;`);
    let counted = 0;
    for (let i = 0; i < n; i++) {
      this.withKnown(e.slot, i, () => {
        const inner: string[] = [];
        const filter = e.filter ? this.expr(e.filter, inner) : "true";
        if (e.fn === "all") {
          // Every element must pass: one that fails the predicate makes it false.
          if (filter !== "true") pre.push(`{ ${inner.join(" ")} if (!${filter}) ${acc} = false; }`);
          return;
        }
        if (filter === "false") return;
        const body: string[] = [...inner];
        const guard = filter === "true" ? "" : filter;
        switch (e.fn) {
          case "count":
            body.push(`${acc}++;`);
            break;
          case "any":
            body.push(`${acc} = true;`);
            break;
          default: {
            const v = this.expr(e.body!, body);
            if (e.fn === "min" || e.fn === "max")
              body.push(`${acc} = ${count} === 0 ? ${v} : Math.${e.fn}(${acc}, ${v}); ${count}++;`);
            else
              body.push(
                e.t === "int"
                  ? `${acc} = (${acc} + ${v}) | 0; ${count}++;`
                  : `${acc} = Math.fround(${acc} + ${v}); ${count}++;`,
              );
          }
        }
        counted++;
        pre.push(
          guard
            ? `{ ${inner.join(" ")} if (${guard}) { ${body.slice(inner.length).join(" ")} } }`
            : `{ ${body.join(" ")} }`,
        );
      });
    }
    if (e.fn === "any" || e.fn === "all" || e.fn === "count") return acc;
    if (counted === 0) return "0";
    if (e.fn === "mean") return `(${count} === 0 ? 0 : rdiv(${acc}, ${count}))`;
    return acc;
  }

  // ---- statements --------------------------------------------------------------------------

  private assign(target: string, op: AssignOp, t: Scalar, value: string): string {
    switch (op) {
      case "set":
        return `${target} = ${t === "bool" ? `(${value} ? 1 : 0)` : value};`;
      case "add":
        return t === "int"
          ? `${target} = (${target} + ${value}) | 0;`
          : `${target} = Math.fround(${target} + ${value});`;
      case "sub":
        return t === "int"
          ? `${target} = (${target} - ${value}) | 0;`
          : `${target} = Math.fround(${target} - ${value});`;
      case "mul":
        return t === "int"
          ? `${target} = Math.imul(${target}, ${value});`
          : `${target} = Math.fround(${target} * ${value});`;
      case "div":
        return `${target} = rdiv(${target}, ${value});`;
    }
  }

  stmts(list: Stmt[], out: string[]) {
    for (const s of list) this.stmt(s, out);
  }

  private stmt(s: Stmt, out: string[]) {
    const pre: string[] = [];
    switch (s.k) {
      case "setLocal": {
        const v = this.expr(s.value, pre);
        // Locals hold JS values: bools stay booleans.
        const code = s.op === "set" ? `l${s.slot} = ${v};` : this.assign(`l${s.slot}`, s.op, s.t, v);
        out.push(...pre, code);
        return;
      }
      case "setGlobal": {
        const v = this.expr(s.value, pre);
        out.push(...pre, this.assign(`G${s.index}[e]`, s.op, s.t, v));
        return;
      }
      case "setAgent": {
        const agent = this.expr(s.agent, pre);
        const v = this.expr(s.value, pre);
        const array =
          s.field.kind === "reward"
            ? `REW${s.role}`
            : s.field.kind === "team"
              ? `TEAM${s.role}`
              : `S${s.role}_${s.field.index}`;
        out.push(...pre, this.assign(`${array}[b${s.role} + ${agent}]`, s.op, s.t, v));
        return;
      }
      case "if": {
        const c = this.expr(s.c, pre);
        if (c === "true" || c === "false") {
          out.push(...pre);
          this.stmts(c === "true" ? s.then : s.else, out);
          return;
        }
        const then: string[] = [];
        const otherwise: string[] = [];
        this.stmts(s.then, then);
        this.stmts(s.else, otherwise);
        out.push(
          ...pre,
          `if (${c}) {`,
          ...then,
          otherwise.length ? "} else {" : "}",
          ...(otherwise.length ? [...otherwise, "}"] : []),
        );
        return;
      }
      case "for": {
        const n = this.domainSize(s.domain as Extract<Expr, { k: "aggregate" }>["domain"]);
        if (this.unrolls(n)) {
          for (let i = 0; i < n; i++) {
            this.unroll(n, () =>
              this.withKnown(s.slot, i, () => {
                const body: string[] = [];
                const f = s.filter ? this.expr(s.filter, body) : "true";
                if (f === "false") return;
                const inner: string[] = [];
                this.stmts(s.body, inner);
                out.push("{", ...body, ...(f === "true" ? inner : [`if (${f}) {`, ...inner, "}"]), "}");
              }),
            );
          }
          return;
        }
        const body: string[] = [`l${s.slot} = i${s.slot};`];
        if (s.filter) {
          const f = this.expr(s.filter, body);
          body.push(`if (!${f}) continue;`);
        }
        this.stmts(s.body, body);
        out.push(`for (let i${s.slot} = 0; i${s.slot} < ${n}; i${s.slot}++) {`, ...body, "}");
        return;
      }
      case "enact":
        out.push(`RULE${s.rule}[e] = ${s.active ? 1 : 0};`);
        return;
      case "enactDyn": {
        const id = this.value(s.rule, pre);
        out.push(
          ...pre,
          `switch (${id}) { ${this.ir.rules.map((_, i) => `case ${i}: RULE${i}[e] = ${s.active ? 1 : 0}; break;`).join(" ")} }`,
        );
        return;
      }
      case "end":
        out.push("ended = true;");
        return;
      case "play": {
        const v = this.expr(s.value, pre);
        out.push(...pre, `played = ${v}; break bot;`);
        return;
      }
      case "payoff":
        this.payoff(s, out);
        return;
      default:
        assertNever(s, "statement");
    }
  }

  private payoff(s: Extract<Stmt, { k: "payoff" }>, out: string[]) {
    const j = this.fresh("joint");
    const parts = s.agents.map((a) => `ACT${a.role}[b${a.role} + ${a.index}]`);
    const actions = parts.map((_, p) => `${j}_${p}`);
    out.push(...parts.map((code, p) => `const ${actions[p]} = ${code};`));
    let index = actions[0];
    for (let p = 1; p < actions.length; p++) index = `(${index}) * ${s.sizes[p]} + ${actions[p]}`;
    out.push(`if (${actions.map((a) => `${a} >= 0`).join(" && ")}) {`, `const ${j} = ${index};`);
    const constant = s.rows.every((row) => !row || row.every((r) => r.k === "const"));
    if (constant) {
      // All payoffs constant: one table lookup per agent.
      s.agents.forEach((a, p) => {
        out.push(
          `REW${a.role}[b${a.role} + ${a.index}] = Math.fround(REW${a.role}[b${a.role} + ${a.index}] + PAYOFF_${p}[${j}]);`,
        );
      });
      out.push("}");
      // A missing row pays nothing: its entries are 0, and rewards are still 0 when the table runs.
      this.tables.push(
        ...s.agents.map(
          (_, p) =>
            `const PAYOFF_${p} = new Float32Array([${Array.from({ length: s.rows.length }, (_, k) => (s.rows[k] ? literal("real", (s.rows[k][p] as { v: number }).v) : "0")).join(", ")}]);`,
        ),
      );
      return;
    }
    out.push(`switch (${j}) {`);
    s.rows.forEach((row, k) => {
      if (!row) return;
      const pre: string[] = [];
      const values = row.map((r) => this.expr(r, pre));
      out.push(
        `case ${k}: {`,
        ...pre,
        ...s.agents.map(
          (a, p) =>
            `REW${a.role}[b${a.role} + ${a.index}] = Math.fround(REW${a.role}[b${a.role} + ${a.index}] + ${values[p]});`,
        ),
        "break; }",
      );
    });
    out.push("}", "}");
  }

  /** Module-level constant tables the code refers to. */
  readonly tables: string[] = [];
}

/** Options baked into a generated module. */
export interface JsModuleOptions {
  /** Comment naming the source, for people reading the module. */
  sourceName?: string;
}

/**
 * Generates a standalone ES module for a scenario: it exports `schema` and
 * `createEnv(options)` and imports nothing.
 */
export function generateJsModule(ir: IRGame, options: JsModuleOptions = {}): string {
  const body = generateKernelBody(ir);
  return [
    `// Generated by Agora${options.sourceName ? ` from ${commentText(options.sourceName)}` : ""}: the vectorized environment of \`${commentText(ir.name)}\`.`,
    "// A standalone ES module: it needs nothing else from Agora. Do not edit; recompile instead.",
    "",
    SCALAR_OPS_SOURCE,
    "",
    `export const schema = ${jsonLiteral(buildSchema(ir), 2)};`,
    "",
    "export function createEnv(options) {",
    body,
    "}",
    "",
  ].join("\n");
}

/** Builds the kernel in-process (for the runtime and tests) from the same generated source. */
export function createJsKernel(
  ir: IRGame,
): (options: import("./vecenv.js").EnvOptions) => import("./vecenv.js").VecEnv {
  const body = generateKernelBody(ir);
  const schema = buildSchema(ir);
  const factory = new Function(
    "schema",
    "rdiv",
    "imod",
    "rmod",
    "rlog",
    "rsqrt",
    "rmix",
    "rbase",
    "runit",
    "rint",
    "rreal",
    `return function createEnv(options) {\n${body}\n};`,
  );
  return factory(schema, ...scalarOpsFunctions());
}

function scalarOpsFunctions(): unknown[] {
  // Evaluate the embedded source once, so in-process kernels run exactly the module's code.
  return new Function(
    `${SCALAR_OPS_SOURCE}\nreturn [rdiv, imod, rmod, rlog, rsqrt, rmix, rbase, runit, rint, rreal];`,
  )() as unknown[];
}

/** The body of `createEnv(options)`: allocation, reset, observe, step and bots. */
function generateKernelBody(ir: IRGame): string {
  const em = new Emitter(ir);
  const lines: string[] = [];
  const L = (...s: string[]) => lines.push(...s);
  const typed = (t: Scalar) => (t === "real" ? "Float32Array" : t === "bool" ? "Uint8Array" : "Int32Array");
  const numMetrics = ir.metrics.length;
  const lastPhase = ir.phases.length - 1;

  L(
    "const E = options.numEnvs | 0;",
    "if (!(E > 0)) throw new Error('numEnvs must be a positive integer');",
    "const SEED = (options.seed ?? 0) | 0;",
    "const SAMPLE = options.sampleParams ?? true;",
    "const CHECKED = options.checked ?? false;",
    "const EP = new Int32Array(E), RND = new Int32Array(E), PH = new Int32Array(E), HZ = new Int32Array(E);",
  );
  // Params that vary, and values pinned through options.
  const dynamic = new Set(ir.dynamicParams);
  L("const PINNED = [];");
  ir.params.forEach((p, i) => {
    if (dynamic.has(i)) L(`const P${i} = new ${typed(p.t)}(E);`);
  });
  L(
    "for (const [name, value] of Object.entries(options.params ?? {})) {",
    `  const index = ${jsonLiteral(ir.params.map((p) => p.name))}.indexOf(name);`,
    "  if (index < 0) throw new Error(`unknown param \\`${name}\\``);",
    `  if (!${JSON.stringify(ir.dynamicParams)}.includes(index)) throw new Error(\`param \\\`\${name}\\\` is fixed when the scenario is compiled; set it with \\\`--set \${name}=...\\\` when compiling\`);`,
    `  const t = ${jsonLiteral(ir.params.map((p) => p.t))}[index];`,
    "  const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;",
    "  PINNED[index] = t === 'int' ? Math.trunc(v) : t === 'real' ? Math.fround(v) : (v ? 1 : 0);",
    "}",
  );
  ir.rules.forEach((_, i) => L(`const RULE${i} = new Uint8Array(E);`));
  ir.globals.forEach((g, i) => L(`const G${i} = new ${typed(g.t)}(E);`));
  ir.roles.forEach((r, role) => {
    r.state.forEach((s, k) => L(`const S${role}_${k} = new ${typed(s.t)}(E * ${r.count});`));
    L(
      `const REW${role} = new Float32Array(E * ${r.count}), TOT${role} = new Float32Array(E * ${r.count});`,
      `const TEAM${role} = new Int32Array(E * ${r.count}), ACT${role} = new Int32Array(E * ${r.count}).fill(-1), LAST${role} = new Int32Array(E * ${r.count}).fill(-1), RACT${role} = new Int32Array(E * ${r.count}).fill(-1);`,
      `const FA${role} = new Int32Array(${JSON.stringify(r.flatAction)});`,
      `const OBS${role} = new Float32Array(E * ${r.count * r.obsDim}), MASK${role} = new Uint8Array(E * ${r.count * r.numActions});`,
      // Rewards are copied out (a reset clears REW, the result keeps the last step's);
      // without an objective, the objective buffer is the output reward buffer itself.
      `const OUTREW${role} = new Float32Array(E * ${r.count});`,
      r.objective ? `const OBJ${role} = new Float32Array(E * ${r.count});` : `const OBJ${role} = OUTREW${role};`,
    );
  });
  L(
    `const DONE = new Uint8Array(E), METRICS = new Float32Array(E * ${numMetrics}), RULES = new Uint8Array(E * ${ir.rules.length});`,
    `const result = { roles: [${ir.roles.map((_, r) => `{ obs: OBS${r}, mask: MASK${r}, reward: OUTREW${r}, objective: OBJ${r} }`).join(", ")}], done: DONE, metrics: METRICS, phase: PH, rules: RULES };`,
  );
  // Locals live in each function (V8 keeps them in registers; closure variables it cannot).
  const locals = [
    ...Array.from({ length: ir.numLocals }, (_, i) => `l${i} = 0`),
    "ended = false",
    "played = -1",
    "self = 0",
  ].join(", ");
  const declareLocals = `let ${locals};`;
  const bases = ir.roles.map((r, role) => `b${role} = e * ${r.count}`).join(", ");
  const declareBases = ir.roles.length ? `const ${bases};` : "";
  /** Per-agent code: unrolled with `self` a literal for small roles, else a loop over `self`. */
  const agents = (count: number, body: (self: string) => string[]): string[] => {
    if (!em.unrolls(count)) return [`for (self = 0; self < ${count}; self++) {`, ...body("self"), "}"];
    const out: string[] = [];
    for (let i = 0; i < count; i++) {
      em.self = i;
      out.push("{", ...em.unroll(count, () => body(String(i))), "}");
    }
    em.self = undefined;
    return out;
  };
  const at = (role: number, self: string) => (self === "0" ? `b${role}` : `b${role} + ${self}`);

  // --- begin a phase: scheduled rules, observations, masks ---
  L("function beginPhase(e) {", declareLocals, declareBases);
  ir.rules.forEach((r, i) => {
    if (!r.activeWhen) return;
    const pre: string[] = [];
    const c = em.expr(r.activeWhen, pre);
    L(...pre, `RULE${i}[e] = ${c} ? 1 : 0;`);
  });
  ir.roles.forEach((r, role) =>
    L(
      ...agents(r.count, (self) => {
        const body: string[] = [];
        if (r.obsDim > 0) {
          body.push(`const o = (${at(role, self)}) * ${r.obsDim};`);
          let offset = 0;
          for (const item of r.observations) {
            const pre: string[] = [];
            const v = em.expr(item.expr, pre);
            body.push(...pre);
            if (item.encoding === "oneHot") {
              const k = Array.from(
                { length: item.width },
                (_, k) => `OBS${role}[o + ${offset + k}] = v === ${k} ? 1 : 0;`,
              );
              body.push(`{ const v = ${v}; ${k.join(" ")} }`);
            } else body.push(`OBS${role}[o + ${offset}] = ${v};`);
            offset += item.width;
          }
        }
        // Masks: only actions whose availability can change are rewritten each phase.
        body.push(`const m = (${at(role, self)}) * ${r.numActions};`);
        for (const a of r.actions) {
          const phaseTest =
            a.phases.length > 0 && ir.phases.length > 1 ? a.phases.map((p) => `PH[e] === ${p}`).join(" || ") : "";
          if (!a.guard && !phaseTest) continue;
          const pre: string[] = [];
          const guard = a.guard ? em.expr(a.guard, pre) : "true";
          const cond = phaseTest ? `(${phaseTest}) && ${guard}` : guard;
          if (a.arg) {
            body.push(
              `for (let k = 0; k < ${a.flatCount}; k++) { l${a.arg.slot} = ${a.arg.lo} + k;`,
              ...(phaseTest ? [`if (!(${phaseTest})) { MASK${role}[m + ${a.flatStart} + k] = 0; continue; }`] : []),
              ...pre,
              `MASK${role}[m + ${a.flatStart} + k] = ${guard} ? 1 : 0; }`,
            );
          } else if (phaseTest && a.guard) {
            body.push(
              `if (${phaseTest}) {`,
              ...pre,
              `MASK${role}[m + ${a.flatStart}] = ${guard} ? 1 : 0; } else MASK${role}[m + ${a.flatStart}] = 0;`,
            );
          } else body.push(...pre, `MASK${role}[m + ${a.flatStart}] = ${cond} ? 1 : 0;`);
        }
        return body;
      }),
    ),
  );
  L("}");

  // --- start an episode ---
  L("function startEpisode(e, episode) {", declareLocals, declareBases, "EP[e] = episode; RND[e] = 0; PH[e] = 0;");
  L(
    `HZ[e] = rint(runit(rbase(SEED, e, episode, ${RESET_ROUND}, 0, ${HORIZON_SITE})), ${ir.horizon.lo}, ${ir.horizon.hi});`,
  );
  ir.params.forEach((p, i) => {
    if (!dynamic.has(i)) return;
    const sample = p.range
      ? p.t === "int"
        ? `rint(runit(rbase(SEED, e, episode, ${RESET_ROUND}, 0, ${PARAM_SITE_BASE + i})), ${p.range.lo}, ${p.range.hi})`
        : `rreal(runit(rbase(SEED, e, episode, ${RESET_ROUND}, 0, ${PARAM_SITE_BASE + i})), ${p.range.lo}, ${p.range.hi})`
      : literal(p.t === "bool" ? "int" : p.t, p.value);
    L(
      `P${i}[e] = PINNED[${i}] !== undefined ? PINNED[${i}] : ${p.range ? `SAMPLE ? ${sample} : ${literal(p.t === "bool" ? "int" : p.t, p.value)}` : sample};`,
    );
  });
  ir.rules.forEach((r, i) => L(`RULE${i}[e] = ${r.startsActive ? 1 : 0};`));
  L(`RND[e] = ${RESET_ROUND};`);
  ir.globals.forEach((g, i) => {
    const pre: string[] = [];
    const v = em.expr(g.init, pre);
    L(...pre, g.t === "bool" ? `G${i}[e] = ${v} ? 1 : 0;` : `G${i}[e] = ${v};`);
  });
  ir.roles.forEach((r, role) =>
    L(
      ...agents(r.count, (self) => {
        const body: string[] = [];
        const pre: string[] = [];
        const team = r.teamInit
          ? em.expr(r.teamInit, pre)
          : ir.teams.length > 0
            ? self === "self"
              ? `self % ${ir.teams.length}`
              : String(Number(self) % ir.teams.length)
            : "0";
        body.push(...pre, `TEAM${role}[${at(role, self)}] = ${team};`);
        r.state.forEach((s, k) => {
          const spre: string[] = [];
          const v = em.expr(s.init, spre);
          body.push(
            ...spre,
            s.t === "bool"
              ? `S${role}_${k}[${at(role, self)}] = ${v} ? 1 : 0;`
              : `S${role}_${k}[${at(role, self)}] = ${v};`,
          );
        });
        const i = at(role, self);
        body.push(
          `REW${role}[${i}] = 0; TOT${role}[${i}] = 0; ACT${role}[${i}] = -1; LAST${role}[${i}] = -1; RACT${role}[${i}] = -1;`,
        );
        // Masks of actions that are always available are written here once.
        const fixed = r.actions.filter((a) => !a.guard && !(a.phases.length > 0 && ir.phases.length > 1));
        if (fixed.length)
          body.push(
            `{ const m = (${i}) * ${r.numActions}; ${fixed.map((a) => `MASK${role}.fill(1, m + ${a.flatStart}, m + ${a.flatStart + a.flatCount});`).join(" ")} }`,
          );
        return body;
      }),
    ),
  );
  L("RND[e] = 0;", "beginPhase(e);", "}");

  // --- reset ---
  L(
    "function reset() {",
    "for (let e = 0; e < E; e++) startEpisode(e, 0);",
    "DONE.fill(0); METRICS.fill(0); RULES.fill(0);",
    ...ir.roles.map((_, r) => `OUTREW${r}.fill(0); OBJ${r}.fill(0);`),
    "return result;",
    "}",
  );

  // --- step ---
  L("function step(actions) {", declareLocals);
  ir.roles.forEach((r, role) =>
    L(
      `const IN${role} = actions[${role}];`,
      `if (!IN${role} || IN${role}.length < E * ${r.count}) throw new Error(${jsString(`actions[${role}] (${r.name}) must hold `)} + (E * ${r.count}) + ' action indices');`,
    ),
  );
  L("for (let e = 0; e < E; e++) {", declareBases);
  ir.roles.forEach((r, role) => {
    const always = r.actions.some((a) => !a.guard && !(a.phases.length > 0 && ir.phases.length > 1));
    L(
      ...agents(r.count, (self) => {
        const i = at(role, self);
        return [
          `let a = IN${role}[${i}];`,
          `const m = (${i}) * ${r.numActions};`,
          always
            ? ""
            : `let any = false; for (let f = 0; f < ${r.numActions}; f++) if (MASK${role}[m + f] === 1) { any = true; break; }`,
          `if (${always ? "" : "!any || "}a < 0) a = -1;`,
          `else if (a >= ${r.numActions} || MASK${role}[m + a] !== 1) { if (CHECKED) throw new Error(illegal(${role}, e, ${self}, a)); a = -1; }`,
          `ACT${role}[${i}] = a; if (a >= 0) RACT${role}[${i}] = a; REW${role}[${i}] = 0;`,
        ];
      }),
    );
  });
  L("ended = false;");
  if (ir.phases.length === 1) {
    const out: string[] = [];
    em.stmts(ir.steps[0], out);
    L(...out);
  } else {
    L("switch (PH[e]) {");
    ir.steps.forEach((stmts, p) => {
      const out: string[] = [];
      em.stmts(stmts, out);
      L(`case ${p}: {`, ...out, "break; }");
    });
    L("}");
  }
  ir.metrics.forEach((m, k) => {
    const pre: string[] = [];
    const v = em.expr(m.expr, pre);
    L(...pre, `METRICS[e * ${numMetrics} + ${k}] = ${v};`);
  });
  ir.rules.forEach((_, k) => L(`RULES[e * ${ir.rules.length} + ${k}] = RULE${k}[e];`));
  // Every total first, then the objectives (which may read any agent's total).
  ir.roles.forEach((r, role) =>
    L(
      ...agents(r.count, (self) => [
        `{ const r = REW${role}[${at(role, self)}]; OUTREW${role}[${at(role, self)}] = r; TOT${role}[${at(role, self)}] = Math.fround(TOT${role}[${at(role, self)}] + r); }`,
      ]),
    ),
  );
  ir.roles.forEach((r, role) => {
    if (!r.objective) return;
    L(
      ...agents(r.count, (self) => {
        const pre: string[] = [];
        const objective = em.expr(r.objective!, pre);
        return [...pre, `OBJ${role}[${at(role, self)}] = ${objective};`];
      }),
    );
  });
  L("let done = ended;");
  ir.endWhen.forEach((cond) => {
    const pre: string[] = [];
    const c = em.expr(cond, pre);
    L("if (!done) {", ...pre, `if (${c}) done = true;`, "}");
  });
  L(
    `if (PH[e] === ${lastPhase} && RND[e] >= HZ[e] - 1) done = true;`,
    "DONE[e] = done ? 1 : 0;",
    "if (done) { startEpisode(e, EP[e] + 1); continue; }",
  );
  L(`if (PH[e] === ${lastPhase}) {`, "PH[e] = 0; RND[e]++;");
  ir.roles.forEach((r, role) =>
    L(
      ...agents(r.count, (self) => {
        const i = at(role, self);
        return [`if (RACT${role}[${i}] >= 0) LAST${role}[${i}] = RACT${role}[${i}]; RACT${role}[${i}] = -1;`];
      }),
    ),
  );
  L("} else PH[e]++;", "beginPhase(e);", "}", "return result;", "}");

  // --- bots ---
  L("function botActions(name, out) {", declareLocals, "switch (name) {");
  ir.bots.forEach((bot) => {
    const r = ir.roles[bot.role];
    L(
      `case ${jsString(bot.name)}: {`,
      "for (let e = 0; e < E; e++) {",
      ir.roles.length ? `const ${bases};` : "",
      ...agents(r.count, (self) => {
        const body: string[] = [];
        em.stmts(bot.body, body);
        const i = at(bot.role, self);
        return [
          "played = -1;",
          "bot: {",
          ...body,
          "}",
          `const a = played; const m = (${i}) * ${r.numActions};`,
          `out[${i}] = a >= 0 && a < ${r.numActions} && MASK${bot.role}[m + a] === 1 ? a : -1;`,
        ];
      }),
      "}",
      "return;",
      "}",
    );
  });
  L(
    `default: throw new Error('unknown bot \`' + name + '\`; the bots are ' + ${jsString(ir.bots.map((b) => "`" + b.name + "`").join(", ") || "none")});`,
    "}",
    "}",
  );

  L(
    "function illegal(role, e, i, a) {",
    "const r = schema.roles[role];",
    "const label = a >= 0 && a < r.numActions ? '`' + r.actionLabels[a] + '` (' + a + ')' : String(a);",
    "return 'copy ' + e + ', ' + r.name + ' #' + i + ': action ' + label + ' is not available now (masked out); pass a legal action or -1 for no-op';",
    "}",
  );
  L("return { schema, numEnvs: E, reset, step, botActions };");
  return [...em.tables, ...lines.filter((l) => l !== "")].join("\n");
}

/** Folds an operation on two literal operands, as the interpreter would compute it. */
function fold(op: string, a: string, b: string, int: boolean): string | undefined {
  if (isBool(a) && isBool(b)) {
    const x = a === "true";
    const y = b === "true";
    if (op === "and") return String(x && y);
    if (op === "or") return String(x || y);
    if (op === "eq") return String(x === y);
    if (op === "ne") return String(x !== y);
    return undefined;
  }
  if (op === "and" && (a === "false" || b === "false")) return "false";
  if (op === "or" && (a === "true" || b === "true")) return "true";
  if (op === "and" && a === "true") return b;
  if (op === "and" && b === "true") return a;
  if (!isNumber(a) || !isNumber(b)) return undefined;
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case "eq":
      return String(x === y);
    case "ne":
      return String(x !== y);
    case "lt":
      return String(x < y);
    case "le":
      return String(x <= y);
    case "gt":
      return String(x > y);
    case "ge":
      return String(x >= y);
    case "add":
      return int ? String((x + y) | 0) : undefined;
    case "sub":
      return int ? String((x - y) | 0) : undefined;
    case "mul":
      return int ? String(Math.imul(x, y)) : undefined;
  }
  return undefined;
}
