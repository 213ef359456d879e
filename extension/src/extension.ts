/**
 * The Agora extension: a thin client for the language server bundled beside it
 * (`dist/server.js`), plus four commands that run the `agora` CLI on the current
 * scenario in a terminal. Nothing is downloaded or installed at activation.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

const COMMANDS = ["check", "compile", "train", "analyze"] as const;
type CliCommand = (typeof COMMANDS)[number];

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("Agora");
  context.subscriptions.push(output);

  for (const name of COMMANDS) {
    context.subscriptions.push(
      vscode.commands.registerCommand(`agora.${name}`, (uri?: vscode.Uri) => runCli(name, uri, output)),
    );
  }

  // The server is a plain Node program inside the extension, run by VS Code's own Node.
  const serverModule = context.asAbsolutePath(path.join("dist", "server.js"));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: {
      module: serverModule,
      transport: TransportKind.ipc,
      options: { execArgv: ["--nolazy", "--inspect=6019"] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ language: "game" }],
    outputChannel: output,
  };
  // The id `agora` makes the `agora.trace.server` setting trace this client.
  client = new LanguageClient("agora", "Agora language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    output.appendLine(`The Agora language server did not start: ${(error as Error)?.message ?? error}`);
    output.show(true);
  }
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}

/** Saves the scenario and runs `<agora.cliCommand> <command> <file>` in the Agora terminal. */
async function runCli(command: CliCommand, uri: vscode.Uri | undefined, output: vscode.OutputChannel): Promise<void> {
  const document = uri ? await vscode.workspace.openTextDocument(uri) : vscode.window.activeTextEditor?.document;
  if (!document || (document.languageId !== "game" && !document.fileName.endsWith(".game"))) {
    void vscode.window.showErrorMessage(`Agora: open a .game scenario to ${command} it.`);
    return;
  }
  if (document.isUntitled || document.uri.scheme !== "file") {
    void vscode.window.showErrorMessage(`Agora: save the scenario to a file before you ${command} it.`);
    return;
  }
  if (document.isDirty && !(await document.save())) {
    void vscode.window.showErrorMessage(`Agora: could not save ${path.basename(document.fileName)}.`);
    return;
  }

  const file = document.uri.fsPath;
  const folder = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath ?? path.dirname(file);
  const relative = path.relative(folder, file);
  const shown = relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
  const cli =
    vscode.workspace.getConfiguration("agora", document.uri).get<string>("cliCommand", "npx agora").trim() ||
    "npx agora";
  const line = `${cli} ${command} ${shellQuote(shown)}`;
  output.appendLine(`[${new Date().toLocaleTimeString()}] ${line}   (in ${folder})`);

  const terminal = agoraTerminal(folder);
  terminal.show(true);
  terminal.sendText(line, true);
}

/** The Agora terminal for a folder, reused while it is open. */
function agoraTerminal(cwd: string): vscode.Terminal {
  const name = `Agora: ${path.basename(cwd)}`;
  const open = vscode.window.terminals.find((t) => t.name === name && t.exitStatus === undefined);
  return open ?? vscode.window.createTerminal({ name, cwd });
}

/** Quotes a path for the usual shells (bash, zsh, PowerShell, cmd) when it needs it. */
function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_\-./\\:@+=,]+$/.test(value)) return value;
  // Windows paths keep their backslashes; POSIX shells need `"`, `$`, `` ` `` and `\` escaped.
  if (process.platform === "win32") return `"${value.replace(/"/g, '""')}"`;
  return `"${value.replace(/(["$`\\])/g, "\\$1")}"`;
}
