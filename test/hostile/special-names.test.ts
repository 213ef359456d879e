import { describe, expect, it } from "vitest";
import { compileToIR } from "../../compiler/compile.js";
import { createInterpreter } from "../../compiler/interpreter.js";
import { createJsKernel } from "../../compiler/js-backend.js";
import { buildSchema } from "../../compiler/vecenv.js";
import { lockstep } from "../support/lockstep.js";

/** Names that are special on every JS object: as keys of a plain object they read or set the prototype. */
const SCENARIO = `game Proto {
  param constructor: real = 2 in 1..3
  role __proto__ * 2 {
    action toString
    action hasOwnProperty
    observe last(self.action)
  }
  role valueOf {
    action __defineGetter__
  }
  payoff {
    toString, toString, __defineGetter__ => constructor, 1, 0
    toString, hasOwnProperty, __defineGetter__ => 0, 2, 0
    hasOwnProperty, toString, __defineGetter__ => 2, 0, 0
    hasOwnProperty, hasOwnProperty, __defineGetter__ => 1, 1, 0
  }
  metric __proto__count = count(p in __proto__ where last(p.action) == toString)
  bot isPrototypeOf for __proto__ { play toString }
}
`;

describe("names special in JS", () => {
  const { ir, document } = compileToIR(SCENARIO);

  it("check and compile like any other names", () => {
    expect(document.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const schema = buildSchema(ir!);
    expect(schema.roles.map((r) => r.name)).toEqual(["__proto__", "valueOf"]);
    expect(schema.roles[0].actions.map((a) => a.name)).toEqual(["toString", "hasOwnProperty"]);
    expect(schema.metrics).toEqual(["__proto__count"]);
    expect(schema.params[0].name).toBe("constructor");
  });

  it("step alike on the interpreter and the JS kernel, with params and bots found by name", () => {
    const options = { numEnvs: 4, seed: 3, params: { constructor: 3 } };
    expect(
      lockstep(ir!, [createInterpreter(ir!, options), createJsKernel(ir!)(options)], { steps: 50, seed: 5 }),
    ).toBeUndefined();
    const env = createJsKernel(ir!)(options);
    env.reset();
    const out = new Int32Array(8);
    env.botActions("isPrototypeOf", out);
    expect(Array.from(out)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // The pinned value of `constructor` pays toString/toString.
    const result = env.step([out, new Int32Array(4)]);
    expect(result.roles[0].reward[0]).toBe(3);
    expect(() =>
      createJsKernel(ir!)({ numEnvs: 1, params: JSON.parse('{"__proto__": 1}') as Record<string, number> }),
    ).toThrow(/unknown param `__proto__`/);
    expect(() =>
      createInterpreter(ir!, { numEnvs: 1, params: JSON.parse('{"__proto__": 1}') as Record<string, number> }),
    ).toThrow(/unknown param `__proto__`/);
  });
});
