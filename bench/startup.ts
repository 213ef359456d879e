import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { analyzeScenario } from "../analysis/analyze.js";
import { compileToIR } from "../compiler/compile.js";
import { checkText } from "../language/check.js";

/**
 * CLI start-up: `agora --version`, `check` and `analyze` of a small file beside a bare
 * `node -e 0`, run interleaved so load on the machine hits all alike; and the work itself
 * (check, analysis) timed in-process once warm. Target: each command within 2x of
 * `node -e 0` plus its work.
 */
export function benchStartup(root: string, rounds = 15) {
  const file = join(root, "examples", "prisoners_dilemma.game");
  const bin = join(root, "bin", "agora.js");
  const commands: [string, string[]][] = [
    ["node -e 0", ["-e", "0"]],
    ["agora --version", [bin, "--version"]],
    ["agora check (small file)", [bin, "check", file]],
    ["agora analyze (small file)", [bin, "analyze", file]],
  ];
  const times = commands.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    commands.forEach(([, args], i) => {
      const t0 = performance.now();
      const run = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8" });
      times[i].push(performance.now() - t0);
      if (run.status !== 0) throw new Error(`${commands[i][0]} failed: ${run.stderr}`);
    });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  // The work itself, warm: what a long-running process would pay per file.
  const source = readFileSync(file, "utf8");
  const warm = (fn: () => void) => {
    for (let i = 0; i < 20; i++) fn();
    const xs: number[] = [];
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      fn();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  const checkWork = warm(() => checkText(source));
  const analyzeWork = warm(() => {
    const { ir } = compileToIR(source);
    if (!ir) throw new Error("the example does not compile");
    analyzeScenario(ir);
  });
  const node = median(times[0]);
  // analyze checks the file itself (compileToIR), so its work is the analysis timing alone.
  const work = [0, 0, checkWork, analyzeWork];
  console.log(
    `CLI start-up, median wall time of ${rounds} interleaved runs (small file: examples/prisoners_dilemma.game):`,
  );
  commands.forEach(([name], i) => {
    const t = median(times[i]);
    const budget = node + work[i];
    console.log(
      `  ${name.padEnd(28)} ${t.toFixed(0).padStart(5)} ms   ${(t / budget).toFixed(2)}x (node -e 0 + work ${budget.toFixed(0)} ms)`,
    );
  });
  console.log(
    `  work in-process, warm: check ${checkWork.toFixed(2)} ms, check + lowering + analysis ${analyzeWork.toFixed(2)} ms`,
  );
  const worst = Math.max(...commands.map((_, i) => median(times[i]) / (node + work[i])));
  console.log(
    `  target: every command within 2x of node -e 0 plus its work -> ${worst <= 2 ? "met" : "NOT met"} (worst ${worst.toFixed(2)}x)`,
  );
}
