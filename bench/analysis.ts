import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyzeNormalForm } from "../analysis/analyze.js";
import { writeNfg } from "../analysis/nfg.js";
import { normalFormFromNumbers } from "../analysis/normal-form.js";
import { prng } from "../language/util/prng.js";

/**
 * Exact two-player analysis of random n×n games (integer payoffs 0..99): time per game,
 * median over `games` games per size, in-process (`analyzeNormalForm`, the whole report)
 * and through the CLI (`agora analyze game.nfg --format json`, a fresh process), beside
 * lrsnash (Debian's lrslib, what a user would pick instead) on the same games, interleaved
 * game by game. The equilibrium counts must agree.
 */
export function benchAnalysis(
  root: string,
  sizes = (process.env.AGORA_BENCH_SIZES ?? "6,10,14,16").split(",").map(Number),
  games = Number(process.env.AGORA_BENCH_GAMES ?? 20),
) {
  // AGORA_BENCH_CLI=0 leaves the CLI column out (a machine with dist/ but no node_modules).
  const withCli = process.env.AGORA_BENCH_CLI !== "0";
  const lrs = spawnSync("lrsnash", ["--help"], { encoding: "utf8" }).error === undefined;
  const dir = mkdtempSync(join(tmpdir(), "agora-bench-analysis-"));
  const cli = join(root, "bin", "agora.js");
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(
    `\nExact equilibria of random n×n games (payoffs 0..99), seconds per game, median of ${games}${lrs ? "" : " (lrsnash not installed: no comparison)"}:`,
  );
  console.log(
    `  size    in-process     CLI  ${lrs ? " lrsnash  in-process/lrsnash  equilibria (median)  agree" : "equilibria (median)"}`,
  );
  const random = prng(2026);
  for (const n of sizes) {
    const inProcess: number[] = [];
    const viaCli: number[] = [];
    const viaLrs: number[] = [];
    const counts: number[] = [];
    let agree = 0;
    for (let g = 0; g < games; g++) {
      const A = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.floor(random() * 100)));
      const B = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.floor(random() * 100)));
      const names = (p: string) => Array.from({ length: n }, (_, i) => `${p}${i + 1}`);
      const game = normalFormFromNumbers(
        `random ${n}x${n} #${g}`,
        [
          { name: "row", actions: names("r") },
          { name: "col", actions: names("c") },
        ],
        [A.flat(), B.flat()],
      );
      const nfg = join(dir, `g${n}-${g}.nfg`);
      writeFileSync(nfg, writeNfg(game));
      let t = performance.now();
      // No time limit: a loaded machine must not turn a measurement into a fallback.
      const report = analyzeNormalForm(game, { timeLimitMs: Infinity });
      inProcess.push((performance.now() - t) / 1000);
      if (!report.methods.equilibria.complete) throw new Error(`not complete: ${report.methods.equilibria.note}`);
      counts.push(report.equilibria.length);
      if (withCli) {
        t = performance.now();
        const json = JSON.parse(
          execFileSync(process.execPath, [cli, "analyze", nfg, "--format", "json"], {
            encoding: "utf8",
            maxBuffer: 1 << 28,
            stdio: ["ignore", "pipe", "ignore"],
          }),
        );
        viaCli.push((performance.now() - t) / 1000);
        if (json.equilibria.length !== report.equilibria.length)
          throw new Error("the CLI and the in-process analysis disagree");
      }
      if (lrs) {
        const file = join(dir, `g${n}-${g}.txt`);
        writeFileSync(
          file,
          `${n} ${n}\n\n${A.map((r) => r.join(" ")).join("\n")}\n\n${B.map((r) => r.join(" ")).join("\n")}\n`,
        );
        t = performance.now();
        const out = execFileSync("lrsnash", [file], {
          encoding: "utf8",
          maxBuffer: 1 << 28,
          stdio: ["ignore", "pipe", "ignore"],
        });
        viaLrs.push((performance.now() - t) / 1000);
        const found = Number(/Number of equilibria found: (\d+)/.exec(out)?.[1] ?? NaN);
        if (found === report.equilibria.length) agree++;
      }
    }
    const f = (s: number) => s.toFixed(3).padStart(8);
    const ratio = lrs ? (median(inProcess) / median(viaLrs)).toFixed(2).padStart(8) + "x" : "";
    console.log(
      `  ${`${n}x${n}`.padEnd(6)} ${f(median(inProcess))}   ${withCli ? f(median(viaCli)) : "     n/a"}  ${lrs ? `${f(median(viaLrs))}  ${ratio}            ` : ""}${String(median(counts)).padStart(6)}              ${lrs ? `${agree}/${games}` : ""}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
}
