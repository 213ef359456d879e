import type * as A from "../language/syntax/ast.js";
import type { GameModel, RoleInfo, SymbolDef } from "../language/semantic/model.js";
import type { Type } from "../language/semantic/types.js";
import {
  DEFAULT_MAX_ROUNDS,
  type AssignOp,
  type BinaryOp,
  type Domain,
  type Expr,
  type IRAction,
  type IRGame,
  type IRObservation,
  type IRRole,
  type Scalar,
  type Stmt,
} from "./ir.js";
import { printable } from "../language/text.js";

/** Where an expression is lowered: which role `self` is, and which loop variables key random draws. */
interface LowerContext {
  selfRole?: number;
  /** Slots of the enclosing loop and aggregate variables. */
  keys: number[];
}

const BINARY_OPS: Record<string, BinaryOp> = {
  "+": "add",
  "-": "sub",
  "*": "mul",
  "/": "div",
  "%": "mod",
  "==": "eq",
  "!=": "ne",
  "<": "lt",
  "<=": "le",
  ">": "gt",
  ">=": "ge",
  and: "and",
  or: "or",
};

const ASSIGN_OPS: Record<A.AssignOp, AssignOp> = { "=": "set", "+=": "add", "-=": "sub", "*=": "mul", "/=": "div" };

export function storageOf(t: Type | undefined): Scalar {
  if (!t) return "int";
  if (t.kind === "real") return "real";
  if (t.kind === "bool") return "bool";
  return "int";
}

/**
 * Lowers a checked model (no errors) to the IR. Constants are folded with the model's
 * param values, which already include `--set` overrides.
 */
export function lowerGame(model: GameModel, source: string): IRGame {
  return new Lowering(model, source).run();
}

class Lowering {
  private readonly slots = new Map<SymbolDef, number>();
  private numLocals = 0;
  private numSites = 0;
  private readonly roleIndex = new Map<string, number>();
  private readonly paramIndex = new Map<string, number>();
  private readonly globalIndex = new Map<string, number>();
  private readonly ruleIndex = new Map<string, number>();
  private readonly teamIndex = new Map<string, number>();
  private readonly phaseIndex = new Map<string, number>();
  private roles: IRRole[] = [];

  constructor(
    private readonly model: GameModel,
    private readonly source: string,
  ) {
    model.roles.forEach((r, i) => this.roleIndex.set(r.name, i));
    [...model.params.keys()].forEach((p, i) => this.paramIndex.set(p, i));
    [...model.state.keys()].forEach((s, i) => this.globalIndex.set(s, i));
    model.rules.forEach((r, i) => this.ruleIndex.set(r.symbol.name, i));
    model.teams.forEach((t, i) => this.teamIndex.set(t.name, i));
    model.phases.forEach((p, i) => this.phaseIndex.set(p.name, i));
  }

