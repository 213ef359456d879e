import type { IRGame, Stmt } from "../compiler/ir.js";
import { payoffTableValues } from "../language/semantic/exact-values.js";
import type { GameModel } from "../language/semantic/model.js";
import { createInterpreter } from "../compiler/interpreter.js";
import type { VecEnv } from "../compiler/vecenv.js";
import { roundDifferences, stageIsRandom, writesOf } from "./ir-facts.js";
import { numProfiles, profileActions, type NormalForm, type PayoffPrecision, type Player } from "./normal-form.js";
import { checkDeadline, type Deadline } from "./deadline.js";
import { Q } from "./rational.js";

/**
 * Builds the normal form of a scenario: from its `payoff` table, or by enumerating the one
 * step of a one-shot game (every joint action, one environment copy each), reading each
 * agent's reward (or objective). Steps that draw random numbers are averaged over samples.
 */

export interface BuildOptions {
  /** What the players maximise: the reward the environment pays (default) or their role's `objective`. */
  utility?: "reward" | "objective";
  /** Samples per joint action where the stage is random (default 1000, capped by `maxEvaluations`). */
  samples?: number;
  seed?: number;
  /** Values for params that vary per episode (ranged params; a sweep pins them). Others are folded already. */
  params?: Record<string, number | boolean>;
  /** Largest joint action space enumerated (default 100,000). */
  maxProfiles?: number;
  /** Cap on joint actions × samples for random stages (default 4,000,000). */
  maxEvaluations?: number;
  /** Give up on random stages instead of sampling them (the editor's fast path). */
  refuseRandom?: boolean;
  /**
   * The checked model the IR was lowered from: with it, a payoff table's entries are read
   * exactly from the source (`1/3` is one third), not from their float32 run-time values.
   */
  model?: GameModel;
  /** A time budget: enumeration stops with `AnalysisStopped` once it is spent (default: none). */
  deadline?: Deadline;
}

export type NoNormalFormKind =
  "sequential" | "repeated" | "too_large" | "no_players" | "random_actions" | "random_payoffs";

export type BuildResult =
  | { ok: true; game: NormalForm; random: boolean; stage: "one_shot" | "stage_game" }
  | { ok: false; kind: NoNormalFormKind; reason: string };

export const DEFAULT_SAMPLES = 1000;
export const DEFAULT_MAX_PROFILES = 100_000;
const DEFAULT_MAX_EVALUATIONS = 4_000_000;
/** Sample means are read as rationals on this grid. */
export const ESTIMATE_GRID = 1_000_000;

/** Which statements make up the game analysed, and what the reader should know about it. */
export type StagePlan =
  | {
      ok: true;
      source: "payoff_table" | "step_enumeration";
      stage: Stmt[];
      stageKind: "one_shot" | "stage_game";
      notes: string[];
    }
  | { ok: false; kind: NoNormalFormKind; reason: string };

function horizonText(ir: IRGame): string {
  const h = ir.horizon;
  return h.lo === h.hi ? `horizon ${h.lo}` : `horizon ${h.lo}..${h.hi}`;
}

export function planStage(ir: IRGame, utility: "reward" | "objective" = "reward"): StagePlan {
  const main = ir.steps[0] ?? [];
  const table = main.find((s): s is Extract<Stmt, { k: "payoff" }> => s.k === "payoff");
  const oneShot = ir.horizon.lo === 1 && ir.horizon.hi === 1;
  if (table) {
    const notes: string[] = [];
    if (!oneShot)
      notes.push(`a repeated game (${horizonText(ir)}): this is the stage game, the table paid every round`);
    const rest = main.filter((s) => s !== table);
    if (writesOf(rest).rewards)
      notes.push(
        "the `step` block also changes rewards; those changes are not part of this normal form (it is the table alone)",
      );
    const rowReads = roundDifferences({ ...ir, steps: [[table]] }, utility === "objective");
    if (rowReads.length > 0 && !oneShot)
      notes.push(
        `the table's rows read state that changes between rounds; they are evaluated in the first round (${rowReads.join("; ")})`,
      );
    return { ok: true, source: "payoff_table", stage: [table], stageKind: oneShot ? "one_shot" : "stage_game", notes };
  }
  if (ir.phases.length > 1) {
    return {
      ok: false,
      kind: "sequential",
      reason:
        `the game has phases (${ir.phases.join(", ")}): moves are sequential, and its normal form ` +
        "(each strategy a plan of what to do at every point one could be asked to move) is not built. " +
        "Analyse a one-phase version, or give the game a `payoff` table.",
    };
  }
  if (oneShot) return { ok: true, source: "step_enumeration", stage: main, stageKind: "one_shot", notes: [] };
  const differences = roundDifferences(ir, utility === "objective");
  if (differences.length > 0) {
    return {
      ok: false,
      kind: "repeated",
      reason:
        `a repeated game (${horizonText(ir)}) whose rounds differ: ${differences.slice(0, 3).join("; ")}${differences.length > 3 ? `; and ${differences.length - 3} more` : ""}. ` +
        "Its normal form (strategies over histories) is not built, and no single round stands for the game.",
    };
  }
  return {
    ok: true,
    source: "step_enumeration",
    stage: main,
    stageKind: "stage_game",
    notes: [
      `a repeated game (${horizonText(ir)}) whose rounds are all the same one-shot game: this is the stage game (one round)`,
    ],
  };
}

