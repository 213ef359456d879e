import { Q } from "./rational.js";

/**
 * A small exact linear program solver: the two-phase simplex method with Bland's rule on a
 * dense tableau of rationals (no cycling, no rounding). For the dominance tests, whose
 * programs have a few dozen rows and columns.
 *
 *     maximise c·x  subject to  A x = b,  x ≥ 0
 */

export type LpResult = { status: "optimal"; value: Q; x: Q[] } | { status: "infeasible" } | { status: "unbounded" };

export function maximize(c: Q[], A: Q[][], b: Q[]): LpResult {
  const m = A.length;
  const n = c.length;
  // Rows with b ≥ 0; one artificial per row (columns n..n+m-1); rhs last.
  const T: Q[][] = A.map((row, i) => {
    const flip = b[i].sign() < 0;
    const r = row.map((v) => (flip ? v.neg() : v));
    for (let k = 0; k < m; k++) r.push(k === i ? Q.ONE : Q.ZERO);
    r.push(flip ? b[i].neg() : b[i]);
    return r;
  });
  const width = n + m;
  const basis = Array.from({ length: m }, (_, i) => n + i);
  // Phase 1: minimise the sum of artificials, i.e. maximise −Σ a.
  const phase1 = new Array<Q>(width).fill(Q.ZERO).map((_, j) => (j >= n ? Q.ONE.neg() : Q.ZERO));
  if (!simplex(T, basis, phase1, width)) return { status: "unbounded" };
  const infeasibility = basis.reduce((s, v, i) => (v >= n ? s.add(T[i][width]) : s), Q.ZERO);
  if (infeasibility.sign() > 0) return { status: "infeasible" };
  // Drive artificials (at zero) out of the basis where a real column can replace them.
  for (let i = 0; i < m; i++) {
    if (basis[i] < n) continue;
    const j = T[i].findIndex((v, k) => k < n && !v.isZero());
    if (j >= 0) pivot(T, basis, i, j, width);
  }
  // Phase 2 on the real columns (artificials may not re-enter).
  const phase2 = [...c, ...new Array<Q>(m).fill(Q.ZERO)];
  if (!simplex(T, basis, phase2, n)) return { status: "unbounded" };
  const x = new Array<Q>(n).fill(Q.ZERO);
  basis.forEach((v, i) => {
    if (v < n) x[v] = T[i][width];
  });
  const value = c.reduce((s, cj, j) => s.add(cj.mul(x[j])), Q.ZERO);
  return { status: "optimal", value, x };
}

/**
 * maximise c·x subject to M x ≤ b, x ≥ 0, for b ≥ 0: the origin is feasible, so no first
 * phase. Also returns the dual solution w (w ≥ 0, wᵀM ≥ c, w·b = the optimum).
 */
export function maximizeFeasibleOrigin(
  c: Q[],
  M: Q[][],
  b: Q[],
): { status: "optimal"; value: Q; x: Q[]; dual: Q[] } | { status: "unbounded" } {
  const m = M.length;
  const n = c.length;
  const width = n + m;
  const T: Q[][] = M.map((row, i) => [
    ...row,
    ...Array.from({ length: m }, (_, k) => (k === i ? Q.ONE : Q.ZERO)),
    b[i],
  ]);
  const basis = Array.from({ length: m }, (_, i) => n + i);
  const obj = [...c, ...new Array<Q>(m).fill(Q.ZERO)];
  if (!simplex(T, basis, obj, width)) return { status: "unbounded" };
  const x = new Array<Q>(n).fill(Q.ZERO);
  basis.forEach((v, i) => {
    if (v < n) x[v] = T[i][width];
  });
  // w_k = −(reduced cost of slack k) = Σ_i obj_basis[i] T[i][n + k].
  const dual = Array.from({ length: m }, (_, k) =>
    basis.reduce((s, v, i) => (obj[v].isZero() ? s : s.add(obj[v].mul(T[i][n + k]))), Q.ZERO),
  );
  const value = c.reduce((s, cj, j) => s.add(cj.mul(x[j])), Q.ZERO);
  return { status: "optimal", value, x, dual };
}

/** Maximises obj·x from the current basis, entering only columns < `enter`. False if unbounded. */
function simplex(T: Q[][], basis: number[], obj: Q[], enter: number): boolean {
  const m = T.length;
  const rhs = T[0]?.length - 1;
  for (;;) {
    // Reduced cost of column j: obj_j − Σ_i obj_basis[i] T[i][j]; enter the first positive (Bland).
    let e = -1;
    for (let j = 0; j < enter && e < 0; j++) {
      if (basis.includes(j)) continue;
      let r = obj[j];
      for (let i = 0; i < m; i++)
        if (!obj[basis[i]].isZero() && !T[i][j].isZero()) r = r.sub(obj[basis[i]].mul(T[i][j]));
      if (r.sign() > 0) e = j;
    }
    if (e < 0) return true;
    let row = -1;
    let best: Q | undefined;
    for (let i = 0; i < m; i++) {
      if (T[i][e].sign() <= 0) continue;
      const ratio = T[i][rhs].div(T[i][e]);
      const c = best === undefined ? -1 : ratio.cmp(best);
      if (c < 0 || (c === 0 && basis[i] < basis[row])) {
        best = ratio;
        row = i;
      }
    }
    if (row < 0) return false;
    pivot(T, basis, row, e, rhs);
  }
}

function pivot(T: Q[][], basis: number[], r: number, e: number, rhs: number): void {
  const inv = Q.ONE.div(T[r][e]);
  for (let j = 0; j <= rhs; j++) T[r][j] = T[r][j].mul(inv);
  for (let i = 0; i < T.length; i++) {
    if (i === r || T[i][e].isZero()) continue;
    const f = T[i][e];
    for (let j = 0; j <= rhs; j++) if (!T[r][j].isZero()) T[i][j] = T[i][j].sub(f.mul(T[r][j]));
  }
  basis[r] = e;
}
