import { numProfiles, type NormalForm } from "./normal-form.js";
import { lcm, Q } from "./rational.js";
import { BasisLimitError, reverseSearchVertices, type PolytopeVertex } from "./reverse-search.js";
import type { Deadline } from "./deadline.js";

/**
 * Every Nash equilibrium of a two-player game, exactly, degenerate games included.
 *
 * The method is the extreme-equilibrium enumeration of Avis, Rosenberg, Savani and von
 * Stengel (2010): with payoffs shifted to be positive, the best-response polytopes
 *
 *     P = { x ≥ 0 : Bᵀx ≤ 1 }      Q = { y ≥ 0 : A y ≤ 1 }
 *
 * have labels (a row i where x_i = 0 or (A y)_i = 1, a column j where (Bᵀx)_j = 1 or
 * y_j = 0), and the extreme equilibria are the completely labelled pairs of nonzero
 * vertices, normalised. Vertices are found by reverse search (Bland's rule) with exact
 * integer pivoting (analysis/reverse-search.ts: every feasible basis of every degenerate
 * vertex is visited, so no vertex is missed, and memory stays at one simplex path). Every equilibrium is a convex
 * combination inside a "maximal Nash
 * subset" conv(X) × conv(Y) (a maximal biclique of the graph of extreme equilibria), and
 * the connected components of the equilibrium set are the unions of the maximal Nash
 * subsets that share extreme equilibria.
 */

export interface ExactEquilibrium {
  /** One exact probability vector per player. */
  strategies: [Q[], Q[]];
  payoffs: [Q, Q];
  /** Index of the player-1 and player-2 extreme strategies (into `xs` and `ys`). */
  x: number;
  y: number;
}

export interface NashSubset {
  /** Indices into `xs` and `ys`: the subset is conv(xs) × conv(ys). */
  xs: number[];
  ys: number[];
}

export interface EquilibriumComponent {
  /** Indices into `equilibria`. */
  equilibria: number[];
  subsets: NashSubset[];
  /** A single point. */
  isolated: boolean;
}

export interface BimatrixResult {
  equilibria: ExactEquilibrium[];
  /** Distinct extreme strategies of each player that appear in an equilibrium. */
  xs: Q[][];
  ys: Q[][];
  components: EquilibriumComponent[];
  /** Bases visited in each polytope. */
  bases: [number, number];
}

export class TooLargeError extends Error {}

export interface BimatrixOptions {
  /** Most bases visited per best-response polytope (default 1,000,000). */
  maxBases?: number;
  /** Give up (TooLargeError) after this many milliseconds (default: no limit). */
  timeLimitMs?: number;
  /** An analysis's time budget: stops with `AnalysisStopped` (not a fallback) once it is spent. */
  deadline?: Deadline;
}

/** The payoff matrices of a two-player game as integers (each scaled by a positive constant), shifted to be ≥ 1. */
function positiveIntegerMatrices(A: Q[][], B: Q[][]): [bigint[][], bigint[][]] {
  const convert = (M: Q[][]) => {
    let den = 1n;
    for (const row of M) for (const q of row) den = lcm(den, q.d);
    const ints = M.map((row) => row.map((q) => (q.n * den) / q.d));
    let min = ints[0][0];
    for (const row of ints) for (const v of row) if (v < min) min = v;
    return ints.map((row) => row.map((v) => v - min + 1n));
  };
  return [convert(A), convert(B)];
}

/**
 * All equilibria of the bimatrix game (A, B): A[i][j] and B[i][j] are the row and column
 * player's payoffs. The vertices of both best-response polytopes are enumerated by reverse
 * search; player 1's are kept (label sets and coordinates), player 2's are matched against
 * them as they stream past. Throws TooLargeError past the limits.
 */
