/**
 * The semantic checker: turns a parsed `.game` file into a `GameModel` (every declaration,
 * the type of each expression, what each name resolves to, the values of constants) and
 * the diagnostics found on the way. A problem becomes a diagnostic and checking goes on:
 * an expression in error gets the type `ERROR`, which matches anything, so one mistake is
 * reported once.
 *
 * `Checker.run` makes these passes over the game, in order:
 *   1. declarations: the game-level names (params, state, rules, roles, teams, phases,
 *      metrics, bots share one namespace), then each role's actions and agent state, since
 *      an action may name a later role; `--set` overrides are checked against the params.
 *   2. constants: param defaults and ranges (on demand, so that a cycle can be named),
 *      role counts, action-argument bounds and the horizon; folding is in const-fold.ts.
 *   3. bodies: initial values, rules, roles (guards, observations, objectives), steps,
 *      metrics, bots, `end when` and `train`, statement by statement and expression by
 *      expression, recording types, resolved names and references in the model.
 *   4. the `payoff` table, once role counts and actions are known (payoff-tables.ts).
 *   5. the whole-game warnings, which need to know every name read (warnings.ts).
 */
import { DiagnosticCode, type Diagnostic, type RelatedLocation } from "../diagnostics.js";
import type * as A from "../syntax/ast.js";
import type { Span } from "../text.js";
import { RESERVED_WORDS } from "../syntax/tokens.js";
import { closestName } from "../util/suggest.js";
import { AGENT_FIELDS, AGGREGATES, BUILTIN_FUNCTIONS, RESERVED_AGENT_FIELDS, TRAIN_KEYS } from "./builtins.js";
import { foldConstant, INT32_MAX, INT32_MIN, type ConstResult } from "./const-fold.js";
import { formatConst, toInt, toReal, type ConstValue } from "./constants.js";
import type { ActionArgInfo, ActionInfo, GameModel, ParamInfo, RoleInfo, RuleInfo, SymbolDef } from "./model.js";
import { checkPayoffTable } from "./payoff-tables.js";
import {
  BOOL,
  ERROR,
  INT,
  PHASE,
  REAL,
  RULE,
  TEAM,
  actionOf,
  agentOf,
  isAssignable,
  isBoolLike,
  isComparable,
  isNumeric,
  joinTypes,
  typeToString,
  type Type,
} from "./types.js";
import { reportGameWarnings } from "./warnings.js";

export type OverrideValue = number | boolean;

export interface CheckOptions {
  /** `--set name=value`: replaces a param's default before constants are evaluated. */
  overrides?: ReadonlyMap<string, OverrideValue>;
  /** The source text, for fixes that must match its layout. */
  source?: string;
}

export interface CheckResult {
  model: GameModel | undefined;
  diagnostics: Diagnostic[];
  /** Problems with the overrides themselves (unknown param, wrong type): not tied to a source range. */
  overrideErrors: string[];
}

class Scope {
  readonly vars = new Map<string, SymbolDef>();
  constructor(readonly parent?: Scope) {}
  lookup(name: string): SymbolDef | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const found = s.vars.get(name);
      if (found) return found;
    }
    return undefined;
  }
  *names(): Iterable<string> {
    for (let s: Scope | undefined = this; s; s = s.parent) yield* s.vars.keys();
  }
}

/** Where an expression or statement is: decides what `self`, `play`, writes and randomness may do. */
interface Context {
  scope: Scope;
  /** The role `self` is an agent of, if any. */
  selfRole?: RoleInfo;
  /** Statement context: `step` bodies change the world, `bot` bodies only choose an action. */
  body?: "step" | "bot";
  /** A bot's role, for `play`. */
  botRole?: RoleInfo;
}

export function checkGame(file: A.SourceFile, options: CheckOptions = {}): CheckResult {
  if (!file.game) return { model: undefined, diagnostics: [], overrideErrors: [] };
  const checker = new Checker(file.game, options);
  checker.run();
  return { model: checker.model, diagnostics: checker.diagnostics, overrideErrors: checker.overrideErrors };
}

class Checker {
  readonly diagnostics: Diagnostic[] = [];
  readonly overrideErrors: string[] = [];
  readonly model: GameModel;
  /** Params, state, rules, roles, teams, phases, metrics and bots share this namespace. */
  private readonly names = new Map<string, SymbolDef>();
  private readonly roleByName = new Map<string, RoleInfo>();
  private readonly ruleByName = new Map<string, RuleInfo>();
  private readonly paramState = new Map<string, "evaluating" | "done">();
  private readonly readSymbols = new Set<SymbolDef>();
  private readonly overrides: ReadonlyMap<string, OverrideValue>;
  private readonly source: string;
  private hasTeams = false;
  /** Params whose defaults are being evaluated, innermost last (to name a cycle). */
  private readonly evaluating: string[] = [];

  constructor(game: A.GameDecl, options: CheckOptions) {
    this.overrides = options.overrides ?? new Map();
    this.source = options.source ?? "";
    this.model = {
      game,
      name: game.name.text,
      params: new Map(),
      state: new Map(),
      roles: [],
      rules: [],
      teams: [],
      phases: [],
      metrics: [],
      bots: [],
      steps: [],
      endWhen: [],
      train: {},
      symbols: [],
      references: [],
      types: new Map(),
      resolved: new Map(),
      letTypes: new Map(),
      dynamicEnacts: [],
    };
  }

  // ---- reporting --------------------------------------------------------------------

  private error(
    code: string,
    span: Span,
    message: string,
    extra: { hint?: string; related?: RelatedLocation[]; fix?: Diagnostic["fix"] } = {},
  ) {
    this.diagnostics.push({ code, severity: "error", span, message, ...extra });
  }

  private warning(
    code: string,
    span: Span,
    message: string,
    extra: { hint?: string; related?: RelatedLocation[] } = {},
  ) {
    this.diagnostics.push({ code, severity: "warning", span, message, ...extra });
  }

  private reference(span: Span, symbol: SymbolDef, node?: A.Expr | A.Name) {
    this.model.references.push({ span, symbol });
    if (node) this.model.resolved.set(node, symbol);
    this.readSymbols.add(symbol);
  }

  private symbol(def: SymbolDef): SymbolDef {
    this.model.symbols.push(def);
    return def;
  }

