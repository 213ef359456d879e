import { Command, CommanderError, Option } from "commander";
import { runCheck } from "./commands/check.js";
import { parseOverrides, UserError } from "./files.js";

const collect = (value: string, previous: string[]) => [...previous, value];

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
