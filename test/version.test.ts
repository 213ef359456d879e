import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AGORA_VERSION } from "../language/version.js";

const manifestVersion = (file: string): unknown =>
  (JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8")) as { version?: unknown }).version;

describe("the version", () => {
  it("is a semantic version", () => {
    expect(AGORA_VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });

  it("is the one the npm package and the VS Code extension declare", () => {
    expect(manifestVersion("../package.json")).toBe(AGORA_VERSION);
    expect(manifestVersion("../extension/package.json")).toBe(AGORA_VERSION);
  });
});
