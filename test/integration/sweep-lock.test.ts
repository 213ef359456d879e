import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/sources.js";

const BIN = join(repoRoot, "bin/agora.js");
const GAME = join(repoRoot, "examples/analysis/temptation_sweep.game");

async function waitFor(condition: () => boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("one coordinator per sweep folder", () => {
  it("refuses a second coordinator while one runs, releases the lock on Ctrl-C and when done", async () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-sweep-lock-"));
    // A tiny sweep, from a sweep file: four trials, one at a time (the first is stopped before they are done).
    const file = join(dir, "tiny.sweep");
    writeFileSync(
      file,
      [
        "# four tiny trials: what is checked is the lock, not learning",
        `scenario ${GAME}`,
        "vary temptation = 3,5",
        "seeds 2",
        "steps 128",
        "envs 8",
        "rollout 8",
        "hidden 8",
        "episodes 16",
        "parallel 1",
        "out sweep",
        "",
      ].join("\n"),
    );
    const out = join(dir, "sweep");
    const lockFile = join(out, "coordinator.lock");
    const args = [BIN, "sweep", "--file", file];

    const first = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    const closed = new Promise<number | null>((r) => first.once("close", (code) => r(code)));
    let firstErr = "";
    first.stderr.on("data", (d: Buffer) => (firstErr += d.toString()));
    await waitFor(() => existsSync(lockFile) && existsSync(join(out, "plan.json")), 30_000);
    expect(readFileSync(lockFile, "utf8")).toBe(`${first.pid}\n`);
    const planTime = statSync(join(out, "plan.json")).mtimeMs;

    // The second is refused with one line naming the folder and the pid; it touches nothing.
    const second = spawnSync(process.execPath, args, { encoding: "utf8" });
    expect(second.status).toBe(2);
    expect(second.stdout).toBe("");
    expect(second.stderr.trimEnd().split("\n")).toEqual([
      `error: ${out} is in use by another sweep coordinator (pid ${first.pid}); wait for it to finish, or stop it`,
    ]);
    expect(readFileSync(lockFile, "utf8")).toBe(`${first.pid}\n`);
    expect(statSync(join(out, "plan.json")).mtimeMs).toBe(planTime);

    // Ctrl-C: the first stops and releases the lock.
    first.kill("SIGINT");
    expect(await closed).toBe(130);
    expect(firstErr).toContain("rerun the same command to resume");
    expect(existsSync(lockFile)).toBe(false);

    // Rerun: it resumes, finishes and releases the lock.
    const third = spawnSync(process.execPath, args, { encoding: "utf8" });
    expect(third.stderr).toBe("");
    expect(third.status).toBe(0);
    expect(third.stdout).toContain("resuming sweep");
    expect(third.stdout).toContain("4/4 trials finished");
    expect(existsSync(lockFile)).toBe(false);
    expect(readFileSync(join(out, "results.jsonl"), "utf8").trimEnd().split("\n")).toHaveLength(4);
  }, 180_000);
});
