import { numProfiles, type NormalForm } from "./normal-form.js";
import { lcm, Q } from "./rational.js";

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
 * vertices, normalised. Vertices are found by a breadth-first walk over the feasible
 * bases with exact integer pivoting (every basis of every degenerate vertex is visited, so
 * no vertex is missed). Every equilibrium is a convex combination inside a "maximal Nash
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

interface Vertex {
  /** Coordinates (numerators over `det`). */
  z: bigint[];
  det: bigint;
  labels: bigint;
}

/**
 * Vertices of { z ≥ 0 : M z ≤ 1 } for a matrix M (K constraints × V variables) whose every
 * column has a positive entry. Variable v has label `varLabel[v]`, slack k `slackLabel[k]`.
 */
export function polytopeVertices(M: bigint[][], varLabel: number[], slackLabel: number[], maxBases: number): { vertices: Vertex[]; bases: number } {
  const K = M.length;
  const V = varLabel.length;
  const width = V + K + 1;
  const rhs = V + K;
  const initial: bigint[][] = M.map((row, k) => {
    const t = new Array<bigint>(width).fill(0n);
    for (let v = 0; v < V; v++) t[v] = row[v];
    t[V + k] = 1n;
    t[rhs] = 1n;
    return t;
  });
  type Node = { T: bigint[][]; basis: number[]; det: bigint };
  const start: Node = { T: initial, basis: initial.map((_, k) => V + k), det: 1n };
  const seen = new Set<string>([basisKey(start.basis)]);
  const queue: Node[] = [start];
  const vertices = new Map<string, Vertex>();
  let bases = 0;
  while (queue.length > 0) {
    const node = queue.shift()!;
    bases++;
    const { T, basis, det } = node;
    // The vertex of this basis.
    const z = new Array<bigint>(V).fill(0n);
    const values = new Array<bigint>(V + K).fill(0n);
    basis.forEach((c, k) => (values[c] = T[k][rhs]));
    for (let v = 0; v < V; v++) z[v] = values[v];
    let labels = 0n;
    for (let c = 0; c < V + K; c++) {
      if (values[c] === 0n) labels |= 1n << BigInt(c < V ? varLabel[c] : slackLabel[c - V]);
    }
    const key = z.map((n) => Q.of(n, det).toString()).join(",");
    if (!vertices.has(key)) vertices.set(key, { z, det, labels });
    // Every feasible pivot.
    const inBasis = new Set(basis);
    for (let e = 0; e < V + K; e++) {
      if (inBasis.has(e)) continue;
      let best: { num: bigint; den: bigint } | undefined;
      let rows: number[] = [];
      for (let k = 0; k < K; k++) {
        const a = T[k][e];
        if (a <= 0n) continue;
        const num = T[k][rhs];
        if (!best) {
          best = { num, den: a };
          rows = [k];
          continue;
        }
        const c = num * best.den - best.num * a;
        if (c < 0n) {
          best = { num, den: a };
          rows = [k];
        } else if (c === 0n) rows.push(k);
      }
      for (const r of rows) {
        const nextBasis = basis.slice();
        nextBasis[r] = e;
        const keyB = basisKey(nextBasis);
        if (seen.has(keyB)) continue;
        seen.add(keyB);
        if (seen.size > maxBases) throw new TooLargeError(`more than ${maxBases} bases`);
        queue.push({ T: pivot(T, r, e, det), basis: nextBasis, det: T[r][e] });
      }
    }
  }
  return { vertices: [...vertices.values()], bases };
}

function basisKey(basis: number[]): string {
  return basis
    .slice()
    .sort((a, b) => a - b)
    .join(",");
}

/** Integer pivoting: the tableau stays integral, scaled by the basis determinant. */
function pivot(T: bigint[][], r: number, e: number, det: bigint): bigint[][] {
  const piv = T[r][e];
  return T.map((row, k) => {
    if (k === r) return row.slice();
    const f = row[e];
    if (f === 0n) return row.map((v) => (v * piv) / det);
    const pr = T[r];
    return row.map((v, c) => (v * piv - f * pr[c]) / det);
  });
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
 * player's payoffs. Throws TooLargeError past `maxBases` bases in either polytope.
 */
export function bimatrixEquilibria(A: Q[][], B: Q[][], maxBases = 200_000): BimatrixResult {
  const m = A.length;
  const n = A[0].length;
  const [Ai, Bi] = positiveIntegerMatrices(A, B);
  // P: variables x_i (label i), constraints (Bᵀx)_j ≤ 1 (slack label m + j).
  const BT = Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, i) => Bi[i][j]));
  const P = polytopeVertices(
    BT,
    Array.from({ length: m }, (_, i) => i),
    Array.from({ length: n }, (_, j) => m + j),
    maxBases,
  );
  // Q: variables y_j (label m + j), constraints (A y)_i ≤ 1 (slack label i).
  const Qp = polytopeVertices(
    Ai,
    Array.from({ length: n }, (_, j) => m + j),
    Array.from({ length: m }, (_, i) => i),
    maxBases,
  );
  const all = (1n << BigInt(m + n)) - 1n;
  const normalise = (v: Vertex): Q[] => {
    const sum = v.z.reduce((a, b) => a + b, 0n);
    return v.z.map((c) => Q.of(c, sum));
  };
  const px = P.vertices.filter((v) => v.z.some((c) => c !== 0n));
  const qy = Qp.vertices.filter((v) => v.z.some((c) => c !== 0n));
  const pairs: [number, number][] = [];
  for (let a = 0; a < px.length; a++) for (let b = 0; b < qy.length; b++) if ((px[a].labels | qy[b].labels) === all) pairs.push([a, b]);
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
    return { strategies: [x, y], payoffs: [bilinear(x, A, y), bilinear(x, B, y)], x: xIndex.get(a)!, y: yIndex.get(b)! };
  });
  // Order: by player 1's strategy, most weight on early actions first (pure ones lead).
  const order = equilibria.map((_, i) => i).sort((i, j) => compareProfiles(equilibria[i], equilibria[j]));
  const sorted = order.map((i) => equilibria[i]);
  return { equilibria: sorted, xs, ys, components: components(sorted, xs.length, ys.length), bases: [P.bases, Qp.bases] };
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
