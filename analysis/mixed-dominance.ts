import { maximize, maximizeFeasibleOrigin } from "./lp.js";
import { strides, type NormalForm } from "./normal-form.js";
import { Q } from "./rational.js";

/**
 * Domination by mixed strategies, as Gambit offers it: an action is strictly dominated
 * when some mixture of the player's other actions pays strictly more against every profile
 * of the others' actions, weakly when it pays at least as much everywhere and more
 * somewhere. Each test is a small linear program solved exactly (analysis/lp.ts):
 *
 *   strict:  max t   s.t.  Σ_b σ_b (u(b,s) − u(a,s)) ≥ t for every s,  Σ σ = 1,  σ, t ≥ 0
 *   weak:    max Σ_s Σ_b σ_b (u(b,s) − u(a,s))   s.t. every term ≥ 0,  Σ σ = 1,  σ ≥ 0
 *
 * strictly dominated iff the first optimum is positive; weakly iff the second is feasible
 * with a positive optimum. Strict elimination is iterated (its result does not depend on the
 * order); weak domination is tested in the full game only.
 */

export interface MixedElimination {
  round: number;
  player: number;
  action: number;
  /** The dominating mixture: action index → probability (exact). */
  by: { action: number; p: Q }[];
}

export interface MixedDominance {
  strict: MixedElimination[];
  weak: MixedElimination[];
  strictSurvivors: number[][];
  /** False when some test was skipped for size (more than `maxRows` profiles of the others). */
  complete: boolean;
}

export function mixedDominance(game: NormalForm, maxRows = 2000): MixedDominance {
  const alive = game.sizes.map((n) => Array.from({ length: n }, (_, a) => a));
  const strict: MixedElimination[] = [];
  let complete = true;
  for (let round = 1; ; round++) {
    const removals: MixedElimination[] = [];
    for (let p = 0; p < game.sizes.length; p++) {
      if (alive[p].length < 2) continue;
      const rows = othersProfiles(game, alive, p);
      if (rows.length > maxRows) {
        complete = false;
        continue;
      }
      for (const a of alive[p]) {
        const by = dominator(game, p, a, alive[p], rows, true);
        if (by) removals.push({ round, player: p, action: a, by });
      }
    }
    if (removals.length === 0) break;
    for (const r of removals) alive[r.player] = alive[r.player].filter((a) => a !== r.action);
    strict.push(...removals);
  }
  const weak: MixedElimination[] = [];
  const full = game.sizes.map((n) => Array.from({ length: n }, (_, a) => a));
  for (let p = 0; p < game.sizes.length; p++) {
    if (full[p].length < 2) continue;
    const rows = othersProfiles(game, full, p);
    if (rows.length > maxRows) {
      complete = false;
      continue;
    }
    for (const a of full[p]) {
      // A mixture that dominates strictly in the full game dominates weakly too.
      const strictly = strict.find((e) => e.round === 1 && e.player === p && e.action === a);
      const by = strictly?.by ?? dominator(game, p, a, full[p], rows, false);
      if (by) weak.push({ round: 1, player: p, action: a, by });
    }
  }
  return { strict, weak, strictSurvivors: alive, complete };
}

/** Profile offsets (player p's action 0) of every combination of the others' alive actions. */
function othersProfiles(game: NormalForm, alive: number[][], p: number): number[] {
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

function dominator(
  game: NormalForm,
  p: number,
  a: number,
  actions: number[],
  rows: number[],
  strictly: boolean,
): { action: number; p: Q }[] | undefined {
  const stride = strides(game.sizes)[p];
  const others = actions.filter((b) => b !== a);
  const u = game.payoffs[p];
  // A best response to some profile of the others is never strictly dominated, a unique
  // best response never weakly: most actions are settled without a linear program.
  for (const o of rows) {
    const mine = u[o + a * stride];
    let bestOther: Q | undefined;
    for (const b of others) {
      const v = u[o + b * stride];
      if (!bestOther || v.cmp(bestOther) > 0) bestOther = v;
    }
    if (!bestOther || (strictly ? mine.cmp(bestOther) >= 0 : mine.cmp(bestOther) > 0)) return undefined;
  }
  const k = others.length;
  const R = rows.length;
  if (strictly) {
    // With payoffs shifted positive (u' = u − min + 1): a is strictly dominated iff
    // min { Σ w : Σ_b w_b u'(b,s) ≥ u'(a,s) for all s, w ≥ 0 } < 1. Its dual,
    // max { Σ_s u'(a,s) y_s : Σ_s u'(b,s) y_s ≤ 1 for all b ≠ a, y ≥ 0 }, starts feasible at
    // the origin; the optimal w (its dual) normalised is the dominating mixture.
    let min: Q | undefined;
    for (const o of rows) for (const x of actions) if (!min || u[o + x * stride].cmp(min) < 0) min = u[o + x * stride];
    const shift = Q.ONE.sub(min!);
    const M = others.map((bAction) => rows.map((o) => u[o + bAction * stride].add(shift)));
    const c = rows.map((o) => u[o + a * stride].add(shift));
    const result = maximizeFeasibleOrigin(
      c,
      M,
      others.map(() => Q.ONE),
    );
    if (result.status !== "optimal" || result.value.cmp(Q.ONE) >= 0) return undefined;
    const total = result.dual.reduce((x, y) => x.add(y), Q.ZERO);
    return others.flatMap((action, col) =>
      result.dual[col].isZero() ? [] : [{ action, p: result.dual[col].div(total) }],
    );
  }
  // Columns: σ (k), then t (strict only), then one surplus per row.
  const extra = strictly ? 1 : 0;
  const n = k + extra + R;
  const A: Q[][] = [];
  const b: Q[] = [];
  rows.forEach((o, s) => {
    const row = new Array<Q>(n).fill(Q.ZERO);
    others.forEach((bAction, c) => (row[c] = u[o + bAction * stride].sub(u[o + a * stride])));
    if (strictly) row[k] = Q.ONE.neg();
    row[k + extra + s] = Q.ONE.neg();
    A.push(row);
    b.push(Q.ZERO);
  });
  A.push([...others.map(() => Q.ONE), ...new Array<Q>(extra + R).fill(Q.ZERO)]);
  b.push(Q.ONE);
  const c = new Array<Q>(n).fill(Q.ZERO);
  if (strictly) c[k] = Q.ONE;
  else for (let s = 0; s < R; s++) c[k + s] = Q.ONE;
  const result = maximize(c, A, b);
  if (result.status !== "optimal" || result.value.sign() <= 0) return undefined;
  return others.flatMap((action, col) => (result.x[col].isZero() ? [] : [{ action, p: result.x[col] }]));
}
