import { describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import type * as A from "../language/syntax/ast.js";
import { parse } from "../language/syntax/parse.js";
import { gameLexer } from "../language/syntax/tokens.js";
import { exampleFiles } from "./support/sources.js";

const tokenNames = (text: string) => gameLexer.tokenize(text).tokens.map((t) => t.tokenType.name);

function onlyExpr(source: string): A.Expr {
  const { ast, diagnostics } = parse(`game G { metric m = ${source} }`);
  expect(diagnostics.filter((d) => d.code.startsWith("E0"))).toEqual([]);
  const metric = ast.game!.items[0] as A.MetricDecl;
  return metric.value;
}

/** Prints an expression with explicit parentheses, to see how it grouped. */
function show(e: A.Expr): string {
  switch (e.kind) {
    case "Binary":
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case "Unary":
      return `(${e.op} ${show(e.operand)})`;
    case "IfExpr":
      return `(if ${show(e.condition)} then ${show(e.then)} else ${show(e.else)})`;
    case "Number":
      return e.text;
    case "NameRef":
      return e.name.text;
    case "Field":
      return `${show(e.object)}.${e.field.text}`;
    case "Paren":
      return show(e.inner);
    case "Call":
      return `${e.callee.text}(${e.args.map(show).join(", ")})`;
    case "Aggregate":
      return `${e.fn.text}[${e.variable.text} in ${e.over.text}${e.filter ? ` where ${show(e.filter)}` : ""}${e.body ? `: ${show(e.body)}` : ""}]`;
    case "Last":
      return `last(${show(e.operand)})`;
    case "Self":
      return "self";
    case "Bool":
      return String(e.value);
    default:
      return e.kind;
  }
}

describe("lexer", () => {
  it("reads keywords whole and leaves longer words as identifiers", () => {
    expect(tokenNames("int integer in index team teams phase phases")).toEqual([
      "Int",
      "Identifier",
      "In",
      "Identifier",
      "Team",
      "Teams",
      "Phase",
      "Phases",
    ]);
  });

  it("reads numbers without leading or trailing dots, and ranges", () => {
    expect(tokenNames("0..10")).toEqual(["Number", "DotDot", "Number"]);
    expect(gameLexer.tokenize("1e6 2.5e-3 0.25 3").tokens.map((t) => t.image)).toEqual(["1e6", "2.5e-3", "0.25", "3"]);
  });

  it("keeps comments out of the token stream", () => {
    expect(tokenNames("a // b\n /* c \n d */ e")).toEqual(["Identifier", "Identifier"]);
  });
});

describe("expressions", () => {
  it("follows the precedence table of docs/language.md", () => {
    expect(show(onlyExpr("1 + 2 * 3 - 4"))).toBe("((1 + (2 * 3)) - 4)");
    expect(show(onlyExpr("not a and b or c"))).toBe("(((not a) and b) or c)");
    expect(show(onlyExpr("a == b and c < d"))).toBe("((a == b) and (c < d))");
    expect(show(onlyExpr("-x * y"))).toBe("((- x) * y)");
    expect(show(onlyExpr("if c then 1 else 2 + 3"))).toBe("(if c then 1 else (2 + 3))");
    expect(show(onlyExpr("x % 3 / 2"))).toBe("((x % 3) / 2)");
  });

  it("parses aggregates, calls, fields and last", () => {
    expect(show(onlyExpr("sum(a in citizen where a.index > 0: a.total)"))).toBe(
      "sum[a in citizen where (a.index > 0): a.total]",
    );
    expect(show(onlyExpr("count(c in citizen where c.action == vote(sanctions))"))).toBe(
      "count[c in citizen where (c.action == vote(sanctions))]",
    );
    expect(show(onlyExpr("max(1, size(t))"))).toBe("max(1, size(t))");
    expect(show(onlyExpr("last(self.action)"))).toBe("last(self.action)");
    expect(show(onlyExpr("mean(t in teams: size(t))"))).toBe("mean[t in teams: size(t)]");
  });

  it("allows any word after a dot", () => {
    expect(show(onlyExpr("a.team == b.team"))).toBe("(a.team == b.team)");
  });

  it("reports a chained comparison once, precisely", () => {
    const { diagnostics } = parse("game G { metric m = 1 < 2 < 3 }");
    expect(diagnostics.map((d) => d.code)).toEqual(["E0005"]);
  });
});

describe("declarations", () => {
  it("builds the public goods example", () => {
    const { ast, diagnostics } = parse(exampleFiles().find((e) => e.name === "public_goods.game")!.code);
    expect(diagnostics).toEqual([]);
    const game = ast.game!;
    expect(game.name.text).toBe("PublicGoods");
    expect(game.items.map((i) => i.kind)).toEqual([
      "Param",
      "Param",
      "Param",
      "Horizon",
      "Rule",
      "Role",
      "Step",
      "Metric",
    ]);
    const role = game.items[5] as A.RoleDecl;
    const actions = role.items.filter((i): i is A.ActionDecl => i.kind === "Action");
    expect(actions.map((a) => [a.name.text, a.argument?.name.text, a.argument?.type?.kind])).toEqual([
      ["contribute", "x", "range"],
      ["punish", "t", "role"],
      ["vote", "r", "rule"],
    ]);
    expect(actions[1].guards).toHaveLength(1);
  });

  it("reads rules, train blocks, teams counts and doc comments", () => {
    const { ast, diagnostics } = parse(`
      // The tax rate.
      // Doubled in emergencies.
      param rate: real = 1
      game G {
        teams 3
        /** The tax while high_tax is active. */
        param multiplier: real = 1.5
        rule high_tax { starts active  multiplier = 2.5 }
        rule drought { active when round >= 20 }
        train { steps 1000 hidden [64, 64] opponents [self, tit_for_tat] }
      }`);
    // A param before `game` is a syntax error, reported, and the game still parses.
    expect(diagnostics.map((d) => d.code)).toEqual(["E0001"]);
    const game = ast.game!;
    const teams = game.items[0] as A.TeamsDecl;
    expect(teams.names.map((n) => n.text)).toEqual(["team0", "team1", "team2"]);
    expect((game.items[1] as A.ParamDecl).doc).toBe("The tax while high_tax is active.");
    const rule = game.items[2] as A.RuleDecl;
    expect(rule.items.map((i) => i.kind)).toEqual(["StartsActive", "SetParam"]);
    const train = game.items[4] as A.TrainDecl;
    expect(train.entries.map((e) => [e.key.text, e.list?.length ?? "value"])).toEqual([
      ["steps", "value"],
      ["hidden", 2],
      ["opponents", 2],
    ]);
  });

  it("does not take a comment trailing code as the next declaration's doc", () => {
    const { ast } = parse(
      "game G { // note\n  param a: int = 1 // the first\n  param b: int = a\n  // the third\n  param c: int = b\n}",
    );
    const docs = ast.game!.items.map((i) => (i as A.ParamDecl).doc);
    expect(docs).toEqual([undefined, undefined, "the third"]);
  });

  it("accepts semicolons between any two items", () => {
    const { diagnostics } = parse(
      "game G { horizon 1; role p * 2 { action a; action b; }; step { let x = 1; x += 1; }; }",
    );
    expect(diagnostics).toEqual([]);
  });
});

describe("error recovery", () => {
  it("reports every independent syntax error in one run and keeps the rest of the tree", () => {
    const source = [
      "game G {",
      "  param a: int = = 3",
      "  role p * 2 {",
      "    action go(x: 0..) ",
      "    action stay",
      "  }",
      "  step {",
      "    let y = (1 + 2",
      "    for q in p { q.reward += 1 }",
      "  }",
      "  metric m = 1 +",
      "  horizon 10",
      "}",
    ].join("\n");
    const { ast, diagnostics } = parse(source);
    const lines = diagnostics.map((d) => source.slice(0, d.span.start).split("\n").length);
    expect(new Set(lines)).toEqual(new Set([2, 4, 9, 12]));
    const kinds = ast.game!.items.map((i) => i.kind);
    expect(kinds).toContain("Role");
    expect(kinds).toContain("Horizon");
  });

  it("names the declaration keyword a misspelling meant", () => {
    const { diagnostics } = parse("game G {\n  parm x: int = 3\n  horizon 5\n}");
    expect(diagnostics[0].code).toBe("E0001");
    expect(diagnostics[0].hint).toBe("did you mean `param`?");
  });

  it("asks for the action of a bare `play`", () => {
    const { diagnostics } = parse("game G { role p { action a } bot b for p { play } }");
    expect(diagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ["E0001", "`play` needs an action", "write `play name`, or `play name(value)` for an action with an argument"],
    ]);
  });

  it("reports reserved words used as names", () => {
    const { diagnostics } = parse("game G { param round: int = 3 }");
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["E0008", "`round` is a reserved word and cannot be declared"],
    ]);
  });

  it("reports an unterminated comment, stray characters and binary input", () => {
    expect(parse("game G { } /* open").diagnostics.map((d) => d.code)).toEqual(["E0003"]);
    const stray = parse("game G { horizon 5 @$\n}").diagnostics;
    expect(stray.map((d) => [d.code, d.message])).toEqual([["E0002", "unexpected characters `@$`"]]);
    // A `#` line is skipped whole, so what follows on the line causes nothing more.
    const hash = parse("game G {\n  # a shell comment\n  horizon 5\n}").diagnostics;
    expect(hash.map((d) => [d.code, d.message, d.hint])).toEqual([
      ["E0002", "`#` does not start a comment here", "comments start with `//`"],
    ]);
    const strings = parse('game G {\n  metric m = "score"\n}').diagnostics;
    expect(strings.map((d) => [d.code, d.message])).toEqual([["E0002", 'unexpected string "score"']]);
    const numbers = parse("game G {\n  param a: real = .5\n  param b: real = 2.\n}").diagnostics;
    expect(numbers.map((d) => [d.code, d.hint])).toEqual([
      ["E0001", "write `0.5`"],
      ["E0001", "write `2.0`"],
    ]);
    expect(parse("game\u0000G").diagnostics.map((d) => d.code)).toEqual(["E0007"]);
    expect(parse("").diagnostics.map((d) => d.code)).toEqual(["E0006"]);
    expect(parse("game A { } game B { }").diagnostics.map((d) => d.code)).toEqual(["E0006"]);
  });
});

