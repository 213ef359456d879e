import { checkText } from "../language/check.js";
import { gameLexer } from "../language/syntax/tokens.js";
import { parse } from "../language/syntax/parse.js";
import { generateScenario } from "./generate.js";
import { benchJsKernels, benchTensor } from "./kernels.js";
import { benchTraining } from "./training.js";
import { benchLanguageServer } from "./lsp.js";
import { benchStartup } from "./startup.js";
import { benchAnalysis } from "./analysis.js";
import { benchSweep } from "./sweep.js";
import { benchPython } from "./python.js";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// Compiled to dist/bench/run.js: the repository is two folders up.
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Runs `fn` repeatedly and returns the median wall time in milliseconds. */
function median(fn: () => void, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

function benchFrontEnd() {
  const source = generateScenario(10_000);
  const lineCount = source.split("\n").length - 1;
  const errors = checkText(source).diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`the generated scenario has errors: ${errors[0].message}`);
  // Warm up the JIT and Chevrotain's lookahead caches, as an editor session would.
  for (let i = 0; i < 5; i++) checkText(source);
  const runs = 15;
  const lex = median(() => gameLexer.tokenize(source), runs);
  const parseOnly = median(() => parse(source), runs);
  const full = median(() => checkText(source), runs);
  const fmt = (ms: number) => `${ms.toFixed(1).padStart(7)} ms`;
  console.log(
    `front end on a generated ${lineCount}-line scenario (${(source.length / 1024).toFixed(0)} KiB), median of ${runs}:`,
  );
  console.log(`  lex only          ${fmt(lex)}   (reference)`);
  console.log(`  lex + parse + AST ${fmt(parseOnly)}   ${(parseOnly / lex).toFixed(1)}x lex`);
  console.log(
    `  parse + check     ${fmt(full)}   ${(full / lex).toFixed(1)}x lex   ${Math.round(lineCount / (full / 1000)).toLocaleString("en-US")} lines/s`,
  );
  console.log(`  target: parse + check under 200 ms -> ${full < 200 ? "met" : "NOT met"}`);
}

const only = process.argv[2];
if (!only || only === "frontend") benchFrontEnd();
if (!only || only === "kernels") benchJsKernels(root);
if (!only || only === "tensor") await benchTensor(root);
if (!only || only === "lsp") await benchLanguageServer(root);
if (!only || only === "training") await benchTraining(root);
if (!only || only === "startup") benchStartup(root);
if (!only || only === "analysis") benchAnalysis(root);
if (only === "sweep") await benchSweep(root);
if (!only || only === "python") benchPython(root);
