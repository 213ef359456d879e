import type * as A from "../syntax/ast.js";
import type { Span } from "../text.js";
import type { ConstValue } from "./constants.js";
import type { Type } from "./types.js";

export type SymbolKind =
  | "game"
  | "param"
  | "state"
  | "rule"
  | "role"
  | "team"
  | "phase"
  | "metric"
  | "bot"
  | "action"
  | "agentState"
  | "local"
  | "loopVariable"
  | "aggregateVariable"
  | "matchBinding"
  | "actionArgument"
  | "builtin";

/** A declared name. Editor features (definition, references, rename, hover) work on these. */
export interface SymbolDef {
  kind: SymbolKind;
  name: string;
  /** The span of the name where it is declared (empty for built-ins and generated team names). */
  nameSpan: Span;
  /** The whole declaration. */
  declSpan: Span;
  type: Type;
  /** The role an action or agent state belongs to. */
  role?: string;
  doc?: string;
  /** Locals and bindings may be assigned only when mutable (`let`). */
  mutable?: boolean;
}

export interface Reference {
  span: Span;
  symbol: SymbolDef;
}

export interface ParamInfo {
  symbol: SymbolDef;
  decl: A.ParamDecl;
  type: "int" | "real" | "bool";
  /** The default (or the `--set` override), when it evaluates. */
  value: ConstValue | undefined;
  range?: { lo: number; hi: number };
  /** Rules that set this param while active: then it is not a constant. */
  setBy: RuleInfo[];
  overridden: boolean;
}

export type ActionArgInfo =
  { kind: "range"; lo: number; hi: number } | { kind: "role"; role: string } | { kind: "team" } | { kind: "rule" };

export interface ActionInfo {
  symbol: SymbolDef;
  decl: A.ActionDecl;
  role: string;
  /** Declaration order within the role. */
  index: number;
  argument?: { name: string; info: ActionArgInfo | undefined; symbol: SymbolDef };
  /** Phases the action is available in; empty means every phase. */
  phases: string[];
}

export interface RoleInfo {
  symbol: SymbolDef;
  decl: A.RoleDecl;
  name: string;
  /** Agent count, when it evaluates to a positive constant. */
  count: number | undefined;
  actions: ActionInfo[];
  state: Map<string, { symbol: SymbolDef; decl: A.StateDecl }>;
  observe: A.Expr[];
  objective?: A.Expr;
  teamInit?: A.Expr;
}

export interface RuleInfo {
  symbol: SymbolDef;
  decl: A.RuleDecl;
  startsActive: boolean;
  activeWhen?: A.Expr;
  sets: { param: string; value: A.Expr; span: Span }[];
  enactedAt: Span[];
  repealedAt: Span[];
}

export interface TrainSettings {
  [key: string]: number | number[] | string[] | undefined;
}

/** What checking a file produced: the resolved, typed model of the game. */
export interface GameModel {
  game: A.GameDecl;
  name: string;
  params: Map<string, ParamInfo>;
  state: Map<string, { symbol: SymbolDef; decl: A.StateDecl }>;
  roles: RoleInfo[];
  rules: RuleInfo[];
  teams: SymbolDef[];
  phases: SymbolDef[];
  metrics: { symbol: SymbolDef; decl: A.MetricDecl }[];
  bots: { symbol: SymbolDef; decl: A.BotDecl; role: string }[];
  steps: A.StepDecl[];
  payoff?: A.PayoffDecl;
  endWhen: A.Expr[];
  horizon?: { lo: number; hi: number };
  train: TrainSettings;
  /** Every declared symbol, in source order. */
  symbols: SymbolDef[];
  /** Every resolved use of a name (declarations are not included). */
  references: Reference[];
  /** The type of every checked expression. */
  types: Map<A.Expr, Type>;
  /** What a name in an expression, statement or declaration resolved to. */
  resolved: Map<A.Expr | A.Name, SymbolDef>;
  /** `enact r` / `repeal r` on a rule-typed variable: they may switch any rule. */
  dynamicEnacts: Span[];
  /** The inferred type of each `let` without an annotation. */
  letTypes: Map<A.LetStmt, Type>;
}
