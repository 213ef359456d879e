import { floatPayoffs, numProfiles, payoffRange, type NormalForm } from "./normal-form.js";
import { prng } from "../language/util/prng.js";
import { checkDeadline, type Deadline } from "./deadline.js";

/**
 * Approximate mixed equilibria of games with any number of players, in floating point,
 * each with the epsilon of its Nash check: the most any player could gain by deviating.
 *
 * Two searches feed one polish and one check:
 *   - support enumeration (small games): for every profile of supports, Newton's method
 *     on the indifference equations (each player's actions in its support pay the same),
 *     from several starting points;
 *   - replicator dynamics (any size) from several starts, whose end points give supports.
 * A candidate is kept when its probabilities are nonnegative and its epsilon is at most
 * `tolerance` × the payoff range. This finds equilibria, not provably all of them.
 */

export interface ApproxEquilibrium {
  strategies: number[][];
  payoffs: number[];
  /** max over players of (best deviation payoff − equilibrium payoff). */
  epsilon: number;
  /**
   * False when the equilibrium lies on a continuum (the indifference system is singular
   * there): it is then one representative point of that set.
   */
  isolated: boolean;
}

export interface ApproxOptions {
  /** Accept candidates with epsilon ≤ tolerance × payoff range (default 1e-9). */
  tolerance?: number;
  /** Starting points per support and for the replicator dynamics (default 4 and 16). */
  starts?: number;
  replicatorStarts?: number;
  /** Enumerate supports when there are at most this many support profiles (default 4096). */
  maxSupports?: number;
  seed?: number;
  /** Stop after roughly this many payoff-table passes (a pass is one sweep of every profile). */
  budget?: number;
  /** Most equilibria reported (default 100). */
  maxFound?: number;
  /** An analysis's time budget: stops with `AnalysisStopped` once it is spent. */
  deadline?: Deadline;
}

export interface ApproxResult {
  equilibria: ApproxEquilibrium[];
  /** Which searches ran. */
  supportEnumeration: boolean;
  replicator: boolean;
  /** The acceptance threshold, in payoff units. */
  threshold: number;
  /** True when the budget ran out before every search finished. */
  truncated: boolean;
}

class Evaluator {
  readonly sizes: number[];
  readonly values: Float64Array[];
  readonly total: number;
  passes = 0;
  constructor(game: NormalForm) {
    this.sizes = game.sizes;
    this.values = floatPayoffs(game);
    this.total = numProfiles(game.sizes);
  }

  /** `out[p][a]`: player p's expected payoff for action a against the others' mixed strategies. */
  deviationValues(sigma: number[][]): number[][] {
    this.passes++;
    const N = this.sizes.length;
    const out = this.sizes.map((n) => new Array<number>(n).fill(0));
    const actions = new Array<number>(N).fill(0);
    const prefix = new Array<number>(N + 1);
    const suffix = new Array<number>(N + 1);
    for (let i = 0; i < this.total; i++) {
      prefix[0] = 1;
      for (let p = 0; p < N; p++) prefix[p + 1] = prefix[p] * sigma[p][actions[p]];
      suffix[N] = 1;
      for (let p = N - 1; p >= 0; p--) suffix[p] = suffix[p + 1] * sigma[p][actions[p]];
      for (let p = 0; p < N; p++) {
        const w = prefix[p] * suffix[p + 1];
        if (w !== 0) out[p][actions[p]] += w * this.values[p][i];
      }
      // Next profile (player N-1 fastest).
      for (let p = N - 1; p >= 0; p--) {
        if (++actions[p] < this.sizes[p]) break;
        actions[p] = 0;
      }
    }
    return out;
  }

  check(sigma: number[][]): { payoffs: number[]; epsilon: number } {
    const dev = this.deviationValues(sigma);
    const payoffs = dev.map((d, p) => d.reduce((s, v, a) => s + v * sigma[p][a], 0));
    const epsilon = Math.max(0, ...dev.map((d, p) => Math.max(...d) - payoffs[p]));
    return { payoffs, epsilon };
  }
}

/** Solves A x = b in place by Gaussian elimination with partial pivoting; undefined if singular. */
function solve(A: number[][], b: number[], pivotTolerance = 1e-14): number[] | undefined {
  const n = b.length;
  for (let c = 0; c < n; c++) {
    let r = c;
    for (let k = c + 1; k < n; k++) if (Math.abs(A[k][c]) > Math.abs(A[r][c])) r = k;
    if (Math.abs(A[r][c]) < pivotTolerance) return undefined;
    [A[c], A[r]] = [A[r], A[c]];
    [b[c], b[r]] = [b[r], b[c]];
    for (let k = c + 1; k < n; k++) {
      const f = A[k][c] / A[c][c];
      if (f === 0) continue;
      for (let j = c; j < n; j++) A[k][j] -= f * A[c][j];
      b[k] -= f * b[c];
    }
  }
  const x = new Array<number>(n);
  for (let c = n - 1; c >= 0; c--) {
    let s = b[c];
    for (let j = c + 1; j < n; j++) s -= A[c][j] * x[j];
    x[c] = s / A[c][c];
  }
  return x;
}

