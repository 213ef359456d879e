import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MAX_SOURCE_BYTES } from "../../cli/files.js";
import { repoRoot } from "../support/sources.js";

/** Files that are not scenarios: every command says so in one line, at once. */
const dir = mkdtempSync(join(tmpdir(), "agora-special-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fifo = join(dir, "pipe.game");
spawnSync("mkfifo", [fifo]);
const folder = join(dir, "folder.game");
mkdirSync(folder);
mkdirSync(join(folder, "inner"));
const big = join(dir, "big.game");
// Sparse: 50 MB without writing them.
const fd = openSync(big, "w");
writeSync(fd, "x", 50 * 1024 * 1024 - 1);
closeSync(fd);

function agora(...args: string[]) {
  const result = spawnSync(process.execPath, [join(repoRoot, "bin/agora.js"), ...args], {
    encoding: "utf8",
    timeout: 20_000,
    cwd: dir,
  });
  return { code: result.status, signal: result.signal, output: result.stdout + result.stderr };
}

describe("inputs that are not regular files", () => {
  it.each([
    ["check", fifo],
    ["compile", fifo],
    ["fmt", fifo],
    ["analyze", fifo],
    ["play", fifo],
    ["train", fifo],
    ["check", "/dev/zero"],
    ["compile", "/dev/zero"],
  ])("agora %s %s: not a regular file, without hanging or reading forever", (command, path) => {
    const { code, signal, output } = agora(command, path);
    expect(signal).toBeNull();
    expect(code).not.toBe(0);
    expect(output).toContain(`${path}: not a regular file`);
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it.each([["compile"], ["analyze"], ["play"], ["train"]])(
    "agora %s on a folder: is a folder, not a raw EISDIR",
    (command) => {
      const { code, output } = agora(command, folder);
      expect(code).not.toBe(0);
      expect(output).toContain(`${folder}: is a folder, not a file`);
      expect(output).not.toContain("EISDIR");
    },
  );

  it.each([["check"], ["compile"], ["fmt"], ["analyze"]])(
    "agora %s on a 50 MB file: file too large, at once",
    (command) => {
      const { code, output } = agora(command, big);
      expect(code).not.toBe(0);
      expect(output).toContain(`${big}: file too large (50 MB, limit ${MAX_SOURCE_BYTES / 1024 / 1024} MB)`);
    },
  );
});
