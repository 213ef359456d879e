import { numeric, numProfiles, profileActions, strides, type NormalForm } from "./normal-form.js";
import { Q } from "./rational.js";
import { checkDeadline, type Deadline } from "./deadline.js";

/**
 * The pure-strategy passes: pure Nash equilibria, dominance with iterated elimination,
 * Pareto optimality and the welfare optimum. They compare payoffs of pure profiles only,
 * on the scaled-integer payoffs (exact) when they fit in doubles.
 */

export interface PureEquilibrium {
  profile: number;
  actions: number[];
  /** Every unilateral deviation loses strictly. */
  strict: boolean;
}

/** Every pure Nash equilibrium, in profile order. */
export function pureEquilibria(game: NormalForm, deadline?: Deadline): PureEquilibrium[] {
  const { values } = numeric(game);
  const sizes = game.sizes;
  const total = numProfiles(sizes);
  const st = strides(sizes);
  const tol = tolerance(game);
  // best[p][profile]: player p's best payoff against the others' actions in `profile`;
  // second: whether the best is attained by another action too (for strictness).
  const isNash = new Uint8Array(total).fill(1);
  const isStrict = new Uint8Array(total).fill(1);
  for (let p = 0; p < sizes.length; p++) {
    const v = values[p];
    const n = sizes[p];
    const s = st[p];
    checkDeadline(deadline);
    for (let base = 0; base < total; base++) {
      // Visit each group of profiles that differ only in p's action once, from its a_p = 0 member.
      if (Math.floor(base / s) % n !== 0) continue;
      let best = -Infinity;
      for (let a = 0; a < n; a++) best = Math.max(best, v[base + a * s]);
      let atBest = 0;
      for (let a = 0; a < n; a++) if (v[base + a * s] >= best - tol) atBest++;
      for (let a = 0; a < n; a++) {
        const i = base + a * s;
        if (v[i] < best - tol) isNash[i] = 0;
        else if (atBest > 1) isStrict[i] = 0;
      }
    }
  }
  const out: PureEquilibrium[] = [];
  for (let i = 0; i < total; i++)
    if (isNash[i]) out.push({ profile: i, actions: profileActions(sizes, i), strict: isStrict[i] === 1 });
  return out;
}

/** Zero for exact payoffs, else a relative tolerance on the doubles. */
export function tolerance(game: NormalForm): number {
  const n = numeric(game);
  if (n.exact) return 0;
  let max = 0;
  for (const row of n.values) for (const v of row) max = Math.max(max, Math.abs(v));
  return 1e-9 * Math.max(1, max);
}

export interface Elimination {
  /** 1 for actions dominated in the original game, 2 after the first round of eliminations, ... */
  round: number;
  player: number;
  action: number;
  /** An action that dominates it among those left at that round. */
  by: number;
}

export interface DominanceResult {
  strict: Elimination[];
  weak: Elimination[];
  /** The actions that survive iterated elimination, per player. */
  strictSurvivors: number[][];
  weakSurvivors: number[][];
}

/**
 * Iterated elimination of actions dominated by another pure action. Each round removes,
 * for every player at once, every action dominated given the actions still left. For
 * strict dominance the result does not depend on the order; for weak dominance it can, and
 * this is the all-at-once order.
 */
export function dominance(game: NormalForm, deadline?: Deadline): DominanceResult {
  const strict = eliminate(game, true, deadline);
  const weak = eliminate(game, false, deadline);
  return { strict: strict.eliminated, weak: weak.eliminated, strictSurvivors: strict.alive, weakSurvivors: weak.alive };
}

/** The profile-index offsets of every combination of the others' alive actions. */
function otherOffsets(game: NormalForm, alive: number[][], p: number): number[] {
  const st = strides(game.sizes);
  let offsets = [0];
  for (let q = 0; q < game.sizes.length; q++) {
    if (q === p) continue;
    const next: number[] = [];
    for (const o of offsets) for (const a of alive[q]) next.push(o + a * st[q]);
    offsets = next;
  }
  return offsets;
}

/** Whether `b` dominates `a` for player p against the given others' profiles. */
function dominates(
  v: Float64Array,
  s: number,
  offsets: number[],
  b: number,
  a: number,
  strict: boolean,
  tol: number,
): boolean {
  let some = false;
  for (const o of offsets) {
    const d = v[o + b * s] - v[o + a * s];
    if (strict) {
      if (d <= tol) return false;
    } else {
      if (d < -tol) return false;
      if (d > tol) some = true;
    }
  }
  return strict || some;
}