  run(): IRGame {
    const m = this.model;
    const params = [...m.params.values()].map((p) => ({
      name: p.symbol.name,
      t: p.type as Scalar,
      value: p.value ? Number(p.value.value) : 0,
      range: p.range,
      overrides: [] as { rule: number; value: Expr }[],
    }));
    // Shells first: bodies refer to roles' action tables.
    this.roles = m.roles.map((r) => this.roleShell(r));
    const top: LowerContext = { keys: [] };
    m.rules.forEach((rule, ruleId) => {
      for (const set of rule.sets) {
        const index = this.paramIndex.get(set.param);
        // The value reads as the param: an int overriding a real param becomes a real.
        if (index !== undefined)
          params[index].overrides.unshift({
            rule: ruleId,
            value: this.convert(this.expr(set.value, top), params[index].t),
          });
      }
    });
    const dynamicParams = params.flatMap((p, i) => (p.range || p.overrides.length > 0 ? [i] : []));
    this.dynamic = new Set(dynamicParams);
    m.roles.forEach((r, i) => this.roleBody(r, this.roles[i]));

    const phases = m.phases.length > 0 ? m.phases.map((p) => p.name) : ["main"];
    const steps: Stmt[][] = phases.map(() => []);
    if (m.payoff) steps[0].push(this.payoff(m.payoff));
    for (const step of m.steps) {
      const phase = step.phase ? (this.phaseIndex.get(step.phase.text) ?? 0) : 0;
      steps[phase].push(...this.block(step.body, top));
    }
    return {
      name: m.name,
      params,
      dynamicParams,
      globals: [...m.state.values()].map(({ symbol, decl }) => ({
        name: symbol.name,
        t: storageOf(symbol.type),
        init: this.stored(decl.value, symbol.type, top),
      })),
      roles: this.roles,
      teams: m.teams.map((t) => t.name),
      phases,
      rules: m.rules.map((r) => ({
        name: r.symbol.name,
        startsActive: r.startsActive,
        activeWhen: r.activeWhen ? this.expr(r.activeWhen, top) : undefined,
      })),
      steps,
      metrics: m.metrics.map(({ symbol, decl }) => ({
        name: symbol.name,
        phases: [...new Set(decl.phases.map((p) => this.phaseIndex.get(p.text) ?? 0))].sort((a, b) => a - b),
        expr: this.convert(this.expr(decl.value, top), "real"),
      })),
      endWhen: m.endWhen.map((e) => this.expr(e, top)),
      horizon: m.horizon ?? { lo: DEFAULT_MAX_ROUNDS, hi: DEFAULT_MAX_ROUNDS },
      bots: m.bots.map((b) => {
        const role = this.roleIndex.get(b.role)!;
        return { name: b.symbol.name, role, body: this.block(b.decl.body, { selfRole: role, keys: [] }) };
      }),
      numLocals: this.numLocals,
      numRandomSites: this.numSites,
    };
  }

  private dynamic = new Set<number>();

  // ---- roles ------------------------------------------------------------------------------

  private roleShell(role: RoleInfo): IRRole {
    const actions: IRAction[] = [];
    const actionLabels: string[] = [];
    const flatAction: number[] = [];
    const flatArg: number[] = [];
    for (const action of role.actions) {
      const info = action.argument?.info;
      let values: { value: number; label: string }[] = [{ value: 0, label: action.symbol.name }];
      let arg: IRAction["arg"];
      if (action.argument && info) {
        const name = action.symbol.name;
        if (info.kind === "range") {
          values = range(info.lo, info.hi).map((v) => ({ value: v, label: `${name}(${v})` }));
          arg = { name: action.argument.name, slot: this.slot(action.argument.symbol), kind: "range", lo: info.lo };
        } else if (info.kind === "role") {
          const target = this.model.roles.find((r) => r.name === info.role)!;
          values = range(0, (target.count ?? 1) - 1).map((v) => ({ value: v, label: `${name}(${target.name}#${v})` }));
          arg = {
            name: action.argument.name,
            slot: this.slot(action.argument.symbol),
            kind: "role",
            lo: 0,
            role: this.roleIndex.get(target.name),
          };
        } else if (info.kind === "team") {
          values = this.model.teams.map((t, i) => ({ value: i, label: `${name}(${t.name})` }));
          arg = { name: action.argument.name, slot: this.slot(action.argument.symbol), kind: "team", lo: 0 };
        } else {
          values = this.model.rules.map((r, i) => ({ value: i, label: `${name}(${r.symbol.name})` }));
          arg = { name: action.argument.name, slot: this.slot(action.argument.symbol), kind: "rule", lo: 0 };
        }
      }
      actions.push({
        name: action.symbol.name,
        flatStart: actionLabels.length,
        flatCount: values.length,
        arg,
        phases: action.phases.map((p) => this.phaseIndex.get(p) ?? 0),
      });
      for (const v of values) {
        actionLabels.push(v.label);
        flatAction.push(actions.length - 1);
        flatArg.push(v.value);
      }
    }
    return {
      name: role.name,
      count: role.count ?? 1,
      actions,
      numActions: actionLabels.length,
      actionLabels,
      flatAction,
      flatArg,
      state: [],
      observations: [],
      obsDim: 0,
    };
  }

