import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { analyzeNormalForm } from "../../analysis/analyze.js";
import { bimatrixEquilibria } from "../../analysis/bimatrix.js";
import { normalFormFromNumbers } from "../../analysis/normal-form.js";
import { Q } from "../../analysis/rational.js";
import { reverseSearchVertices } from "../../analysis/reverse-search.js";
import { compileToIR } from "../../compiler/compile.js";
import { checkText } from "../../language/check.js";
import { payoffTableValues } from "../../language/semantic/exact-values.js";
import { prng } from "../../language/util/prng.js";
import { analyze } from "./helpers.js";

/*
 * Exactness of the two-player enumeration, checked against an independent vertex
 * enumeration written here (every choice of tight constraints, solved with rationals), on
 * random games whose payoffs are rationals with small denominators, integers near 2^24 and
 * 2^31 (which float32 cannot tell apart), and tie-heavy (degenerate) games.
 */

type Matrix = Q[][];

function solve(M: Q[][], rhs: Q[]): Q[] | undefined {
  const n = rhs.length;
  const A = M.map((row, i) => [...row, rhs[i]]);
  for (let c = 0; c < n; c++) {
    const r = A.findIndex((row, k) => k >= c && !row[c].isZero());
    if (r < 0) return undefined;
    [A[c], A[r]] = [A[r], A[c]];
    for (let k = 0; k < n; k++) {
      if (k === c || A[k][c].isZero()) continue;
      const f = A[k][c].div(A[c][c]);
      A[k] = A[k].map((v, j) => v.sub(f.mul(A[c][j])));
    }
  }
  return A.map((row, c) => row[n].div(row[c]));
}

function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k), ...subsets(n - 1, k - 1).map((s) => [...s, n - 1])];
}

/** Vertices of { z ≥ 0 : M z ≤ 1 } with their label sets, by brute force. */
function bruteVertices(M: Matrix, varLabel: number[], slackLabel: number[]): { z: Q[]; labels: Set<number> }[] {
  const V = varLabel.length;
  const K = M.length;
  const rows: { coefficients: Q[]; rhs: Q; label: number }[] = [
    ...varLabel.map((label, v) => ({
      coefficients: varLabel.map((_, w) => (w === v ? Q.ONE : Q.ZERO)),
      rhs: Q.ZERO,
      label,
    })),
    ...M.map((row, k) => ({ coefficients: row, rhs: Q.ONE, label: slackLabel[k] })),
  ];
  const out = new Map<string, { z: Q[]; labels: Set<number> }>();
  for (const pick of subsets(V + K, V)) {
    const z = solve(
      pick.map((r) => rows[r].coefficients),
      pick.map((r) => rows[r].rhs),
    );
    if (!z || z.some((v) => v.sign() < 0)) continue;
    if (M.some((row) => row.reduce((s, a, v) => s.add(a.mul(z[v])), Q.ZERO).cmp(Q.ONE) > 0)) continue;
    const labels = new Set<number>();
    rows.forEach((r) => {
      if (r.coefficients.reduce((s, a, v) => s.add(a.mul(z[v])), Q.ZERO).eq(r.rhs)) labels.add(r.label);
    });
    out.set(z.join(","), { z, labels });
  }
  return [...out.values()];
}

function shiftPositive(M: Matrix): Matrix {
  const min = M.flat().reduce((a, b) => (b.cmp(a) < 0 ? b : a));
  return M.map((row) => row.map((v) => v.sub(min).add(Q.ONE)));
}

/** Every extreme equilibrium, as `x|y` with exact probabilities, by brute-force vertex enumeration. */
function bruteEquilibria(A: Matrix, B: Matrix): string[] {
  const m = A.length;
  const n = A[0].length;
  const As = shiftPositive(A);
  const Bs = shiftPositive(B);
  const BT = Array.from({ length: n }, (_, j) => Array.from({ length: m }, (_, i) => Bs[i][j]));
  const P = bruteVertices(
    BT,
    Array.from({ length: m }, (_, i) => i),
    Array.from({ length: n }, (_, j) => m + j),
  ).filter((v) => v.z.some((c) => !c.isZero()));
  const Qv = bruteVertices(
    As,
    Array.from({ length: n }, (_, j) => m + j),
    Array.from({ length: m }, (_, i) => i),
  ).filter((v) => v.z.some((c) => !c.isZero()));
  const norm = (z: Q[]) => {
    const s = z.reduce((a, b) => a.add(b), Q.ZERO);
    return z.map((c) => c.div(s).toString()).join(",");
  };
  const out: string[] = [];
  for (const x of P)
    for (const y of Qv)
      if (Array.from({ length: m + n }, (_, l) => l).every((l) => x.labels.has(l) || y.labels.has(l)))
        out.push(`${norm(x.z)}|${norm(y.z)}`);
  return out.sort();
}

