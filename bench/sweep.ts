import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `npm run bench -- sweep`: trials per hour for one fixed small sweep (8 tiny trials) on
 * the local executor with 1, 2 and 4 trials at once, and through Redis with 1, 2 and 4
 * `agora worker`s; the queue's overhead per trial is the difference of wall time per trial
 * at equal parallelism. Configurations are interleaved (local 1, queue 1, local 2, …) so a
 * change in the machine's load hits both sides of each ratio alike.
 */
const SWEEP = [
  "--vary",
  "temptation=3,4,5,6",
  "--seeds",
  "2",
  "--steps",
  "512",
  "--envs",
  "8",
  "--rollout",
  "16",
  "--hidden",
  "16",
  "--episodes",
  "50",
];
const TRIALS = 8;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

function run(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    p.on("close", (code) =>
      code === 0 ? resolve(0) : reject(new Error(`${args.slice(1, 3).join(" ")} exited ${code}: ${err.slice(-500)}`)),
    );
  });
}

export async function benchSweep(root: string) {
  const bin = join(root, "bin", "agora.js");
  const game = join(root, "examples", "analysis", "temptation_sweep.game");
  const redisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync);
  const work = mkdtempSync(join(tmpdir(), "agora-bench-sweep-"));
  let redis: ChildProcess | undefined;
  let url = "";
  if (redisServer) {
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redis = spawn(
      redisServer,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", work, "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    for (
      let k = 0;
      k < 50 && spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() !== "PONG";
      k++
    )
      await new Promise((r) => setTimeout(r, 100));
  }
  console.log(
    `sweep throughput: ${TRIALS} tiny trials (temptation_sweep, 512 agent steps each) on ${(await import("node:os")).availableParallelism()} cores${redis ? "" : " (no redis-server: queue rows skipped)"}`,
  );
  console.log("  executor     at once   wall s   s/trial   trials/hour");
  const rows: { kind: string; n: number; seconds: number }[] = [];
  let k = 0;
  for (const n of [1, 2, 4]) {
    for (const kind of ["local", "redis"]) {
      if (kind === "redis" && !redis) continue;
      const out = join(work, `s${k++}`);
      const t0 = performance.now();
      if (kind === "local") await run([bin, "sweep", game, ...SWEEP, "--parallel", String(n), "--out", out]);
      else {
        const workers = Array.from({ length: n }, () =>
          spawn(process.execPath, [bin, "worker", url], { stdio: "ignore" }),
        );
        await run([bin, "sweep", game, ...SWEEP, "--queue", url, "--out", out]);
        for (const w of workers) w.kill("SIGKILL");
      }
      const seconds = (performance.now() - t0) / 1000;
      rows.push({ kind, n, seconds });
      console.log(
        `  ${kind.padEnd(12)} ${String(n).padStart(7)} ${seconds.toFixed(1).padStart(8)} ${(seconds / TRIALS).toFixed(2).padStart(9)} ${Math.round(
          (TRIALS / seconds) * 3600,
        )
          .toLocaleString("en-US")
          .padStart(13)}`,
      );
    }
  }
  for (const n of [1, 2, 4]) {
    const local = rows.find((r) => r.kind === "local" && r.n === n);
    const queued = rows.find((r) => r.kind === "redis" && r.n === n);
    if (local && queued)
      console.log(
        `  queue vs local at ${n}: ${(queued.seconds / local.seconds).toFixed(2)}x wall time, overhead ${((queued.seconds - local.seconds) / TRIALS).toFixed(2)} s per trial`,
      );
  }
  redis?.kill("SIGTERM");
}
