import { describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import { createInterpreter } from "../compiler/interpreter.js";
import { createJsKernel } from "../compiler/js-backend.js";
import type { EnvOptions, VecEnv } from "../compiler/vecenv.js";

/**
 * A caller's bad action arrays get one clear error on every backend (the tensor backend: test/tensor-backend.test.ts
 * shares the message).
 */
const { ir, document } = compileToIR(`game Two {
  role player * 2 { action a  action b }
  role judge { action watch }
  payoff {
    a, a, watch => 1, 1, 0
    a, b, watch => 0, 2, 0
    b, a, watch => 2, 0, 0
    b, b, watch => 1, 1, 0
  }
}`);
if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
const backends: Record<string, (o: EnvOptions) => VecEnv> = {
  interpreter: (o) => createInterpreter(ir!, o),
  js: (o) => createJsKernel(ir!)(o),
};

describe.each(Object.keys(backends))("%s: action arrays", (name) => {
  const env = () => {
    const e = backends[name]({ numEnvs: 3, seed: 1 });
    e.reset();
    return e;
  };
  it("a short array is an error, not a row of no-ops", () => {
    expect(() => env().step([new Int32Array(5), new Int32Array(3)])).toThrow(
      "actions[0] (player) must hold 6 action indices",
    );
    expect(() => env().step([new Int32Array(6), new Int32Array(2)])).toThrow(
      "actions[1] (judge) must hold 3 action indices",
    );
  });
  it("a missing array is the same error, not a TypeError", () => {
    expect(() => env().step([new Int32Array(6)])).toThrow("actions[1] (judge) must hold 3 action indices");
  });
  it("full arrays step", () => {
    expect(Array.from(env().step([new Int32Array([0, 1, 0, 0, 1, 1]), new Int32Array(3)]).roles[0].reward)).toEqual([
      0, 2, 1, 1, 1, 1,
    ]);
  });
});
