import { mkdirSync, writeFileSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { checkText, hasErrors } from "../../language/check.js";
import { renderDiagnostic } from "../../language/render.js";
import { lowerGame } from "../../compiler/lower.js";
import { generateJsModule } from "../../compiler/js-backend.js";
import { buildSchema } from "../../compiler/vecenv.js";
import { readSource } from "../files.js";
import { printable } from "../../language/text.js";

export interface CompileCommandOptions {
  out?: string;
  target: "js" | "tensor" | "python";
  overrides: Map<string, number | boolean>;
  color: boolean;
}

/**
 * `agora compile`: checks the scenario, then writes a standalone ES module (`env.mjs`), or a
 * NumPy module (`env.py`) for `--target python`, and its `schema.json`. Errors are printed as
 * diagnostics and give exit code 1.
 */
export async function runCompile(
  file: string,
  options: CompileCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  const source = readSource(file);
  if ("error" in source) {
    err(`error: ${printable(source.error)}`);
    return 1;
  }
  const doc = checkText(source.text, { overrides: options.overrides });
  for (const message of doc.overrideErrors) err(`${printable(file)}: error: ${printable(message)}`);
  const errors = doc.diagnostics.filter((d) => d.severity === "error");
  for (const d of doc.diagnostics)
    (d.severity === "error" ? err : out)(renderDiagnostic(file, doc.lines, d, { color: options.color }) + "\n");
  if (hasErrors(doc.diagnostics) || doc.overrideErrors.length > 0 || !doc.model) {
    err(
      `${printable(file)}: not compiled: ${errors.length + doc.overrideErrors.length} error${errors.length + doc.overrideErrors.length === 1 ? "" : "s"}`,
    );
    return 1;
  }
  const ir = lowerGame(doc.model, source.text);
  const dir = options.out ?? join("out", basename(file).replace(/\.game$/, ""));
  let moduleText: string;
  const moduleFile = options.target === "python" ? "env.py" : "env.mjs";
  if (options.target === "python") {
    const { generatePythonModule } = await import("../../compiler/python-backend.js");
    moduleText = generatePythonModule(ir, { sourceName: basename(file) });
  } else if (options.target === "tensor") {
    const { generateTensorModule } = await import("../../compiler/tensor-backend.js");
    moduleText = generateTensorModule(ir, { sourceName: basename(file) });
  } else moduleText = generateJsModule(ir, { sourceName: basename(file) });
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, moduleFile), moduleText);
    writeFileSync(join(dir, "schema.json"), JSON.stringify(buildSchema(ir), null, 2) + "\n");
  } catch (error) {
    err(printable(`error: cannot write ${dir}: ${(error as Error).message}`));
    return 1;
  }
  const shown = relative(process.cwd(), dir) || ".";
  const agents = ir.roles
    .map((r) => `${r.name} * ${r.count} (${r.numActions} actions, ${r.obsDim} observations)`)
    .join(", ");
  out(`compiled ${ir.name} (${options.target} target): ${agents}`);
  if (options.target === "python")
    out(
      `  ${printable(join(shown, "env.py"))}      the environment: from env import Env, ParallelEnv (needs numpy; see docs/python.md)`,
    );
  else
    out(
      `  ${printable(join(shown, "env.mjs"))}     the environment: import { createEnv, schema } from "./env.mjs"${options.target === "tensor" ? " (needs @tensorflow/tfjs)" : ""}`,
    );
  out(`  ${printable(join(shown, "schema.json"))}  roles, action and observation labels, params, metrics`);
  return 0;
}
