/**
 * Run folders are shared and long-lived: nothing in one is lost or mixed with another run.
 * This module decides where a run may be written (never into a folder that holds another
 * run, never two trainers at once), reads what a folder holds with one clear line for each
 * thing that is wrong with it, and brings `metrics.jsonl` back to a checkpoint on resume.
 */
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join, resolve } from "node:path";
import type { PpoConfig } from "./ppo.js";
import type { MetricsLine, RunConfig } from "./train.js";

/** A problem with a run folder or the way it is used, for the person running it: one line. */
export class RunFolderError extends Error {}

const LOCK_FILE = "trainer.lock";

/** Whether a folder holds (part of) a run. */
export function holdsRun(dir: string): boolean {
  return ["config.json", "metrics.jsonl", "checkpoints"].some((f) => existsSync(join(dir, f)));
}

/** Refuses `--out` paths that are empty, in a system folder, not a folder, or already a run. */
export function checkNewRunFolder(dir: string): void {
  if (dir.trim() === "") throw new RunFolderError("--out needs a folder name, got an empty path");
  const absolute = resolve(dir);
  if (/^\/(proc|sys|dev)(\/|$)/.test(absolute))
    throw new RunFolderError(`--out ${dir}: a system folder cannot hold a run folder`);
  if (existsSync(absolute) && !statSync(absolute).isDirectory())
    throw new RunFolderError(`--out ${dir}: exists and is not a folder`);
  if (holdsRun(absolute))
    throw new RunFolderError(
      `${dir} already holds a run: continue it with \`agora train --resume ${dir}\`, or choose a new --out`,
    );
}

/**
 * Creates a run folder; `discard` removes what this call created (the folder and any parent
 * it had to make), so a start that fails leaves nothing behind.
 */