describe("robustness", () => {
  const deep = [
    ["parentheses", "game G { metric m = " + "(".repeat(5000) + "1" + ")".repeat(5000) + " }"],
    ["blocks", "game G { step { " + "if true { ".repeat(3000) + "}".repeat(3000) + " } }"],
    ["unary minus", "game G { metric m = " + "-".repeat(5000) + "1 }"],
    ["not", "game G { metric m = " + "not ".repeat(5000) + "true }"],
    ["a long sum", "game G { metric m = " + Array(20000).fill("1").join(" + ") + " }"],
    [
      "an else-if chain",
      "game G { state s: int = 0 step { " + Array(1500).fill("if s == 1 { s = 2 }").join(" else ") + " } }",
    ],
    ["unclosed brackets", "game G { metric m = " + "(".repeat(5000)],
  ] as const;
  for (const [what, source] of deep) {
    it(`survives thousands of nested ${what} with a clear error`, () => {
      const doc = checkText(source);
      for (const d of doc.diagnostics) {
        expect(d.span.start).toBeGreaterThanOrEqual(0);
        expect(d.span.end).toBeLessThanOrEqual(source.length);
      }
      if (what !== "an else-if chain")
        expect(doc.diagnostics.some((d) => d.code === "E0004" || d.code === "E0001")).toBe(true);
    });
  }

  it("counts CRLF line endings once", () => {
    const lf = "game G {\n  role p { action a }\n  metric m = nope\n}\n";
    const crlf = lf.replace(/\n/g, "\r\n");
    const a = checkText(lf);
    const b = checkText(crlf);
    expect(b.diagnostics.map((d) => b.lines.positionAt(d.span.start))).toEqual(
      a.diagnostics.map((d) => a.lines.positionAt(d.span.start)),
    );
    expect(b.lines.positionAt(b.diagnostics[0].span.start)).toEqual({ line: 2, character: 13 });
  });
});
