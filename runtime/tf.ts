/**
 * Loads TensorFlow.js with the best backend available, and says which one runs.
 *
 * The default, `wasm`, works after `npm ci` alone. The native backends download
 * libtensorflow when they install (and tfjs-node-gpu needs CUDA 11 with cuDNN 8), so they
 * are optional extras: install `@tensorflow/tfjs-node` or `@tensorflow/tfjs-node-gpu`
 * yourself and ask for `node` or `node-gpu`. They are imported only when asked for.
 */

export type TfModule = typeof import("@tensorflow/tfjs");
export type TfBackendName = "wasm" | "cpu" | "node" | "node-gpu" | "webgl";

export interface LoadedTf {
  tf: TfModule;
  /** The backend TensorFlow.js reports after initialisation (`tensorflow` for the native ones). */
  backend: string;
  /** What was asked for, and why something else runs if it does. */
  requested: TfBackendName;
  note?: string;
}

let loaded: Promise<LoadedTf> | undefined;
let loadedFor: TfBackendName | undefined;

async function importOptional(name: string): Promise<TfModule | undefined> {
  try {
    return (await import(/* @vite-ignore */ name)) as TfModule;
  } catch {
    return undefined;
  }
}

/** Loads TensorFlow.js once per process with the requested backend (default `wasm`). */
export function loadTf(requested: TfBackendName = "wasm"): Promise<LoadedTf> {
  if (loaded && loadedFor === requested) return loaded;
  loadedFor = requested;
  loaded = (async () => {
    if (requested === "node" || requested === "node-gpu") {
      const pkg = requested === "node" ? "@tensorflow/tfjs-node" : "@tensorflow/tfjs-node-gpu";
      const native = await importOptional(pkg);
      if (native) {
        await native.ready();
        return { tf: native, backend: native.getBackend(), requested };
      }
      const fallback = await loadTf("wasm");
      return {
        ...fallback,
        requested,
        note: `${pkg} is not installed (it is an optional extra: npm install ${pkg}); using ${fallback.backend}`,
      };
    }
    const tf = await import("@tensorflow/tfjs");
    silenceNodeHint(tf);
    if (requested === "wasm") {
      await import("@tensorflow/tfjs-backend-wasm");
      if (await tf.setBackend("wasm").catch(() => false)) {
        await tf.ready();
        return { tf, backend: tf.getBackend(), requested };
      }
      await tf.setBackend("cpu");
      await tf.ready();
      return { tf, backend: tf.getBackend(), requested, note: "the wasm backend failed to start; using cpu" };
    }
    await tf.setBackend(requested);
    await tf.ready();
    return { tf, backend: tf.getBackend(), requested };
  })();
  return loaded;
}

/**
 * TensorFlow.js's cpu backend prints an advert for tfjs-node on first use in Node.js; the
 * runtime says which backend runs itself. Production mode silences it (and skips debug
 * checks that slow every op).
 */
function silenceNodeHint(tf: TfModule) {
  tf.env().set("PROD", true);
}
