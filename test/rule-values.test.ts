import { describe, expect, it } from "vitest";
import { compileToIR } from "../compiler/compile.js";
import { createInterpreter } from "../compiler/interpreter.js";
import { createJsKernel } from "../compiler/js-backend.js";
import type { EnvOptions, VecEnv } from "../compiler/vecenv.js";
import { RULE_VALUES } from "./support/rule-values.js";

/** Rule-typed values hold a rule's identity (docs/language.md §6); the tensor backend: test/tensor-backend.test.ts. */
const { ir, document } = compileToIR(RULE_VALUES);
if (!ir) throw new Error(document.diagnostics.map((d) => d.message).join("\n"));
const backends: Record<string, (o: EnvOptions) => VecEnv> = {
  interpreter: (o) => createInterpreter(ir, o),
  js: (o) => createJsKernel(ir)(o),
};
const role = ir.roles[0];
const voteFor = (rule: string) => role.actionLabels.indexOf(`vote(${rule})`);
const metric = (result: { metrics: Float32Array }, name: string) =>
  result.metrics[ir.metrics.findIndex((m) => m.name === name)];

describe.each(Object.keys(backends))("%s: rule values", (name) => {
  it("store which rule, compare by identity and enact or repeal the rule a variable holds", () => {
    expect(voteFor("alpha")).toBeGreaterThanOrEqual(0);
    const env = backends[name]({ numEnvs: 1, seed: 1, checked: true });
    env.reset();
    // Everyone votes alpha: current = alpha (was beta), alpha enacted, beta repealed.
    let result = env.step([new Int32Array(3).fill(voteFor("alpha"))]);
    expect(metric(result, "current_is_alpha")).toBe(1);
    expect(metric(result, "current_active")).toBe(1);
    expect(metric(result, "previous_is_current")).toBe(0);
    expect(Array.from(result.rules!)).toEqual([1, 0, 0]);
    // Act: every fav (alpha) equals current and is active.
    result = env.step([new Int32Array(3).fill(role.actionLabels.indexOf("work"))]);
    expect(Array.from(result.roles[0].reward)).toEqual([1.5, 1.5, 1.5]);
    // Two vote beta: current = beta, beta enacted, alpha repealed; fav is beta for two agents.
    result = env.step([Int32Array.from([voteFor("beta"), voteFor("beta"), voteFor("alpha")])]);
    expect(metric(result, "current_is_alpha")).toBe(0);
    expect(metric(result, "fav_beta")).toBe(2);
    expect(Array.from(result.rules!)).toEqual([0, 1, 0]);
    result = env.step([new Int32Array(3).fill(role.actionLabels.indexOf("work"))]);
    // Beta agents: fav == current (+1) and beta active (+0.5); the alpha agent: alpha inactive.
    expect(Array.from(result.roles[0].reward)).toEqual([1.5, 1.5, 0]);
  });
});
