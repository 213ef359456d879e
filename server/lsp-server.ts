/**
 * The Language Server Protocol transport around the pure language service
 * (`language/service`), with the game analysis registered as a contribution. It only
 * converts: plain service answers to LSP types. It debounces diagnostics per document, honours
 * cancellation, and never lets a failing request take the process down: a request whose
 * handler throws is answered with an empty result and the error goes to the client's log.
 */
import {
  CodeActionKind,
  CompletionItemKind,
  createConnection,
  DiagnosticSeverity,
  ErrorCodes,
  InsertTextFormat,
  LSPErrorCodes,
  ProposedFeatures,
  ResponseError,
  SymbolKind,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type InitializeResult,
} from "vscode-languageserver/node.js";
import { StreamMessageReader, StreamMessageWriter } from "vscode-jsonrpc/node.js";
import * as service from "../language/service/index.js";
import { AGORA_VERSION } from "../language/version.js";
import type { CompletionKind, ServiceDiagnostic, SymbolKindName } from "../language/service/types.js";
import { analysisContribution } from "../analysis/service-contribution.js";

/** Quiet time after an edit before diagnostics are computed: it merges a burst of changes into one check. */
const DIAGNOSTICS_DELAY_MS = 15;

const COMPLETION_KINDS: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  snippet: CompletionItemKind.Snippet,
  param: CompletionItemKind.Constant,
  state: CompletionItemKind.Variable,
  rule: CompletionItemKind.EnumMember,
  role: CompletionItemKind.Class,
  team: CompletionItemKind.EnumMember,
  phase: CompletionItemKind.EnumMember,
  bot: CompletionItemKind.Module,
  action: CompletionItemKind.Method,
  field: CompletionItemKind.Field,
  variable: CompletionItemKind.Variable,
  function: CompletionItemKind.Function,
  aggregate: CompletionItemKind.Function,
  type: CompletionItemKind.TypeParameter,
  trainKey: CompletionItemKind.Property,
};

const SYMBOL_KINDS: Record<string, SymbolKind> = {
  game: SymbolKind.Module,
  param: SymbolKind.Constant,
  state: SymbolKind.Variable,
  rule: SymbolKind.Boolean,
  role: SymbolKind.Class,
  action: SymbolKind.Method,
  agentState: SymbolKind.Field,
  team: SymbolKind.EnumMember,
  phase: SymbolKind.EnumMember,
  metric: SymbolKind.Property,
  bot: SymbolKind.Function,
  step: SymbolKind.Event,
  payoff: SymbolKind.Struct,
  train: SymbolKind.Object,
  horizon: SymbolKind.Number,
};

const SEVERITY: Record<ServiceDiagnostic["severity"], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

function symbolKind(kind: SymbolKindName | string): SymbolKind {
  return SYMBOL_KINDS[kind] ?? SymbolKind.Variable;
}

/** The service's diagnostics (the analysis contributes W0008), in LSP's shape. */
function diagnosticsOf(doc: service.GameDocument) {
  return service.getDiagnostics(doc).map((d) => ({
    range: d.range,
    severity: SEVERITY[d.severity],
    code: d.code,
    source: "agora",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    relatedInformation: d.relatedInformation,
  }));
}

/** Connections whose client has sent `initialize`: before it, every request is refused (LSP §initialize). */
const initializedConnections = new WeakSet<Connection>();

/**
 * Wraps a handler: before `initialize` an error -32002, cancellation gives null, a throw gives `fallback` and a log
 * line.
 */
function guarded<P, R>(
  connection: Connection,
  name: string,
  fallback: R,
  handler: (params: P, token: CancellationToken) => R,
) {
  return (params: P, token: CancellationToken): R => {
    if (!initializedConnections.has(connection))
      throw new ResponseError(
        ErrorCodes.ServerNotInitialized,
        `the server is not initialized: send \`initialize\` before \`${name}\``,
      );
    if (token?.isCancellationRequested) return fallback;
    try {
      return handler(params, token);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      connection.console.error(`agora: ${name} failed: ${(error as Error)?.stack ?? error}`);
      return fallback;
    }
  };
}

