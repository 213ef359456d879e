import { existsSync } from "node:fs";
import { join } from "node:path";
import type { IRGame } from "../compiler/ir.js";
import { createJsKernel } from "../compiler/js-backend.js";
import type { StepResult, VecEnv } from "../compiler/vecenv.js";
import { coPlayerSeats, describeOpponent, parseOpponent, type Opponent } from "./coplayers.js";
import { ActionCounter, describeActionShares, type ActionShares } from "./action-stats.js";
import { loadScenario, type Scenario } from "./env.js";
import { readRunConfig } from "./run-folder.js";
import { equality, MetricAccumulator, meanWithCi } from "./episodes.js";
import type { ActorCritic } from "./ppo.js";
import { Rng } from "./ppo.js";
import { loadTf, type TfBackendName } from "./tf.js";
import { frozenPolicies, type RunConfig } from "./train.js";

/** Who plays one seat: a policy (trained networks, one per role) or a bot. */
type Controller = { kind: "policy"; nets: ActorCritic[] } | { kind: "bot"; name: string };

export interface PlayOutcome {
  /** Per role, per agent index: episode payoffs. */
  returns: number[][][];
  /** Per episode, per metric: its value over its phase scope (null: no step ran in its phases). */
  metrics: (number | null)[][];
  welfare: number[];
  equality: number[];
  /** Per role and phase: what the agents chose, arguments included. */
  actions: ActionShares;
}

export function readRun(runDir: string): RunConfig {
  const path = join(runDir, "config.json");
  if (!existsSync(path))
    throw new Error(`${runDir} is not a run folder (no config.json); train one with \`agora train\``);
  return readRunConfig(runDir);
}

/**
 * Plays `episodes` episodes with a controller for every seat (`controllers[role][agent]`),
 * all copies alike, ranged params at their defaults. Returns every finished episode.
 */
export function playEpisodes(ir: IRGame, controllers: Controller[][], episodes: number, seed: number): PlayOutcome {
  const E = Math.min(64, Math.max(1, episodes));
  const env: VecEnv = createJsKernel(ir)({ numEnvs: E, seed, sampleParams: false });
  const rng = new Rng(seed);
  let result: StepResult = env.reset();
  const outcome: PlayOutcome = {
    returns: ir.roles.map((r) => Array.from({ length: r.count }, () => [])),
    metrics: [],
    welfare: [],
    equality: [],
    actions: {},
  };
  const counter = new ActionCounter(ir);
  const sums = ir.roles.map((r) => new Float64Array(E * r.count));
  const metrics = new MetricAccumulator(ir, E);
  const actions = ir.roles.map((r) => new Int32Array(E * r.count));
  let finished = 0;
  let guard = 0;
  while (finished < episodes && guard++ < 1_000_000) {
    ir.roles.forEach((role, r) => {
      // Each distinct controller chooses for all agents once; seats take their own.
      const chosen = new Map<Controller, Int32Array>();
      for (let i = 0; i < role.count; i++) {
        const c = controllers[r][i];
        if (!chosen.has(c)) {
          if (c.kind === "bot") {
            const out = new Int32Array(E * role.count);
            env.botActions(c.name, out);
            chosen.set(c, out);
          } else chosen.set(c, c.nets[r].act(result.roles[r].obs, result.roles[r].mask, E * role.count, rng).actions);
        }
        const a = chosen.get(c)!;
        for (let e = 0; e < E; e++) {
          actions[r][e * role.count + i] = a[e * role.count + i];
          counter.record(r, a[e * role.count + i], result.phase[e]);
        }
      }
    });
    result = env.step(actions);
    for (let e = 0; e < E; e++) {
      ir.roles.forEach((role, r) => {
        for (let i = 0; i < role.count; i++) sums[r][e * role.count + i] += result.roles[r].reward[e * role.count + i];
      });
      metrics.add(result, e);
      if (!result.done[e]) continue;
      const episodeMetrics = metrics.take(e);
      if (finished < episodes) {
        const all: number[] = [];
        ir.roles.forEach((role, r) => {
          for (let i = 0; i < role.count; i++) {
            outcome.returns[r][i].push(sums[r][e * role.count + i]);
            all.push(sums[r][e * role.count + i]);
          }
        });
        outcome.metrics.push(episodeMetrics);
        outcome.welfare.push(all.reduce((a, b) => a + b, 0));
        outcome.equality.push(equality(all));
        finished++;
      }
      ir.roles.forEach((role, r) => {
        for (let i = 0; i < role.count; i++) sums[r][e * role.count + i] = 0;
      });
    }
  }
  outcome.actions = counter.shares();
  return outcome;
}

