import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LspClient } from "./support/lsp-client.js";
import { exampleFiles, prng, repoRoot } from "./support/sources.js";

const SOURCE = `game Demo {
  param fine: real = 3
  horizon 10
  role player * 2 {
    action cooperate
    action defect
    observe last(self.action)
  }
  step {
    for p in player {
      if p.action == defect { p.reward -= fien }
    }
  }
}
`;
const uri = "file:///work/demo.game";
type Position = { line: number; character: number };
const at = (text: string, needle: string, offset = 0): Position => {
  const index = text.indexOf(needle) + offset;
  const before = text.slice(0, index).split("\n");
  return { line: before.length - 1, character: before[before.length - 1].length };
};

describe("the language server over stdio", () => {
  const client = new LspClient();
  let text = SOURCE;

  beforeAll(async () => {
    const init = await client.initialize();
    expect(init.capabilities).toMatchObject({
      hoverProvider: true,
      definitionProvider: true,
      renameProvider: { prepareProvider: true },
      textDocumentSync: { change: 2 },
    });
  });

  afterAll(async () => {
    if (client.process.exitCode === null) await client.stop();
  });

  it("publishes diagnostics when a document opens", async () => {
    const published = client.diagnostics(uri, 1);
    await client.open(uri, text);
    const { diagnostics } = await published;
    expect(diagnostics.map((d) => [d.code, d.message.split("\n")[0]])).toEqual([
      ["W0001", "param `fine` is never used"],
      ["E0101", "unknown name `fien`"],
    ]);
    expect(diagnostics[1].range.start).toEqual(at(text, "fien"));
    expect(diagnostics[1].message).toContain("hint: did you mean `fine`?");
  });

  it("updates them after an incremental change", async () => {
    const start = at(text, "fien");
    const published = client.diagnostics(uri, 2);
    await client.change(uri, 2, [
      { range: { start, end: { line: start.line, character: start.character + 4 } }, text: "fine" },
    ]);
    text = text.replace("fien", "fine");
    expect((await published).diagnostics).toEqual([]);
  });

  it("completes a role's actions after `p.action ==`", async () => {
    const list = await client.request<{ items: { label: string }[] }>("textDocument/completion", {
      textDocument: { uri },
      position: at(text, "defect {", 0),
    });
    expect(list.items.map((i) => i.label)).toEqual(expect.arrayContaining(["cooperate", "defect"]));
  });

  it("hovers, goes to definitions and finds references", async () => {
    const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri },
      position: at(text, "fine }"),
    });
    expect(hover.contents.value).toContain("fine");
    expect(hover.contents.value).toContain("real");
    const definition = await client.request<{ range: { start: Position } }[]>("textDocument/definition", {
      textDocument: { uri },
      position: at(text, "fine }"),
    });
    expect(definition[0].range.start).toEqual(at(text, "fine: real"));
    const references = await client.request<unknown[]>("textDocument/references", {
      textDocument: { uri },
      position: at(text, "defect {"),
      context: { includeDeclaration: true },
    });
    expect(references).toHaveLength(2);
  });

  it("explains why a name cannot be renamed", async () => {
    await expect(
      client.request("textDocument/prepareRename", { textDocument: { uri }, position: at(text, "horizon") }),
    ).rejects.toThrow(/reserved word/);
  });

  it("renames across the document", async () => {
    const edit = await client.request<{ changes: Record<string, { newText: string }[]> }>("textDocument/rename", {
      textDocument: { uri },
      position: at(text, "player {", 1),
      newName: "citizen",
    });
    expect(edit.changes[uri].map((e) => e.newText)).toEqual(["citizen", "citizen"]);
  });

  it("warns of strictly dominated actions in one-shot games, and names the equilibria above the table", async () => {
    const pd = readFileSync(join(repoRoot, "examples/prisoners_dilemma.game"), "utf8");
    const pdUri = "file:///work/pd.game";
    const published = client.diagnostics(pdUri, 1);
    await client.open(pdUri, pd);
    const { diagnostics } = await published;
    expect(diagnostics.map((d) => [d.code, d.message])).toEqual([
      [
        "W0008",
        "action `cooperate` of `player` is strictly dominated by `defect`: a payoff-maximising player never takes it",
      ],
    ]);
    const lenses = await client.request<{ command: { title: string } }[]>("textDocument/codeLens", {
      textDocument: { uri: pdUri },
    });
    expect(lenses[0].command.title).toContain("prisoners_dilemma");
    expect(lenses[0].command.title).toContain("(defect, defect)");
  });

  it("formats the document", async () => {
    const messy = "game  M {role p*2{action a action b}\n}\n";
    const other = "file:///work/messy.game";
    await client.open(other, messy);
    const edits = await client.request<{ range: { start: Position; end: Position }; newText: string }[]>(
      "textDocument/formatting",
      { textDocument: { uri: other }, options: { tabSize: 2, insertSpaces: true } },
    );
    expect(edits.length).toBeGreaterThan(0);
    expect(edits.map((e) => e.newText).join("")).toContain("role p * 2 {");
  });

  it("survives random edits with requests interleaved, answering every request", async () => {
    const rand = prng(42);
    const sources = exampleFiles().map((f) => f.code);
    const fuzzUri = "file:///work/fuzz.game";
    let current = sources[0];
    await client.open(fuzzUri, current);
    const methods = [
      "textDocument/hover",
      "textDocument/completion",
      "textDocument/definition",
      "textDocument/documentSymbol",
      "textDocument/semanticTokens/full",
      "textDocument/formatting",
      "textDocument/codeAction",
      "textDocument/foldingRange",
      "textDocument/signatureHelp",
      "textDocument/inlayHint",
      "textDocument/codeLens",
    ];
    const answered: Promise<unknown>[] = [];
    for (let version = 2; version < 250; version++) {
      const lines = current.split("\n");
      const line = Math.floor(rand() * lines.length);
      const character = Math.floor(rand() * (lines[line].length + 1));
      const kind = rand();
      let change: { range?: unknown; text: string };
      if (kind < 0.05) {
        current = sources[Math.floor(rand() * sources.length)];
        change = { text: current };
      } else if (kind < 0.55) {
        const inserted = ["{", "}", "(", ")", "x", " ", "\n", "=>", "role", "match", ".", ",", "/*"][
          Math.floor(rand() * 13)
        ];
        change = { range: { start: { line, character }, end: { line, character } }, text: inserted };
        lines[line] = lines[line].slice(0, character) + inserted + lines[line].slice(character);
        current = lines.join("\n");
      } else {
        const end = Math.min(lines[line].length, character + 1 + Math.floor(rand() * 5));
        change = { range: { start: { line, character }, end: { line, character: end } }, text: "" };
        lines[line] = lines[line].slice(0, character) + lines[line].slice(end);
        current = lines.join("\n");
      }
      await client.change(fuzzUri, version, [change]);
      const method = methods[Math.floor(rand() * methods.length)];
      const position = { line: Math.floor(rand() * (lines.length + 2)), character: Math.floor(rand() * 40) };
      answered.push(
        client.request(method, {
          textDocument: { uri: fuzzUri },
          position,
          range: { start: position, end: position },
          options: { tabSize: 2, insertSpaces: true },
          context: { diagnostics: [] },
        }),
      );
    }
    const results = await Promise.allSettled(answered);
    expect(results.every((r) => r.status === "fulfilled")).toBe(true);
    expect(client.process.exitCode).toBeNull();
    // And it still works: the final text's diagnostics arrive. The version is one no edit
    // above used, so only the publish for this text can satisfy the waiter.
    const finalVersion = 250;
    const finalDiagnostics = client.diagnostics(fuzzUri, finalVersion);
    await client.change(fuzzUri, finalVersion, [
      { text: readFileSync(join(repoRoot, "examples/public_goods.game"), "utf8") },
    ]);
    expect((await finalDiagnostics).diagnostics).toEqual([]);
  });

  it("answers requests that come out of order", async () => {
    const ghost = "file:///work/never-opened.game";
    expect(
      await client.request("textDocument/hover", { textDocument: { uri: ghost }, position: { line: 0, character: 0 } }),
    ).toBeNull();
    expect(
      await client.request("textDocument/completion", {
        textDocument: { uri: ghost },
        position: { line: 3, character: 9 },
      }),
    ).toBeNull();
    // A change to a document that was never opened, then one that was closed.
    await client.change(ghost, 7, [
      { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, text: "game" },
    ]);
    const closed = "file:///work/closed.game";
    await client.open(closed, SOURCE);
    await client.connection.sendNotification("textDocument/didClose", { textDocument: { uri: closed } });
    expect(
      await client.request("textDocument/definition", {
        textDocument: { uri: closed },
        position: { line: 1, character: 9 },
      }),
    ).toEqual([]);
    expect(client.process.exitCode).toBeNull();
  });

  it("refuses a rename to a name that is not a valid identifier, saying why", async () => {
    const position = at(text, "player {", 1);
    await expect(
      client.request("textDocument/rename", { textDocument: { uri }, position, newName: "two words" }),
    ).rejects.toThrow(/is not a valid name/);
    await expect(
      client.request("textDocument/rename", { textDocument: { uri }, position, newName: "horizon" }),
    ).rejects.toThrow(/reserved word/);
    await expect(
      client.request("textDocument/rename", { textDocument: { uri }, position, newName: 42 }),
    ).rejects.toThrow(/must be a string/);
  });

  it("skips the game analysis of a huge document and says so in the hover", async () => {
    const pd = readFileSync(join(repoRoot, "examples/prisoners_dilemma.game"), "utf8");
    const huge = pd + `\n// ${"padding ".repeat(40_000)}\n`;
    const hugeUri = "file:///work/huge.game";
    const published = client.diagnostics(hugeUri, 1);
    await client.open(hugeUri, huge);
    // No W0008: the analysis did not run.
    expect((await published).diagnostics).toEqual([]);
    const hover = await client.request<{ contents: { value: string } }>("textDocument/hover", {
      textDocument: { uri: hugeUri },
      position: at(huge, "PrisonersDilemma"),
    });
    expect(hover.contents.value).toMatch(/analysis skipped in the editor: the document is 3\d\d KB \(limit 200 KB\)/i);
  });

  it("shuts down and exits cleanly", async () => {
    expect(await client.stop()).toBe(0);
    expect(client.stderr).toBe("");
  });
});

