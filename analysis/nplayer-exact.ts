import { numProfiles, profileActions, type NormalForm } from "./normal-form.js";
import { Q } from "./rational.js";

/**
 * Exact facts about equilibria of games with three or more players, whose equilibria the
 * floating-point searches of nplayer.ts find:
 *   - a found point made exact: each probability snapped to the simplest rational near it,
 *     kept only if the profile passes the exact best-response check;
 *   - isolation proven, not guessed: a strict pure equilibrium, or a quasi-strict one whose
 *     indifference system has a nonsingular Jacobian (exactly computed) is isolated;
 *   - connection proven: two equilibria that differ in one player's strategy only are joined
 *     by a segment of equilibria (along it every payoff is linear, so the best-response
 *     conditions that hold at both ends hold in between).
 */

/** `out[p][a]`: player p's exact expected payoff for action a against the others' mixes. */
export function exactDeviationValues(game: NormalForm, sigma: Q[][]): Q[][] {
  const N = game.sizes.length;
  const total = numProfiles(game.sizes);
  const out = game.sizes.map((n) => new Array<Q>(n).fill(Q.ZERO));
  for (let i = 0; i < total; i++) {
    const actions = profileActions(game.sizes, i);
    for (let p = 0; p < N; p++) {
      let w = Q.ONE;
      for (let q = 0; q < N && !w.isZero(); q++) if (q !== p) w = w.mul(sigma[q][actions[q]]);
      if (!w.isZero()) out[p][actions[p]] = out[p][actions[p]].add(w.mul(game.payoffs[p][i]));
    }
  }
  return out;
}

/** Whether every action a player uses pays the most it can get against the others. */
export function isExactEquilibrium(game: NormalForm, sigma: Q[][]): boolean {
  const dev = exactDeviationValues(game, sigma);
  return dev.every((values, p) => {
    const best = values.reduce((a, b) => (b.cmp(a) > 0 ? b : a));
    return sigma[p].every((x, a) => x.isZero() || values[a].eq(best));
  });
}

/** The rational with the smallest denominator within `tolerance` of x (continued fractions). */
export function simplestRational(x: number, tolerance: number): Q {
  const lo = x - tolerance;
  const hi = x + tolerance;
  // Stern–Brocot descent by continued-fraction steps, on doubles (denominators stay small).
  let [p0, q0, p1, q1] = [0, 1, 1, 0];
  let v = x;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(v);
    const [p2, q2] = [a * p1 + p0, a * q1 + q0];
    if (!Number.isSafeInteger(p2) || !Number.isSafeInteger(q2)) break;
    const approx = p2 / q2;
    if (approx >= lo && approx <= hi) return Q.of(BigInt(p2), BigInt(q2));
    [p0, q0, p1, q1] = [p1, q1, p2, q2];
    const frac = v - a;
    if (frac === 0) break;
    v = 1 / frac;
  }
  return Q.fromFloat64(x);
}

/** The found point as exact rationals that pass the exact check, or undefined. */
export function exactPoint(game: NormalForm, strategies: number[][]): Q[][] | undefined {
  for (const tolerance of [1e-9, 1e-12, 1e-7]) {
    const sigma = strategies.map((s) => {
      const support = s.flatMap((x, a) => (x > 0 ? [a] : []));
      const out = s.map(() => Q.ZERO);
      let rest = Q.ONE;
      support.forEach((a, k) => {
        if (k === support.length - 1) out[a] = rest;
        else {
          out[a] = simplestRational(s[a], tolerance);
          rest = rest.sub(out[a]);
        }
      });
      return out;
    });
    if (sigma.some((s) => s.some((x) => x.sign() < 0))) continue;
    if (isExactEquilibrium(game, sigma)) return sigma;
  }
  return undefined;
}

/**
 * Whether the exact equilibrium is provably isolated: every unused action pays strictly
 * less (quasi-strict), and the indifference system of its supports has a nonsingular
 * Jacobian there (so it is a regular equilibrium, which no other equilibrium approaches).
 */
export function provenIsolated(game: NormalForm, sigma: Q[][]): boolean {
  const N = game.sizes.length;
  const dev = exactDeviationValues(game, sigma);
  const supports = sigma.map((s) => s.flatMap((x, a) => (x.isZero() ? [] : [a])));
  for (let p = 0; p < N; p++) {
    const v = dev[p][supports[p][0]];
    for (let a = 0; a < game.sizes[p]; a++) if (!supports[p].includes(a) && dev[p][a].cmp(v) >= 0) return false;
  }
  if (supports.every((s) => s.length === 1)) return true;
  // The Jacobian takes one pass over the profiles per entry: unproven (false) past a budget.
  const size = supports.reduce((t, s) => t + s.length, 0);
  if (size * size * numProfiles(game.sizes) > 4_000_000) return false;
  // Unknowns: σ_p,a for a in S_p, then v_p. Rows: U_p(a) − v_p for a in S_p, then Σ σ_p − 1.
  const unknowns: { p: number; a: number }[] = [];
  supports.forEach((s, p) => s.forEach((a) => unknowns.push({ p, a })));
  const U = unknowns.length + N;
  const J: Q[][] = [];
  supports.forEach((s, p) => {
    for (const a of s) {
      const row = new Array<Q>(U).fill(Q.ZERO);
      unknowns.forEach(({ p: q, a: b }, col) => {
        if (q === p) return;
        // ∂U_p(a)/∂σ_q,b = U_p(a, b, σ_-pq).
        const pinned = sigma.map((x, r) => (r === q ? x.map((_, c) => (c === b ? Q.ONE : Q.ZERO)) : x));
        row[col] = exactDeviationValues(game, pinned)[p][a];
      });
      row[unknowns.length + p] = Q.ONE.neg();
      J.push(row);
    }
    const sum = new Array<Q>(U).fill(Q.ZERO);
    unknowns.forEach(({ p: q }, col) => {
      if (q === p) sum[col] = Q.ONE;
    });
    J.push(sum);
  });
  return nonsingular(J);
}

