import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../cli/main.js";
import { parseSweepArgs } from "../../cli/sweep-options.js";
import { repoRoot } from "../support/sources.js";

const EXAMPLE = join(repoRoot, "examples/sweeps/pd-temptation.sweep");
const PD = join(repoRoot, "examples/prisoners_dilemma.game");

/** A folder with `game.game` (a copy of the PD) and `sub/`, for sweep files that name it relatively. */
function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), "agora-sweep-file-"));
  mkdirSync(join(dir, "sub"));
  writeFileSync(
    join(dir, "game.game"),
    "game G {\n  param T: real = 5\n  role player * 2 {\n    action cooperate\n    action defect\n  }\n  horizon 1\n  payoff {\n    cooperate, cooperate => 3, 3\n    cooperate, defect => 0, T\n    defect, cooperate => T, 0\n    defect, defect => 1, 1\n  }\n}\n",
  );
  return dir;
}

function sweepFile(dir: string, text: string, name = "sub/s.sweep"): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** `agora sweep ARGS` in-process: exit code and what it printed. */
async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(["sweep", ...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join("\n"), err };
}

describe("sweep files", () => {
  it("reads the example: scenarios, axes and settings, paths relative to its folder", async () => {
    const o = await parseSweepArgs(["--file", EXAMPLE]);
    expect(o.files.map((f) => resolve(f))).toEqual([PD]);
    expect(o.vary).toEqual(["T=3..7:9"]);
    expect(Object.fromEntries(o.train.set)).toEqual({ S: 0 });
    expect(o.seeds).toBe(5);
    expect(o.seed).toBe(1);
    expect(o.episodes).toBe(100);
    expect(o.train).toMatchObject({ steps: 20000, envs: 64, opponents: ["self"], backend: "wasm" });
    expect(resolve(o.out)).toBe(join(repoRoot, "runs/pd-temptation"));
    expect(o.format).toBe("text");
    expect(o.dryRun).toBe(false);
  });

  it("takes co-player populations as an axis, one `coplayers` line each, checkpoints relative to the file", async () => {
    const dir = folder();
    const path = sweepFile(
      dir,
      "scenario ../game.game\nout ../out\ncoplayers self\ncoplayers self, pool\ncoplayers self,checkpoint:../runs/a\n",
    );
    const o = await parseSweepArgs(["--file", path, "--coplayers", "pool"]);
    expect(o.coplayers).toEqual([
      ["self"],
      ["self", "pool"],
      ["self", `checkpoint:${relative(process.cwd(), join(dir, "runs/a"))}`],
      ["pool"],
    ]);
    const dry = await cli([
      "--file",
      sweepFile(dir, "scenario ../game.game\nout ../out\ncoplayers self\ncoplayers self,pool\nseeds 2\n"),
      "--dry-run",
    ]);
    expect(dry.code).toBe(0);
    expect(dry.out).toContain("4 trials (1 point × 2 co-player settings × 2 seeds)");
    expect(dry.out).toContain("  coplayers self,pool");
  });

  it("plans the same sweep as the same flags (same fingerprint)", async () => {
    const fromFile = await cli(["--file", EXAMPLE, "--dry-run", "--format", "json"]);
    const fromFlags = await cli([
      relative(process.cwd(), PD),
      ...["--vary", "T=3..7:9", "--set", "S=0", "--seeds", "5", "--steps", "20000", "--envs", "64"],
      ...["--opponent", "self", "--episodes", "100", "--out", join(repoRoot, "runs/pd-temptation")],
      ...["--dry-run", "--format", "json"],
    ]);
    expect(fromFile.err).toEqual([]);
    expect(fromFile.code).toBe(0);
    expect(fromFlags.code).toBe(0);
    const a = JSON.parse(fromFile.out) as { fingerprint: string; plan: { trials: unknown[] } };
    const b = JSON.parse(fromFlags.out) as { fingerprint: string };
    expect(a.plan.trials).toHaveLength(45);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it("skips comments and blank lines, and takes `name = value` and CRLF line ends", async () => {
    const dir = folder();
    const path = sweepFile(
      dir,
      "# a sweep\r\n\r\n  scenario ../game.game   # the game\r\nvary T = 3..5:3\r\n#seeds 9\r\nseeds 2 # two\r\nset T = 4\r\nout ../sweeps/x\r\n",
    );
    const o = await parseSweepArgs(["--file", path]);
    expect(o.files.map((f) => resolve(f))).toEqual([join(dir, "game.game")]);
    expect(o.vary).toEqual(["T=3..5:3"]);
    expect(Object.fromEntries(o.train.set)).toEqual({ T: 4 });
    expect(o.seeds).toBe(2);
    expect(resolve(o.out)).toBe(join(dir, "sweeps/x"));
  });

  it("resolves paths against the file's folder, absolute paths as they are", async () => {
    const dir = folder();
    const path = sweepFile(
      dir,
      `scenario ../game.game\nscenario ${PD}\nopponent checkpoint:../runs/old\nopponent bot:tit_for_tat\nout here\n`,
    );
    const o = await parseSweepArgs(["--file", path]);
    expect(o.files.map((f) => resolve(f))).toEqual([join(dir, "game.game"), PD]);
    expect(o.train.opponents).toEqual([
      `checkpoint:${relative(process.cwd(), join(dir, "runs/old"))}`,
      "bot:tit_for_tat",
    ]);
    expect(resolve(o.out)).toBe(join(dir, "sub/here"));
  });

  it("lets flags win over single-valued lines and add to repeatable ones", async () => {
    const dir = folder();
    const path = sweepFile(
      dir,
      "scenario ../game.game\nvary T = 3..5:3\nset T = 4\nseeds 5\nsteps 512\nopponent self\nformat csv\nout a\n",
    );
    const o = await parseSweepArgs([
      ...["--file", path, PD, "--seeds", "3", "--out", "elsewhere", "--vary", "R=1,2"],
      ...["--set", "P=0", "--opponent", "bot:x", "--steps", "256"],
    ]);
    expect(o.files.map((f) => resolve(f))).toEqual([join(dir, "game.game"), PD]);
    // `--seeds 3` is the default's value, but given on the command line: it wins.
    expect(o.seeds).toBe(3);
    expect(o.train.steps).toBe(256);
    expect(o.out).toBe("elsewhere");
    expect(o.vary).toEqual(["T=3..5:3", "R=1,2"]);
    expect(Object.fromEntries(o.train.set)).toEqual({ T: 4, P: 0 });
    expect(o.train.opponents).toEqual(["self", "bot:x"]);
    // Not given on the command line: the file's line, not the default.
    expect(o.format).toBe("csv");
    expect(o.seed).toBe(1);
  });

  // [kind, text, the message after `FILE` (FILE:LINE: ... or FILE: ...)]
  const errors: [string, string, RegExp][] = [
    ["unknown key", "seeds 2\n\nvray T = 3..5:3\n", /^:3: unknown key `vray` \(did you mean `vary`\?\)$/],
    ["key with --", "--seeds 2\n", /^:1: unknown key `--seeds` \(write keys without `--`: `seeds`\)$/],
    ["key=value", "seeds=2\n", /^:1: unknown key `seeds=2` \(a key and its value are separated by a space/],
    ["missing value", "# c\nseeds\n", /^:2: `seeds` needs a value$/],
    ["bad number", "seeds two\n", /^:1: --seeds takes a positive whole number, got `two`$/],
    ["bad choice", "format xml\n", /^:1: option '--format <format>' argument 'xml' is invalid/],
    ["given twice", "seeds 2\nsteps 5\nseeds 3\n", /^:3: `seeds` is already given on line 1$/],
    ["bad axis", "vary T = 3..5:3\nvary T\n", /^:2: --vary T: expected name=lo\.\.hi:count/],
    ["bad set", "\n\nset T = x\n", /^:3: --set T=x: the value must be a number, true or false$/],
    ["missing scenario", "scenario ../nope.game\n", /^:1: scenario \.\.\/nope\.game: no such file/],
    ["empty scenario", "scenario\n", /^:1: `scenario` needs a \.game file/],
    ["command-line only", "file other.sweep\n", /^:1: `file` belongs on the command line/],
    ["dry-run", "dry-run\n", /^:1: `dry-run` belongs on the command line/],
    ["no scenario", "seeds 2\nout x\n", /^: no `scenario` line, and no \.game file on the command line$/],
  ];
  for (const [kind, text, message] of errors)
    it(`refuses a file with ${kind}: one line naming the file and line, exit 2, nothing written`, async () => {
      const dir = folder();
      const path = relative(process.cwd(), sweepFile(dir, text));
      const r = await cli(["--file", path, "--dry-run"]);
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0].startsWith(`error: ${path}`)).toBe(true);
      expect(r.err[0].slice(`error: ${path}`.length)).toMatch(message);
      expect(r.out).toBe("");
    });

  it("needs --out from the file or the command line", async () => {
    const dir = folder();
    const path = sweepFile(dir, "scenario ../game.game\n");
    const r = await cli(["--file", path]);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`error: agora sweep needs --out DIR, the sweep folder (or an \`out\` line in ${path})`]);
  });

  it("refuses a missing sweep file, and a .sweep file given as a scenario", async () => {
    const missing = await cli(["--file", "/nonexistent/x.sweep", "--out", "x"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toEqual(["error: /nonexistent/x.sweep: no such file or folder"]);
    const positional = await cli([EXAMPLE]);
    expect(positional.code).toBe(2);
    expect(positional.err).toEqual([
      `error: ${EXAMPLE} is a sweep file: run it with \`agora sweep --file ${EXAMPLE}\``,
    ]);
  });

  it("writes nothing on an error from a real run's options", async () => {
    const dir = folder();
    const path = sweepFile(dir, "scenario ../game.game\nvary T = 3..5:3\nepisodes 0\nout ../sweep\n");
    const r = await cli(["--file", path]);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`error: ${path}:3: --episodes takes a positive whole number, got \`0\``]);
    expect(existsSync(join(dir, "sweep"))).toBe(false);
  });
});