export function createRunFolder(dir: string): { discard: () => void } {
  let first: string | undefined;
  try {
    first = mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new RunFolderError(
      `--out ${dir}: cannot create the folder (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  return { discard: () => first !== undefined && rmSync(first, { recursive: true, force: true }) };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** What a folder lock names in its messages: the lock file, who holds it, what it guards. */
export interface FolderLockKind {
  /** The lock file's name inside the folder, such as `trainer.lock`. */
  file: string;
  /** Who holds such a lock, for messages: "trainer", "sweep coordinator". */
  holder: string;
  /** What the folder is, for messages: "run folder", "sweep folder". */
  folder: string;
}

/**
 * One holder per folder: a lock file holding the holder's pid, created exclusively. A lock
 * whose process is gone (a killed holder) is stale and taken over with a warning. The
 * folder must exist. `release` removes the file only while it still holds this process's pid.
 */
export function lockFolder(
  dir: string,
  kind: FolderLockKind,
  warn: (s: string) => void = () => {},
): { release: () => void } {
  const path = join(dir, kind.file);
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, "wx");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST")
        throw new RunFolderError(`${dir}: cannot lock the ${kind.folder} (${(error as NodeJS.ErrnoException).code})`);
      let pid: number;
      try {
        pid = Number(readFileSync(path, "utf8").trim());
      } catch {
        // Removed between open and read: its holder just released it; try again.
        continue;
      }
      if (Number.isInteger(pid) && pid > 0 && alive(pid))
        throw new RunFolderError(
          `${dir} is in use by another ${kind.holder} (pid ${pid}); wait for it to finish, or stop it`,
        );
      warn(
        `${dir}: taking over a stale lock (its ${kind.holder}, pid ${Number.isInteger(pid) ? pid : "unknown"}, is gone)`,
      );
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return {
      release: () => {
        try {
          if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
        } catch {
          // Already gone.
        }
      },
    };
  }
  throw new RunFolderError(`${dir}: cannot lock the ${kind.folder} (another ${kind.holder} keeps taking it)`);
}

/** One trainer per run folder (`trainer.lock`; see `lockFolder`). */
export function lockRunFolder(dir: string, warn: (s: string) => void = () => {}): { release: () => void } {
  return lockFolder(dir, { file: LOCK_FILE, holder: "trainer", folder: "run folder" }, warn);
}

/** Reads `config.json`, or says in one line which file is wrong and how. */
export function readRunConfig(dir: string): RunConfig {
  const path = join(dir, "config.json");
  if (!existsSync(path)) throw new RunFolderError(`${dir} is not a run folder (no config.json)`);
  let run: RunConfig;
  try {
    run = JSON.parse(readFileSync(path, "utf8")) as RunConfig;
  } catch (error) {
    throw new RunFolderError(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const problem = (() => {
    if (typeof run !== "object" || run === null) return "not a JSON object";
    if (run.format !== "agora-run/1") return `unknown format ${JSON.stringify(run.format)} (expected "agora-run/1")`;
    if (typeof run.scenario?.source !== "string" || typeof run.scenario?.path !== "string")
      return "missing scenario.source or scenario.path";
    if (typeof run.config !== "object" || run.config === null) return "missing config";
    for (const key of ["steps", "envs", "rollout", "seed"] as const)
      if (!Number.isFinite(run.config[key])) return `config.${key} is not a number`;
    if (!Array.isArray(run.config.hidden) || !run.config.hidden.every((h) => Number.isInteger(h) && h > 0))
      return "config.hidden is not a list of layer sizes";
    if (!Array.isArray(run.config.opponents)) return "config.opponents is not a list";
    if (run.overrides !== undefined && (typeof run.overrides !== "object" || run.overrides === null))
      return "overrides is not an object";
    return undefined;
  })();
  if (problem) throw new RunFolderError(`${path}: ${problem}`);
  run.overrides ??= {};
  return run;
}

/** What a resume asks for that differs from the run, one line per conflict (empty: none). */
export function resumeConflicts(
  run: RunConfig,
  asked: {
    flags?: Partial<PpoConfig>;
    overrides?: ReadonlyMap<string, number | boolean>;
    scenarioSource?: string;
    scenarioPath?: string;
    opponents?: string[];
  },
): string[] {
  const conflicts: string[] = [];
  for (const [name, value] of asked.overrides ?? []) {
    const had = run.overrides[name];
    if (had !== value)
      conflicts.push(
        `--set ${name}=${value}: the run was trained with ${had === undefined ? `the scenario's ${name}` : `${name}=${had}`}`,
      );
  }
  for (const [key, value] of Object.entries(asked.flags ?? {})) {
    if (value === undefined || key === "steps") continue;
    const had = (run.config as unknown as Record<string, unknown>)[key];
    if (JSON.stringify(had) !== JSON.stringify(value))
      conflicts.push(
        `--${key} ${Array.isArray(value) ? value.join(",") : value}: the run was trained with ${key} ${Array.isArray(had) ? had.join(",") : had}`,
      );
  }
  if (
    asked.opponents &&
    asked.opponents.length > 0 &&
    JSON.stringify(asked.opponents) !== JSON.stringify(run.config.opponents)
  ) {
    conflicts.push(
      `--opponent ${asked.opponents.join(" --opponent ")}: the run was trained against ${run.config.opponents.join(", ")}`,
    );
  }
  if (asked.scenarioSource !== undefined && asked.scenarioSource !== run.scenario.source) {
    conflicts.push(
      `${asked.scenarioPath ?? "the scenario file"} is not the scenario the run was trained on (${run.scenario.path}, kept in its config.json)`,
    );
  }
  return conflicts;
}

/**
 * Brings `metrics.jsonl` back to the checkpoint a resume starts from: lines after its
 * update go (they belong to updates that will be redone), and a torn last line (a trainer
 * killed mid-write) is dropped with a warning. A damaged line before that is an error.
 */
export function truncateMetrics(dir: string, update: number, warn: (s: string) => void): void {
  const path = join(dir, "metrics.jsonl");
  if (!existsSync(path)) return;
  const text = readFileSync(path, "utf8");
  const lines = text.split("\n");
  let keptBytes = 0;
  for (const [i, line] of lines.entries()) {
    const last = i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === "");
    if (line.trim() === "") {
      if (i === lines.length - 1) break;
      keptBytes += Buffer.byteLength(line) + 1;
      continue;
    }
    let parsed: MetricsLine;
    try {
      parsed = JSON.parse(line) as MetricsLine;
      if (!Number.isInteger(parsed?.update)) throw new Error("no update number");
    } catch (error) {
      if (last) {
        warn(`${path}: dropping a torn last line (line ${i + 1}: ${(error as Error).message})`);
        break;
      }
      throw new RunFolderError(`${path}: line ${i + 1} is damaged (${(error as Error).message})`);
    }
    if (parsed.update > update) {
      // Lines of updates that will be redone; a torn line after them still deserves the warning.
      const tail = text.endsWith("\n") ? "" : lines[lines.length - 1];
      if (tail.trim() !== "" && !parses(tail))
        warn(`${path}: dropping a torn last line (line ${lines.length}: it ends mid-record)`);
      break;
    }
    keptBytes += Buffer.byteLength(line) + 1;
  }
  if (keptBytes < Buffer.byteLength(text)) truncateSync(path, keptBytes);
}

function parses(line: string): boolean {
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
}

/** Reads `metrics.jsonl`, or says in one line which line is wrong. */
export function readMetrics(dir: string): MetricsLine[] {
  const path = join(dir, "metrics.jsonl");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .flatMap((line, i) => {
      if (line.trim() === "") return [];
      try {
        return [JSON.parse(line) as MetricsLine];
      } catch (error) {
        throw new RunFolderError(`${path}: line ${i + 1} is damaged (${(error as Error).message})`);
      }
    });
}

/** Records a resume in `config.json`: when, from which update, and the new step target. */
export function recordResume(dir: string, run: RunConfig, entry: { fromUpdate: number; steps: number }): void {
  const resumes = [
    ...(run.resumes ?? []),
    { at: new Date().toISOString(), fromUpdate: entry.fromUpdate, steps: entry.steps },
  ];
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({ ...run, config: { ...run.config, steps: entry.steps }, resumes }, null, 2) + "\n",
  );
}
