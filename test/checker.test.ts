import { describe, expect, it } from "vitest";
import { checkText } from "../language/check.js";
import type * as A from "../language/syntax/ast.js";
import { typeToString } from "../language/semantic/types.js";

const check = (source: string, overrides?: Record<string, number | boolean>) =>
  checkText(source, { overrides: overrides ? new Map(Object.entries(overrides)) : undefined });
const codes = (source: string) => check(source).diagnostics.map((d) => d.code);
const messages = (source: string) => check(source).diagnostics.map((d) => `${d.code} ${d.message}`);

const PD = `game PD {
  param T: real = 5
  horizon 1
  role player * 2 { action cooperate  action defect }
  payoff {
    cooperate, cooperate => 3, 3
    cooperate, defect    => 0, T
    defect,    cooperate => T, 0
    defect,    defect    => 1, 1
  }
}`;

describe("constants", () => {
  it("evaluates role counts, horizons and params, with --set applied first", () => {
    const source =
      "game G {\n  param n: int = 2 * 2\n  param half: real = n / 2\n  horizon n..10\n  role p * n { action a observe half }\n}";
    const m = check(source).model!;
    expect(m.roles[0].count).toBe(4);
    expect(m.horizon).toEqual({ lo: 4, hi: 10 });
    expect(m.params.get("half")!.value).toEqual({ type: "real", value: 2 });
    const set = check(source, { n: 6 }).model!;
    expect(set.roles[0].count).toBe(6);
    expect(set.params.get("half")!.value).toEqual({ type: "real", value: 3 });
  });

  it("keeps a ranged param's range, and a --set value pins it", () => {
    const source = "game G {\n  param m: real = 1.6 in 1.2..2.5\n  role p { action a observe m }\n}";
    expect(check(source).model!.params.get("m")!.range).toEqual({ lo: Math.fround(1.2), hi: 2.5 });
    const pinned = check(source, { m: 2 }).model!.params.get("m")!;
    expect(pinned.range).toBeUndefined();
    expect(pinned.value).toEqual({ type: "real", value: 2 });
    expect(
      messages(
        "game G {\n  param m: real = 1.6 in 1.2..2.5\n  role p { action a observe m }\n}".replace("1.6 in", "3 in"),
      ),
    ).toEqual(["E0404 the default of `m`, 3.0, lies outside its range 1.2..2.5"]);
  });

  it("explains why a count is not constant", () => {
    expect(messages("game G {\n  param n: int = 3 in 2..5\n  role p * n { action a }\n}")).toEqual([
      "E0401 a role count must be a constant: `n` is sampled per episode (it has a range)",
    ]);
    expect(
      messages("game G {\n  param n: int = 3\n  rule big { starts active  n = 4 }\n  role p * n { action a }\n}"),
    ).toEqual(["E0401 a role count must be a constant: `n` is changed by rule `big`"]);
    expect(messages("game G {\n  state s: int = 2\n  role p * s { action a observe s }\n}")).toEqual([
      "E0401 a role count must be a constant: `s` is a state, not a param",
    ]);
    expect(codes("game G {\n  param a: int = b\n  param b: int = a\n  role p * a { action x }\n}")).toContain("E0407");
  });

  it("reports non-positive and non-int role counts", () => {
    expect(messages("game G { role p * 0 { action a } }")).toEqual([
      "E0402 role `p` must have at least one agent, found 0",
    ]);
    expect(messages("game G { role p * 2.5 { action a } }")).toEqual([
      "E0402 a role count must be a positive int, found real `2.5`",
    ]);
  });

  it("reports empty ranges and a constant zero divisor", () => {
    expect(codes("game G { param m: real = 1 in 3..2  role p { action a observe m } }")).toEqual(["E0403"]);
    expect(codes("game G { role p { action give(x: 5..1) } }")).toEqual(["E0403"]);
    expect(codes("game G {\n  param z: int = 0\n  role p { action a }\n  metric m = 1 / z\n}")).toEqual(["E0405"]);
    expect(codes("game G { role p { action a } metric m = 7 % (2 - 2) }")).toEqual(["E0405"]);
  });
});

