import type { Span } from "../text.js";

/**
 * The abstract syntax tree of a `.game` file. Every node carries the span of source it
 * came from. A tree built from broken input is partial: a missing part is `undefined` or
 * an `ErrorExpr`, never a throw.
 */

export interface Name {
  text: string;
  span: Span;
}

interface NodeBase {
  span: Span;
}

// ---- Types written in source --------------------------------------------------------------

export type TypeName = "int" | "real" | "bool" | "team" | "rule";

export interface TypeRef extends NodeBase {
  kind: "TypeRef";
  /** A built-in type, or a role name (the agent type of that role). */
  name: Name;
  builtin?: TypeName;
}

// ---- Expressions -------------------------------------------------------------------------

export type BinaryOp = "+" | "-" | "*" | "/" | "%" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

export interface NumberLit extends NodeBase {
  kind: "Number";
  value: number;
  isInt: boolean;
  text: string;
}
export interface BoolLit extends NodeBase {
  kind: "Bool";
  value: boolean;
}
/** A plain name: a param, state, rule, team, phase, local, action, ... */
export interface NameRef extends NodeBase {
  kind: "NameRef";
  name: Name;
}
export interface SelfExpr extends NodeBase {
  kind: "Self";
}
export interface RoundExpr extends NodeBase {
  kind: "Round";
}
export interface PhaseExpr extends NodeBase {
  kind: "Phase";
}
export interface NoopExpr extends NodeBase {
  kind: "Noop";
}
export interface FieldExpr extends NodeBase {
  kind: "Field";
  object: Expr;
  field: Name;
}
/** `f(args)`: a built-in function, or an action with its argument (`vote(sanctions)`). */
export interface CallExpr extends NodeBase {
  kind: "Call";
  callee: Name;
  args: Expr[];
}
/** `sum(a in role where c: e)` and the other aggregates over agents or teams. */
export interface AggregateExpr extends NodeBase {
  kind: "Aggregate";
  fn: Name;
  variable: Name;
  /** A role name, or `teams`. */
  over: Name;
  filter?: Expr;
  body?: Expr;
}
export interface LastExpr extends NodeBase {
  kind: "Last";
  operand: Expr;
}
export interface UnaryExpr extends NodeBase {
  kind: "Unary";
  op: "-" | "not";
  operand: Expr;
}
export interface BinaryExpr extends NodeBase {
  kind: "Binary";
  op: BinaryOp;
  opSpan: Span;
  left: Expr;
  right: Expr;
}
export interface IfExpr extends NodeBase {
  kind: "IfExpr";
  condition: Expr;
  then: Expr;
  else: Expr;
}
export interface ParenExpr extends NodeBase {
  kind: "Paren";
  inner: Expr;
}
/** Stands where the parser recovered from a syntax error; already reported. */
export interface ErrorExpr extends NodeBase {
  kind: "ErrorExpr";
}

export type Expr =
  | NumberLit
  | BoolLit
  | NameRef
  | SelfExpr
  | RoundExpr
  | PhaseExpr
  | NoopExpr
  | FieldExpr
  | CallExpr
  | AggregateExpr
  | LastExpr
  | UnaryExpr
  | BinaryExpr
  | IfExpr
  | ParenExpr
  | ErrorExpr;

// ---- Statements --------------------------------------------------------------------------

export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=";

export interface LetStmt extends NodeBase {
  kind: "Let";
  name: Name;
  type?: TypeRef;
  value: Expr;
}
export interface AssignStmt extends NodeBase {
  kind: "Assign";
  /** A `NameRef`, or a `FieldExpr` chain on a name or `self`. */
  target: Expr;
  op: AssignOp;
  opSpan: Span;
  value: Expr;
}
export interface IfStmt extends NodeBase {
  kind: "If";
  condition: Expr;
  then: Block;
  else?: Block | IfStmt;
}
export interface ForStmt extends NodeBase {
  kind: "For";
  variable: Name;
  /** A role name, or `teams`. */
  over: Name;
  filter?: Expr;
  body: Block;
}
export interface MatchArm extends NodeBase {
  action: Name;
  binding?: Name;
  body: Block;
}
export interface MatchStmt extends NodeBase {
  kind: "Match";
  subject: Expr;
  arms: MatchArm[];
}
export interface EnactStmt extends NodeBase {
  kind: "Enact" | "Repeal";
  rule: Name;
}
export interface EndStmt extends NodeBase {
  kind: "End";
}
export interface PlayStmt extends NodeBase {
  kind: "Play";
  action: Name;
  argument?: Expr;
}

