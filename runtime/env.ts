import { printable } from "../language/text.js";
import { readFileSync } from "node:fs";
import type { CheckedDocument } from "../language/check.js";
import { renderDiagnostic } from "../language/render.js";
import type { OverrideValue } from "../language/semantic/checker.js";
import { compileToIR } from "../compiler/compile.js";
import type { IRGame } from "../compiler/ir.js";
import { createInterpreter } from "../compiler/interpreter.js";
import { createJsKernel } from "../compiler/js-backend.js";
import { buildSchema, type EnvOptions, type Schema, type VecEnv } from "../compiler/vecenv.js";
import { loadTf, type TfBackendName } from "./tf.js";

export type { EnvOptions, Schema, StepResult, VecEnv } from "../compiler/vecenv.js";

/** A checked, lowered scenario, ready to instantiate environments from. */
export interface Scenario {
  ir: IRGame;
  schema: Schema;
  document: CheckedDocument;
  /** Where it came from, for messages. */
  name: string;
}

export class ScenarioError extends Error {
  constructor(
    message: string,
    readonly document?: CheckedDocument,
  ) {
    super(message);
  }
}

/**
 * Prints why a scenario could not be loaded, as `agora check` would: its errors with the
 * source line, and problems with `--set` overrides. Returns false for any other error.
 */
export function reportScenarioError(error: unknown, file: string, err: (s: string) => void, color = false): boolean {
  if (!(error instanceof ScenarioError) || !error.document) return false;
  const doc = error.document;
  for (const d of doc.diagnostics)
    if (d.severity === "error") err(renderDiagnostic(file, doc.lines, d, { color }) + "\n");
  for (const m of doc.overrideErrors) err(printable(`${file}: error: ${m}`));
  return true;
}

/** Checks and lowers scenario source; throws `ScenarioError` (with the diagnostics) on errors. */
export function loadScenario(
  source: string,
  options: { name?: string; overrides?: ReadonlyMap<string, OverrideValue> } = {},
): Scenario {
  const { ir, document } = compileToIR(source, options.overrides);
  const name = options.name ?? "scenario";
  if (!ir) {
    const first = document.diagnostics.find((d) => d.severity === "error");
    const where = first
      ? `${name}:${document.lines.positionAt(first.span.start).line + 1}:${document.lines.positionAt(first.span.start).character + 1}: ${first.message}`
      : document.overrideErrors[0];
    throw new ScenarioError(`${name} has errors: ${where}`, document);
  }
  return { ir, schema: buildSchema(ir), document, name };
}

export function loadScenarioFile(path: string, overrides?: ReadonlyMap<string, OverrideValue>): Scenario {
  return loadScenario(readFileSync(path, "utf8"), { name: path, overrides });
}

export type BackendName = "js" | "tensor" | "interpreter";

export interface CreateEnvOptions extends EnvOptions {
  /** `js` (generated kernel, default), `tensor` (TensorFlow.js program) or `interpreter` (the reference). */
  backend?: BackendName;
  /** For `tensor`: which TensorFlow.js backend (default `wasm`). */
  tfBackend?: TfBackendName;
}

/**
 * Creates a vectorized environment of E copies of a scenario.
 *
 *     const scenario = loadScenarioFile("examples/iterated_pd.game");
 *     const env = await createEnv(scenario, { numEnvs: 1024, seed: 1 });
 *     let result = env.reset();
 *     result = env.step([actions]);
 */
export async function createEnv(scenario: Scenario, options: CreateEnvOptions): Promise<VecEnv & { backend: string }> {
  const backend = options.backend ?? "js";
  if (backend === "interpreter")
    return Object.assign(createInterpreter(scenario.ir, options), { backend: "interpreter" });
  if (backend === "js") return Object.assign(createJsKernel(scenario.ir)(options), { backend: "js" });
  const { tf, backend: tfBackend } = await loadTf(options.tfBackend ?? "wasm");
  const { createTensorEnv } = await import("../compiler/tensor-backend.js");
  return Object.assign(createTensorEnv(scenario.ir, options, tf), { backend: `tensor (${tfBackend})` });
}
