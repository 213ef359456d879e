import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileToIR } from "../compiler/compile.js";
import type { IRGame } from "../compiler/ir.js";
import { createJsKernel } from "../compiler/js-backend.js";
import type { StepResult } from "../compiler/vecenv.js";
import { createHandwrittenIpd } from "./handwritten-ipd.js";

export const BENCH_SCENARIOS = ["iterated_pd.game", "public_goods.game", "coalitions.game"];

export function loadExample(root: string, name: string): IRGame {
  const { ir, document } = compileToIR(readFileSync(join(root, "examples", name), "utf8"));
  if (!ir) throw new Error(`${name}: ${document.diagnostics[0]?.message}`);
  return ir;
}

interface Stepper {
  reset(): StepResult;
  step(actions: Int32Array[]): StepResult;
}

/** Fixed legal-looking action patterns (every agent's first legal action, rotated by copy). */
export function actionPattern(ir: IRGame, numEnvs: number, first: StepResult): Int32Array[] {
  return ir.roles.map((role, r) => {
    const actions = new Int32Array(numEnvs * role.count);
    for (let j = 0; j < actions.length; j++) {
      const legal: number[] = [];
      for (let f = 0; f < role.numActions; f++) if (first.roles[r].mask[j * role.numActions + f]) legal.push(f);
      actions[j] = legal.length ? legal[j % legal.length] : -1;
    }
    return actions;
  });
}

/** Agent-steps per second of a stepper, timed over about `seconds` after a warm-up. */
export function measure(
  stepper: Stepper,
  actions: Int32Array[],
  agentsPerCopy: number,
  numEnvs: number,
  seconds = 1.5,
): number {
  stepper.reset();
  for (let i = 0; i < 50; i++) stepper.step(actions);
  let steps = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    for (let i = 0; i < 20; i++) stepper.step(actions);
    steps += 20;
    elapsed = performance.now() - t0;
  }
  return (steps * numEnvs * agentsPerCopy) / (elapsed / 1000);
}

export function fmtRate(r: number): string {
  return r >= 1e6 ? `${(r / 1e6).toFixed(1)}M` : `${(r / 1e3).toFixed(1)}k`;
}

export function benchJsKernels(root: string, numEnvs = 4096) {
  console.log(`\nJS kernel, E = ${numEnvs} copies, one core (agent-steps/s):`);
  const ipd = loadExample(root, "iterated_pd.game");
  const handwritten = createHandwrittenIpd(numEnvs);
  const generatedIpd = createJsKernel(ipd)({ numEnvs, seed: 1 });
  const ipdActions = actionPattern(ipd, numEnvs, generatedIpd.reset());
  // Alternate the two a few times: the machine is noisy, the ratio within one run is what counts.
  const hand: number[] = [];
  const gen: number[] = [];
  for (let round = 0; round < 3; round++) {
    hand.push(measure(handwritten, ipdActions, 2, numEnvs, 1));
    gen.push(measure(generatedIpd, ipdActions, 2, numEnvs, 1));
  }
  const best = (xs: number[]) => Math.max(...xs);
  const ratio = best(gen) / best(hand);
  console.log(`  iterated_pd   hand-written typed-array kernel  ${fmtRate(best(hand)).padStart(8)}   (reference)`);
  console.log(
    `  iterated_pd   generated kernel                 ${fmtRate(best(gen)).padStart(8)}   ${ratio.toFixed(2)}x the hand-written one`,
  );
  for (const name of BENCH_SCENARIOS.slice(1)) {
    const ir = loadExample(root, name);
    const env = createJsKernel(ir)({ numEnvs, seed: 1 });
    const agents = ir.roles.reduce((n, r) => n + r.count, 0);
    const rate = measure(env, actionPattern(ir, numEnvs, env.reset()), agents, numEnvs, 1.5);
    console.log(
      `  ${name.replace(".game", "").padEnd(13)} generated kernel                 ${fmtRate(rate).padStart(8)}`,
    );
  }
  console.log(
    `  targets: generated >= 0.7x hand-written -> ${ratio >= 0.7 ? "met" : "NOT met"}; >= 100M agent-steps/s on the iterated PD -> ${best(gen) >= 100e6 ? "met" : "NOT met"}`,
  );
}

/** The tensor program on TensorFlow.js's cpu and wasm backends (and a GPU one, where present). */
export async function benchTensor(root: string, numEnvs = 4096) {
  const { createTensorEnv } = await import("../compiler/tensor-backend.js");
  const tf = await import("@tensorflow/tfjs");
  await import("@tensorflow/tfjs-backend-wasm");
  console.log(`\nTensor program, E = ${numEnvs} copies (agent-steps/s; JS kernel beside it for reference):`);
  for (const backend of ["cpu", "wasm"]) {
    if (!(await tf.setBackend(backend))) {
      console.log(`  ${backend}: not available`);
      continue;
    }
    await tf.ready();
    for (const name of BENCH_SCENARIOS) {
      const ir = loadExample(root, name);
      const env = createTensorEnv(ir, { numEnvs, seed: 1 }, tf);
      const agents = ir.roles.reduce((n, r) => n + r.count, 0);
      const rate = measure(env, actionPattern(ir, numEnvs, env.reset()), agents, numEnvs, 2);
      env.dispose();
      const js = createJsKernel(ir)({ numEnvs, seed: 1 });
      const jsRate = measure(js, actionPattern(ir, numEnvs, js.reset()), agents, numEnvs, 0.5);
      console.log(
        `  ${backend.padEnd(5)} ${name.replace(".game", "").padEnd(13)} ${fmtRate(rate).padStart(8)}   (JS kernel ${fmtRate(jsRate)}, ${(jsRate / rate).toFixed(0)}x)`,
      );
    }
  }
}