  private roleBody(role: RoleInfo, ir: IRRole) {
    const roleId = this.roleIndex.get(role.name)!;
    const ctx: LowerContext = { selfRole: roleId, keys: [] };
    ir.state = [...role.state.values()].map(({ symbol, decl }) => ({
      name: symbol.name,
      t: storageOf(symbol.type),
      init: this.stored(decl.value, symbol.type, ctx),
    }));
    role.actions.forEach((action, i) => {
      const guards = action.decl.guards.map((g) => this.expr(g, ctx));
      if (guards.length > 0)
        ir.actions[i].guard = guards.reduce((a, b) => ({ k: "binary", t: "bool", op: "and", a, b, operand: "bool" }));
    });
    ir.observations = role.observe.map((e) => this.observation(e, ctx));
    ir.obsDim = ir.observations.reduce((n, o) => n + o.width, 0);
    if (role.objective) ir.objective = this.convert(this.expr(role.objective, ctx), "real");
    if (role.teamInit) ir.teamInit = this.expr(role.teamInit, ctx);
  }

  private observation(e: A.Expr, ctx: LowerContext): IRObservation {
    const type = this.model.types.get(e);
    const label = this.label(e);
    if (type?.kind === "team") {
      return {
        expr: this.expr(e, ctx),
        encoding: "oneHot",
        width: this.model.teams.length,
        labels: this.model.teams.map((t) => `${label}=${t.name}`),
      };
    }
    if (type?.kind === "action" && type.role) {
      const roleId = this.roleIndex.get(type.role)!;
      const names = this.roles[roleId].actions.map((a) => a.name);
      return {
        expr: { k: "actionIndex", t: "int", role: roleId, value: this.expr(e, ctx) },
        encoding: "oneHot",
        width: names.length,
        labels: names.map((n) => `${label}=${n}`),
      };
    }
    if (type?.kind === "bool" || type?.kind === "rule")
      return { expr: this.expr(e, ctx), encoding: "bool", width: 1, labels: [label] };
    return { expr: this.convert(this.expr(e, ctx), "real"), encoding: "number", width: 1, labels: [label] };
  }

  /** The source text of an expression with its white space folded, as a feature label. */
  private label(e: A.Expr): string {
    // Source text, comments included: shown in terminals, schemas and reports, so control characters are escaped.
    return printable(this.source.slice(e.span.start, e.span.end).replace(/\s+/g, " ").trim());
  }

  private payoff(payoff: A.PayoffDecl): Stmt {
    const agents: { role: number; index: number }[] = [];
    this.roles.forEach((r, role) => {
      for (let index = 0; index < r.count; index++) agents.push({ role, index });
    });
    const sizes = agents.map((a) => this.roles[a.role].numActions);
    const total = sizes.reduce((a, b) => a * b, 1);
    const rows: Expr[][] = new Array(total);
    const top: LowerContext = { keys: [] };
    for (const row of payoff.rows) {
      let joint = 0;
      row.actions.forEach((name, i) => {
        const index = this.roles[agents[i].role].actions.findIndex((a) => a.name === name.text);
        joint = joint * sizes[i] + index;
      });
      rows[joint] = row.rewards.map((r) => this.convert(this.expr(r, top), "real"));
    }
    return { k: "payoff", agents, sizes, rows };
  }

  // ---- statements -------------------------------------------------------------------------

  private slot(symbol: SymbolDef): number {
    let slot = this.slots.get(symbol);
    if (slot === undefined) {
      slot = this.numLocals++;
      this.slots.set(symbol, slot);
    }
    return slot;
  }

  private block(block: A.Block, ctx: LowerContext): Stmt[] {
    return block.statements.flatMap((s) => this.stmt(s, ctx));
  }

