import { describe, expect, it } from "vitest";
import { buildNormalForm, planStage } from "../../analysis/build.js";
import { profileIndex } from "../../analysis/normal-form.js";
import { analyze, example, lower, normalForm } from "./helpers.js";

const STEP_PD = `game StepPD {
  param T: real = 5
  horizon 1
  role player * 2 {
    action cooperate
    action defect
  }
  step {
    let cooperators = count(p in player where p.action == cooperate)
    for p in player {
      if p.action == cooperate { p.reward += if cooperators == 2 then 3 else 0 }
      else { p.reward += if cooperators == 1 then T else 1 }
    }
  }
}
`;

describe("normal forms from payoff tables", () => {
  it("reads the table with params folded at their defaults", () => {
    const game = normalForm(example("prisoners_dilemma.game"));
    expect(game.source).toBe("payoff_table");
    expect(game.exact).toBe(true);
    expect(game.players.map((p) => [p.role, p.index, p.actions])).toEqual([
      ["player", 0, ["cooperate", "defect"]],
      ["player", 1, ["cooperate", "defect"]],
    ]);
    expect(game.payoffs.map((row) => row.map(String))).toEqual([
      ["3", "0", "5", "1"],
      ["3", "5", "0", "1"],
    ]);
  });

  it("applies --set overrides", () => {
    const built = buildNormalForm(lower(example("prisoners_dilemma.game"), new Map([["T", 6.5]])));
    expect(built.ok && built.game.payoffs[0].map(String)).toEqual(["3", "0", "13/2", "1"]);
  });

  it("uses a ranged param's default, or the value a sweep pins", () => {
    const ir = lower(example("chicken.game"));
    const atDefault = buildNormalForm(ir);
    expect(atDefault.ok && atDefault.game.payoffs[0][3].toString()).toBe("-10");
    const pinned = buildNormalForm(ir, { params: { crash: -2.5 } });
    expect(pinned.ok && pinned.game.payoffs[0][3].toString()).toBe("-5/2");
  });

  it("reads decimals exactly", () => {
    const game = normalForm(example("prisoners_dilemma.game").replace("param P: real = 1", "param P: real = 0.1"));
    expect(game.payoffs[0][3].toString()).toBe("1/10");
  });

  it("analyses a repeated game's table as its stage game, and says so", () => {
    const built = buildNormalForm(lower(example("stag_hunt.game")));
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(built.stage).toBe("stage_game");
    expect(built.game.notes.join(" ")).toMatch(/stage game/);
  });

  it("notes a step that changes rewards besides the table", () => {
    const src = example("prisoners_dilemma.game").replace(
      "  payoff {",
      "  step { for p in player { p.reward += 1 } }\n  payoff {",
    );
    expect(normalForm(src).notes.join(" ")).toMatch(/`step` block also changes rewards/);
  });

  it("lists a role's objective", () => {
    const src = example("prisoners_dilemma.game").replace(
      "    action defect\n",
      "    action defect\n    objective self.reward + 0.5 * sum(o in player where o != self: o.reward)\n",
    );
    const reward = normalForm(src);
    expect(reward.notes.join(" ")).toMatch(/objective/);
    const objective = normalForm(src, { utility: "objective" });
    // Caring for the other half as much turns the dilemma into chicken: T = 5 > R = 4.5 > S = 2.5 > P = 1.5.
    expect(objective.payoffs[0].map(String)).toEqual(["9/2", "5/2", "5", "3/2"]);
    expect(analyze(src, { utility: "objective" }).class).toBe("chicken");
  });
});

