import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../cli/main.js";
import { repoRoot } from "./support/sources.js";

/**
 * Bad input to every subcommand: each row is arguments → exit code and a message pattern.
 * No row may print a stack trace or leave a file behind (in the sandbox the outputs point
 * into, or in the repository, the in-process runs' working folder).
 */
const sandbox = mkdtempSync(join(tmpdir(), "agora-bad-input-"));
const inBox = (name: string) => join(sandbox, name);
writeFileSync(
  inBox("latin1.game"),
  Buffer.concat([Buffer.from("game G { role p { action caf"), Buffer.from([0xe9]), Buffer.from(" } }\n")]),
);
writeFileSync(inBox("broken.game"), "game Broken { role");
const PD = join(repoRoot, "examples/prisoners_dilemma.game");
const IPD = join(repoRoot, "examples/iterated_pd.game");

type Row = [args: string[], code: number, message: RegExp];

const ROWS: Row[] = [
  [[], 2, /Usage: agora/],
  [["frobnicate"], 2, /unknown command 'frobnicate'/],
  [["--frobnicate"], 2, /unknown option '--frobnicate'/],
  // check
  [["check"], 2, /missing required argument 'paths'/],
  [["check", inBox("nowhere.game")], 1, /nowhere\.game: no such file or folder/],
  [["check", inBox("latin1.game")], 1, /latin1\.game: not UTF-8 text/],
  [["check", inBox("broken.game")], 1, /error\[E0001\]/],
  [["check", PD, "--format", "xml"], 2, /argument 'xml' is invalid\. Allowed choices are text, json/],
  [["check", PD, "--set", "T=abc"], 2, /--set T=abc: the value must be a number, true or false/],
  // compile
  [["compile"], 2, /missing required argument 'file'/],
  [["compile", inBox("nowhere.game"), "--out", inBox("out")], 1, /no such file or folder/],
  [["compile", inBox("broken.game"), "--out", inBox("out")], 1, /error\[E0001\]/],
  [["compile", PD, "--target", "wasm", "--out", inBox("out")], 2, /argument 'wasm' is invalid/],
  // fmt
  [["fmt"], 2, /missing required argument 'paths'/],
  [["fmt", inBox("nowhere.game")], 1, /no such file or folder/],
  [["fmt", inBox("latin1.game")], 1, /latin1\.game: not UTF-8 text \(save it as UTF-8\); it was left unchanged/],
  // analyze
  [["analyze"], 2, /missing required argument 'file'/],
  [["analyze", inBox("nowhere.game")], 1, /no such file or folder/],
  [["analyze", inBox("broken.game")], 1, /error\[E0001\]/],
  [["analyze", PD, "--samples", "-3"], 2, /--samples -3: expected a whole number/],
  [["analyze", PD, "--nfg", inBox("nowhere/x.nfg")], 1, /x\.nfg/],
  // train
  [["train"], 2, /agora train needs a \.game file \(or --resume RUN_DIR\)/],
  [["train", inBox("nowhere.game")], 1, /no such file or folder/],
  [["train", inBox("latin1.game"), "--out", inBox("run")], 1, /not UTF-8 text/],
  [["train", IPD, "--steps", "lots"], 2, /--steps takes a positive whole number, got `lots`/],
  [["train", IPD, "--hidden", "0"], 2, /--hidden takes sizes such as 64,64, got `0`/],
  [["train", IPD, "--backend", "gpu"], 2, /argument 'gpu' is invalid/],
  [["train", IPD, "--out", ""], 1, /--out needs a folder name, got an empty path/],
  [["train", IPD, "--out", "/proc/agora"], 1, /a system folder cannot hold a run folder/],
  [["train", IPD, "--out", inBox("latin1.game")], 1, /exists and is not a folder/],
  [
    ["train", IPD, "--opponent", "bot:nice", "--out", inBox("run")],
    1,
    /unknown bot `nice`; the scenario's bots are `tit_for_tat`/,
  ],
  [["train", IPD, "--opponent", "frob", "--out", inBox("run")], 1, /unknown co-player `frob`; use `self`, `pool`/],
  [["train", IPD, "--pool-size", "1"], 2, /--pool-size takes 2 or more, got `1`/],
  [["train", "--resume", inBox("nowhere")], 1, /nowhere is not a run folder \(no config\.json\)/],
  [["train", "--resume", ""], 1, /--resume needs a run folder, got an empty path/],
  // eval
  [["eval"], 2, /missing required argument 'run-dir'/],
  [["eval", inBox("nowhere")], 1, /is not a run folder/],
  [["eval", sandbox, "--episodes", "0"], 2, /--episodes takes a positive whole number, got `0`/],
  // play
  [["play"], 2, /missing required argument 'file'/],
  [["play", inBox("nowhere.game")], 1, /no such file or folder/],
  [["play", inBox("latin1.game")], 1, /not UTF-8 text/],
  [["play", PD, "--role", "nobody"], 1, /the scenario has no role `nobody`; its roles are `player`/],
  [["play", PD, "--episodes", "none"], 2, /--episodes takes a positive whole number/],
  // sweep
  [["sweep"], 2, /agora sweep needs a \.game file \(or --file SWEEP_FILE\)/],
  [["sweep", PD], 2, /agora sweep needs --out DIR/],
  [["sweep", PD, "--out", inBox("s"), "--vary", "T=abc"], 2, /--vary T=abc: `abc` is not a number/],
  [["sweep", PD, "--out", inBox("s"), "--vary", "nothing=1,2"], 2, /has no param `nothing` \(it has T, R, P, S\)/],
  [["sweep", PD, "--out", inBox("s"), "--coplayers", "self", "--opponent", "self"], 2, /give one or the other/],
  [["sweep", PD, "--out", inBox("s"), "--coplayers", "self,frob"], 2, /--coplayers self,frob: .*unknown co-player/],
  [["sweep", PD, "--out", inBox("s"), "--queue", "http://x"], 2, /--queue: http:\/\/x: expected a Redis URL/],
  [["sweep", "--file", inBox("nowhere.sweep")], 2, /nowhere\.sweep: no such file or folder/],
  // worker
  [["worker"], 2, /missing required argument 'url'/],
  [["worker", "http://x"], 2, /agora worker: http:\/\/x: expected a Redis URL/],
  // lsp
  [["lsp", "--bogus"], 2, /unknown option '--bogus'/],
];

