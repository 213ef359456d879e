import { describe, expect, it } from "vitest";
import { bimatrixEquilibria } from "../../analysis/bimatrix.js";
import { normalFormFromNumbers } from "../../analysis/normal-form.js";
import { approximateEquilibria, nashEpsilon } from "../../analysis/nplayer.js";
import { analyzeNormalForm } from "../../analysis/analyze.js";
import { dominance, paretoOptimal, pureEquilibria, welfareMax } from "../../analysis/pure.js";
import { Q } from "../../analysis/rational.js";
import { analyze, example, exactEquilibria, normalForm, twoByTwo } from "./helpers.js";

const BOS = `game TextbookBoS {
  horizon 1
  role player * 2 {
    action opera
    action football
  }
  // Player 0 prefers the opera, player 1 the football.
  payoff {
    opera,    opera    => 2, 1
    opera,    football => 0, 0
    football, opera    => 0, 0
    football, football => 1, 2
  }
}
`;

describe("two-player games with known equilibria (exact)", () => {
  it("prisoner's dilemma: the unique equilibrium is (defect, defect)", () => {
    const r = analyze(example("prisoners_dilemma.game"));
    expect(r.equilibria).toHaveLength(1);
    expect(r.equilibria[0]).toMatchObject({
      pure: true,
      profile: ["defect", "defect"],
      strict: true,
      payoffs_exact: ["1", "1"],
      epsilon: 0,
    });
    expect(r.methods.equilibria.complete).toBe(true);
    expect(r.methods.equilibria.error_kind).toBe("exact");
  });

  it("battle of the sexes: two pure equilibria and the mixed one at (2/3, 1/3), (1/3, 2/3)", () => {
    const r = analyze(BOS);
    expect(r.equilibria.filter((e) => e.pure).map((e) => e.profile)).toEqual([
      ["opera", "opera"],
      ["football", "football"],
    ]);
    const mixed = r.equilibria.filter((e) => !e.pure);
    expect(mixed).toHaveLength(1);
    expect(mixed[0].strategies_exact).toEqual([
      ["2/3", "1/3"],
      ["1/3", "2/3"],
    ]);
    expect(mixed[0].payoffs_exact).toEqual(["2/3", "2/3"]);
    expect(r.components.every((c) => c.isolated)).toBe(true);
  });

  it("the catalogue's battle of the sexes (3, 2, 0): the mixed equilibrium is (3/5, 2/5), (2/5, 3/5)", () => {
    const r = analyze(example("battle_of_the_sexes.game"));
    expect(exactEquilibria(r)).toContainEqual([
      ["3/5", "2/5"],
      ["2/5", "3/5"],
    ]);
    expect(r.equilibria).toHaveLength(3);
  });

  it("matching pennies: only the uniform mix", () => {
    const r = analyze(example("matching_pennies.game"));
    expect(exactEquilibria(r)).toEqual([
      [
        ["1/2", "1/2"],
        ["1/2", "1/2"],
      ],
    ]);
    expect(r.equilibria[0].payoffs_exact).toEqual(["0", "0"]);
  });

  it("rock-paper-scissors: only the uniform mix", () => {
    const r = analyze(example("rock_paper_scissors.game"));
    expect(exactEquilibria(r)).toEqual([
      [
        ["1/3", "1/3", "1/3"],
        ["1/3", "1/3", "1/3"],
      ],
    ]);
  });

  it("chicken: three equilibria, the mixed one swerving with probability 5/6", () => {
    const r = analyze(example("chicken.game"));
    expect(r.equilibria).toHaveLength(3);
    expect(r.equilibria.filter((e) => e.pure).map((e) => e.profile)).toEqual([
      ["swerve", "straight"],
      ["straight", "swerve"],
    ]);
    expect(r.equilibria.find((e) => !e.pure)!.strategies_exact).toEqual([
      ["5/6", "1/6"],
      ["5/6", "1/6"],
    ]);
  });

  it("stag hunt: two pure equilibria and one mixed", () => {
    const r = analyze(example("stag_hunt.game"));
    expect(r.equilibria.filter((e) => e.pure).map((e) => e.profile)).toEqual([
      ["stag", "stag"],
      ["hare", "hare"],
    ]);
    expect(r.equilibria.find((e) => !e.pure)!.strategies_exact).toEqual([
      ["1/2", "1/2"],
      ["1/2", "1/2"],
    ]);
  });

  it("a degenerate game: the continuum of entry deterrence is reported by its extreme points, grouped", () => {
    const r = analyze(example("analysis/entry_deterrence.game"));
    expect(r.equilibria).toHaveLength(3);
    const continuum = r.components.find((c) => !c.isolated)!;
    expect(continuum.extreme_points).toHaveLength(2);
    const points = continuum.extreme_points.map((i) => r.equilibria[i].strategies_exact);
    expect(points).toContainEqual([
      ["1", "0"],
      ["1", "0"],
    ]);
    expect(points).toContainEqual([
      ["1", "0"],
      ["1/2", "1/2"],
    ]);
    // One maximal Nash subset: stay out, against any mix of "fight" and "fight half the time".
    expect(continuum.nash_subsets).toHaveLength(1);
    expect(continuum.nash_subsets[0].strategies_exact).toEqual([
      [["1", "0"]],
      [
        ["1", "0"],
        ["1/2", "1/2"],
      ],
    ]);
    const isolated = r.components.filter((c) => c.isolated);
    expect(isolated).toHaveLength(1);
    expect(r.equilibria[isolated[0].extreme_points[0]].profile).toEqual(["enter", "accommodate"]);
  });

  it("a degenerate game with many continua: the Nash demand game's equilibria all check", () => {
    const r = analyze(example("analysis/nash_demand.game"));
    const game = normalForm(example("analysis/nash_demand.game"));
    // Every split of the pie and the standoff (4, 4) are pure equilibria.
    expect(r.equilibria.filter((e) => e.pure).map((e) => e.profile)).toEqual(
      expect.arrayContaining([
        ["demand(0)", "demand(4)"],
        ["demand(1)", "demand(3)"],
        ["demand(2)", "demand(2)"],
        ["demand(3)", "demand(1)"],
        ["demand(4)", "demand(0)"],
        ["demand(4)", "demand(4)"],
      ]),
    );
    expect(r.equilibria.filter((e) => e.pure)).toHaveLength(6);
    // Every extreme point is an exact equilibrium.
    for (const e of r.equilibria) expect(nashEpsilon(game, e.strategies)).toBeLessThan(1e-12);
    // Every maximal Nash subset's corners are equilibria too (checked at its centre).
    for (const c of r.components) {
      for (const s of c.nash_subsets) {
        const centre = s.strategies.map((vs) => vs[0].map((_, a) => vs.reduce((t, v) => t + v[a], 0) / vs.length));
        expect(nashEpsilon(game, centre)).toBeLessThan(1e-9);
      }
    }
    expect(r.components.some((c) => !c.isolated)).toBe(true);
  });

  it("agrees with the pure-profile pass on random games (and every equilibrium checks)", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 7) - 3;
    for (let trial = 0; trial < 25; trial++) {
      const m = 2 + (trial % 3);
      const n = 2 + ((trial >> 1) % 3);
      const payoffs = [Array.from({ length: m * n }, rand), Array.from({ length: m * n }, rand)];
      const game = normalFormFromNumbers(
        "random",
        [
          { name: "row", actions: Array.from({ length: m }, (_, i) => `r${i}`) },
          { name: "col", actions: Array.from({ length: n }, (_, j) => `c${j}`) },
        ],
        payoffs,
      );
      const report = analyzeNormalForm(game);
      const pure = pureEquilibria(game).map((e) => e.actions.join(","));
      const foundPure = report.equilibria
        .filter((e) => e.pure)
        .map((e) => e.strategies.map((s) => s.indexOf(1)).join(","));
      expect(new Set(foundPure)).toEqual(new Set(pure));
      expect(report.equilibria.length).toBeGreaterThan(0);
      for (const e of report.equilibria) expect(nashEpsilon(game, e.strategies)).toBeLessThan(1e-9);
    }
  });

  it("works on the raw matrices with exact rationals", () => {
    const A = [
      [Q.of(1), Q.of(0)],
      [Q.of(0), Q.of(1)],
    ];
    const B = [
      [Q.of(1), Q.of(0)],
      [Q.of(0), Q.of(1)],
    ];
    const r = bimatrixEquilibria(A, B);
    expect(r.equilibria.map((e) => e.strategies.map((s) => s.map(String)))).toEqual([
      [
        ["1", "0"],
        ["1", "0"],
      ],
      [
        ["0", "1"],
        ["0", "1"],
      ],
      [
        ["1/2", "1/2"],
        ["1/2", "1/2"],
      ],
    ]);
  });
});

