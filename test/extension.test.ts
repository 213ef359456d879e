// The VS Code extension (extension/): the packaging script builds a .vsix with the bundled
// client and language server; the bundled server speaks LSP over stdio and Node IPC; the
// grammar compiles, agrees with the language's own lexer and highlights every reserved
// word; the manifest's contributions point at files that exist; the snippets expand into
// code that checks; the client's commands run the CLI on the saved scenario.
import { execFileSync, fork, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import Module, { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMessageConnection,
  IPCMessageReader,
  IPCMessageWriter,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node.js";
import { checkText } from "../language/check.js";
import { gameLexer, RESERVED_WORDS } from "../language/syntax/tokens.js";
import { AGORA_VERSION } from "../language/version.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const extensionDir = path.join(root, "extension");
const serverBundle = path.join(extensionDir, "dist", "server.js");
const clientBundle = path.join(extensionDir, "dist", "extension.js");
const manifest = JSON.parse(readFileSync(path.join(extensionDir, "package.json"), "utf8"));
const grammar = JSON.parse(readFileSync(path.join(extensionDir, "syntaxes", "game.tmLanguage.json"), "utf8"));

let tmp: string;
let vsixPath: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), "agora-extension-"));
  vsixPath = path.join(tmp, "agora-game-test.vsix");
  execFileSync(process.execPath, [path.join(root, "scripts", "package-extension.mjs"), "--out", vsixPath], {
    cwd: root,
    stdio: "pipe",
  });
}, 120_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------
// A .vsix is a zip: read its central directory.

interface ZipEntry {
  name: string;
  read(): Buffer;
}

