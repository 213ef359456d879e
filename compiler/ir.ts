/**
 * The typed IR: a checked scenario lowered to what every backend executes.
 *
 * Everything static is resolved here: role counts are numbers, names are indices, params
 * without ranges are folded to constants, teams/rules/phases/agents/actions are ints, and
 * payoff tables become ordinary statements. What remains is per-environment-copy scalar
 * code over a fixed set of state arrays, which the reference interpreter walks, the JS
 * backend turns into straight-line JavaScript, and the tensor backend runs as batched ops.
 *
 * Storage types: `int` (also teams, rules, phases, agent indices and flat action indices,
 * -1 standing for "no action"), `real` (float32), `bool`.
 */

export type Scalar = "int" | "real" | "bool";

export type UnaryOp = "neg" | "not";
export type BinaryOp = "add" | "sub" | "mul" | "div" | "mod" | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or";
export type Builtin = "min" | "max" | "abs" | "floor" | "clamp" | "exp" | "log" | "sqrt";
export type RandomFn = "random" | "bernoulli" | "randint";
export type AggregateFn = "sum" | "mean" | "min" | "max" | "count" | "any" | "all";

/** What an aggregate or loop ranges over: the agents of a role, or the game's teams. */
export type Domain = { kind: "role"; role: number } | { kind: "teams" };

export type AgentField =
  | { kind: "state"; index: number }
  | { kind: "reward" }
  | { kind: "total" }
  | { kind: "team" }
  /** The flat action index taken this step (-1: none). */
  | { kind: "action" }
  /** The flat index of the most recent non-noop action before this round (-1: none). */
  | { kind: "last" };

export type Expr =
  | { k: "const"; t: Scalar; v: number }
  /** A param that varies per episode (ranged) or while rules are active. */
  | { k: "param"; t: Scalar; param: number }
  | { k: "global"; t: Scalar; index: number }
  | { k: "local"; t: Scalar; slot: number }
  /** The evaluating agent's index within its role (observations, guards, objectives, bots). */
  | { k: "self"; t: "int" }
  | { k: "agent"; t: Scalar; role: number; agent: Expr; field: AgentField }
  | { k: "round"; t: "int" }
  | { k: "phase"; t: "int" }
  | { k: "rule"; t: "bool"; rule: number }
  /** The active flag of a rule given by id (a rule-typed variable read as a bool). */
  | { k: "ruleDyn"; t: "bool"; rule: Expr }
  | { k: "unary"; t: Scalar; op: UnaryOp; x: Expr }
  /** `operand` is the type both sides are converted to before the operation. */
  | { k: "binary"; t: Scalar; op: BinaryOp; a: Expr; b: Expr; operand: Scalar }
  | { k: "if"; t: Scalar; c: Expr; a: Expr; b: Expr }
  | { k: "call"; t: Scalar; fn: Builtin; args: Expr[] }
  /** A counter-based draw: a pure function of (seed, env, episode, round, phase, site, keys). */
  | { k: "random"; t: Scalar; fn: RandomFn; site: number; keys: Expr[]; args: Expr[] }
  | { k: "aggregate"; t: Scalar; fn: AggregateFn; domain: Domain; slot: number; filter?: Expr; body?: Expr }
  /** How many agents (of every role) are on a team. */
  | { k: "size"; t: "int"; team: Expr }
  /** Whether a flat action value of `role` is the action `action`, whatever its argument. */
  | { k: "actionIs"; t: "bool"; role: number; value: Expr; action: number }
  /** The argument of a flat action value known to be `action` of `role`. */
  | { k: "actionArg"; t: "int"; role: number; value: Expr; action: number }
  /** The flat index of `action` of `role` with argument `arg` (-2 if the argument is out of range). */
  | { k: "actionFlat"; t: "int"; role: number; action: number; arg?: Expr }
  /** The action index (declaration order) of a flat action value of `role`, -1 for none. */
  | { k: "actionIndex"; t: "int"; role: number; value: Expr };

export type AssignOp = "set" | "add" | "sub" | "mul" | "div";

