/**
 * Game-theoretic analysis of `.game` scenarios: normal forms (from `payoff` tables or by
 * enumerating a one-shot step), equilibria, dominance, Pareto optimality, welfare, classes
 * of 2x2 games and param sweeps. See docs/analysis.md.
 */
export {
  analyzeNormalForm,
  analyzeScenario,
  SCHEMA,
  type AnalysisReport,
  type AnalyzeOptions,
  type ScenarioAnalysis,
  type ScenarioOptions,
} from "./analyze.js";
export { bimatrixEquilibria, type BimatrixResult } from "./bimatrix.js";
export { buildNormalForm, planStage, type BuildOptions, type BuildResult } from "./build.js";
export { classify, classOfOrdering, dilemmaStrength, type Classification, type GameClass } from "./classify.js";
export { analyzeForEditor, summarizeDocument, summarizeGame, type EditorSummary } from "./editor.js";
export { analyzeNfgText, parseNfg, writeNfg, NfgError } from "./nfg.js";
export { float32Changes, float32Game } from "./float32.js";
export { mixedDominance, type MixedDominance } from "./mixed-dominance.js";
export { reverseSearchVertices, type PolytopeVertex } from "./reverse-search.js";
export { normalFormFromNumbers, type NormalForm, type Player } from "./normal-form.js";
export { approximateEquilibria, nashEpsilon, type ApproxEquilibrium } from "./nplayer.js";
export { dominance, paretoOptimal, pureEquilibria, welfareMax } from "./pure.js";
export { Q } from "./rational.js";
export { renderReport } from "./report.js";
export { sweepParams, type Sweep } from "./sweep.js";
