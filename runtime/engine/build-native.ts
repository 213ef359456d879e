/**
 * `npm ci` runs this (the `prepare` script): builds the native engine with the machine's C++
 * compiler. It never fails the install: without a compiler, training uses TensorFlow.js and
 * says so.
 */
import { buildNativeEngine, compileCommand, nativeBinary, nativeSource } from "./native.js";

try {
  const { built, path } = buildNativeEngine(process.argv.includes("--force"));
  console.log(built ? `native engine built: ${path}` : `native engine up to date: ${path}`);
  console.log(`  (${compileCommand(nativeSource(), nativeBinary()).join(" ")})`);
} catch (error) {
  console.warn(`note: ${(error as Error).message}`);
  console.warn("training will use TensorFlow.js (wasm) instead of the native engine");
}
