import { describe, expect, it } from "vitest";
import { createDocument, getCompletions, type CompletionItem } from "../../language/service/index.js";

/** Completions at the `|` in `source` (the marker is removed first). */
function complete(source: string): CompletionItem[] {
  const offset = source.indexOf("|");
  if (offset < 0) throw new Error("no cursor marker");
  const text = source.slice(0, offset) + source.slice(offset + 1);
  const doc = createDocument("file:///test.game", text);
  return getCompletions(doc, doc.positionAt(offset)).items;
}
const labels = (source: string) => complete(source).map((i) => i.label);
const kinds = (source: string) => Object.fromEntries(complete(source).map((i) => [i.label, i.kind]));

/** A game with two roles, teams, phases and rules; `body` goes before its closing brace. */
const game = (body: string) => `game G {
  param n: int = 4
  param fine: real = 3
  teams red, blue
  phases act, vote_phase
  state pot: real = 0
  rule sanctions { }
  role citizen * n {
    state effort: real = 0
    action contribute(x: 0..10) in act
    action punish(t: citizen) in act when sanctions and t != self
    action vote(r: rule) in vote_phase
  }
  role boss {
    state mood: int = 0
    action order
    action wait
  }
${body}
}`;

describe("completion: declarations and items", () => {
  it("offers `game` outside any game, and declaration keywords and snippets at game level", () => {
    expect(labels("|")).toEqual(["game"]);
    const items = labels(game("  |"));
    for (const k of [
      "param",
      "horizon",
      "phases",
      "teams",
      "state",
      "role",
      "rule",
      "payoff",
      "step",
      "metric",
      "bot",
      "end",
      "train",
    ])
      expect(items).toContain(k);
    expect(items).not.toContain("let");
    expect(kinds(game("  |"))["role … { }"]).toBe("snippet");
    // `end` completes to `end when `.
    expect(complete(game("  |")).find((i) => i.label === "end")!.insertText).toBe("end when ");
  });

  it("offers role items inside a role, `in` and `when` after an action, and phases after `in`", () => {
    expect(labels(game("  role x {\n    |\n  }"))).toEqual(["action", "state", "team", "observe", "objective"]);
    const afterAction = labels(game("  role x {\n    action go(y: 0..3) |\n  }"));
    expect(afterAction).toEqual(expect.arrayContaining(["in", "when", "action", "state"]));
    expect(labels(game("  role x {\n    action go in |\n  }"))).toEqual(["act", "vote_phase"]);
  });

  it("offers rule items inside a rule: `starts active`, `active when` and the params it may set", () => {
    expect(labels(game("  rule q {\n    |\n  }"))).toEqual(["starts active", "active when", "n", "fine"]);
    expect(labels(game("  rule q { starts |"))).toEqual(["active"]);
  });

  it("offers the unused training settings in `train`, and bots, `self` and `pool` in `opponents`", () => {
    const items = labels(game("  train {\n    steps 100\n    lr 0.01\n    |\n  }"));
    expect(items).toContain("gamma");
    expect(items).toContain("opponents");
    expect(items).not.toContain("steps");
    expect(items).not.toContain("lr");
    expect(labels(game("  bot lazy for boss { play wait }\n  train { opponents [self, |] }"))).toEqual([
      "lazy",
      "self",
      "pool",
    ]);
    // A bot named `pool` is listed as the bot, once.
    expect(labels(game("  bot pool for boss { play wait }\n  train { opponents [|] }"))).toEqual(["pool", "self"]);
  });

  it("offers types after `:` in declarations, and what an action argument may range over", () => {
    expect(labels(game("  param z: |"))).toEqual(["int", "real", "bool"]);
    expect(labels(game("  state z: |"))).toEqual(["int", "real", "bool", "team", "rule", "citizen", "boss"]);
    expect(labels(game("  role x {\n    action target(a: |)\n  }"))).toEqual(["team", "rule", "citizen", "boss", "x"]);
  });

  it("offers nothing where the user names something new", () => {
    for (const source of [
      game("  param |"),
      game("  role |"),
      game("  metric |"),
      game("  step {\n    let |\n  }"),
      game("  step {\n    for |\n  }"),
      game("  phases a, |"),
      game("  metric m = sum(|"),
    ]) {
      expect(labels(source), source.split("\n").slice(-3).join("\\n")).toEqual([]);
    }
  });

  it("offers nothing in comments and numbers", () => {
    expect(labels(game("  // a comment about st|"))).toEqual([]);
    expect(labels(game("  /* a block | comment */"))).toEqual([]);
    expect(labels(game("  param z: int = 12|"))).toEqual([]);
  });
});

