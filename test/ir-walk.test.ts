import { describe, expect, it } from "vitest";
import type { Expr, Stmt } from "../compiler/ir.js";
import {
  assertNever,
  exprChildren,
  someExpr,
  stmtBodies,
  stmtExprs,
  walkExpr,
  walkStmts,
} from "../compiler/ir-walk.js";

// A record keyed by every kind: adding a node to the IR without listing it here is a type error.
const EXPR_KINDS: Record<Expr["k"], true> = {
  const: true,
  param: true,
  global: true,
  local: true,
  self: true,
  agent: true,
  round: true,
  phase: true,
  rule: true,
  ruleDyn: true,
  unary: true,
  binary: true,
  if: true,
  call: true,
  random: true,
  aggregate: true,
  size: true,
  actionIs: true,
  actionArg: true,
  actionFlat: true,
  actionIndex: true,
};
const STMT_KINDS: Record<Stmt["k"], true> = {
  setLocal: true,
  setGlobal: true,
  setAgent: true,
  if: true,
  for: true,
  enact: true,
  enactDyn: true,
  end: true,
  play: true,
  payoff: true,
};

const c = (v: number): Expr => ({ k: "const", t: "int", v });
const local = (slot: number): Expr => ({ k: "local", t: "int", slot });

/** One expression holding every kind of node, each leaf a distinct constant or local. */
function everyExpr(): Expr {
  const parts: Expr[] = [
    { k: "param", t: "real", param: 0 },
    { k: "global", t: "int", index: 0 },
    { k: "self", t: "int" },
    { k: "agent", t: "real", role: 0, agent: c(1), field: { kind: "reward" } },
    { k: "round", t: "int" },
    { k: "phase", t: "int" },
    { k: "rule", t: "bool", rule: 0 },
    { k: "ruleDyn", t: "bool", rule: c(2) },
    { k: "unary", t: "int", op: "neg", x: c(3) },
    { k: "if", t: "int", c: c(4), a: c(5), b: c(6) },
    { k: "call", t: "int", fn: "max", args: [c(7), c(8)] },
    { k: "random", t: "int", fn: "randint", site: 1, keys: [c(9)], args: [c(10), c(11)] },
    { k: "aggregate", t: "int", fn: "sum", domain: { kind: "teams" }, slot: 3, filter: c(12), body: c(13) },
    { k: "size", t: "int", team: c(14) },
    { k: "actionIs", t: "bool", role: 0, value: c(15), action: 0 },
    { k: "actionArg", t: "int", role: 0, value: c(16), action: 0 },
    { k: "actionFlat", t: "int", role: 0, action: 0, arg: c(17) },
    { k: "actionIndex", t: "int", role: 0, value: local(18) },
  ];
  return parts.reduce((a, b) => ({ k: "binary", t: "int", op: "add", a, b, operand: "int" }), c(0));
}

describe("the IR walker", () => {
  it("visits every kind of expression and every leaf, parents first", () => {
    const seen = new Set<string>();
    const constants: number[] = [];
    const order: Expr[] = [];
    walkExpr(everyExpr(), (e) => {
      seen.add(e.k);
      order.push(e);
      if (e.k === "const") constants.push(e.v);
    });
    expect([...seen].sort()).toEqual(Object.keys(EXPR_KINDS).sort());
    expect(constants.sort((a, b) => a - b)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(order[0].k).toBe("binary");
    expect(someExpr(everyExpr(), (e) => e.k === "local" && e.slot === 18)).toBe(true);
    expect(someExpr(everyExpr(), (e) => e.k === "local" && e.slot === 99)).toBe(false);
  });

  it("visits every kind of statement, their expressions and nested bodies", () => {
    const body: Stmt[] = [
      { k: "setLocal", slot: 0, op: "set", value: c(1), t: "int" },
      { k: "setGlobal", index: 0, op: "add", value: c(2), t: "int" },
      { k: "setAgent", role: 0, agent: c(3), field: { kind: "reward" }, op: "add", value: c(4), t: "int" },
      {
        k: "if",
        c: c(5),
        then: [
          {
            k: "for",
            domain: { kind: "role", role: 0 },
            slot: 1,
            filter: c(6),
            body: [{ k: "enact", rule: 0, active: true }],
          },
        ],
        else: [{ k: "enactDyn", rule: c(7), active: false }, { k: "end" }],
      },
      { k: "play", value: c(8) },
      { k: "payoff", agents: [{ role: 0, index: 0 }], sizes: [2], rows: [[c(9)], [c(10)]] },
    ];
    const kinds = new Set<string>();
    const constants: number[] = [];
    walkStmts(
      body,
      (e) => e.k === "const" && constants.push(e.v),
      (s) => kinds.add(s.k),
    );
    expect([...kinds].sort()).toEqual(Object.keys(STMT_KINDS).sort());
    expect(constants).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(stmtBodies(body[3])).toHaveLength(2);
    expect(stmtExprs(body[2])).toHaveLength(2);
    expect(exprChildren(c(1))).toEqual([]);
  });

  it("names the node a switch forgot", () => {
    expect(() => assertNever({ k: "teleport" } as never, "expression")).toThrow(
      "internal: unhandled expression `teleport`",
    );
  });
});