  private stmt(s: A.Stmt, ctx: LowerContext): Stmt[] {
    switch (s.kind) {
      case "Let": {
        const symbol = this.model.symbols.find((d) => d.kind === "local" && d.declSpan === s.span)!;
        const t = storageOf(symbol.type);
        return [
          { k: "setLocal", slot: this.slot(symbol), op: "set", value: this.stored(s.value, symbol.type, ctx), t },
        ];
      }
      case "Assign":
        return [this.assign(s, ctx)];
      case "If":
        return [
          {
            k: "if",
            c: this.expr(s.condition, ctx),
            then: this.block(s.then, ctx),
            else: s.else ? (s.else.kind === "Block" ? this.block(s.else, ctx) : this.stmt(s.else, ctx)) : [],
          },
        ];
      case "For": {
        const symbol = this.model.symbols.find((d) => d.kind === "loopVariable" && d.declSpan === s.span)!;
        const slot = this.slot(symbol);
        const inner = { ...ctx, keys: [...ctx.keys, slot] };
        return [
          {
            k: "for",
            domain: this.domain(s.over),
            slot,
            filter: s.filter ? this.expr(s.filter, inner) : undefined,
            body: this.block(s.body, inner),
          },
        ];
      }
      case "Match":
        return this.match(s, ctx);
      case "Enact":
      case "Repeal": {
        const symbol = this.model.resolved.get(s.rule);
        if (symbol && symbol.kind !== "rule")
          return [{ k: "enactDyn", rule: this.ruleIdOf(symbol), active: s.kind === "Enact" }];
        return [{ k: "enact", rule: this.ruleIndex.get(s.rule.text)!, active: s.kind === "Enact" }];
      }
      case "End":
        return [{ k: "end" }];
      case "Play": {
        const role = ctx.selfRole!;
        const action = this.roles[role].actions.findIndex((a) => a.name === s.action.text);
        return [
          {
            k: "play",
            value: {
              k: "actionFlat",
              t: "int",
              role,
              action,
              arg: s.argument ? this.expr(s.argument, ctx) : undefined,
            },
          },
        ];
      }
    }
  }

  private match(s: A.MatchStmt, ctx: LowerContext): Stmt[] {
    const subjectType = this.model.types.get(s.subject);
    if (subjectType?.kind !== "action" || !subjectType.role) return [];
    const role = this.roleIndex.get(subjectType.role)!;
    const temp = this.numLocals++;
    const value: Expr = { k: "local", t: "int", slot: temp };
    const out: Stmt[] = [{ k: "setLocal", slot: temp, op: "set", value: this.expr(s.subject, ctx), t: "int" }];
    // The first arm that matches runs: an if / else-if chain.
    let chain: Stmt[] = [];
    for (const arm of [...s.arms].reverse()) {
      const action = this.roles[role].actions.findIndex((a) => a.name === arm.action.text);
      if (action < 0) continue;
      const body: Stmt[] = [];
      if (arm.binding) {
        const symbol = this.model.symbols.find((d) => d.kind === "matchBinding" && d.nameSpan === arm.binding!.span)!;
        body.push({
          k: "setLocal",
          slot: this.slot(symbol),
          op: "set",
          value: { k: "actionArg", t: "int", role, value, action },
          t: "int",
        });
      }
      body.push(...this.block(arm.body, ctx));
      chain = [{ k: "if", c: { k: "actionIs", t: "bool", role, value, action }, then: body, else: chain }];
    }
    return [...out, ...chain];
  }

  private assign(s: A.AssignStmt, ctx: LowerContext): Stmt {
    const op = ASSIGN_OPS[s.op];
    const target = s.target;
    if (target.kind === "NameRef") {
      const symbol = this.model.resolved.get(target)!;
      const t = storageOf(symbol.type);
      const value =
        symbol.type.kind === "rule"
          ? this.ruleId(s.value, ctx)
          : this.convert(this.expr(s.value, ctx), op === "div" ? "real" : t);
      if (symbol.kind === "state") return { k: "setGlobal", index: this.globalIndex.get(symbol.name)!, op, value, t };
      return { k: "setLocal", slot: this.slot(symbol), op, value, t };
    }
    if (target.kind === "Field") {
      const objectType = this.model.types.get(target.object);
      const role = objectType?.kind === "agent" ? this.roleIndex.get(objectType.role)! : 0;
      const agent = this.expr(target.object, ctx);
      const field = target.field.text;
      const stateIndex = [...this.model.roles[role].state.keys()].indexOf(field);
      if (stateIndex >= 0) {
        const t =
          this.roles[role].state[stateIndex]?.t ?? storageOf(this.model.roles[role].state.get(field)!.symbol.type);
        const type = this.model.roles[role].state.get(field)!.symbol.type;
        return {
          k: "setAgent",
          role,
          agent,
          field: { kind: "state", index: stateIndex },
          op,
          value: this.stored(s.value, type, ctx),
          t,
        };
      }
      if (field === "team")
        return { k: "setAgent", role, agent, field: { kind: "team" }, op, value: this.expr(s.value, ctx), t: "int" };
      return {
        k: "setAgent",
        role,
        agent,
        field: { kind: "reward" },
        op,
        value: this.convert(this.expr(s.value, ctx), "real"),
        t: "real",
      };
    }
    throw new Error("unreachable: assignment target was checked");
  }

