import { join } from "node:path";
import { LspClient } from "../test/support/lsp-client.js";
import { generateScenario } from "./generate.js";

/** Latency an editor sees: a one-character edit to published diagnostics, and completion. */
export async function benchLanguageServer(root: string) {
  const client = new LspClient([process.execPath, join(root, "bin/agora.js"), "lsp", "--stdio"]);
  await client.initialize();
  const text = generateScenario(2000);
  const lines = text.split("\n");
  const uri = "file:///bench/generated.game";
  const opened = client.diagnostics(uri, 1);
  await client.open(uri, text);
  await opened;
  // Edit inside the step: type a character and delete it again, in turn.
  const line = lines.findIndex((l) => l.includes("stock0 = clamp("));
  const edits: number[] = [];
  const completions: number[] = [];
  for (let version = 2; version < 62; version++) {
    const typing = version % 2 === 0;
    const change = typing
      ? { range: { start: { line, character: 4 }, end: { line, character: 4 } }, text: "x" }
      : { range: { start: { line, character: 4 }, end: { line, character: 5 } }, text: "" };
    const published = client.diagnostics(uri, version);
    const t0 = performance.now();
    await client.change(uri, version, [change]);
    await published;
    edits.push(performance.now() - t0);
    const t1 = performance.now();
    await client.request("textDocument/completion", {
      textDocument: { uri },
      position: { line: line + 1, character: 6 },
    });
    completions.push(performance.now() - t1);
  }
  await client.stop();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)];
  // The first few warm the JIT.
  const e = edits.slice(10);
  const c = completions.slice(10);
  console.log(`\nLanguage server on a generated ${lines.length}-line scenario (${e.length} edits, after warm-up):`);
  console.log(
    `  one-character edit -> published diagnostics  median ${median(e).toFixed(1)} ms, p90 ${p90(e).toFixed(1)} ms (15 ms of it is the debounce)`,
  );
  console.log(
    `  completion right after                       median ${median(c).toFixed(1)} ms, p90 ${p90(c).toFixed(1)} ms`,
  );
  console.log(`  target: edit to diagnostics under 50 ms -> ${median(e) < 50 ? "met" : "NOT met"}`);
}
