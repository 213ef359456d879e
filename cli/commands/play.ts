import { createInterface } from "node:readline";
import { createJsKernel } from "../../compiler/js-backend.js";
import type { IRGame } from "../../compiler/ir.js";
import { loadScenario, reportScenarioError } from "../../runtime/env.js";
import { readRun } from "../../runtime/evaluate.js";
import { Rng, type ActorCritic } from "../../runtime/ppo.js";
import { loadTf, type TfBackendName } from "../../runtime/tf.js";
import { frozenPolicies } from "../../runtime/train.js";
import { printable } from "../../language/text.js";
import { readSource } from "../files.js";

export interface PlayOptions {
  /** A run folder whose trained policies play the other seats. */
  policy?: string;
  /** The role the person plays (default: the first). */
  role?: string;
  overrides: Map<string, number | boolean>;
  seed: number;
  episodes: number;
  backend: TfBackendName;
  /** Lines typed by the person (default: standard input). */
  input?: AsyncIterable<string>;
}

/** Prints an observation vector with its labels, grouping one-hot features. */
function describeObservation(ir: IRGame, role: number, obs: Float32Array): string[] {
  const lines: string[] = [];
  let offset = 0;
  for (const item of ir.roles[role].observations) {
    if (item.encoding === "oneHot") {
      const k = [...obs.subarray(offset, offset + item.width)].findIndex((v) => v === 1);
      const base = item.labels[0].replace(/=[^=]*$/, "");
      lines.push(printable(`  ${base} = ${k >= 0 ? item.labels[k].slice(base.length + 1) : "(none)"}`));
    } else
      lines.push(
        `  ${printable(item.labels[0])} = ${item.encoding === "bool" ? (obs[offset] ? "true" : "false") : Number(obs[offset].toFixed(4))}`,
      );
    offset += item.width;
  }
  return lines;
}

/**
 * `agora play`: a person plays one agent in the terminal; the other agents are played by a
 * trained policy (`--policy run-dir`), else by the first bot of their role, else at random.
 */
