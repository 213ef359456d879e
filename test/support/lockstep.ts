import type { IRGame } from "../../compiler/ir.js";
import type { StepResult, VecEnv } from "../../compiler/vecenv.js";
import { prng } from "./sources.js";

export interface Tolerance {
  /** Allowed absolute difference for real-valued buffers (observations, rewards, objectives, metrics). */
  real: number;
}

/** Every buffer of a step result, named, with whether it holds reals. */
function buffers(r: StepResult): [string, ArrayLike<number>, boolean][] {
  return [
    ["done", r.done, false],
    ["phase", r.phase, false],
    ["metrics", r.metrics, true],
    ...(r.rules ? [["rules", r.rules, false] as [string, ArrayLike<number>, boolean]] : []),
    ...r.roles.flatMap((role, i): [string, ArrayLike<number>, boolean][] => [
      [`roles[${i}].obs`, role.obs, true],
      [`roles[${i}].mask`, role.mask, false],
      [`roles[${i}].reward`, role.reward, true],
      [`roles[${i}].objective`, role.objective, true],
    ]),
  ];
}

/** The first difference between two results, described, or undefined when they agree. */
export function compareResults(a: StepResult, b: StepResult, tolerance: Tolerance): string | undefined {
  const xs = buffers(a);
  const ys = new Map(buffers(b).map(([name, buffer]) => [name, buffer]));
  if (ys.size !== xs.length) return `buffers differ: ${xs.map((x) => x[0]).join(", ")} vs ${[...ys.keys()].join(", ")}`;
  for (let k = 0; k < xs.length; k++) {
    const [name, x, real] = xs[k];
    const y = ys.get(name);
    if (!y) return `${name} is missing`;
    if (x.length !== y.length) return `${name}: length ${x.length} vs ${y.length}`;
    for (let i = 0; i < x.length; i++) {
      const ok = real
        ? x[i] === y[i] || Math.abs(x[i] - y[i]) <= tolerance.real || (Number.isNaN(x[i]) && Number.isNaN(y[i]))
        : x[i] === y[i];
      if (!ok) return `${name}[${i}]: ${x[i]} vs ${y[i]}`;
    }
  }
  return undefined;
}

/**
 * Steps several environments of one scenario in lockstep on the same random legal actions
 * (and, every third step, a bot's choices), and reports the first step where they differ.
 */
export function lockstep(
  ir: IRGame,
  envs: VecEnv[],
  options: { steps: number; seed: number; tolerance?: Tolerance },
): string | undefined {
  const tolerance = options.tolerance ?? { real: 0 };
  const rand = prng(options.seed);
  const E = envs[0].numEnvs;
  let results = envs.map((env) => env.reset());
  for (let k = 1; k < envs.length; k++) {
    const diff = compareResults(results[0], results[k], tolerance);
    if (diff) return `after reset, backend ${k}: ${diff}`;
  }
  const actions = ir.roles.map((r) => new Int32Array(E * r.count));
  for (let t = 0; t < options.steps; t++) {
    ir.roles.forEach((role, r) => {
      const mask = results[0].roles[r].mask;
      for (let j = 0; j < E * role.count; j++) {
        const legal: number[] = [];
        for (let f = 0; f < role.numActions; f++) if (mask[j * role.numActions + f]) legal.push(f);
        // Now and then a no-op, which every agent may take.
        actions[r][j] = legal.length === 0 || rand() < 0.05 ? -1 : legal[Math.floor(rand() * legal.length)];
      }
    });
    if (ir.bots.length > 0 && t % 3 === 0) {
      const bot = ir.bots[Math.floor(t / 3) % ir.bots.length];
      const chosen = envs.map(() => new Int32Array(E * ir.roles[bot.role].count));
      envs.forEach((env, k) => env.botActions(bot.name, chosen[k]));
      for (let k = 1; k < envs.length; k++) {
        for (let j = 0; j < chosen[0].length; j++) {
          if (chosen[0][j] !== chosen[k][j])
            return `step ${t}, bot ${bot.name}, backend ${k}: agent ${j} plays ${chosen[k][j]}, reference ${chosen[0][j]}`;
        }
      }
      actions[bot.role].set(chosen[0]);
    }
    results = envs.map((env) => env.step(actions));
    for (let k = 1; k < envs.length; k++) {
      const diff = compareResults(results[0], results[k], tolerance);
      if (diff) return `step ${t}, backend ${k}: ${diff}`;
    }
  }
  return undefined;
}
