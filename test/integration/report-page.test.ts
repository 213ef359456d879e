import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeReport } from "../../runtime/report.js";
import { renderedDom } from "../support/chromium.js";
import { fakeRunFolder } from "../support/fake-run.js";
import { repoRoot } from "../support/sources.js";

const example = (name: string) => readFileSync(join(repoRoot, "examples", name), "utf8");

/** What each chart of a report recorded drawing (its x tick labels, overflow, dashed series), in page order. */
function drawnCharts(dom: string): { xTicks: string[]; xOverflow: number; dashed: string[] }[] {
  const attr = (tag: string, name: string) =>
    JSON.parse(new RegExp(`${name}="([^"]*)"`).exec(tag)![1].replaceAll("&quot;", '"').replaceAll("&amp;", "&"));
  return [...dom.matchAll(/<div class="uplot[^>]*>/g)].map(([tag]) => ({
    xTicks: attr(tag, "data-x-ticks"),
    xOverflow: attr(tag, "data-x-overflow"),
    dashed: attr(tag, "data-dashed"),
  }));
}

describe("report charts as Chromium draws them", () => {
  // A tiny run (uPlot's own steps there are fractions: "1.5" agent steps) and a long run whose
  // last label, "204,800", sits at the right edge (clipped by 19 canvas pixels without padding).
  for (const [what, steps] of [
    ["3 updates of 1 step", [1, 2, 3]],
    ["25 updates of 8,192 steps", Array.from({ length: 25 }, (_, i) => (i + 1) * 8192)],
  ] as const) {
    it(`${what}: x ticks distinct whole numbers, the last label inside the chart, objectives dashed`, () => {
      const source = example("prisoners_dilemma.game");
      const dir = fakeRunFolder({ scenario: { path: "pd.game", name: "PD", source } }, steps);
      const charts = drawnCharts(renderedDom(writeReport(dir)));
      expect(charts.length).toBeGreaterThan(4);
      for (const chart of charts) {
        expect(chart.xTicks.length).toBeGreaterThan(1);
        expect(new Set(chart.xTicks).size).toBe(chart.xTicks.length);
        for (const label of chart.xTicks) expect(label).toMatch(/^\d{1,3}(,\d{3})*$/);
        expect(chart.xOverflow).toBe(0);
      }
      // Payoff solid, objective dashed: the learning curves tell the two apart without colour.
      expect(charts[0].dashed).toEqual(["player objective"]);
      rmSync(dir, { recursive: true, force: true });
    });
  }
});