export type Stmt = LetStmt | AssignStmt | IfStmt | ForStmt | MatchStmt | EnactStmt | EndStmt | PlayStmt;

export interface Block extends NodeBase {
  kind: "Block";
  statements: Stmt[];
}

// ---- Declarations ------------------------------------------------------------------------

export interface RangeExpr extends NodeBase {
  lo: Expr;
  hi: Expr;
}

/** Doc comment text attached to a declaration: the comments directly above it. */
interface Documented {
  doc?: string;
}

export interface ParamDecl extends NodeBase, Documented {
  kind: "Param";
  name: Name;
  type: TypeRef | undefined;
  value: Expr;
  range?: RangeExpr;
}
export interface HorizonDecl extends NodeBase {
  kind: "Horizon";
  lo: Expr;
  hi?: Expr;
}
export interface PhasesDecl extends NodeBase {
  kind: "Phases";
  names: Name[];
}
export interface TeamsDecl extends NodeBase {
  kind: "Teams";
  names: Name[];
  /** `teams 3`: the literal count; `names` then holds the generated `team0`... at its span. */
  count?: NumberLit;
}
export interface StateDecl extends NodeBase, Documented {
  kind: "State";
  name: Name;
  type: TypeRef | undefined;
  value: Expr;
}
export type ActionArgType =
  | { kind: "range"; span: Span; lo: Expr; hi: Expr }
  | { kind: "role"; span: Span; role: Name }
  | { kind: "team"; span: Span }
  | { kind: "rule"; span: Span };

export interface ActionDecl extends NodeBase, Documented {
  kind: "Action";
  name: Name;
  argument?: { name: Name; type: ActionArgType | undefined; span: Span };
  phases: Name[];
  guards: Expr[];
}
export interface TeamInit extends NodeBase {
  kind: "TeamInit";
  value: Expr;
}
export interface ObserveDecl extends NodeBase {
  kind: "Observe";
  items: Expr[];
}
export interface ObjectiveDecl extends NodeBase {
  kind: "Objective";
  value: Expr;
}
export type RoleItem = ActionDecl | StateDecl | TeamInit | ObserveDecl | ObjectiveDecl;

export interface RoleDecl extends NodeBase, Documented {
  kind: "Role";
  name: Name;
  count?: Expr;
  items: RoleItem[];
}

export type RuleItem =
  | { kind: "StartsActive"; span: Span }
  | { kind: "ActiveWhen"; span: Span; condition: Expr }
  | { kind: "SetParam"; span: Span; param: Name; value: Expr };

export interface RuleDecl extends NodeBase, Documented {
  kind: "Rule";
  name: Name;
  items: RuleItem[];
}
export interface PayoffRow extends NodeBase {
  actions: Name[];
  rewards: Expr[];
}
export interface PayoffDecl extends NodeBase {
  kind: "Payoff";
  keyword: Span;
  rows: PayoffRow[];
}
export interface StepDecl extends NodeBase {
  kind: "Step";
  keyword: Span;
  phase?: Name;
  body: Block;
}
export interface MetricDecl extends NodeBase, Documented {
  kind: "Metric";
  name: Name;
  /** `in p, q`: the phases whose steps the episode value averages (empty: every step). */
  phases: Name[];
  /** The `in` keyword, when the metric has a phase scope. */
  inKeyword?: Span;
  value: Expr;
}
export interface BotDecl extends NodeBase, Documented {
  kind: "Bot";
  name: Name;
  role: Name;
  body: Block;
}
export interface EndWhenDecl extends NodeBase {
  kind: "EndWhen";
  condition: Expr;
}
export interface TrainEntry extends NodeBase {
  key: Name;
  /** A single value, or the items of a `[...]` list. */
  value: Expr | undefined;
  list?: Expr[];
}
export interface TrainDecl extends NodeBase {
  kind: "Train";
  entries: TrainEntry[];
}

export type GameItem =
  | ParamDecl
  | HorizonDecl
  | PhasesDecl
  | TeamsDecl
  | StateDecl
  | RoleDecl
  | RuleDecl
  | PayoffDecl
  | StepDecl
  | MetricDecl
  | BotDecl
  | EndWhenDecl
  | TrainDecl;

export interface GameDecl extends NodeBase, Documented {
  kind: "Game";
  name: Name;
  items: GameItem[];
}

export interface Comment {
  text: string;
  span: Span;
  block: boolean;
}

export interface SourceFile {
  /** The first `game` of the file (a file holds one); undefined when there is none. */
  game: GameDecl | undefined;
  /** Every game declared, for the "one game per file" error. */
  games: GameDecl[];
  comments: Comment[];
  span: Span;
}
