import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockFolder, lockRunFolder, RunFolderError } from "../../runtime/run-folder.js";
import { COORDINATOR_LOCK, lockSweepFolder } from "../../runtime/sweep/plan.js";

/** A pid no process has: above Linux's largest pid_max (2^22). */
const GONE = 99_999_999;
const KIND = { file: "thing.lock", holder: "thing", folder: "thing folder" };

describe("folder locks (the trainer's and the sweep coordinator's)", () => {
  it("writes this process's pid, refuses while a live process holds it, and releases", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-lock-"));
    const lock = lockFolder(dir, KIND);
    expect(readFileSync(join(dir, "thing.lock"), "utf8")).toBe(`${process.pid}\n`);
    // Held by a live pid (this one): refused, and the lock file is untouched.
    expect(() => lockFolder(dir, KIND)).toThrow(RunFolderError);
    expect(() => lockFolder(dir, KIND)).toThrow(`${dir} is in use by another thing (pid ${process.pid})`);
    expect(readFileSync(join(dir, "thing.lock"), "utf8")).toBe(`${process.pid}\n`);
    lock.release();
    expect(existsSync(join(dir, "thing.lock"))).toBe(false);
    // Another file name is another lock.
    const other = lockFolder(dir, { ...KIND, file: "other.lock" });
    lockFolder(dir, KIND).release();
    other.release();
  });

  it("takes over a stale lock (its process is gone, or it holds no pid) with a warning", () => {
    for (const content of [`${GONE}\n`, "garbage"]) {
      const dir = mkdtempSync(join(tmpdir(), "agora-lock-"));
      writeFileSync(join(dir, "thing.lock"), content);
      const warnings: string[] = [];
      const lock = lockFolder(dir, KIND, (s) => warnings.push(s));
      expect(warnings).toEqual([
        `${dir}: taking over a stale lock (its thing, pid ${content === "garbage" ? "unknown" : GONE}, is gone)`,
      ]);
      expect(readFileSync(join(dir, "thing.lock"), "utf8")).toBe(`${process.pid}\n`);
      lock.release();
      expect(existsSync(join(dir, "thing.lock"))).toBe(false);
    }
  });

  it("release leaves a lock that another process has taken since", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-lock-"));
    const lock = lockFolder(dir, KIND);
    writeFileSync(join(dir, "thing.lock"), `${GONE}\n`);
    lock.release();
    expect(readFileSync(join(dir, "thing.lock"), "utf8")).toBe(`${GONE}\n`);
  });

  it("names the trainer for run folders and the coordinator for sweep folders, each in its own file", () => {
    const dir = mkdtempSync(join(tmpdir(), "agora-lock-"));
    const run = lockRunFolder(dir);
    const sweep = lockSweepFolder(dir);
    expect(existsSync(join(dir, "trainer.lock"))).toBe(true);
    expect(existsSync(join(dir, COORDINATOR_LOCK))).toBe(true);
    expect(() => lockRunFolder(dir)).toThrow(`${dir} is in use by another trainer (pid ${process.pid})`);
    expect(() => lockSweepFolder(dir)).toThrow(
      `${dir} is in use by another sweep coordinator (pid ${process.pid}); wait for it to finish, or stop it`,
    );
    run.release();
    sweep.release();
    writeFileSync(join(dir, COORDINATOR_LOCK), `${GONE}\n`);
    const warnings: string[] = [];
    lockSweepFolder(dir, (s) => warnings.push(s)).release();
    expect(warnings).toEqual([`${dir}: taking over a stale lock (its sweep coordinator, pid ${GONE}, is gone)`]);
  });
});