export function createServer(connection: Connection) {
  const workspace = new service.Workspace({ contributions: [analysisContribution] });
  const pending = new Map<string, ReturnType<typeof setTimeout>>();

  const publishSoon = (uri: string) => {
    clearTimeout(pending.get(uri));
    pending.set(
      uri,
      setTimeout(() => {
        pending.delete(uri);
        const doc = workspace.get(uri);
        if (!doc) return;
        try {
          const diagnostics = diagnosticsOf(doc);
          // Versioned: a newer edit that arrived meanwhile wins.
          if (workspace.get(uri) === doc) void connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
        } catch (error) {
          connection.console.error(`agora: diagnostics failed: ${(error as Error)?.stack ?? error}`);
        }
      }, DIAGNOSTICS_DELAY_MS),
    );
  };

  const docFor = (uri: string) => {
    const doc = workspace.get(uri);
    if (!doc) throw new Error(`document not open: ${uri}`);
    return doc;
  };

  connection.onInitialize((): InitializeResult => {
    initializedConnections.add(connection);
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
        // Not a space: an editor would offer keywords after every space in an expression.
        completionProvider: { triggerCharacters: [".", "("] },
        hoverProvider: true,
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentHighlightProvider: true,
        documentSymbolProvider: true,
        workspaceSymbolProvider: true,
        foldingRangeProvider: true,
        semanticTokensProvider: { legend: service.semanticTokensLegend, full: true },
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        signatureHelpProvider: { triggerCharacters: ["(", ","] },
        inlayHintProvider: true,
        codeLensProvider: { resolveProvider: false },
      },
      serverInfo: { name: "agora", version: AGORA_VERSION },
    };
  });

  // Notifications before `initialize` are dropped, as the protocol asks.
  const ready = () => initializedConnections.has(connection);
  connection.onDidOpenTextDocument(({ textDocument }) => {
    if (!ready()) return;
    workspace.open(textDocument.uri, textDocument.text, textDocument.version);
    publishSoon(textDocument.uri);
  });
  connection.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
    if (!ready()) return;
    try {
      workspace.applyChanges(textDocument.uri, textDocument.version, contentChanges);
    } catch (error) {
      connection.console.error(`agora: could not apply an edit: ${(error as Error)?.message}`);
    }
    publishSoon(textDocument.uri);
  });
  connection.onDidCloseTextDocument(({ textDocument }) => {
    if (!ready()) return;
    clearTimeout(pending.get(textDocument.uri));
    workspace.close(textDocument.uri);
    void connection.sendDiagnostics({ uri: textDocument.uri, diagnostics: [] });
  });

  connection.onCompletion(
    guarded(connection, "completion", null, ({ textDocument, position }) => {
      const list = service.getCompletions(docFor(textDocument.uri), position);
      return {
        isIncomplete: list.isIncomplete,
        items: list.items.map((item) => ({
          label: item.label,
          kind: COMPLETION_KINDS[item.kind],
          detail: item.detail,
          documentation: item.documentation ? { kind: "markdown" as const, value: item.documentation } : undefined,
          sortText: item.sortText,
          insertTextFormat: item.snippet ? InsertTextFormat.Snippet : InsertTextFormat.PlainText,
          textEdit: { range: item.range, newText: item.insertText ?? item.label },
        })),
      };
    }),
  );
  connection.onHover(
    guarded(connection, "hover", null, ({ textDocument, position }) => {
      const hover = service.getHover(docFor(textDocument.uri), position);
      return hover ? { contents: { kind: "markdown" as const, value: hover.contents }, range: hover.range } : null;
    }),
  );
  connection.onDefinition(
    guarded(connection, "definition", [], ({ textDocument, position }) =>
      service.getDefinition(docFor(textDocument.uri), position),
    ),
  );
  connection.onReferences(
    guarded(connection, "references", [], ({ textDocument, position, context }) =>
      service.findReferences(docFor(textDocument.uri), position, { includeDeclaration: context.includeDeclaration }),
    ),
  );
  connection.onDocumentHighlight(
    guarded(connection, "highlight", [], ({ textDocument, position }) =>
      service
        .getDocumentHighlights(docFor(textDocument.uri), position)
        .map((h) => ({ range: h.range, kind: h.kind === "write" ? 3 : h.kind === "read" ? 2 : 1 })),
    ),
  );
  connection.onPrepareRename(
    guarded(connection, "prepareRename", null, ({ textDocument, position }) => {
      const result = service.prepareRename(docFor(textDocument.uri), position);
      // The reason (a reserved word, a built-in...) is for the user: the editor shows it.
      if ("error" in result) throw new ResponseError(LSPErrorCodes.RequestFailed, result.error);
      return result;
    }),
  );
  connection.onRenameRequest(
    guarded(connection, "rename", null, ({ textDocument, position, newName }) => {
      if (typeof newName !== "string")
        throw new ResponseError(ErrorCodes.InvalidParams, "rename: `newName` must be a string");
      const result = service.rename(docFor(textDocument.uri), position, newName);
      // Refused with the reason (not a valid identifier, a reserved word, a clash): the editor shows it.
      if ("error" in result) throw new ResponseError(LSPErrorCodes.RequestFailed, result.error);
      return result.edit;
    }),
  );
  connection.onDocumentSymbol(
    guarded(connection, "documentSymbol", [], ({ textDocument }) => {
      const convert = (s: service.DocumentSymbol): import("vscode-languageserver").DocumentSymbol => ({
        name: s.name,
        detail: s.detail,
        kind: symbolKind(s.kind),
        range: s.range,
        selectionRange: s.selectionRange,
        children: s.children?.map(convert),
      });
      return service.getDocumentSymbols(docFor(textDocument.uri)).map(convert);
    }),
  );
  connection.onWorkspaceSymbol(
    guarded(connection, "workspaceSymbol", [], ({ query }) =>
      service
        .getWorkspaceSymbols(workspace, query)
        .map((s) => ({ name: s.name, kind: symbolKind(s.kind), location: s.location, containerName: s.containerName })),
    ),
  );
  connection.onFoldingRanges(
    guarded(connection, "folding", [], ({ textDocument }) => service.getFoldingRanges(docFor(textDocument.uri))),
  );
  connection.languages.semanticTokens.on(
    guarded(connection, "semanticTokens", { data: [] }, ({ textDocument }) =>
      service.getSemanticTokens(docFor(textDocument.uri)),
    ),
  );
  connection.onDocumentFormatting(
    guarded(connection, "formatting", [], ({ textDocument }) => service.formatDocument(docFor(textDocument.uri))),
  );
  connection.onCodeAction(
    guarded(connection, "codeAction", [], ({ textDocument, range }) =>
      service
        .getCodeActions(docFor(textDocument.uri), range)
        .map((a) => ({ title: a.title, kind: CodeActionKind.QuickFix, edit: a.edit, isPreferred: a.isPreferred })),
    ),
  );
  connection.onSignatureHelp(
    guarded(connection, "signatureHelp", null, ({ textDocument, position }) =>
      service.getSignatureHelp(docFor(textDocument.uri), position),
    ),
  );
  connection.languages.inlayHint.on(
    guarded(connection, "inlayHint", [], ({ textDocument, range }) =>
      service.getInlayHints(docFor(textDocument.uri), range).map((h) => ({
        position: h.position,
        label: h.label,
        kind: 1,
        textEdits: h.textEdits,
        tooltip: h.tooltip,
        paddingLeft: false,
      })),
    ),
  );
  connection.onCodeLens(
    guarded(connection, "codeLens", [], ({ textDocument }) =>
      service
        .getCodeLenses(docFor(textDocument.uri))
        .map((lens) => ({ range: lens.range, command: { title: lens.title, command: lens.command } })),
    ),
  );
  let shutdownReceived = false;
  connection.onShutdown(() => {
    shutdownReceived = true;
    for (const timer of pending.values()) clearTimeout(timer);
    pending.clear();
  });
  return { workspace, shutdownReceived: () => shutdownReceived };
}