export function bimatrixEquilibria(A: Q[][], B: Q[][], options: BimatrixOptions | number = {}): BimatrixResult {
  const opts = typeof options === "number" ? { maxBases: options } : options;
  const search = {
    maxBases: opts.maxBases ?? 1_000_000,
    deadline: opts.timeLimitMs === undefined ? undefined : Date.now() + opts.timeLimitMs,
    stop: opts.deadline,
  };
  const m = A.length;
  const n = A[0].length;
  const [Ai, Bi] = positiveIntegerMatrices(A, B);
  const all = (1n << BigInt(m + n)) - 1n;
  // P: variables x_i (label i), constraints (Bᵀx)_j ≤ 1 (slack label m + j).
  const BT = Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, i) => Bi[i][j]));
  const px: PolytopeVertex[] = [];
  /** Nondegenerate x's by the labels a partner must have (exactly n of them). */
  const byComplement = new Map<bigint, number[]>();
  const degenerateX: number[] = [];
  const basesP = enumerate(
    BT,
    Array.from({ length: m }, (_, i) => i),
    Array.from({ length: n }, (_, j) => m + j),
    search,
    (v) => {
      if (v.z.every((c) => c === 0n)) return;
      const index = px.length;
      px.push(v);
      if (v.degenerate) degenerateX.push(index);
      else {
        const need = all & ~v.labels;
        const list = byComplement.get(need);
        if (list) list.push(index);
        else byComplement.set(need, [index]);
      }
    },
  );
  // Partners in Q. A nondegenerate x fixes n labels of its partner, which determine it by a
  // k × k system (k the size of x's support): solve it exactly and check it lies in Q, as
  // lrsnash does with an LP per vertex. A degenerate x (or a singular system) has a face of
  // partners: enumerate the vertices of Q restricted to x's best responses, or, when many
  // such x's differ in those, all of Q, and match label sets.
  const qy: PolytopeVertex[] = [];
  const pairs: [number, number][] = [];
  const yIndexByKey = new Map<string, number>();
  const addPair = (a: number, y: PolytopeVertex) => {
    const key = vertexKey(y);
    let b = yIndexByKey.get(key);
    if (b === undefined) {
      b = qy.length;
      yIndexByKey.set(key, b);
      qy.push(y);
    }
    pairs.push([a, b]);
  };
  const unresolved: number[] = [...degenerateX];
  for (const list of byComplement.values()) {
    for (const a of list) {
      const y = partnerBySolving(Ai, px[a].labels, m, n);
      if (y === undefined) unresolved.push(a);
      else if (y !== null) addPair(a, y);
    }
  }
  let basesQ = 0;
  const bestResponses = (labels: bigint) =>
    Array.from({ length: n }, (_, j) => j).filter((j) => ((labels >> BigInt(m + j)) & 1n) === 1n);
  const groups = new Map<string, number[]>();
  for (const a of unresolved) {
    const key = bestResponses(px[a].labels).join(",");
    const list = groups.get(key);
    if (list) list.push(a);
    else groups.set(key, [a]);
  }
  if (groups.size > 16) {
    // Q: variables y_j (label m + j), constraints (A y)_i ≤ 1 (slack label i).
    basesQ = enumerate(
      Ai,
      Array.from({ length: n }, (_, j) => m + j),
      Array.from({ length: m }, (_, i) => i),
      search,
      (v) => {
        if (v.z.every((c) => c === 0n)) return;
        const need = all & ~v.labels;
        for (const a of unresolved) if ((px[a].labels & need) === need) addPair(a, v);
      },
    );
  } else {
    for (const members of groups.values()) {
      // Q restricted to the columns T: its vertices, padded with y_j = 0 (label m + j) off T.
      const T = bestResponses(px[members[0]].labels);
      if (T.length === 0) continue;
      let off = 0n;
      for (let j = 0; j < n; j++) if (!T.includes(j)) off |= 1n << BigInt(m + j);
      const AT = Ai.map((row) => T.map((j) => row[j]));
      basesQ += enumerate(
        AT,
        T.map((j) => m + j),
        Array.from({ length: m }, (_, i) => i),
        search,
        (v) => {
          if (v.z.every((c) => c === 0n)) return;
          const z = new Array<bigint>(n).fill(0n);
          T.forEach((j, c) => (z[j] = v.z[c]));
          const y: PolytopeVertex = { z, det: v.det, labels: v.labels | off, degenerate: v.degenerate };
          const need = all & ~y.labels;
          for (const a of members) if ((px[a].labels & need) === need) addPair(a, y);
        },
      );
    }
  }
  pairs.sort((p, q) => p[0] - q[0] || p[1] - q[1]);
  const normalise = (v: PolytopeVertex): Q[] => {
    const sum = v.z.reduce((a, b) => a + b, 0n);
    return v.z.map((c) => Q.of(c, sum));
  };
  const xIndex = new Map<number, number>();
  const yIndex = new Map<number, number>();
  const xs: Q[][] = [];
  const ys: Q[][] = [];
  for (const [a, b] of pairs) {
    if (!xIndex.has(a)) {
      xIndex.set(a, xs.length);
      xs.push(normalise(px[a]));
    }
    if (!yIndex.has(b)) {
      yIndex.set(b, ys.length);
      ys.push(normalise(qy[b]));
    }
  }
  const equilibria: ExactEquilibrium[] = pairs.map(([a, b]) => {
    const x = xs[xIndex.get(a)!];
    const y = ys[yIndex.get(b)!];
    return {
      strategies: [x, y],
      payoffs: [bilinear(x, A, y), bilinear(x, B, y)],
      x: xIndex.get(a)!,
      y: yIndex.get(b)!,
    };
  });
  // Order: by player 1's strategy, most weight on early actions first (pure ones lead).
  const order = equilibria.map((_, i) => i).sort((i, j) => compareProfiles(equilibria[i], equilibria[j]));
  const sorted = order.map((i) => equilibria[i]);
  return { equilibria: sorted, xs, ys, components: components(sorted, xs.length, ys.length), bases: [basesP, basesQ] };
}