describe("names and types", () => {
  it("resolves every name of the PD and types its payoffs", () => {
    const doc = check(PD);
    expect(doc.diagnostics).toEqual([]);
    const resolved = doc.model!.references.map((r) => `${doc.text.slice(r.span.start, r.span.end)}:${r.symbol.kind}`);
    expect(resolved).toContain("T:param");
    expect(resolved.filter((r) => r === "defect:action")).toHaveLength(4);
  });

  it("infers let types: `let pot = 0` is an int", () => {
    const doc = check(
      "game G {\n  state s: real = 0\n  role p { action a }\n  step { let pot = 0  let r = pot / 2  let b = pot > 1  s = r + pot  if b { s = 1 } }\n  metric m = s\n}",
    );
    expect(doc.diagnostics).toEqual([]);
    const types = [...doc.model!.letTypes].map(([stmt, t]) => `${stmt.name.text}: ${typeToString(t)}`);
    expect(types).toEqual(["pot: int", "r: real", "b: bool"]);
  });

  it("never narrows and never mixes bools with numbers", () => {
    expect(
      messages("game G {\n  state s: int = 0\n  role p { action a }\n  step { s = 1.5 }\n  metric m = s\n}"),
    ).toEqual(["E0201 `s` must be an int, found real"]);
    expect(messages("game G { role p { action a } metric m = 1 + true }")).toEqual([
      "E0201 `+` needs numbers, found bool",
    ]);
    expect(codes("game G { role p { action a } metric m = if true then 1 else false }")).toEqual(["E0201"]);
    expect(
      codes("game G { role p { action a } state s: real = 0  step { s = floor(2.5) + 0.5 } metric m = s }"),
    ).toEqual([]);
  });

  it("resolves action names in the role the context gives, and demands uniqueness elsewhere", () => {
    const twoRoles = `game G {
      role a { action go  action stop }
      role b { action go }
      step {
        for x in a { if x.action == go { x.reward += 1 } }
        for y in b { if last(y.action) == go { y.reward += 1 } }
      }
      metric m = count(x in a where stop == x.action)
      metric bad = if go == go then 1 else 0
    }`;
    expect(messages(twoRoles)).toEqual([
      "E0105 `go` is an action of several roles (`a`, `b`)",
      "E0105 `go` is an action of several roles (`a`, `b`)",
    ]);
    expect(
      messages(
        "game G { role a { action go } role b { action stay } step { for x in a { if x.action == stay { end } } } }",
      ),
    ).toEqual(["E0107 role `a` has no action `stay` (it is an action of `b`)"]);
  });

  it("rejects a constant action argument outside its range", () => {
    expect(
      messages(
        "game G { role p * 2 { action give(x: 0..2) } bot b for p { play give(7) } metric m = count(a in p where a.action == give(-1)) }",
      ),
    ).toEqual([
      "E0205 `give(7)` is outside the range 0..2 of `x`",
      "E0205 `give(-1)` is outside the range 0..2 of `x`",
    ]);
  });

  it("lets the role's action win over a game-level name in a comparison with an action", () => {
    const doc = check(
      "game G {\n  param a: int = 1\n  role p * 2 { action a  action b  observe a }\n  metric m = count(q in p where q.action == a)\n}",
    );
    expect(doc.diagnostics).toEqual([]);
    const refs = doc
      .model!.references.filter((r) => doc.text.slice(r.span.start, r.span.end) === "a")
      .map((r) => r.symbol.kind);
    expect(refs).toEqual(["param", "action"]);
  });

  it("enacts the rule a rule-typed binding holds", () => {
    const doc = check(
      "game G {\n  rule tax { }\n  role p * 3 { action vote(r: rule)  observe tax }\n  step { for q in p { match q.action { vote(r) => { enact r } } } }\n}",
    );
    expect(doc.diagnostics).toEqual([]);
    expect(
      messages(
        "game G {\n  param k: int = 1\n  rule tax { starts active }\n  role p { action go observe tax, k }\n  step { enact k }\n}",
      ),
    ).toEqual(["E0201 `enact` takes a rule, and `k` is a param"]);
  });

  it("types action arguments in guards, comparisons and match bindings", () => {
    const source = `game G {
      teams red, blue
      rule tax { }
      role c * 3 {
        action give(x: 0..3) when x <= 2
        action hit(t: c) when t != self
        action move(t: team) when t != self.team
        action vote(r: rule)
      }
      step {
        for a in c {
          match a.action {
            give(x) => { a.reward -= x }
            hit(t) => { t.reward -= 1 }
            move(t) => { a.team = t }
            vote(r) => { if r == tax { enact tax } }
          }
        }
      }
      metric voting = count(a in c where a.action == vote(tax))
      metric bad = count(a in c where a.action == give(true))
    }`;
    expect(messages(source)).toEqual(["E0201 the argument of `give` must be an int, found bool"]);
  });

  it("suggests near names", () => {
    const doc = check("game G {\n  param fine: real = 3\n  role p { action a }\n  metric m = fien\n}");
    const d = doc.diagnostics.find((x) => x.code === "E0101")!;
    expect(d.message).toBe("unknown name `fien`");
    expect(d.hint).toBe("did you mean `fine`?");
    expect(d.fix).toMatchObject({ text: "fine" });
  });

  it("reports duplicates with the first declaration", () => {
    const doc = check("game G {\n  param x: int = 1\n  state x: int = 2\n  role p { action a  action a }\n}");
    const dups = doc.diagnostics.filter((d) => d.code === "E0102");
    expect(dups.map((d) => d.message)).toEqual([
      "`x` is already declared as a param",
      "`a` is already declared as an action of `p`",
    ]);
    expect(dups[0].related?.[0].message).toBe("first declared here");
  });
});

