/**
 * Builds and loads the native PPO engine (`runtime/engine/native/ppo_engine.cc`), a Node-API
 * addon compiled with the machine's C++ compiler. `npm ci` builds it (the `prepare` script);
 * loading rebuilds it when the source is newer than the binary. Where no compiler works the
 * loader says why, and training falls back to TensorFlow.js.
 *
 * The binary is built for the machine it runs on (`-march=native`): it is never committed
 * or copied, and results are reproducible on that machine.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface NativeEngine {
  forward(
    net: Int32Array,
    params: Float32Array,
    obs: Float32Array,
    mask: Uint8Array,
    n: number,
    logp: Float32Array,
    values: Float32Array,
  ): void;
  update(
    net: Int32Array,
    params: Float32Array,
    m: Float32Array,
    v: Float32Array,
    hyper: Float64Array,
    obs: Float32Array,
    masks: Uint8Array,
    actions: Int32Array,
    oldLogp: Float32Array,
    advantages: Float32Array,
    returns: Float32Array,
    order: Int32Array,
    batchSize: number,
    stats: Float64Array,
    gradOut?: Float32Array,
  ): number;
  setThreads(n: number): void;
  /**
   * GFLOP per CPU-second of one core's fused multiply-adds over `iterations` rounds of 12 independent vector chains.
   */
  peak(iterations: number): number;
}

/** The repository root: the nearest folder above this module with a package.json. */
function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("cannot find the repository root");
    dir = up;
  }
  return dir;
}

export const nativeSource = () => join(repositoryRoot(), "runtime", "engine", "native", "ppo_engine.cc");
export const nativeBinary = () => join(repositoryRoot(), "build", "native", "agora_engine.node");

/** The compiler command, also printed by the build so it can be reproduced by hand. */
export function compileCommand(source: string, output: string): string[] {
  const cxx = process.env.CXX || "g++";
  return [cxx, "-O3", "-march=native", "-std=c++17", "-shared", "-fPIC", "-o", output, source, "-lpthread"];
}

/** Compiles the addon when it is missing or older than its source. Throws with the compiler's message. */
export function buildNativeEngine(force = false): { built: boolean; path: string } {
  const source = nativeSource();
  const binary = nativeBinary();
  if (!force && existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs)
    return { built: false, path: binary };
  mkdirSync(dirname(binary), { recursive: true });
  // Several processes may build at once: each writes its own file, then renames it into place.
  const temp = `${binary}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  const [cxx, ...args] = compileCommand(source, temp);
  try {
    execFileSync(cxx, args, { stdio: ["ignore", "pipe", "pipe"] });
    renameSync(temp, binary);
  } catch (error) {
    rmSync(temp, { force: true });
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(
      `could not compile the native engine with ${cxx}: ${(e.stderr?.toString() || e.message).trim().split("\n").slice(0, 3).join(" ")}`,
      { cause: error },
    );
  }
  return { built: true, path: binary };
}

let cached: { engine?: NativeEngine; error?: string } | undefined;

/** The native engine, built if needed, or why it cannot run here. `AGORA_NO_NATIVE=1` disables it. */
export function loadNativeEngine(): { engine?: NativeEngine; error?: string } {
  if (cached) return cached;
  if (process.env.AGORA_NO_NATIVE) return (cached = { error: "disabled by AGORA_NO_NATIVE" });
  try {
    const { path } = buildNativeEngine();
    const engine = createRequire(import.meta.url)(path) as NativeEngine;
    cached = { engine };
  } catch (error) {
    cached = { error: (error as Error).message };
  }
  return cached;
}

/** Threads for the engine's parallel regions: all the cores unless told otherwise. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}
