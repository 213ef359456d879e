/**
 * The options of `agora sweep`, declared once: the command line reads them, and so does a
 * sweep file (`--file`), whose every line is one of them (`cli/sweep-file.ts`). So a flag
 * works in a file with the same parser, the same validation and the same messages.
 */
import { Command, Option } from "commander";
import type { TrainSettings } from "../runtime/sweep/plan.js";
import type { SweepCommandOptions } from "./commands/sweep.js";
import { parseOverrides, UserError } from "./files.js";
import { BACKENDS, collect, parseCount, positiveInt, positiveNumber, redisUrl } from "./options.js";

/** What commander hands the action: every option of `declareSweepOptions`, and `--file`, `--dry-run`. */
export interface RawSweepOptions extends Omit<TrainSettings, "opponents" | "backend" | "set"> {
  out?: string;
  vary: string[];
  samples?: number;
  seeds: number;
  seed: number;
  episodes: number;
  parallel?: number;
  queue?: string;
  opponent: string[];
  coplayers: string[];
  set: string[];
  backend: string;
  format: "text" | "json" | "csv";
  file?: string;
  dryRun?: boolean;
}

/**
 * The options a sweep file may hold: the command line's, minus `--file` and `--dry-run`.
 * A repeatable option is one whose default is a list.
 */
export function declareSweepOptions(command: Command): Command {
  return command
    .option("--out <dir>", "the sweep folder (rerun the same command to resume)")
    .option(
      "--vary <axis>",
      "a param axis: name=lo..hi:count (evenly spaced), name=a,b,c, or name=lo..hi with --samples (repeatable)",
      collect,
      [],
    )
    .option(
      "--samples <n>",
      "quasi-random (Halton) points over the ranged --vary axes instead of a grid",
      positiveInt("--samples"),
    )
    .option("--seeds <n>", "seeds per point", positiveInt("--seeds"), 3)
    .option("--seed <n>", "the first seed (seeds are consecutive)", (v) => parseCount(v, "--seed"), 1)
    .option("--episodes <n>", "evaluation episodes per trial", positiveInt("--episodes"), 100)
    .option(
      "--parallel <n>",
      "trials at once on this machine (default: cores / trainer threads)",
      positiveInt("--parallel"),
    )
    .option(
      "--queue <url>",
      "enqueue the trials in Redis (redis://HOST:PORT) for `agora worker`s instead of running them here",
      redisUrl("--queue"),
    )
    .option("--steps <n>", "total agent steps per trial", positiveInt("--steps"))
    .option("--envs <n>", "environment copies stepped together", positiveInt("--envs"))
    .option("--rollout <n>", "steps per copy between updates", positiveInt("--rollout"))
    .option("--lr <x>", "learning rate", positiveNumber("--lr"))
    .option("--entropy <x>", "entropy bonus", (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new UserError(`--entropy takes a number >= 0, got \`${v}\``);
      return n;
    })
    .option("--hidden <sizes>", "hidden layer sizes, such as 64,64", (v) => {
      const sizes = v.split(",").map((x) => Number(x.trim()));
      if (sizes.some((x) => !Number.isInteger(x) || x < 1))
        throw new UserError(`--hidden takes sizes such as 64,64, got \`${v}\``);
      return sizes;
    })
    .option(
      "--opponent <who>",
      "co-player: self, pool, bot:NAME or checkpoint:RUN_DIR (repeatable: a mixed population)",
      collect,
      [],
    )
    .option(
      "--coplayers <list>",
      "co-players as an axis: each value a population, such as self,pool (repeatable: one trial set per value)",
      collect,
      [],
    )
    .option("--set <name=value>", "fix a param for every trial (repeatable)", collect, [])
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKENDS).default("wasm"))
    .addOption(
      new Option("--format <format>", "what to print at the end: a summary, or every result as JSON or CSV")
        .choices(["text", "json", "csv"])
        .default("text"),
    );
}

/** Declares `agora sweep` on `command` (its arguments, options and action). */
export function configureSweepCommand(command: Command, run: (options: SweepCommandOptions) => Promise<void>): Command {
  command
    .description(
      "train and evaluate over a grid or samples of params × seeds (× scenarios), in parallel and resumable; writes results.jsonl, results.csv and sweep.html",
    )
    .argument("[files...]", "the .game files (added to a sweep file's `scenario` lines)");
  declareSweepOptions(command)
    .option(
      "--file <path>",
      "read the sweep from a sweep file: one option per line (docs/sweeps.md); flags given here win over its lines, and repeatable ones add to them",
    )
    .option("--dry-run", "check the sweep and print its plan (trials, fingerprint); run and write nothing")
    .action(async (files: string[], opts: RawSweepOptions, self: Command) => {
      await run(await resolveSweepOptions(files, opts, (key) => self.getOptionValueSource(key)));
    });
  return command;
}

/**
 * The options `runSweep` takes, from the command line and the sweep file it names: the
 * file's lines first, then the command line's flags, which win for single-valued options
 * and add to repeatable ones (`--vary`, `--set`, `--opponent`, the .game files).
 */
export async function resolveSweepOptions(
  files: string[],
  cli: RawSweepOptions,
  source: (key: string) => string | undefined,
): Promise<SweepCommandOptions> {
  for (const f of files)
    if (f.endsWith(".sweep")) throw new UserError(`${f} is a sweep file: run it with \`agora sweep --file ${f}\``);
  let opts = cli;
  let scenarios = files;
  if (cli.file !== undefined) {
    // Loaded only for a sweep file: it reads axes with the plan's parser, which loads the compiler.
    const { mergeSweepFile, readSweepFile } = await import("./sweep-file.js");
    const sweepFile = readSweepFile(cli.file, declareSweepOptions);
    opts = mergeSweepFile(sweepFile, cli as unknown as Record<string, unknown>, source) as unknown as RawSweepOptions;
    scenarios = [...sweepFile.scenarios, ...files];
  }
  if (scenarios.length === 0)
    throw new UserError(
      cli.file === undefined
        ? "agora sweep needs a .game file (or --file SWEEP_FILE)"
        : `${cli.file}: no \`scenario\` line, and no .game file on the command line`,
    );
  if (opts.out === undefined)
    throw new UserError(
      `agora sweep needs --out DIR, the sweep folder${cli.file === undefined ? "" : ` (or an \`out\` line in ${cli.file})`}`,
    );
  return {
    files: scenarios,
    vary: opts.vary,
    samples: opts.samples,
    seeds: opts.seeds,
    seed: opts.seed,
    episodes: opts.episodes,
    train: {
      steps: opts.steps,
      envs: opts.envs,
      rollout: opts.rollout,
      lr: opts.lr,
      entropy: opts.entropy,
      hidden: opts.hidden,
      opponents: opts.opponent,
      backend: opts.backend,
      set: parseOverrides(opts.set),
    },
    coplayers: opts.coplayers.map((list) => list.split(",").map((entry) => entry.trim())),
    out: opts.out,
    parallel: opts.parallel,
    queue: opts.queue,
    format: opts.format,
    dryRun: Boolean(cli.dryRun),
  };
}

/** Parses an `agora sweep` argument list (after `sweep`) into `runSweep`'s options, as the CLI does; for tests. */
export async function parseSweepArgs(argv: string[]): Promise<SweepCommandOptions> {
  let parsed: SweepCommandOptions | undefined;
  const command = configureSweepCommand(
    new Command("sweep").exitOverride().configureOutput({ writeOut: () => {}, writeErr: () => {} }),
    async (options) => {
      parsed = options;
    },
  );
  await command.parseAsync(argv, { from: "user" });
  return parsed!;
}
