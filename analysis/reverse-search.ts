import { checkDeadline, type Deadline } from "./deadline.js";

/**
 * Every vertex of a polytope { z ≥ 0 : M z ≤ 1 } (every column of M with a positive entry,
 * so the polytope is bounded and the origin is a nondegenerate vertex), by the reverse
 * search of Avis and Fukuda (1992), as lrs does it:
 *
 *   - The simplex method with Bland's rule, minimising Σ z, walks from any feasible basis to
 *     the one optimal basis (all slacks basic: the origin). Each basis's first Bland pivot
 *     names its parent, so the feasible bases form a tree rooted at the origin.
 *   - The search walks that tree depth first from the root: from a basis it tries every
 *     primal-feasible pivot and descends only where the neighbour's Bland pivot leads back.
 *     Whether it does is decided from the current dictionary alone, without pivoting.
 *
 * Memory is the dictionaries on the current path (its length is a simplex path), not the
 * bases seen. Arithmetic is exact integer pivoting on BigInt: every dictionary entry is a
 * minor of the constraint matrix, the current determinant `det` its common denominator.
 * Every feasible basis is visited once, so degenerate vertices (several bases) are reported
 * once each through a set of their keys; nondegenerate ones need no memory at all.
 */

export interface PolytopeVertex {
  /** Coordinates as numerators over `det`. */
  z: bigint[];
  det: bigint;
  /** Bit k set: label k (a variable at 0 or a tight constraint). */
  labels: bigint;
  /** More than the dimension's worth of labels (several bases). */
  degenerate: boolean;
}

export class BasisLimitError extends Error {}

export interface ReverseSearchOptions {
  /** Stop with BasisLimitError after visiting this many bases. */
  maxBases?: number;
  /** Stop with BasisLimitError after this many milliseconds. */
  deadline?: number;
  /** An analysis's time budget: stops with `AnalysisStopped` once it is spent. */
  stop?: Deadline;
}

/**
 * Calls `visit` on every vertex (the origin included) of { z ≥ 0 : M z ≤ 1 }, where M has K
 * rows and V columns; variable v carries label `varLabel[v]`, the slack of row k
 * `slackLabel[k]`. Returns the number of bases visited.
 */
export function reverseSearchVertices(
  M: bigint[][],
  varLabel: number[],
  slackLabel: number[],
  visit: (v: PolytopeVertex) => void,
  options: ReverseSearchOptions = {},
): number {
  const K = M.length;
  const V = varLabel.length;
  const maxBases = options.maxBases ?? Infinity;
  // Variables 0..V-1 are the z's, V..V+K-1 the slacks. Dictionary: rows are the basic
  // variables (`basis[k]`), columns the nonbasic ones (`cobasis[j]`), then the right-hand
  // side; row K is the objective Σ z (its entries are reduced costs times det).
  const RHS = V;
  const root: Frame = {
    T: [...M.map((row) => [...row, 1n]), [...new Array<bigint>(V).fill(1n), 0n]],
    basis: Array.from({ length: K }, (_, k) => V + k),
    cobasis: Array.from({ length: V }, (_, v) => v),
    det: 1n,
    j: 0,
    r: 0,
  };
  const labelOf = (variable: number) => BigInt(variable < V ? varLabel[variable] : slackLabel[variable - V]);
  const seenDegenerate = new Set<string>();
  let bases = 0;
  const report = (f: Frame) => {
    bases++;
    if (bases > maxBases) throw new BasisLimitError(`more than ${maxBases.toLocaleString("en-US")} bases`);
    if ((bases & 1023) === 0 && options.deadline !== undefined && Date.now() > options.deadline)
      throw new BasisLimitError("the time limit");
    if ((bases & 63) === 0) checkDeadline(options.stop);
    const z = new Array<bigint>(V).fill(0n);
    let labels = 0n;
    let degenerate = false;
    for (const v of f.cobasis) labels |= 1n << labelOf(v);
    for (let k = 0; k < K; k++) {
      const value = f.T[k][RHS];
      const b = f.basis[k];
      if (b < V) z[b] = value;
      if (value === 0n) {
        labels |= 1n << labelOf(b);
        degenerate = true;
      }
    }
    if (degenerate) {
      // Coordinates over det are not canonical across bases: normalise by the gcd.
      const canonical = canonicalKey(z, f.det);
      if (seenDegenerate.has(canonical)) return;
      seenDegenerate.add(canonical);
    }
    visit({ z, det: f.det, labels, degenerate });
  };
  const stack: Frame[] = [root];
  report(root);
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    const child = nextChild(f, K, V);
    if (!child) {
      stack.pop();
      continue;
    }
    stack.push(child);
    report(child);
  }
  return bases;
}

