import { describe, expect, it } from "vitest";
import { checkText } from "../../language/check.js";
import { parse, type ParseResult } from "../../language/syntax/parse.js";
import {
  applyContentChanges,
  getCompletions,
  getDiagnostics,
  getDocumentSymbols,
  getHover,
  getSemanticTokens,
  reparse,
  Workspace,
} from "../../language/service/index.js";
import { generateScenario } from "../../bench/generate.js";
import { exampleFiles, prng } from "../support/sources.js";

const GAME = `game G {
  param n: int = 2
  role p * n { action a  action b }
  step {
    for q in p { q.reward += 1 }
  }
}
`;

describe("Workspace", () => {
  it("parses and checks lazily, once per version, however many features ask", () => {
    const ws = new Workspace();
    const doc = ws.update("file:///g.game", 1, GAME);
    expect(ws.stats).toEqual({ parses: 0, incrementalParses: 0, checks: 0 });
    getDiagnostics(doc);
    expect(ws.stats).toMatchObject({ parses: 1, checks: 1 });
    getCompletions(doc, { line: 4, character: 20 });
    getHover(doc, { line: 1, character: 9 });
    getDocumentSymbols(doc);
    getSemanticTokens(doc);
    expect(ws.stats).toMatchObject({ parses: 1, checks: 1 });
  });

  it("keeps the computed stages when the same version comes again, and starts over on a new one", () => {
    const ws = new Workspace();
    const first = ws.update("u", 1, GAME);
    getDiagnostics(first);
    expect(ws.update("u", 1, GAME)).toBe(first);
    const second = ws.update("u", 2, GAME.replace("param n: int = 2", "param n: int = 3"));
    expect(second).not.toBe(first);
    expect(ws.get("u")).toBe(second);
    getDiagnostics(second);
    expect(ws.stats.parses).toBe(2);
    expect(second.model!.roles[0].count).toBe(3);
    // The old version is untouched.
    expect(first.model!.roles[0].count).toBe(2);
  });

  it("parses a version from the last version that was parsed, skipping those never looked at", () => {
    const ws = new Workspace();
    const text = generateScenario(300);
    getDiagnostics(ws.update("u", 0, text));
    const at = text.indexOf("state stock3") + "state stock3".length;
    // Three keystrokes, no request in between, then diagnostics.
    ws.update("u", 1, text.slice(0, at) + "a" + text.slice(at));
    ws.update("u", 2, text.slice(0, at) + "ab" + text.slice(at));
    const last = ws.update("u", 3, text.slice(0, at) + "abc" + text.slice(at));
    expect(last.diagnostics).toEqual(checkText(last.text).diagnostics);
    expect(ws.stats).toEqual({ parses: 2, incrementalParses: 1, checks: 2 });
  });

  it("applies editor changes to the open text and tracks documents", () => {
    const ws = new Workspace();
    ws.open("a", GAME);
    ws.open("b", "game B { }");
    const doc = ws.applyChanges("a", 5, [
      { range: { start: { line: 1, character: 17 }, end: { line: 1, character: 18 } }, text: "4" },
      { range: { start: { line: 0, character: 5 }, end: { line: 0, character: 6 } }, text: "Renamed" },
    ]);
    expect(doc.version).toBe(5);
    expect(doc.text.split("\n").slice(0, 2)).toEqual(["game Renamed {", "  param n: int = 4"]);
    expect(ws.documents.map((d) => d.uri).sort()).toEqual(["a", "b"]);
    ws.close("b");
    expect(ws.get("b")).toBeUndefined();
    expect(ws.documents.length).toBe(1);
  });
});

describe("applyContentChanges", () => {
  it("applies ranges in order, each in the text left by the ones before", () => {
    const text = "ab\ncd\nef";
    const result = applyContentChanges(text, [
      { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 2 } }, text: "XY\nZ" },
      { range: { start: { line: 2, character: 0 }, end: { line: 2, character: 1 } }, text: "" },
    ]);
    expect(result).toBe("ab\nXY\n\nef");
  });

  it("counts CRLF as one line break and clamps positions past a line's end", () => {
    expect(
      applyContentChanges("a\r\nb\r\nc", [
        { range: { start: { line: 1, character: 0 }, end: { line: 1, character: 99 } }, text: "B" },
      ]),
    ).toBe("a\r\nB\r\nc");
    expect(
      applyContentChanges("abc", [
        { range: { start: { line: 0, character: 1 }, end: { line: 0, character: 1 } }, text: "-" },
      ]),
    ).toBe("a-bc");
  });

  it("replaces the whole text for a change without a range", () => {
    expect(
      applyContentChanges("old", [
        { text: "new" },
        { range: { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } }, text: "!" },
      ]),
    ).toBe("new!");
  });
});