function ours(A: Matrix, B: Matrix): string[] {
  return bimatrixEquilibria(A, B)
    .equilibria.map((e) => `${e.strategies[0].join(",")}|${e.strategies[1].join(",")}`)
    .sort();
}

/** Every action a player uses earns the most against the other's strategy, exactly. */
function isEquilibrium(A: Matrix, B: Matrix, x: Q[], y: Q[]): boolean {
  const rowValues = A.map((row) => row.reduce((s, a, j) => s.add(a.mul(y[j])), Q.ZERO));
  const colValues = A[0].map((_, j) => B.reduce((s, row, i) => s.add(row[j].mul(x[i])), Q.ZERO));
  const best = (v: Q[]) => v.reduce((a, b) => (b.cmp(a) > 0 ? b : a));
  const [r, c] = [best(rowValues), best(colValues)];
  const sums = [x, y].map((s) => s.reduce((a, b) => a.add(b), Q.ZERO));
  return (
    sums.every((s) => s.eq(Q.ONE)) &&
    x.every((p, i) => p.isZero() || rowValues[i].eq(r)) &&
    y.every((p, j) => p.isZero() || colValues[j].eq(c))
  );
}

type Family = "rational" | "near 2^24" | "near 2^31" | "ties";

function randomGame(random: () => number, m: number, n: number, family: Family): [Matrix, Matrix] {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const entry = (): Q => {
    switch (family) {
      case "rational":
        return Q.of(int(-9, 9), int(2, 9));
      case "near 2^24":
        return Q.of(2n ** 24n + BigInt(int(-2, 2)));
      case "near 2^31":
        return Q.of(2n ** 31n + BigInt(int(-2, 2)));
      case "ties":
        return Q.of(int(0, 2));
    }
  };
  const matrix = () => Array.from({ length: m }, () => Array.from({ length: n }, entry));
  return [matrix(), matrix()];
}

