import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DiagnosticCode } from "../language/diagnostics.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The layers, bottom up: a folder may import only from itself and the folders before it. */
const LAYERS = ["language", "compiler", "analysis", "runtime"] as const;
/** The entry points sit on top: they may import any library, libraries never import them. */
const ENTRY_POINTS = ["cli", "server"] as const;

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts")) out.push(path);
    }
  };
  walk(join(root, folder));
  return out;
}

/** Every relative module a file imports, statically, dynamically or for types, as a repository path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
  return specifiers.map((s) => relative(root, resolve(dirname(file), s)));
}

const topFolder = (path: string) => path.split(/[\\/]/)[0];

describe("the architecture", () => {
  const edges: { from: string; to: string }[] = [];
  for (const folder of [...LAYERS, ...ENTRY_POINTS]) {
    for (const file of sourceFiles(folder))
      for (const to of importsOf(file)) edges.push({ from: relative(root, file), to });
  }

  it("sees the imports it checks", () => {
    // A regression in the scan itself would make the rules below pass vacuously.
    expect(edges.length).toBeGreaterThan(200);
    expect(edges).toContainEqual({ from: "compiler/lower.ts", to: "language/semantic/model.js" });
  });

  it("has no edge upward between the layers (language → compiler → analysis → runtime)", () => {
    const upward = edges.filter((e) => {
      const from = LAYERS.indexOf(topFolder(e.from) as (typeof LAYERS)[number]);
      const to = LAYERS.indexOf(topFolder(e.to) as (typeof LAYERS)[number]);
      return from >= 0 && to > from;
    });
    expect(upward).toEqual([]);
  });

  it("has no edge from a library into cli/ or server/", () => {
    const intoEntry = edges.filter(
      (e) => LAYERS.includes(topFolder(e.from) as never) && ENTRY_POINTS.includes(topFolder(e.to) as never),
    );
    expect(intoEntry).toEqual([]);
  });

  it("keeps the language server off the trainer, the env runtime and the CLI", () => {
    const fromServer = edges.filter(
      (e) => topFolder(e.from) === "server" && ["runtime", "cli"].includes(topFolder(e.to)),
    );
    expect(fromServer).toEqual([]);
  });

  it("keeps the language service free of the protocol", () => {
    const lsp = sourceFiles("language").filter((f) => /from "vscode-languageserver/.test(readFileSync(f, "utf8")));
    expect(lsp.map((f) => relative(root, f))).toEqual([]);
  });
});

describe("the language reference", () => {
  const reference = readFileSync(join(root, "docs", "language.md"), "utf8");

  it("documents every diagnostic code in its tables", () => {
    const codes = Object.values(DiagnosticCode);
    expect(codes.length).toBeGreaterThan(40);
    const undocumented = codes.filter((code) => !new RegExp(`^\\| ${code} \\|`, "m").test(reference));
    expect(undocumented).toEqual([]);
  });
});