function eliminate(
  game: NormalForm,
  strict: boolean,
  deadline: Deadline | undefined,
): { eliminated: Elimination[]; alive: number[][] } {
  const { values } = numeric(game);
  const st = strides(game.sizes);
  const tol = tolerance(game);
  const alive = game.sizes.map((n) => Array.from({ length: n }, (_, i) => i));
  const eliminated: Elimination[] = [];
  for (let round = 1; ; round++) {
    const removals: Elimination[] = [];
    for (let p = 0; p < game.sizes.length; p++) {
      if (alive[p].length < 2) continue;
      const offsets = otherOffsets(game, alive, p);
      const dominated = new Map<number, number[]>();
      for (const a of alive[p]) {
        checkDeadline(deadline);
        for (const b of alive[p]) {
          if (a !== b && dominates(values[p], st[p], offsets, b, a, strict, tol)) {
            if (!dominated.has(a)) dominated.set(a, []);
            dominated.get(a)!.push(b);
          }
        }
      }
      for (const [a, by] of dominated) {
        // Name a dominator that itself survives this round when there is one.
        const survivor = by.find((b) => !dominated.has(b)) ?? by[0];
        removals.push({ round, player: p, action: a, by: survivor });
      }
    }
    if (removals.length === 0) break;
    for (const r of removals) alive[r.player] = alive[r.player].filter((a) => a !== r.action);
    eliminated.push(...removals);
  }
  return { eliminated, alive };
}

export interface ParetoResult {
  /** Pareto-optimal pure profiles, in profile order. */
  profiles: number[];
  /** Distinct payoff vectors among them. */
  vectors: number;
}

/**
 * The pure profiles whose payoff vector no other pure profile weakly improves for everyone
 * and strictly for someone. Sort-filter skyline: distinct payoff vectors by descending
 * welfare, each compared only with the optimal vectors found before it.
 */
export function paretoOptimal(game: NormalForm): ParetoResult {
  const { values } = numeric(game);
  const total = numProfiles(game.sizes);
  const n = game.players.length;
  const tol = tolerance(game);
  const byKey = new Map<string, number[]>();
  const vectors: { key: string; v: number[]; sum: number }[] = [];
  for (let i = 0; i < total; i++) {
    const v = values.map((row) => row[i]);
    const key = v.join(",");
    let list = byKey.get(key);
    if (!list) {
      list = [];
      byKey.set(key, list);
      vectors.push({ key, v, sum: v.reduce((a, b) => a + b, 0) });
    }
    list.push(i);
  }
  vectors.sort((a, b) => b.sum - a.sum);
  const skyline: number[][] = [];
  const optimal: string[] = [];
  for (const { key, v } of vectors) {
    let dominated = false;
    for (const w of skyline) {
      let geq = true;
      let gt = false;
      for (let p = 0; p < n; p++) {
        if (w[p] < v[p] - tol) {
          geq = false;
          break;
        }
        if (w[p] > v[p] + tol) gt = true;
      }
      if (geq && gt) {
        dominated = true;
        break;
      }
    }
    if (!dominated) {
      skyline.push(v);
      optimal.push(key);
    }
  }
  const profiles = optimal.flatMap((k) => byKey.get(k)!).sort((a, b) => a - b);
  return { profiles, vectors: optimal.length };
}

export interface WelfareResult {
  /** The largest sum of payoffs over pure profiles (as a double; exact profiles below). */
  value: number;
  profiles: number[];
  /** The smallest, for reference (the worst outcome). */
  min: number;
}

/** The welfare optimum: the largest sum of payoffs, and every pure profile that attains it. */
export function welfareMax(game: NormalForm): WelfareResult {
  const { values, scale, exact } = numeric(game);
  if (!exact) {
    // Doubles cannot hold these payoffs exactly (or at all, past 1e308): sum the rationals.
    const total = numProfiles(game.sizes);
    const sums = Array.from({ length: total }, (_, i) => game.payoffs.reduce((s, row) => s.add(row[i]), Q.ZERO));
    const best = sums.reduce((a, b) => (b.cmp(a) > 0 ? b : a));
    const worst = sums.reduce((a, b) => (b.cmp(a) < 0 ? b : a));
    return { value: best.toNumber(), profiles: sums.flatMap((v, i) => (v.eq(best) ? [i] : [])), min: worst.toNumber() };
  }
  const total = numProfiles(game.sizes);
  const tol = tolerance(game) * game.players.length;
  let best = -Infinity;
  let worst = Infinity;
  const sums = new Float64Array(total);
  for (let i = 0; i < total; i++) {
    let s = 0;
    for (const row of values) s += row[i];
    sums[i] = s;
    if (s > best) best = s;
    if (s < worst) worst = s;
  }
  const profiles: number[] = [];
  for (let i = 0; i < total; i++) if (sums[i] >= best - tol) profiles.push(i);
  return { value: best / scale, profiles, min: worst / scale };
}

/**
 * Actions that are interchangeable: a and b of player p are payoff-equivalent when every
 * player's payoff is the same with a as with b, whatever the others do. Returns, per
 * player, the classes (each sorted, the first its representative) among `alive` actions.
 */
export function equivalentActions(
  game: NormalForm,
  alive: number[][] = game.sizes.map((n) => Array.from({ length: n }, (_, i) => i)),
): number[][][] {
  const { values } = numeric(game);
  const st = strides(game.sizes);
  const tol = tolerance(game);
  return game.sizes.map((_, p) => {
    const offsets = otherOffsets(game, alive, p);
    const classes: number[][] = [];
    for (const a of alive[p]) {
      const home = classes.find((c) => {
        const b = c[0];
        return offsets.every((o) => values.every((v) => Math.abs(v[o + a * st[p]] - v[o + b * st[p]]) <= tol));
      });
      if (home) home.push(a);
      else classes.push([a]);
    }
    return classes;
  });
}
