import { spawn, type ChildProcess } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runFmt } from "../../cli/commands/fmt.js";
import { readCheckpoint } from "../../runtime/checkpoint.js";
import { train, type MetricsLine, type RunConfig } from "../../runtime/train.js";
import { repoRoot } from "../support/sources.js";

const tmp = () => mkdtempSync(join(tmpdir(), "agora-run-folder-"));
const IPD = join(repoRoot, "examples/iterated_pd.game");
/** Tiny runs: 2 agents × 4 copies × 8 steps = 64 agent steps per update. */
const TINY = { envs: 4, rollout: 8, hidden: [8] };
const quiet = { report: false, log: () => {} };

function updatesOf(dir: string): number[] {
  return readFileSync(join(dir, "metrics.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => (JSON.parse(l) as MetricsLine).update);
}

describe("run folders: nothing lost, nothing mixed", () => {
  it("refuses a folder that holds a run, and empty or system paths", async () => {
    const out = join(tmp(), "run");
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 2 * 64 }, ...quiet });
    const before = readFileSync(join(out, "metrics.jsonl"), "utf8");
    await expect(train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 2 * 64 }, ...quiet })).rejects.toThrow(
      `${out} already holds a run: continue it with \`agora train --resume ${out}\`, or choose a new --out`,
    );
    expect(readFileSync(join(out, "metrics.jsonl"), "utf8")).toBe(before);
    await expect(train({ scenarioPath: IPD, out: "", flags: TINY, ...quiet })).rejects.toThrow(
      "--out needs a folder name, got an empty path",
    );
    await expect(train({ scenarioPath: IPD, out: "/proc/agora-x", flags: TINY, ...quiet })).rejects.toThrow(
      "a system folder cannot hold a run folder",
    );
  });

  it("refuses a folder another live trainer holds, and takes over a stale lock", async () => {
    const out = join(tmp(), "run");
    const holder = spawn("sleep", ["30"]);
    try {
      const { mkdirSync } = await import("node:fs");
      mkdirSync(out);
      writeFileSync(join(out, "trainer.lock"), `${holder.pid}\n`);
      await expect(train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 64 }, ...quiet })).rejects.toThrow(
        `${out} is in use by another trainer (pid ${holder.pid})`,
      );
    } finally {
      holder.kill("SIGKILL");
      await new Promise((r) => holder.once("exit", r));
    }
    const warnings: string[] = [];
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 64 }, ...quiet, warn: (w) => warnings.push(w) });
    expect(warnings.join("\n")).toContain(`taking over a stale lock (its trainer, pid ${holder.pid}, is gone)`);
    expect(existsSync(join(out, "trainer.lock"))).toBe(false);
  });

  it("resumes from the checkpoint: later and torn metrics lines dropped, the resume recorded", async () => {
    const out = join(tmp(), "run");
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 3 * 64 }, ...quiet });
    // A trainer killed after writing update 4's metrics but before its checkpoint, mid-way through update 5's line.
    const lines = readFileSync(join(out, "metrics.jsonl"), "utf8").trim().split("\n");
    appendFileSync(
      join(out, "metrics.jsonl"),
      JSON.stringify({ ...JSON.parse(lines[2]), update: 4 }) + "\n" + '{"update":5,"agentSt',
    );
    const warnings: string[] = [];
    await train({ resume: out, flags: { steps: 5 * 64 }, ...quiet, warn: (w) => warnings.push(w) });
    expect(updatesOf(out)).toEqual([1, 2, 3, 4, 5]);
    expect(warnings.join("\n")).toContain("metrics.jsonl: dropping a torn last line (line 5");
    const config = JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as RunConfig;
    expect(config.config.steps).toBe(5 * 64);
    expect(config.resumes).toEqual([{ at: expect.any(String), fromUpdate: 3, steps: 5 * 64 }]);
  });

  it("refuses to resume over a metrics line damaged mid-file, naming the file and the line, and changes nothing", async () => {
    const out = join(tmp(), "run");
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 3 * 64 }, ...quiet });
    const path = join(out, "metrics.jsonl");
    const lines = readFileSync(path, "utf8").trim().split("\n");
    lines[1] = lines[1].slice(0, 30);
    const damaged = lines.join("\n") + "\n";
    writeFileSync(path, damaged);
    await expect(train({ resume: out, flags: { steps: 5 * 64 }, ...quiet })).rejects.toThrow(
      `${path}: line 2 is damaged`,
    );
    expect(readFileSync(path, "utf8")).toBe(damaged);
  });

  it("refuses a resume whose settings conflict with the run, naming each conflict", async () => {
    const out = join(tmp(), "run");
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 64 }, ...quiet });
    await expect(train({ resume: out, overrides: new Map([["rounds", 3]]), ...quiet })).rejects.toThrow(
      /--set rounds=3: the run was trained with the scenario's rounds/,
    );
    await expect(train({ resume: out, flags: { hidden: [16, 16] }, ...quiet })).rejects.toThrow(
      "--hidden 16,16: the run was trained with hidden 8",
    );
    await expect(
      train({ resume: out, scenarioPath: join(repoRoot, "examples/stag_hunt.game"), ...quiet }),
    ).rejects.toThrow(/stag_hunt\.game is not the scenario the run was trained on/);
    expect(updatesOf(out)).toEqual([1]);
  });

  it("does nothing when --steps is below the steps already done, and says so", async () => {
    const out = join(tmp(), "run");
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 2 * 64 }, ...quiet });
    const result = await train({ resume: out, flags: { steps: 64 }, ...quiet });
    expect(result.nothingToDo).toBe(
      `${out} has already trained 128 agent steps (--steps 64 asks for no more): nothing to do; ask for more with --steps`,
    );
    expect(updatesOf(out)).toEqual([1, 2]);
    expect((JSON.parse(readFileSync(join(out, "config.json"), "utf8")) as RunConfig).resumes).toBeUndefined();
  });

  it("names the file and the fault in a corrupted run folder, and never loads non-finite weights", async () => {
    const out = join(tmp(), "run");
    await train({ scenarioPath: IPD, out, flags: { ...TINY, steps: 64 }, ...quiet });
    const latest = join(out, "checkpoints", "latest.json");
    const good = readFileSync(latest, "utf8");
    const checkpoint = JSON.parse(good);
    checkpoint.roles[0].weights[0].data = checkpoint.roles[0].weights[0].data.slice(0, 8);
    writeFileSync(latest, JSON.stringify(checkpoint));
    await expect(train({ resume: out, flags: { steps: 256 }, ...quiet })).rejects.toThrow(
      /latest\.json: role player, weight 0: shape \[\d+, \d+\] needs \d+ bytes, the data has 6/,
    );
    const nan = JSON.parse(good);
    const bytes = Buffer.from(nan.roles[0].weights[1].data, "base64");
    bytes.writeFloatLE(Number.NaN, 4);
    nan.roles[0].weights[1].data = bytes.toString("base64");
    writeFileSync(latest, JSON.stringify(nan));
    expect(() => readCheckpoint(out)).toThrow(
      /role player, weight 1: value 1 is NaN \(non-finite weights are never loaded\)/,
    );
    writeFileSync(latest, good);
    writeFileSync(join(out, "config.json"), "{ broken");
    await expect(train({ resume: out, ...quiet })).rejects.toThrow(/config\.json: not valid JSON/);
    writeFileSync(join(out, "config.json"), JSON.stringify({ format: "agora-run/1", scenario: { path: "x.game" } }));
    await expect(train({ resume: out, ...quiet })).rejects.toThrow(
      /config\.json: missing scenario\.source or scenario\.path/,
    );
  });

  it("leaves no folder behind when the start fails", async () => {
    const parent = tmp();
    const out = join(parent, "runs", "bad");
    await expect(train({ scenarioPath: IPD, out, flags: TINY, opponents: ["bot:nice"], ...quiet })).rejects.toThrow(
      "unknown bot `nice`",
    );
    expect(existsSync(join(parent, "runs"))).toBe(false);
  });

  it("agora fmt refuses a file that is not UTF-8 and leaves it unchanged", () => {
    const path = join(tmp(), "latin1.game");
    const bytes = Buffer.concat([
      Buffer.from("game G { role p { action caf"),
      Buffer.from([0xe9]),
      Buffer.from(" } }\n"),
    ]);
    writeFileSync(path, bytes);
    const errors: string[] = [];
    expect(
      runFmt(
        [path],
        { check: false },
        () => {},
        (s) => errors.push(s),
      ),
    ).toBe(1);
    expect(errors).toEqual([`error: ${path}: not UTF-8 text (save it as UTF-8); it was left unchanged`]);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });
});