describe("completion: statements and expressions", () => {
  it("offers statement keywords and assignable names at a statement start in a step", () => {
    const items = kinds(game("  step act {\n    let total = 0\n    for c in citizen {\n      |\n    }\n  }"));
    for (const k of ["let", "if", "for", "match", "enact", "repeal", "end"]) expect(items[k]).toBe("keyword");
    expect(items.play).toBeUndefined();
    expect(items.total).toBe("variable");
    expect(items.c).toBe("variable");
    expect(items.pot).toBe("state");
  });

  it("reads an arm written without braces as a statement, and its binding as in scope", () => {
    const source = game(
      "  step act {\n    for c in citizen {\n      match c.action {\n        punish(t) => t.reward -= |",
    );
    expect(kinds(source)).toMatchObject({ t: "variable", c: "variable", fine: "param" });
    expect(
      labels(
        game(
          "  step act {\n    for c in citizen {\n      match c.action {\n        punish(t) => t.reward -= fine\n        |",
        ),
      ),
    ).toEqual(["contribute", "punish", "vote"]);
  });

  it("offers `play`, not `enact`, in a bot", () => {
    const items = labels(game("  bot b for boss {\n    |\n  }"));
    expect(items).toContain("play");
    expect(items).not.toContain("enact");
    expect(items).not.toContain("pot");
  });

  it("offers names in scope, game names, expression keywords and built-ins in an expression", () => {
    const items = kinds(
      game("  step act {\n    let total = 0\n    for c in citizen where c.effort > 0 {\n      total += |\n    }\n  }"),
    );
    expect(items).toMatchObject({
      total: "variable",
      c: "variable",
      n: "param",
      fine: "param",
      pot: "state",
      sanctions: "rule",
      red: "team",
      act: "phase",
      round: "keyword",
      not: "keyword",
      clamp: "function",
      sum: "aggregate",
    });
    expect(items.self).toBeUndefined();
  });

  it("scopes locals to their block and after their `let`, and loop variables to their loop", () => {
    const source = game(
      "  step act {\n    for c in citizen {\n      let inner = 1\n    }\n    let later = 2\n    pot += |\n  }",
    );
    const items = labels(source);
    expect(items).not.toContain("inner");
    expect(items).not.toContain("c");
    expect(items).toContain("later");
    expect(labels(game("  step act {\n    let x = |\n  }"))).not.toContain("x");
  });

  it("offers `self` and the action's argument in a guard", () => {
    const items = kinds(game("  role x {\n    action go(y: 0..3) when |\n  }"));
    expect(items).toMatchObject({ y: "variable", self: "keyword", sanctions: "rule" });
  });

  it("offers only constants where a constant is needed", () => {
    const items = labels(game("  role x * |"));
    expect(items).toContain("n");
    expect(items).not.toContain("pot");
    expect(items).not.toContain("random");
    expect(items).not.toContain("sum");
  });

  it("completes built-ins with snippets", () => {
    const clamp = complete(game("  metric m = |")).find((i) => i.label === "clamp" && i.kind === "function")!;
    expect(clamp).toMatchObject({
      insertText: "clamp(${1:x}, ${2:lo}, ${3:hi})",
      snippet: true,
      detail: "clamp(x, lo, hi)",
    });
    const count = complete(game("  metric m = |")).find((i) => i.label === "count")!;
    expect(count.insertText).toBe("count(${1:a} in ${2:citizen} where ${3:condition})");
    expect(complete(game("  metric m = |")).find((i) => i.label === "random")!.insertText).toBe("random()");
  });

  it("replaces the word being typed", () => {
    const item = complete(game("  metric m = cla|mp")).find((i) => i.label === "clamp")!;
    const line = game("  metric m = clamp").split("\n").length - 2;
    expect(item.range).toEqual({ start: { line, character: 13 }, end: { line, character: 18 } });
  });
});