/**
 * How long a message may stay half-received before the framing counts as broken (a
 * `Content-Length` larger than the body that came): long enough for a large document on a
 * slow pipe, short enough that a broken client is told rather than left waiting.
 */
const STALLED_MESSAGE_MS = Number(process.env.AGORA_LSP_STALLED_MESSAGE_MS) || 10_000;

/** Broken framing cannot be answered (there is no request to answer): say so on stderr and exit. */
function brokenFraming(reason: string): never {
  process.stderr.write(`agora lsp: broken message framing: ${reason}; exiting\n`);
  process.exit(1);
}

/** Starts the server on stdio (or whatever transport the command line names). */
export function startServer() {
  // A bug must never end the session: log it and carry on.
  process.on("uncaughtException", (error) => process.stderr.write(`agora lsp: ${error?.stack ?? error}\n`));
  process.on("unhandledRejection", (error) => process.stderr.write(`agora lsp: ${(error as Error)?.stack ?? error}\n`));
  // With --node-ipc, --socket or --pipe the library picks the transport. On stdio (the
  // default, or --stdio) the server reads the stream itself, so that a framing error (a
  // header without a valid Content-Length, a body that is not JSON, a body that never
  // completes) ends the process with a message instead of wedging it.
  const otherTransport = process.argv.some(
    (a) => a === "--node-ipc" || a.startsWith("--socket") || a.startsWith("--pipe"),
  );
  if (otherTransport) {
    const connection = createConnection(ProposedFeatures.all);
    createServer(connection);
    connection.listen();
    return;
  }
  // Console output would corrupt the protocol stream on stdout.
  for (const method of ["log", "info", "warn", "debug"] as const)
    console[method] = (...args: unknown[]) => console.error(...args);
  const reader = new StreamMessageReader(process.stdin);
  reader.partialMessageTimeout = STALLED_MESSAGE_MS;
  reader.onError((error) => brokenFraming(error.message.split("\n")[0]));
  reader.onPartialMessage(({ waitingTime }) =>
    brokenFraming(
      `a message's body stopped arriving (waited ${waitingTime} ms for the bytes its Content-Length announced)`,
    ),
  );
  const connection = createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
  const server = createServer(connection);
  // The client went away: exit as the library does on stdio (0 only after `shutdown`).
  const closed = () => process.exit(server.shutdownReceived() ? 0 : 1);
  reader.onClose(closed);
  process.stdin.once("end", closed);
  connection.listen();
}
