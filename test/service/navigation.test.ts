import { describe, expect, it } from "vitest";
import {
  createDocument,
  findReferences,
  getDefinition,
  getDocumentHighlights,
  getHover,
  prepareRename,
  rename,
  type GameDocument,
  type Range,
  type TextEdit,
} from "../../language/service/index.js";
import { checkText } from "../../language/check.js";

/** A document from `source` with the cursor at `|` (removed). */
function at(source: string): { doc: GameDocument; position: { line: number; character: number }; text: string } {
  const offset = source.indexOf("|");
  if (offset < 0) throw new Error("no cursor marker");
  const text = source.slice(0, offset) + source.slice(offset + 1);
  const doc = createDocument("file:///test.game", text);
  return { doc, position: doc.positionAt(offset), text };
}
const slice = (doc: GameDocument, range: Range) => doc.text.slice(doc.offsetAt(range.start), doc.offsetAt(range.end));
const apply = (text: string, doc: GameDocument, edits: TextEdit[]) =>
  [...edits]
    .sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start))
    .reduce((t, e) => t.slice(0, doc.offsetAt(e.range.start)) + e.newText + t.slice(doc.offsetAt(e.range.end)), text);

const PD = `game PD {
  /// The temptation to defect.
  param T: real = 5 in 4..6
  horizon 10
  role player * 2 {
    // Work together.
    action cooperate
    action defect
    state grudge: int = 0
    observe last(self.action), self.grudge
  }
  payoff {
    cooperate, cooperate => 3, 3
    cooperate, defect    => 0, T
    defect,    cooperate => T, 0
    defect,    defect    => 1, 1
  }
  step {
    let betrayals = 0
    for p in player {
      match p.action {
        defect => { betrayals += 1 }
        cooperate => { p.grudge -= 1 }
      }
      if p.action == defect { p.grudge += 1 }
    }
  }
  bot tit_for_tat for player {
    if any(o in player where o != self and last(o.action) == defect) { play defect }
    else { play cooperate }
  }
  metric cooperation = count(p in player where p.action == cooperate) / 2
}
`;

describe("hover", () => {
  it("shows a param's declaration, default, range and doc comment", () => {
    const { doc, position } = at(PD.replace("=> 0, T", "=> 0, |T"));
    const hover = getHover(doc, position)!;
    expect(hover.contents).toContain("param T: real = 5 in 4..6");
    expect(hover.contents).toContain("Default `5.0`");
    expect(hover.contents).toContain("sampled per episode from `4..6`");
    expect(hover.contents).toContain("The temptation to defect.");
    expect(slice(doc, hover.range)).toBe("T");
  });

  it("shows an action's declaration, role and doc wherever its name is used", () => {
    for (const source of [
      PD.replace("    cooperate, cooperate => 3, 3", "    coop|erate, cooperate => 3, 3"),
      PD.replace("{ play cooperate }", "{ play coop|erate }"),
      PD.replace("        cooperate =>", "        |cooperate =>"),
    ]) {
      const { doc, position } = at(source);
      const contents = getHover(doc, position)!.contents;
      expect(contents).toContain("action cooperate");
      expect(contents).toContain("Action of `player` (index 0)");
      expect(contents).toContain("Work together.");
    }
  });

  it("shows an action's argument, phases and guard", () => {
    const source = `game G {
  phases a, b
  rule open { starts active }
  role p * 2 { action give(x: 0..5) in b when open and x > 0 }
  step a { }
  step b { for q in p { match q.action { gi|ve(x) => { q.reward += x } } } }
}`;
    const { doc, position } = at(source);
    const contents = getHover(doc, position)!.contents;
    expect(contents).toContain("action give(x: 0..5) in b when open and x > 0");
    expect(contents).toContain("Argument `x`: an int from 0 to 5.");
    expect(contents).toContain("Available in phase `b`.");
    expect(contents).toContain("Masked out unless `open and x > 0`.");
  });

  it("shows the inferred type of a local, the type of loop variables, agent fields and built-ins", () => {
    expect(getHover(...args(PD.replace("betrayals += 1", "betr|ayals += 1")))!.contents).toContain(
      "let betrayals: int",
    );
    expect(getHover(...args(PD.replace("for p in player {", "for |p in player {")))!.contents).toContain(
      "p: agent of player",
    );
    const grudge = getHover(...args(PD.replace("p.grudge -= 1", "p.gru|dge -= 1")))!.contents;
    expect(grudge).toContain("state grudge: int = 0");
    expect(grudge).toContain("Agent state of `player`");
    const action = getHover(...args(PD.replace("match p.action", "match p.ac|tion")))!.contents;
    expect(action).toContain("action: action of player");
    expect(action).toContain("read-only");
    expect(getHover(...args(PD.replace("if any(", "if a|ny(")))!.contents).toContain("any(a in role [where c])");
    expect(getHover(...args(PD.replace("observe last(", "observe la|st(")))!.contents).toContain("most recent action");
    expect(getHover(...args(PD.replace("horizon 10", "horizon 1|0")))!.contents).toBe("```game\n10: int\n```");
  });

  it("shows nothing on punctuation or in comments", () => {
    expect(getHover(...args(PD.replace("// Work together.", "// Work to|gether.")))).toBeNull();
    expect(getHover(...args(PD.replace("payoff {", "payoff |{")))).toBeNull();
  });
});

function args(source: string): [GameDocument, { line: number; character: number }] {
  const { doc, position } = at(source);
  return [doc, position];
}

