#!/usr/bin/env node
// Builds the VS Code extension in extension/: bundles the client (dist/extension.js) and
// the language server with everything it uses (dist/server.js) with esbuild, then packs
// extension/<name>-<version>.vsix with @vscode/vsce. Works offline, on a fresh clone after
// `npm ci` (it reads the TypeScript sources, not dist/).
//
//   node scripts/package-extension.mjs               bundle and package
//   node scripts/package-extension.mjs --no-package  bundle only
//   node scripts/package-extension.mjs --out <file>  write the .vsix there instead
import { build } from "esbuild";
import { mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const extensionDir = path.join(root, "extension");
const dist = path.join(extensionDir, "dist");

const args = process.argv.slice(2);
const packageIt = !args.includes("--no-package");
const outIndex = args.indexOf("--out");
const manifest = JSON.parse(readFileSync(path.join(extensionDir, "package.json"), "utf8"));
const vsixPath =
  outIndex >= 0 && args[outIndex + 1]
    ? path.resolve(args[outIndex + 1])
    : path.join(extensionDir, `${manifest.name}-${manifest.version}.vsix`);

/**
 * What the server bundle must never pull in. A folder rule: the server is the protocol
 * transport (server/) over the language service and the analysis; the CLI (cli/), the
 * trainer and env runtime (runtime/) and TensorFlow.js are for the command line only.
 */
const FORBIDDEN = [/node_modules\/@tensorflow\//, /^(cli|runtime)\//, /compiler\/tensor/];

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  // VS Code 1.82 runs extensions and their servers on Node 18.
  target: "node18",
  sourcemap: false,
  minify: false,
  keepNames: true,
  logLevel: "warning",
  metafile: true,
  absWorkingDir: root,
};

async function main() {
  const started = Date.now();
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(dist, { recursive: true });

  const [client, server] = await Promise.all([
    build({
      ...common,
      entryPoints: ["extension/src/extension.ts"],
      outfile: "extension/dist/extension.js",
      external: ["vscode"],
    }),
    build({ ...common, entryPoints: ["extension/src/server.ts"], outfile: "extension/dist/server.js" }),
  ]);

  const inputs = Object.keys(server.metafile.inputs);
  const bad = inputs.filter((file) => FORBIDDEN.some((re) => re.test(file)));
  if (bad.length > 0) throw new Error(`the language server bundle must not include:\n  ${bad.join("\n  ")}`);
  if (!inputs.includes("server/lsp-server.ts"))
    throw new Error("the language server bundle does not contain server/lsp-server.ts");
  const clientInputs = Object.keys(client.metafile.inputs);
  if (clientInputs.some((file) => /^(language|compiler|analysis|runtime)\//.test(file))) {
    throw new Error("the extension client must not bundle the toolchain: it only starts dist/server.js");
  }

  const size = (file) => `${(statSync(path.join(dist, file)).size / 1024).toFixed(0)} KiB`;
  console.log(
    `bundled extension/dist/extension.js (${size("extension.js")}) and extension/dist/server.js (${size("server.js")}, ${inputs.length} modules)`,
  );

  if (packageIt) {
    // @vscode/vsce is CommonJS; its API packs exactly what `vsce package` would.
    const { createVSIX } = await import("@vscode/vsce");
    rmSync(vsixPath, { force: true });
    await createVSIX({
      cwd: extensionDir,
      packagePath: vsixPath,
      // Everything is bundled: no node_modules inside the .vsix.
      dependencies: false,
      allowMissingRepository: true,
    });
    console.log(
      `packaged ${path.relative(process.cwd(), vsixPath) || vsixPath} (${(statSync(vsixPath).size / 1024).toFixed(0)} KiB)`,
    );
  }
  console.log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  console.error(`package-extension: ${error?.message ?? error}`);
  process.exit(1);
});
