import { describe, expect, it } from "vitest";
import { formatText } from "../../language/format.js";
import { gameLexer } from "../../language/syntax/tokens.js";
import {
  findReferences,
  formatDocument,
  getCodeActions,
  getCompletions,
  getDefinition,
  getDiagnostics,
  getDocumentHighlights,
  getDocumentSymbols,
  getFoldingRanges,
  getHover,
  getInlayHints,
  getSemanticTokens,
  getSignatureHelp,
  getWorkspaceSymbols,
  prepareRename,
  rename,
  Workspace,
  type GameDocument,
} from "../../language/service/index.js";
import { exampleFiles, languageDocExamples, prng } from "../support/sources.js";

const VOCABULARY = [
  "{",
  "}",
  "(",
  ")",
  "[",
  "]",
  ",",
  ";",
  ":",
  "..",
  ".",
  "=>",
  "==",
  "!=",
  "=",
  "+=",
  "-",
  "*",
  "/",
  "0",
  "1.5",
  "x",
  "self",
  "sum(",
  "count(a in ",
  "a.",
  "play ",
  "match ",
  "for q in ",
  "let ",
  "if ",
  "param ",
  "role r {",
  "rule ",
  "step {",
  "end",
  "when ",
  "/*",
  "*/",
  "// c\n",
  "\n",
  "\r\n",
  " ",
  "#",
  '"',
  "é",
  "\u{1F600}",
];

function mutate(text: string, rand: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)];
  const at = Math.floor(rand() * (text.length + 1));
  switch (Math.floor(rand() * 4)) {
    case 0:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rand() * 3));
    case 1:
      return text.slice(0, at) + pick(VOCABULARY) + text.slice(at);
    case 2: {
      const tokens = gameLexer.tokenize(text).tokens;
      if (tokens.length === 0) return text;
      const t = pick(tokens);
      return text.slice(0, t.startOffset) + text.slice(t.startOffset + t.image.length);
    }
    default:
      return text.slice(0, at) + String.fromCharCode(32 + Math.floor(rand() * 95)) + text.slice(at);
  }
}

/** Calls every feature of the service at `position`; any throw fails the test. */
function everything(ws: Workspace, doc: GameDocument, offset: number) {
  const position = doc.positionAt(offset);
  const range = { start: doc.positionAt(Math.max(0, offset - 20)), end: position };
  getCompletions(doc, position);
  getHover(doc, position);
  getDefinition(doc, position);
  findReferences(doc, position, { includeDeclaration: true });
  getDocumentHighlights(doc, position);
  const prepared = prepareRename(doc, position);
  if (!("error" in prepared)) {
    const result = rename(doc, position, "renamed_x");
    expect("error" in result || Object.keys(result.edit.changes).length === 1).toBe(true);
  }
  getSignatureHelp(doc, position);
  getCodeActions(doc, range);
  getInlayHints(doc, range);
  getWorkspaceSymbols(ws, "a");
}

describe("the language service on broken text", () => {
  const sources = [...exampleFiles().map((e) => e.code), ...languageDocExamples().map((b) => b.code)];

  it("never throws, whatever the edits and wherever the cursor", () => {
    const rand = prng(7);
    const ws = new Workspace();
    let version = 0;
    for (let round = 0; round < 60; round++) {
      const uri = `file:///f${round % 3}.game`;
      let text = sources[Math.floor(rand() * sources.length)];
      // A few edits in a row, as while typing, each version going through the workspace.
      for (let step = 0; step < 4; step++) {
        text = mutate(text, rand);
        const doc = ws.update(uri, version++, text);
        getDiagnostics(doc);
        getDocumentSymbols(doc);
        getFoldingRanges(doc);
        getSemanticTokens(doc);
        formatDocument(doc);
        for (let k = 0; k < 6; k++) everything(ws, doc, Math.floor(rand() * (text.length + 1)));
        everything(ws, doc, 0);
        everything(ws, doc, text.length);
      }
    }
  });

  it("never throws at any position of a broken example, and formats nothing broken", () => {
    const rand = prng(11);
    const ws = new Workspace();
    for (const source of sources.slice(0, 6)) {
      const text = mutate(mutate(source, rand), rand);
      const doc = ws.update("file:///x.game", 1, text);
      const broken = doc.parsed.diagnostics.length > 0;
      if (broken) expect(formatText(text)).toBe(text);
      // Every offset of the first 600 characters, one by one.
      for (let offset = 0; offset <= Math.min(text.length, 600); offset++) {
        getCompletions(doc, doc.positionAt(offset));
        getHover(doc, doc.positionAt(offset));
        getSignatureHelp(doc, doc.positionAt(offset));
      }
    }
  });

  it("handles empty, binary, deeply nested and huge-token text", () => {
    const ws = new Workspace();
    const texts = [
      "",
      " ",
      "game",
      "game G {",
      "}",
      "\u0000\u0001",
      "(".repeat(5000),
      "game G { metric m = " + "-".repeat(3000) + "1 }",
      "game G { " + "x".repeat(100_000) + " }",
    ];
    texts.forEach((text, i) => {
      const doc = ws.update(`file:///t${i}.game`, 1, text);
      getDiagnostics(doc);
      getSemanticTokens(doc);
      getFoldingRanges(doc);
      getDocumentSymbols(doc);
      formatDocument(doc);
      for (const offset of [0, Math.floor(text.length / 2), text.length]) everything(ws, doc, offset);
    });
  });
});
