/**
 * Sweep files (`agora sweep --file pd.sweep`): a sweep checked into a repository and rerun
 * with one command. Each line is one of `agora sweep`'s own options, its long name without
 * `--` and its value after a space (`seeds 5`, `vary T = 3..7:9`), plus `scenario FILE` for
 * the .game files; `#` starts a comment, blank lines are skipped, and paths are relative to
 * the sweep file's folder. Every value goes through the command line's own parser (the
 * option table of `declareSweepOptions`), so a file knows every flag, with the same checks
 * and messages; an error is one line naming the file and the line. Nothing in a file runs:
 * keys pick options from that table, values are strings handed to their parsers.
 */
import { existsSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { Command, CommanderError, type Option } from "commander";
import { parseAxis, PlanError } from "../runtime/sweep/plan.js";
import { parseOverrides, readSource, UserError } from "./files.js";

/** What a sweep file says: its .game files, and option values by commander's attribute name (`dryRun`, `out`). */
export interface SweepFile {
  path: string;
  scenarios: string[];
  values: Map<string, unknown>;
}

/** Options that belong on the command line only. */
const COMMAND_LINE_ONLY = new Set(["file", "dry-run"]);

/** Options whose value is `name=value`: a file may write `name = value`. */
const NAME_VALUE = new Set(["vary", "set"]);

/**
 * A path written in a sweep file, relative to the file's folder, as the command line would
 * name it from the current folder (so a sweep file and the same flags make the same plan).
 */
function fromFileFolder(base: string, path: string): string {
  if (isAbsolute(path)) return path;
  return relative(process.cwd(), resolve(base, path)) || ".";
}

/** Levenshtein distance, for "did you mean" on a mistyped key. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/**
 * Reads a sweep file against the option table `declare` adds to a command (the
 * command line's). Throws `UserError` with `FILE:LINE: problem` on the first bad line.
 */
export function readSweepFile(path: string, declare: (command: Command) => Command): SweepFile {
  const read = readSource(path);
  if ("error" in read) throw new UserError(read.error);
  const base = dirname(path);
  const options = new Map<string, Option>();
  for (const option of declare(new Command()).options) if (option.long) options.set(option.long.slice(2), option);
  const keys = ["scenario", ...options.keys()];
  const values = new Map<string, unknown>();
  const givenOn = new Map<string, number>();
  const scenarios: string[] = [];

  read.text.split(/\r?\n/).forEach((raw, index) => {
    const fail = (problem: string): never => {
      throw new UserError(`${path}:${index + 1}: ${problem}`);
    };
    // A comment starts at a `#` that begins the line or follows a space.
    const line = raw.replace(/(^|\s)#.*$/, "").trim();
    if (line === "") return;
    const match = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    const key = match[1];
    let value = match[2]?.trim() ?? "";

    if (key === "scenario") {
      if (value === "") fail("`scenario` needs a .game file, such as `scenario ../examples/iterated_pd.game`");
      const file = fromFileFolder(base, value);
      if (!existsSync(file)) fail(`scenario ${value}: no such file (paths are relative to the sweep file's folder)`);
      scenarios.push(file);
      return;
    }
    if (COMMAND_LINE_ONLY.has(key)) fail(`\`${key}\` belongs on the command line, not in a sweep file`);
    const option = options.get(key);
    if (!option) {
      if (key.startsWith("--") && (options.has(key.slice(2)) || key === "--scenario"))
        fail(`unknown key \`${key}\` (write keys without \`--\`: \`${key.slice(2)}\`)`);
      if (key.includes("=")) fail(`unknown key \`${key}\` (a key and its value are separated by a space: \`seeds 5\`)`);
      const near = keys
        .filter((k) => distance(k, key) <= Math.min(2, key.length - 1))
        .sort((a, b) => distance(a, key) - distance(b, key))[0];
      fail(`unknown key \`${key}\`${near ? ` (did you mean \`${near}\`?)` : ""}`);
    }
    const name = option!.long!;
    const repeatable = Array.isArray(option!.defaultValue);
    const earlier = givenOn.get(key);
    if (!repeatable && earlier !== undefined) fail(`\`${key}\` is already given on line ${earlier}`);
    givenOn.set(key, index + 1);

    let argv: string[];
    if (!option!.required && !option!.optional) {
      if (value !== "") fail(`\`${key}\` takes no value`);
      argv = [name];
    } else {
      if (value === "") fail(`\`${key}\` needs a value`);
      if (NAME_VALUE.has(key)) value = value.replace(/^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*/, "$1=");
      if (key === "out") value = fromFileFolder(base, value);
      if (key === "opponent" && value.startsWith("checkpoint:"))
        value = `checkpoint:${fromFileFolder(base, value.slice("checkpoint:".length))}`;
      if (key === "coplayers")
        value = value
          .split(",")
          .map((entry) => entry.trim())
          .map((entry) =>
            entry.startsWith("checkpoint:")
              ? `checkpoint:${fromFileFolder(base, entry.slice("checkpoint:".length))}`
              : entry,
          )
          .join(",");
      // `--name=value`: a value starting with `-` stays a value.
      argv = [`${name}=${value}`];
    }

    // The command line's own parser and checks, on a command of its own.
    const command = declare(new Command())
      .exitOverride()
      .configureOutput({ writeOut: () => {}, writeErr: () => {} });
    try {
      command.parse(argv, { from: "user" });
      // Checked later for the whole sweep; checked here too, so the message names the line.
      if (key === "vary") parseAxis(value);
      if (key === "set") parseOverrides([value]);
    } catch (error) {
      if (error instanceof UserError || error instanceof PlanError) fail(error.message);
      if (error instanceof CommanderError) fail(error.message.replace(/^error: /, ""));
      throw error;
    }
    const parsed = command.opts()[option!.attributeName()] as unknown;
    values.set(
      option!.attributeName(),
      repeatable ? [...((values.get(option!.attributeName()) as unknown[]) ?? []), ...(parsed as unknown[])] : parsed,
    );
  });
  return { path, scenarios, values };
}

/**
 * The command line's options with a sweep file's under them: a flag given on the command
 * line (`source(name) === "cli"`) wins over the file's line for a single-valued option and
 * adds to the file's values, after them, for a repeatable one.
 */
export function mergeSweepFile(
  file: SweepFile,
  cli: Record<string, unknown>,
  source: (name: string) => string | undefined,
): Record<string, unknown> {
  const merged = { ...cli };
  for (const [name, value] of file.values) {
    if (source(name) !== "cli") merged[name] = value;
    else if (Array.isArray(value)) merged[name] = [...value, ...(cli[name] as unknown[])];
  }
  return merged;
}
