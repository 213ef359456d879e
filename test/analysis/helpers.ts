import { readFileSync } from "node:fs";
import { join } from "node:path";
import { compileToIR } from "../../compiler/compile.js";
import type { IRGame } from "../../compiler/ir.js";
import { analyzeScenario, type AnalysisReport, type ScenarioOptions } from "../../analysis/analyze.js";
import { buildNormalForm, type BuildOptions } from "../../analysis/build.js";
import type { NormalForm } from "../../analysis/normal-form.js";
import { repoRoot } from "../support/sources.js";

export function example(path: string): string {
  return readFileSync(join(repoRoot, "examples", path), "utf8");
}

export function lower(source: string, overrides?: Map<string, number | boolean>): IRGame {
  const { ir, document } = compileToIR(source, overrides);
  if (!ir) throw new Error(`scenario has errors: ${document.diagnostics.map((d) => d.message).join("; ")}`);
  return ir;
}

export function normalForm(source: string, options: BuildOptions = {}): NormalForm {
  const built = buildNormalForm(lower(source), options);
  if (!built.ok) throw new Error(`no normal form: ${built.reason}`);
  return built.game;
}

/** The analysis `agora analyze` gives: payoff tables read exactly from the source. */
export function analyze(source: string, options: ScenarioOptions = {}): AnalysisReport {
  const { ir, document } = compileToIR(source);
  if (!ir) throw new Error(`scenario has errors: ${document.diagnostics.map((d) => d.message).join("; ")}`);
  const result = analyzeScenario(ir, { sweep: false, model: document.model, ...options });
  if (!result.ok) throw new Error(`no normal form: ${result.reason}`);
  return result.report;
}

/** A two-player game with one role of two agents and the given row player's payoff table. */
export function twoByTwo(name: string, actions: [string, string], rows: string[]): string {
  return `game ${name} {
  horizon 1
  role player * 2 {
    action ${actions[0]}
    action ${actions[1]}
  }
  payoff {
    ${rows.join("\n    ")}
  }
}
`;
}

/** The exact strategies of every equilibrium, as strings, sorted for comparison. */
export function exactEquilibria(report: AnalysisReport): string[][][] {
  return report.equilibria
    .map((e) => e.strategies_exact!)
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
}
