import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { TrialResult } from "../../runtime/sweep/trial.js";
import { repoRoot } from "../support/sources.js";

const BIN = join(repoRoot, "bin/agora.js");
const GAME = join(repoRoot, "examples/analysis/temptation_sweep.game");
const TINY = ["--steps", "128", "--envs", "8", "--rollout", "8", "--hidden", "8", "--episodes", "16"];
const REDIS = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].find(existsSync);

const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

/** A Redis on a loopback port with its own folder; append-only, so a restart loses nothing. */
async function startRedis(dir: string, port: number): Promise<ChildProcess> {
  const redis = spawn(
    REDIS!,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
    ],
    { stdio: "ignore" },
  );
  started.push(redis);
  for (let k = 0; k < 100; k++) {
    if (spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" }).stdout?.trim() === "PONG")
      return redis;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("redis-server did not start");
}

async function stop(p: ChildProcess, signal: NodeJS.Signals = "SIGTERM") {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill(signal);
  await new Promise((r) => p.once("close", r));
}

function startWorker(url: string, log: string[]): ChildProcess {
  const w = spawn(process.execPath, [BIN, "worker", url, "--lock-seconds", "3"], { stdio: ["ignore", "pipe", "pipe"] });
  w.stdout!.setEncoding("utf8").on("data", (s: string) => log.push(s));
  w.stderr!.setEncoding("utf8").on("data", (s: string) => log.push(s));
  started.push(w);
  return w;
}

function coordinator(args: string[]): { proc: ChildProcess; done: Promise<{ code: number | null; out: string }> } {
  const proc = spawn(process.execPath, [BIN, "sweep", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  started.push(proc);
  let out = "";
  proc.stdout!.setEncoding("utf8").on("data", (s: string) => (out += s));
  proc.stderr!.setEncoding("utf8").on("data", (s: string) => (out += s));
  return { proc, done: new Promise((resolve) => proc.once("close", (code) => resolve({ code, out }))) };
}

const results = (dir: string) =>
  readFileSync(join(dir, "results.jsonl"), "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as TrialResult);

async function waitFor(condition: () => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What must agree between executors: everything but the trial's id and folder, which depend on the plan. */
const comparable = (r: TrialResult) => ({
  point: r.point,
  seed: r.seed,
  evaluation: r.evaluation,
  actions: r.actions,
  agentSteps: r.agentSteps,
});

describe.runIf(REDIS)("agora sweep --queue with agora worker (real Redis)", () => {
  it("3 workers, one SIGKILLed mid-trial: every trial lands exactly once, equal to the local executor's", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-redis-"));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const redis = await startRedis(dir, port);
    const logs: string[][] = [[], [], []];
    const workers = logs.map((log) => startWorker(url, log));
    const out = join(dir, "queued");
    const sweep = coordinator([
      GAME,
      "--vary",
      "temptation=3,5",
      "--seeds",
      "2",
      ...TINY,
      "--queue",
      url,
      "--out",
      out,
    ]);
    // Kill the first worker to start a trial, while it runs it.
    let victim = -1;
    await waitFor(() => (victim = logs.findIndex((l) => l.join("").includes("running t"))) >= 0, 60_000);
    await stop(workers[victim], "SIGKILL");
    const killedTrial = /running (t[0-9]+)/.exec(logs[victim].join(""))![1];
    const { code, out: text } = await sweep.done;
    expect(text).toContain("4/4 trials finished");
    expect(code).toBe(0);
    const queued = results(out);
    expect(queued.map((r) => r.trial).sort()).toEqual(["t0000", "t0001", "t0002", "t0003"]);
    // The killed worker's trial was run again by another worker, and its run folder came back.
    expect(logs.filter((_, k) => k !== victim).some((l) => l.join("").includes(`finished ${killedTrial}`))).toBe(true);
    for (const r of queued) expect(existsSync(join(out, r.run, "checkpoints", "latest.json"))).toBe(true);
    for (const w of workers) await stop(w, "SIGKILL");
    await stop(redis);

    // The same two trials of temptation = 3 on the local executor give the same results.
    const local = join(dir, "local");
    const run = spawnSync(
      process.execPath,
      [BIN, "sweep", GAME, "--vary", "temptation=3", "--seeds", "2", ...TINY, "--out", local],
      { encoding: "utf8" },
    );
    expect(run.status).toBe(0);
    const mine = results(local).map(comparable);
    const theirs = queued.filter((r) => r.point.temptation === 3).map(comparable);
    const bySeed = (a: { seed: number }, b: { seed: number }) => a.seed - b.seed;
    expect(theirs.sort(bySeed)).toEqual(mine.sort(bySeed));
  });

  it("Redis going away mid-sweep: the worker and the coordinator say so, wait, and finish when it is back, losing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-redis-"));
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let redis = await startRedis(dir, port);
    const log: string[] = [];
    const worker = startWorker(url, log);
    const out = join(dir, "sweep");
    const sweep = coordinator([
      GAME,
      "--vary",
      "temptation=3,5",
      "--seeds",
      "1",
      ...TINY,
      "--queue",
      url,
      "--out",
      out,
    ]);
    await waitFor(() => log.join("").includes("running t"), 60_000);
    await stop(redis, "SIGKILL");
    await waitFor(() => log.join("").includes("lost the connection to Redis"), 20_000);
    await new Promise((r) => setTimeout(r, 2000));
    redis = await startRedis(dir, port);
    const { code, out: text } = await sweep.done;
    expect(text).toContain("2/2 trials finished");
    expect(code).toBe(0);
    expect(text).toContain("lost the connection to Redis");
    expect(
      results(out)
        .map((r) => r.trial)
        .sort(),
    ).toEqual(["t0000", "t0001"]);
    await stop(worker, "SIGKILL");
    await stop(redis);
  });
});
