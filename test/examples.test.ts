import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import { renderDiagnostic } from "../language/render.js";
import { briefExamples, exampleFiles, gameBlocks, repoRoot } from "./support/sources.js";

function render(name: string, code: string): string[] {
  const doc = checkText(code);
  return doc.diagnostics.map((d) => renderDiagnostic(name, doc.lines, d));
}

describe("the brief's worked examples", () => {
  for (const block of briefExamples()) {
    it(`LANGUAGE.md line ${block.line} checks with no diagnostics`, () => {
      expect(render(`LANGUAGE.md:${block.line}`, block.code)).toEqual([]);
    });
  }

  it("every brief example is in examples/ verbatim", () => {
    const examples = exampleFiles().map((e) => e.code);
    for (const block of briefExamples()) expect(examples).toContain(block.code);
  });
});

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
  const path = join(repoRoot, "docs/language.md");
  const blocks = existsSync(path) ? gameBlocks(readFileSync(path, "utf8")) : [];
  it("has complete game examples", () => {
    expect(blocks.length).toBeGreaterThan(3);
  });
  for (const block of blocks) {
    it(`the example at line ${block.line} checks with no diagnostics`, () => {
      expect(render(`docs/language.md:${block.line}`, block.code)).toEqual([]);
    });
  }
});
