import { describe, expect, it } from "vitest";
import { analyzeNormalForm } from "../../analysis/analyze.js";
import { NfgError, parseNfg, writeNfg } from "../../analysis/nfg.js";
import { normalFormFromNumbers, type NormalForm } from "../../analysis/normal-form.js";
import { Q } from "../../analysis/rational.js";
import { example, normalForm } from "./helpers.js";

function same(a: NormalForm, b: NormalForm) {
  expect(b.name).toBe(a.name);
  expect(b.players.map((p) => p.name)).toEqual(a.players.map((p) => p.name));
  expect(b.players.map((p) => p.actions)).toEqual(a.players.map((p) => p.actions));
  expect(b.sizes).toEqual(a.sizes);
  expect(b.payoffs.map((r) => r.map(String))).toEqual(a.payoffs.map((r) => r.map(String)));
}

describe("Gambit NFG export and parser", () => {
  it("writes the outcome version, first player fastest", () => {
    const text = writeNfg(normalForm(example("prisoners_dilemma.game")));
    expect(text.split("\n").slice(0, 6)).toEqual([
      'NFG 1 R "PrisonersDilemma" { "player#0" "player#1" }',
      "",
      "{",
      '{ "cooperate" "defect" }',
      '{ "cooperate" "defect" }',
      "}",
    ]);
    // Profiles (C,C), (D,C), (C,D), (D,D): player 1's strategy changes fastest.
    expect(text).toContain('{ "" 3, 3 }\n{ "" 5, 0 }\n{ "" 0, 5 }\n{ "" 1, 1 }');
    expect(text.trimEnd().split("\n").at(-1)).toBe("1 2 3 4");
  });

  for (const file of [
    "prisoners_dilemma.game",
    "rock_paper_scissors.game",
    "analysis/jordan_pennies.game",
    "analysis/one_shot_public_goods.game",
    "battle_of_the_sexes.game",
  ]) {
    it(`round-trips ${file}`, () => {
      const game = normalForm(example(file));
      same(game, parseNfg(writeNfg(game)));
    });
  }

  it("round-trips rationals without a finite decimal and names that need escaping", () => {
    const game = normalFormFromNumbers(
      'a "quoted" game',
      [
        { name: 'row "r"', actions: ["up", "down\\left"] },
        { name: "col", actions: ["a", "b", "c"] },
      ],
      [
        [Q.of(1, 3), Q.of(-2, 7), "0.125", 4, -5, "1e3"],
        [0, 1, 2, 3, 4, Q.of(22, 7)],
      ],
    );
    const text = writeNfg(game);
    expect(text).toContain("1/3");
    same(game, parseNfg(text));
  });

  it("reads the payoff version and agrees with the outcome version", () => {
    // A 3x2 game; payoffs listed per profile, first player fastest.
    const payoffVersion = `NFG 1 R "three by two" { "Player 1" "Player 2" } { 3 2 }

4 1 0 2 1 0 3 3 0 0 2 .5
`;
    const outcomeVersion = `NFG 1 R "three by two" { "Player 1" "Player 2" }
{ { "1" "2" "3" }
  { "1" "2" }
}
"a comment"
{
  { "o1" 4, 1 }
  { "o2" 0, 2 }
  { "o3" 1 0 }
  { "o4" 3, 3 }
  { "o5" 2, 1/2 }
}
1 2 3 4 0 5
`;
    const a = parseNfg(payoffVersion);
    const b = parseNfg(outcomeVersion);
    expect(a.sizes).toEqual([3, 2]);
    expect(a.payoffs[0].map(String)).toEqual(["4", "3", "0", "0", "1", "2"]);
    expect(a.payoffs[1].map(String)).toEqual(["1", "3", "2", "0", "0", "1/2"]);
    expect(b.payoffs.map((r) => r.map(String))).toEqual(a.payoffs.map((r) => r.map(String)));
    expect(b.players[0].actions).toEqual(["1", "2", "3"]);
    // A parsed game can be analysed like any other.
    expect(analyzeNormalForm(a).equilibria.length).toBeGreaterThan(0);
  });

  it("reports malformed files", () => {
    expect(() => parseNfg("EFG 2 R")).toThrow(NfgError);
    expect(() => parseNfg('NFG 1 R "x" { "a" } { 2 }\n1')).toThrow(/unexpected end of file/);
    expect(() => parseNfg('NFG 1 R "x" { "a" "b" } { 2 }\n1 2')).toThrow(/2 players but 1 strategy lists/);
    expect(() => parseNfg('NFG 1 R "x" { "a" } { { "u" } }\n{ { "" 1 } }\n2')).toThrow(/out of range/);
  });
});