/**
 * Newton's method on the indifference equations of a support profile. Each expected
 * payoff is affine in each single probability, so a unit step gives an exact derivative.
 */
function newton(
  ev: Evaluator,
  supports: number[][],
  start: number[][],
  scale: number,
): { sigma: number[][]; regular: boolean } | undefined {
  const N = supports.length;
  const sigma = start.map((s) => s.slice());
  const unknowns: { p: number; a: number }[] = [];
  supports.forEach((s, p) => s.forEach((a) => unknowns.push({ p, a })));
  const U = unknowns.length + N;
  const residual = (s: number[][], v: number[]): number[] => {
    const dev = ev.deviationValues(s);
    const r: number[] = [];
    supports.forEach((sup, p) => {
      for (const a of sup) r.push(dev[p][a] - v[p]);
      r.push(sup.reduce((t, a) => t + s[p][a], 0) - 1);
    });
    return r;
  };
  // Initial values: the mean payoff over the support.
  const dev0 = ev.deviationValues(sigma);
  const v = supports.map((sup, p) => sup.reduce((t, a) => t + dev0[p][a], 0) / sup.length);
  // Row order of residual(): per player, its support's equations then its sum.
  const jacobian = (r: number[]): number[][] => {
    const J: number[][] = r.map(() => new Array<number>(U).fill(0));
    unknowns.forEach(({ p, a }, col) => {
      const bumped = sigma.map((s) => s.slice());
      bumped[p][a] += 1;
      const rb = residual(bumped, v);
      for (let row = 0; row < r.length; row++) J[row][col] = rb[row] - r[row];
    });
    // d r / d v_p = -1 on player p's indifference rows.
    let row = 0;
    supports.forEach((sup, p) => {
      for (let k = 0; k < sup.length; k++) J[row + k][unknowns.length + p] = -1;
      row += sup.length + 1;
    });
    return J;
  };
  // Regular: the Jacobian at the solution is invertible, so the equilibrium is isolated.
  const regular = (r: number[]) =>
    solve(
      jacobian(r),
      r.map(() => 0),
      1e-9 * Math.max(1, scale),
    ) !== undefined;
  for (let iter = 0; iter < 40; iter++) {
    const r = residual(sigma, v);
    const norm = Math.max(...r.map(Math.abs));
    if (norm < 1e-13 * scale) return { sigma, regular: regular(r) };
    const step = solve(
      jacobian(r),
      r.map((x) => -x),
    );
    if (!step || step.some((x) => !Number.isFinite(x))) return undefined;
    unknowns.forEach(({ p, a }, col) => (sigma[p][a] += step[col]));
    supports.forEach((_, p) => (v[p] += step[unknowns.length + p]));
    if (sigma.some((s) => s.some((x) => Math.abs(x) > 1e6))) return undefined;
  }
  const r = residual(sigma, v);
  return Math.max(...r.map(Math.abs)) < 1e-9 * scale ? { sigma, regular: regular(r) } : undefined;
}

function subsetsOf(n: number): number[][] {
  const out: number[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    const s: number[] = [];
    for (let a = 0; a < n; a++) if (mask & (1 << a)) s.push(a);
    out.push(s);
  }
  return out.sort((a, b) => a.length - b.length);
}

/** Clips tiny negatives, renormalises; undefined when a probability is clearly negative. */
function clean(sigma: number[][]): number[][] | undefined {
  const out: number[][] = [];
  for (const s of sigma) {
    if (s.some((x) => x < -1e-7 || !Number.isFinite(x))) return undefined;
    const c = s.map((x) => (x < 1e-12 ? 0 : x));
    const t = c.reduce((a, b) => a + b, 0);
    if (t <= 0) return undefined;
    out.push(c.map((x) => x / t));
  }
  return out;
}

