import { describe, expect, it } from "vitest";
import { formatText } from "../../language/format.js";
import { checkText } from "../../language/check.js";
import {
  classifyTokens,
  createDocument,
  formatDocument,
  getCodeActions,
  getDiagnostics,
  getDocumentSymbols,
  getFoldingRanges,
  getInlayHints,
  getSemanticTokens,
  getSignatureHelp,
  getWorkspaceSymbols,
  semanticTokensLegend,
  Workspace,
  type DocumentSymbol,
  type GameDocument,
  type TextEdit,
} from "../../language/service/index.js";

function at(source: string): [GameDocument, { line: number; character: number }] {
  const offset = source.indexOf("|");
  if (offset < 0) throw new Error("no cursor marker");
  const doc = createDocument("file:///test.game", source.slice(0, offset) + source.slice(offset + 1));
  return [doc, doc.positionAt(offset)];
}
const apply = (doc: GameDocument, edits: TextEdit[]) =>
  [...edits]
    .sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start))
    .reduce(
      (t, e) => t.slice(0, doc.offsetAt(e.range.start)) + e.newText + t.slice(doc.offsetAt(e.range.end)),
      doc.text,
    );

const BROKEN_PD = `game PD {
  param T: real = 5
  param unused: int = 1
  role player * 2 {
    action cooperate
    action defect
  }
  payoff {
    cooperate, cooperate => 3, 3
    defect,    defect    => 1, 1
  }
  step {
    for p in player { p.reward += mx(T, 1) }
  }
}
`;

describe("diagnostics", () => {
  it("converts ranges, codes, hints, fixes and related locations; warnings stay warnings", () => {
    const doc = createDocument("file:///pd.game", BROKEN_PD);
    const diagnostics = getDiagnostics(doc);
    expect(diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["W0001", "warning"],
      ["E0501", "error"],
      ["E0101", "error"],
    ]);
    const unknown = diagnostics[2];
    expect(unknown).toMatchObject({ message: "unknown function `mx`", hint: "did you mean `max`?", source: "agora" });
    expect(unknown.range).toEqual({ start: { line: 12, character: 34 }, end: { line: 12, character: 36 } });
    expect(unknown.fix).toEqual({ title: "Change to `max`", edit: { range: unknown.range, newText: "max" } });
    const duplicate = getDiagnostics(
      createDocument(
        "file:///d.game",
        "game G {\n  param a: int = 1\n  param a: int = 2\n  role p { action x observe a }\n}",
      ),
    );
    expect(duplicate[0].relatedInformation).toEqual([
      {
        location: {
          uri: "file:///d.game",
          range: { start: { line: 1, character: 8 }, end: { line: 1, character: 9 } },
        },
        message: "first declared here",
      },
    ]);
  });

  it("reports exactly what `agora check` reports", () => {
    const doc = createDocument("u", BROKEN_PD);
    expect(getDiagnostics(doc).map((d) => [d.code, doc.offsetAt(d.range.start), d.message])).toEqual(
      checkText(BROKEN_PD).diagnostics.map((d) => [d.code, d.span.start, d.message]),
    );
  });
});

describe("code actions", () => {
  it("offers the fixes of the diagnostics in the range, as edits", () => {
    const doc = createDocument("file:///pd.game", BROKEN_PD);
    const line12 = { start: { line: 12, character: 0 }, end: { line: 12, character: 50 } };
    const actions = getCodeActions(doc, line12);
    expect(actions.map((a) => a.title)).toEqual(["Change to `max`"]);
    expect(actions[0]).toMatchObject({ kind: "quickfix", isPreferred: true, diagnostics: [{ code: "E0101" }] });
    expect(apply(doc, actions[0].edit.changes["file:///pd.game"])).toContain("p.reward += max(T, 1)");
    expect(getCodeActions(doc, { start: { line: 1, character: 0 }, end: { line: 1, character: 3 } })).toEqual([]);
  });

  it("adds the missing payoff rows, indented like the others, and the table then checks", () => {
    const doc = createDocument("file:///pd.game", BROKEN_PD);
    const [action] = getCodeActions(doc, { start: { line: 7, character: 3 }, end: { line: 7, character: 3 } });
    expect(action.title).toBe("Add the 2 missing rows");
    const fixed = apply(doc, action.edit.changes["file:///pd.game"]);
    expect(fixed).toContain(
      "    defect,    defect    => 1, 1\n    cooperate, defect => 0, 0\n    defect, cooperate => 0, 0\n  }",
    );
    expect(checkText(fixed).diagnostics.map((d) => d.code)).toEqual(["W0001", "E0101"]);
  });
});