describe("two-player equilibria are exact (property tests against an independent vertex enumeration)", () => {
  const families: Family[] = ["rational", "near 2^24", "near 2^31", "ties"];
  for (const family of families) {
    it(`agrees on random ${family} games up to 5×5, and every equilibrium passes the exact best-response check`, () => {
      const random = prng(families.indexOf(family) + 11);
      for (let g = 0; g < 30; g++) {
        const m = 1 + Math.floor(random() * 5);
        const n = 1 + Math.floor(random() * 5);
        const [A, B] = randomGame(random, m, n, family);
        expect(ours(A, B), `game ${g} (${m}×${n})`).toEqual(bruteEquilibria(A, B));
        // Through the whole analysis too (strict elimination first, then the enumeration).
        const labels = (k: number, p: string) => Array.from({ length: k }, (_, i) => `${p}${i}`);
        const game = normalFormFromNumbers(
          "g",
          [
            { name: "row", actions: labels(m, "r") },
            { name: "col", actions: labels(n, "c") },
          ],
          [A.flat(), B.flat()],
        );
        const report = analyzeNormalForm(game);
        expect(report.methods.equilibria.complete).toBe(true);
        expect(report.equilibria.length).toBeGreaterThan(0);
        for (const e of report.equilibria) {
          const [x, y] = e.strategies_exact!.map((s) => s.map(Q.parse));
          expect(isEquilibrium(A, B, x, y)).toBe(true);
        }
      }
    });
  }

  it("reverse search visits every vertex of a polytope once, degenerate ones included", () => {
    const random = prng(5);
    for (let g = 0; g < 16; g++) {
      const K = 2 + (g % 4);
      const V = 2 + ((g >> 1) % 3);
      const hi = g % 2 === 0 ? 2 : 20;
      const ints = Array.from({ length: K }, () =>
        Array.from({ length: V }, () => BigInt(1 + Math.floor(random() * (hi + 1)))),
      );
      const varLabel = Array.from({ length: V }, (_, v) => v);
      const slackLabel = Array.from({ length: K }, (_, k) => V + k);
      const found: string[] = [];
      reverseSearchVertices(ints, varLabel, slackLabel, (v) =>
        found.push(
          `${v.z.map((c) => Q.of(c, v.det)).join(",")} ${[...Array(V + K).keys()].filter((l) => (v.labels >> BigInt(l)) & 1n).join(",")}`,
        ),
      );
      const expected = bruteVertices(
        ints.map((row) => row.map((v) => Q.of(v))),
        varLabel,
        slackLabel,
      ).map((v) => `${v.z.join(",")} ${[...v.labels].sort((x, y) => x - y).join(",")}`);
      expect(found.slice().sort(), `polytope ${g}`).toEqual(expected.slice().sort());
    }
  });

  it("says complete: false, and why, where the enumeration reaches its limit", () => {
    const [A, B] = randomGame(prng(3), 4, 4, "rational");
    const labels = (p: string) => Array.from({ length: 4 }, (_, i) => `${p}${i}`);
    const game = normalFormFromNumbers(
      "g",
      [
        { name: "row", actions: labels("r") },
        { name: "col", actions: labels("c") },
      ],
      [A.flat(), B.flat()],
    );
    const limited = analyzeNormalForm(game, { maxBases: 3 });
    expect(limited.methods.equilibria.complete).toBe(false);
    expect(limited.methods.equilibria.note).toContain(
      "the exact two-player method was too large for this game: the vertex enumeration stopped at more than 3 bases",
    );
    expect(analyzeNormalForm(game).methods.equilibria.complete).toBe(true);
  });

  it("agrees with lrsnash (lrslib) on random and degenerate games", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-lrs-"));
    const random = prng(23);
    for (let g = 0; g < 12; g++) {
      const size = g < 6 ? 7 : 5;
      const int = (hi: number) => Math.floor(random() * (hi + 1));
      const A = Array.from({ length: size }, () => Array.from({ length: size }, () => int(g < 6 ? 99 : 2)));
      const B = Array.from({ length: size }, () => Array.from({ length: size }, () => int(g < 6 ? 99 : 2)));
      const file = join(dir, `g${g}.txt`);
      writeFileSync(
        file,
        `${size} ${size}\n\n${A.map((r) => r.join(" ")).join("\n")}\n\n${B.map((r) => r.join(" ")).join("\n")}\n`,
      );
      const output = execFileSync("lrsnash", [file], { encoding: "utf8" });
      // Each block lists player 2's strategies ("2 ...") and player 1's ("1 ..."), the last number a payoff; every pair
      // is an extreme equilibrium.
      const expected = new Set<string>();
      for (const block of output.split(/\n\s*\n/)) {
        const lines = block.split("\n").filter((l) => /^[12]\s/.test(l));
        const strategy = (l: string) => l.trim().split(/\s+/).slice(1, -1).map(Q.parse).join(",");
        const ys = lines.filter((l) => l.startsWith("2")).map(strategy);
        const xs = lines.filter((l) => l.startsWith("1")).map(strategy);
        for (const x of xs) for (const y of ys) expected.add(`${x}|${y}`);
      }
      const q = (M: number[][]) => M.map((r) => r.map((v) => Q.of(v)));
      expect(ours(q(A), q(B)), `game ${g}`).toEqual([...expected].sort());
    }
  });
});

const game = (rows: string) => `game exact {
  horizon 1
  role row { action a  action b }
  role col { action x  action y }
  payoff {
${rows}
  }
}
`;

