import { describe, expect, it } from "vitest";
import { classify, classOfOrdering } from "../../analysis/classify.js";
import { normalFormFromNumbers } from "../../analysis/normal-form.js";
import { Q } from "../../analysis/rational.js";
import { sweepParams } from "../../analysis/sweep.js";
import { analyze, example, lower, normalForm, twoByTwo } from "./helpers.js";

/** A symmetric 2x2 game from R, S, T, P (actions c, d in that order). */
function rstp(R: number, S: number, T: number, P: number) {
  return normalFormFromNumbers(
    "g",
    [
      { name: "p0", actions: ["c", "d"] },
      { name: "p1", actions: ["c", "d"] },
    ],
    [
      [R, S, T, P],
      [R, T, S, P],
    ],
  );
}

describe("classification of the catalogue", () => {
  const cases: [string, string | null][] = [
    ["prisoners_dilemma.game", "prisoners_dilemma"],
    ["iterated_pd.game", "prisoners_dilemma"],
    ["stag_hunt.game", "stag_hunt"],
    ["chicken.game", "chicken"],
    ["battle_of_the_sexes.game", "battle_of_the_sexes"],
    ["matching_pennies.game", "matching_pennies"],
    ["rock_paper_scissors.game", "zero_sum"],
  ];
  for (const [file, expected] of cases) {
    it(`${file} is ${expected}`, () => {
      expect(analyze(example(file)).class).toBe(expected);
    });
  }

  it("reports R, S, T, P, the ordering and the dilemma strengths of the prisoner's dilemma", () => {
    const c = analyze(example("prisoners_dilemma.game")).classification.symmetric!;
    expect(c).toMatchObject({
      cooperate: ["cooperate", "cooperate"],
      defect: ["defect", "defect"],
      R: 3,
      S: 0,
      T: 5,
      P: 1,
      ordering: "T > R > P > S",
    });
    expect(c.dilemma_strength).toMatchObject({ Dg: 2, Dr: 1, Dg_normalized: 1, Dr_normalized: 0.5 });
  });

  it("the stag hunt has R > T = P > S", () => {
    const c = analyze(example("stag_hunt.game")).classification.symmetric!;
    expect(c.ordering).toBe("R > T = P > S");
    expect(c.cooperate).toEqual(["stag", "stag"]);
  });

  it("the battle of the sexes is symmetric once one player's actions are swapped", () => {
    const c = analyze(example("battle_of_the_sexes.game")).classification.symmetric!;
    // C = "go to one's favourite": the opera for ada, the football for ben.
    expect(c.cooperate).toEqual(["opera", "football"]);
  });
});

describe("classification by payoff order", () => {
  it("names every ordinal class", () => {
    expect(classify(rstp(3, 0, 5, 1)).class).toBe("prisoners_dilemma");
    expect(classify(rstp(2, 0, 3, 1)).class).toBe("prisoners_dilemma");
    expect(classify(rstp(1, 0, 3, 2)).class).toBe("deadlock");
    expect(classify(rstp(4, 2, 3, 1)).class).toBe("harmony");
    expect(classify(rstp(4, 0, 3, 2)).class).toBe("stag_hunt");
    expect(classify(rstp(2, 0, 0, 1)).class).toBe("coordination");
    expect(classify(rstp(2, 1, 3, 0)).class).toBe("chicken");
    expect(classify(rstp(1, 1, 3, 0)).class).toBeNull();
    expect(classify(rstp(0, 3, 2, 0)).class).toBe("battle_of_the_sexes");
    expect(classify(rstp(1, 1, 1, 1)).class).toBeNull();
  });

  it("does not depend on the order the actions are declared in", () => {
    // The same games with "defect" declared first: R and P swap, S and T swap.
    expect(classify(rstp(1, 5, 0, 3)).class).toBe("prisoners_dilemma");
    expect(classify(rstp(2, 3, 0, 4)).class).toBe("stag_hunt");
    expect(classify(rstp(2, 3, 0, 1)).class).toBe("deadlock");
    const pd = analyze(
      twoByTwo(
        "DefectFirst",
        ["defect", "cooperate"],
        [
          "defect, defect => 1, 1",
          "defect, cooperate => 5, 0",
          "cooperate, defect => 0, 5",
          "cooperate, cooperate => 3, 3",
        ],
      ),
    );
    expect(pd.class).toBe("prisoners_dilemma");
    expect(pd.classification.symmetric!.cooperate).toEqual(["cooperate", "cooperate"]);
  });

  it("classifies asymmetric coordination as the battle of the sexes", () => {
    const game = normalFormFromNumbers(
      "asym",
      [
        { name: "a", actions: ["x", "y"] },
        { name: "b", actions: ["x", "y"] },
      ],
      [
        [5, 0, 0, 1],
        [2, 0, 0, 3],
      ],
    );
    expect(classify(game).class).toBe("battle_of_the_sexes");
    const agree = normalFormFromNumbers(
      "agree",
      [
        { name: "a", actions: ["x", "y"] },
        { name: "b", actions: ["x", "y"] },
      ],
      [
        [5, 0, 0, 1],
        [3, 0, 0, 2],
      ],
    );
    expect(classify(agree).class).toBe("coordination");
  });

  it("orders exactly", () => {
    expect(classOfOrdering(Q.of(4), Q.of(0), Q.of(4), Q.of(1))).toBeNull();
  });
});

