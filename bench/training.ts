import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createJsKernel } from "../compiler/js-backend.js";
import { train, type MetricsLine } from "../runtime/train.js";
import { actionPattern, fmtRate, loadExample, measure } from "./kernels.js";

/**
 * End-to-end training throughput on the iterated PD with a 64x64 MLP: environment, policy
 * inference and PPO update together, beside environment-only stepping, with the time split.
 */
export async function benchTraining(root: string, backend: "wasm" | "cpu" = "wasm") {
  const ir = loadExample(root, "iterated_pd.game");
  console.log(`\nTraining, iterated PD, 64x64 MLP, TensorFlow.js ${backend} (agent-steps/s):`);
  for (const envs of [1024, 4096]) {
    const rollout = 32;
    const updates = 3;
    const perUpdate = envs * rollout * 2;
    const out = mkdtempSync(join(tmpdir(), "agora-bench-"));
    const lines: MetricsLine[] = [];
    await train({
      scenarioPath: join(root, "examples/iterated_pd.game"),
      out,
      backend,
      opponents: ["self"],
      flags: { steps: perUpdate * updates, envs, rollout, hidden: [64, 64], epochs: 4, minibatches: 4 },
      report: false,
      checkpointEvery: 1000,
      onUpdate: (l) => lines.push(l),
    });
    rmSync(out, { recursive: true, force: true });
    // The first update warms up (kernels compile, buffers are allocated): measure the rest.
    const measured = lines.slice(1);
    const ms = measured.reduce((t, l) => ({ env: t.env + l.time.env, inference: t.inference + l.time.inference, update: t.update + l.time.update }), { env: 0, inference: 0, update: 0 });
    const total = ms.env + ms.inference + ms.update;
    const rate = (measured.length * perUpdate) / (total / 1000);
    const envOnly = createJsKernel(ir)({ numEnvs: envs, seed: 1 });
    const envRate = measure(envOnly, actionPattern(ir, envs, envOnly.reset()), 2, envs, 1);
    const share = (x: number) => `${((100 * x) / total).toFixed(0)}%`;
    console.log(`  E = ${String(envs).padEnd(5)} training ${fmtRate(rate).padStart(7)}   env-only ${fmtRate(envRate).padStart(7)}   time: env ${share(ms.env)}, inference ${share(ms.inference)}, update ${share(ms.update)}`);
  }
  console.log("  target: >= 1M agent-steps/s end to end with the default backend");
}