function playerName(ir: IRGame, role: number, index: number): string {
  const r = ir.roles[role];
  return r.count === 1 ? r.name : `${r.name}#${index}`;
}

/**
 * Builds the normal form, or says why there is none. Never throws for a checked scenario,
 * except `AnalysisStopped` when `options.deadline` runs out.
 */
export function buildNormalForm(ir: IRGame, options: BuildOptions = {}): BuildResult {
  const utility = options.utility ?? "reward";
  const plan = planStage(ir, utility);
  if (!plan.ok) return plan;
  const stageIR: IRGame = {
    ...ir,
    steps: ir.phases.map((_, i) => (i === 0 ? plan.stage : [])),
    metrics: [],
    endWhen: [],
    horizon: { lo: 1, hi: 1 },
  };
  const random = stageIsRandom(ir, plan.stage, utility === "objective");
  if (random && options.refuseRandom)
    return { ok: false, kind: "random_payoffs", reason: "the payoffs are random; run `agora analyze` for estimates" };
  const maxProfiles = options.maxProfiles ?? DEFAULT_MAX_PROFILES;
  const requested = Math.max(1, Math.floor(options.samples ?? DEFAULT_SAMPLES));

  // Who can act, and what: the legal actions in the first step of an episode.
  const probeCopies = random ? Math.min(requested, 64) : 1;
  const probe = createInterpreter(stageIR, {
    numEnvs: probeCopies,
    seed: options.seed ?? 0,
    sampleParams: false,
    params: options.params,
  });
  const first = probe.reset();
  const players: Player[] = [];
  const agents: { role: number; index: number; player: number }[] = [];
  const idle: string[] = [];
  for (let r = 0; r < ir.roles.length; r++) {
    const role = ir.roles[r];
    for (let i = 0; i < role.count; i++) {
      const legal: number[] = [];
      for (let f = 0; f < role.numActions; f++) if (first.roles[r].mask[i * role.numActions + f] === 1) legal.push(f);
      for (let e = 1; e < probeCopies; e++) {
        for (let f = 0; f < role.numActions; f++) {
          const m = first.roles[r].mask[(e * role.count + i) * role.numActions + f] === 1;
          if (m !== legal.includes(f)) {
            return {
              ok: false,
              kind: "random_actions",
              reason: `which actions ${playerName(ir, r, i)} may take depends on random draws at the start of the episode, so there is no fixed set of strategies`,
            };
          }
        }
      }
      if (legal.length === 0) {
        idle.push(playerName(ir, r, i));
        agents.push({ role: r, index: i, player: -1 });
        continue;
      }
      agents.push({ role: r, index: i, player: players.length });
      players.push({
        role: role.name,
        index: i,
        name: playerName(ir, r, i),
        actions: legal.map((f) => role.actionLabels[f]),
        flat: legal,
      });
    }
  }
  if (players.length === 0)
    return { ok: false, kind: "no_players", reason: "no agent has a legal action in the first step" };
  const sizes = players.map((p) => p.actions.length);
  const total = numProfiles(sizes);
  if (total > maxProfiles) {
    return {
      ok: false,
      kind: "too_large",
      reason: `the joint action space has ${total.toLocaleString("en-US")} joint actions (${sizes.join(" × ")}), more than the ${maxProfiles.toLocaleString("en-US")} analysed`,
    };
  }

  const notes = [...plan.notes];
  if (idle.length > 0)
    notes.push(
      `${idle.join(", ")} ${idle.length === 1 ? "has" : "have"} no legal action in this step and ${idle.length === 1 ? "is not a player" : "are not players"}`,
    );
  const payoffs: Q[][] = players.map(() => new Array<Q>(total));
  const otherUtility: number[][] = players.map(() => new Array<number>(total).fill(0));
  let differs = false;
  const objectiveRoles = ir.roles.filter((r) => r.objective).map((r) => r.name);
  const fill = (actions: Int32Array[], copy: number, profile: number) => {
    const picks = profileActions(sizes, profile);
    for (const a of agents)
      actions[a.role][copy * ir.roles[a.role].count + a.index] =
        a.player < 0 ? -1 : players[a.player].flat[picks[a.player]];
  };

  let samples: number | undefined;
  let standardError: number[] | undefined;
  /** The float32 value paid at run time, per player and profile (non-random stages). */
  const runtime: Float32Array[] = players.map(() => new Float32Array(total));
  if (!random) {
    // Under a deadline, smaller batches so that it is checked often.
    const batch = Math.min(total, options.deadline ? 256 : 4096);
    const env = createInterpreter(stageIR, {
      numEnvs: batch,
      seed: options.seed ?? 0,
      sampleParams: false,
      params: options.params,
    });
    const actions = ir.roles.map((r) => new Int32Array(batch * r.count));
    for (let start = 0; start < total; start += batch) {
      checkDeadline(options.deadline);
      env.reset();
      for (let c = 0; c < batch; c++) fill(actions, c, Math.min(start + c, total - 1));
      const result = env.step(actions);
      for (let c = 0; c < batch && start + c < total; c++) {
        for (const a of agents) {
          if (a.player < 0) continue;
          const k = c * ir.roles[a.role].count + a.index;
          const reward = result.roles[a.role].reward[k];
          const objective = result.roles[a.role].objective[k];
          const [mine, other] = utility === "objective" ? [objective, reward] : [reward, objective];
          // A run-time infinity (a float32 overflow) has no rational: 0 stands in, and the precision says so.
          payoffs[a.player][start + c] = Number.isFinite(mine) ? Q.fromFloat32(mine) : Q.ZERO;
          runtime[a.player][start + c] = mine;
          otherUtility[a.player][start + c] = other;
          if (other !== mine) differs = true;
        }
      }
    }
  } else {
    // Common random numbers: every joint action is evaluated on the same S copies (same seed,
    // same copy indices), so comparisons between joint actions share their draws.
    const S = Math.max(2, Math.min(requested, Math.floor((options.maxEvaluations ?? DEFAULT_MAX_EVALUATIONS) / total)));
    samples = S;
    const env: VecEnv = createInterpreter(stageIR, {
      numEnvs: S,
      seed: options.seed ?? 0,
      sampleParams: false,
      params: options.params,
    });
    const actions = ir.roles.map((r) => new Int32Array(S * r.count));
    const se = players.map(() => 0);
    for (let profile = 0; profile < total; profile++) {
      checkDeadline(options.deadline);
      env.reset();
      for (let c = 0; c < S; c++) fill(actions, c, profile);
      const result = env.step(actions);
      for (const a of agents) {
        if (a.player < 0) continue;
        const count = ir.roles[a.role].count;
        const buffers = result.roles[a.role];
        const [mine, other] =
          utility === "objective" ? [buffers.objective, buffers.reward] : [buffers.reward, buffers.objective];
        let sum = 0;
        let sumOther = 0;
        const firstValue = mine[a.index];
        let constant = true;
        for (let c = 0; c < S; c++) {
          const v = mine[c * count + a.index];
          sum += v;
          sumOther += other[c * count + a.index];
          if (v !== firstValue) constant = false;
        }
        const mean = sum / S;
        let ss = 0;
        for (let c = 0; c < S; c++) ss += (mine[c * count + a.index] - mean) ** 2;
        const sd = Math.sqrt(ss / (S - 1));
        se[a.player] = Math.max(se[a.player], sd / Math.sqrt(S));
        payoffs[a.player][profile] = constant ? Q.fromFloat32(firstValue) : Q.round(mean, ESTIMATE_GRID);
        otherUtility[a.player][profile] = sumOther / S;
        if (Math.abs(sumOther / S - mean) > 1e-9) differs = true;
      }
    }
    standardError = se;
  }
  if (utility === "reward" && objectiveRoles.length > 0) {
    notes.push(
      differs
        ? `role${objectiveRoles.length === 1 ? "" : "s"} ${objectiveRoles.map((r) => `\`${r}\``).join(", ")} declare${objectiveRoles.length === 1 ? "s" : ""} an \`objective\` that differs from the payoff here: learners maximise the objective (analyse it with --objective)`
        : `role${objectiveRoles.length === 1 ? "" : "s"} ${objectiveRoles.map((r) => `\`${r}\``).join(", ")} declare${objectiveRoles.length === 1 ? "s" : ""} an \`objective\`; here it equals the payoff`,
    );
  }
  if (utility === "objective")
    notes.push("payoffs are each role's `objective` (what learners maximise), not the reward the environment pays");
  let precision: PayoffPrecision;
  if (random) precision = { exact: false, reasons: ["the payoffs are sample means of a random stage"], float32: [] };
  else if (plan.source === "payoff_table" && options.model && utility === "reward")
    precision = exactTable(options.model, options.params ?? {}, agents, players, sizes, payoffs, runtime);
  else {
    precision = {
      exact: false,
      reasons: [
        utility === "objective"
          ? "the payoffs are the roles' objectives, computed at run time in float32; each is read as the shortest decimal that rounds to it"
          : plan.source === "payoff_table"
            ? "the table's entries were read from their float32 run-time values (each as the shortest decimal that rounds to it), not from the source"
            : "the payoffs are computed by the `step` block at run time in float32; each is read as the shortest decimal that rounds to it",
      ],
      float32: [],
    };
  }
  if (
    !random &&
    runtime.some((row, p) =>
      row.some((v, i) => !Number.isFinite(v) && precision.float32.every((d) => d.player !== p || d.profile !== i)),
    )
  ) {
    precision = {
      ...precision,
      exact: false,
      reasons: [
        ...precision.reasons,
        "a payoff overflows float32 at run time and has no exact value here; it is read as 0",
      ],
    };
  }
  const game: NormalForm = {
    precision,
    name: ir.name,
    players,
    sizes,
    payoffs,
    source: plan.source,
    exact: !random,
    samples,
    standardError,
    notes,
  };
  return { ok: true, game, random, stage: plan.stageKind };
}