function readZip(file: string): Map<string, ZipEntry> {
  const zip = readFileSync(file);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${file} is not a zip file`);
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  const entries = new Map<string, ZipEntry>();
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
    const method = zip.readUInt16LE(at + 10);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localHeader = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    entries.set(name, {
      name,
      read() {
        if (zip.readUInt32LE(localHeader) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
        const start = localHeader + 30 + zip.readUInt16LE(localHeader + 26) + zip.readUInt16LE(localHeader + 28);
        const data = zip.subarray(start, start + compressedSize);
        if (method === 0) return Buffer.from(data);
        if (method === 8) return inflateRawSync(data);
        throw new Error(`unsupported compression method ${method} for ${name}`);
      },
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

describe("packaging", () => {
  it("builds a .vsix with the bundles, the language files and the manifest", () => {
    const entries = readZip(vsixPath);
    const names = [...entries.keys()];
    for (const file of [
      "extension/package.json",
      "extension/dist/extension.js",
      "extension/dist/server.js",
      "extension/syntaxes/game.tmLanguage.json",
      "extension/language-configuration.json",
      "extension/snippets/game.json",
      "extension/readme.md",
      "extension.vsixmanifest",
    ]) {
      expect(names, file).toContain(file);
    }
    // Bundled: no sources, no node_modules, no source maps.
    expect(names.filter((n) => n.includes("node_modules/") || n.endsWith(".ts") || n.endsWith(".map"))).toEqual([]);
    // What was packed is what is on disk.
    expect(JSON.parse(entries.get("extension/package.json")!.read().toString("utf8"))).toEqual(manifest);
    expect(entries.get("extension/dist/server.js")!.read().equals(readFileSync(serverBundle))).toBe(true);
    const vsixManifest = entries.get("extension.vsixmanifest")!.read().toString("utf8");
    expect(vsixManifest).toContain('Id="agora-game"');
    expect(vsixManifest).toContain(`Version="${AGORA_VERSION}"`);
    expect(vsixManifest).toContain('Publisher="agora"');
  });

  it("bundles the server without TensorFlow.js and the client without the toolchain", () => {
    const server = readFileSync(serverBundle, "utf8");
    expect(server).not.toMatch(/@tensorflow|tfjs-core|tfjs-backend/);
    expect(server).toContain("startServer");
    const client = readFileSync(clientBundle, "utf8");
    expect(client).toMatch(/require\("vscode"\)/);
    expect(client).not.toContain("chevrotain");
  });

  it("type-checks the extension sources", () => {
    const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
    execFileSync(process.execPath, [tsc, "-p", path.join(extensionDir, "tsconfig.json")], { cwd: root, stdio: "pipe" });
  }, 120_000);
});

// ---------------------------------------------------------------------------------------
// The bundled server speaks LSP.

const BROKEN = `game Broken {
  param multiplier: real = 1.6
  horizon 10
  role citizen * 3 {
    action contribute(x: 0..5)
    action keep
  }
  step {
    for c in citizen { c.reward += multiplier + bonus }
  }
}
`;

async function talk(connection: MessageConnection, child: ChildProcess) {
  connection.listen();
  const init = (await connection.sendRequest("initialize", {
    processId: process.pid,
    rootUri: null,
    capabilities: {},
  })) as {
    capabilities: Record<string, unknown>;
    serverInfo?: { name: string };
  };
  expect(init.serverInfo?.name).toBe("agora");
  expect(init.capabilities.hoverProvider).toBe(true);
  expect(init.capabilities.completionProvider).toBeTruthy();
  expect(init.capabilities.textDocumentSync).toBeTruthy();
  await connection.sendNotification("initialized", {});

  const uri = pathToFileURL(path.join(tmp, "broken.game")).href;
  const published = new Promise<{
    uri: string;
    diagnostics: { code: string; message: string; range: { start: { line: number } } }[];
  }>((resolve) => connection.onNotification("textDocument/publishDiagnostics", (params) => resolve(params)));
  await connection.sendNotification("textDocument/didOpen", {
    textDocument: { uri, languageId: "game", version: 1, text: BROKEN },
  });
  const diagnostics = await published;
  expect(diagnostics.uri).toBe(uri);
  expect(diagnostics.diagnostics.map((d) => [d.code, d.range.start.line])).toContainEqual(["E0101", 8]);

  const hover = (await connection.sendRequest("textDocument/hover", {
    textDocument: { uri },
    position: { line: 8, character: 35 },
  })) as { contents: { value: string } };
  expect(hover.contents.value).toContain("param multiplier: real");

  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await connection.sendRequest("shutdown");
  await connection.sendNotification("exit");
  expect(await exited).toBe(0);
  connection.dispose();
}

describe("the bundled language server", () => {
  it("answers initialize, diagnostics and hover over stdio", async () => {
    const child = spawn(process.execPath, [serverBundle, "--stdio"], { stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    try {
      await talk(
        createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!)),
        child,
      );
    } finally {
      child.kill();
    }
    expect(stderr).toBe("");
  }, 30_000);

  it("answers over Node IPC, as VS Code runs it", async () => {
    const child = fork(serverBundle, ["--node-ipc"], { stdio: ["pipe", "pipe", "pipe", "ipc"] });
    try {
      await talk(createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child)), child);
    } finally {
      child.kill();
    }
  }, 30_000);
});

// ---------------------------------------------------------------------------------------
// The grammar, run by a small TextMate interpreter over JavaScript regexes.

interface Rule {
  name?: string;
  match?: string;
  begin?: string;
  end?: string;
  captures?: Record<string, { name: string }>;
  beginCaptures?: Record<string, { name: string }>;
  endCaptures?: Record<string, { name: string }>;
  patterns?: Rule[];
  include?: string;
}

interface Token {
  start: number;
  end: number;
  text: string;
  scopes: string[];
}

const regexCache = new Map<string, RegExp>();
function compile(source: string): RegExp {
  let re = regexCache.get(source);
  if (!re) {
    re = new RegExp(source, "dg");
    regexCache.set(source, re);
  }
  return re;
}

/** Every regex of the grammar, with where it is. */
function grammarRegexes(): { where: string; source: string }[] {
  const found: { where: string; source: string }[] = [];
  const visit = (rule: Rule, where: string) => {
    for (const key of ["match", "begin", "end"] as const)
      if (rule[key] !== undefined) found.push({ where: `${where}.${key}`, source: rule[key]! });
    rule.patterns?.forEach((r, i) => visit(r, `${where}.patterns[${i}]`));
  };
  visit(grammar, "grammar");
  for (const [name, rule] of Object.entries(grammar.repository as Record<string, Rule>))
    visit(rule, `repository.${name}`);
  return found;
}

/** The rules a rule's `patterns` stand for, includes expanded. */
function expand(patterns: Rule[] | undefined, seen = new Set<string>()): Rule[] {
  const out: Rule[] = [];
  for (const rule of patterns ?? []) {
    if (rule.include) {
      if (rule.include === "$self" || rule.include === "$base") {
        out.push(...expand(grammar.patterns, seen));
        continue;
      }
      const key = rule.include.replace(/^#/, "");
      if (seen.has(key)) continue;
      const target = (grammar.repository as Record<string, Rule>)[key];
      if (!target) throw new Error(`include of a missing repository rule: ${rule.include}`);
      const inner = new Set(seen).add(key);
      out.push(...(target.match || target.begin ? [target] : expand(target.patterns, inner)));
    } else if (rule.match || rule.begin) {
      out.push(rule);
    } else {
      out.push(...expand(rule.patterns, seen));
    }
  }
  return out;
}

/** Tokenises a whole text line by line, as an editor would, keeping begin/end state across lines. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const stack: { rule: Rule; scopes: string[] }[] = [];
  let lineStart = 0;
  for (const line of text.split("\n")) {
    let pos = 0;
    const emit = (from: number, to: number, scopes: string[]) => {
      if (to > from) tokens.push({ start: lineStart + from, end: lineStart + to, text: line.slice(from, to), scopes });
    };
    const emitMatch = (m: RegExpExecArray, base: string[], captures: Record<string, { name: string }> | undefined) => {
      const [start, end] = m.indices![0];
      // Split the match at its captures (captures are not nested in this grammar).
      const marks: { start: number; end: number; name: string }[] = [];
      for (const [group, { name }] of Object.entries(captures ?? {})) {
        const span = m.indices![Number(group)];
        if (Number(group) === 0) base = [...base, name];
        else if (span) marks.push({ start: span[0], end: span[1], name });
      }
      marks.sort((a, b) => a.start - b.start);
      let at = start;
      for (const mark of marks) {
        emit(at, mark.start, base);
        emit(mark.start, mark.end, [...base, mark.name]);
        at = mark.end;
      }
      emit(at, end, base);
    };
    while (pos <= line.length) {
      const top = stack[stack.length - 1];
      const scopes = top ? top.scopes : ["source.game"];
      const candidates = expand(top ? top.rule.patterns : grammar.patterns);
      let best: { m: RegExpExecArray; rule: Rule | "end" } | undefined;
      if (top) {
        const re = compile(top.rule.end!);
        re.lastIndex = pos;
        const m = re.exec(line);
        if (m) best = { m, rule: "end" };
      }
      for (const rule of candidates) {
        const re = compile((rule.match ?? rule.begin)!);
        re.lastIndex = pos;
        const m = re.exec(line);
        if (m && (!best || m.index < best.m.index)) best = { m, rule };
      }
      if (!best) {
        emit(pos, line.length, scopes);
        break;
      }
      const { m, rule } = best;
      emit(pos, m.index, scopes);
      if (rule === "end") {
        emitMatch(m, scopes, top!.rule.endCaptures ?? top!.rule.captures);
        stack.pop();
      } else if (rule.match !== undefined) {
        emitMatch(m, rule.name ? [...scopes, rule.name] : scopes, rule.captures);
      } else {
        const inner = rule.name ? [...scopes, rule.name] : scopes;
        emitMatch(m, inner, rule.beginCaptures ?? rule.captures);
        stack.push({ rule, scopes: inner });
      }
      const next = m.index + m[0].length;
      if (next === pos && m[0].length === 0) {
        emit(pos, pos + 1, scopes);
        pos += 1;
      } else {
        pos = next;
      }
    }
    lineStart += line.length + 1;
  }
  return tokens;
}

/** The innermost scope at a whole word of a text (its `occurrence`-th, from 0). */
function scopeOf(text: string, word: string, occurrence = 0): string {
  const matches = [
    ...text.matchAll(
      new RegExp(`(?<![A-Za-z0-9_])${word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![A-Za-z0-9_])`, "g"),
    ),
  ];
  const at = matches[occurrence]?.index;
  if (at === undefined) throw new Error(`\`${word}\` is not in ${JSON.stringify(text)}`);
  const token = tokenize(text).find((t) => t.start <= at && at < t.end);
  return token ? token.scopes[token.scopes.length - 1] : "source.game";
}