/** Everything a parse produces, spans and token positions included. */
function shape(r: ParseResult): string {
  return JSON.stringify({
    ast: r.ast,
    tokens: r.tokens.map((t) => [t.image, t.startOffset, t.endOffset, t.tokenType.name]),
    diagnostics: r.diagnostics,
  });
}

describe("incremental parsing", () => {
  it("gives exactly the whole parse's result after random chains of edits", () => {
    const texts = [
      ...exampleFiles().map((e) => e.code),
      generateScenario(200),
      exampleFiles()[0].code.replace(/\n/g, "\r\n"),
    ];
    const vocabulary = [
      "{",
      "}",
      "(",
      ")",
      ",",
      ";",
      ":",
      "..",
      ".",
      "=>",
      "==",
      "=",
      "-",
      "0",
      "x",
      "self",
      "param",
      "role",
      "state",
      "step",
      "end",
      "when",
      "//",
      "/*",
      "*/",
      "\n",
      " ",
      "let y = 1",
      "rule r { }",
      "// doc\n",
      "param q: int = 1\n",
    ];
    const rand = prng(2024);
    let compared = 0;
    let spliced = 0;
    for (let chain = 0; chain < 150; chain++) {
      let text = texts[Math.floor(rand() * texts.length)];
      let base = parse(text);
      for (let step = 0; step < 5; step++) {
        const at = Math.floor(rand() * (text.length + 1));
        const deleted = rand() < 0.4 ? Math.floor(rand() * 5) : 0;
        const inserted = rand() < 0.8 ? vocabulary[Math.floor(rand() * vocabulary.length)] : "";
        const next = text.slice(0, at) + inserted + text.slice(Math.min(text.length, at + deleted));
        const incremental = reparse(text, base, next);
        const whole = parse(next);
        compared++;
        if (incremental) {
          spliced++;
          expect(shape(incremental), `edit at ${at}: ${JSON.stringify(inserted)}`).toBe(shape(whole));
        }
        text = next;
        base = incremental ?? whole;
      }
    }
    // The splice is taken often enough for the comparison to mean something.
    expect(spliced).toBeGreaterThan(compared / 4);
  });

  it("splices typing inside one item of a large file, and parses whole where the edit reaches further", () => {
    const text = generateScenario(400);
    const base = parse(text);
    const at = text.indexOf("state stock5") + "state stock5".length;
    const typed = text.slice(0, at) + "x" + text.slice(at);
    expect(reparse(text, base, typed)).toBeDefined();
    // An unclosed `/*` swallows the rest of the file; the game's name is outside its body.
    const comment = text.slice(0, at) + "/*" + text.slice(at);
    expect(reparse(text, base, comment)).toBeUndefined();
    expect(reparse(text, base, text.replace("game Generated", "game Renamed"))).toBeUndefined();
    // A `{` left open is recovered from locally here (`}` is taken as missing before `role`),
    // so the splice is allowed, and gives the same tree.
    const brace = text.indexOf("rule vote5 { }") + "rule vote5 ".length;
    const unclosed = text.slice(0, brace) + "{" + text.slice(brace + 3);
    const spliced = reparse(text, base, unclosed);
    expect(spliced && shape(spliced)).toBe(shape(parse(unclosed)));
  });

  it("sees a doc comment change on the item after the edited one", () => {
    const text = "game G {\n  param a: int = 1\n  // the doc\n  param b: int = a\n  role r { action x observe b }\n}\n";
    const next = text.replace("// the doc", "// a new doc");
    const result = reparse(text, parse(text), next) ?? parse(next);
    const b = result.ast.game!.items[1];
    expect(b.kind === "Param" && b.doc).toBe("a new doc");
    expect(shape(result)).toBe(shape(parse(next)));
  });

  it("gives a document's diagnostics the same as checkText after edits", () => {
    const ws = new Workspace();
    let text = exampleFiles().find((e) => e.name === "commons_harvest.game")!.code;
    ws.update("u", 0, text);
    getDiagnostics(ws.get("u")!);
    const edits: [string, string][] = [
      ["param gear: int = 6", "param gear: int = 7"],
      ["stock -= caught", "stock -= caugh"],
      ["metric catch =", "metric catch ="],
      ["  bot greedy", "  // a greedy bot\n  bot greedy"],
    ];
    let version = 1;
    for (const [from, to] of edits) {
      text = text.replace(from, to);
      const doc = ws.update("u", version++, text);
      expect(doc.diagnostics).toEqual(checkText(text).diagnostics);
    }
    expect(ws.stats.incrementalParses).toBeGreaterThan(0);
  });
});