describe("run folders: a trainer killed at any point resumes without repeating or losing an update", () => {
  /** Starts `agora train`, waits until metrics.jsonl has at least `lines` lines, then sends `signal`. */
  async function trainUntil(args: string[], dir: string, lines: number | undefined, signal: NodeJS.Signals) {
    const child: ChildProcess = spawn(process.execPath, [join(repoRoot, "bin/agora.js"), "train", ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += String(c)));
    child.stderr!.on("data", (c) => (stderr += String(c)));
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code, sig) => resolve(code ?? (sig ? -1 : null))),
    );
    if (lines !== undefined) {
      const metrics = join(dir, "metrics.jsonl");
      const count = () => (existsSync(metrics) ? readFileSync(metrics, "utf8").split("\n").length - 1 : 0);
      while (child.exitCode === null && count() < lines) await new Promise((r) => setTimeout(r, 10));
      child.kill(signal);
    }
    return { code: await exited, stdout: () => stdout, stderr: () => stderr };
  }

  it("SIGKILL and SIGINT at several points, then resume to the end", async () => {
    const dir = join(tmp(), "run");
    const steps = String(40 * 64);
    const first = await trainUntil(
      [IPD, "--steps", steps, "--envs", "4", "--rollout", "8", "--hidden", "8", "--out", dir],
      dir,
      3,
      "SIGKILL",
    );
    expect(first.code).toBe(-1);
    const interrupted = await trainUntil(["--resume", dir], dir, updatesOf(dir).length + 3, "SIGINT");
    expect(interrupted.stderr()).toContain("stopping after this update");
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout()).toContain(`resume with: agora train --resume ${dir}`);
    // The interrupted run saved a checkpoint at its last update, and the report.
    const afterInterrupt = updatesOf(dir);
    expect(readCheckpoint(dir).update).toBe(afterInterrupt[afterInterrupt.length - 1]);
    expect(existsSync(join(dir, "report.html"))).toBe(true);
    const killedAgain = await trainUntil(["--resume", dir], dir, afterInterrupt.length + 5, "SIGKILL");
    expect(killedAgain.code).toBe(-1);
    const finished = await trainUntil(["--resume", dir], dir, undefined, "SIGINT");
    expect(finished.stderr()).toContain("taking over a stale lock");
    expect(finished.code).toBe(0);
    expect(updatesOf(dir)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    const steps64 = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as MetricsLine).agentSteps);
    expect(steps64).toEqual(Array.from({ length: 40 }, (_, i) => (i + 1) * 64));
  });
});
