import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { repoRoot } from "./support/sources.js";

const GOOD = `game G {
  horizon 3
  role p * 2 { action a  action b }
  payoff {
    a, a => 1, 1
    a, b => 0, 2
    b, a => 2, 0
    b, b => 0, 0
  }
}
`;

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err: err.join("\n") };
}

function workspace(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), "agora-check-"));
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

describe("agora check", () => {
  it("exits 0 on a clean file and says so", async () => {
    const dir = workspace({ "good.game": GOOD });
    const r = await run("check", join(dir, "good.game"));
    expect(r.code).toBe(0);
    expect(r.out).toBe("checked 1 file: 0 errors, 0 warnings");
  });

  it("prints file:line:col, the source line and a caret, and exits 1", async () => {
    const dir = workspace({ "bad.game": GOOD.replace("horizon 3", "horizon 3\n  metric m = coperate") });
    const file = join(dir, "bad.game");
    const r = await run("check", file, "--no-color");
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${file}:3:14: error[E0101]: unknown name \`coperate\``);
    expect(r.out).toContain("3 |   metric m = coperate\n  |              ^^^^^^^^");
    expect(r.out).toMatch(/checked 1 file: 1 error, 0 warnings$/);
  });

  it("checks every .game file in a folder, recursively", async () => {
    const dir = workspace({ "a.game": GOOD, "nested/b.game": GOOD, "notes.txt": "not a game" });
    const r = await run("check", dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe("checked 2 files: 0 errors, 0 warnings");
  });

  it("emits JSON for tools", async () => {
    const dir = workspace({ "bad.game": "game G {\n  metric m = 1 / 0\n  role p { action a }\n}\n" });
    const r = await run("check", "--format", "json", join(dir, "bad.game"));
    expect(r.code).toBe(1);
    const report = JSON.parse(r.out);
    expect(report.errors).toBe(1);
    expect(report.diagnostics[0]).toMatchObject({
      code: "E0405",
      severity: "error",
      range: { start: { line: 2, column: 18 }, end: { line: 2, column: 19 } },
    });
  });

  it("handles missing files, broken links, empty, binary, CRLF and very long lines without a stack trace", async () => {
    const dir = workspace({
      "empty.game": "",
      "binary.game": Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3]),
      "crlf.game": GOOD.replace(/\n/g, "\r\n").replace("horizon 3", "horizon 3\r\n  metric m = nope"),
      "long.game": `game G { /* ${"x".repeat(100000)} */ metric m = nope }`,
    });
    symlinkSync(join(dir, "nowhere.game"), join(dir, "broken.game"));
    const r = await run("check", dir, join(dir, "missing.game"), "--no-color");
    expect(r.code).toBe(1);
    const all = r.out + "\n" + r.err;
    expect(all).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack trace
    expect(r.err).toContain(`${join(dir, "missing.game")}: no such file or folder`);
    expect(r.out).toContain(`${join(dir, "empty.game")}:1:1: error[E0006]: this file is empty`);
    expect(r.out).toContain(`${join(dir, "binary.game")}:1:1: error[E0007]`);
    expect(r.out).toContain(`${join(dir, "crlf.game")}:3:14: error[E0101]`);
    expect(r.out).toMatch(
      /long\.game:1:100028: error\[E0101\]: unknown name `nope`\n.*\n1 \| \.\.\.x+ \*\/ metric m = nope }\n/,
    );
  });

  it("applies --set overrides before constants are evaluated, and rejects bad ones", async () => {
    const source = "game G {\n  param n: int = 2\n  role p * n { action a observe self.index }\n}\n";
    const dir = workspace({ "g.game": source });
    const file = join(dir, "g.game");
    expect((await run("check", file, "--set", "n=3")).code).toBe(0);
    const zero = await run("check", file, "--set", "n=0", "--no-color");
    expect(zero.code).toBe(1);
    expect(zero.out).toContain("error[E0402]: role `p` must have at least one agent, found 0");
    const unknown = await run("check", file, "--set", "m=3");
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain("--set m: the game has no param `m`; did you mean `n`?");
    const malformed = await run("check", file, "--set", "n");
    expect(malformed.code).toBe(2);
    expect(malformed.err).toContain("--set n: expected name=value");
  });

  it("rejects unknown options and commands with usage help", async () => {
    expect((await run("check")).code).toBe(2);
    expect((await run("frobnicate")).code).toBe(2);
    expect((await run("check", "--format", "xml", "x.game")).code).toBe(2);
  });
});

describe("the agora executable", () => {
  it("runs as a real process: help, and an error exit without a stack trace", () => {
    const bin = join(repoRoot, "bin/agora.js");
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("check");
    const dir = workspace({ "bad.game": "game {" });
    const bad = spawnSync(process.execPath, [bin, "check", join(dir, "bad.game")], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain("error[E0001]");
    expect(bad.stderr).toBe("");
  });
});