describe("three or more players (approximate, with epsilon)", () => {
  it("Jordan's three-player matching pennies: the fair coin for everyone, within the stated epsilon", () => {
    const r = analyze(example("analysis/jordan_pennies.game"));
    expect(r.equilibria.filter((e) => e.pure)).toEqual([]);
    expect(r.equilibria).toHaveLength(1);
    const e = r.equilibria[0];
    for (const s of e.strategies) for (const p of s) expect(p).toBeCloseTo(0.5, 9);
    expect(e.epsilon).toBeLessThanOrEqual(1e-9);
    expect(r.methods.equilibria.complete).toBe(false);
    expect(r.methods.equilibria.error_kind).toBe("epsilon");
    expect(r.methods.equilibria.error).toBeLessThanOrEqual(1e-9);
  });

  it("a three-player public goods game: contributing nothing is the equilibrium, by dominance", () => {
    const r = analyze(example("analysis/one_shot_public_goods.game"));
    expect(r.equilibria).toHaveLength(1);
    expect(r.equilibria[0].profile).toEqual(["contribute(0)", "contribute(0)", "contribute(0)"]);
    expect(r.dominated.strict.filter((d) => d.round === 1)).toHaveLength(12);
    expect(r.dominated.strict_survivors).toEqual([["contribute(0)"], ["contribute(0)"], ["contribute(0)"]]);
    expect(r.welfare_max.value_exact).toBe("18");
    expect(r.welfare_max.outcomes[0].profile).toEqual(["contribute(4)", "contribute(4)", "contribute(4)"]);
    expect(r.price_of_anarchy.value_exact).toBe("3/2");
  });

  it("a three-player coordination game has its mixed equilibria found", () => {
    // Everyone gets 1 if all three choose the same side, else 0.
    const payoffs = [0, 1, 2].map(() => Array.from({ length: 8 }, (_, i) => (i === 0 || i === 7 ? 1 : 0)));
    const game = normalFormFromNumbers(
      "unanimity",
      [0, 1, 2].map((p) => ({ name: `p${p}`, actions: ["left", "right"] })),
      payoffs,
    );
    const result = approximateEquilibria(game);
    const mixed = result.equilibria.filter((e) => e.strategies.every((s) => s.every((x) => x > 0 && x < 1)));
    expect(mixed).toHaveLength(1);
    for (const s of mixed[0].strategies) expect(s[0]).toBeCloseTo(0.5, 9);
    for (const e of result.equilibria) expect(e.epsilon).toBeLessThanOrEqual(result.threshold);
  });
});

