import { closeSync, constants, fstatSync, openSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export class UserError extends Error {}

/** Expands files and folders into the `.game` files they hold, sorted for stable output. */
export function collectGameFiles(paths: string[]): { files: string[]; problems: string[] } {
  const files: string[] = [];
  const problems: string[] = [];
  const walk = (path: string, explicit: boolean) => {
    let stat;
    try {
      stat = statSync(path);
    } catch (error) {
      problems.push(`${path}: ${describeFsError(error)}`);
      return;
    }
    if (stat.isDirectory()) {
      let entries: string[];
      try {
        entries = readdirSync(path).sort();
      } catch (error) {
        problems.push(`${path}: ${describeFsError(error)}`);
        return;
      }
      for (const entry of entries) {
        if (entry === "node_modules" || entry.startsWith(".")) continue;
        const child = join(path, entry);
        let childStat;
        try {
          childStat = statSync(child);
        } catch {
          continue;
        }
        if (childStat.isDirectory()) walk(child, false);
        else if (entry.endsWith(".game")) files.push(child);
      }
    } else if (explicit || path.endsWith(".game")) files.push(path);
  };
  for (const path of paths) walk(path, true);
  return { files, problems };
}

/**
 * The largest scenario read (10 MiB; docs/language.md §1): far beyond any real scenario,
 * and small enough that the front end answers in seconds.
 */
export const MAX_SOURCE_BYTES = 10 * 1024 * 1024;

/**
 * Reads a file the user named. Only regular files are read: a FIFO would block every
 * command, a device such as /dev/zero would never end, and a folder is not a scenario.
 * Files over `MAX_SOURCE_BYTES` are refused before they are read.
 */
export function readRegularFile(path: string): { buffer: Buffer } | { error: string } {
  let fd: number | undefined;
  try {
    // Non-blocking: opening a FIFO with no writer returns at once instead of waiting.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (stat.isDirectory()) return { error: `${path}: is a folder, not a file` };
    if (!stat.isFile()) return { error: `${path}: not a regular file` };
    const tooLarge = (bytes: number) => ({
      error: `${path}: file too large (${megabytes(bytes)} MB, limit ${megabytes(MAX_SOURCE_BYTES)} MB)`,
    });
    if (stat.size > MAX_SOURCE_BYTES) return tooLarge(stat.size);
    const buffer = readFileSync(fd);
    // It may have grown since fstat.
    if (buffer.length > MAX_SOURCE_BYTES) return tooLarge(buffer.length);
    return { buffer };
  } catch (error) {
    return { error: `${path}: ${describeFsError(error)}` };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * A file's bytes as text, or a one-line error where they are not UTF-8: decoding them
 * anyway would turn the bad bytes into U+FFFD, and `fmt` would write that back.
 */
export function decodeUtf8(path: string, bytes: Uint8Array): { text: string } | { error: string } {
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    return { error: `${path}: not UTF-8 text (save it as UTF-8)` };
  }
}

/** Reads a scenario's text (see `readRegularFile`), refusing anything but UTF-8; a byte order mark is blanked. */
export function readSource(path: string): { text: string } | { error: string } {
  const read = readRegularFile(path);
  if ("error" in read) return read;
  const decoded = decodeUtf8(path, read.buffer);
  if ("error" in decoded) return decoded;
  // A UTF-8 byte order mark is not part of the text.
  const text = decoded.text;
  return { text: text.charCodeAt(0) === 0xfeff ? " " + text.slice(1) : text };
}

const megabytes = (bytes: number) => Number((bytes / (1024 * 1024)).toFixed(1));

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  switch (code) {
    case "ENOENT":
      return "no such file or folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a folder, not a file";
    default:
      return `cannot read (${code ?? (error as Error)?.message ?? "unknown error"})`;
  }
}

/** Parses `--set name=value` pairs: numbers, `true` and `false`. */
export function parseOverrides(pairs: string[]): Map<string, number | boolean> {
  const overrides = new Map<string, number | boolean>();
  for (const pair of pairs) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.+)$/.exec(pair.trim());
    if (!match) throw new UserError(`--set ${pair}: expected name=value, such as --set rounds=10`);
    const [, name, raw] = match;
    let value: number | boolean;
    if (raw === "true" || raw === "false") value = raw === "true";
    else if (/^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(raw)) {
      value = Number(raw);
      if (!Number.isFinite(Math.fround(value)))
        throw new UserError(`--set ${pair}: ${raw} is not a finite number (reals are float32, at most about 3.4e38)`);
    } else throw new UserError(`--set ${pair}: the value must be a number, true or false`);
    overrides.set(name, value);
  }
  return overrides;
}
