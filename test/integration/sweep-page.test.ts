import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { renderSweepPage } from "../../runtime/sweep/page.js";
import { makePlan, parseAxis } from "../../runtime/sweep/plan.js";
import type { TrialResult } from "../../runtime/sweep/trial.js";
import { repoRoot } from "../support/sources.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);

/** Renders a page in headless Chromium and returns the DOM after its scripts ran. */
function dumpDom(html: string): string {
  const dir = mkdtempSync(join(tmpdir(), "agora-chromium-"));
  const page = join(dir, "sweep.html");
  writeFileSync(page, html);
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    `--user-data-dir=${join(dir, "profile")}`,
  ];
  const run = spawnSync(CHROMIUM!, [...flags, "--virtual-time-budget=5000", "--dump-dom", `file://${page}`], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`chromium failed: ${run.stderr}`);
  return run.stdout;
}

/**
 * Results made up for the page (the page's job is to show results, whatever they are): a
 * PD over the temptation, learners cooperating less as it grows; each seed a little off.
 */
function fakeResults(source: string, axes: string[], seeds: number) {
  const plan = makePlan({
    scenarios: [{ path: "examples/analysis/temptation_sweep.game", source }],
    axes: axes.map(parseAxis),
    seeds,
    firstSeed: 1,
    train: { opponents: [], backend: "wasm", set: {} },
    evaluation: { episodes: 10, seed: 1 },
  });
  const results: TrialResult[] = plan.trials.map((t, k) => {
    const coop = Math.max(0, Math.min(1, 1.2 - (t.point.temptation as number) / 5 + ((k % 3) - 1) * 0.05));
    const welfare = 8 * coop * coop + 2 * coop * (1 - coop) * (t.point.temptation as number) + 2 * (1 - coop) ** 2;
    const e = (mean: number) => ({ mean, ci95: 0.1 });
    return {
      trial: t.id,
      scenario: "TemptationSweep",
      scenarioIndex: 0,
      point: t.point,
      seed: t.seed,
      evaluation: {
        episodes: 10,
        returns: [{ role: "player", ...e(welfare / 2) }],
        metrics: [],
        welfare: e(welfare),
        equality: e(0.9),
      },
      actions: { player: { cooperate: coop, defect: 1 - coop } },
      agentSteps: 100,
      exploitability: { nashConv: 2 * coop, gains: [coop, coop], nearestEquilibrium: null },
      run: `runs/${t.id}`,
    };
  });
  return { plan, results };
}

const charts = (dom: string) =>
  [...dom.matchAll(/<div class="chart" id="(c-[0-9]+-[0-9]+)"([^>]*)>/g)].map((m) => ({ id: m[1], attrs: m[2] }));

describe.runIf(CHROMIUM)("sweep.html in headless Chromium", () => {
  const source = readFileSync(join(repoRoot, "examples/analysis/temptation_sweep.game"), "utf8");

  it("a PD sweep over the temptation: every chart renders, with the equilibrium, the welfare optimum and the class boundary at 4", () => {
    const { plan, results } = fakeResults(source, ["temptation=2..6:9"], 3);
    const html = renderSweepPage(plan, results);
    const dom = dumpDom(html);
    const all = charts(dom);
    // returns, welfare, equality, NashConv, two action shares
    expect(all).toHaveLength(6);
    expect(dom).toContain('data-charts="6/6"');
    for (const c of all) {
      expect(c.attrs).toContain('data-rendered="1"');
      expect(c.attrs).toMatch(/data-theory="equilibrium,optimum,boundaries"/);
    }
    expect(dom.match(/class="uplot/g)?.length).toBe(6);
    // The boundary the analysis locates by bisection: stag hunt below 4, prisoner's dilemma above.
    expect(dom).toMatch(/temptation ≈ 4\.000: stag_hunt → prisoners_dilemma/);
  });

  it("two axes: heatmaps with the class boundary drawn", () => {
    const { plan, results } = fakeResults(source, ["temptation=2..6:5", "sucker=0,0.5,1"], 1);
    const dom = dumpDom(renderSweepPage(plan, results));
    const all = charts(dom);
    expect(all).toHaveLength(6);
    for (const c of all) expect(c.attrs).toContain('data-rendered="1"');
    expect(all.every((c) => c.attrs.includes('data-theory="boundaries"'))).toBe(true);
    expect(dom.match(/<canvas/g)?.length).toBe(6);
  });

  it("escapes scenario paths and embedded JSON: no markup gets in", () => {
    const { plan, results } = fakeResults(source, ["temptation=3,5"], 1);
    plan.scenarios[0].path = "</script><img src=x onerror=alert(1)>\u2028.game";
    const html = renderSweepPage(plan, results);
    expect(html).not.toContain("<img src=x");
    const json = html.slice(html.indexOf("const DATA = "), html.indexOf("\n", html.indexOf("const DATA = ")));
    expect(json).toContain("\\u003c/script\\u003e\\u003cimg");
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    const dom = dumpDom(html);
    expect(dom).not.toContain("<img");
    expect(dom).toContain('data-charts="6/6"');
  });
});
