import { Command, CommanderError, Option } from "commander";
import { ENGINES, type EngineName } from "../runtime/engine/select.js";
import { ACTIVATIONS, type PpoConfig } from "../runtime/ppo.js";
import type { TfBackendName } from "../runtime/tf.js";
import { AGORA_VERSION } from "../language/version.js";
import { parseOverrides, UserError } from "./files.js";
import { configureSweepCommand } from "./sweep-options.js";
import {
  BACKENDS,
  collect,
  hiddenSizes,
  numberIn,
  nonNegativeNumber,
  parseCount,
  positiveInt,
  positiveNumber,
  redisUrl,
  TRAIN_LIMITS,
  wholeNumber,
} from "./options.js";
import { printable } from "../language/text.js";

// Each command loads its modules when it runs: `agora --version` or `agora check` never
// pays for TensorFlow.js, the trainer or the analysis (see `npm run bench -- startup`).

/** Builds the `agora` command line. Each command returns its exit code. */
export function buildProgram(
  io: { out: (s: string) => void; err: (s: string) => void },
  setExit: (code: number) => void,
): Command {
  const program = new Command();
  program
    .name("agora")
    .description(
      "Agora: write social-game scenarios as .game files, check them, compile them into vectorized environments and train agents on them.",
    )
    .version(AGORA_VERSION)
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
    .option("--dominated", "also warn about strictly dominated actions in one-shot games (W0008), as the editor does")
    .option("--no-color", "plain output")
    .action(
      async (
        paths: string[],
        opts: { format: "text" | "json"; set: string[]; strict?: boolean; dominated?: boolean; color: boolean },
      ) => {
        const color = opts.color && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
        setExit(
          await (
            await import("./commands/check.js")
          ).runCheck(
            paths,
            {
              format: opts.format,
              overrides: parseOverrides(opts.set),
              color,
              strict: opts.strict,
              dominated: opts.dominated,
            },
            io.out,
            io.err,
          ),
        );
      },
    );

  program
    .command("compile")
    .description("compile a scenario into a standalone vectorized environment (env.mjs or env.py, and schema.json)")
    .argument("<file>", "the .game file")
    .option("-o, --out <dir>", "output folder (default: out/<name>)")
    .addOption(
      new Option(
        "--target <target>",
        "js: a generated JavaScript kernel; tensor: a TensorFlow.js program; python: a NumPy module (env.py)",
      )
        .choices(["js", "tensor", "python"])
        .default("js"),
    )
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .option("--no-color", "plain output")
    .action(
      async (
        file: string,
        opts: { out?: string; target: "js" | "tensor" | "python"; set: string[]; color: boolean },
      ) => {
        const color = opts.color && Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
        setExit(
          await (
            await import("./commands/compile.js")
          ).runCompile(
            file,
            { out: opts.out, target: opts.target, overrides: parseOverrides(opts.set), color },
            io.out,
            io.err,
          ),
        );
      },
    );

  program
    .command("fmt")
    .description("format .game files in place (or every .game file in folders)")
    .argument("<paths...>", "files or folders")
    .option("--check", "write nothing; list the files that are not formatted and exit 1 if any")
    .action(async (paths: string[], opts: { check?: boolean }) => {
      setExit((await import("./commands/fmt.js")).runFmt(paths, { check: Boolean(opts.check) }, io.out, io.err));
    });

  program
    .command("lsp")
    .description("run the language server (for editors) on standard input and output")
    .option("--stdio", "talk over standard input and output (the default)")
    .action(async () => {
      const { startServer } = await import("../server/lsp-server.js");
      startServer();
      // The server answers until the client asks it to exit.
      await new Promise(() => {});
    });

  program
    .command("analyze")
    .description(
      "game-theoretic analysis of a scenario: normal form, equilibria, dominance, Pareto, welfare, class, param sweeps",
    )
    .argument("<file>", "the .game file, or a Gambit .nfg file")
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .option("--nfg <file>", "also write the normal form to this file in Gambit's NFG format")
    .option("--samples <n>", "samples per joint action where the step is random (default 1000)", (v: string) =>
      parseCount(v, "--samples"),
    )
    .option("--seed <n>", "seed for those samples (default 0)", (v: string) => parseCount(v, "--seed"))
    .option("--objective", "analyse each role's objective (what learners maximise) instead of its reward")
    .option("--no-sweep", "skip the sweeps of ranged params")
    .option("--no-color", "plain output")
    .action(
      async (
        file: string,
        opts: {
          set: string[];
          format: "text" | "json";
          nfg?: string;
          samples?: number;
          seed?: number;
          objective?: boolean;
          sweep: boolean;
          color: boolean;
        },
      ) => {
        const color = opts.color && Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
        setExit(
          (await import("./commands/analyze.js")).runAnalyze(
            file,
            {
              overrides: parseOverrides(opts.set),
              format: opts.format,
              nfg: opts.nfg,
              samples: opts.samples,
              seed: opts.seed,
              objective: opts.objective,
              sweep: opts.sweep,
              color,
            },
            io.out,
            io.err,
          ),
        );
      },
    );

  program
    .command("train")
    .description(
      "train one policy per role with PPO, showing progress; writes a run folder with metrics, checkpoints and report.html",
    )
    .argument("[file]", "the .game file (not needed with --resume)")
    .option("--steps <n>", "total agent steps", positiveInt("--steps"))
    .option("--envs <n>", "environment copies stepped together", positiveInt("--envs", TRAIN_LIMITS.envs))
    .option("--rollout <n>", "steps per copy between updates", positiveInt("--rollout", TRAIN_LIMITS.rollout))
    .option("--seed <n>", "random seed", wholeNumber("--seed"))
    .option("--lr <x>", "learning rate", positiveNumber("--lr"))
    .option("--entropy <x>", "entropy bonus", nonNegativeNumber("--entropy"))
    .option("--hidden <sizes>", "hidden layer sizes, such as 64,64", hiddenSizes)
    .option("--gamma <x>", "discount", numberIn("--gamma", 0, 1))
    .option("--lambda <x>", "GAE lambda", numberIn("--lambda", 0, 1))
    .option("--clip <x>", "PPO ratio clipping", positiveNumber("--clip"))
    .option("--epochs <n>", "passes over each rollout", positiveInt("--epochs"))
    .option("--minibatches <n>", "minibatches per pass", positiveInt("--minibatches"))
    .option("--value-coef <x>", "value-loss weight", numberIn("--value-coef", 0, 1e6))
    .option("--max-grad-norm <x>", "global gradient-norm clipping", positiveNumber("--max-grad-norm"))
    .option("--no-anneal-lr", "keep the learning rate constant (default: annealed linearly to 0)")
    .addOption(new Option("--activation <name>", "hidden-layer activation").choices(ACTIVATIONS))
    .option(
      "--opponent <who>",
      "co-player: self, pool (fictitious self-play against past policies), bot:NAME or checkpoint:RUN_DIR (repeatable: a mixed population)",
      collect,
      [],
    )
    .option("--pool-size <n>", "with --opponent pool: past policies kept, spread over training (default 64)", (v) => {
      const n = positiveInt("--pool-size", 10_000)(v);
      if (n < 2) throw new UserError(`--pool-size takes 2 or more, got \`${v}\``);
      return n;
    })
    .option(
      "--pool-sample <n>",
      "with --opponent pool: past policies playing in each update (default 8)",
      positiveInt("--pool-sample", 1024),
    )
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .option("--out <dir>", "run folder (default: runs/<scenario>-<time>)")
    .option("--resume <dir>", "continue a run from its latest checkpoint")
    .addOption(
      new Option(
        "--backend <name>",
        "training engine: auto (native, else TensorFlow.js wasm), native, or a TensorFlow.js backend (default: auto; on --resume, the run's)",
      ).choices(ENGINES),
    )
    .option(
      "--threads <n>",
      "threads for the native engine (default: every core; results do not depend on it)",
      positiveInt("--threads"),
    )
    .option("--no-color", "plain output")
    .action(
      async (
        file: string | undefined,
        opts: {
          steps?: number;
          envs?: number;
          rollout?: number;
          seed?: number;
          lr?: number;
          entropy?: number;
          hidden?: number[];
          gamma?: number;
          lambda?: number;
          clip?: number;
          epochs?: number;
          minibatches?: number;
          valueCoef?: number;
          maxGradNorm?: number;
          annealLr: boolean;
          activation?: PpoConfig["activation"];
          opponent: string[];
          poolSize?: number;
          poolSample?: number;
          set: string[];
          out?: string;
          resume?: string;
          backend?: EngineName;
          threads?: number;
          color: boolean;
        },
      ) => {
        if (!file && opts.resume === undefined)
          throw new UserError("agora train needs a .game file (or --resume RUN_DIR)");
        const flags: Partial<PpoConfig> = {
          steps: opts.steps,
          envs: opts.envs,
          rollout: opts.rollout,
          seed: opts.seed,
          lr: opts.lr,
          entropy: opts.entropy,
          hidden: opts.hidden,
          gamma: opts.gamma,
          lambda: opts.lambda,
          clip: opts.clip,
          epochs: opts.epochs,
          minibatches: opts.minibatches,
          valueCoef: opts.valueCoef,
          maxGradNorm: opts.maxGradNorm,
          annealLr: opts.annealLr === false ? false : undefined,
          activation: opts.activation,
          poolSize: opts.poolSize,
          poolSample: opts.poolSample,
        };
        const tty = Boolean(process.stdout.isTTY);
        setExit(
          await (
            await import("./commands/train.js")
          ).runTrain(
            file,
            {
              flags,
              overrides: parseOverrides(opts.set),
              opponents: opts.opponent,
              out: opts.out,
              resume: opts.resume,
              backend: opts.backend,
              threads: opts.threads,
              color: opts.color && tty,
              tty,
            },
            io.out,
            io.err,
          ),
        );
      },
    );

  program
    .command("eval")
    .description(
      "evaluate a trained run: returns and metrics with confidence intervals, and a cross-play table against bots and checkpoints",
    )
    .argument("<run-dir>", "a run folder made by agora train")
    .option("--vs <who>", "also play against bot:NAME or checkpoint:RUN_DIR (repeatable)", collect, [])
    .option("--episodes <n>", "episodes per entry", positiveInt("--episodes"), 200)
    .option("--seed <n>", "random seed", wholeNumber("--seed"), 12345)
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .addOption(new Option("--format <format>", "output format").choices(["text", "json"]).default("text"))
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKENDS).default("wasm"))
    .action(
      async (
        runDir: string,
        opts: {
          vs: string[];
          episodes: number;
          seed: number;
          set: string[];
          format: "text" | "json";
          backend: TfBackendName;
        },
      ) => {
        setExit(
          await (
            await import("./commands/eval.js")
          ).runEval(
            runDir,
            {
              vs: opts.vs,
              episodes: opts.episodes,
              seed: opts.seed,
              overrides: parseOverrides(opts.set),
              format: opts.format,
              backend: opts.backend,
            },
            io.out,
            io.err,
          ),
        );
      },
    );

  configureSweepCommand(program.command("sweep"), async (options) => {
    setExit(await (await import("./commands/sweep.js")).runSweep(options, io.out, io.err));
  });

  program
    .command("worker")
    .description(
      "pull sweep trials from a Redis queue (made by `agora sweep --queue`) and run them, one at a time, until stopped",
    )
    .argument("<url>", "the queue: redis://HOST:PORT", redisUrl("agora worker"))
    .option(
      "--artifacts <dir>",
      "write run folders here (a path shared with the coordinator) instead of a local scratch folder",
    )
    .option("--concurrency <n>", "trials at once in this worker", positiveInt("--concurrency"), 1)
    .option("--max-trials <n>", "exit after this many trials", positiveInt("--max-trials"))
    .option(
      "--lock-seconds <n>",
      "retry a trial elsewhere when its worker is silent this long",
      positiveInt("--lock-seconds"),
      30,
    )
    .action(
      async (
        url: string,
        opts: { artifacts?: string; concurrency: number; maxTrials?: number; lockSeconds: number },
      ) => {
        setExit(
          await (
            await import("./commands/worker.js")
          ).runWorker(
            url,
            {
              artifacts: opts.artifacts,
              concurrency: opts.concurrency,
              maxTrials: opts.maxTrials,
              lockSeconds: opts.lockSeconds,
            },
            io.out,
            io.err,
          ),
        );
      },
    );

  // The child process of a sweep executor: one trial, its job on stdin.
  program.command("trial", { hidden: true }).action(async () => {
    setExit(await (await import("./commands/trial.js")).runTrialChild(io.out, io.err));
  });

  program
    .command("play")
    .description("play a role of a scenario in the terminal, against bots or a trained policy")
    .argument("<file>", "the .game file")
    .option("--policy <run-dir>", "a trained run whose policies play the other agents")
    .option("--role <name>", "the role you play (default: the first)")
    .option("--episodes <n>", "episodes to play", positiveInt("--episodes"), 1)
    .option("--seed <n>", "random seed", wholeNumber("--seed"), 1)
    .option("--set <name=value>", "override a param (repeatable)", collect, [])
    .addOption(new Option("--backend <name>", "TensorFlow.js backend").choices(BACKENDS).default("wasm"))
    .action(
      async (
        file: string,
        opts: { policy?: string; role?: string; episodes: number; seed: number; set: string[]; backend: TfBackendName },
      ) => {
        setExit(
          await (
            await import("./commands/play.js")
          ).runPlay(
            file,
            {
              policy: opts.policy,
              role: opts.role,
              episodes: opts.episodes,
              seed: opts.seed,
              overrides: parseOverrides(opts.set),
              backend: opts.backend,
            },
            io.out,
            io.err,
          ),
        );
      },
    );

  return program;
}

/** Runs the CLI; never throws for user errors, printing a message and returning a non-zero code. */
export async function main(
  argv: string[],
  io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) },
): Promise<number> {
  let code = 0;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof UserError) {
      io.err(`error: ${printable(error.message)}`);
      return 2;
    }
    io.err(`agora: internal error: ${printable(String((error as Error)?.message ?? error))}`);
    io.err("this is a bug in Agora; please report it with the file that caused it");
    return 70;
  }
  return code;
}