describe("payoffs are read exactly from the source", () => {
  it("1/3 is one third: the mixed equilibrium is exactly (1/2, 1/2), (3/4, 1/4)", () => {
    const report = analyze(game("    a, x => 1/3, 0\n    a, y => 0, 1\n    b, x => 0, 1\n    b, y => 1, 0"));
    expect(report.normal_form.payoff_values.kind).toBe("exact");
    expect(report.normal_form.table![0].payoffs_exact[0]).toBe("1/3");
    expect(report.equilibria.map((e) => e.strategies_exact)).toEqual([
      [
        ["1/2", "1/2"],
        ["3/4", "1/4"],
      ],
    ]);
    expect(report.equilibria[0].payoffs_exact).toEqual(["1/4", "1/2"]);
    // float32 cannot hold 1/3: listed, but it changes no equilibrium, dominance or best response.
    expect(report.normal_form.payoff_values.float32).toEqual([
      { profile: ["a", "x"], player: "row", exact: "1/3", float32: Math.fround(1 / 3) },
    ]);
    expect(report.normal_form.payoff_values.float32_changes).toEqual([]);
  });

  it("exact arithmetic on params and constant expressions", () => {
    const source = game(
      "    a, x => third * 3, 0\n    a, y => 0, 1\n    b, x => 0, 1\n    b, y => 1/3 + 1/6, max(0, 1/7)",
    ).replace("horizon 1", "horizon 1\n  param third: real = 1 / 3");
    const report = analyze(source);
    expect(report.normal_form.table!.map((o) => o.payoffs_exact)).toEqual([
      ["1", "0"],
      ["0", "1"],
      ["0", "1"],
      ["1/2", "1/7"],
    ]);
  });

  it("16777217 is not 16777216: no invented equilibrium, and a warning that float32 changes the game", () => {
    const source = game("    a, x => 16777217, 1\n    a, y => 0, 0\n    b, x => 16777216, 2\n    b, y => 1, 1");
    const report = analyze(source);
    expect(report.equilibria.map((e) => [e.profile, e.strict])).toEqual([[["a", "x"], true]]);
    expect(report.components).toEqual([
      {
        extreme_points: [0],
        isolated: true,
        nash_subsets: [
          { strategies: [[[1, 0]], [[1, 0]]], strategies_exact: [[["1", "0"]], [["1", "0"]]], extreme_points: [0] },
        ],
      },
    ]);
    expect(report.normal_form.payoff_values.float32).toEqual([
      { profile: ["a", "x"], player: "row", exact: "16777217", float32: 16777216 },
    ]);
    expect(report.normal_form.payoff_values.float32_changes.join("\n")).toContain(
      "pure equilibria: (a, x) as written, (a, x) weak, (b, x) weak in float32",
    );
    const warnings = checkText(source).diagnostics.filter((d) => d.code === "W0009");
    expect(warnings.map((d) => d.message)).toEqual([
      "the payoffs 16777216 and 16777217 of `row` differ, but at run time both are paid as the float32 16777216: the environment plays a different game than the table says",
    ]);
  });

  it("the check's run-time values are the interpreter's (int32 wrap-around, float32 rounding)", () => {
    const source = game(
      "    a, x => 2147483647 + 1, 1/3\n    a, y => 16777217, 0.1 * 3\n    b, x => 2 * 1073741824, 1\n    b, y => 7 / 2, 2",
    );
    const { document } = compileToIR(source);
    const emulated = payoffTableValues(document.model!);
    const report = analyze(source);
    // Every entry whose emulated run-time value differs from the exact one is listed by the analysis (which reads the
    // interpreter), with the same value.
    const differing = emulated.filter((e) => !Q.fromDouble(e.runtime!).eq(e.exact!));
    expect(report.normal_form.payoff_values.float32.map((f) => f.float32).sort()).toEqual(
      differing.map((e) => e.runtime).sort(),
    );
    expect(differing.map((e) => e.runtime)).toContain(-2147483648);
    expect(checkText(source).diagnostics.filter((d) => d.code === "W0009").length).toBeGreaterThan(0);
  });

  it("no warning where float32 keeps every payoff's order", () => {
    const source = game("    a, x => 1/3, 0\n    a, y => 0, 1\n    b, x => 0, 1\n    b, y => 1, 0");
    expect(checkText(source).diagnostics.filter((d) => d.code === "W0009")).toEqual([]);
  });

  it("a payoff with no exact value makes the analysis say approximate, and why", () => {
    const report = analyze(game("    a, x => sqrt(2), 0\n    a, y => 0, 1\n    b, x => 0, 1\n    b, y => 1, 0"));
    expect(report.normal_form.payoff_values.kind).toBe("approximate");
    expect(report.normal_form.payoff_values.reasons.join("\n")).toContain("`sqrt(...)` has no exact rational value");
    expect(report.methods.equilibria.note).toContain("the payoffs are approximate");
  });
});