interface Frame {
  T: bigint[][];
  basis: number[];
  cobasis: number[];
  det: bigint;
  /** Where the search of this frame's children resumes: column j, the r-th of its minimum-ratio rows. */
  j: number;
  r: number;
  rows?: number[];
}

function canonicalKey(z: bigint[], det: bigint): string {
  let g = det;
  for (const x of z) g = gcdBig(g, x);
  return z.map((x) => (x / g).toString()).join(",") + "/" + (det / g).toString();
}

function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The next child of `f` in the reverse-search tree (advancing f's cursor), or undefined. */
function nextChild(f: Frame, K: number, V: number): Frame | undefined {
  const { T, basis, cobasis } = f;
  const obj = T[K];
  for (; f.j < V; f.j++, f.r = 0, f.rows = undefined) {
    const j = f.j;
    // A child lies further from the optimum: entering here must not improve (reduced cost > 0).
    if (obj[j] <= 0n) continue;
    const s = cobasis[j];
    f.rows ??= minRatioRows(T, K, j, V);
    for (; f.r < f.rows.length; f.r++) {
      const r = f.rows[f.r];
      if (!isChild(T, K, V, basis, cobasis, j, r, s)) continue;
      f.r++;
      return pivot(f, r, j, K, V);
    }
  }
  return undefined;
}

/** The rows attaining the minimum ratio rhs/T[.][j] over rows with a positive entry. */
function minRatioRows(T: bigint[][], K: number, j: number, RHS: number): number[] {
  let rows: number[] = [];
  let bestNum = 0n;
  let bestDen = 0n;
  for (let k = 0; k < K; k++) {
    const a = T[k][j];
    if (a <= 0n) continue;
    const b = T[k][RHS];
    if (rows.length === 0) {
      rows = [k];
      bestNum = b;
      bestDen = a;
      continue;
    }
    // b/a vs bestNum/bestDen
    const c = b * bestDen - bestNum * a;
    if (c < 0n) {
      rows = [k];
      bestNum = b;
      bestDen = a;
    } else if (c === 0n) rows.push(k);
  }
  return rows;
}

/**
 * Whether Bland's rule, at the basis reached by pivoting s (column j) in for basis[r], pivots
 * straight back: the leaving variable u = basis[r] is then the smallest-index nonbasic
 * variable with a negative reduced cost, and among the rows tied at the minimum ratio in
 * u's column, the one where s is basic has the smallest basic index.
 */
function isChild(
  T: bigint[][],
  K: number,
  V: number,
  basis: number[],
  cobasis: number[],
  j: number,
  r: number,
  s: number,
): boolean {
  const RHS = V;
  const u = basis[r];
  const obj = T[K];
  const p = T[r][j];
  // New reduced cost of u is −obj[j]/det < 0 (obj[j] > 0 was checked). For every other
  // nonbasic c < u: sign of (obj[c]·p − obj[j]·T[r][c]) must be ≥ 0.
  for (let c = 0; c < V; c++) {
    if (c === j) continue;
    const v = cobasis[c];
    if (v >= u) continue;
    if (obj[c] * p - obj[j] * T[r][c] < 0n) return false;
  }
  // Ratio test in u's column at the new basis: rows k ≠ r with T[k][j] < 0 have ratios ≥ row
  // r's, tied exactly when T[k][RHS] = 0; Bland takes the smallest basic index among ties.
  for (let k = 0; k < K; k++) {
    if (k === r) continue;
    if (T[k][j] < 0n && T[k][RHS] === 0n && basis[k] < s) return false;
  }
  return true;
}

/** Integer pivot on (r, j) into a new frame: the dictionary stays integral, scaled by det. */
function pivot(f: Frame, r: number, j: number, K: number, V: number): Frame {
  const { T, det } = f;
  const p = T[r][j];
  const pr = T[r];
  const next: bigint[][] = new Array(K + 1);
  for (let k = 0; k <= K; k++) {
    if (k === r) {
      const row = pr.slice();
      row[j] = det;
      next[k] = row;
      continue;
    }
    const row = T[k];
    const a = row[j];
    const out = new Array<bigint>(V + 1);
    if (a === 0n) {
      for (let c = 0; c <= V; c++) out[c] = (row[c] * p) / det;
    } else {
      for (let c = 0; c <= V; c++) out[c] = (row[c] * p - a * pr[c]) / det;
    }
    out[j] = -a;
    next[k] = out;
  }
  const basis = f.basis.slice();
  const cobasis = f.cobasis.slice();
  [basis[r], cobasis[j]] = [cobasis[j], basis[r]];
  return { T: next, basis, cobasis, det: p, j: 0, r: 0 };
}
