import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { TrialResult } from "./trial.js";

/**
 * `results.jsonl`: one line per finished trial, appended by the coordinator only (never by
 * workers), each in one write. A trial is finished exactly when its line is there; a line
 * cut short by a kill is dropped when the file is next opened, and its trial redone.
 */
export class ResultsFile {
  readonly path: string;
  private readonly done = new Map<string, TrialResult>();

  /** `repair`: the coordinator, who alone appends, cuts a partial last line; readers skip it. */
  constructor(sweepDir: string, options: { repair?: boolean } = {}) {
    this.path = join(sweepDir, "results.jsonl");
    if (!existsSync(this.path)) return;
    const text = readFileSync(this.path, "utf8");
    const complete = text.endsWith("\n") ? text : text.slice(0, text.lastIndexOf("\n") + 1);
    if (options.repair && complete.length !== text.length) truncateSync(this.path, Buffer.byteLength(complete));
    for (const line of complete.split("\n")) {
      if (line.trim() === "") continue;
      const result = JSON.parse(line) as TrialResult;
      if (!this.done.has(result.trial)) this.done.set(result.trial, result);
    }
  }

  has(trial: string): boolean {
    return this.done.has(trial);
  }

  get size(): number {
    return this.done.size;
  }

  all(): TrialResult[] {
    return [...this.done.values()];
  }

  /**
   * Appends a finished trial once; a second result for the same trial (a retried job that also finished) is ignored.
   */
  add(result: TrialResult): boolean {
    if (this.done.has(result.trial)) return false;
    const fd = openSync(this.path, "a");
    try {
      writeSync(fd, JSON.stringify(result) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.done.set(result.trial, result);
    return true;
  }
}

export function readResults(sweepDir: string): TrialResult[] {
  return new ResultsFile(sweepDir).all();
}