describe("symbols", () => {
  const PUBLIC_GOODS = `game PublicGoods {
  param n: int = 4
  teams red, blue
  state pot: real = 0
  rule sanctions { }
  role citizen * n {
    state effort: real = 0
    action contribute(x: 0..10)
    action vote(r: rule)
  }
  step { }
  metric giving = pot
  bot lazy for citizen { play contribute(0) }
}
`;

  it("outlines the game: params, teams, state, rules, roles with their actions and state, steps, metrics, bots", () => {
    const doc = createDocument("u", PUBLIC_GOODS);
    const [game] = getDocumentSymbols(doc);
    expect(game.name).toBe("PublicGoods");
    const outline = (s: DocumentSymbol): unknown =>
      s.children.length ? [s.kind, s.name, s.children.map(outline)] : [s.kind, s.name];
    expect(game.children.map(outline)).toEqual([
      ["param", "n"],
      ["team", "red"],
      ["team", "blue"],
      ["state", "pot"],
      ["rule", "sanctions"],
      [
        "role",
        "citizen",
        [
          ["agentState", "effort"],
          ["action", "contribute"],
          ["action", "vote"],
        ],
      ],
      ["step", "step"],
      ["metric", "giving"],
      ["bot", "lazy"],
    ]);
    const role = game.children[5];
    expect(role.detail).toBe("* 4");
    expect(role.children[1].detail).toBe("(x: 0..10)");
    expect(doc.text.slice(doc.offsetAt(role.selectionRange.start), doc.offsetAt(role.selectionRange.end))).toBe(
      "citizen",
    );
    expect(doc.offsetAt(role.range.end)).toBe(PUBLIC_GOODS.indexOf("  step") - 1);
  });

  it("finds declarations across the open documents by a fuzzy query", () => {
    const ws = new Workspace();
    ws.open("file:///a.game", PUBLIC_GOODS);
    ws.open("file:///b.game", "game B {\n  role voter { action vote_yes  action vote_no }\n}\n");
    const found = getWorkspaceSymbols(ws, "vot").map((s) => [s.name, s.kind, s.containerName, s.location.uri]);
    expect(found).toEqual([
      ["vote", "action", "citizen", "file:///a.game"],
      ["voter", "role", "B", "file:///b.game"],
      ["vote_yes", "action", "voter", "file:///b.game"],
      ["vote_no", "action", "voter", "file:///b.game"],
    ]);
    expect(getWorkspaceSymbols(ws, "ctz").map((s) => s.name)).toEqual(["citizen"]);
    expect(getWorkspaceSymbols(ws, "").length).toBe(16);
  });
});

describe("folding", () => {
  it("folds blocks and comments, keeping the closing line visible, also on broken text", () => {
    const source = `// one
// two
game G {
  role p {
    action a
  }
  /* a
     block */
  step {
    for q in p {
      q.reward += 1
`;
    const doc = createDocument("u", source);
    expect(getFoldingRanges(doc)).toEqual([
      { startLine: 0, endLine: 1, kind: "comment" },
      { startLine: 2, endLine: 11 },
      { startLine: 3, endLine: 4 },
      { startLine: 6, endLine: 7, kind: "comment" },
      { startLine: 8, endLine: 11 },
      { startLine: 9, endLine: 11 },
    ]);
  });
});

describe("semantic tokens", () => {
  const SOURCE = `game G {
  param k: int = 2 // two
  rule open { }
  teams red, blue
  role p * k {
    state s: int = 0
    action go(t: team) when open
  }
  /* a
     b */
  step {
    for q in p where q.team == red { let z = q.s  q.reward += abs(z) }
  }
}
`;
  it("classifies keywords, declarations and uses by what they name", () => {
    const doc = createDocument("u", SOURCE);
    const tokens = classifyTokens(doc).map(
      (t) =>
        `${SOURCE.slice(t.start, t.start + t.length)}:${t.type}${t.modifiers.length ? "+" + t.modifiers.join("+") : ""}`,
    );
    expect(tokens).toEqual(
      expect.arrayContaining([
        "game:keyword",
        "G:game+declaration",
        "k:param+declaration+readonly",
        "int:type",
        "=:operator",
        "2:number",
        "// two:comment",
        "open:rule+declaration",
        "red:team+declaration+readonly",
        "p:role+declaration",
        "*:operator",
        "k:param+readonly",
        "s:property+declaration",
        "go:action+declaration",
        "t:variable+declaration+readonly",
        "team:type",
        "open:rule",
        "q:variable+declaration+readonly",
        "team:property+defaultLibrary",
        "red:team+readonly",
        "z:variable+declaration",
        "s:property",
        "reward:property+defaultLibrary",
        "abs:function+defaultLibrary",
        "z:variable",
      ]),
    );
  });

  it("encodes them relative to each other, splitting multi-line comments by line", () => {
    const doc = createDocument("u", SOURCE);
    const { data } = getSemanticTokens(doc);
    expect(data.length % 5).toBe(0);
    // Decode and compare with the classification.
    const decoded: string[] = [];
    let line = 0;
    let character = 0;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i];
      character = data[i] === 0 ? character + data[i + 1] : data[i + 1];
      const start = doc.offsetAt({ line, character });
      decoded.push(`${doc.text.slice(start, start + data[i + 2])}:${semanticTokensLegend.tokenTypes[data[i + 3]]}`);
    }
    expect(decoded).toContain("/* a:comment");
    expect(decoded).toContain("     b */:comment");
    const single = classifyTokens(doc).filter((t) => !doc.text.slice(t.start, t.start + t.length).includes("\n"));
    expect(decoded.filter((d) => !d.startsWith("/* a") && !d.startsWith("     b")).length).toBe(single.length);
    expect(semanticTokensLegend.tokenModifiers).toEqual(["declaration", "readonly", "defaultLibrary"]);
  });
});

