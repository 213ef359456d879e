#!/usr/bin/env node
// Bundles the command line (cli/main.ts and everything it imports, dependencies included)
// into dist/agora/ with esbuild, one chunk per lazily loaded command. Node then reads a
// handful of files at start-up instead of hundreds (chevrotain alone pulls in ~600 lodash-es
// modules), which is most of what `agora check` on a small file used to cost.
// TensorFlow.js stays external: its wasm backend finds its .wasm files next to its package.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "dist", "agora");
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: "cli/main.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["@tensorflow/*"],
  // CommonJS dependencies (commander's, cli-progress, the LSP library) call require().
  banner: {
    js: 'import { createRequire as __agoraCreateRequire } from "node:module"; const require = __agoraCreateRequire(import.meta.url);',
  },
  sourcemap: "linked",
  logLevel: "warning",
});
