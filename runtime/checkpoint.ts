import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { IRGame } from "../compiler/ir.js";
import type { Policy } from "./engine/policy.js";
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

/** Weights and Adam state of every role's policy, whichever engine computes it (they share the layout). */
export function makeCheckpoint(ir: IRGame, policies: Policy[], state: { update: number; agentSteps: number; config: PpoConfig; rng: number }): Checkpoint {
  const roles = policies.map((policy, r) => ({
    name: ir.roles[r].name,
    obsDim: policy.obsDim,
    numActions: policy.numActions,
    hidden: policy.hidden,
    weights: policy.weights().map((w) => encode(w.data, w.shape)),
  }));
  const optimizerStates = policies.map((policy) => policy.optimizerState().map((t) => encode(t.data, t.shape)));
  return { format: "agora-checkpoint/1", scenario: ir.name, update: state.update, agentSteps: state.agentSteps, config: state.config, roles, optimizers: optimizerStates, rng: state.rng };
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
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Checkpoint;
  if (parsed.format !== "agora-checkpoint/1") throw new Error(`${file} is not an Agora checkpoint`);
  return parsed;
}

/** Loads a checkpoint's weights into networks built for the same scenario. */
export function loadWeights(checkpoint: Checkpoint, ir: IRGame, nets: { setWeights(weights: { shape: number[]; data: number[] }[]): void }[]) {
  checkpoint.roles.forEach((saved, r) => {
    const role = ir.roles[r];
    if (!role || saved.name !== role.name || saved.obsDim !== role.obsDim || saved.numActions !== role.numActions) {
      throw new Error(`the checkpoint was trained on a different scenario (role ${saved.name}: ${saved.obsDim} observations, ${saved.numActions} actions)`);
    }
    nets[r].setWeights(saved.weights.map(decode));
  });
}

export async function loadOptimizers(checkpoint: Checkpoint, policies: Policy[]) {
  for (const [r, policy] of policies.entries()) await policy.setOptimizerState((checkpoint.optimizers[r] ?? []).map(decode));
}