const CATEGORIES: Record<string, { words: string[]; scope: RegExp }> = {
  declarations: {
    words: [
      "game",
      "param",
      "horizon",
      "phases",
      "teams",
      "state",
      "role",
      "rule",
      "payoff",
      "step",
      "metric",
      "bot",
      "train",
      "action",
      "observe",
      "objective",
      "team",
    ],
    scope: /^keyword\.declaration\./,
  },
  control: {
    words: ["let", "if", "then", "else", "match", "for", "in", "where", "when", "enact", "repeal", "end", "play"],
    scope: /^keyword\.control\./,
  },
  operators: { words: ["and", "or", "not"], scope: /^keyword\.operator\.logical\./ },
  constants: {
    words: ["true", "false", "self", "round", "phase", "last", "noop"],
    scope: /^(constant\.language|variable\.language|support\.function)\./,
  },
  types: { words: ["int", "real", "bool"], scope: /^storage\.type\.primitive\./ },
  rules: { words: ["starts", "active"], scope: /^keyword\.other\./ },
};

const KEYWORD_SCOPE = /^(keyword|storage\.type|constant\.language|variable\.language|support\.function)\./;

describe("the TextMate grammar", () => {
  it("is valid JSON for source.game whose regexes compile and whose includes resolve", () => {
    expect(grammar.scopeName).toBe("source.game");
    const regexes = grammarRegexes();
    expect(regexes.length).toBeGreaterThan(30);
    for (const { where, source } of regexes) {
      // Oniguruma-only syntax would not compile here: this grammar keeps to the common subset.
      expect(() => new RegExp(source), where).not.toThrow();
      expect(source, where).not.toMatch(/\\[GhHAzZ]|\(\?[>~]|\(\?[imx]+[-:)]/);
    }
    expect(() => expand(grammar.patterns)).not.toThrow();
    for (const rule of Object.values(grammar.repository as Record<string, Rule>))
      expect(() => expand(rule.patterns)).not.toThrow();
  });

  it("sorts every reserved word of the language into its category", () => {
    const listed = Object.values(CATEGORIES).flatMap((c) => c.words);
    expect([...listed].sort()).toEqual([...RESERVED_WORDS].sort());
    for (const [category, { words, scope }] of Object.entries(CATEGORIES)) {
      for (const word of words) {
        expect(scopeOf(word, word), `${word} (${category})`).toMatch(scope);
        expect(scopeOf(`x ${word} y`, word), `${word} (${category}) between words`).toMatch(KEYWORD_SCOPE);
      }
    }
    // Whole words only, and any word may follow a `.`.
    expect(scopeOf("index integer teams_a rounds", "integer")).toBe("source.game");
    expect(scopeOf("a.team == self.team", "team")).toBe("variable.other.property.game");
    expect(scopeOf("match c.action {", "action")).toBe("variable.other.property.game");
  });

  it("highlights declared names, built-ins, numbers, operators and comments", () => {
    expect(scopeOf("game PublicGoods {", "PublicGoods")).toMatch(/^entity\.name\.type\./);
    expect(scopeOf("  role citizen * n {", "citizen")).toMatch(/^entity\.name\.type\./);
    expect(scopeOf("  rule sanctions { }", "sanctions")).toMatch(/^entity\.name\./);
    expect(scopeOf("  param fine: real = 3", "fine")).toMatch(/^entity\.name\./);
    expect(scopeOf("  state offered: int = 0", "offered")).toMatch(/^entity\.name\./);
    expect(scopeOf("  metric punishing = 1", "punishing")).toMatch(/^entity\.name\./);
    expect(scopeOf("  bot tit_for_tat for player {", "tit_for_tat")).toMatch(/^entity\.name\.function\./);
    expect(scopeOf("  bot tit_for_tat for player {", "player")).toMatch(/^entity\.name\.type\./);
    expect(scopeOf("    action contribute(x: 0..10)", "contribute")).toMatch(/^entity\.name\.function\./);
    expect(scopeOf("  step respond {", "respond")).toMatch(/^entity\.name\.function\./);
    for (const f of [
      "min",
      "max",
      "abs",
      "floor",
      "clamp",
      "exp",
      "log",
      "sqrt",
      "random",
      "bernoulli",
      "randint",
      "size",
      "sum",
      "mean",
      "count",
      "any",
      "all",
    ]) {
      expect(scopeOf(`x = ${f}(a)`, f), f).toBe("support.function.builtin.game");
    }
    expect(scopeOf("state count: int = 0", "count")).toMatch(/^entity\.name\./);
    for (const n of ["3", "0.25", "1e6", "2.5e-3", "1E+9"])
      expect(scopeOf(`x = ${n}`, n), n).toMatch(/^constant\.numeric\./);
    expect(tokenize("x: 1..10").map((t) => [t.text, t.scopes.at(-1)])).toEqual([
      ["x", "source.game"],
      [":", "punctuation.separator.colon.game"],
      [" ", "source.game"],
      ["1", "constant.numeric.integer.game"],
      ["..", "keyword.operator.range.game"],
      ["10", "constant.numeric.integer.game"],
    ]);
    for (const op of [
      "=>",
      "==",
      "!=",
      "<=",
      ">=",
      "<",
      ">",
      "=",
      "+=",
      "-=",
      "*=",
      "/=",
      "+",
      "-",
      "*",
      "/",
      "%",
      "..",
    ]) {
      const tokens = tokenize(`a ${op} b`).filter((t) => t.text.trim() !== "");
      expect(
        tokens.map((t) => t.text.trim()),
        op,
      ).toEqual(["a", op, "b"]);
      expect(tokens[1].scopes.at(-1), op).toMatch(/^keyword\.operator\./);
    }
    expect(scopeOf("x = 1 // a comment with game and 3", "game")).toBe("comment.line.double-slash.game");
    const block = tokenize("a /* one\n game two */ b");
    expect(block.find((t) => t.text.includes("game"))!.scopes).toContain("comment.block.game");
    expect(block.at(-1)!.scopes.at(-1)).toBe("source.game");
    expect(scopeOf("rule high_tax { starts active  multiplier = 2.5 }", "starts")).toMatch(/^keyword\.other\./);
    expect(scopeOf("train {\n  steps 200000\n  opponents [self, grim]\n}", "steps")).toBe(
      "variable.other.property.train-key.game",
    );
  });

  it("agrees with the language's lexer on every example scenario", () => {
    const dir = path.join(root, "examples");
    const files = readdirSync(dir).filter((f) => f.endsWith(".game"));
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const text = readFileSync(path.join(dir, file), "utf8").replace(/\r\n/g, "\n");
      const tokens = tokenize(text);
      const scopeAt = (offset: number) => tokens.find((t) => t.start <= offset && offset < t.end)?.scopes ?? [];
      const lexed = gameLexer.tokenize(text);
      let previous = "";
      let keywords = 0;
      for (const token of lexed.tokens) {
        const scopes = scopeAt(token.startOffset);
        const where = `${file}:${token.startOffset} \`${token.image}\``;
        const isKeyword =
          (RESERVED_WORDS as readonly string[]).includes(token.image) && token.tokenType.name !== "Identifier";
        if (isKeyword) keywords++;
        if (isKeyword && previous !== "Dot") expect(scopes.at(-1), where).toMatch(KEYWORD_SCOPE);
        if (isKeyword && previous === "Dot") expect(scopes.at(-1), where).toBe("variable.other.property.game");
        if (token.tokenType.name === "Number") expect(scopes.at(-1), where).toMatch(/^constant\.numeric\./);
        expect(
          scopes.some((s) => s.startsWith("comment.")),
          where,
        ).toBe(false);
        previous = token.tokenType.name;
      }
      expect(keywords, file).toBeGreaterThan(10);
      for (const comment of lexed.groups.comments ?? []) {
        expect(
          scopeAt(comment.startOffset).some((s) => s.startsWith("comment.")),
          `${file}:${comment.startOffset}`,
        ).toBe(true);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// The manifest, the language configuration and the snippets.

describe("the extension manifest", () => {
  it("names the extension and activates on the language and the commands", () => {
    expect(manifest).toMatchObject({
      name: "agora-game",
      publisher: "agora",
      version: AGORA_VERSION,
      main: "./dist/extension.js",
      engines: { vscode: "^1.82.0" },
    });
    expect(manifest.activationEvents).toEqual(
      expect.arrayContaining([
        "onLanguage:game",
        "onCommand:agora.check",
        "onCommand:agora.compile",
        "onCommand:agora.train",
        "onCommand:agora.analyze",
      ]),
    );
    expect(
      manifest.contributes.commands.map(
        (c: { command: string; category: string; title: string }) => `${c.category}: ${c.title}`,
      ),
    ).toEqual([
      "Agora: Check the current scenario",
      "Agora: Compile the current scenario",
      "Agora: Train the current scenario",
      "Agora: Analyze the current scenario as a game",
    ]);
  });

  it("references files that exist and agree with each other", () => {
    const file = (p: string) => path.join(extensionDir, p);
    expect(existsSync(file(manifest.main))).toBe(true);
    const [language] = manifest.contributes.languages;
    expect(language.id).toBe("game");
    expect(language.extensions).toContain(".game");
    expect(language.aliases.length).toBeGreaterThan(0);
    expect(existsSync(file(language.configuration))).toBe(true);
    for (const g of manifest.contributes.grammars) {
      expect(g.language).toBe("game");
      expect(JSON.parse(readFileSync(file(g.path), "utf8")).scopeName).toBe(g.scopeName);
    }
    for (const s of manifest.contributes.snippets) expect(existsSync(file(s.path))).toBe(true);
    const commands = manifest.contributes.commands.map((c: { command: string }) => c.command);
    for (const menu of Object.values(manifest.contributes.menus) as { command: string }[][]) {
      for (const item of menu) expect(commands).toContain(item.command);
    }
  });

  it("has a language configuration with comments, brackets, pairs, indentation and words", () => {
    const config = JSON.parse(readFileSync(path.join(extensionDir, "language-configuration.json"), "utf8"));
    expect(config.comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    expect(config.brackets).toEqual([
      ["{", "}"],
      ["[", "]"],
      ["(", ")"],
    ]);
    expect(config.autoClosingPairs.map((p: { open: string }) => p.open)).toEqual(
      expect.arrayContaining(["{", "[", "("]),
    );
    expect(config.surroundingPairs.length).toBe(3);
    const increase = new RegExp(config.indentationRules.increaseIndentPattern);
    const decrease = new RegExp(config.indentationRules.decreaseIndentPattern);
    expect(increase.test("  role player * 2 {")).toBe(true);
    expect(increase.test("  rule sanctions { }")).toBe(false);
    expect(increase.test("  // a comment {")).toBe(false);
    expect(decrease.test("  }")).toBe(true);
    const word = new RegExp(`^(?:${config.wordPattern})$`);
    for (const w of ["multiplier", "_x1", "tit_for_tat", "2.5e-3"]) expect(word.test(w), w).toBe(true);
    expect(word.test("a.b")).toBe(false);
  });

  it("has snippets that expand into scenarios that check", () => {
    const snippets = JSON.parse(readFileSync(path.join(extensionDir, "snippets", "game.json"), "utf8")) as Record<
      string,
      { prefix: string; body: string[] }
    >;
    const expandSnippet = (prefix: string) => {
      const snippet = Object.values(snippets).find((s) => s.prefix === prefix);
      if (!snippet) throw new Error(`no snippet ${prefix}`);
      let text = snippet.body.join("\n").replace(/\t/g, "  ");
      // Placeholders `${n:default}` (innermost first), then tab stops `$n`.
      for (let before = ""; before !== text;) {
        before = text;
        text = text.replace(/\$\{\d+:([^${}]*)\}/g, "$1");
      }
      return text.replace(/\$\d+/g, "");
    };
    expect(
      Object.values(snippets)
        .map((s) => s.prefix)
        .sort(),
    ).toEqual(["bot", "game", "payoff", "role", "rule", "step", "train"]);
    const clean = (text: string) => {
      const errors = checkText(text).diagnostics.filter((d) => d.severity === "error");
      expect(
        errors.map((d) => `${d.code} ${d.message}`),
        text,
      ).toEqual([]);
    };
    clean(expandSnippet("game"));
    clean(`game A {\n  horizon 5\n${expandSnippet("role")}\n${expandSnippet("step")}\n}`);
    clean(
      `game B {\n  horizon 5\n  role player * 2 { action cooperate  action defect }\n${expandSnippet("payoff")}\n${expandSnippet("bot")}\n${expandSnippet("rule")}\n${expandSnippet("train")}\n}`,
    );
  });
});

// ---------------------------------------------------------------------------------------
// The client bundle, loaded with a stand-in for the `vscode` module.

describe("the extension client", () => {
  it("starts the bundled server and registers the commands, which save the scenario and run the CLI in a terminal", async () => {
    const registered = new Map<string, (...args: unknown[]) => unknown>();
    const sent: string[] = [];
    const logged: string[] = [];
    const providers = new Set<string>();
    const errors: string[] = [];
    const terminals: { name: string; cwd: string }[] = [];
    const open: { name: string; exitStatus: undefined; show(): void; sendText(text: string): void }[] = [];
    let saved = 0;
    const folder = path.join(tmp, "workspace");
    const file = path.join(folder, "games", "my game.game");
    const document = {
      languageId: "game",
      fileName: file,
      isUntitled: false,
      isDirty: true,
      uri: { scheme: "file", fsPath: file },
      save: async () => {
        saved++;
        return true;
      },
    };
    let editor: { document: Partial<typeof document> } | undefined = { document };
    // Whatever the language client touches beyond this answers with a harmless stand-in.
    const anything: unknown = new Proxy(function () {}, {
      get: (_t, key) => (key === "then" ? undefined : key === Symbol.iterator ? [][Symbol.iterator] : anything),
      apply: () => anything,
      construct: () => anything as object,
    });
    const stub = (target: Record<string, unknown>): unknown =>
      new Proxy(target, { get: (t, key) => (key in t ? t[key as string] : anything) });
    const vscode = stub({
      version: "1.82.0",
      commands: stub({
        registerCommand: (name: string, handler: (...args: unknown[]) => unknown) => {
          registered.set(name, handler);
          return { dispose() {} };
        },
      }),
      window: stub({
        get activeTextEditor() {
          return editor;
        },
        terminals: open,
        createOutputChannel: () =>
          stub({
            appendLine: (l: string) => void logged.push(l),
            append: (l: string) => void logged.push(l),
            show() {},
            dispose() {},
          }),
        createTerminal: (options: { name: string; cwd: string }) => {
          terminals.push(options);
          open.push({
            name: options.name,
            exitStatus: undefined,
            show() {},
            sendText: (text: string) => void sent.push(text),
          });
          return open[open.length - 1];
        },
        showErrorMessage: async (message: string) => void errors.push(message),
      }),
      languages: new Proxy({} as Record<string, unknown>, {
        get: (_t, key) =>
          typeof key === "string" && key.startsWith("register")
            ? () => {
                providers.add(key);
                return { dispose() {} };
              }
            : anything,
      }),
      workspace: stub({
        getWorkspaceFolder: () => ({ uri: { fsPath: folder } }),
        getConfiguration: () => ({ get: (_key: string, fallback: unknown) => fallback }),
      }),
    });

    // Load the CommonJS bundle with `vscode` resolved to the stand-in.
    const load = (Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown })._load;
    (Module as unknown as { _load: typeof load })._load = (request, ...rest) =>
      request === "vscode" ? vscode : load(request, ...rest);
    let extension: { activate: (context: unknown) => Promise<void>; deactivate: () => Promise<void> };
    try {
      extension = createRequire(import.meta.url)(clientBundle);
    } finally {
      (Module as unknown as { _load: typeof load })._load = load;
    }
    expect(typeof extension.activate).toBe("function");
    expect(typeof extension.deactivate).toBe("function");

    const context = { subscriptions: [] as unknown[], asAbsolutePath: (p: string) => path.join(extensionDir, p) };
    const activated = await Promise.race([
      extension.activate(context).then(() => "activated"),
      new Promise((resolve) => setTimeout(() => resolve("timed out"), 10_000)),
    ]);
    expect(activated).toBe("activated");
    expect([...registered.keys()].sort()).toEqual(["agora.analyze", "agora.check", "agora.compile", "agora.train"]);
    // The real vscode-languageclient forked dist/server.js over Node IPC, initialized it and
    // registered a provider for each capability the server announced.
    for (const feature of [
      "Completion",
      "Hover",
      "Definition",
      "Reference",
      "Rename",
      "DocumentSymbol",
      "DocumentFormattingEdit",
      "CodeActions",
      "DocumentSemanticTokens",
      "FoldingRange",
      "SignatureHelp",
      "InlayHints",
      "CodeLens",
    ]) {
      expect([...providers], feature).toContain(`register${feature}${feature === "Completion" ? "Item" : ""}Provider`);
    }

    await registered.get("agora.check")!();
    await registered.get("agora.train")!();
    expect(saved).toBe(2);
    const shown = path.join("games", "my game.game");
    const quoted = `"${shown}"`;
    expect(sent).toEqual([`npx agora check ${quoted}`, `npx agora train ${quoted}`]);
    expect(terminals).toEqual([{ name: "Agora: workspace", cwd: folder }]);
    expect(errors).toEqual([]);

    // Not on a saved .game file: a message, and nothing runs.
    editor = { document: { ...document, languageId: "typescript", fileName: path.join(folder, "x.ts") } };
    await registered.get("agora.compile")!();
    editor = { document: { ...document, isUntitled: true, uri: { scheme: "untitled", fsPath: "Untitled-1" } } };
    await registered.get("agora.compile")!();
    editor = undefined;
    await registered.get("agora.compile")!();
    expect(errors).toEqual([
      "Agora: open a .game scenario to compile it.",
      "Agora: save the scenario to a file before you compile it.",
      "Agora: open a .game scenario to compile it.",
    ]);
    expect(sent.length).toBe(2);
    const stopped = await Promise.race([
      extension.deactivate().then(() => "stopped"),
      new Promise((resolve) => setTimeout(() => resolve("timed out"), 10_000)),
    ]);
    expect(stopped).toBe("stopped");
    expect(logged.filter((line) => /error|did not start/i.test(line))).toEqual([]);
  });
});