  private domain(over: A.Name): Domain {
    if (over.text === "teams") return { kind: "teams" };
    return { kind: "role", role: this.roleIndex.get(over.text)! };
  }

  // ---- expressions ------------------------------------------------------------------------

  /** Converts an int value where a real is stored or computed (bools never convert). */
  private convert(e: Expr, to: Scalar): Expr {
    if (to === "real" && e.t === "int") {
      if (e.k === "const") return { k: "const", t: "real", v: Math.fround(e.v) };
      return { k: "binary", t: "real", op: "add", a: e, b: { k: "const", t: "real", v: 0 }, operand: "real" };
    }
    return e;
  }

  private typeOf(e: A.Expr): Type | undefined {
    return this.model.types.get(e);
  }

  expr(e: A.Expr, ctx: LowerContext): Expr {
    switch (e.kind) {
      case "Number":
        return e.isInt ? { k: "const", t: "int", v: e.value | 0 } : { k: "const", t: "real", v: Math.fround(e.value) };
      case "Bool":
        return { k: "const", t: "bool", v: e.value ? 1 : 0 };
      case "Paren":
        return this.expr(e.inner, ctx);
      case "Round":
        return { k: "round", t: "int" };
      case "Phase":
        return { k: "phase", t: "int" };
      case "Noop":
        return { k: "const", t: "int", v: -1 };
      case "Self":
        return { k: "self", t: "int" };
      case "NameRef":
        return this.name(e);
      case "Field":
        return this.field(e, ctx);
      case "Last": {
        const operand = e.operand as A.FieldExpr;
        const objectType = this.typeOf(operand.object);
        const role = objectType?.kind === "agent" ? this.roleIndex.get(objectType.role)! : 0;
        return { k: "agent", t: "int", role, agent: this.expr(operand.object, ctx), field: { kind: "last" } };
      }
      case "Unary": {
        const x = this.expr(e.operand, ctx);
        return e.op === "not" ? { k: "unary", t: "bool", op: "not", x } : { k: "unary", t: x.t, op: "neg", x };
      }
      case "Binary":
        return this.binary(e, ctx);
      case "IfExpr": {
        const t = storageOf(this.typeOf(e));
        return {
          k: "if",
          t,
          c: this.expr(e.condition, ctx),
          a: this.convert(this.expr(e.then, ctx), t),
          b: this.convert(this.expr(e.else, ctx), t),
        };
      }
      case "Call":
        return this.call(e, ctx);
      case "Aggregate":
        return this.aggregate(e, ctx);
      case "ErrorExpr":
        throw new Error("unreachable: lowering a file with errors");
    }
  }

  /** What a name resolved to: the checker records actions on the name, others on the expression. */
  private resolvedName(e: A.NameRef): SymbolDef | undefined {
    return this.model.resolved.get(e) ?? this.model.resolved.get(e.name);
  }

  private name(e: A.NameRef): Expr {
    const symbol = this.resolvedName(e);
    if (!symbol) throw new Error(`unreachable: unresolved name ${e.name.text}`);
    switch (symbol.kind) {
      case "param": {
        const index = this.paramIndex.get(symbol.name)!;
        const param = this.model.params.get(symbol.name)!;
        const t = param.type as Scalar;
        if (this.dynamic.has(index) || param.range || param.setBy.length > 0) return { k: "param", t, param: index };
        const v = param.value ? Number(param.value.value) : 0;
        return { k: "const", t, v: t === "real" ? Math.fround(v) : v };
      }
      case "state": {
        const stored: Expr = { k: "global", t: storageOf(symbol.type), index: this.globalIndex.get(symbol.name)! };
        // Rule-typed state holds a rule's identity; read as a bool, it is that rule's active flag.
        return symbol.type.kind === "rule" ? { k: "ruleDyn", t: "bool", rule: stored } : stored;
      }
      case "rule":
        return { k: "rule", t: "bool", rule: this.ruleIndex.get(symbol.name)! };
      case "team":
        return { k: "const", t: "int", v: this.teamIndex.get(symbol.name)! };
      case "phase":
        return { k: "const", t: "int", v: this.phaseIndex.get(symbol.name) ?? 0 };
      case "action": {
        const role = this.roleIndex.get(symbol.role!)!;
        const action = this.roles[role].actions.findIndex((a) => a.name === symbol.name);
        return { k: "const", t: "int", v: this.roles[role].actions[action].flatStart };
      }
      default: {
        const t = storageOf(symbol.type);
        const local: Expr = { k: "local", t, slot: this.slot(symbol) };
        // A rule-typed variable read as a bool is that rule's active flag.
        if (symbol.type.kind === "rule") return { k: "ruleDyn", t: "bool", rule: local };
        return local;
      }
    }
  }

