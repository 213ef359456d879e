import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node.js";
import { repoRoot } from "./sources.js";

export interface PublishedDiagnostics {
  uri: string;
  version?: number;
  diagnostics: {
    range: { start: { line: number; character: number }; end: { line: number; character: number } };
    code: string;
    message: string;
    severity: number;
  }[];
}

/** The language server as an editor sees it: a child process speaking JSON-RPC over stdio. */
export class LspClient {
  readonly process: ChildProcess;
  readonly connection: MessageConnection;
  private readonly waiters: {
    uri: string;
    version?: number;
    resolve: (p: PublishedDiagnostics) => void;
    reject: (e: Error) => void;
  }[] = [];
  /** Set once the server process has exited: every later wait or request fails at once. */
  exited: Error | undefined;
  private readonly whenExited: Promise<never>;
  readonly published: PublishedDiagnostics[] = [];
  stderr = "";

  constructor(command: string[] = [process.execPath, join(repoRoot, "bin/agora.js"), "lsp", "--stdio"]) {
    this.process = spawn(command[0], command.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    this.process.stderr!.on("data", (chunk) => (this.stderr += String(chunk)));
    // A server that dies fails the test now, with its stderr, rather than at the timeout.
    this.whenExited = new Promise<never>((_, reject) =>
      this.process.once("exit", (code, signal) => {
        this.exited = new Error(
          `the language server exited (${signal ?? `code ${code}`})${this.stderr ? `:\n${this.stderr}` : ""}`,
        );
        for (const w of this.waiters.splice(0)) w.reject(this.exited);
        reject(this.exited);
      }),
    );
    // Only a pending wait or request cares; an exit after `stop` is expected.
    this.whenExited.catch(() => {});
    this.connection = createMessageConnection(
      new StreamMessageReader(this.process.stdout!),
      new StreamMessageWriter(this.process.stdin!),
    );
    this.connection.onNotification("textDocument/publishDiagnostics", (p: PublishedDiagnostics) => {
      this.published.push(p);
      for (const w of [...this.waiters]) {
        if (w.uri === p.uri && (w.version === undefined || p.version === w.version)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
    this.connection.onNotification("window/logMessage", () => {});
    this.connection.listen();
  }

  async initialize() {
    const result = await this.request<{ capabilities: Record<string, unknown> }>("initialize", {
      processId: process.pid,
      rootUri: null,
      capabilities: {},
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  /** Resolves with the next diagnostics published for `uri` (at `version`, if given). */
  diagnostics(uri: string, version?: number): Promise<PublishedDiagnostics> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => this.waiters.push({ uri, version, resolve, reject }));
  }

  open(uri: string, text: string, version = 1) {
    return this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "game", version, text },
    });
  }

  change(uri: string, version: number, contentChanges: unknown[]) {
    return this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges,
    });
  }

  request<T>(method: string, params: unknown): Promise<T> {
    if (this.exited) return Promise.reject(this.exited);
    return Promise.race([this.connection.sendRequest<T>(method, params), this.whenExited]);
  }

  /** Shuts the server down politely and resolves with its exit code. */
  async stop(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.process.once("exit", (code) => resolve(code)));
    await this.connection.sendRequest("shutdown");
    await this.connection.sendNotification("exit");
    const code = await exited;
    this.connection.dispose();
    return code;
  }
}