describe("contexts", () => {
  it("rejects self outside a role, play outside a bot, and changes inside a bot", () => {
    expect(codes("game G { role p { action a } step { self.reward += 1 } }")).toEqual(["E0303"]);
    expect(codes("game G { role p { action a } step { play a } }")).toEqual(["E0304"]);
    expect(codes("game G { rule r { } role p { action a } bot b for p { enact r  play a } step { enact r } }")).toEqual(
      ["E0305"],
    );
    expect(codes("game G { state s: int = 0 role p { action a observe s } bot b for p { s = 1 play a } }")).toEqual([
      "E0305",
    ]);
  });

  it("adds nothing to the syntax error of an assignment still being typed", () => {
    expect(codes("game G { role p { action a } step { for c in p { c. } } }")).toEqual(["E0001"]);
  });

  it("guards assignments: params, read-only fields, loop variables", () => {
    expect(codes("game G { param k: int = 1 role p { action a observe k } step { k = 2 } }")).toEqual(["E0301"]);
    expect(codes("game G { role p { action a } step { for q in p { q.total = 1 } } }")).toEqual(["E0302"]);
    expect(codes("game G { role p { action a } step { for q in p { q.index += 1 } } }")).toEqual(["E0302"]);
    expect(codes("game G { role p { action a } step { for q in p { q = q } } }")).toEqual(["E0302"]);
  });

  it("checks phases of actions and steps", () => {
    expect(codes("game G { phases a, b role p { action x in c } step a { } step b { } }")).toEqual(["E0106"]);
    expect(codes("game G { phases a, b role p { action x in a } step a { } step a { } }")).toEqual(["E0306"]);
    expect(codes("game G { phases a role p { action x } step { } }")).toEqual(["E0306"]);
    expect(codes("game G { role p { action x } step a { } }")).toEqual(["E0106"]);
  });

  it("rejects enacting a scheduled rule", () => {
    expect(
      codes("game G { rule dry { active when round > 3 } role p { action x when dry } step { enact dry } }"),
    ).toEqual(["E0305"]);
  });
});