/**
 * The partner in Q of a nondegenerate vertex x of P with label set `labels`: y_j = 0 off
 * x's best responses T, (A y)_i = 1 on x's support S, solved exactly by fraction-free
 * Gauss–Jordan elimination, then checked (y ≥ 0, (A y)_i ≤ 1 elsewhere). Null when it is
 * not in Q; undefined when the system is singular (the partners then form a face).
 */
function partnerBySolving(Ai: bigint[][], labels: bigint, m: number, n: number): PolytopeVertex | null | undefined {
  const S: number[] = [];
  for (let i = 0; i < m; i++) if (((labels >> BigInt(i)) & 1n) === 0n) S.push(i);
  const T: number[] = [];
  for (let j = 0; j < n; j++) if (((labels >> BigInt(m + j)) & 1n) === 1n) T.push(j);
  const k = S.length;
  if (T.length !== k) return undefined;
  const M = S.map((i) => [...T.map((j) => Ai[i][j]), 1n]);
  let prev = 1n;
  for (let t = 0; t < k; t++) {
    let r = t;
    while (r < k && M[r][t] === 0n) r++;
    if (r === k) return undefined;
    if (r !== t) [M[r], M[t]] = [M[t], M[r]];
    const p = M[t][t];
    const pr = M[t];
    // Integer pivoting: the pivot row stays, the others are divided by the previous pivot.
    for (let i = 0; i < k; i++) {
      if (i === t) continue;
      const row = M[i];
      const f = row[t];
      for (let c = 0; c <= k; c++) row[c] = (row[c] * p - f * pr[c]) / prev;
    }
    prev = p;
  }
  // Now M = det·I | det·y_T, with det = prev (possibly negative).
  const sign = prev < 0n ? -1n : 1n;
  const det = prev * sign;
  const yT = M.map((row) => row[k] * sign);
  if (yT.some((v) => v < 0n)) return null;
  for (let i = 0; i < m; i++) {
    if (((labels >> BigInt(i)) & 1n) === 0n) continue;
    let s = 0n;
    for (let c = 0; c < k; c++) s += Ai[i][T[c]] * yT[c];
    if (s > det) return null;
  }
  const z = new Array<bigint>(n).fill(0n);
  T.forEach((j, c) => (z[j] = yT[c]));
  return { z, det, labels: 0n, degenerate: false };
}

/** The same vertex gives the same key whatever basis or system it came from. */
function vertexKey(v: PolytopeVertex): string {
  const g = v.z.reduce((x, y) => gcdBig(x, y), v.det);
  return v.z.map((c) => (c / g).toString()).join(",") + "/" + (v.det / g).toString();
}