const STACK_TRACE = /^\s+at .+[(:]\d+/m;
const listing = (dir: string) => readdirSync(dir).sort();
const sandboxBefore = listing(sandbox);
const repoBefore = listing(repoRoot);

describe("bad input to every subcommand: exit code, one clear message, no stack trace, no files left", () => {
  it.each(ROWS.map((row) => [row[0].join(" ") || "(no arguments)", ...row] as const))(
    "agora %s",
    async (_, args, code, message) => {
      const out: string[] = [];
      const err: string[] = [];
      const exit = await main([...args], { out: (s) => out.push(s), err: (s) => err.push(s) });
      const text = [...err, ...out].join("\n");
      expect(exit, text).toBe(code);
      expect(text).toMatch(message);
      expect(text).not.toMatch(STACK_TRACE);
      expect(text).not.toContain("internal error");
      expect(listing(sandbox)).toEqual(sandboxBefore);
      expect(listing(repoRoot)).toEqual(repoBefore);
    },
  );

  // The same through the installed entry point: exit status, stderr, nothing written to the working folder.
  it.each([
    [["frobnicate"], 2, /unknown command 'frobnicate'/],
    [["check", "latin1.game"], 1, /latin1\.game: not UTF-8 text/],
    [["train", IPD, "--out", ""], 1, /--out needs a folder name/],
    [["train", IPD, "--opponent", "bot:nice"], 1, /unknown bot `nice`/],
  ] as Row[])("bin/agora.js %j", (args, code, message) => {
    const result = spawnSync(process.execPath, [join(repoRoot, "bin/agora.js"), ...args], {
      cwd: sandbox,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status, result.stderr).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr + result.stdout).not.toMatch(STACK_TRACE);
    expect(listing(sandbox)).toEqual(sandboxBefore);
  });
});
