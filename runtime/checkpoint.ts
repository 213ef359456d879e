import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { IRGame } from "../compiler/ir.js";
import type { Policy } from "./engine/policy.js";
import type { SavedPool } from "./pool.js";
import type { PpoConfig } from "./ppo.js";

export interface SavedTensor {
  shape: number[];
  /** Float32 values, base64-encoded (little-endian). */
  data: string;
}

export interface Checkpoint {
  format: "agora-checkpoint/1";
  scenario: string;
  update: number;
  agentSteps: number;
  config: PpoConfig;
  roles: { name: string; obsDim: number; numActions: number; hidden: number[]; weights: SavedTensor[] }[];
  /** Adam state per role, in the optimizer's own order (iterations first). */
  optimizers: SavedTensor[][];
  rng: number;
  /** Fictitious self-play's pool (runtime/pool.ts), in `latest.json` only: per member and role, the actor's weights. */
  pool?: { interval: number; members: { update: number; actors: SavedTensor[][] }[] };
}

function encode(values: Float32Array | number[], shape: number[]): SavedTensor {
  const array = values instanceof Float32Array ? values : Float32Array.from(values);
  return { shape, data: Buffer.from(array.buffer, array.byteOffset, array.byteLength).toString("base64") };
}

export function decode(t: SavedTensor): { shape: number[]; data: number[] } {
  const bytes = Buffer.from(t.data, "base64");
  const floats = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { shape: t.shape, data: Array.from(floats) };
}

export function encodePool(pool: SavedPool): NonNullable<Checkpoint["pool"]> {
  return {
    interval: pool.interval,
    members: pool.members.map((m) => ({
      update: m.update,
      actors: m.actors.map((role) => role.map((w) => encode(w, [w.length]))),
    })),
  };
}

export function decodePool(saved: NonNullable<Checkpoint["pool"]>): SavedPool {
  return {
    interval: saved.interval,
    members: saved.members.map((m) => ({
      update: m.update,
      actors: m.actors.map((role) => role.map((t) => Float32Array.from(decode(t).data))),
    })),
  };
}

/** Weights and Adam state of every role's policy, whichever engine computes it (they share the layout). */
export function makeCheckpoint(
  ir: IRGame,
  policies: Policy[],
  state: { update: number; agentSteps: number; config: PpoConfig; rng: number },
): Checkpoint {
  const roles = policies.map((policy, r) => ({
    name: ir.roles[r].name,
    obsDim: policy.obsDim,
    numActions: policy.numActions,
    hidden: policy.hidden,
    weights: policy.weights().map((w) => encode(w.data, w.shape)),
  }));
  const optimizerStates = policies.map((policy) => policy.optimizerState().map((t) => encode(t.data, t.shape)));
  return {
    format: "agora-checkpoint/1",
    scenario: ir.name,
    update: state.update,
    agentSteps: state.agentSteps,
    config: state.config,
    roles,
    optimizers: optimizerStates,
    rng: state.rng,
  };
}

/** Writes atomically (a temporary file, then a rename), so a killed run never leaves half a checkpoint. */
export function writeCheckpoint(path: string, checkpoint: Checkpoint) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  writeFileSync(temp, JSON.stringify(checkpoint));
  renameSync(temp, path);
}

/** Reads a checkpoint file, or `checkpoints/latest.json` of a run folder. */
export function readCheckpoint(path: string): Checkpoint {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, "checkpoints", "latest.json") : path;
  if (!existsSync(file)) throw new Error(`no checkpoint at ${file}`);
  let parsed: Checkpoint;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8")) as Checkpoint;
  } catch (error) {
    throw new Error(`${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  if (parsed?.format !== "agora-checkpoint/1") throw new Error(`${file} is not an Agora checkpoint`);
  const problem = checkpointProblem(parsed);
  if (problem) throw new Error(`${file}: ${problem}`);
  return parsed;
}

/**
 * What is wrong with a parsed checkpoint (undefined: nothing): shapes that do not match their data, non-finite weights.
 */
function checkpointProblem(c: Checkpoint): string | undefined {
  if (!Number.isInteger(c.update) || c.update < 0 || !Number.isFinite(c.agentSteps))
    return "update or agentSteps is not a count";
  if (!Number.isFinite(c.rng)) return "rng is not a number";
  if (!Array.isArray(c.roles) || !Array.isArray(c.optimizers)) return "missing roles or optimizers";
  const tensor = (t: SavedTensor, where: string): string | undefined => {
    if (!Array.isArray(t?.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0) || typeof t.data !== "string")
      return `${where}: not a tensor`;
    const bytes = Buffer.from(t.data, "base64").byteLength;
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (bytes !== size * 4)
      return `${where}: shape [${t.shape.join(", ")}] needs ${size * 4} bytes, the data has ${bytes}`;
    const values = decode(t).data;
    const bad = values.findIndex((v) => !Number.isFinite(v));
    return bad >= 0 ? `${where}: value ${bad} is ${values[bad]} (non-finite weights are never loaded)` : undefined;
  };
  for (const role of c.roles) {
    if (!Array.isArray(role?.weights)) return `role ${role?.name}: missing weights`;
    for (const [i, w] of role.weights.entries()) {
      const problem = tensor(w, `role ${role.name}, weight ${i}`);
      if (problem) return problem;
    }
  }
  if (c.pool !== undefined) {
    if (!Number.isInteger(c.pool?.interval) || c.pool.interval < 1 || !Array.isArray(c.pool.members))
      return "pool: not a policy pool";
    for (const [k, m] of c.pool.members.entries()) {
      if (!Number.isInteger(m?.update) || !Array.isArray(m.actors)) return `pool member ${k}: not a snapshot`;
      for (const [r, role] of m.actors.entries())
        for (const [i, t] of (Array.isArray(role) ? role : [undefined]).entries()) {
          const problem = tensor(t as SavedTensor, `pool member ${k}, role ${r}, weight ${i}`);
          if (problem) return problem;
        }
    }
  }
  for (const [r, saved] of c.optimizers.entries()) {
    if (!Array.isArray(saved)) return `optimizer ${r}: not a list of tensors`;
    for (const [i, t] of saved.entries()) {
      const problem = tensor(t, `optimizer ${r}, tensor ${i}`);
      if (problem) return problem;
    }
  }
  return undefined;
}

/** Loads a checkpoint's weights into networks built for the same scenario. */
export function loadWeights(
  checkpoint: Checkpoint,
  ir: IRGame,
  nets: { setWeights(weights: { shape: number[]; data: number[] }[]): void }[],
) {
  checkpoint.roles.forEach((saved, r) => {
    const role = ir.roles[r];
    if (!role || saved.name !== role.name || saved.obsDim !== role.obsDim || saved.numActions !== role.numActions) {
      throw new Error(
        `the checkpoint was trained on a different scenario (role ${saved.name}: ${saved.obsDim} observations, ${saved.numActions} actions)`,
      );
    }
    nets[r].setWeights(saved.weights.map(decode));
  });
}

export async function loadOptimizers(checkpoint: Checkpoint, policies: Policy[]) {
  for (const [r, policy] of policies.entries())
    await policy.setOptimizerState((checkpoint.optimizers[r] ?? []).map(decode));
}
