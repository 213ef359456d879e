/**
 * Vitest global setup for the tests that run `bin/agora.js` or `dist/`: rebuilds when any
 * source is newer than the build, so a change is never tested against a stale `dist/`.
 * (`npm ci` builds through `prepare`; after that this costs one scan of the sources.)
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SOURCES = ["language", "compiler", "analysis", "runtime", "cli", "server", "bench", "scripts", "bin"];
const BUILT = join(root, "dist", "agora", "main.js");

function newestSource(): number {
  let newest = statSync(join(root, "package.json")).mtimeMs;
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const info = statSync(path);
      if (info.isDirectory()) walk(path);
      else if (/\.(ts|mjs|js|json)$/.test(name)) newest = Math.max(newest, info.mtimeMs);
    }
  };
  for (const folder of SOURCES) if (existsSync(join(root, folder))) walk(join(root, folder));
  return newest;
}

export default function setup() {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSource()) return;
  execFileSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
}