describe("formatting", () => {
  it("gives the `agora fmt` layout as edits, and none when formatted or broken", () => {
    const source = "game G {\n  param n:int=2\n  role p*n{action a action b}\n}\n";
    const doc = createDocument("u", source);
    const edits = formatDocument(doc);
    expect(edits.length).toBe(1);
    // The edit starts at the first changed line.
    expect(edits[0].range.start).toEqual({ line: 1, character: 0 });
    expect(apply(doc, edits)).toBe(formatText(source));
    expect(formatDocument(createDocument("u", formatText(source)))).toEqual([]);
    expect(formatDocument(createDocument("u", "game G {\n  param n:int=\n}\n"))).toEqual([]);
  });
});

describe("signature help", () => {
  const game = (expr: string) =>
    `game G {\n  param n: int = 2\n  role p * n { action give(x: 0..3)  action keep }\n  metric m = ${expr}\n  bot b for p { play give(|) }\n}`;
  it("shows built-in signatures with the active parameter counted by commas", () => {
    const [doc, position] = at(game("clamp(n, |)").replace("give(|)", "give(1)"));
    const help = getSignatureHelp(doc, position)!;
    expect(help.signatures[0].label).toBe("clamp(x, lo, hi)");
    expect(help.activeParameter).toBe(1);
    const [p0, p1] = help.signatures[0].parameters;
    expect(help.signatures[0].label.slice(...p0.label)).toBe("x");
    expect(help.signatures[0].label.slice(...p1.label)).toBe("lo");
    expect(getSignatureHelp(...at(game("clamp(min(n, 1), |").replace("give(|)", "give(1)")))!.activeParameter).toBe(1);
    expect(getSignatureHelp(...at(game("clamp(min(n, |), 1").replace("give(|)", "give(1)")))!.signatures[0].label).toBe(
      "min(a, b, ...)",
    );
  });

  it("follows an aggregate's `where` and `:`", () => {
    const help = (expr: string) => getSignatureHelp(...at(game(expr).replace("give(|)", "give(1)")))!;
    expect(help("sum(a in p|").activeParameter).toBe(0);
    expect(help("sum(a in p where a.index > |").activeParameter).toBe(1);
    expect(help("sum(a in p where a.index > 0: |").activeParameter).toBe(2);
    expect(help("count(a in p where |").signatures[0].label).toBe("count(a in role [where c])");
    // `min(` may be either: both signatures until a comma or `in` decides.
    expect(help("min(|").signatures.map((s) => s.label)).toEqual(["min(a, b, ...)", "min(a in role [where c]: e)"]);
  });

  it("shows an action's argument, and nothing outside a call", () => {
    const [doc, position] = at(game("n"));
    expect(getSignatureHelp(doc, position)!.signatures[0].label).toBe("give(x: 0..3)");
    expect(getSignatureHelp(...at(game("clamp(n, 0, 1)|").replace("give(|)", "give(1)")))).toBeNull();
    expect(getSignatureHelp(...at(game("n |").replace("give(|)", "give(1)")))).toBeNull();
  });
});

describe("inlay hints", () => {
  it("shows the inferred type of each `let` without one", () => {
    const source =
      "game G {\n  role p { action a }\n  step {\n    let pot = 0\n    let share: real = 0\n    let ratio = pot / 2\n    for q in p { let who = q  let r = q.reward > 0 }\n  }\n}\n";
    const doc = createDocument("u", source);
    const hints = getInlayHints(doc).map((h) => [
      doc.text.slice(0, doc.offsetAt(h.position)).split(/\s/).pop(),
      h.label,
    ]);
    expect(hints).toEqual([
      ["pot", ": int"],
      ["ratio", ": real"],
      ["who", ": p"],
      ["r", ": bool"],
    ]);
    const [first] = getInlayHints(doc);
    expect(first.textEdits).toEqual([{ range: { start: first.position, end: first.position }, newText: ": int" }]);
    expect(
      getInlayHints(doc, { start: { line: 5, character: 0 }, end: { line: 5, character: 40 } }).map((h) => h.label),
    ).toEqual([": real"]);
  });
});