/**
 * Replaces the payoffs read from the run time by the table's exact entries, where they have
 * exact values, and lists the payoffs whose float32 run-time value differs.
 */
function exactTable(
  model: GameModel,
  pins: Readonly<Record<string, number | boolean>>,
  agents: { role: number; index: number; player: number }[],
  players: Player[],
  sizes: number[],
  payoffs: Q[][],
  runtime: Float32Array[],
): PayoffPrecision {
  const reasons = new Set<string>();
  const float32: PayoffPrecision["float32"] = [];
  if (!model.payoff || agents.some((a) => a.player < 0)) {
    return {
      exact: false,
      reasons: ["the table's entries were read from their float32 run-time values: an agent has no legal action"],
      float32,
    };
  }
  let entries: ReturnType<typeof payoffTableValues>;
  try {
    entries = payoffTableValues(model, pins);
  } catch (error) {
    return {
      exact: false,
      reasons: [`the table's entries were read from their float32 run-time values: ${(error as Error).message}`],
      float32,
    };
  }
  const actionIndex = model.roles.map((r) => new Map(r.actions.map((a, i) => [a.symbol.name, i])));
  const numActions = model.roles.map((r) => r.actions.length);
  const rowOf = new Map<number, number>();
  model.payoff.rows.forEach((row, r) => {
    let joint = 0;
    row.actions.forEach(
      (name, i) => (joint = joint * numActions[agents[i].role] + (actionIndex[agents[i].role].get(name.text) ?? 0)),
    );
    rowOf.set(joint, r);
  });
  const byRow = new Map<string, (typeof entries)[number]>();
  for (const e of entries) byRow.set(`${e.row}:${e.agent}`, e);
  const total = numProfiles(sizes);
  for (let profile = 0; profile < total; profile++) {
    const picks = profileActions(sizes, profile);
    let joint = 0;
    for (const a of agents) joint = joint * numActions[a.role] + players[a.player].flat[picks[a.player]];
    const r = rowOf.get(joint);
    agents.forEach((a, k) => {
      const entry = r === undefined ? undefined : byRow.get(`${r}:${k}`);
      if (!entry?.exact) {
        reasons.add(
          entry?.reason
            ? `a payoff is not exact: ${entry.reason}; it is read from its float32 value`
            : "a payoff's source was not found; it is read from its float32 value",
        );
        return;
      }
      payoffs[a.player][profile] = entry.exact;
      const paid = runtime[a.player][profile];
      if (!Number.isFinite(paid) || !Q.fromDouble(paid).eq(entry.exact))
        float32.push({ profile, player: a.player, value: paid });
    });
  }
  return { exact: reasons.size === 0, reasons: [...reasons], float32 };
}
