import { Command, CommanderError, Option } from "commander";
import { existsSync } from "node:fs";
import { runCheck } from "./commands/check.js";
import { parseCount, runAnalyze } from "./commands/analyze.js";
import { runCompile } from "./commands/compile.js";
import { runFmt } from "./commands/fmt.js";
import { runPlay } from "./commands/play.js";
import { runTrain } from "./commands/train.js";
import { evaluate, formatEvaluation } from "./evaluate.js";
import type { PpoConfig } from "./ppo.js";
import type { TfBackendName } from "./tf.js";
import { parseOverrides, UserError } from "./files.js";

const collect = (value: string, previous: string[]) => [...previous, value];

/** A positive integer option, with a clear message otherwise. */
function positiveInt(name: string) {
  return (value: string) => {
    if (!/^[0-9]+$/.test(value) || Number(value) < 1) throw new UserError(`${name} takes a positive whole number, got \`${value}\``);
    return Number(value);
  };
}

function positiveNumber(name: string) {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new UserError(`${name} takes a positive number, got \`${value}\``);
    return n;
  };
}

const BACKENDS = ["wasm", "cpu", "node", "node-gpu", "webgl"];

/** Builds the `agora` command line. Each command returns its exit code. */
export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void }, setExit: (code: number) => void): Command {
  const program = new Command();
  program
    .name("agora")
    .description("Agora: write social-game scenarios as .game files, check them, compile them into vectorized environments and train agents on them.")
    .version("0.1.0")
    .showHelpAfterError("(run `agora --help` for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.replace(/\n$/, "")), writeErr: (s) => io.err(s.replace(/\n$/, "")) })
    .exitOverride();

  program
    .command("check")
    .description("check .game files (or every .game file in folders) and print diagnostics")
    .argument("<paths...>", "files or folders")
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .option("--strict", "treat warnings as failures")
    .option("--no-color", "plain output")
    .action((paths: string[], opts: { format: "text" | "json"; set: string[]; strict?: boolean; color: boolean }) => {
      const color = opts.color && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
      setExit(runCheck(paths, { format: opts.format, overrides: parseOverrides(opts.set), color, strict: opts.strict }, io.out, io.err));
    });

  program
    .command("compile")
    .description("compile a scenario into a standalone vectorized environment (env.mjs or env.py, and schema.json)")
    .argument("<file>", "the .game file")
    .option("-o, --out <dir>", "output folder (default: out/<name>)")
    .addOption(new Option("--target <target>", "js: a generated JavaScript kernel; tensor: a TensorFlow.js program; python: a NumPy module (env.py)").choices(["js", "tensor", "python"]).default("js"))
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .option("--no-color", "plain output")
    .action(async (file: string, opts: { out?: string; target: "js" | "tensor" | "python"; set: string[]; color: boolean }) => {
      const color = opts.color && Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
      setExit(await runCompile(file, { out: opts.out, target: opts.target, overrides: parseOverrides(opts.set), color }, io.out, io.err));
    });

  program
    .command("fmt")
    .description("format .game files in place (or every .game file in folders)")
    .argument("<paths...>", "files or folders")
    .option("--check", "write nothing; list the files that are not formatted and exit 1 if any")
    .action((paths: string[], opts: { check?: boolean }) => {
      setExit(runFmt(paths, { check: Boolean(opts.check) }, io.out, io.err));
    });

  program
    .command("lsp")
    .description("run the language server (for editors) on standard input and output")
    .option("--stdio", "talk over standard input and output (the default)")
    .action(async () => {
      const { startServer } = await import("./lsp-server.js");
      startServer();
      // The server answers until the client asks it to exit.
      await new Promise(() => {});
    });

  program
    .command("analyze")
    .description("game-theoretic analysis of a scenario: normal form, equilibria, dominance, Pareto, welfare, class, param sweeps")
    .argument("<file>", "the .game file")
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--nfg <file>", "also write the normal form to this file in Gambit's NFG format")
    .option("--samples <n>", "samples per joint action where the step is random (default 1000)", (v: string) => parseCount(v, "--samples"))
    .option("--seed <n>", "seed for those samples (default 0)", (v: string) => parseCount(v, "--seed"))
    .option("--objective", "analyse each role's objective (what learners maximise) instead of its reward")
    .option("--no-sweep", "skip the sweeps of ranged params")
    .option("--no-color", "plain output")
    .action((file: string, opts: { set: string[]; format: "text" | "json"; nfg?: string; samples?: number; seed?: number; objective?: boolean; sweep: boolean; color: boolean }) => {
      const color = opts.color && Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
      setExit(runAnalyze(file, { overrides: parseOverrides(opts.set), format: opts.format, nfg: opts.nfg, samples: opts.samples, seed: opts.seed, objective: opts.objective, sweep: opts.sweep, color }, io.out, io.err));
    });

  program
    .command("train")
    .description("train one policy per role with PPO, showing progress; writes a run folder with metrics, checkpoints and report.html")
    .argument("[file]", "the .game file (not needed with --resume)")
    .option("--steps <n>", "total agent steps", positiveInt("--steps"))
    .option("--envs <n>", "environment copies stepped together", positiveInt("--envs"))
    .option("--rollout <n>", "steps per copy between updates", positiveInt("--rollout"))
    .option("--seed <n>", "random seed", (v) => {
      if (!/^-?[0-9]+$/.test(v)) throw new UserError(`--seed takes a whole number, got \`${v}\``);
      return Number(v);
    })
    .option("--lr <x>", "learning rate", positiveNumber("--lr"))
    .option("--entropy <x>", "entropy bonus", (v) => {
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new UserError(`--entropy takes a number >= 0, got \`${v}\``);
      return n;
    })
    .option("--hidden <sizes>", "hidden layer sizes, such as 64,64", (v) => {
      const sizes = v.split(",").map((x) => Number(x.trim()));
      if (sizes.some((x) => !Number.isInteger(x) || x < 1)) throw new UserError(`--hidden takes sizes such as 64,64, got \`${v}\``);
      return sizes;
    })
    .option("--opponent <who>", "co-player: self, bot:NAME or checkpoint:RUN_DIR (repeatable: a mixed population)", collect, [])
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .option("--out <dir>", "run folder (default: runs/<scenario>-<time>)")
    .option("--resume <dir>", "continue a run from its latest checkpoint")
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKENDS).default("wasm"))
    .option("--no-color", "plain output")
    .action(async (file: string | undefined, opts: { steps?: number; envs?: number; rollout?: number; seed?: number; lr?: number; entropy?: number; hidden?: number[]; opponent: string[]; set: string[]; out?: string; resume?: string; backend: TfBackendName; color: boolean }) => {
      if (!file && !opts.resume) throw new UserError("agora train needs a .game file (or --resume RUN_DIR)");
      if (file && !existsSync(file)) throw new UserError(`${file}: no such file or folder`);
      const flags: Partial<PpoConfig> = { steps: opts.steps, envs: opts.envs, rollout: opts.rollout, seed: opts.seed, lr: opts.lr, entropy: opts.entropy, hidden: opts.hidden };
      const tty = Boolean(process.stdout.isTTY);
      setExit(await runTrain(file, { flags, overrides: parseOverrides(opts.set), opponents: opts.opponent, out: opts.out, resume: opts.resume, backend: opts.backend, color: opts.color && tty, tty }, io.out, io.err));
    });

  program
    .command("eval")
    .description("evaluate a trained run: returns and metrics with confidence intervals, and a cross-play table against bots and checkpoints")
    .argument("<run-dir>", "a run folder made by agora train")
    .option("--vs <who>", "also play against bot:NAME or checkpoint:RUN_DIR (repeatable)", collect, [])
    .option("--episodes <n>", "episodes per entry", positiveInt("--episodes"), 200)
    .option("--seed <n>", "random seed", (v) => Number(v), 12345)
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKENDS).default("wasm"))
    .action(async (runDir: string, opts: { vs: string[]; episodes: number; seed: number; set: string[]; format: "text" | "json"; backend: TfBackendName }) => {
      try {
        const report = await evaluate({ runDir, vs: opts.vs, episodes: opts.episodes, overrides: parseOverrides(opts.set), seed: opts.seed, backend: opts.backend });
        io.out(opts.format === "json" ? JSON.stringify(report, null, 2) : formatEvaluation(report));
        setExit(0);
      } catch (error) {
        if (error instanceof UserError) throw error;
        io.err(`error: ${(error as Error).message}`);
        setExit(1);
      }
    });

  program
    .command("play")
    .description("play a role of a scenario in the terminal, against bots or a trained policy")
    .argument("<file>", "the .game file")
    .option("--policy <run-dir>", "a trained run whose policies play the other agents")
    .option("--role <name>", "the role you play (default: the first)")
    .option("--episodes <n>", "episodes to play", positiveInt("--episodes"), 1)
    .option("--seed <n>", "random seed", (v) => Number(v), 1)
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKENDS).default("wasm"))
    .action(async (file: string, opts: { policy?: string; role?: string; episodes: number; seed: number; set: string[]; backend: TfBackendName }) => {
      setExit(await runPlay(file, { policy: opts.policy, role: opts.role, episodes: opts.episodes, seed: opts.seed, overrides: parseOverrides(opts.set), backend: opts.backend }, io.out, io.err));
    });

  return program;
}

/** Runs the CLI; never throws for user errors, printing a message and returning a non-zero code. */
export async function main(argv: string[], io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) }): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UserError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    io.err(`agora: internal error: ${(error as Error)?.message ?? error}`);
    io.err("this is a bug in Agora; please report it with the file that caused it");
    return 70;
  }
  return code;
}