  /**
   * A rule as a value (its index), for storing into rule-typed state and locals, comparing
   * rules, enacting through a variable and action arguments. Rule-typed storage holds this
   * index; only where a rule is read as a bool does it become the active flag (`ruleDyn`).
   */
  private ruleId(e: A.Expr, ctx: LowerContext): Expr {
    if (e.kind === "Paren") return this.ruleId(e.inner, ctx);
    if (e.kind === "NameRef") {
      const symbol = this.resolvedName(e);
      if (symbol) return this.ruleIdOf(symbol);
    }
    if (e.kind === "IfExpr")
      return {
        k: "if",
        t: "int",
        c: this.expr(e.condition, ctx),
        a: this.ruleId(e.then, ctx),
        b: this.ruleId(e.else, ctx),
      };
    const value = this.expr(e, ctx);
    // A rule-typed agent field reads as its active flag: take the stored index beneath.
    return value.k === "ruleDyn" ? value.rule : value;
  }

  /** The index a rule-typed name holds: a rule's own, or the one stored in a state or local. */
  private ruleIdOf(symbol: SymbolDef): Expr {
    if (symbol.kind === "rule") return { k: "const", t: "int", v: this.ruleIndex.get(symbol.name)! };
    if (symbol.kind === "state") return { k: "global", t: "int", index: this.globalIndex.get(symbol.name)! };
    return { k: "local", t: "int", slot: this.slot(symbol) };
  }

  /** A value lowered for storage of type `type`: rules as their index, numbers converted. */
  private stored(e: A.Expr, type: Type, ctx: LowerContext): Expr {
    return type.kind === "rule" ? this.ruleId(e, ctx) : this.convert(this.expr(e, ctx), storageOf(type));
  }

  private field(e: A.FieldExpr, ctx: LowerContext): Expr {
    const objectType = this.typeOf(e.object);
    const role = objectType?.kind === "agent" ? this.roleIndex.get(objectType.role)! : 0;
    const agent = this.expr(e.object, ctx);
    const name = e.field.text;
    const stateIndex = [...this.model.roles[role].state.keys()].indexOf(name);
    if (stateIndex >= 0) {
      const stored: Expr = {
        k: "agent",
        t: storageOf(this.typeOf(e)),
        role,
        agent,
        field: { kind: "state", index: stateIndex },
      };
      return this.typeOf(e)?.kind === "rule" ? { k: "ruleDyn", t: "bool", rule: stored } : stored;
    }
    switch (name) {
      case "reward":
        return { k: "agent", t: "real", role, agent, field: { kind: "reward" } };
      case "total":
        return { k: "agent", t: "real", role, agent, field: { kind: "total" } };
      case "index":
        return agent;
      case "team":
        return { k: "agent", t: "int", role, agent, field: { kind: "team" } };
      default:
        return { k: "agent", t: "int", role, agent, field: { kind: "action" } };
    }
  }

  /** An action named on one side of a comparison, or undefined if `e` is not one. */
  private actionOperand(e: A.Expr): { role: number; action: number; arg?: A.Expr } | undefined {
    const node = e.kind === "Paren" ? e.inner : e;
    const symbol =
      node.kind === "NameRef"
        ? this.resolvedName(node)
        : node.kind === "Call"
          ? this.model.resolved.get(node.callee)
          : undefined;
    if (symbol?.kind !== "action") return undefined;
    const role = this.roleIndex.get(symbol.role!)!;
    const action = this.roles[role].actions.findIndex((a) => a.name === symbol.name);
    return { role, action, arg: node.kind === "Call" ? node.args[0] : undefined };
  }

