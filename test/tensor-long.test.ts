import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import { createJsKernel } from "../compiler/js-backend.js";
import { createTensorEnv } from "../compiler/tensor-backend.js";
import { lockstep } from "./support/lockstep.js";
import { exampleFiles } from "./support/sources.js";

/**
 * The tensor program against the JS kernel at the scale, 64 copies x 1,000 steps,
 * for every example. (The JS kernel agrees bit for bit with the reference interpreter at
 * that scale, test/compiler.test.ts, so this ties all three together.) On tfjs's cpu
 * backend every op is float32 like the JS kernel's, so ints, bools and reals agree exactly
 * here; `exp`, `log` and `sqrt` are allowed to differ in the last place.
 */
describe("the tensor program agrees with the JS kernel (64 copies x 1000 steps)", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
    await tf.ready();
  });
  const scenarios: [string, string][] = exampleFiles().map((f): [string, string] => [f.name, f.code]);
  for (const [name, source] of scenarios) {
    it(name, () => {
      const { ir } = compileToIR(source);
      const options = { numEnvs: 64, seed: 2026, checked: true };
      const tensor = createTensorEnv(ir!, options, tf);
      try {
        expect(
          lockstep(ir!, [createJsKernel(ir!)(options), tensor], { steps: 1000, seed: 5, tolerance: { real: 1e-5 } }),
        ).toBeUndefined();
      } finally {
        tensor.dispose();
      }
    });
  }
});
