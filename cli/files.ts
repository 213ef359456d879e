import { readdirSync, readFileSync, statSync } from "node:fs";
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

/** Reads a scenario file as UTF-8 text (refusing other encodings), a byte order mark blanked. */
export function readSource(path: string): { text: string } | { error: string } {
  try {
    const decoded = decodeUtf8(path, readFileSync(path));
    if ("error" in decoded) return decoded;
    const text = decoded.text;
    // A UTF-8 byte order mark is not part of the text.
    return { text: text.charCodeAt(0) === 0xfeff ? " " + text.slice(1) : text };
  } catch (error) {
    return { error: `${path}: ${describeFsError(error)}` };
  }
}

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
    else if (/^-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(raw)) value = Number(raw);
    else throw new UserError(`--set ${pair}: the value must be a number, true or false`);
    overrides.set(name, value);
  }
  return overrides;
}
