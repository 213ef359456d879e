import { describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import { renderDiagnostic } from "../language/render.js";
import { exampleFiles, languageDocExamples } from "./support/sources.js";

function render(name: string, code: string): string[] {
  const doc = checkText(code);
  return doc.diagnostics.map((d) => renderDiagnostic(name, doc.lines, d));
}

describe("examples/", () => {
  const files = exampleFiles();
  it("holds the catalogue", () => {
    const names = files.map((f) => f.name);
    for (const expected of [
      "prisoners_dilemma.game",
      "public_goods.game",
      "ultimatum.game",
      "coalitions.game",
      "iterated_pd.game",
      "stag_hunt.game",
      "chicken.game",
      "battle_of_the_sexes.game",
      "matching_pennies.game",
      "rock_paper_scissors.game",
      "trust_game.game",
      "commons_harvest.game",
      "cheap_talk.game",
      "strike.game",
    ]) {
      expect(names).toContain(expected);
    }
  });
  for (const file of files) {
    it(`${file.name} checks with no diagnostics`, () => {
      expect(render(`examples/${file.name}`, file.code)).toEqual([]);
    });
  }
});

describe("docs/language.md", () => {
  const blocks = languageDocExamples();
  it("has complete game examples", () => {
    expect(blocks.length).toBeGreaterThan(3);
  });
  for (const block of blocks) {
    it(`the example at line ${block.line} checks with no diagnostics`, () => {
      expect(render(`docs/language.md:${block.line}`, block.code)).toEqual([]);
    });
  }

  it("shows the games it shares with examples/ exactly as they are there", () => {
    const gameName = (code: string) => /^game\s+(\w+)/m.exec(code)?.[1];
    const files = new Map(exampleFiles().map((f) => [gameName(f.code), f]));
    const shared = blocks.filter((b) => files.has(gameName(b.code)));
    expect(shared.length).toBeGreaterThan(0);
    for (const block of shared)
      expect(block.code, `docs/language.md:${block.line}`).toBe(files.get(gameName(block.code))!.code);
  });
});