function gcdBig(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

function enumerate(
  M: bigint[][],
  varLabel: number[],
  slackLabel: number[],
  search: { maxBases: number; deadline?: number },
  visit: (v: PolytopeVertex) => void,
): number {
  try {
    return reverseSearchVertices(M, varLabel, slackLabel, visit, search);
  } catch (error) {
    if (error instanceof BasisLimitError) throw new TooLargeError(`the vertex enumeration stopped at ${error.message}`);
    throw error;
  }
}

function compareProfiles(a: ExactEquilibrium, b: ExactEquilibrium): number {
  const pa = a.strategies.every((s) => s.filter((q) => !q.isZero()).length === 1);
  const pb = b.strategies.every((s) => s.filter((q) => !q.isZero()).length === 1);
  if (pa !== pb) return pa ? -1 : 1;
  for (let p = 0; p < 2; p++) {
    for (let i = 0; i < a.strategies[p].length; i++) {
      const c = b.strategies[p][i].cmp(a.strategies[p][i]);
      if (c !== 0) return c;
    }
  }
  return 0;
}

export function bilinear(x: Q[], M: Q[][], y: Q[]): Q {
  let s = Q.ZERO;
  for (let i = 0; i < x.length; i++) {
    if (x[i].isZero()) continue;
    let r = Q.ZERO;
    for (let j = 0; j < y.length; j++) if (!y[j].isZero()) r = r.add(M[i][j].mul(y[j]));
    s = s.add(x[i].mul(r));
  }
  return s;
}

/** Maximal Nash subsets (maximal bicliques) and the connected components they form. */
function components(equilibria: ExactEquilibrium[], nx: number, ny: number): EquilibriumComponent[] {
  const neighbours: bigint[] = new Array(nx).fill(0n);
  for (const e of equilibria) neighbours[e.x] |= 1n << BigInt(e.y);
  // Closed sets of y's: the intersections of neighbourhoods (formal concepts).
  const intents = new Set<bigint>();
  for (const nb of neighbours) {
    const fresh: bigint[] = [nb];
    for (const s of intents) {
      const i = s & nb;
      if (i !== 0n) fresh.push(i);
    }
    for (const f of fresh) intents.add(f);
    if (intents.size > 100_000) break;
  }
  const subsets: NashSubset[] = [];
  for (const intent of intents) {
    const xs: number[] = [];
    for (let x = 0; x < nx; x++) if ((neighbours[x] & intent) === intent) xs.push(x);
    const ys: number[] = [];
    for (let y = 0; y < ny; y++) if ((intent >> BigInt(y)) & 1n) ys.push(y);
    subsets.push({ xs, ys });
  }
  // Components: union-find over x and y nodes joined by equilibria.
  const parent = Array.from({ length: nx + ny }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (const e of equilibria) parent[find(e.x)] = find(nx + e.y);
  const groups = new Map<number, EquilibriumComponent>();
  equilibria.forEach((e, i) => {
    const root = find(e.x);
    if (!groups.has(root)) groups.set(root, { equilibria: [], subsets: [], isolated: false });
    groups.get(root)!.equilibria.push(i);
  });
  for (const s of subsets) groups.get(find(s.xs[0]))!.subsets.push(s);
  const out = [...groups.values()];
  for (const c of out) {
    c.isolated = c.equilibria.length === 1;
    c.subsets.sort((a, b) => a.xs[0] - b.xs[0] || a.ys[0] - b.ys[0]);
  }
  return out.sort((a, b) => a.equilibria[0] - b.equilibria[0]);
}

/** The two payoff matrices of a two-player normal form. */
export function matrices(game: NormalForm): [Q[][], Q[][]] {
  const [m, n] = game.sizes;
  if (game.sizes.length !== 2 || numProfiles(game.sizes) !== m * n) throw new RangeError("not a two-player game");
  const A = Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => game.payoffs[0][i * n + j]));
  const B = Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => game.payoffs[1][i * n + j]));
  return [A, B];
}
