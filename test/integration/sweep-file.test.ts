import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/sources.js";

const BIN = join(repoRoot, "bin/agora.js");
const EXAMPLE = "examples/sweeps/pd-temptation.sweep";

const agora = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: "utf8" });

describe("agora sweep --file", () => {
  it("plans the example as the same flags do, and refuses a bad line with FILE:LINE", () => {
    const fromFile = agora(["sweep", "--file", EXAMPLE, "--dry-run"]);
    expect(fromFile.stderr).toBe("");
    expect(fromFile.status).toBe(0);
    const fromFlags = agora([
      "sweep",
      "examples/prisoners_dilemma.game",
      ...["--vary", "T=3..7:9", "--set", "S=0", "--seeds", "5", "--steps", "20000", "--envs", "64"],
      ...["--opponent", "self", "--episodes", "100", "--out", "runs/pd-temptation", "--dry-run"],
    ]);
    expect(fromFlags.status).toBe(0);
    const fingerprint = /^sweep plan ([0-9a-f]{16}): 45 trials \(9 points × 5 seeds\)$/m.exec(fromFile.stdout)?.[1];
    expect(fingerprint).toBeDefined();
    expect(fromFlags.stdout).toBe(fromFile.stdout);
    expect(fromFile.stdout).toContain("nothing was run or written (--dry-run)");
    // A flag wins over the file's line: another plan.
    const twoSeeds = agora(["sweep", "--file", EXAMPLE, "--seeds", "2", "--dry-run"]);
    expect(twoSeeds.stdout).toMatch(/^sweep plan [0-9a-f]{16}: 18 trials \(9 points × 2 seeds\)$/m);
    expect(twoSeeds.stdout).not.toContain(fingerprint);

    const dir = mkdtempSync(join(tmpdir(), "agora-sweep-file-"));
    const bad = join(dir, "bad.sweep");
    writeFileSync(
      bad,
      `# a typo\nscenario ${join(repoRoot, "examples/prisoners_dilemma.game")}\nvray T = 3..7:9\nout sweep\n`,
    );
    const refused = agora(["sweep", "--file", bad]);
    expect(refused.status).toBe(2);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toBe(`error: ${bad}:3: unknown key \`vray\` (did you mean \`vary\`?)\n`);
    expect(existsSync(join(dir, "sweep"))).toBe(false);
  });
});
