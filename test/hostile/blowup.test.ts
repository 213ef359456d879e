import { describe, expect, it } from "vitest";
import { compileToIR } from "../../compiler/compile.js";
import { createInterpreter } from "../../compiler/interpreter.js";
import { createJsKernel, generateJsModule } from "../../compiler/js-backend.js";
import { lockstep } from "../support/lockstep.js";

/** Aggregates nested `depth` deep over a role of eight: unrolled fully, 8^depth copies of the body. */
function nestedSums(depth: number): string {
  const names = Array.from({ length: depth }, (_, i) => `x${i}`);
  let body = names.map((n) => `${n}.total`).join(" + ");
  for (const n of [...names].reverse()) body = `sum(${n} in player: ${body})`;
  return `game Nested {
  horizon 3
  role player * 8 {
    action a
    action b
    observe self.total
  }
  step {
    for p in player { if p.action == a { p.reward += 1 } }
  }
  metric deep = ${body}
}
`;
}

describe("generated code stays small where loops serve", () => {
  it.each([3, 5])("%i nested sums over player * 8 step like the interpreter", (depth) => {
    const { ir, document } = compileToIR(nestedSums(depth));
    if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
    const options = { numEnvs: 2, seed: 3, checked: true };
    expect(
      lockstep(ir, [createInterpreter(ir, options), createJsKernel(ir)(options)], { steps: 6, seed: 2 }),
    ).toBeUndefined();
  });

  it.each([7, 8])(
    "%i nested sums over player * 8 give a small module (unrolled: 169 MB, or out of memory)",
    (depth) => {
      const { ir, document } = compileToIR(nestedSums(depth));
      if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
      expect(generateJsModule(ir).length).toBeLessThan(100_000);
      // It compiles and starts (a step sums 8^depth terms: slow by nature, not by code size).
      createJsKernel(ir)({ numEnvs: 1 }).reset();
    },
  );
});
