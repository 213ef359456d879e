import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MetricsLine, RunConfig } from "../../runtime/train.js";

/**
 * A run folder written by hand (config.json and one metrics line per entry of `agentSteps`),
 * for report tests that need runs no trainer would write: hostile labels, odd step counts.
 */
export function fakeRunFolder(
  run: Partial<RunConfig> & Pick<RunConfig, "scenario">,
  agentSteps: readonly number[],
  line: (update: number) => Partial<MetricsLine> = () => ({}),
): string {
  const dir = mkdtempSync(join(tmpdir(), "agora-fake-run-"));
  const config = {
    format: "agora-run/1",
    overrides: {},
    config: {
      steps: agentSteps[agentSteps.length - 1] ?? 0,
      envs: 4,
      rollout: 8,
      seed: 1,
      hidden: [8],
      opponents: ["self"],
    },
    backend: "wasm",
    created: "2026-12-05T00:00:00Z",
    ...run,
  } as RunConfig;
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const lines: MetricsLine[] = agentSteps.map((steps, i) => ({
    update: i + 1,
    agentSteps: steps,
    seconds: i + 1,
    agentStepsPerSecond: 32,
    lr: 0.001,
    episodes: {
      length: 1,
      payoff: [1 + i, 1],
      objective: [1, 1 + i],
      metrics: [],
      ruleActivity: [],
      welfare: 2,
      perCapita: 1,
      equality: 1,
      episodes: 4,
    },
    actionFrequencies: { player: { cooperate: 0.5, defect: 0.5 } },
    losses: { player: { entropy: 0.6, approxKl: 0.001 } as never },
    time: { env: 1, inference: 1, update: 1 },
    ...line(i + 1),
  }));
  writeFileSync(join(dir, "metrics.jsonl"), lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return dir;
}