  /** Declares a name in a namespace, reporting a duplicate with a pointer to the first. */
  private declare(namespace: Map<string, SymbolDef>, def: SymbolDef, what = "name"): boolean {
    if (def.name === "") return false;
    const existing = namespace.get(def.name);
    if (existing) {
      const sameList = existing.declSpan === def.declSpan && (def.kind === "phase" || def.kind === "team");
      const where = ` as ${withArticle(describeSymbol(existing))}${existing.role ? ` of \`${existing.role}\`` : ""}`;
      this.error(
        DiagnosticCode.DuplicateDeclaration,
        def.nameSpan,
        sameList ? `${def.kind} \`${def.name}\` is listed twice` : `\`${def.name}\` is already declared${where}`,
        {
          related:
            existing.nameSpan.end > existing.nameSpan.start
              ? [{ span: existing.nameSpan, message: `first declared here` }]
              : undefined,
          hint: sameList ? "remove one of them" : `rename this ${what}`,
        },
      );
      return false;
    }
    namespace.set(def.name, def);
    return true;
  }

  // ---- driver ----------------------------------------------------------------------------

  run() {
    const game = this.model.game;
    this.symbol({
      kind: "game",
      name: game.name.text,
      nameSpan: game.name.span,
      declSpan: game.span,
      type: ERROR,
      doc: game.doc,
    });
    this.collectDeclarations(game);
    this.checkOverrides();
    this.evaluateConstants(game);
    this.checkBodies(game);
    this.checkPayoff();
    this.reportWarnings();
  }

  // ---- pass 1: declarations -------------------------------------------------------------

  private collectDeclarations(game: A.GameDecl) {
    let horizonSeen: A.HorizonDecl | undefined;
    let phasesSeen: A.PhasesDecl | undefined;
    let teamsSeen: A.TeamsDecl | undefined;
    for (const item of game.items) {
      switch (item.kind) {
        case "Param": {
          const type = item.type?.builtin;
          if (
            item.type &&
            !type &&
            !game.items.some((i) => i.kind === "Role" && i.name.text === item.type!.name.text)
          ) {
            this.unknownType(item.type, ["int", "real", "bool"]);
          } else if (item.type && type !== "int" && type !== "real" && type !== "bool") {
            this.error(
              DiagnosticCode.TypeMismatch,
              item.type.span,
              `a param is an \`int\`, \`real\` or \`bool\`, not \`${item.type.name.text}\``,
              {
                hint: "use `state` for values of other types",
              },
            );
          }
          const paramType = type === "int" || type === "real" || type === "bool" ? type : "real";
          const symbol = this.symbol({
            kind: "param",
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            type: { kind: paramType },
            doc: item.doc,
          });
          if (this.declare(this.names, symbol, "param")) {
            this.model.params.set(item.name.text, {
              symbol,
              decl: item,
              type: paramType,
              value: undefined,
              setBy: [],
              overridden: false,
            });
          }
          break;
        }
        case "State": {
          const symbol = this.symbol({
            kind: "state",
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            type: ERROR,
            doc: item.doc,
            mutable: true,
          });
          if (this.declare(this.names, symbol, "state")) this.model.state.set(item.name.text, { symbol, decl: item });
          break;
        }
        case "Rule": {
          const symbol = this.symbol({
            kind: "rule",
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            type: RULE,
            doc: item.doc,
          });
          const info: RuleInfo = { symbol, decl: item, startsActive: false, sets: [], enactedAt: [], repealedAt: [] };
          for (const ruleItem of item.items) {
            if (ruleItem.kind === "StartsActive") info.startsActive = true;
            else if (ruleItem.kind === "ActiveWhen") {
              if (info.activeWhen)
                this.error(DiagnosticCode.DuplicateDeclaration, ruleItem.span, "a rule has at most one `active when`");
              else info.activeWhen = ruleItem.condition;
            } else info.sets.push({ param: ruleItem.param.text, value: ruleItem.value, span: ruleItem.param.span });
          }
          if (info.startsActive && info.activeWhen) {
            this.error(
              DiagnosticCode.StatementNotAllowed,
              item.name.span,
              `rule \`${item.name.text}\` has both \`starts active\` and \`active when\``,
              {
                hint: "a scheduled rule is active exactly when its condition holds; remove `starts active`",
              },
            );
          }
          if (this.declare(this.names, symbol, "rule")) {
            this.model.rules.push(info);
            this.ruleByName.set(item.name.text, info);
          }
          break;
        }
        case "Role": {
          const symbol = this.symbol({
            kind: "role",
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            type: ERROR,
            doc: item.doc,
          });
          const info: RoleInfo = {
            symbol,
            decl: item,
            name: item.name.text,
            count: undefined,
            actions: [],
            state: new Map(),
            observe: [],
          };
          if (this.declare(this.names, symbol, "role")) {
            this.model.roles.push(info);
            this.roleByName.set(info.name, info);
          }
          break;
        }
        case "Teams":
          if (this.declareList("team", item, teamsSeen, this.model.teams, TEAM)) {
            teamsSeen = item;
            this.hasTeams = true;
          }
          break;
        case "Phases":
          if (this.declareList("phase", item, phasesSeen, this.model.phases, PHASE)) phasesSeen = item;
          break;
        case "Metric": {
          const symbol = this.symbol({
            kind: "metric",
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            type: ERROR,
            doc: item.doc,
          });
          if (this.declare(this.names, symbol, "metric")) this.model.metrics.push({ symbol, decl: item });
          break;
        }
        case "Bot": {
          const symbol = this.symbol({
            kind: "bot",
            name: item.name.text,
            nameSpan: item.name.span,
            declSpan: item.span,
            type: ERROR,
            doc: item.doc,
          });
          if (this.declare(this.names, symbol, "bot"))
            this.model.bots.push({ symbol, decl: item, role: item.role.text });
          break;
        }
        case "Horizon":
          if (horizonSeen)
            this.error(DiagnosticCode.DuplicateDeclaration, item.span, "the horizon is already declared", {
              related: [{ span: horizonSeen.span, message: "first declared here" }],
            });
          else horizonSeen = item;
          break;
        case "Payoff":
          if (this.model.payoff)
            this.error(DiagnosticCode.DuplicateDeclaration, item.keyword, "a game has at most one `payoff` table", {
              related: [{ span: this.model.payoff.keyword, message: "first table" }],
            });
          else this.model.payoff = item;
          break;
        case "Step":
          this.model.steps.push(item);
          break;
        case "EndWhen":
          this.model.endWhen.push(item.condition);
          break;
        case "Train":
          break;
      }
    }
    // Role members come after every game-level name is known (an action may target a later role).
    for (const role of this.model.roles) this.collectRoleMembers(role);
  }

  /** `teams a, b` and `phases x, y`: declared once per game, each name in the game namespace. */
  private declareList(
    kind: "team" | "phase",
    item: A.TeamsDecl | A.PhasesDecl,
    previous: A.TeamsDecl | A.PhasesDecl | undefined,
    into: SymbolDef[],
    type: Type,
  ): boolean {
    if (previous) {
      this.error(DiagnosticCode.DuplicateDeclaration, item.span, `the game's ${kind}s are already declared`, {
        related: [{ span: previous.span, message: "first declared here" }],
      });
      return false;
    }
    for (const name of item.names) {
      const symbol = this.symbol({ kind, name: name.text, nameSpan: name.span, declSpan: item.span, type });
      if (this.declare(this.names, symbol, kind)) into.push(symbol);
    }
    return true;
  }

  private collectRoleMembers(role: RoleInfo) {
    const namespace = new Map<string, SymbolDef>();
    for (const item of role.decl.items) {
      if (item.kind === "Action") {
        const symbol = this.symbol({
          kind: "action",
          name: item.name.text,
          nameSpan: item.name.span,
          declSpan: item.span,
          type: actionOf(role.name),
          role: role.name,
          doc: item.doc,
        });
        if (!this.declare(namespace, symbol, "action")) continue;
        const info: ActionInfo = {
          symbol,
          decl: item,
          role: role.name,
          index: role.actions.length,
          phases: item.phases.map((p) => p.text),
        };
        if (item.argument) {
          const argSymbol = this.symbol({
            kind: "actionArgument",
            name: item.argument.name.text,
            nameSpan: item.argument.name.span,
            declSpan: item.argument.span,
            type: ERROR,
            role: role.name,
          });
          info.argument = { name: item.argument.name.text, info: undefined, symbol: argSymbol };
        }
        role.actions.push(info);
      } else if (item.kind === "State") {
        const symbol = this.symbol({
          kind: "agentState",
          name: item.name.text,
          nameSpan: item.name.span,
          declSpan: item.span,
          type: ERROR,
          role: role.name,
          doc: item.doc,
          mutable: true,
        });
        if (RESERVED_AGENT_FIELDS.includes(item.name.text)) {
          this.error(
            DiagnosticCode.ReservedFieldName,
            item.name.span,
            `agent state cannot be called \`${item.name.text}\`: every agent already has \`${item.name.text}\``,
            {
              hint: `choose another name, such as \`my_${item.name.text}\``,
            },
          );
          continue;
        }
        if (this.declare(namespace, symbol, "state")) role.state.set(item.name.text, { symbol, decl: item });
      } else if (item.kind === "Observe") {
        role.observe.push(...item.items);
      } else if (item.kind === "Objective") {
        if (role.objective)
          this.error(
            DiagnosticCode.DuplicateDeclaration,
            item.span,
            `role \`${role.name}\` already has an \`objective\``,
          );
        else role.objective = item.value;
      } else if (item.kind === "TeamInit") {
        if (role.teamInit)
          this.error(
            DiagnosticCode.DuplicateDeclaration,
            item.span,
            `role \`${role.name}\` already sets its agents' \`team\``,
          );
        else role.teamInit = item.value;
      }
    }
  }

  private checkOverrides() {
    for (const [name, value] of this.overrides) {
      const param = this.model.params.get(name);
      if (!param) {
        const near = closestName(name, this.model.params.keys());
        this.overrideErrors.push(
          `--set ${name}: the game has no param \`${name}\`${near ? `; did you mean \`${near}\`?` : ""}`,
        );
        continue;
      }
      if (param.type === "bool" && typeof value !== "boolean")
        this.overrideErrors.push(`--set ${name}: \`${name}\` is a bool; give \`true\` or \`false\``);
      else if (param.type !== "bool" && typeof value === "boolean")
        this.overrideErrors.push(
          `--set ${name}: \`${name}\` is ${param.type === "int" ? "an int" : "a real"}; give a number`,
        );
      else if (param.type === "int" && !Number.isInteger(value))
        this.overrideErrors.push(`--set ${name}: \`${name}\` is an int; give a whole number`);
      else if (param.type === "int" && ((value as number) < INT32_MIN || (value as number) > INT32_MAX))
        this.overrideErrors.push(`--set ${name}: ${value} is outside the int range ${INT32_MIN}..${INT32_MAX}`);
      else if (param.type === "real" && !Number.isFinite(Math.fround(value as number)))
        this.overrideErrors.push(
          `--set ${name}: ${value} is not a finite real (reals are float32, at most about 3.4e38)`,
        );
    }
  }

  // ---- pass 2: constants --------------------------------------------------------------------

  private evaluateConstants(game: A.GameDecl) {
    for (const rule of this.model.rules) {
      for (const set of rule.sets) this.model.params.get(set.param)?.setBy.push(rule);
    }
    for (const name of this.model.params.keys()) this.evaluateParam(name);

    for (const role of this.model.roles) {
      const countExpr = role.decl.count;
      if (!countExpr) role.count = 1;
      else {
        const result = this.constant(countExpr, "a role count");
        if (result) {
          if (result.type !== "int") {
            const named =
              countExpr.kind === "NameRef"
                ? `; \`${countExpr.name.text}\` is ${withArticle(result.type)}`
                : `, found ${result.type} \`${formatConst(result)}\``;
            this.error(DiagnosticCode.RoleCount, countExpr.span, `a role count must be a positive int${named}`);
          } else if (result.value < 1) {
            this.error(
              DiagnosticCode.RoleCount,
              countExpr.span,
              `role \`${role.name}\` must have at least one agent, found ${result.value}`,
            );
          } else if (result.value > MAX_AGENTS_PER_ROLE) {
            this.error(
              DiagnosticCode.SizeLimit,
              countExpr.span,
              `role \`${role.name}\` has ${result.value} agents; the limit is ${MAX_AGENTS_PER_ROLE} per role`,
              { hint: "every agent is stepped, observed and stored in every environment copy" },
            );
          } else role.count = result.value;
        }
      }
      for (const action of role.actions) this.resolveActionArgument(action);
    }

    for (const item of game.items) {
      if (item.kind !== "Horizon") continue;
      const lo = this.constant(item.lo, "the horizon");
      const hi = item.hi ? this.constant(item.hi, "the horizon") : lo;
      const good = (v: ConstValue | undefined, e: A.Expr) => {
        if (!v) return false;
        if (v.type !== "int" || v.value < 1) {
          this.error(
            DiagnosticCode.BadHorizon,
            e.span,
            `the horizon must be a positive int number of rounds, found \`${formatConst(v)}\``,
          );
          return false;
        }
        return true;
      };
      if (good(lo, item.lo) && (!item.hi || good(hi, item.hi))) {
        const loValue = lo!.value as number;
        const hiValue = hi!.value as number;
        if (hiValue < loValue) {
          this.error(
            DiagnosticCode.EmptyRange,
            { start: item.lo.span.start, end: item.hi!.span.end },
            `the horizon range ${loValue}..${hiValue} is empty`,
            { hint: rangeHint(item.lo, item.hi!, String(hiValue), String(loValue)) },
          );
        } else this.model.horizon = { lo: loValue, hi: hiValue };
      }
      break;
    }
  }

  private evaluateParam(name: string): ParamInfo | undefined {
    const param = this.model.params.get(name);
    if (!param) return undefined;
    const state = this.paramState.get(name);
    if (state === "done") return param;
    if (state === "evaluating") {
      const cycle = [...this.evaluating.slice(this.evaluating.indexOf(name)), name].map((n) => `\`${n}\``).join(" → ");
      this.error(
        DiagnosticCode.ConstantCycle,
        param.decl.name.span,
        `the default of \`${name}\` depends on itself: ${cycle}`,
      );
      return param;
    }
    this.paramState.set(name, "evaluating");
    this.evaluating.push(name);
    const decl = param.decl;
    const declared: Type = { kind: param.type };
    const computed = this.constant(decl.value, "a param's default");
    if (computed && !isAssignable({ kind: computed.type }, declared)) {
      this.error(
        DiagnosticCode.TypeMismatch,
        decl.value.span,
        `\`${name}\` is declared \`${param.type}\` but its default is ${computed.type === "int" ? "an" : "a"} ${computed.type}`,
        {
          hint:
            param.type === "int" && computed.type === "real"
              ? "write a whole number, or declare the param `real`"
              : undefined,
        },
      );
    } else if (computed) {
      param.value = param.type === "real" && computed.type === "int" ? toReal(computed.value) : computed;
    }
    const override = this.overrides.get(name);
    if (override !== undefined && (typeof override === "boolean") === (param.type === "bool")) {
      param.value =
        typeof override === "boolean"
          ? { type: "bool", value: override }
          : param.type === "int"
            ? toInt(override)
            : toReal(override);
      param.overridden = true;
    }
    if (decl.range) {
      if (param.type === "bool") {
        this.error(DiagnosticCode.TypeMismatch, decl.range.span, "a bool param cannot have a range");
      } else {
        const lo = this.constant(decl.range.lo, "a range bound");
        const hi = this.constant(decl.range.hi, "a range bound");
        if (lo && hi && lo.type !== "bool" && hi.type !== "bool") {
          if (param.type === "int" && (lo.type !== "int" || hi.type !== "int")) {
            this.error(
              DiagnosticCode.TypeMismatch,
              decl.range.span,
              `the range of int param \`${name}\` must have int bounds`,
            );
          } else if (hi.value < lo.value) {
            this.error(
              DiagnosticCode.EmptyRange,
              decl.range.span,
              `the range ${formatConst(lo)}..${formatConst(hi)} of \`${name}\` is empty`,
              {
                hint: rangeHint(decl.range.lo, decl.range.hi, formatConst(hi), formatConst(lo)),
              },
            );
          } else {
            const v = param.value;
            if (v && v.type !== "bool" && (v.value < lo.value || v.value > hi.value)) {
              const span = param.overridden ? decl.name.span : decl.value.span;
              this.error(
                DiagnosticCode.DefaultOutsideRange,
                span,
                `the ${param.overridden ? "value set for" : "default of"} \`${name}\`, ${formatConst(v)}, lies outside its range ${formatConst(lo)}..${formatConst(hi)}`,
              );
            }
            // A value given with --set pins a ranged param: it is no longer sampled.
            if (!param.overridden) param.range = { lo: lo.value, hi: hi.value };
          }
        }
      }
    }
    this.paramState.set(name, "done");
    this.evaluating.pop();
    return param;
  }

  /** Evaluates a constant expression, reporting why when it is not one. */
  private constant(e: A.Expr, what: string): ConstValue | undefined {
    const result = this.fold(e, true);
    if (result.ok) return result.value;
    if (!result.ok && result.overflow) this.reportOverflow(result.span);
    if (result.reason)
      this.error(DiagnosticCode.NotConstant, result.span, `${what} must be a constant: ${result.reason}`, {
        hint: "use literals and params without ranges",
      });
    return undefined;
  }

  /**
   * Folds an expression to a constant (const-fold.ts). `mark` records param uses (and
   * evaluates the params it needs); without it this is a quiet probe, used to spot a division
   * by zero. A failure with an empty reason was already reported.
   */
  private fold(e: A.Expr, mark: boolean): ConstResult {
    return foldConstant(e, (ref) => this.foldName(ref, mark));
  }

  /** A name in a constant: a param without a range that no rule changes, whose value is known. */
  private foldName(e: A.NameRef, mark: boolean): ConstResult {
    const fail = (reason: string, span = e.span): ConstResult => ({ ok: false, span, reason });
    const param = this.model.params.get(e.name.text);
    if (!param) {
      const other = this.names.get(e.name.text);
      if (!other) {
        if (mark) this.unknownName(e.name, []);
        return fail("");
      }
      if (mark) this.reference(e.name.span, other, e);
      return fail(`\`${e.name.text}\` is a ${other.kind}, not a param`);
    }
    if (mark) this.reference(e.name.span, param.symbol, e);
    if (param.decl.range && !param.overridden)
      return fail(`\`${e.name.text}\` is sampled per episode (it has a range)`);
    if (param.setBy.length > 0)
      return fail(`\`${e.name.text}\` is changed by rule \`${param.setBy[0].decl.name.text}\``);
    if (mark) this.evaluateParam(e.name.text);
    else if (this.paramState.get(e.name.text) !== "done") return fail("");
    return param.value ? { ok: true, value: param.value } : fail("");
  }

  private resolveActionArgument(action: ActionInfo) {
    const arg = action.decl.argument;
    if (!arg || !action.argument) return;
    const type = arg.type;
    let info: ActionArgInfo | undefined;
    let symbolType: Type = ERROR;
    if (type?.kind === "range") {
      const lo = this.constant(type.lo, "an action argument bound");
      const hi = this.constant(type.hi, "an action argument bound");
      if (lo && hi) {
        if (lo.type !== "int" || hi.type !== "int") {
          this.error(
            DiagnosticCode.TypeMismatch,
            type.span,
            `the bounds of \`${arg.name.text}\` must be ints, found ${formatConst(lo)}..${formatConst(hi)}`,
          );
        } else if (hi.value < lo.value) {
          this.error(
            DiagnosticCode.EmptyRange,
            type.span,
            `the range ${lo.value}..${hi.value} of \`${arg.name.text}\` is empty`,
            { hint: rangeHint(type.lo, type.hi, String(hi.value), String(lo.value)) },
          );
        } else if (hi.value - lo.value + 1 > MAX_ARGUMENT_VALUES) {
          this.error(
            DiagnosticCode.SizeLimit,
            type.span,
            `the range ${lo.value}..${hi.value} of \`${arg.name.text}\` has ${hi.value - lo.value + 1} values; the limit is ${MAX_ARGUMENT_VALUES}`,
            { hint: "each value is one action of the policy's output" },
          );
        } else info = { kind: "range", lo: lo.value, hi: hi.value };
      }
      symbolType = INT;
    } else if (type?.kind === "role") {
      const target = this.roleByName.get(type.role.text);
      if (!target) this.unknownRole(type.role);
      else {
        this.reference(type.role.span, target.symbol, type.role);
        info = { kind: "role", role: target.name };
        symbolType = agentOf(target.name);
      }
    } else if (type?.kind === "team") {
      if (!this.hasTeams)
        this.error(DiagnosticCode.NoTeams, type.span, "this game declares no `teams`", {
          hint: "declare them, such as `teams red, blue`",
        });
      else info = { kind: "team" };
      symbolType = TEAM;
    } else if (type?.kind === "rule") {
      info = { kind: "rule" };
      symbolType = RULE;
    }
    action.argument.info = info;
    action.argument.symbol.type = symbolType;
  }

  // ---- pass 3: bodies ------------------------------------------------------------------------

  private checkBodies(game: A.GameDecl) {
    const top: Context = { scope: new Scope() };
    for (const { symbol, decl } of this.model.state.values()) {
      symbol.type = this.declaredType(decl.type);
      this.expect(decl.value, top, symbol.type, `the initial value of \`${decl.name.text}\``);
    }
    for (const rule of this.model.rules) {
      if (rule.activeWhen) this.expect(rule.activeWhen, top, BOOL, "an `active when` condition");
      for (const set of rule.sets) {
        const param = this.model.params.get(set.param);
        if (!param) {
          const other = this.names.get(set.param);
          if (other)
            this.error(
              DiagnosticCode.TypeMismatch,
              set.span,
              `a rule sets params, and \`${set.param}\` is a ${other.kind}`,
            );
          else this.unknownName({ text: set.param, span: set.span }, [...this.model.params.keys()]);
          this.expr(set.value, top);
          continue;
        }
        this.model.references.push({ span: set.span, symbol: param.symbol });
        this.expect(
          set.value,
          top,
          param.symbol.type,
          `the value rule \`${rule.decl.name.text}\` gives \`${set.param}\``,
        );
      }
    }
    for (const role of this.model.roles) this.checkRole(role);
    this.checkSteps();
    for (const { decl } of this.model.metrics) {
      for (const phase of decl.phases) this.phaseRef(phase);
      const t = this.expr(decl.value, top);
      if (!isNumeric(t) && !isBoolLike(t))
        this.error(
          DiagnosticCode.TypeMismatch,
          decl.value.span,
          `a metric is a number or a bool, found ${typeToString(t)}`,
        );
    }
    for (const bot of this.model.bots) {
      const role = this.roleByName.get(bot.role);
      if (!role) {
        this.unknownRole(bot.decl.role);
        this.block(bot.decl.body, { scope: new Scope(), body: "bot" });
        continue;
      }
      this.reference(bot.decl.role.span, role.symbol, bot.decl.role);
      this.block(bot.decl.body, { scope: new Scope(), body: "bot", selfRole: role, botRole: role });
    }
    for (const cond of this.model.endWhen) this.expect(cond, top, BOOL, "an `end when` condition");
    for (const item of game.items) if (item.kind === "Train") this.checkTrain(item);
  }

  private declaredType(ref: A.TypeRef | undefined): Type {
    if (!ref) return ERROR;
    if (ref.builtin) return { kind: ref.builtin };
    const role = this.roleByName.get(ref.name.text);
    if (role) {
      this.reference(ref.name.span, role.symbol, ref.name);
      return agentOf(role.name);
    }
    this.unknownType(ref, ["int", "real", "bool", "team", "rule", ...this.roleByName.keys()]);
    return ERROR;
  }

  private unknownType(ref: A.TypeRef, candidates: string[]) {
    const near = TYPE_ALIASES[ref.name.text.toLowerCase()] ?? closestName(ref.name.text, candidates);
    this.error(DiagnosticCode.UnknownName, ref.span, `unknown type \`${ref.name.text}\``, {
      hint: near ? `did you mean \`${near}\`?` : `the types are ${candidates.map((c) => `\`${c}\``).join(", ")}`,
      fix: near ? { span: ref.span, text: near, title: `Change to \`${near}\`` } : undefined,
    });
  }

  private checkRole(role: RoleInfo) {
    const ctx: Context = { scope: new Scope(), selfRole: role };
    for (const { symbol, decl } of role.state.values()) {
      symbol.type = this.declaredType(decl.type);
      this.expect(decl.value, ctx, symbol.type, `the initial value of \`${decl.name.text}\``);
    }
    if (role.teamInit) {
      if (!this.hasTeams)
        this.error(DiagnosticCode.NoTeams, role.teamInit.span, "this game declares no `teams`", {
          hint: "declare them, such as `teams red, blue`",
        });
      this.expect(role.teamInit, ctx, TEAM, "an agent's team");
    }
    for (const action of role.actions) {
      for (const phase of action.decl.phases) this.phaseRef(phase);
      if (action.decl.guards.length > 0) {
        const guardScope = new Scope(ctx.scope);
        if (action.argument) guardScope.vars.set(action.argument.name, action.argument.symbol);
        for (const guard of action.decl.guards)
          this.expect(guard, { ...ctx, scope: guardScope }, BOOL, "an action guard");
      }
    }
    for (const item of role.observe) {
      const t = this.expr(item, ctx);
      if (t.kind === "phase")
        this.error(
          DiagnosticCode.TypeMismatch,
          item.span,
          "`observe` takes numbers, bools, rules, teams, actions and agents, not a phase",
          { hint: "compare it instead: `phase == name`" },
        );
    }
    if (role.objective) this.expect(role.objective, ctx, REAL, "an objective");
  }

  private phaseRef(name: A.Name): SymbolDef | undefined {
    const symbol = this.names.get(name.text);
    if (symbol?.kind === "phase") {
      this.reference(name.span, symbol, name);
      return symbol;
    }
    const phases = this.model.phases.map((p) => p.name);
    const near = closestName(name.text, phases);
    this.error(
      DiagnosticCode.UnknownPhase,
      name.span,
      phases.length === 0
        ? `unknown phase \`${name.text}\`: this game declares no \`phases\``
        : `unknown phase \`${name.text}\``,
      {
        hint: near
          ? `did you mean \`${near}\`?`
          : phases.length
            ? `the phases are ${phases.map((p) => `\`${p}\``).join(", ")}`
            : "declare them, such as `phases offer, respond`",
        fix: near ? { span: name.span, text: near, title: `Change to \`${near}\`` } : undefined,
      },
    );
    return undefined;
  }

  private checkSteps() {
    const byPhase = new Map<string, A.StepDecl>();
    const hasPhases = this.model.phases.length > 0;
    for (const step of this.model.steps) {
      if (step.phase) {
        const phase = this.phaseRef(step.phase);
        if (phase) {
          const previous = byPhase.get(phase.name);
          if (previous)
            this.error(DiagnosticCode.StepPhase, step.phase.span, `phase \`${phase.name}\` already has a \`step\``, {
              related: [{ span: previous.keyword, message: "the first one" }],
            });
          else byPhase.set(phase.name, step);
        }
      } else if (hasPhases) {
        this.error(DiagnosticCode.StepPhase, step.keyword, "with `phases`, every `step` names its phase", {
          hint: `write \`step ${this.model.phases[0].name} { ... }\``,
        });
      } else {
        const previous = byPhase.get("");
        if (previous)
          this.error(DiagnosticCode.StepPhase, step.keyword, "a game without `phases` has one `step`", {
            related: [{ span: previous.keyword, message: "the first one" }],
            hint: "merge the two bodies",
          });
        else byPhase.set("", step);
      }
      this.block(step.body, { scope: new Scope(), body: "step" });
    }
  }

  /** Training settings already given, across every `train` block. */
  private readonly trainSeen = new Map<string, A.TrainEntry>();

  private checkTrain(train: A.TrainDecl) {
    const seen = this.trainSeen;
    const settings = this.model.train;
    for (const entry of train.entries) {
      const key = entry.key.text;
      const spec = TRAIN_KEYS.get(key);
      // A setting without a value was cut short by a syntax error, already reported.
      if (!entry.value && !entry.list) continue;
      if (!spec) {
        const near = TRAIN_ALIASES[key.toLowerCase()] ?? closestName(key, TRAIN_KEYS.keys());
        this.error(DiagnosticCode.UnknownTrainKey, entry.key.span, `unknown training setting \`${key}\``, {
          hint: near
            ? `did you mean \`${near}\`?`
            : `the settings are ${[...TRAIN_KEYS.keys()].map((k) => `\`${k}\``).join(", ")}`,
          fix: near ? { span: entry.key.span, text: near, title: `Change to \`${near}\`` } : undefined,
        });
        continue;
      }
      const previous = seen.get(key);
      if (previous) {
        this.error(DiagnosticCode.DuplicateDeclaration, entry.key.span, `\`${key}\` is already set`, {
          related: [{ span: previous.key.span, message: "first set here" }],
        });
        continue;
      }
      seen.set(key, entry);
      if (spec.kind === "opponents") {
        if (!entry.list) {
          this.error(
            DiagnosticCode.BadTrainValue,
            entry.value?.span ?? entry.span,
            "`opponents` takes a list, such as `[self, tit_for_tat]`",
          );
          continue;
        }
        const names: string[] = [];
        for (const item of entry.list) {
          if (item.kind === "Self") names.push("self");
          else if (item.kind === "NameRef") {
            const bot = this.names.get(item.name.text);
            if (bot?.kind === "bot") {
              this.reference(item.name.span, bot, item);
              // A bot named `pool` is that bot, not fictitious self-play's pool.
              names.push(item.name.text === "pool" ? "bot:pool" : item.name.text);
            } else if (item.name.text === "pool") {
              // Fictitious self-play: co-players drawn from the learners' past policies (docs/training.md).
              names.push("pool");
            } else {
              const near = closestName(
                item.name.text,
                this.model.bots.map((b) => b.symbol.name),
              );
              this.error(DiagnosticCode.BadTrainValue, item.span, `\`${item.name.text}\` is not a bot of this game`, {
                hint: near ? `did you mean \`${near}\`?` : "list bot names, `self` and `pool`",
              });
            }
          } else this.error(DiagnosticCode.BadTrainValue, item.span, "`opponents` lists bot names, `self` and `pool`");
        }
        settings[key] = names;
        continue;
      }
      if (spec.kind === "intList") {
        if (!entry.list) {
          this.error(
            DiagnosticCode.BadTrainValue,
            entry.value?.span ?? entry.span,
            `\`${key}\` takes a list of ints, such as \`[64, 64]\``,
          );
          continue;
        }
        const values: number[] = [];
        for (const item of entry.list) {
          const v = this.constant(item, `\`${key}\``);
          if (v && (v.type !== "int" || v.value < 1))
            this.error(DiagnosticCode.BadTrainValue, item.span, `\`${key}\` takes positive ints`);
          else if (v) values.push(v.value as number);
        }
        settings[key] = values;
        continue;
      }
      if (!entry.value) {
        this.error(
          DiagnosticCode.BadTrainValue,
          entry.span,
          `\`${key}\` takes ${spec.kind === "int" ? "an int" : "a number"}`,
        );
        continue;
      }
      const v = this.constant(entry.value, `\`${key}\``);
      if (!v) continue;
      if (v.type === "bool" || (spec.kind === "int" && v.type !== "int")) {
        this.error(
          DiagnosticCode.BadTrainValue,
          entry.value.span,
          `\`${key}\` takes ${spec.kind === "int" ? "an int" : "a number"}, found \`${formatConst(v)}\``,
        );
      } else if (v.value < 0 || (spec.kind === "int" && key !== "seed" && v.value < 1)) {
        this.error(
          DiagnosticCode.BadTrainValue,
          entry.value.span,
          `\`${key}\` must be ${spec.kind === "int" && key !== "seed" ? "at least 1" : "at least 0"}`,
        );
      } else settings[key] = v.value;
    }
  }

  // ---- statements ------------------------------------------------------------------------------

  private block(block: A.Block, ctx: Context) {
    const inner: Context = { ...ctx, scope: new Scope(ctx.scope) };
    for (const stmt of block.statements) this.statement(stmt, inner);
  }

  private statement(stmt: A.Stmt, ctx: Context) {
    switch (stmt.kind) {
      case "Let": {
        const valueType = this.expr(stmt.value, ctx);
        let type = valueType;
        if (stmt.type) {
          type = this.declaredType(stmt.type);
          if (!isAssignable(valueType, type)) this.mismatch(stmt.value, valueType, type, `\`${stmt.name.text}\``);
        } else this.model.letTypes.set(stmt, valueType);
        const symbol = this.symbol({
          kind: "local",
          name: stmt.name.text,
          nameSpan: stmt.name.span,
          declSpan: stmt.span,
          type,
          mutable: true,
        });
        this.declare(ctx.scope.vars, symbol, "variable");
        return;
      }
      case "Assign":
        return this.assignment(stmt, ctx);
      case "If":
        this.expect(stmt.condition, ctx, BOOL, "an `if` condition");
        this.block(stmt.then, ctx);
        if (stmt.else?.kind === "Block") this.block(stmt.else, ctx);
        else if (stmt.else) this.statement(stmt.else, ctx);
        return;
      case "For": {
        const scope = new Scope(ctx.scope);
        const variableType = this.iterationDomain(stmt.over);
        const symbol = this.symbol({
          kind: "loopVariable",
          name: stmt.variable.text,
          nameSpan: stmt.variable.span,
          declSpan: stmt.span,
          type: variableType,
        });
        scope.vars.set(stmt.variable.text, symbol);
        const inner = { ...ctx, scope };
        if (stmt.filter) this.expect(stmt.filter, inner, BOOL, "a `where` filter");
        this.block(stmt.body, inner);
        return;
      }
      case "Match":
        return this.match(stmt, ctx);
      case "Enact":
      case "Repeal": {
        const verb = stmt.kind === "Enact" ? "enact" : "repeal";
        if (ctx.body !== "step")
          this.error(
            DiagnosticCode.StatementNotAllowed,
            stmt.span,
            `\`${verb}\` belongs in a \`step\`; bots only choose an action with \`play\``,
          );
        // A rule-typed variable (`match c.action { vote(r) => { enact r } }`) enacts the rule it holds.
        const variable = ctx.scope.lookup(stmt.rule.text);
        if (variable && variable.type.kind === "rule") {
          this.reference(stmt.rule.span, variable, stmt.rule);
          this.model.dynamicEnacts.push(stmt.span);
          return;
        }
        const symbol = variable ?? this.names.get(stmt.rule.text);
        if (!symbol || symbol.kind !== "rule") {
          if (symbol)
            this.error(
              DiagnosticCode.TypeMismatch,
              stmt.rule.span,
              `\`${verb}\` takes a rule, and \`${stmt.rule.text}\` is ${withArticle(describeSymbol(symbol))}${symbol.kind === "param" || symbol.kind === "state" ? "" : ` of type ${typeToString(symbol.type)}`}`,
            );
          else
            this.unknownName(
              stmt.rule,
              this.model.rules.map((r) => r.symbol.name),
            );
          return;
        }
        this.reference(stmt.rule.span, symbol, stmt.rule);
        const rule = this.ruleByName.get(stmt.rule.text)!;
        if (rule.activeWhen) {
          this.error(
            DiagnosticCode.StatementNotAllowed,
            stmt.span,
            `rule \`${rule.symbol.name}\` is scheduled by \`active when\`, so it cannot be ${verb}ed`,
            {
              related: [{ span: rule.activeWhen.span, message: "its schedule" }],
            },
          );
        }
        (stmt.kind === "Enact" ? rule.enactedAt : rule.repealedAt).push(stmt.span);
        return;
      }
      case "End":
        if (ctx.body !== "step")
          this.error(
            DiagnosticCode.StatementNotAllowed,
            stmt.span,
            "`end` belongs in a `step`; bots only choose an action with `play`",
          );
        return;
      case "Play": {
        if (ctx.body !== "bot" || !ctx.botRole) {
          if (ctx.body !== "bot")
            this.error(DiagnosticCode.PlayOutsideBot, stmt.span, "`play` is only allowed in a `bot`", {
              hint: "a `step` resolves the actions the agents chose",
            });
          if (stmt.argument) this.expr(stmt.argument, ctx);
          return;
        }
        const action = this.actionInRole(stmt.action, ctx.botRole);
        if (!action) {
          if (stmt.argument) this.expr(stmt.argument, ctx);
          return;
        }
        this.checkActionArgument(action, stmt.argument, stmt.span, ctx);
        return;
      }
    }
  }

  private iterationDomain(over: A.Name): Type {
    if (over.text === "teams") {
      if (!this.hasTeams) {
        this.error(DiagnosticCode.NoTeams, over.span, "this game declares no `teams`", {
          hint: "declare them, such as `teams red, blue`",
        });
        return ERROR;
      }
      return TEAM;
    }
    const role = this.roleByName.get(over.text);
    if (!role) {
      this.unknownRole(over);
      return ERROR;
    }
    this.reference(over.span, role.symbol, over);
    return agentOf(role.name);
  }

  private match(stmt: A.MatchStmt, ctx: Context) {
    const subjectType = this.expr(stmt.subject, ctx);
    let role: RoleInfo | undefined;
    if (subjectType.kind === "action" && subjectType.role) role = this.roleByName.get(subjectType.role);
    else if (subjectType.kind !== "error") {
      this.error(
        DiagnosticCode.TypeMismatch,
        stmt.subject.span,
        `\`match\` takes an agent's action, such as \`a.action\`, found ${typeToString(subjectType)}`,
      );
    }
    const seen = new Map<string, A.MatchArm>();
    for (const arm of stmt.arms) {
      const scope = new Scope(ctx.scope);
      const action = role ? this.actionInRole(arm.action, role) : undefined;
      if (action) {
        const previous = seen.get(action.symbol.name);
        if (previous && !arm.binding === !previous.binding) {
          this.warning(
            DiagnosticCode.UnreachableArm,
            arm.action.span,
            `\`${action.symbol.name}\` is already matched above; this arm never runs`,
            { related: [{ span: previous.action.span, message: "the earlier arm" }] },
          );
        } else seen.set(action.symbol.name, arm);
      }
      if (arm.binding) {
        let bindingType: Type = ERROR;
        if (action && !action.argument) {
          this.error(
            DiagnosticCode.ActionArgument,
            arm.binding.span,
            `action \`${action.symbol.name}\` takes no argument`,
            { hint: `write \`${action.symbol.name} => ...\`` },
          );
        } else if (action?.argument) bindingType = action.argument.symbol.type;
        const symbol = this.symbol({
          kind: "matchBinding",
          name: arm.binding.text,
          nameSpan: arm.binding.span,
          declSpan: arm.span,
          type: bindingType,
        });
        scope.vars.set(arm.binding.text, symbol);
      }
      this.block(arm.body, { ...ctx, scope });
    }
  }

  private assignment(stmt: A.AssignStmt, ctx: Context) {
    // Recovered without its operator (the author is still typing `c.`): the syntax error says it all.
    if (stmt.opSpan.start === stmt.opSpan.end) return;
    const targetType = this.assignTarget(stmt.target, ctx);
    const valueType = this.expr(stmt.value, ctx);
    if (targetType === undefined) return;
    const what = `\`${describeTarget(stmt.target)}\``;
    if (stmt.op === "=") {
      if (!isAssignable(valueType, targetType)) {
        const local = stmt.target.kind === "NameRef" ? ctx.scope.lookup(stmt.target.name.text) : undefined;
        if (local?.kind === "local" && targetType.kind === "int" && valueType.kind === "real") {
          this.error(
            DiagnosticCode.TypeMismatch,
            stmt.value.span,
            `${what} is an int and this value is a real; nothing narrows implicitly`,
            { hint: `declare it real: \`let ${local.name}: real = ...\`` },
          );
        } else this.mismatch(stmt.value, valueType, targetType, what);
      }
      return;
    }
    if (!isNumeric(targetType)) {
      this.error(
        DiagnosticCode.TypeMismatch,
        stmt.opSpan,
        `\`${stmt.op}\` needs a number, and ${what} is ${typeToString(targetType)}`,
      );
      return;
    }
    if (!isNumeric(valueType)) {
      this.error(
        DiagnosticCode.TypeMismatch,
        stmt.value.span,
        `\`${stmt.op}\` needs a number, found ${typeToString(valueType)}`,
      );
      return;
    }
    // `x /= 0` is `x = x / 0`: the same error.
    if (stmt.op === "/=") this.checkDivisor(stmt.value, "/");
    if (targetType.kind === "int" && (valueType.kind === "real" || stmt.op === "/=")) {
      const local = stmt.target.kind === "NameRef" ? ctx.scope.lookup(stmt.target.name.text) : undefined;
      this.error(
        DiagnosticCode.TypeMismatch,
        stmt.value.span,
        stmt.op === "/="
          ? `\`/=\` makes a real, and ${what} is an int`
          : `${what} is an int and this value is a real; nothing narrows implicitly`,
        {
          hint:
            local?.kind === "local"
              ? `declare it real: \`let ${local.name}: real = ...\``
              : "use `floor(...)` to make an int",
        },
      );
    }
  }

  /** Checks an assignment target and returns its type, or undefined when it cannot be assigned. */
  private assignTarget(target: A.Expr, ctx: Context): Type | undefined {
    if (target.kind === "NameRef") {
      const name = target.name;
      const local = ctx.scope.lookup(name.text);
      if (local) {
        this.model.references.push({ span: name.span, symbol: local });
        this.model.resolved.set(target, local);
        if (!local.mutable) {
          this.error(
            DiagnosticCode.AssignToReadOnly,
            name.span,
            `cannot assign to ${describeSymbol(local)} \`${name.text}\``,
            { hint: "introduce a variable with `let`" },
          );
          return undefined;
        }
        return local.type;
      }
      const symbol = this.names.get(name.text);
      if (!symbol) {
        if ((RESERVED_WORDS as readonly string[]).includes(name.text)) {
          this.error(
            DiagnosticCode.AssignToReadOnly,
            name.span,
            `cannot assign to \`${name.text}\`: it is a reserved word`,
            {
              hint: name.text === "round" || name.text === "phase" ? `\`${name.text}\` advances by itself` : undefined,
            },
          );
        } else this.unknownName(name, [...ctx.scope.names(), ...this.model.state.keys()]);
        return undefined;
      }
      this.model.references.push({ span: name.span, symbol });
      this.model.resolved.set(target, symbol);
      if (symbol.kind === "param") {
        this.error(
          DiagnosticCode.AssignToParam,
          name.span,
          `cannot assign to param \`${name.text}\`: params stay fixed during an episode`,
          {
            hint: `use \`state ${name.text}: ${typeToString(symbol.type)} = ...\` for a value that changes, or a rule to change it while the rule is active`,
            related: [{ span: symbol.nameSpan, message: "declared as a param here" }],
          },
        );
        return undefined;
      }
      if (symbol.kind === "rule") {
        this.error(DiagnosticCode.AssignToReadOnly, name.span, `cannot assign to rule \`${name.text}\``, {
          hint: `use \`enact ${name.text}\` or \`repeal ${name.text}\``,
        });
        return undefined;
      }
      if (symbol.kind !== "state") {
        this.error(DiagnosticCode.AssignToReadOnly, name.span, `cannot assign to ${symbol.kind} \`${name.text}\``);
        return undefined;
      }
      if (ctx.body === "bot") {
        this.error(
          DiagnosticCode.StatementNotAllowed,
          target.span,
          "a bot cannot change the game's state; it only chooses an action with `play`",
        );
        return undefined;
      }
      return symbol.type;
    }
    if (target.kind === "Field") {
      const objectType = this.expr(target.object, ctx);
      if (objectType.kind === "error") return undefined;
      if (objectType.kind !== "agent") {
        this.error(
          DiagnosticCode.UnknownField,
          target.field.span,
          `${typeToString(objectType)} has no fields to assign`,
        );
        return undefined;
      }
      const role = this.roleByName.get(objectType.role)!;
      const field = target.field.text;
      const state = role.state.get(field);
      let type: Type | undefined;
      if (state) {
        this.model.references.push({ span: target.field.span, symbol: state.symbol });
        this.model.resolved.set(target.field, state.symbol);
        type = state.symbol.type;
      } else {
        const builtin = AGENT_FIELDS.get(field);
        if (!builtin) {
          this.unknownField(target.field, role);
          return undefined;
        }
        if (!builtin.writable) {
          this.error(DiagnosticCode.AssignToReadOnly, target.field.span, `\`${field}\` is read-only`, {
            hint:
              field === "total"
                ? "change `reward`; `total` adds it up"
                : field === "action"
                  ? "agents choose their actions; a `step` reacts to them"
                  : undefined,
          });
          return undefined;
        }
        if (field === "team" && !this.hasTeams) {
          this.error(DiagnosticCode.NoTeams, target.field.span, "this game declares no `teams`", {
            hint: "declare them, such as `teams red, blue`",
          });
          return undefined;
        }
        type = builtin.type === "team" ? TEAM : (builtin.type as Type);
      }
      if (ctx.body === "bot") {
        this.error(
          DiagnosticCode.StatementNotAllowed,
          target.span,
          "a bot cannot change agents; it only chooses an action with `play`",
        );
        return undefined;
      }
      return type;
    }
    if (target.kind === "Self") {
      this.error(DiagnosticCode.AssignToReadOnly, target.span, "cannot assign to `self`; assign to one of its fields");
      return undefined;
    }
    return undefined;
  }

  // ---- expressions -----------------------------------------------------------------------------

  private expect(e: A.Expr, ctx: Context, expected: Type, what: string): Type {
    const t = this.expr(e, ctx);
    if (!isAssignable(t, expected)) this.mismatch(e, t, expected, what);
    return t;
  }

  private mismatch(e: A.Expr, actual: Type, expected: Type, what: string) {
    let hint: string | undefined;
    if (actual.kind === "bool" && isNumeric(expected))
      hint = "bools never mix with numbers: write `if c then 1 else 0`";
    else if (actual.kind === "real" && expected.kind === "int") hint = "nothing narrows implicitly: use `floor(...)`";
    else if (isNumeric(actual) && expected.kind === "bool") hint = "compare it, such as `x > 0`";
    const wanted = expected.kind === "real" ? "a number" : article(typeToString(expected));
    this.error(DiagnosticCode.TypeMismatch, e.span, `${what} must be ${wanted}, found ${typeToString(actual)}`, {
      hint,
    });
  }

  private expr(e: A.Expr, ctx: Context): Type {
    const t = this.exprType(e, ctx);
    this.model.types.set(e, t);
    return t;
  }

  private exprType(e: A.Expr, ctx: Context): Type {
    switch (e.kind) {
      case "Number":
        this.checkLiteral(e);
        return e.isInt ? INT : REAL;
      case "Bool":
        return BOOL;
      case "ErrorExpr":
        return ERROR;
      case "Paren":
        return this.expr(e.inner, ctx);
      case "Round":
        return INT;
      case "Phase":
        return PHASE;
      case "Noop":
        return actionOf(undefined);
      case "Self":
        if (!ctx.selfRole) {
          this.error(
            DiagnosticCode.SelfOutsideRole,
            e.span,
            "`self` is only available inside a role (guards, `observe`, `objective`, agent state) or a bot",
            {
              hint:
                ctx.body === "step"
                  ? "in a `step`, loop over the agents: `for a in role { ... }`"
                  : "use an aggregate over the agents, such as `sum(a in role: a.total)`",
            },
          );
          return ERROR;
        }
        return agentOf(ctx.selfRole.name);
      case "NameRef":
        return this.nameRef(e, ctx, undefined);
      case "Field":
        return this.field(e, ctx);
      case "Call": {
        const t = this.call(e, ctx, undefined);
        if (e.callee.text === "exp") this.checkFinite(e);
        return t;
      }
      case "Aggregate":
        return this.aggregate(e, ctx);
      case "Last": {
        const operand = e.operand;
        const t = this.expr(operand, ctx);
        if (t.kind === "error") return ERROR;
        if (t.kind !== "action" || operand.kind !== "Field" || operand.field.text !== "action") {
          this.error(
            DiagnosticCode.TypeMismatch,
            operand.span,
            "`last` takes an agent's action, such as `last(a.action)`",
          );
          return ERROR;
        }
        return t;
      }
      case "Unary": {
        if (e.op === "not") {
          this.expect(e.operand, ctx, BOOL, "the operand of `not`");
          return BOOL;
        }
        const t = this.expr(e.operand, ctx);
        if (!isNumeric(t)) {
          this.error(DiagnosticCode.TypeMismatch, e.operand.span, `\`-\` needs a number, found ${typeToString(t)}`);
          return ERROR;
        }
        return t;
      }
      case "Binary":
        return this.binary(e, ctx);
      case "IfExpr": {
        this.expect(e.condition, ctx, BOOL, "an `if` condition");
        const a = this.expr(e.then, ctx);
        const b = this.expr(e.else, ctx);
        const joined = joinTypes(a, b);
        if (!joined) {
          this.error(
            DiagnosticCode.TypeMismatch,
            e.else.span,
            `both branches of \`if\` must have one type; \`then\` is ${typeToString(a)} and \`else\` is ${typeToString(b)}`,
          );
          return ERROR;
        }
        return joined;
      }
    }
  }

  /** A name that is not a local or a game-level name may be an action, resolved by context. */
  private couldBeAction(e: A.Expr, ctx: Context): boolean {
    if (e.kind === "NameRef")
      return (!ctx.scope.lookup(e.name.text) && !this.names.has(e.name.text)) || this.isActionName(e.name.text);
    if (e.kind === "Call") return !BUILTIN_FUNCTIONS.has(e.callee.text) && !AGGREGATES.has(e.callee.text);
    return false;
  }

  private binary(e: A.BinaryExpr, ctx: Context): Type {
    const op = e.op;
    if (op === "and" || op === "or") {
      this.expect(e.left, ctx, BOOL, `the left side of \`${op}\``);
      this.expect(e.right, ctx, BOOL, `the right side of \`${op}\``);
      return BOOL;
    }
    if (op === "==" || op === "!=") {
      // An action name on one side resolves in the role of the other side's action.
      let left: Type;
      let right: Type;
      if (this.couldBeAction(e.left, ctx) && !this.couldBeAction(e.right, ctx)) {
        right = this.expr(e.right, ctx);
        left = this.actionOperand(e.left, right, ctx);
      } else {
        left = this.expr(e.left, ctx);
        right = this.actionOperand(e.right, left, ctx);
      }
      if (!isComparable(left, right)) {
        this.error(
          DiagnosticCode.TypeMismatch,
          e.opSpan,
          `cannot compare ${typeToString(left)} with ${typeToString(right)}`,
        );
      }
      return BOOL;
    }
    const left = this.expr(e.left, ctx);
    const right = this.expr(e.right, ctx);
    const bothNumeric = isNumeric(left) && isNumeric(right);
    if (!bothNumeric) {
      const bad = !isNumeric(left) ? e.left : e.right;
      const badType = (t: Type) => (t.kind === "rule" ? BOOL : t);
      const shown = badType(!isNumeric(left) ? left : right);
      this.error(DiagnosticCode.TypeMismatch, bad.span, `\`${op}\` needs numbers, found ${typeToString(shown)}`, {
        hint: shown.kind === "bool" ? "bools never mix with numbers: write `if c then 1 else 0`" : undefined,
      });
      return op === "<" || op === "<=" || op === ">" || op === ">=" ? BOOL : ERROR;
    }
    if (op === "<" || op === "<=" || op === ">" || op === ">=") return BOOL;
    if (op === "/" || op === "%") this.checkDivisor(e.right, op);
    this.checkFinite(e);
    if (op === "/") return REAL;
    if (left.kind === "error" || right.kind === "error") return ERROR;
    return left.kind === "int" && right.kind === "int" ? INT : REAL;
  }

  /** A number literal must fit its type: an int32, or a real that is finite as a float32. */
  private checkLiteral(e: Extract<A.Expr, { kind: "Number" }>) {
    if ((e.isInt && e.value > INT32_MAX) || (!e.isInt && !Number.isFinite(Math.fround(e.value))))
      this.reportOverflow(e.span, e.isInt);
  }

  /** A constant computation that overflows (`1e38 * 10`, `exp(100)`) is reported where it overflows. */
  private checkFinite(e: A.Expr) {
    const folded = this.fold(e, false);
    if (!folded.ok && folded.overflow && folded.span.start === e.span.start && folded.span.end === e.span.end)
      this.reportOverflow(e.span);
  }

  /**
   * E0408/E0409 at `span`. Reported both while typing and while evaluating constants (param
   * defaults are only evaluated): the same text at the same place, so duplicates merge.
   */
  private reportOverflow(span: Span, intLiteral?: boolean) {
    const text = this.source.slice(span.start, span.end);
    const literal = /^[0-9.]+([eE][+-]?[0-9]+)?$/.test(text);
    if (intLiteral ?? /^[0-9]+$/.test(text)) {
      this.error(
        DiagnosticCode.IntOutOfRange,
        span,
        `\`${text}\` is outside the int range ${INT32_MIN}..${INT32_MAX}`,
        { hint: "ints are 32-bit on every backend; write a real (with a `.`) for larger magnitudes" },
      );
    } else if (literal) {
      this.error(
        DiagnosticCode.NotFinite,
        span,
        `\`${text}\` is too large for a real: reals are float32, at most about 3.4e38`,
      );
    } else {
      this.error(
        DiagnosticCode.NotFinite,
        span,
        "this constant is not a finite number: it overflows float32 (at most about 3.4e38)",
        { hint: "payoffs, params and other numbers must be finite on every backend" },
      );
    }
  }

  private checkDivisor(divisor: A.Expr, op: string) {
    const folded = this.fold(divisor, false);
    if (folded.ok && folded.value.type !== "bool" && folded.value.value === 0) {
      this.error(
        DiagnosticCode.DivisionByZero,
        divisor.span,
        `${op === "/" ? "division" : "modulo"} by zero: this is always 0`,
        {
          hint: `at run time \`x ${op} 0\` gives 0; a constant zero divisor is certainly a mistake`,
        },
      );
    }
  }

  private actionNames?: Set<string>;

  private isActionName(name: string): boolean {
    // Role members are all declared before any body is checked, so the set is complete.
    this.actionNames ??= new Set(this.allActionNames());
    return this.actionNames.has(name);
  }

  /** Checks `e` where the other side of a comparison has type `other`: action names resolve in its role. */
  private actionOperand(e: A.Expr, other: Type, ctx: Context): Type {
    if (other.kind === "action" && other.role && this.couldBeAction(e, ctx)) {
      const role = this.roleByName.get(other.role);
      // Where the role has an action of that name, it wins over a game-level name (docs/language.md, section 13).
      const named = e.kind === "NameRef" ? e.name.text : e.kind === "Call" ? e.callee.text : "";
      const shadowed =
        e.kind === "NameRef" &&
        (ctx.scope.lookup(named) || this.names.has(named)) &&
        !role?.actions.some((a) => a.symbol.name === named);
      if (role && !shadowed) {
        const t = e.kind === "NameRef" ? this.nameRef(e, ctx, role) : this.call(e as A.CallExpr, ctx, role);
        this.model.types.set(e, t);
        return t;
      }
    }
    return this.expr(e, ctx);
  }

  private nameRef(e: A.NameRef, ctx: Context, actionRole: RoleInfo | undefined): Type {
    const name = e.name.text;
    // Compared with an agent's action, the role's action of that name wins over any other name.
    if (actionRole?.actions.some((a) => a.symbol.name === name)) {
      const action = this.resolveAction(e.name, actionRole)!;
      return actionOf(action.role);
    }
    const local = ctx.scope.lookup(name);
    if (local) {
      this.reference(e.name.span, local, e);
      return local.type;
    }
    const symbol = this.names.get(name);
    if (symbol) {
      this.reference(e.name.span, symbol, e);
      switch (symbol.kind) {
        case "param":
        case "state":
        case "rule":
        case "team":
        case "phase":
          return symbol.type;
        case "role":
          this.error(DiagnosticCode.NotAValue, e.span, `role \`${name}\` is not a value`, {
            hint: `range over its agents: \`for a in ${name} { ... }\` or \`count(a in ${name})\``,
          });
          return ERROR;
        default:
          this.error(DiagnosticCode.NotAValue, e.span, `${symbol.kind} \`${name}\` cannot be used in an expression`);
          return ERROR;
      }
    }
    const action = this.resolveAction(e.name, actionRole);
    if (action === null) return ERROR;
    if (action) return actionOf(action.role);
    const ownState = ctx.selfRole?.state.get(name);
    if (ownState) {
      this.readSymbols.add(ownState.symbol);
      this.error(DiagnosticCode.UnknownName, e.name.span, `unknown name \`${name}\``, {
        hint: `\`${name}\` is agent state: write \`self.${name}\``,
        fix: { span: e.name.span, text: `self.${name}`, title: `Change to \`self.${name}\`` },
      });
      return ERROR;
    }
    if (actionRole) {
      this.actionInRole(e.name, actionRole);
      return ERROR;
    }
    this.unknownName(e.name, [
      ...ctx.scope.names(),
      ...this.names.keys(),
      ...this.allActionNames(),
      "round",
      "phase",
      ...(ctx.selfRole ? ["self"] : []),
    ]);
    return ERROR;
  }

  private allActionNames(): string[] {
    return this.model.roles.flatMap((r) => r.actions.map((a) => a.symbol.name));
  }

  /**
   * Finds an action by name: in `role` when the context gives one, else across every role,
   * where it must be unique. Returns null when an error was reported, undefined when absent.
   */
  private resolveAction(name: A.Name, role: RoleInfo | undefined): ActionInfo | null | undefined {
    if (role) {
      const action = role.actions.find((a) => a.symbol.name === name.text);
      if (action) {
        this.reference(name.span, action.symbol, name);
        return action;
      }
      const elsewhere = this.model.roles.find((r) => r !== role && r.actions.some((a) => a.symbol.name === name.text));
      if (elsewhere) {
        this.error(
          DiagnosticCode.UnknownAction,
          name.span,
          `role \`${role.name}\` has no action \`${name.text}\` (it is an action of \`${elsewhere.name}\`)`,
        );
        return null;
      }
      return undefined;
    }
    const matches = this.model.roles.flatMap((r) => r.actions.filter((a) => a.symbol.name === name.text));
    if (matches.length === 1) {
      this.reference(name.span, matches[0].symbol, name);
      return matches[0];
    }
    if (matches.length > 1) {
      this.error(
        DiagnosticCode.AmbiguousAction,
        name.span,
        `\`${name.text}\` is an action of several roles (${matches.map((m) => `\`${m.role}\``).join(", ")})`,
        {
          hint: `compare with an agent's action to pick the role, such as \`a.action == ${name.text}\``,
        },
      );
      return null;
    }
    return undefined;
  }

  /** Resolves an action named in a role context (`match` arm, `play`), reporting unknown ones. */
  private actionInRole(name: A.Name, role: RoleInfo): ActionInfo | undefined {
    const action = role.actions.find((a) => a.symbol.name === name.text);
    if (action) {
      this.reference(name.span, action.symbol, name);
      return action;
    }
    const elsewhere = this.model.roles.find((r) => r !== role && r.actions.some((a) => a.symbol.name === name.text));
    if (elsewhere) {
      this.error(
        DiagnosticCode.UnknownAction,
        name.span,
        `role \`${role.name}\` has no action \`${name.text}\` (it is an action of \`${elsewhere.name}\`)`,
        {
          related: [{ span: role.symbol.nameSpan, message: `role \`${role.name}\`` }],
        },
      );
      return undefined;
    }
    const near = closestName(
      name.text,
      role.actions.map((a) => a.symbol.name),
    );
    this.error(DiagnosticCode.UnknownAction, name.span, `role \`${role.name}\` has no action \`${name.text}\``, {
      hint: near
        ? `did you mean \`${near}\`?`
        : role.actions.length
          ? `its actions are ${role.actions.map((a) => `\`${a.symbol.name}\``).join(", ")}`
          : `role \`${role.name}\` declares no actions`,
      fix: near ? { span: name.span, text: near, title: `Change to \`${near}\`` } : undefined,
      related: [{ span: role.symbol.nameSpan, message: `role \`${role.name}\`` }],
    });
    return undefined;
  }

  private checkActionArgument(action: ActionInfo, argument: A.Expr | undefined, span: Span, ctx: Context) {
    if (!argument) {
      if (action.argument && action.decl.argument) {
        // `play contribute` without a value: allowed only in comparisons, not when playing.
        if (ctx.body === "bot")
          this.error(
            DiagnosticCode.ActionArgument,
            span,
            `action \`${action.symbol.name}\` takes an argument: \`${action.symbol.name}(${action.argument.name})\``,
          );
      }
      return;
    }
    if (!action.argument) {
      this.error(DiagnosticCode.ActionArgument, argument.span, `action \`${action.symbol.name}\` takes no argument`);
      this.expr(argument, ctx);
      return;
    }
    this.expect(argument, ctx, action.argument.symbol.type, `the argument of \`${action.symbol.name}\``);
    // A constant outside the argument's range names no action at all.
    const info = action.argument.info;
    if (info?.kind === "range") {
      const folded = this.fold(argument, false);
      if (folded.ok && folded.value.type === "int" && (folded.value.value < info.lo || folded.value.value > info.hi)) {
        this.error(
          DiagnosticCode.ActionArgument,
          argument.span,
          `\`${action.symbol.name}(${folded.value.value})\` is outside the range ${info.lo}..${info.hi} of \`${action.argument.name}\``,
          {
            related: [{ span: action.decl.argument!.span, message: "the argument's range" }],
          },
        );
      }
    }
  }

  private call(e: A.CallExpr, ctx: Context, actionRole: RoleInfo | undefined): Type {
    const name = e.callee.text;
    const fn = BUILTIN_FUNCTIONS.get(name);
    if (fn) return this.builtinCall(e, fn.name, ctx);
    if (AGGREGATES.has(name)) {
      this.error(
        DiagnosticCode.WrongArgumentCount,
        e.span,
        `\`${name}\` is an aggregate: write \`${AGGREGATES.get(name)!.signature}\``,
      );
      for (const a of e.args) this.expr(a, ctx);
      return ERROR;
    }
    // `vote(sanctions)`: an action with its argument.
    const action = this.resolveAction(e.callee, actionRole);
    if (action) {
      if (e.args.length !== 1) {
        this.error(DiagnosticCode.WrongArgumentCount, e.span, `\`${name}(...)\` compares one argument value`);
        for (const a of e.args) this.expr(a, ctx);
      } else this.checkActionArgument(action, e.args[0], e.span, ctx);
      return actionOf(action.role);
    }
    for (const a of e.args) this.expr(a, ctx);
    if (action === null) return ERROR;
    const symbol = ctx.scope.lookup(name) ?? this.names.get(name);
    if (symbol) {
      this.reference(e.callee.span, symbol, e.callee);
      this.error(DiagnosticCode.NotCallable, e.callee.span, `${describeSymbol(symbol)} \`${name}\` is not a function`);
      return ERROR;
    }
    const candidates = [...BUILTIN_FUNCTIONS.keys(), ...AGGREGATES.keys(), ...this.allActionNames()];
    const near = closestName(name, candidates);
    this.error(DiagnosticCode.UnknownName, e.callee.span, `unknown function \`${name}\``, {
      hint: near
        ? `did you mean \`${near}\`?`
        : `built-in functions are ${[...BUILTIN_FUNCTIONS.keys()].map((k) => `\`${k}\``).join(", ")}`,
      fix: near ? { span: e.callee.span, text: near, title: `Change to \`${near}\`` } : undefined,
    });
    return ERROR;
  }

  private builtinCall(e: A.CallExpr, name: string, ctx: Context): Type {
    const fn = BUILTIN_FUNCTIONS.get(name)!;
    const types = e.args.map((a) => this.expr(a, ctx));
    if (types.length < fn.minArgs || types.length > fn.maxArgs) {
      const count =
        fn.minArgs === fn.maxArgs
          ? `${fn.minArgs} argument${fn.minArgs === 1 ? "" : "s"}`
          : `at least ${fn.minArgs} arguments`;
      this.error(
        DiagnosticCode.WrongArgumentCount,
        e.span,
        `\`${name}\` takes ${count}, found ${types.length}: \`${fn.signature}\``,
        {
          hint:
            (name === "min" || name === "max") && types.length === 1
              ? `for the ${name} over agents write \`${name}(a in role: e)\``
              : undefined,
        },
      );
      return name === "bernoulli" ? BOOL : name === "size" || name === "randint" || name === "floor" ? INT : ERROR;
    }
    const numeric = (i: number, want: Type = REAL) => {
      if (!isAssignable(types[i], want))
        this.mismatch(e.args[i], types[i], want, `the ${ordinal(i)} argument of \`${name}\``);
    };
    const allInt = types.every((t) => t.kind === "int");
    switch (name) {
      case "min":
      case "max":
      case "clamp":
      case "abs":
        types.forEach((_, i) => numeric(i));
        return types.some((t) => t.kind === "error") ? ERROR : allInt ? INT : REAL;
      case "floor":
        numeric(0);
        return INT;
      case "exp":
      case "log":
      case "sqrt":
      case "random":
        types.forEach((_, i) => numeric(i));
        return REAL;
      case "bernoulli":
        numeric(0);
        return BOOL;
      case "randint":
        numeric(0, INT);
        numeric(1, INT);
        return INT;
      case "size":
        if (!this.hasTeams)
          this.error(
            DiagnosticCode.NoTeams,
            e.span,
            "`size` counts a team's members, and this game declares no `teams`",
          );
        else if (!isAssignable(types[0], TEAM)) this.mismatch(e.args[0], types[0], TEAM, "the argument of `size`");
        return INT;
    }
    return ERROR;
  }

  private aggregate(e: A.AggregateExpr, ctx: Context): Type {
    const fn = AGGREGATES.get(e.fn.text);
    const scope = new Scope(ctx.scope);
    const variableType = this.iterationDomain(e.over);
    const symbol = this.symbol({
      kind: "aggregateVariable",
      name: e.variable.text,
      nameSpan: e.variable.span,
      declSpan: e.span,
      type: variableType,
    });
    scope.vars.set(e.variable.text, symbol);
    const inner = { ...ctx, scope };
    if (e.filter) this.expect(e.filter, inner, BOOL, "a `where` filter");
    const bodyType = e.body ? this.expr(e.body, inner) : undefined;
    if (!fn) {
      const near = closestName(e.fn.text, AGGREGATES.keys());
      this.error(DiagnosticCode.UnknownName, e.fn.span, `\`${e.fn.text}\` is not an aggregate`, {
        hint: near
          ? `did you mean \`${near}\`?`
          : "aggregates are `sum`, `mean`, `min`, `max`, `count`, `any` and `all`",
        fix: near ? { span: e.fn.span, text: near, title: `Change to \`${near}\`` } : undefined,
      });
      return ERROR;
    }
    if (fn.takesBody) {
      if (!e.body || !bodyType) {
        this.error(
          DiagnosticCode.WrongArgumentCount,
          e.span,
          `\`${fn.name}\` needs a value after \`:\`: \`${fn.signature}\``,
        );
        return ERROR;
      }
      if (!isNumeric(bodyType)) {
        this.error(
          DiagnosticCode.TypeMismatch,
          e.body.span,
          `\`${fn.name}\` needs a number after \`:\`, found ${typeToString(bodyType)}`,
          {
            hint:
              bodyType.kind === "bool"
                ? `to count agents, write \`count(${e.variable.text} in ${e.over.text} where ...)\``
                : undefined,
          },
        );
        return ERROR;
      }
      if (fn.name === "mean") return REAL;
      return bodyType.kind === "int" ? INT : bodyType.kind === "error" ? ERROR : REAL;
    }
    if (e.body) {
      this.error(
        DiagnosticCode.WrongArgumentCount,
        e.body.span,
        `\`${fn.name}\` takes a condition with \`where\`, not a value after \`:\``,
        {
          hint: `write \`${fn.name}(${e.variable.text} in ${e.over.text} where ...)\``,
        },
      );
    }
    return fn.name === "count" ? INT : BOOL;
  }

  private field(e: A.FieldExpr, ctx: Context): Type {
    const objectType = this.expr(e.object, ctx);
    if (objectType.kind === "error") return ERROR;
    if (objectType.kind !== "agent") {
      this.error(
        DiagnosticCode.UnknownField,
        e.field.span,
        `${typeToString(objectType)} has no field \`${e.field.text}\``,
        {
          hint: objectType.kind === "team" ? "a team has no fields; count its members with `size(t)`" : undefined,
        },
      );
      return ERROR;
    }
    const role = this.roleByName.get(objectType.role)!;
    const state = role.state.get(e.field.text);
    if (state) {
      this.reference(e.field.span, state.symbol, e.field);
      return state.symbol.type;
    }
    const builtin = AGENT_FIELDS.get(e.field.text);
    if (!builtin) {
      this.unknownField(e.field, role);
      return ERROR;
    }
    if (builtin.type === "team") {
      if (!this.hasTeams) {
        this.error(DiagnosticCode.NoTeams, e.field.span, "`team` is only available in a game that declares `teams`", {
          hint: "declare them, such as `teams red, blue`",
        });
        return ERROR;
      }
      return TEAM;
    }
    if (builtin.type === "action") return actionOf(role.name);
    return builtin.type;
  }

  // ---- pass 4 and 5: payoff table and whole-game warnings (payoff-tables.ts, warnings.ts) ----

  private checkPayoff() {
    const ctx: Context = { scope: new Scope() };
    checkPayoffTable({
      model: this.model,
      source: this.source,
      error: (code, span, message, extra) => this.error(code, span, message, extra),
      checkReward: (e) => this.expect(e, ctx, REAL, "a payoff"),
      actionInRole: (name, role) => this.actionInRole(name, role),
    });
  }

  private reportWarnings() {
    reportGameWarnings({
      model: this.model,
      readSymbols: this.readSymbols,
      warning: (code, span, message, extra) => this.warning(code, span, message, extra),
      foldQuietly: (e) => this.fold(e, false),
    });
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private unknownName(name: A.Name, candidates: Iterable<string>) {
    if (name.text === "") return;
    const near = closestName(name.text, candidates);
    this.error(DiagnosticCode.UnknownName, name.span, `unknown name \`${name.text}\``, {
      hint: near ? `did you mean \`${near}\`?` : undefined,
      fix: near ? { span: name.span, text: near, title: `Change to \`${near}\`` } : undefined,
    });
  }

  private unknownRole(name: A.Name) {
    if (name.text === "") return;
    const roles = [...this.roleByName.keys()];
    const near = closestName(name.text, roles);
    const other = this.names.get(name.text);
    this.error(
      DiagnosticCode.UnknownRole,
      name.span,
      other ? `\`${name.text}\` is a ${other.kind}, not a role` : `unknown role \`${name.text}\``,
      {
        hint: near
          ? `did you mean \`${near}\`?`
          : roles.length
            ? `the roles are ${roles.map((r) => `\`${r}\``).join(", ")}`
            : undefined,
        fix: near ? { span: name.span, text: near, title: `Change to \`${near}\`` } : undefined,
      },
    );
  }

  private unknownField(field: A.Name, role: RoleInfo) {
    const candidates = [...role.state.keys(), ...[...AGENT_FIELDS.keys()].filter((f) => f !== "team" || this.hasTeams)];
    const near = closestName(field.text, candidates);
    this.error(DiagnosticCode.UnknownField, field.span, `an agent of \`${role.name}\` has no field \`${field.text}\``, {
      hint: near ? `did you mean \`${near}\`?` : `its fields are ${candidates.map((c) => `\`${c}\``).join(", ")}`,
      fix: near ? { span: field.span, text: near, title: `Change to \`${near}\`` } : undefined,
    });
  }
}

