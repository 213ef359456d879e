import { INT, REAL, type Type } from "./types.js";

/** Built-in functions: name → signature text (for hover and signature help) and arity. */
export interface BuiltinFunction {
  name: string;
  signature: string;
  doc: string;
  minArgs: number;
  maxArgs: number;
  /** Uses randomness: a pure function of the seed and where it is called. */
  random?: boolean;
}

export const BUILTIN_FUNCTIONS: ReadonlyMap<string, BuiltinFunction> = new Map(
  (
    [
      {
        name: "min",
        signature: "min(a, b, ...)",
        doc: "The smallest of two or more numbers. With `a in role`, an aggregate.",
        minArgs: 2,
        maxArgs: Infinity,
      },
      {
        name: "max",
        signature: "max(a, b, ...)",
        doc: "The largest of two or more numbers. With `a in role`, an aggregate.",
        minArgs: 2,
        maxArgs: Infinity,
      },
      { name: "abs", signature: "abs(x)", doc: "The absolute value of `x` (int stays int).", minArgs: 1, maxArgs: 1 },
      {
        name: "floor",
        signature: "floor(x: real): int",
        doc: "The largest int not above `x`.",
        minArgs: 1,
        maxArgs: 1,
      },
      { name: "clamp", signature: "clamp(x, lo, hi)", doc: "`x` limited to `lo..hi`.", minArgs: 3, maxArgs: 3 },
      { name: "exp", signature: "exp(x: real): real", doc: "e to the power `x`.", minArgs: 1, maxArgs: 1 },
      { name: "log", signature: "log(x: real): real", doc: "The natural logarithm of `x`.", minArgs: 1, maxArgs: 1 },
      { name: "sqrt", signature: "sqrt(x: real): real", doc: "The square root of `x`.", minArgs: 1, maxArgs: 1 },
      {
        name: "random",
        signature: "random(): real",
        doc: "A uniform draw from [0, 1).",
        minArgs: 0,
        maxArgs: 0,
        random: true,
      },
      {
        name: "bernoulli",
        signature: "bernoulli(p: real): bool",
        doc: "`true` with probability `p`.",
        minArgs: 1,
        maxArgs: 1,
        random: true,
      },
      {
        name: "randint",
        signature: "randint(a: int, b: int): int",
        doc: "A uniform int from `a` to `b`, both included.",
        minArgs: 2,
        maxArgs: 2,
        random: true,
      },
      {
        name: "size",
        signature: "size(t: team): int",
        doc: "How many agents, of every role, are on team `t`.",
        minArgs: 1,
        maxArgs: 1,
      },
    ] satisfies BuiltinFunction[]
  ).map((f) => [f.name, f]),
);

export interface AggregateFunction {
  name: string;
  /** `sum`, `mean`, `min`, `max` take `: expr`; `count`, `any`, `all` take only `where c`. */
  takesBody: boolean;
  signature: string;
  doc: string;
}

export const AGGREGATES: ReadonlyMap<string, AggregateFunction> = new Map(
  (
    [
      {
        name: "sum",
        takesBody: true,
        signature: "sum(a in role [where c]: e)",
        doc: "The sum of `e` over the agents (0 over none).",
      },
      {
        name: "mean",
        takesBody: true,
        signature: "mean(a in role [where c]: e)",
        doc: "The mean of `e` over the agents (0 over none).",
      },
      {
        name: "min",
        takesBody: true,
        signature: "min(a in role [where c]: e)",
        doc: "The smallest `e` over the agents (0 over none).",
      },
      {
        name: "max",
        takesBody: true,
        signature: "max(a in role [where c]: e)",
        doc: "The largest `e` over the agents (0 over none).",
      },
      { name: "count", takesBody: false, signature: "count(a in role [where c])", doc: "How many agents satisfy `c`." },
      {
        name: "any",
        takesBody: false,
        signature: "any(a in role [where c])",
        doc: "Whether some agent satisfies `c` (false over none).",
      },
      {
        name: "all",
        takesBody: false,
        signature: "all(a in role [where c])",
        doc: "Whether every agent satisfies `c` (true over none).",
      },
    ] satisfies AggregateFunction[]
  ).map((f) => [f.name, f]),
);

/** Fields every agent has, besides its role's `state`. */
export const AGENT_FIELDS: ReadonlyMap<string, { type: Type | "team" | "action"; writable: boolean; doc: string }> =
  new Map([
    ["reward", { type: REAL, writable: true, doc: "This step's reward (reset to 0 at the start of every step)." }],
    ["total", { type: REAL, writable: false, doc: "The sum of this agent's rewards so far in the episode." }],
    ["index", { type: INT, writable: false, doc: "The agent's 0-based index within its role." }],
    ["team", { type: "team", writable: true, doc: "The agent's team." }],
    ["action", { type: "action", writable: false, doc: "The action the agent took this step." }],
  ] as const);

export const RESERVED_AGENT_FIELDS = ["reward", "total", "index", "team", "action"];

/** Keys of a `train` block and the kind of value each takes. */
export const TRAIN_KEYS: ReadonlyMap<string, { kind: "int" | "real" | "intList" | "opponents"; doc: string }> = new Map(
  [
    ["steps", { kind: "int", doc: "Total agent-environment steps to train for." }],
    ["envs", { kind: "int", doc: "Environment copies stepped together." }],
    ["lr", { kind: "real", doc: "Learning rate." }],
    ["gamma", { kind: "real", doc: "Discount factor." }],
    ["lambda", { kind: "real", doc: "GAE lambda." }],
    ["clip", { kind: "real", doc: "PPO clipping range." }],
    ["epochs", { kind: "int", doc: "PPO epochs per update." }],
    ["minibatches", { kind: "int", doc: "Minibatches per epoch." }],
    ["entropy", { kind: "real", doc: "Entropy bonus coefficient." }],
    ["hidden", { kind: "intList", doc: "Hidden layer sizes, such as `[64, 64]`." }],
    ["seed", { kind: "int", doc: "Random seed." }],
    ["opponents", { kind: "opponents", doc: "Co-players: bot names, `self` and `pool` (fictitious self-play)." }],
  ] as const,
);
