import { writeFileSync } from "node:fs";
import { formatTextDetailed } from "../../language/format.js";
import { collectGameFiles, decodeUtf8, describeFsError, readRegularFile } from "../files.js";

export interface FmtCommandOptions {
  /** Write nothing; list the files whose layout differs and fail if any. */
  check: boolean;
}

/**
 * `agora fmt`: gives .game files their canonical layout, in place. With `--check`, writes
 * nothing and lists the files that are not formatted. Files with syntax errors are left as
 * they are and reported. Exit code: 0 when every file is (now) formatted, else 1.
 */
export function runFmt(
  paths: string[],
  options: FmtCommandOptions,
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  const { files, problems } = collectGameFiles(paths);
  for (const problem of problems) err(`error: ${problem}`);
  if (files.length === 0 && problems.length === 0) {
    err(`error: no .game files found in ${paths.join(", ")}`);
    return 1;
  }
  let failed = problems.length;
  let changed = 0;
  for (const file of files) {
    const read = readRegularFile(file);
    if ("error" in read) {
      err(`error: ${read.error}`);
      failed++;
      continue;
    }
    const decoded = decodeUtf8(file, read.buffer);
    if ("error" in decoded) {
      err(`error: ${decoded.error}; it was left unchanged`);
      failed++;
      continue;
    }
    const text = decoded.text;
    let result;
    try {
      result = formatTextDetailed(text);
    } catch (error) {
      err(`error: ${file}: could not be formatted (${(error as Error)?.message ?? error}); it was left unchanged`);
      failed++;
      continue;
    }
    if (result.status === "syntaxErrors") {
      err(`error: ${file}: has syntax errors, so it was not formatted (run \`agora check ${file}\`)`);
      failed++;
      continue;
    }
    if (result.status === "unsafe") {
      err(
        `error: ${file}: the formatter could not lay it out without changing its meaning; it was left unchanged (please report this)`,
      );
      failed++;
      continue;
    }
    if (result.text === text) continue;
    changed++;
    if (options.check) {
      out(file);
      continue;
    }
    try {
      writeFileSync(file, result.text, "utf8");
      out(`formatted ${file}`);
    } catch (error) {
      err(`error: ${file}: cannot write (${describeFsError(error)})`);
      failed++;
    }
  }
  const plural = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
  if (options.check) {
    if (changed > 0)
      err(
        `${plural(changed)} of ${files.length} not formatted (run \`agora fmt\` to format ${changed === 1 ? "it" : "them"})`,
      );
    return changed > 0 || failed > 0 ? 1 : 0;
  }
  if (failed === 0)
    out(
      changed === 0 ? `${plural(files.length)} already formatted` : `formatted ${plural(changed)} of ${files.length}`,
    );
  return failed > 0 ? 1 : 0;
}