function describeTarget(e: A.Expr): string {
  if (e.kind === "NameRef") return e.name.text;
  if (e.kind === "Self") return "self";
  if (e.kind === "Field") return `${describeTarget(e.object)}.${e.field.text}`;
  return "target";
}

function describeSymbol(s: SymbolDef): string {
  switch (s.kind) {
    case "loopVariable":
      return "loop variable";
    case "aggregateVariable":
      return "aggregate variable";
    case "matchBinding":
      return "match binding";
    case "actionArgument":
      return "action argument";
    case "agentState":
      return "agent state";
    case "local":
      return "variable";
    default:
      return s.kind;
  }
}

/** A hint for an empty range: swap written literals; otherwise say what the bounds came to. */
function rangeHint(lo: A.Expr, hi: A.Expr, hiText: string, loText: string): string {
  const literal = (e: A.Expr) => e.kind === "Number" || (e.kind === "Unary" && e.operand.kind === "Number");
  if (literal(lo) && literal(hi)) return `write the smaller bound first: ${hiText}..${loText}`;
  return `its bounds come to ${loText}..${hiText} here (with the params' values, \`--set\` included)`;
}

function withArticle(word: string): string {
  return /^[aeiou]/.test(word) ? `an ${word}` : `a ${word}`;
}

/** Names people carry over from other languages. */
/** Size limits (docs/language.md §14): beyond them later stages run out of memory or time. */
export const MAX_AGENTS_PER_ROLE = 10_000;
export const MAX_ARGUMENT_VALUES = 10_000;

const TYPE_ALIASES: Record<string, string> = {
  integer: "int",
  float: "real",
  double: "real",
  number: "real",
  boolean: "bool",
  bool: "bool",
  str: "int",
};
const TRAIN_ALIASES: Record<string, string> = {
  learning_rate: "lr",
  discount: "gamma",
  gae_lambda: "lambda",
  clip_range: "clip",
  ent_coef: "entropy",
  num_envs: "envs",
  total_steps: "steps",
  timesteps: "steps",
  hidden_sizes: "hidden",
  n_epochs: "epochs",
};

function article(typeName: string): string {
  if (typeName === "unknown") return "of a known type";
  return /^[aeiou]/.test(typeName) ? `an ${typeName}` : `a ${typeName}`;
}

function ordinal(i: number): string {
  return ["first", "second", "third", "fourth", "fifth"][i] ?? `${i + 1}th`;
}
