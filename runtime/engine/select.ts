/**
 * Chooses what trains: the native engine (the default where it builds) or TensorFlow.js on
 * one of its backends. The run says which one it got, and why when it is not what was
 * asked for.
 */
import type { Activation } from "../ppo.js";
import { loadTf, type TfBackendName } from "../tf.js";
import { defaultThreads, loadNativeEngine } from "./native.js";
import { NativePolicy, TfPolicy, type Policy } from "./policy.js";

/** `auto` (native, else TensorFlow.js wasm), `native`, or a TensorFlow.js backend. */
export type EngineName = "auto" | "native" | TfBackendName;
export const ENGINES: EngineName[] = ["auto", "native", "wasm", "cpu", "node", "node-gpu", "webgl"];

export interface LoadedEngine {
  /** `native`, or the TensorFlow.js backend that runs (`wasm`, `cpu`, `tensorflow`, ...). */
  name: string;
  /** One line for the log: what runs, on how many threads. */
  description: string;
  /** Why something else runs than what was asked for. */
  note?: string;
  create(
    obsDim: number,
    numActions: number,
    hidden: number[],
    seed: number,
    name: string,
    activation?: Activation,
  ): Policy;
}

let instance = 0;
/** TensorFlow.js variable names must be unique in a process. */
function uniqueName(base: string): string {
  return `${base}#${instance++}`;
}

export async function loadEngine(requested: EngineName = "auto", threads = defaultThreads()): Promise<LoadedEngine> {
  let note: string | undefined;
  if (requested === "auto" || requested === "native") {
    const native = loadNativeEngine();
    if (native.engine) {
      const engine = native.engine;
      engine.setThreads(threads);
      return {
        name: "native",
        description: `native (fused C++ kernels, ${threads} thread${threads === 1 ? "" : "s"})`,
        create: (obsDim, numActions, hidden, seed, name, activation) =>
          new NativePolicy(engine, obsDim, numActions, hidden, seed, name, activation),
      };
    }
    note = `the native engine is unavailable (${native.error}); using TensorFlow.js`;
  }
  const loaded = await loadTf(requested === "auto" || requested === "native" ? "wasm" : requested);
  const tf = loaded.tf;
  const notes = [note, loaded.note].filter(Boolean).join("; ");
  return {
    name: loaded.backend,
    description: `TensorFlow.js ${loaded.backend}`,
    note: notes || undefined,
    create: (obsDim, numActions, hidden, seed, name, activation) =>
      new TfPolicy(tf, obsDim, numActions, hidden, seed, uniqueName(name), activation),
  };
}
