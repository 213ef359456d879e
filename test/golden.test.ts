// Golden tests for diagnostics: every malformed file in test/corpus/errors is checked, its
// diagnostics rendered as `agora check` prints them, and the text compared with the sibling
// `.expected` file. Regenerate the `.expected` files with
//
//     UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts
//
// and read the diff before committing it: the point of these files is that a person has
// judged every message.
//
// Each corpus file starts with `//` comments saying what it tests; one of them is
//
//     // expect: E0101 W0001
//
// the exact set of diagnostic codes the file must produce (checked independently of the
// golden text, so a regenerated golden file cannot hide a wrong or missing code).
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import type { Span } from "../language/text.js";
import { renderDiagnostic } from "../language/render.js";
import { repoRoot } from "./support/sources.js";

const CORPUS = "test/corpus/errors";
const corpusDir = join(repoRoot, CORPUS);
const update = process.env.UPDATE_GOLDEN === "1";

interface CorpusFile {
  name: string;
  /** Path relative to the repository root, with `/`: the name diagnostics are rendered with. */
  relative: string;
  path: string;
  expectedPath: string;
  text: string;
}

function corpusFiles(): CorpusFile[] {
  if (!existsSync(corpusDir)) return [];
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith(".game"))
    .sort()
    .map((name) => {
      const path = join(corpusDir, name);
      return {
        name,
        relative: `${CORPUS}/${name}`,
        path,
        expectedPath: path.replace(/\.game$/, ".expected"),
        text: readFileSync(path, "utf8"),
      };
    });
}

/** The leading `//` comment lines of a file. */
function headerComment(text: string): string[] {
  const header: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith("//")) break;
    header.push(line);
  }
  return header;
}

/** The codes listed on the header's `// expect:` line, or undefined without one. */
function expectedCodes(text: string): string[] | undefined {
  const line = headerComment(text).find((l) => /^\/\/\s*expect:/.test(l));
  if (!line) return undefined;
  return line
    .replace(/^\/\/\s*expect:/, "")
    .trim()
    .split(/[\s,]+/)
    .filter((c) => c !== "");
}

function render(file: CorpusFile): string {
  const doc = checkText(file.text);
  const rendered = doc.diagnostics.map((d) => renderDiagnostic(file.relative, doc.lines, d, { color: false }));
  return rendered.join("\n\n") + "\n";
}

function inDocument(span: Span, length: number): boolean {
  return (
    Number.isInteger(span.start) &&
    Number.isInteger(span.end) &&
    span.start >= 0 &&
    span.start <= span.end &&
    span.end <= length
  );
}

const files = corpusFiles();

describe("golden diagnostics for test/corpus/errors", () => {
  it("has a corpus", () => {
    expect(files.length).toBeGreaterThanOrEqual(45);
  });

  for (const file of files) {
    describe(file.name, () => {
      it("starts with a comment saying what it tests and an `// expect:` line", () => {
        const header = headerComment(file.text);
        expect(header.length, "the file should start with `//` comments").toBeGreaterThan(0);
        const codes = expectedCodes(file.text);
        expect(codes, "the header should have an `// expect: E0101 ...` line").toBeDefined();
        for (const code of codes!) expect(code).toMatch(/^[EW]\d{4}$/);
      });

      it("reports at least one diagnostic, each inside the document", () => {
        const doc = checkText(file.text);
        expect(doc.diagnostics.length).toBeGreaterThan(0);
        for (const d of doc.diagnostics) {
          expect(inDocument(d.span, file.text.length), `${d.code} at ${d.span.start}..${d.span.end}`).toBe(true);
          for (const r of d.related ?? []) {
            expect(inDocument(r.span, file.text.length), `${d.code} note at ${r.span.start}..${r.span.end}`).toBe(true);
          }
        }
      });

      it("reports exactly the codes named in its `// expect:` line", () => {
        const doc = checkText(file.text);
        const reported = [...new Set(doc.diagnostics.map((d) => d.code))].sort();
        const expected = [...new Set(expectedCodes(file.text) ?? [])].sort();
        expect(reported).toEqual(expected);
      });

      it("renders as its .expected file", () => {
        const actual = render(file);
        if (update) {
          writeFileSync(file.expectedPath, actual);
          return;
        }
        expect(existsSync(file.expectedPath), `missing ${file.expectedPath}; run with UPDATE_GOLDEN=1`).toBe(true);
        const expected = readFileSync(file.expectedPath, "utf8").replace(/\r\n/g, "\n");
        expect(actual).toBe(expected);
      });
    });
  }

  it("has no stale .expected files", () => {
    if (!existsSync(corpusDir)) return;
    const games = new Set(files.map((f) => f.name.replace(/\.game$/, "")));
    const stale = readdirSync(corpusDir)
      .filter((f) => f.endsWith(".expected"))
      .filter((f) => !games.has(f.replace(/\.expected$/, "")));
    expect(stale).toEqual([]);
  });
});