describe("definition and references", () => {
  it("goes from a use to the declaration", () => {
    const [doc, position] = args(PD.replace("{ play defect }", "{ play de|fect }"));
    const [location] = getDefinition(doc, position);
    expect(location.uri).toBe("file:///test.game");
    expect(doc.positionAt(doc.offsetAt(location.range.start)).line).toBe(7);
    expect(slice(doc, location.range)).toBe("defect");
    expect(getDefinition(...args(PD.replace("if any(", "if a|ny(")))).toEqual([]);
  });

  it("finds every use of an action: payoff rows, match arms, comparisons, last(...) and play", () => {
    const [doc, position] = args(PD.replace("action defect", "action def|ect"));
    const all = findReferences(doc, position, { includeDeclaration: true });
    const uses = findReferences(doc, position, { includeDeclaration: false });
    // Declaration, 4 in the payoff, the match arm, `p.action == defect`, `last(o.action) == defect`, `play defect`.
    expect(all.length).toBe(9);
    expect(uses.length).toBe(8);
    expect(all.every((l) => slice(doc, l.range) === "defect")).toBe(true);
  });

  it("keeps a local's references to its own scope", () => {
    const source =
      "game G {\n  role p { action a }\n  step {\n    for q in p { let x = 1  q.reward += x }\n    for q in p { let x = 2  q.reward -= x }\n  }\n}";
    const [doc, position] = args(source.replace("let x = 1", "let |x = 1"));
    const refs = findReferences(doc, position);
    expect(refs.map((r) => doc.offsetAt(r.range.start))).toEqual([source.indexOf("x = 1"), source.indexOf("+= x") + 3]);
  });

  it("highlights reads and writes", () => {
    const [doc, position] = args(PD.replace("state grudge", "state gr|udge"));
    const highlights = getDocumentHighlights(doc, position);
    expect(highlights.map((h) => h.kind)).toEqual(["write", "read", "write", "write"]);
  });
});

describe("rename", () => {
  it("renames an action in its declaration, payoff rows, match arms, comparisons and play", () => {
    const { doc, position, text } = at(PD.replace("action defect", "action de|fect"));
    expect(prepareRename(doc, position)).toEqual({ range: expect.anything(), placeholder: "defect" });
    const result = rename(doc, position, "betray");
    if ("error" in result) throw new Error(result.error);
    const edits = result.edit.changes["file:///test.game"];
    expect(edits.length).toBe(9);
    const renamed = apply(text, doc, edits);
    expect(renamed.replace(/\/\/.*$/gm, "")).not.toMatch(/\bdefect\b/);
    expect(renamed).toContain("betray,    betray    => 1, 1");
    expect(renamed).toContain("betray => { betrayals += 1 }");
    expect(renamed).toContain("{ play betray }");
    // Same diagnostics and symbols as before, with the new name.
    expect(checkText(renamed).diagnostics.map((d) => d.code)).toEqual(checkText(text).diagnostics.map((d) => d.code));
  });

  it("renames a role everywhere it is named: loops, aggregates, bots, targets", () => {
    const { doc, position, text } = at(PD.replace("role player", "role pla|yer"));
    const result = rename(doc, position, "prisoner");
    if ("error" in result) throw new Error(result.error);
    const renamed = apply(text, doc, result.edit.changes["file:///test.game"]);
    expect(renamed).not.toMatch(/\bplayer\b/);
    expect(checkText(renamed).diagnostics).toEqual([]);
  });

  it("renames a param used in rows and a loop variable inside its loop only", () => {
    const { doc, position, text } = at(PD.replace("param T:", "param |T:"));
    const result = rename(doc, position, "temptation");
    if ("error" in result) throw new Error(result.error);
    expect(apply(text, doc, result.edit.changes["file:///test.game"])).toContain(
      "cooperate, defect    => 0, temptation",
    );
  });

  it("rejects reserved words, built-ins, generated names and invalid or clashing new names", () => {
    expect(prepareRename(...args(PD.replace("horizon 10", "hori|zon 10")))).toEqual({
      error: "`horizon` is a reserved word and cannot be renamed",
    });
    expect(prepareRename(...args(PD.replace("if any(", "if a|ny(")))).toEqual({
      error: "`any` is built in and cannot be renamed",
    });
    expect(prepareRename(...args(PD.replace("p.action ==", "p.act|ion ==")))).toMatchObject({
      error: expect.stringContaining("every agent has"),
    });
    expect(prepareRename(...args("game G {\n  teams 3\n  role p { action a  team = te|am1 }\n}"))).toMatchObject({
      error: expect.stringContaining("generated by `teams 3`"),
    });
    const [doc, position] = args(PD.replace("action defect", "action de|fect"));
    expect(rename(doc, position, "2bad")).toMatchObject({ error: expect.stringContaining("not a valid name") });
    expect(rename(doc, position, "round")).toEqual({ error: "`round` is a reserved word" });
    expect(rename(doc, position, "sum")).toEqual({ error: "`sum` is a built-in function" });
    expect(rename(doc, position, "cooperate")).toEqual({
      error: "`cooperate` is already declared as an action of `player`",
    });
    expect(rename(doc, position, "grudge")).toEqual({
      error: "`grudge` is already declared as an agent state of `player`",
    });
    // Another role's action or a game-level name is a different namespace: allowed.
    const [paramDoc, paramPosition] = args(PD.replace("param T:", "param |T:"));
    expect(rename(paramDoc, paramPosition, "tit_for_tat")).toEqual({
      error: "`tit_for_tat` is already declared as a bot",
    });
    expect("edit" in rename(paramDoc, paramPosition, "defect")).toBe(true);
    const [stateDoc, statePosition] = args(PD.replace("state grudge", "state gr|udge"));
    expect(rename(stateDoc, statePosition, "reward")).toEqual({ error: "every agent already has `reward`" });
  });
});