export type Stmt =
  | { k: "setLocal"; slot: number; op: AssignOp; value: Expr; t: Scalar }
  | { k: "setGlobal"; index: number; op: AssignOp; value: Expr; t: Scalar }
  | {
      k: "setAgent";
      role: number;
      agent: Expr;
      field: { kind: "state"; index: number } | { kind: "reward" } | { kind: "team" };
      op: AssignOp;
      value: Expr;
      t: Scalar;
    }
  | { k: "if"; c: Expr; then: Stmt[]; else: Stmt[] }
  | { k: "for"; domain: Domain; slot: number; filter?: Expr; body: Stmt[] }
  | { k: "enact"; rule: number; active: boolean }
  /** `enact r` on a rule-typed variable: switches the rule whose id `rule` evaluates to. */
  | { k: "enactDyn"; rule: Expr; active: boolean }
  | { k: "end" }
  /** Bots only: choose this flat action (-2: an out-of-range argument, played as noop). */
  | { k: "play"; value: Expr }
  /**
   * A payoff table: the joint action of `agents` (all without arguments) indexes `rows`,
   * each giving one reward per agent; a joint action with a noop pays nothing.
   */
  | { k: "payoff"; agents: { role: number; index: number }[]; sizes: number[]; rows: Expr[][] };

export interface IRAction {
  name: string;
  /** Flat indices [flatStart, flatStart + flatCount) in the role's action space. */
  flatStart: number;
  flatCount: number;
  /** The argument: its local slot in the guard, its kind and the values the flat range covers. */
  arg?: { name: string; slot: number; kind: "range" | "role" | "team" | "rule"; lo: number; role?: number };
  /** Phase indices the action is available in (all of them when empty). */
  phases: number[];
  guard?: Expr;
}

export interface IRObservation {
  expr: Expr;
  /** How the value flattens: a number, a 0/1, a one-hot of `width` classes. */
  encoding: "number" | "bool" | "oneHot";
  /** The value of a one-hot is a class index in 0..width-1; anything else encodes as all zeros. */
  width: number;
  labels: string[];
}

export interface IRRole {
  name: string;
  count: number;
  actions: IRAction[];
  /** Size of the flat action space. */
  numActions: number;
  /** Label of each flat action, such as `contribute(3)`. */
  actionLabels: string[];
  /** For each flat action: its action index and argument value. */
  flatAction: number[];
  flatArg: number[];
  state: { name: string; t: Scalar; init: Expr }[];
  observations: IRObservation[];
  obsDim: number;
  objective?: Expr;
  teamInit?: Expr;
}

export interface IRParam {
  name: string;
  t: Scalar;
  /** The default, after `--set`. */
  value: number;
  range?: { lo: number; hi: number };
  /** Rules that override it while active, last declared first (the last declared wins). */
  overrides: { rule: number; value: Expr }[];
}

export interface IRRule {
  name: string;
  startsActive: boolean;
  activeWhen?: Expr;
}

export interface IRBot {
  name: string;
  role: number;
  body: Stmt[];
}

export interface IRGame {
  name: string;
  params: IRParam[];
  /** Only params that vary (ranged or rule-set) are read at run time; the rest are folded. */
  dynamicParams: number[];
  globals: { name: string; t: Scalar; init: Expr }[];
  roles: IRRole[];
  teams: string[];
  phases: string[];
  rules: IRRule[];
  /** The body of each phase's step (payoff rows included), by phase index. */
  steps: Stmt[][];
  /**
   * Evaluated after every step. `phases`: the phases (indices, ascending) whose steps the
   * episode value averages, a step counting in the phase it ran in; empty: every step.
   */
  metrics: IRMetric[];
  endWhen: Expr[];
  horizon: { lo: number; hi: number };
  bots: IRBot[];
  /** Local slots used by any body; backends allocate this many. */
  numLocals: number;
  /** Number of random call sites (for documentation and tests). */
  numRandomSites: number;
}

export interface IRMetric {
  name: string;
  phases: number[];
  expr: Expr;
}

/** Site ids for draws made at reset (param and horizon sampling), below the call sites. */
export const RESET_ROUND = -1;
export const HORIZON_SITE = 0x7fff0000;
export const PARAM_SITE_BASE = 0x7ffe0000;

/** Episodes without a `horizon` stop after this many rounds unless `end` runs first. */
export const DEFAULT_MAX_ROUNDS = 1000;
