import type { StepResult } from "../compiler/vecenv.js";

/**
 * The iterated prisoner's dilemma of examples/iterated_pd.game written by hand over typed
 * arrays: the baseline the generated kernel is measured against. It computes exactly what
 * the scenario asks (payoffs, the cooperation metric, totals, horizon 50, auto-reset, and
 * observations: own last action one-hot, and whether the other defected last round), and a
 * test checks it step for step against the generated kernel, so the comparison is fair.
 */
export function createHandwrittenIpd(numEnvs: number) {
  const E = numEnvs;
  const HORIZON = 50;
  const PAY = new Float32Array([3, 0, 5, 1]); // row player's payoff for joint action a0 * 2 + a1
  const round = new Int32Array(E);
  const episode = new Int32Array(E);
  const action = new Int32Array(E * 2).fill(-1);
  const last = new Int32Array(E * 2).fill(-1);
  const total = new Float32Array(E * 2);
  const obs = new Float32Array(E * 2 * 3);
  const mask = new Uint8Array(E * 2 * 2).fill(1);
  const reward = new Float32Array(E * 2);
  const objective = new Float32Array(E * 2);
  const done = new Uint8Array(E);
  const metrics = new Float32Array(E);
  const phase = new Int32Array(E);
  const result: StepResult = {
    roles: [{ obs, mask, reward, objective }],
    done,
    metrics,
    phase,
    rules: new Uint8Array(0),
  };

  function observe(e: number) {
    const b = e * 2;
    for (let i = 0; i < 2; i++) {
      const o = (b + i) * 3;
      const own = last[b + i];
      obs[o] = own === 0 ? 1 : 0;
      obs[o + 1] = own === 1 ? 1 : 0;
      obs[o + 2] = last[b + 1 - i] === 1 ? 1 : 0;
    }
  }

  function startEpisode(e: number) {
    const b = e * 2;
    round[e] = 0;
    action[b] = action[b + 1] = -1;
    last[b] = last[b + 1] = -1;
    total[b] = total[b + 1] = 0;
    observe(e);
  }

  function reset(): StepResult {
    for (let e = 0; e < E; e++) {
      episode[e] = 0;
      startEpisode(e);
    }
    reward.fill(0);
    objective.fill(0);
    done.fill(0);
    metrics.fill(0);
    return result;
  }

  function step(actions: Int32Array[]): StepResult {
    const input = actions[0];
    for (let e = 0; e < E; e++) {
      const b = e * 2;
      const a0 = input[b] === 0 || input[b] === 1 ? input[b] : -1;
      const a1 = input[b + 1] === 0 || input[b + 1] === 1 ? input[b + 1] : -1;
      action[b] = a0;
      action[b + 1] = a1;
      let r0 = 0;
      let r1 = 0;
      if (a0 >= 0 && a1 >= 0) {
        r0 = PAY[a0 * 2 + a1];
        r1 = PAY[a1 * 2 + a0];
      }
      reward[b] = objective[b] = r0;
      reward[b + 1] = objective[b + 1] = r1;
      metrics[e] = ((a0 === 0 ? 1 : 0) + (a1 === 0 ? 1 : 0)) / 2;
      total[b] = Math.fround(total[b] + r0);
      total[b + 1] = Math.fround(total[b + 1] + r1);
      if (round[e] >= HORIZON - 1) {
        done[e] = 1;
        episode[e]++;
        startEpisode(e);
        continue;
      }
      done[e] = 0;
      round[e]++;
      if (a0 >= 0) last[b] = a0;
      if (a1 >= 0) last[b + 1] = a1;
      observe(e);
    }
    return result;
  }

  return { reset, step, numEnvs: E };
}
