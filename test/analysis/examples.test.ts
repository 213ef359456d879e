import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkText } from "../../language/check.js";
import { analyzeScenario } from "../../analysis/analyze.js";
import { nashEpsilon } from "../../analysis/nplayer.js";
import { repoRoot } from "../support/sources.js";
import { lower } from "./helpers.js";

const dirs = ["examples", "examples/analysis"];
const files = dirs.flatMap((d) =>
  readdirSync(join(repoRoot, d))
    .filter((f) => f.endsWith(".game"))
    .sort()
    .map((f) => ({ name: `${d}/${f}`, code: readFileSync(join(repoRoot, d, f), "utf8") })),
);

describe("every example", () => {
  for (const file of files) {
    it(`${file.name}: analyses, or says why it has no normal form`, () => {
      if (file.name.startsWith("examples/analysis/")) expect(checkText(file.code).diagnostics).toEqual([]);
      const result = analyzeScenario(lower(file.code), { sweep: false, samples: 200 });
      if (!result.ok) {
        expect(result.reason.length).toBeGreaterThan(20);
        expect(/payoff \{/.test(file.code)).toBe(false);
        return;
      }
      const r = result.report;
      expect(r.players.length).toBeGreaterThan(0);
      expect(r.equilibria.length).toBeGreaterThan(0);
      // Every equilibrium reported passes the Nash check within its stated error.
      for (const e of r.equilibria)
        expect(nashEpsilon(result.game, e.strategies)).toBeLessThanOrEqual(Math.max(1e-9, e.epsilon * 1.01));
      // JSON is plain data.
      expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    });
  }

  it("the ones with payoff tables all have a normal form", () => {
    const tables = files.filter((f) => /payoff \{/.test(f.code));
    expect(tables.length).toBeGreaterThanOrEqual(8);
    for (const f of tables) expect(analyzeScenario(lower(f.code), { sweep: false }).ok).toBe(true);
  });
});
