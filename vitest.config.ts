import { defineConfig } from "vitest/config";

/**
 * Two projects: `unit` runs in seconds and touches no process, browser or network
 * (`npm run test:unit` while editing); `integration` spawns the CLI, the language server,
 * TensorFlow.js, Python, Chromium or long runs. `npm test` runs both.
 */
const INTEGRATION = [
  "test/cli-bad-input.test.ts",
  "test/cli-check.test.ts",
  "test/compiler.test.ts",
  "test/engine.test.ts",
  "test/extension.test.ts",
  "test/fuzz.test.ts",
  "test/service/robustness.test.ts",
  "test/lsp.test.ts",
  "test/tensor-backend.test.ts",
  "test/tensor-long.test.ts",
  "test/train.test.ts",
  "test/fictitious-self-play.test.ts",
  "test/integration/**/*.test.ts",
  // Hostile inputs that need the CLI as a process (FIFOs, devices).
  "test/hostile/special-files.test.ts",
  "test/hostile/report.test.ts",
];

const shared = {
  // Two cores on CI: run files in parallel, each test file's cases in order.
  pool: "threads" as const,
  testTimeout: 60_000,
};

export default defineConfig({
  test: {
    reporters: ["default"],
    projects: [
      { test: { ...shared, name: "unit", include: ["test/**/*.test.ts"], exclude: INTEGRATION } },
      // Rebuilt first when stale: these tests run bin/agora.js and dist/.
      { test: { ...shared, name: "integration", include: INTEGRATION, globalSetup: ["test/support/fresh-build.ts"] } },
    ],
  },
});