function nonsingular(M: Q[][]): boolean {
  const A = M.map((r) => r.slice());
  const n = A.length;
  for (let c = 0; c < n; c++) {
    let r = c;
    while (r < n && A[r][c].isZero()) r++;
    if (r === n) return false;
    [A[c], A[r]] = [A[r], A[c]];
    for (let k = c + 1; k < n; k++) {
      if (A[k][c].isZero()) continue;
      const f = A[k][c].div(A[c][c]);
      for (let j = c; j < n; j++) A[k][j] = A[k][j].sub(f.mul(A[c][j]));
    }
  }
  return true;
}

/** Whether two exact equilibria differ in exactly one player's strategy (then a segment of equilibria joins them). */
export function differInOnePlayer(a: Q[][], b: Q[][]): boolean {
  let differing = 0;
  for (let p = 0; p < a.length; p++) if (a[p].some((x, k) => !x.eq(b[p][k]))) differing++;
  return differing === 1;
}

/**
 * The extreme points of F_p(σ) = { τ : (τ, σ_-p) is an equilibrium } for each player p: the
 * other players keep their strategies, p may move within its best responses as long as the
 * others' supports stay best responses (linear conditions in τ). Every point of F_p(σ) is
 * joined to σ by a segment of equilibria, so these points extend σ's component. Found by
 * brute force over active constraints; players with more than `maxBest` best responses
 * are skipped.
 */
export function segmentEnds(game: NormalForm, sigma: Q[][], maxBest = 4): Q[][][] {
  const out: Q[][][] = [];
  const dev = exactDeviationValues(game, sigma);
  for (let p = 0; p < game.sizes.length; p++) {
    const top = dev[p].reduce((a, b) => (b.cmp(a) > 0 ? b : a));
    const best = dev[p].flatMap((v, a) => (v.eq(top) ? [a] : []));
    const k = best.length;
    if (k < 2 || k > maxBest) continue;
    // W[q][x][c]: q's payoff for x when p plays best[c] (others as in σ).
    const W = game.sizes.map((_, q) =>
      q === p
        ? []
        : best.map(
            (c) =>
              exactDeviationValues(
                game,
                sigma.map((s, r) => (r === p ? s.map((_, b) => (b === c ? Q.ONE : Q.ZERO)) : s)),
              )[q],
          ),
    );
    // Inequalities g·τ ≥ 0: τ_c ≥ 0, then U_q(a) − U_q(b) ≥ 0 for a in supp σ_q.
    const rows: Q[][] = best.map((_, c) => best.map((__, d) => (c === d ? Q.ONE : Q.ZERO)));
    for (let q = 0; q < game.sizes.length; q++) {
      if (q === p) continue;
      sigma[q].forEach((x, a) => {
        if (x.isZero()) return;
        for (let b = 0; b < game.sizes[q]; b++) if (b !== a) rows.push(best.map((_, c) => W[q][c][a].sub(W[q][c][b])));
      });
    }
    const seen = new Set<string>();
    const choose = (start: number, picked: number[]) => {
      if (picked.length === k - 1) {
        const M = [...picked.map((r) => [...rows[r], Q.ZERO]), [...best.map(() => Q.ONE), Q.ONE]];
        const tau = solveSquare(M);
        if (!tau || tau.some((t) => t.sign() < 0)) return;
        if (rows.some((g) => qdot(g, tau).sign() < 0)) return;
        const key = tau.join(",");
        if (seen.has(key)) return;
        seen.add(key);
        const point = sigma.map((s) => s.slice());
        point[p] = point[p].map(() => Q.ZERO);
        best.forEach((a, c) => (point[p][a] = tau[c]));
        out.push(point);
        return;
      }
      for (let r = start; r < rows.length; r++) {
        picked.push(r);
        choose(r + 1, picked);
        picked.pop();
      }
    };
    if (binomial(rows.length, k - 1) <= 20_000) choose(0, []);
  }
  return out;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 0; i < k; i++) r = (r * (n - i)) / (i + 1);
  return r;
}

function qdot(a: Q[], b: Q[]): Q {
  let s = Q.ZERO;
  for (let i = 0; i < a.length; i++) s = s.add(a[i].mul(b[i]));
  return s;
}

/** Solves the square system M[.][0..n-1] x = M[.][n] exactly; undefined if singular. */
function solveSquare(M: Q[][]): Q[] | undefined {
  const A = M.map((r) => r.slice());
  const n = A.length;
  for (let c = 0; c < n; c++) {
    let r = c;
    while (r < n && A[r][c].isZero()) r++;
    if (r === n) return undefined;
    [A[c], A[r]] = [A[r], A[c]];
    const inv = Q.ONE.div(A[c][c]);
    for (let j = c; j <= n; j++) A[c][j] = A[c][j].mul(inv);
    for (let k = 0; k < n; k++) {
      if (k === c || A[k][c].isZero()) continue;
      const f = A[k][c];
      for (let j = c; j <= n; j++) A[k][j] = A[k][j].sub(f.mul(A[c][j]));
    }
  }
  return A.map((r) => r[n]);
}