  private binary(e: A.BinaryExpr, ctx: LowerContext): Expr {
    const op = BINARY_OPS[e.op];
    const lt = this.typeOf(e.left);
    const rt = this.typeOf(e.right);
    if (op === "eq" || op === "ne") {
      // `a.action == name` and `a.action == name(v)`.
      const named = this.actionOperand(e.right) ?? this.actionOperand(e.left);
      if (named && (lt?.kind === "action" || rt?.kind === "action")) {
        const valueSide = this.actionOperand(e.right) ? e.left : e.right;
        const value = this.expr(valueSide, ctx);
        let test: Expr;
        if (named.arg) {
          const argType = this.roles[named.role].actions[named.action].arg?.kind;
          const arg = argType === "rule" ? this.ruleId(named.arg, ctx) : this.expr(named.arg, ctx);
          test = {
            k: "binary",
            t: "bool",
            op: "eq",
            a: value,
            b: { k: "actionFlat", t: "int", role: named.role, action: named.action, arg },
            operand: "int",
          };
        } else test = { k: "actionIs", t: "bool", role: named.role, value, action: named.action };
        return op === "eq" ? test : { k: "unary", t: "bool", op: "not", x: test };
      }
      if (lt?.kind === "rule" && rt?.kind === "rule") {
        return {
          k: "binary",
          t: "bool",
          op,
          a: this.ruleId(e.left, ctx),
          b: this.ruleId(e.right, ctx),
          operand: "int",
        };
      }
    }
    const a = this.expr(e.left, ctx);
    const b = this.expr(e.right, ctx);
    let operand: Scalar;
    if (op === "and" || op === "or") operand = "bool";
    else if (a.t === "bool" && b.t === "bool") operand = "bool";
    else if (op === "div" || a.t === "real" || b.t === "real") operand = "real";
    else operand = "int";
    const t: Scalar = ["eq", "ne", "lt", "le", "gt", "ge", "and", "or"].includes(op)
      ? "bool"
      : op === "div"
        ? "real"
        : operand;
    return {
      k: "binary",
      t,
      op,
      a: operand === "real" ? this.convert(a, "real") : a,
      b: operand === "real" ? this.convert(b, "real") : b,
      operand,
    };
  }

  private call(e: A.CallExpr, ctx: LowerContext): Expr {
    const name = e.callee.text;
    const args = e.args.map((a) => this.expr(a, ctx));
    const t = storageOf(this.typeOf(e));
    switch (name) {
      case "random":
      case "bernoulli":
      case "randint": {
        const keys: Expr[] = ctx.keys.map((slot) => ({ k: "local", t: "int", slot }));
        if (ctx.selfRole !== undefined) keys.push({ k: "self", t: "int" });
        const converted = name === "bernoulli" ? args.map((a) => this.convert(a, "real")) : args;
        return { k: "random", t, fn: name, site: this.numSites++, keys, args: converted };
      }
      case "size":
        return { k: "size", t: "int", team: args[0] };
      case "min":
      case "max":
      case "clamp":
      case "abs":
        return { k: "call", t, fn: name, args: args.map((a) => this.convert(a, t)) };
      case "floor":
        return { k: "call", t: "int", fn: "floor", args: args.map((a) => this.convert(a, "real")) };
      case "exp":
      case "log":
      case "sqrt":
        return { k: "call", t: "real", fn: name, args: args.map((a) => this.convert(a, "real")) };
    }
    throw new Error(`unreachable: call to ${name}`);
  }

  private aggregate(e: A.AggregateExpr, ctx: LowerContext): Expr {
    const symbol = this.model.symbols.find((d) => d.kind === "aggregateVariable" && d.declSpan === e.span)!;
    const slot = this.slot(symbol);
    const inner = { ...ctx, keys: [...ctx.keys, slot] };
    const fn = e.fn.text as "sum" | "mean" | "min" | "max" | "count" | "any" | "all";
    const t = storageOf(this.typeOf(e));
    const body = e.body ? this.convert(this.expr(e.body, inner), fn === "mean" ? "real" : t) : undefined;
    return {
      k: "aggregate",
      t,
      fn,
      domain: this.domain(e.over),
      slot,
      filter: e.filter ? this.expr(e.filter, inner) : undefined,
      body,
    };
  }
}

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let v = lo; v <= hi; v++) out.push(v);
  return out;
}

export type { AssignOp };
