import { describe, expect, it } from "vitest";
import { checkText } from "../../language/check.js";
import { summarizeDocument, summarizeGame } from "../../analysis/editor.js";
import { example } from "./helpers.js";

describe("the editor summary", () => {
  it("summarises the prisoner's dilemma for a code lens and a hover", () => {
    const source = example("prisoners_dilemma.game");
    const s = summarizeGame(source)!;
    expect(s.class).toBe("prisoners_dilemma");
    expect(s.pureEquilibria).toEqual([{ profile: ["defect", "defect"], payoffs: [1, 1], strict: true }]);
    expect(s.dominated.map((d) => [d.role, d.agent, d.action, d.by, d.round])).toEqual([
      ["player", 0, "cooperate", "defect", 1],
      ["player", 1, "cooperate", "defect", 1],
    ]);
    // The range of the dominated action's declaration, for a hint in the editor.
    const span = s.dominated[0].actionSpan!;
    expect(source.slice(span.start, span.end)).toBe("cooperate");
    expect(source.slice(s.anchor.start, s.anchor.end)).toBe("payoff");
    expect(s.lens).toBe("prisoners_dilemma · equilibrium (defect, defect) · strictly dominated: player.cooperate");
    expect(s.hover).toContain("- class: `prisoners_dilemma`");
    expect(s.mixedEquilibria).toEqual([]);
  });

  it("includes small mixed equilibria", () => {
    const s = summarizeGame(example("matching_pennies.game"))!;
    expect(s.class).toBe("matching_pennies");
    expect(s.mixedEquilibria).toHaveLength(1);
    expect(s.mixedEquilibria![0].strategies[0].probabilities).toEqual([
      { action: "heads", p: "1/2" },
      { action: "tails", p: "1/2" },
    ]);
    expect(s.lens).toBe("matching_pennies · no pure equilibrium · 1 mixed");
  });

  it("says why there is nothing to show", () => {
    expect(summarizeGame(example("ultimatum.game"))!.note).toMatch(/phases/);
    expect(summarizeGame(example("analysis/risky_hunt.game"))!.note).toMatch(/random/);
    expect(summarizeGame(example("strike.game"))!.lens).toMatch(/^no normal form: /);
    expect(summarizeGame("game Broken { role }")).toBeUndefined();
  });

  it("bounds its work for keystrokes: past maxProfiles joint actions it says so instead of analysing", () => {
    // Speed itself is measured by `npm run bench -- lsp`; here, that the bound holds.
    const doc = checkText(example("rock_paper_scissors.game"));
    const full = summarizeDocument(doc)!;
    expect(full.note).toBeUndefined();
    expect(full.pureEquilibria).toEqual([]);
    const bounded = summarizeDocument(doc, { maxProfiles: 4 })!;
    expect(bounded.note).toMatch(/9|joint|profiles|too large/i);
    expect(bounded.pureEquilibria).toEqual([]);
    expect(bounded.dominated).toEqual([]);
  });
});
