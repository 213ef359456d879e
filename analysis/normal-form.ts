import { lcm, Q } from "./rational.js";

/**
 * A finite game in normal (strategic) form.
 *
 * Profiles are indexed in mixed radix with player 0 the most significant digit, as the
 * rows of a `payoff` table are: profile = ((a0 * n1 + a1) * n2 + a2) ...
 */

export interface Player {
  /** The role the agent plays and its index within the role. */
  role: string;
  index: number;
  /** `player#0`, or the role name alone when the role has one agent. */
  name: string;
  /** Action labels in declaration (flat) order: `cooperate`, `contribute(3)`. */
  actions: string[];
  /** The flat action index in the role's action space of each action above. */
  flat: number[];
}

export interface NormalForm {
  name: string;
  players: Player[];
  sizes: number[];
  /** `payoffs[p][profile]`: player p's payoff, exact (or the rational read of an estimate). */
  payoffs: Q[][];
  /** Where the numbers came from. */
  source: "payoff_table" | "step_enumeration" | "nfg";
  /** True when the payoffs are the environment's exact values, false when they are sample means. */
  exact: boolean;
  /** For estimated payoffs: samples per profile and the largest standard error of each player's entries. */
  samples?: number;
  standardError?: number[];
  /** Things the reader should know about how this normal form relates to the scenario. */
  notes: string[];
  /** Whether the payoffs are the values as written, and where the run time pays otherwise. */
  precision?: PayoffPrecision;
}

export interface PayoffPrecision {
  /** Every payoff is the exact value written in the source (or the file). */
  exact: boolean;
  /** Why some payoffs are not exact (empty when they are). */
  reasons: string[];
  /** Payoffs whose float32 run-time value differs from the exact one. */
  float32: { profile: number; player: number; value: number }[];
}

export function numProfiles(sizes: readonly number[]): number {
  return sizes.reduce((a, b) => a * b, 1);
}

/** `strides[p]`: how far the profile index moves when player p's action goes up by one. */
export function strides(sizes: readonly number[]): number[] {
  const out = new Array<number>(sizes.length);
  let s = 1;
  for (let p = sizes.length - 1; p >= 0; p--) {
    out[p] = s;
    s *= sizes[p];
  }
  return out;
}

export function profileIndex(sizes: readonly number[], actions: readonly number[]): number {
  let index = 0;
  for (let p = 0; p < sizes.length; p++) index = index * sizes[p] + actions[p];
  return index;
}

export function profileActions(sizes: readonly number[], index: number): number[] {
  const out = new Array<number>(sizes.length);
  for (let p = sizes.length - 1; p >= 0; p--) {
    out[p] = index % sizes[p];
    index = Math.floor(index / sizes[p]);
  }
  return out;
}

/**
 * The payoffs as JS numbers for the fast pure-strategy passes. When every payoff times the
 * common denominator `scale` is an integer whose sums over players stay below 2^53, the
 * numbers are those integers and every comparison and sum on them is exact.
 */
export interface NumericPayoffs {
  /** `values[p][profile]` = payoff * scale. */
  values: Float64Array[];
  scale: number;
  /** Comparisons and sums are exact (scaled integers), or approximate (plain doubles). */
  exact: boolean;
}

const numericCache = new WeakMap<NormalForm, NumericPayoffs>();

export function numeric(game: NormalForm): NumericPayoffs {
  const cached = numericCache.get(game);
  if (cached) return cached;
  let common = 1n;
  let maxAbs = 0;
  for (const row of game.payoffs) {
    for (const q of row) {
      common = lcm(common, q.d);
      maxAbs = Math.max(maxAbs, Math.abs(q.toNumber()));
      if (common > 2n ** 53n) break;
    }
  }
  const bound = maxAbs * Number(common) * Math.max(1, game.players.length);
  let result: NumericPayoffs;
  if (common <= 2n ** 53n && bound < 2 ** 53) {
    result = {
      values: game.payoffs.map((row) => Float64Array.from(row, (q) => Number((q.n * common) / q.d))),
      scale: Number(common),
      exact: true,
    };
  } else
    result = { values: game.payoffs.map((row) => Float64Array.from(row, (q) => q.toNumber())), scale: 1, exact: false };
  numericCache.set(game, result);
  return result;
}

/** The payoffs as plain doubles (not scaled). */
export function floatPayoffs(game: NormalForm): Float64Array[] {
  const n = numeric(game);
  return n.values.map((row) => (n.scale === 1 ? row : row.map((v) => v / n.scale)));
}

/** A profile's action names, one per player. */
export function profileNames(game: NormalForm, actions: readonly number[]): string[] {
  return actions.map((a, p) => game.players[p].actions[a]);
}

/** The largest payoff difference in the game (1 when all payoffs are equal): the scale tolerances refer to. */
export function payoffRange(game: NormalForm): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of floatPayoffs(game)) {
    for (const v of row) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  return hi > lo ? hi - lo : 1;
}

/** Builds a normal form from plain numbers (tests, NFG files); numbers are read as shortest decimals. */
export function normalFormFromNumbers(
  name: string,
  players: { name: string; actions: string[]; role?: string; index?: number }[],
  payoffs: (number | string | Q)[][],
): NormalForm {
  const sizes = players.map((p) => p.actions.length);
  const total = numProfiles(sizes);
  for (const row of payoffs)
    if (row.length !== total) throw new RangeError(`expected ${total} payoffs per player, got ${row.length}`);
  return {
    name,
    players: players.map((p, i) => ({
      role: p.role ?? p.name,
      index: p.index ?? i,
      name: p.name,
      actions: p.actions,
      flat: p.actions.map((_, k) => k),
    })),
    sizes,
    payoffs: payoffs.map((row) =>
      row.map((v) => (v instanceof Q ? v : typeof v === "string" ? Q.parse(v) : Q.fromFloat64(v))),
    ),
    source: "nfg",
    exact: true,
    notes: [],
  };
}