export function approximateEquilibria(game: NormalForm, options: ApproxOptions = {}): ApproxResult {
  const ev = new Evaluator(game);
  const range = payoffRange(game);
  const threshold = (options.tolerance ?? 1e-9) * range;
  const budget = options.budget ?? Math.max(200, Math.floor(2e8 / Math.max(1, ev.total * game.sizes.length)));
  const random = prng(options.seed ?? 1);
  const found: ApproxEquilibrium[] = [];
  const maxFound = options.maxFound ?? 100;
  let truncated = false;
  const consider = (sigma: number[][] | undefined, isolated: boolean) => {
    if (!sigma || found.length >= maxFound) return;
    const s = clean(sigma);
    if (!s) return;
    const { payoffs, epsilon } = ev.check(s);
    if (epsilon > threshold) return;
    for (const f of found) {
      if (f.strategies.every((fs, p) => fs.every((x, a) => Math.abs(x - s[p][a]) < 1e-6))) return;
    }
    found.push({ strategies: s, payoffs, epsilon, isolated });
  };
  const dirichlet = (support: number[], n: number): number[] => {
    const w = new Array<number>(n).fill(0);
    let t = 0;
    for (const a of support) {
      w[a] = -Math.log(1 - random());
      t += w[a];
    }
    return w.map((x) => x / t);
  };

  // Support enumeration.
  const supportCount = game.sizes.reduce((a, n) => a * (2 ** n - 1), 1);
  const maxSupports = options.maxSupports ?? 4096;
  const enumerate = supportCount <= maxSupports && game.sizes.every((n) => n <= 12);
  if (enumerate) {
    const perPlayer = game.sizes.map(subsetsOf);
    const profiles: number[][][] = [[]];
    for (const subsets of perPlayer) {
      const next: number[][][] = [];
      for (const prof of profiles) for (const s of subsets) next.push([...prof, s]);
      profiles.splice(0, profiles.length, ...next);
    }
    profiles.sort((a, b) => a.reduce((t, s) => t + s.length, 0) - b.reduce((t, s) => t + s.length, 0));
    const starts = options.starts ?? 4;
    outer: for (const supports of profiles) {
      if (supports.every((s) => s.length === 1)) {
        consider(
          supports.map((s, p) => Array.from({ length: game.sizes[p] }, (_, a) => (a === s[0] ? 1 : 0))),
          true,
        );
        continue;
      }
      for (let k = 0; k < starts; k++) {
        checkDeadline(options.deadline);
        if (ev.passes > budget) {
          truncated = true;
          break outer;
        }
        const start = supports.map((s, p) =>
          k === 0
            ? Array.from({ length: game.sizes[p] }, (_, a) => (s.includes(a) ? 1 / s.length : 0))
            : dirichlet(s, game.sizes[p]),
        );
        const result = newton(ev, supports, start, range);
        // On a continuum every start converges somewhere else: keep the first start's point only.
        if (result && (result.regular || k === 0)) consider(result.sigma, result.regular);
      }
    }
  }

  // Replicator dynamics from several starts, polished on the support they end on.
  const repStarts = options.replicatorStarts ?? (enumerate ? 0 : 16);
  for (let k = 0; k < repStarts; k++) {
    checkDeadline(options.deadline);
    if (ev.passes > budget) {
      truncated = true;
      break;
    }
    let sigma = game.sizes.map((n) =>
      k === 0
        ? new Array<number>(n).fill(1 / n)
        : dirichlet(
            Array.from({ length: n }, (_, a) => a),
            n,
          ),
    );
    const iterations = Math.min(3000, Math.max(50, Math.floor((budget - ev.passes) / Math.max(1, repStarts - k) / 2)));
    for (let it = 0; it < iterations; it++) {
      if ((it & 63) === 0) checkDeadline(options.deadline);
      const dev = ev.deviationValues(sigma);
      sigma = sigma.map((s, p) => {
        const min = Math.min(...dev[p]);
        const w = s.map((x, a) => x * (dev[p][a] - min + 0.05 * range));
        const t = w.reduce((a, b) => a + b, 0);
        return w.map((x) => x / t);
      });
    }
    const supports = sigma.map((s) => s.flatMap((x, a) => (x > 1e-3 ? [a] : [])));
    const unknowns = supports.reduce((t, s) => t + s.length, 0);
    const polished = unknowns * ev.total < 5e6 ? newton(ev, supports, sigma, range) : undefined;
    if (!polished) consider(sigma, true);
    else if (polished.regular) consider(polished.sigma, true);
    else if (k === 0) consider(polished.sigma, false);
  }
  found.sort((a, b) => {
    const pa = a.strategies.every((s) => s.filter((x) => x > 0).length === 1);
    const pb = b.strategies.every((s) => s.filter((x) => x > 0).length === 1);
    if (pa !== pb) return pa ? -1 : 1;
    for (let p = 0; p < a.strategies.length; p++)
      for (let i = 0; i < a.strategies[p].length; i++)
        if (a.strategies[p][i] !== b.strategies[p][i]) return b.strategies[p][i] - a.strategies[p][i];
    return 0;
  });
  return { equilibria: found, supportEnumeration: enumerate, replicator: repStarts > 0, threshold, truncated };
}

/** The epsilon of any mixed profile: the most a player gains by deviating. */
export function nashEpsilon(game: NormalForm, sigma: number[][]): number {
  return new Evaluator(game).check(sigma).epsilon;
}
