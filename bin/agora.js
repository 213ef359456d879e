#!/usr/bin/env node
// Entry point: runs the bundled CLI (built by `npm run build`, which `npm ci` runs through `prepare`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const cli = new URL("../dist/agora/main.js", import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  console.error("agora: the CLI is not built yet; run `npm run build` in the Agora folder");
  process.exit(2);
}
const { main } = await import(cli.href);
process.exitCode = await main(process.argv.slice(2));