describe("three players: components that are components", () => {
  const threePlayers = `game three {
  horizon 1
  role p1 { action a1  action b1 }
  role p2 { action a2  action b2 }
  role p3 { action c  action d }
  payoff {
    a1, a2, c => 3, 1, 0
    a1, a2, d => -4, 1, 0
    a1, b2, c => 3, 0, 0
    a1, b2, d => -4, 0, 0
    b1, a2, c => 0, 1, 0
    b1, a2, d => 0, 1, 0
    b1, b2, c => 0, 0, 0
    b1, b2, d => 0, 0, 0
  }
}
`;

  it("(a1, a2, (r, 1 − r)) for every r in [4/7, 1] is one component with the pure equilibrium, not an isolated point", () => {
    const report = analyze(threePlayers);
    expect(report.components.length).toBe(1);
    expect(report.components[0].isolated).toBe(false);
    const exact = report.equilibria.map((e) => JSON.stringify(e.strategies_exact));
    expect(exact).toContain(
      JSON.stringify([
        ["1", "0"],
        ["1", "0"],
        ["1", "0"],
      ]),
    );
    expect(exact).toContain(
      JSON.stringify([
        ["1", "0"],
        ["1", "0"],
        ["4/7", "3/7"],
      ]),
    );
    for (const e of report.equilibria) expect(e.epsilon).toBe(0);
  });

  it("isolated only where proven: a regular mixed equilibrium is", () => {
    // Three-player matching pennies (Jordan): the unique equilibrium is the fair coin for everyone.
    const rows: string[] = [];
    for (const a of [0, 1])
      for (const b of [0, 1])
        for (const c of [0, 1])
          rows.push(
            `${a ? "t1" : "h1"}, ${b ? "t2" : "h2"}, ${c ? "t3" : "h3"} => ${a === b ? 1 : -1}, ${b === c ? 1 : -1}, ${c !== a ? 1 : -1}`,
          );
    const report = analyze(`game jordan {
  horizon 1
  role p1 { action h1  action t1 }
  role p2 { action h2  action t2 }
  role p3 { action h3  action t3 }
  payoff {
    ${rows.join("\n    ")}
  }
}
`);
    expect(report.equilibria.map((e) => e.strategies_exact)).toEqual([
      [
        ["1/2", "1/2"],
        ["1/2", "1/2"],
        ["1/2", "1/2"],
      ],
    ]);
    expect(report.components).toEqual([{ extreme_points: [0], isolated: true, nash_subsets: [] }]);
  });
});

describe("domination by mixed strategies", () => {
  it("finds an action dominated only by a mixture, with the mixture, exactly", () => {
    const report = analyze(`game md {
  horizon 1
  role row { action top  action middle  action bottom }
  role col { action left  action right }
  payoff {
    top, left => 3, 0
    top, right => 0, 1
    middle, left => 0, 0
    middle, right => 3, 1
    bottom, left => 1, 1
    bottom, right => 1, 0
  }
}
`);
    // No pure action dominates bottom ...
    expect(report.dominated.strict.filter((e) => e.action === "bottom")).toEqual([]);
    // ... but the even mixture of top and middle pays 3/2 > 1 against either column.
    const bottom = report.dominated.mixed.strict.find((e) => e.action === "bottom")!;
    expect(bottom.round).toBe(1);
    const p = Object.fromEntries(bottom.by.map((b) => [b.action, Q.parse(b.p)]));
    const pays = (col: "left" | "right") =>
      (p.top ?? Q.ZERO).mul(Q.of(col === "left" ? 3 : 0)).add((p.middle ?? Q.ZERO).mul(Q.of(col === "left" ? 0 : 3)));
    expect(pays("left").cmp(Q.ONE)).toBeGreaterThan(0);
    expect(pays("right").cmp(Q.ONE)).toBeGreaterThan(0);
    expect(report.dominated.mixed.strict_survivors).toEqual([["middle"], ["right"]]);
    expect(report.dominated.mixed.complete).toBe(true);
  });
});