describe("the test client", () => {
  it("fails a pending request and a later wait at once when the server dies, with its stderr", async () => {
    // A "server" that reads one message's worth of nothing, complains and dies.
    const client = new LspClient([
      process.execPath,
      "-e",
      "process.stderr.write('server fell over'); setTimeout(() => process.exit(3), 200)",
    ]);
    await expect(client.request("initialize", { capabilities: {} })).rejects.toThrow(/exited \(code 3\)/);
    // A wait begun after the exit fails at once too (were it left pending, the test would time out).
    await expect(client.diagnostics(uri)).rejects.toThrow(/server fell over/);
  });
});

describe("the language server with a misbehaving client", () => {
  it("answers requests before `initialize` with error -32002", async () => {
    const client = new LspClient();
    await expect(
      client.request("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 0 } }),
    ).rejects.toMatchObject({ code: -32002 });
    await client.initialize();
    expect(
      await client.request("textDocument/hover", { textDocument: { uri }, position: { line: 0, character: 0 } }),
    ).toBeNull();
    expect(await client.stop()).toBe(0);
  });

  /** Sends raw bytes to a fresh server and resolves with its exit code and stderr; it must exit within 10 s. */
  function rawSession(
    bytes: string,
    env: Record<string, string> = {},
  ): Promise<{ code: number | null; stderr: string }> {
    const server = spawn(process.execPath, [join(repoRoot, "bin/agora.js"), "lsp", "--stdio"], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    server.stderr.on("data", (chunk) => (stderr += String(chunk)));
    server.stdout.resume();
    const message = (body: object) => {
      const json = JSON.stringify({ jsonrpc: "2.0", ...body });
      return `Content-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}`;
    };
    // A well-formed initialize first, then the broken bytes; stdin stays open, as an editor's would.
    server.stdin.write(
      message({ id: 1, method: "initialize", params: { processId: null, rootUri: null, capabilities: {} } }) + bytes,
    );
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        server.kill("SIGKILL");
        reject(new Error(`the server hung on broken framing; stderr: ${stderr}`));
      }, 10_000);
      server.once("exit", (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
  }

  it("exits non-zero with a message on a header without Content-Length", async () => {
    const { code, stderr } = await rawSession("Garbage: yes\r\nMore-Garbage\r\n\r\n{}");
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/^agora lsp: broken message framing: .+; exiting$/m);
  });

  it("exits non-zero with a message on a Content-Length shorter than the body", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "shutdown" });
    const { code, stderr } = await rawSession(`Content-Length: 7\r\n\r\n${body}`);
    expect(code).not.toBe(0);
    expect(stderr).toContain("agora lsp: broken message framing");
  });

  it("exits non-zero with a message on a Content-Length longer than the body that comes", async () => {
    const body = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "shutdown" });
    const { code, stderr } = await rawSession(`Content-Length: 100000\r\n\r\n${body}`, {
      AGORA_LSP_STALLED_MESSAGE_MS: "300",
    });
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/broken message framing: a message's body stopped arriving/);
  });
});