describe("completion: fields and actions", () => {
  it("offers a role's state and every agent's fields after `a.`, on incomplete text", () => {
    // Nothing after the dot, no closing braces: the text ends here.
    const source = game("  step act {\n    for c in citizen {\n      c.|").replace(/\n}$/, "");
    expect(labels(source)).toEqual(["effort", "reward", "total", "index", "team", "action"]);
    expect(labels(game("  step act {\n    for b in boss { b.mo| }\n  }"))).toEqual([
      "mood",
      "reward",
      "total",
      "index",
      "team",
      "action",
    ]);
  });

  it("follows `self`, aggregate variables, action arguments and match bindings to their role", () => {
    expect(labels(game("  role x {\n    state s: int = 0\n    observe self.|\n  }"))[0]).toBe("s");
    expect(labels(game("  metric m = sum(a in boss: a.|"))[0]).toBe("mood");
    expect(labels(game("  metric m = sum(a in boss: a.|)"))[0]).toBe("mood");
    expect(labels(game("  role x {\n    action hit(v: boss) when v.|\n  }"))[0]).toBe("mood");
    const arm = game(
      "  step act {\n    for c in citizen {\n      match c.action {\n        punish(t) => { t.| }\n      }\n    }\n  }",
    );
    expect(labels(arm)[0]).toBe("effort");
    expect(labels(arm)).toContain("action");
  });

  it("leaves `team` out of the fields of a game without teams", () => {
    expect(labels("game G {\n  role p { action a }\n  metric m = sum(q in p: q.|)\n}")).toEqual([
      "reward",
      "total",
      "index",
      "action",
    ]);
  });

  it("offers the actions of the compared agent's role after `a.action ==`", () => {
    const items = labels(game("  step act {\n    for b in boss {\n      if b.action == |\n    }\n  }"));
    expect(items).toEqual(["order", "wait", "noop"]);
    expect(labels(game("  metric m = count(c in citizen where last(c.action) != |"))).toEqual([
      "contribute",
      "punish",
      "vote",
      "noop",
    ]);
  });

  it("offers the subject's actions at the start of a `match` arm, with the argument as a placeholder", () => {
    const source = game(
      "  step act {\n    for c in citizen {\n      match c.action {\n        contribute(x) => { pot += x }\n        |\n      }\n    }\n  }",
    );
    expect(labels(source)).toEqual(["contribute", "punish", "vote"]);
    expect(complete(source).find((i) => i.label === "punish")!.insertText).toBe("punish(${1:t})");
  });

  it("offers the bot's role's actions after `play`, on a `play` with nothing after it", () => {
    expect(labels(game("  bot b for boss {\n    if round == 0 { play |"))).toEqual(["order", "wait"]);
    expect(labels(game("  bot b for citizen {\n    play |\n  }"))).toEqual(["contribute", "punish", "vote"]);
  });

  it("offers, in a payoff row, the actions of the role at that position", () => {
    const source =
      "game G {\n  role a * 2 { action x  action y }\n  role b { action u  action v }\n  payoff {\n    x, y, |\n  }\n}";
    expect(labels(source)).toEqual(["u", "v"]);
    expect(labels(source.replace("x, y, |", "|"))).toEqual(["x", "y"]);
    expect(labels(source.replace("x, y, |", "x, y, u => |"))).toContain("round");
  });

  it("offers rules after `enact`, roles after `in` and `bot … for`, and phases after `step`", () => {
    expect(labels(game("  step act {\n    enact |\n  }"))).toEqual(["sanctions"]);
    expect(labels(game("  step act {\n    for a in |"))).toEqual(["citizen", "boss", "teams"]);
    expect(labels(game("  metric m = count(a in |"))).toEqual(["citizen", "boss", "teams"]);
    expect(labels(game("  bot b for |"))).toEqual(["citizen", "boss"]);
    expect(labels(game("  step |"))).toEqual(["act", "vote_phase"]);
  });

  it("offers a rule-typed match binding after `enact`", () => {
    const items = labels(game("  step vote_phase {\n    for c in citizen { match c.action { vote(r) => { enact |"));
    expect(items).toEqual(["sanctions", "r"]);
  });
});
