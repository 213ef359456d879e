/**
 * The entry of the bundled language server (`dist/server.js`): Agora's LSP server, with
 * the language service and the analysis it uses inlined by esbuild. The transport comes
 * from the command line (`--stdio`, `--node-ipc` or `--socket=<port>`).
 */
import { startServer } from "../../server/lsp-server.js";

startServer();