export interface EvaluationReport {
  scenario: string;
  episodes: number;
  /** The run's policies in self-play. */
  selfPlay: {
    roles: { role: string; payoff: { mean: number; ci95: number } }[];
    /** `n`: the episodes where the metric has a value (a phase-scoped metric has none where its phases did not run). */
    metrics: { name: string; mean: number; ci95: number; n: number }[];
    welfare: { mean: number; ci95: number };
    equality: { mean: number; ci95: number };
    actions: ActionShares;
  };
  /** Rows: who plays the focal seats; columns: who plays the co-player seats; cells: the focal seats' mean return. */
  crossPlay: {
    rows: string[];
    columns: string[];
    cells: ({ mean: number; ci95: number } | null)[][];
    focal: string[][];
  };
  /** The scenario's phases, for labelling action shares. */
  phases: string[];
}

export interface EvaluateOptions {
  runDir: string;
  vs: string[];
  episodes: number;
  overrides: Map<string, number | boolean>;
  seed: number;
  backend: TfBackendName;
}

/** `agora eval`: self-play returns with confidence intervals, and a cross-play table. */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationReport> {
  const run = readRun(options.runDir);
  const overrides = new Map<string, number | boolean>([...Object.entries(run.overrides), ...options.overrides]);
  const scenario: Scenario = loadScenario(run.scenario.source, { name: run.scenario.path, overrides });
  const ir = scenario.ir;
  const { tf } = await loadTf(options.backend);
  const own = await frozenPolicies(tf, ir, options.runDir);
  const policy: Controller = { kind: "policy", nets: own };
  const everyone = (c: Controller) => ir.roles.map((r) => new Array<Controller>(r.count).fill(c));

  const self = playEpisodes(ir, everyone(policy), options.episodes, options.seed);
  const selfPlay = {
    roles: ir.roles.map((r, k) => ({ role: r.name, payoff: meanWithCi(self.returns[k].flat()) })),
    // Over the episodes where the metric has a value (`n` says how many).
    metrics: ir.metrics.map((m, k) => ({
      name: m.name,
      ...meanWithCi(self.metrics.map((x) => x[k]).filter((v): v is number => v !== null)),
    })),
    welfare: meanWithCi(self.welfare),
    equality: meanWithCi(self.equality),
    actions: self.actions,
  };

  // Columns: co-players. Rows: focal players (this run's policy, other checkpoints, bots).
  const columnSpecs = [
    "self",
    ...ir.bots.map((b) => `bot:${b.name}`),
    ...options.vs.filter((v) => !v.startsWith("bot:")),
  ];
  for (const v of options.vs) if (!columnSpecs.includes(v)) columnSpecs.push(v);
  const columns: Opponent[] = columnSpecs.map((spec) => parseOpponent(spec, ir));
  const checkpoints = new Map<string, ActorCritic[]>();
  const controllerFor = async (o: Opponent): Promise<Controller> => {
    if (o.kind === "bot") return { kind: "bot", name: o.name };
    if (o.kind === "checkpoint") {
      if (!checkpoints.has(o.path)) checkpoints.set(o.path, await frozenPolicies(tf, ir, o.path));
      return { kind: "policy", nets: checkpoints.get(o.path)! };
    }
    return policy;
  };
  const rowSpecs = ["this run", ...options.vs.filter((v) => v.startsWith("checkpoint:"))];
  const rowControllers: Controller[] = [
    policy,
    ...(await Promise.all(rowSpecs.slice(1).map((s) => controllerFor(parseOpponent(s, ir))))),
  ];
  const cells: ({ mean: number; ci95: number } | null)[][] = [];
  // Per column: the seats the row's players take (the others are the column's).
  const focalSeats = columns.map((column) => {
    const seats = coPlayerSeats(ir, column);
    return ir.roles.flatMap((r, k) =>
      Array.from({ length: r.count }, (_, i) => i)
        .filter((i) => !seats[k][i])
        .map((i) => `${r.name}#${i}`),
    );
  });
  for (const row of rowControllers) {
    const line: ({ mean: number; ci95: number } | null)[] = [];
    for (const column of columns) {
      const seats = coPlayerSeats(ir, column);
      const co = column.kind === "self" ? row : await controllerFor(column);
      const controllers = ir.roles.map((r, k) => Array.from({ length: r.count }, (_, i) => (seats[k][i] ? co : row)));
      const focal = ir.roles.flatMap((r, k) =>
        Array.from({ length: r.count }, (_, i) => [k, i] as const).filter(([, i]) => !seats[k][i]),
      );
      if (focal.length === 0) {
        line.push(null);
        continue;
      }
      // The run against itself is self-play, already measured: one number for one thing.
      const outcome =
        row === policy && column.kind === "self"
          ? self
          : playEpisodes(ir, controllers, options.episodes, options.seed + 1);
      line.push(meanWithCi(focal.flatMap(([k, i]) => outcome.returns[k][i])));
    }
    cells.push(line);
  }
  own.forEach((n) => n.dispose());
  for (const nets of checkpoints.values()) nets.forEach((n) => n.dispose());
  return {
    scenario: ir.name,
    episodes: options.episodes,
    selfPlay,
    crossPlay: { rows: rowSpecs, columns: columns.map(describeOpponent), cells, focal: focalSeats },
    phases: ir.phases,
  };
}