describe("normal forms by enumerating the step", () => {
  it("agrees with the table version of the same game", () => {
    const step = normalForm(STEP_PD);
    expect(step.source).toBe("step_enumeration");
    expect(step.exact).toBe(true);
    expect(step.payoffs.map((r) => r.map(String))).toEqual(
      normalForm(example("prisoners_dilemma.game")).payoffs.map((r) => r.map(String)),
    );
    expect(analyze(STEP_PD).class).toBe("prisoners_dilemma");
  });

  it("enumerates a three-player public goods game", () => {
    const game = normalForm(example("analysis/one_shot_public_goods.game"));
    expect(game.sizes).toEqual([5, 5, 5]);
    const i = profileIndex(game.sizes, [4, 0, 0]);
    expect(game.payoffs.map((row) => row[i].toString())).toEqual(["2", "6", "6"]);
    const all = profileIndex(game.sizes, [4, 4, 4]);
    expect(game.payoffs.map((row) => row[all].toString())).toEqual(["6", "6", "6"]);
  });

  it("leaves out actions masked in the first step, per agent", () => {
    const src = `game Gift {
  horizon 1
  role giver * 3 {
    action keep
    action give(t: giver) when t != self
  }
  step {
    for g in giver { match g.action { give(t) => { t.reward += 2  g.reward -= 1 } } }
  }
}
`;
    const game = normalForm(src);
    expect(game.players.map((p) => p.actions)).toEqual([
      ["keep", "give(giver#1)", "give(giver#2)"],
      ["keep", "give(giver#0)", "give(giver#2)"],
      ["keep", "give(giver#0)", "give(giver#1)"],
    ]);
    expect(analyze(src).equilibria[0].profile).toEqual(["keep", "keep", "keep"]);
  });

  it("estimates expected payoffs of a random step, with the sample count and standard errors", () => {
    const game = normalForm(example("analysis/risky_hunt.game"));
    expect(game.exact).toBe(false);
    expect(game.samples).toBe(1000);
    const se = game.standardError!;
    expect(se[0]).toBeGreaterThan(0.03);
    expect(se[0]).toBeLessThan(0.08);
    // E[stag, stag] = 0.75 * 4 = 3, within 5 standard errors.
    expect(Math.abs(game.payoffs[0][0].toNumber() - 3)).toBeLessThan(5 * se[0]);
    // Hare pays 2 whatever happens: no variance, read exactly.
    expect(game.payoffs[0][3].toString()).toBe("2");
    const r = analyze(example("analysis/risky_hunt.game"));
    expect(r.class).toBe("stag_hunt");
    expect(r.methods.equilibria.error_kind).toBe("payoff_standard_error");
    expect(r.normal_form.samples).toBe(1000);
  });

  it("takes the sample count and seed it is given, reproducibly", () => {
    const a = normalForm(example("analysis/risky_hunt.game"), { samples: 300, seed: 4 });
    const b = normalForm(example("analysis/risky_hunt.game"), { samples: 300, seed: 4 });
    // (Seeds that differ only in the low bits permute the interpreter's copies: see docs/analysis.md.)
    const c = normalForm(example("analysis/risky_hunt.game"), { samples: 300, seed: 4 + (1 << 20) });
    expect(a.samples).toBe(300);
    expect(a.payoffs[0][0].toString()).toBe(b.payoffs[0][0].toString());
    expect(a.payoffs[0][0].toString()).not.toBe(c.payoffs[0][0].toString());
  });

  it("analyses the stage game of a repeated game whose rounds are all the same", () => {
    const src = STEP_PD.replace("horizon 1", "horizon 10");
    const built = buildNormalForm(lower(src));
    expect(built.ok && built.stage).toBe("stage_game");
    expect(built.ok && built.game.notes.join(" ")).toMatch(/rounds are all the same/);
  });

  it("leaves out agents without a legal action", () => {
    const src = STEP_PD.replace("  step {", "  role referee { action whistle when round > 0 }\n  step {");
    const game = normalForm(src);
    expect(game.players).toHaveLength(2);
    expect(game.notes.join(" ")).toMatch(/referee has no legal action/);
  });
});

describe("games without a normal form", () => {
  it("sequential games (phases)", () => {
    const built = buildNormalForm(lower(example("ultimatum.game")));
    expect(built).toMatchObject({ ok: false, kind: "sequential" });
    expect(!built.ok && built.reason).toMatch(/phases \(propose, respond\)/);
  });

  it("repeated games whose rounds differ, with the reason", () => {
    const pg = buildNormalForm(lower(example("public_goods.game")));
    expect(pg).toMatchObject({ ok: false, kind: "repeated" });
    expect(!pg.ok && pg.reason).toMatch(/enacts or repeals rule `sanctions`/);
    const coalitions = buildNormalForm(lower(example("coalitions.game")));
    expect(!coalitions.ok && coalitions.reason).toMatch(/teams/);
    const history = buildNormalForm(
      lower(
        STEP_PD.replace("horizon 1", "horizon 5").replace(
          "  step {\n",
          "  step {\n    for p in player { if p.total > 100 { p.reward += 1 } }\n",
        ),
      ),
    );
    expect(!history.ok && history.reason).toMatch(/history/);
  });

  it("joint action spaces over the limit", () => {
    const src = example("public_goods.game")
      .replace("horizon 40", "horizon 1")
      .replace("param n: int = 4", "param n: int = 6");
    const built = buildNormalForm(lower(src));
    expect(built).toMatchObject({ ok: false, kind: "too_large" });
    expect(!built.ok && built.reason).toMatch(/2,985,984 joint actions/);
  });

  it("plans without running anything", () => {
    expect(planStage(lower(example("prisoners_dilemma.game")))).toMatchObject({
      ok: true,
      source: "payoff_table",
      stageKind: "one_shot",
    });
    expect(planStage(lower(example("cheap_talk.game")))).toMatchObject({ ok: false, kind: "sequential" });
  });
});