export async function runPlay(
  file: string,
  options: PlayOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const source = readSource(file);
  if ("error" in source) {
    err(`error: ${printable(source.error)}`);
    return 1;
  }
  let ir: IRGame;
  try {
    ir = loadScenario(source.text, { name: file, overrides: options.overrides }).ir;
  } catch (error) {
    if (!reportScenarioError(error, file, err)) err(`error: ${printable((error as Error).message)}`);
    return 1;
  }
  const human = options.role ? ir.roles.findIndex((r) => r.name === options.role) : 0;
  if (human < 0) {
    err(
      `error: the scenario has no role \`${printable(options.role ?? "")}\`; its roles are ${ir.roles.map((r) => `\`${r.name}\``).join(", ")}`,
    );
    return 1;
  }
  let nets: ActorCritic[] | undefined;
  if (options.policy) {
    try {
      readRun(options.policy); // a clear error when it is not a run folder
      const { tf, backend } = await loadTf(options.backend);
      nets = await frozenPolicies(tf, ir, options.policy);
      out(`the other agents play the policy of ${printable(options.policy)} (TensorFlow.js ${backend})`);
    } catch (error) {
      err(`error: ${printable((error as Error).message)}`);
      return 1;
    }
  }
  const env = createJsKernel(ir)({ numEnvs: 1, seed: options.seed, sampleParams: false, checked: true });
  const rng = new Rng(options.seed);
  const lines = (options.input ?? createInterface({ input: process.stdin, terminal: false }))[Symbol.asyncIterator]();
  const ask = async (): Promise<string | undefined> => {
    const next = await lines.next();
    return next.done ? undefined : String(next.value).trim();
  };
  const role = ir.roles[human];
  out(`You play ${role.name} #0 in ${ir.name}. Type an action's number or name (or the start of its name); q quits.`);
  // Who plays everyone else: a person should know when a co-player is random.
  ir.roles.forEach((r, k) => {
    const others = k === human ? r.count - 1 : r.count;
    if (others === 0) return;
    const bot = ir.bots.find((b) => b.role === k);
    const who = nets
      ? `the trained policy of ${options.policy}`
      : bot
        ? `the bot ${bot.name}`
        : "at random (no --policy, and the scenario has no bot for this role)";
    out(`${k === human ? `the other ${r.name} agents play` : `${r.name} plays`} ${who}`);
  });
  let result = env.reset();
  const totals = ir.roles.map((r) => new Float64Array(r.count));
  let episode = 0;
  let steps = 0;
  while (episode < options.episodes) {
    const phase = `, round ${Math.floor(steps / ir.phases.length) + 1}${ir.phases.length > 1 ? `, phase ${ir.phases[result.phase[0]]}` : ""}`;
    const actions = ir.roles.map((r, k) => {
      const chosen = new Int32Array(r.count).fill(-1);
      const bot = ir.bots.find((b) => b.role === k);
      const fromPolicy = nets?.[k].act(result.roles[k].obs, result.roles[k].mask, r.count, rng).actions;
      const fromBot = !fromPolicy && bot ? new Int32Array(r.count) : undefined;
      if (fromBot) env.botActions(bot!.name, fromBot);
      for (let i = 0; i < r.count; i++) {
        if (fromPolicy) chosen[i] = fromPolicy[i];
        else if (fromBot) chosen[i] = fromBot[i];
        else {
          const legal = [...result.roles[k].mask.subarray(i * r.numActions, (i + 1) * r.numActions).keys()].filter(
            (f) => result.roles[k].mask[i * r.numActions + f],
          );
          chosen[i] = legal.length ? legal[Math.floor(rng.next() * legal.length)] : -1;
        }
      }
      return chosen;
    });
    const legal = [...Array(role.numActions).keys()].filter((f) => result.roles[human].mask[f]);
    if (legal.length > 0) {
      out("");
      out(`episode ${episode + 1}${phase}. You observe:`);
      if (role.obsDim === 0) out("  (nothing)");
      for (const l of describeObservation(ir, human, result.roles[human].obs.subarray(0, role.obsDim))) out(l);
      out(printable(`Your actions: ${legal.map((f) => `[${f}] ${role.actionLabels[f]}`).join("  ")}`));
      let choice: number | undefined;
      while (choice === undefined) {
        const line = await ask();
        if (line === undefined || line === "q" || line === "quit") {
          out("bye");
          return 0;
        }
        // An empty line asks again.
        if (line === "") {
          out(printable(`Your actions: ${legal.map((f) => `[${f}] ${role.actionLabels[f]}`).join("  ")}`));
          continue;
        }
        const picked = pickAction(line, legal, role.actionLabels);
        if (typeof picked === "number") choice = picked;
        else out(printable(picked.problem));
      }
      actions[human][0] = choice;
    }
    // What everyone else did, before the rewards it earned them.
    const others = ir.roles.flatMap((r, k) =>
      Array.from({ length: r.count }, (_, i) => i)
        .filter((i) => !(k === human && i === 0))
        .map((i) => `${r.name}#${i} ${actions[k][i] >= 0 ? r.actionLabels[actions[k][i]] : "(no action)"}`),
    );
    result = env.step(actions);
    steps++;
    ir.roles.forEach((r, k) => {
      for (let i = 0; i < r.count; i++) totals[k][i] += result.roles[k].reward[i];
    });
    const rewards = ir.roles.flatMap((r, k) =>
      Array.from({ length: r.count }, (_, i) => `${r.name}#${i} ${Number(result.roles[k].reward[i].toFixed(3))}`),
    );
    if (others.length > 0) out(`the others: ${others.join(", ")}`);
    if (legal.length > 0 || result.done[0]) out(`rewards: ${rewards.join(", ")}`);
    if (result.done[0]) {
      episode++;
      out(
        `episode over. totals: ${ir.roles.flatMap((r, k) => Array.from({ length: r.count }, (_, i) => `${r.name}#${i} ${Number(totals[k][i].toFixed(3))}`)).join(", ")}`,
      );
      totals.forEach((t) => t.fill(0));
      steps = 0;
    }
  }
  return 0;
}

/** A typed action: its number, its label, or the start of exactly one legal label. */
export function pickAction(typed: string, legal: number[], labels: string[]): number | { problem: string } {
  const choices = legal.map((f) => labels[f]).join(", ");
  const exact = /^\d+$/.test(typed) ? Number(typed) : labels.indexOf(typed);
  if (legal.includes(exact)) return exact;
  const matches = legal.filter((f) => labels[f].startsWith(typed));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1)
    return { problem: `\`${typed}\` could be ${matches.map((f) => labels[f]).join(" or ")}; type more of the name` };
  return { problem: `not a legal action here: ${typed}; choose one of ${choices}` };
}
