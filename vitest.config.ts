import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Two cores on CI: run files in parallel, each test file's cases in order.
    pool: "threads",
    testTimeout: 60_000,
    reporters: ["default"],
  },
});