describe("dominance, Pareto, welfare, price of anarchy", () => {
  it("records the order of iterated elimination", () => {
    // Row: top/middle/bottom, column: left/right. bottom is dominated; then right; then middle.
    const game = normalFormFromNumbers(
      "iesds",
      [
        { name: "row", actions: ["top", "middle", "bottom"] },
        { name: "col", actions: ["left", "right"] },
      ],
      [
        [3, 1, 2, 3, 0, 0],
        [2, 1, 1, 0, 3, 4],
      ],
    );
    const d = dominance(game);
    expect(
      d.strict.map((e) => [e.round, game.players[e.player].actions[e.action], game.players[e.player].actions[e.by]]),
    ).toEqual([
      [1, "bottom", "top"],
      [2, "right", "left"],
      [3, "middle", "top"],
    ]);
    expect(d.strictSurvivors).toEqual([[0], [0]]);
  });

  it("tells weak from strict dominance", () => {
    const r = analyze(example("analysis/entry_deterrence.game"));
    expect(r.dominated.strict).toEqual([]);
    expect(r.dominated.weak.map((e) => [e.round, e.name, e.action, e.by])).toEqual([
      [1, "incumbent", "fight", "accommodate"],
      [2, "entrant", "stay_out", "enter"],
    ]);
  });

  it("finds the Pareto-optimal profiles and the welfare optimum", () => {
    const game = normalForm(example("prisoners_dilemma.game"));
    expect(paretoOptimal(game).profiles).toEqual([0, 1, 2]);
    expect(welfareMax(game)).toMatchObject({ value: 6, profiles: [0] });
    const r = analyze(example("prisoners_dilemma.game"));
    expect(r.pareto_optimal.map((o) => o.profile)).toEqual([
      ["cooperate", "cooperate"],
      ["cooperate", "defect"],
      ["defect", "cooperate"],
    ]);
    expect(r.price_of_anarchy).toMatchObject({ value: 3, value_exact: "3", gap: 4 });
    expect(r.price_of_stability).toMatchObject({ value: 3, value_exact: "3" });
  });

  it("price of anarchy and stability of the stag hunt", () => {
    const r = analyze(example("stag_hunt.game"));
    // Optimum 8; equilibria welfare 8 (stag), 4 (hare) and 4 (mixed).
    expect(r.price_of_anarchy.value_exact).toBe("2");
    expect(r.price_of_stability.value_exact).toBe("1");
  });

  it("leaves the ratios undefined when welfare is not positive, and gives the gap", () => {
    const r = analyze(example("matching_pennies.game"));
    expect(r.price_of_anarchy.value).toBeNull();
    expect(r.price_of_anarchy.gap).toBe(0);
    expect(r.price_of_anarchy.note).toMatch(/not positive/);
    const chicken = analyze(
      twoByTwo("Negative", ["a", "b"], ["a, a => -1, -1", "a, b => -3, 0", "b, a => 0, -3", "b, b => -2, -2"]),
    );
    expect(chicken.price_of_anarchy.value).toBeNull();
    expect(chicken.price_of_anarchy.gap).toBe(2);
  });
});