describe("payoff tables", () => {
  it("names the missing joint actions in the author's terms", () => {
    const doc = check(PD.replace("    defect,    defect    => 1, 1\n", ""));
    expect(doc.diagnostics.map((d) => d.message)).toEqual([
      "`payoff` has 3 rows but `player * 2` with 2 actions needs 4: missing `defect, defect`",
    ]);
    expect(doc.diagnostics[0].fix?.text).toContain("defect, defect => 0, 0");
  });

  it("lays out the missing rows it offers to add like the rows above", () => {
    const apply = (source: string) => {
      const fix = check(source).diagnostics.find((d) => d.code === "E0501")!.fix!;
      return source.slice(0, fix.span.start) + fix.text + source.slice(fix.span.end);
    };
    const owned = PD.replace("    defect,    defect    => 1, 1\n", "");
    expect(apply(owned)).toContain("    defect,    cooperate => T, 0\n    defect, defect => 0, 0\n  }\n}");
    const inline =
      "game G {\n  role p * 2 { action a  action b }\n  payoff {\n    a, a => 1, 1\n    a, b => 0, 2\n    b, a => 2, 0 }\n}";
    expect(apply(inline)).toBe(
      "game G {\n  role p * 2 { action a  action b }\n  payoff {\n    a, a => 1, 1\n    a, b => 0, 2\n    b, a => 2, 0\n    b, b => 0, 0\n  }\n}",
    );
  });

  it("reports duplicate and wrongly sized rows", () => {
    const dup = check(
      PD.replace("defect,    defect    => 1, 1", "defect, defect => 1, 1\n    cooperate, cooperate => 2, 2"),
    );
    expect(dup.diagnostics.map((d) => d.code)).toEqual(["E0502"]);
    const sized = check(PD.replace("defect,    defect    => 1, 1", "defect, defect, defect => 1, 1"));
    expect(sized.diagnostics.map((d) => d.message)).toEqual([
      "`payoff` covers 3 of the 4 joint actions of `player * 2`: missing `defect, defect`",
      "this row names 3 actions, but the game has 2 agents (`player * 2`)",
    ]);
  });

  it("needs a game without phases and actions without arguments", () => {
    expect(codes("game G { phases a role p { action x in a } payoff { x => 1 } step a { } }")).toEqual(["E0504"]);
    expect(codes("game G { role p { action x(v: 0..2) } payoff { x => 1 } }")).toEqual(["E0504"]);
  });
});

describe("warnings", () => {
  it("finds unused params and state, dead actions and rules never active", () => {
    const doc = check(`game G {
      param unused: int = 3
      state never_read: int = 0
      rule dormant { }
      role p {
        state mood: real = 0
        action a
        action b when false
        action c when dormant
      }
      step { never_read = 1 }
    }`);
    expect(doc.diagnostics.map((d) => `${d.code} ${doc.text.slice(d.span.start, d.span.end)}`)).toEqual([
      "W0001 unused",
      "W0002 never_read",
      "W0004 dormant",
      "W0002 mood",
      "W0003 b",
    ]);
    // An action guarded by a dormant rule is a note on the rule's warning.
    expect(doc.diagnostics.find((d) => d.code === "W0004")!.related!.map((r) => r.message)).toEqual([
      "so action `c` is never available",
    ]);
  });
});

describe("train settings", () => {
  it("reports a key given again in a second train block", () => {
    expect(codes("game G { role p { action a } train { steps 10 } train { steps 20 } }")).toEqual(["E0102"]);
  });

  it("reads known keys and suggests near misses for unknown ones", () => {
    const doc = check(
      "game G { role p { action a } bot b for p { play a } train { steps 1000 lr 3e-4 hidden [32, 32] opponents [self, b] entropi 0.01 } }",
    );
    expect(doc.model!.train).toEqual({
      steps: 1000,
      lr: Math.fround(3e-4),
      hidden: [32, 32],
      opponents: ["self", "b"],
    });
    expect(doc.diagnostics.map((d) => [d.code, d.hint])).toEqual([["E0601", "did you mean `entropy`?"]]);
  });
});

describe("types reach editor features", () => {
  it("records a type for every checked expression", () => {
    const doc = check(PD);
    const payoff = doc.model!.payoff!;
    const t = (e: A.Expr) => typeToString(doc.model!.types.get(e)!);
    expect(payoff.rows.flatMap((r) => r.rewards.map(t))).toEqual([
      "int",
      "int",
      "int",
      "real",
      "real",
      "int",
      "int",
      "int",
    ]);
  });
});