describe("sweeps of ranged params", () => {
  it("finds where a ranged temptation turns a stag hunt into a prisoner's dilemma", () => {
    const [sweep] = sweepParams(lower(example("analysis/temptation_sweep.game")));
    expect(sweep.param).toBe("temptation");
    expect(sweep.points).toHaveLength(21);
    expect(sweep.points[0]).toMatchObject({ value: 2, class: "stag_hunt" });
    expect(sweep.points[20]).toMatchObject({
      value: 6,
      class: "prisoners_dilemma",
      pureEquilibria: [["defect", "defect"]],
    });
    // At temptation = reward = 4 exactly the game has no name; on either side it changes.
    expect(sweep.changes.map((c) => [c.from.class, c.to.class])).toEqual([
      ["stag_hunt", null],
      [null, "prisoners_dilemma"],
    ]);
    for (const c of sweep.changes) {
      expect(c.at![0]).toBeLessThanOrEqual(4);
      expect(c.at![1]).toBeGreaterThanOrEqual(4);
      expect(c.at![1] - c.at![0]).toBeLessThan(1e-5);
    }
  });

  it("reports no change when the class holds over the whole range", () => {
    const [sweep] = sweepParams(lower(example("chicken.game")));
    expect(sweep.param).toBe("crash");
    expect(sweep.points.every((p) => p.class === "chicken")).toBe(true);
    expect(sweep.changes).toEqual([]);
  });

  it("finds the single point where rock-paper-scissors is zero-sum", () => {
    const [sweep] = sweepParams(lower(example("rock_paper_scissors.game")));
    expect(sweep.points.filter((p) => p.class === "zero_sum").map((p) => p.value)).toEqual([0]);
    expect(sweep.changes).toHaveLength(2);
  });

  it("locates the flip of the public goods equilibrium at multiplier = n", () => {
    const [sweep] = sweepParams(lower(example("analysis/one_shot_public_goods.game")));
    expect(sweep.points[0].pureEquilibria).toEqual([["contribute(0)", "contribute(0)", "contribute(0)"]]);
    expect(sweep.points[20].pureEquilibria).toEqual([["contribute(4)", "contribute(4)", "contribute(4)"]]);
    expect(sweep.changes.length).toBeGreaterThan(0);
    for (const c of sweep.changes) expect(Math.abs((c.at![0] + c.at![1]) / 2 - 3)).toBeLessThan(1e-3);
  });

  it("is part of the scenario report", () => {
    const r = analyze(example("analysis/temptation_sweep.game"), { sweep: true });
    expect(r.sweep).toHaveLength(1);
    expect(r.sweep[0].changes).toHaveLength(2);
    expect(normalForm(example("analysis/temptation_sweep.game")).payoffs[0].map(String)).toEqual(["4", "0", "5", "1"]);
  });
});