export function formatEvaluation(report: EvaluationReport): string {
  const ci = (x: { mean: number; ci95: number }) =>
    `${x.mean.toFixed(3)} ± ${Number.isNaN(x.ci95) ? "n/a" : x.ci95.toFixed(3)}`;
  const lines = [
    `${report.scenario}: ${report.episodes} episodes per entry, ranged params at their defaults (95% confidence intervals)`,
    "",
    "self-play:",
  ];
  for (const r of report.selfPlay.roles)
    lines.push(`  ${r.role.padEnd(Math.max(16, r.role.length + 1))} payoff ${ci(r.payoff)}`);
  const labelWidth = Math.max(
    16,
    ...report.selfPlay.metrics.map((m) => m.name.length + 9),
    ...report.selfPlay.roles.map((r) => r.role.length + 2),
  );
  for (const m of report.selfPlay.metrics)
    lines.push(
      `  ${`metric ${m.name}`.padEnd(labelWidth)} ${m.n > 0 ? ci(m) : "no value (no step of any episode ran in its phases)"}`,
    );
  lines.push(
    `  ${"total welfare".padEnd(labelWidth)} ${ci(report.selfPlay.welfare)}`,
    `  ${"equality".padEnd(labelWidth)} ${ci(report.selfPlay.equality)}`,
  );
  for (const a of describeActionShares(report.selfPlay.actions, report.phases)) lines.push(`  actions of ${a}`);
  lines.push("");
  lines.push(
    "cross-play (mean return of the focal seats ± 95% CI; rows play the focal seats, columns the co-players):",
  );
  const cellText = (c: { mean: number; ci95: number } | null) => (c ? ci(c) : "—");
  // Whole labels: no row or column name is cut.
  const rowWidth = Math.max(12, ...report.crossPlay.rows.map((r) => r.length + 2));
  const width = Math.max(
    ...report.crossPlay.columns.map((c) => c.length + 2),
    ...report.crossPlay.cells.flat().map((c) => cellText(c).length + 2),
  );
  lines.push("  " + "".padEnd(rowWidth) + report.crossPlay.columns.map((c) => c.padStart(width)).join(""));
  report.crossPlay.rows.forEach((row, i) => {
    lines.push(
      "  " + row.padEnd(rowWidth) + report.crossPlay.cells[i].map((c) => cellText(c).padStart(width)).join(""),
    );
  });
  lines.push("", "focal seats (played by the row) per column:");
  report.crossPlay.columns.forEach((c, j) => lines.push(`  ${c}: ${report.crossPlay.focal[j].join(", ") || "none"}`));
  return lines.join("\n");
}
