import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The language brief, as the project carries it: a copy of the normative LANGUAGE.md, so a clone tests it too. */
export const briefPath = resolve(repoRoot, "test/fixtures/LANGUAGE.md");

/** The ```game blocks of a Markdown file, with their 1-based starting line. */
export function gameBlocks(markdown: string): { code: string; line: number }[] {
  const blocks: { code: string; line: number }[] = [];
  const lines = markdown.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```game") continue;
    const start = i + 1;
    const body: string[] = [];
    for (i = i + 1; i < lines.length && !lines[i].startsWith("```"); i++) body.push(lines[i]);
    blocks.push({ code: body.join("\n") + "\n", line: start + 1 });
  }
  return blocks;
}

/** The brief's worked examples (a missing brief is a failure, never an empty list). */
export function briefExamples(): { code: string; line: number }[] {
  const blocks = gameBlocks(readFileSync(briefPath, "utf8"));
  if (blocks.length === 0) throw new Error(`${briefPath} has no \`\`\`game examples`);
  return blocks;
}

export function exampleFiles(): { name: string; path: string; code: string }[] {
  const dir = join(repoRoot, "examples");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".game"))
    .sort()
    .map((name) => ({ name, path: join(dir, name), code: readFileSync(join(dir, name), "utf8") }));
}

/** Fuzz runs are reproducible: the project's seeded generator. */
export { prng } from "../../language/util/prng.js";
