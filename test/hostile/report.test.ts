import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { jsonForScript, writeReport } from "../../runtime/report.js";
import { renderedDom } from "../support/chromium.js";
import { fakeRunFolder } from "../support/fake-run.js";
import { repoRoot } from "../support/sources.js";

/** Each payload, if it ever ran, marks the page: `<body data-pwned=...>`. */
const ACTION = `</script><script>document.body.dataset.pwned="action"</script>`;
const ROLE = `<img src=x onerror="document.body.dataset.pwned='role'">`;
const NAME = `</title><script>document.body.dataset.pwned="name"</script>`;
const PATH = `</code><svg onload="document.body.dataset.pwned='path'"></svg>\u2028<!--`;

function hostileRun(source: string): string {
  return fakeRunFolder(
    {
      scenario: { path: PATH, name: NAME, source },
      config: {
        steps: 64,
        envs: 4,
        rollout: 8,
        seed: 1,
        hidden: [8],
        opponents: ["self"],
        gamma: 0.949999988079071,
        note: ACTION,
      } as never,
      backend: ROLE,
      created: NAME,
    },
    [32, 64, 96],
    () => ({
      actionFrequencies: { player: { cooperate: 0.25, defect: 0.25, [ACTION]: 0.5 }, [ROLE]: { [ACTION]: 1 } },
      losses: {
        player: { entropy: 0.6, approxKl: 0.001 } as never,
        [ROLE]: { entropy: 0.5, approxKl: 0.002 } as never,
      },
    }),
  );
}

describe("report.html from a hostile run folder", () => {
  it("embeds data that cannot close its script element", () => {
    const embedded = jsonForScript({ label: ACTION, sep: "\u2028\u2029", amp: "&" });
    expect(embedded).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(embedded)).toEqual({ label: ACTION, sep: "\u2028\u2029", amp: "&" });
  });

  for (const [what, source] of [
    ["a scenario that compiles", readFileSync(join(repoRoot, "examples/prisoners_dilemma.game"), "utf8")],
    ["a scenario that no longer compiles (labels from the metrics)", "game Broken { role"],
  ] as const) {
    it(`runs no script from its labels: ${what}`, () => {
      const dir = hostileRun(source);
      const path = writeReport(dir);
      const html = readFileSync(path, "utf8");
      const dom = renderedDom(path);
      // The page's own script ran to the end and drew every chart...
      const expected = html.match(/class="chart"/g)!.length;
      expect(dom).toMatch(new RegExp(`data-charts="${expected}"`));
      // ...and none of the payloads ran, while the hostile label is shown as text.
      expect(dom).not.toContain("data-pwned");
      expect(dom).toContain("&lt;/script&gt;&lt;script&gt;document.body.dataset.pwned");
    });
  }

  it("labels roles from the compiled scenario and rounds numbers for people", () => {
    const dir = hostileRun(readFileSync(join(repoRoot, "examples/prisoners_dilemma.game"), "utf8"));
    const html = readFileSync(writeReport(dir), "utf8");
    expect(html).toContain("Action frequencies over training: player");
    expect(html).toContain("<td>0.95</td>");
    expect(html).not.toContain("0.949999988");
  });
});
