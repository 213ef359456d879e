import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { MetricsLine, RunConfig } from "./train.js";

/**
 * Writes `report.html` in a run folder: a self-contained page (uPlot, the chart library,
 * is inlined, so it works offline) with learning curves per role, action frequencies over
 * training, the scenario's metrics, social metrics and rule activity.
 *
 * uPlot was chosen for being small (50 KB), fast, dependency-free and well kept.
 */
export function writeReport(runDir: string): string {
  const run = JSON.parse(readFileSync(join(runDir, "config.json"), "utf8")) as RunConfig;
  const metricsPath = join(runDir, "metrics.jsonl");
  const lines: MetricsLine[] = existsSync(metricsPath)
    ? readFileSync(metricsPath, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as MetricsLine)
    : [];
  const html = renderReport(run, lines);
  const path = join(runDir, "report.html");
  writeFileSync(path, html);
  return path;
}

interface Chart {
  id: string;
  title: string;
  yLabel: string;
  series: { label: string; values: (number | null)[] }[];
}

/** Series over training from the metrics lines: one chart per concern. */
function charts(lines: MetricsLine[], roleNames: string[], metricNames: string[], ruleNames: string[]): Chart[] {
  const withEpisodes = (pick: (l: MetricsLine) => number | undefined) => lines.map((l) => (l.episodes ? (pick(l) ?? null) : null));
  const out: Chart[] = [];
  out.push({
    id: "returns",
    title: "Learning curves: episode return per role",
    yLabel: "mean episode return",
    series: roleNames.flatMap((role, r) => [
      { label: `${role} payoff`, values: withEpisodes((l) => l.episodes!.payoff[r]) },
      { label: `${role} objective`, values: withEpisodes((l) => l.episodes!.objective[r]) },
    ]),
  });
  for (const role of roleNames) {
    const actions = [...new Set(lines.flatMap((l) => Object.keys(l.actionFrequencies[role] ?? {})))];
    if (actions.length === 0) continue;
    out.push({
      id: `actions-${role}`,
      title: `Action frequencies over training: ${role}`,
      yLabel: "share of actions",
      series: actions.map((a) => ({ label: a, values: lines.map((l) => l.actionFrequencies[role]?.[a] ?? null) })),
    });
  }
  if (metricNames.length) {
    out.push({
      id: "metrics",
      title: "Scenario metrics (episode means)",
      yLabel: "value",
      series: metricNames.map((m, k) => ({ label: m, values: withEpisodes((l) => l.episodes!.metrics[k]) })),
    });
  }
  out.push({
    id: "welfare",
    title: "Social metrics: welfare",
    yLabel: "per episode",
    series: [
      { label: "total welfare", values: withEpisodes((l) => l.episodes!.welfare) },
      { label: "per-capita return", values: withEpisodes((l) => l.episodes!.perCapita) },
    ],
  });
  out.push({
    id: "equality",
    title: "Social metrics: equality of returns (1 − Gini)",
    yLabel: "1 is perfect equality",
    series: [{ label: "equality (1 − Gini)", values: withEpisodes((l) => l.episodes!.equality) }],
  });
  if (ruleNames.length) {
    out.push({
      id: "rules",
      title: "Rule activity: share of steps each rule was active",
      yLabel: "share of steps",
      series: ruleNames.map((rule, k) => ({ label: rule, values: withEpisodes((l) => l.episodes!.ruleActivity[k]) })),
    });
  }
  out.push({
    id: "losses",
    title: "Training diagnostics",
    yLabel: "per update",
    series: roleNames.flatMap((role) => [
      { label: `${role} entropy`, values: lines.map((l) => l.losses[role]?.entropy ?? null) },
      { label: `${role} approx. KL`, values: lines.map((l) => l.losses[role]?.approxKl ?? null) },
    ]),
  });
  return out;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

export function renderReport(run: RunConfig, lines: MetricsLine[]): string {
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const uplotCss = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  const source = run.scenario.source;
  const roleNames = [...source.matchAll(/\brole\s+([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  const metricNames = [...source.matchAll(/\bmetric\s+([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]);
  const ruleNames = [...source.matchAll(/\brule\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{/g)].map((m) => m[1]);
  const all = charts(lines, roleNames, metricNames, ruleNames);
  const last = [...lines].reverse().find((l) => l.episodes);
  const steps = lines.map((l) => l.agentSteps);
  const summaryRows = last?.episodes
    ? [
        ...roleNames.map((r, k) => [`${r}: mean episode payoff`, last.episodes!.payoff[k]?.toFixed(3)]),
        ...metricNames.map((m, k) => [`metric ${m}`, last.episodes!.metrics[k]?.toFixed(3)]),
        ["total welfare", last.episodes.welfare.toFixed(3)],
        ["equality (1 − Gini)", last.episodes.equality.toFixed(3)],
        ["episode length", last.episodes.length.toFixed(1)],
      ]
    : [];
  const config = Object.entries(run.config).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(JSON.stringify(v))}</td></tr>`).join("");
  const data = JSON.stringify({ steps, charts: all });
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agora report: ${escape(run.scenario.name)}</title>
<style>${uplotCss}
body { font: 14px/1.5 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.muted { color: #666; } table { border-collapse: collapse; } th, td { text-align: left; padding: 2px 12px 2px 0; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; } .chart { min-height: 320px; }
details pre { background: #f6f6f6; padding: 12px; overflow: auto; }
</style>
</head>
<body>
<h1>${escape(run.scenario.name)} <span class="muted">— training report</span></h1>
<p class="muted">Scenario <code>${escape(run.scenario.path)}</code> · backend ${escape(run.backend)} · ${lines.length} updates ·
${(steps[steps.length - 1] ?? 0).toLocaleString("en-US")} agent steps · started ${escape(run.created)}</p>
<h2>Where it ended</h2>
<table id="summary">${summaryRows.map(([k, v]) => `<tr><th>${escape(String(k))}</th><td>${escape(String(v))}</td></tr>`).join("") || "<tr><td>No episode finished yet.</td></tr>"}</table>
<div class="grid" id="charts">${all.map((c) => `<div><h2>${escape(c.title)}</h2><div class="chart" id="${c.id}"></div></div>`).join("")}</div>
<h2>Configuration</h2>
<table>${config}</table>
<details><summary>Scenario source</summary><pre>${escape(source)}</pre></details>
<script>${uplotJs}</script>
<script>
const DATA = ${data};
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
for (const chart of DATA.charts) {
  const el = document.getElementById(chart.id);
  const opts = {
    width: Math.max(320, el.clientWidth || 520), height: 300,
    scales: { x: { time: false } },
    axes: [{ label: "agent steps" }, { label: chart.yLabel }],
    series: [{ label: "agent steps" }, ...chart.series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, dash: s.label.endsWith(" objective") ? [6, 4] : undefined }))],
  };
  new uPlot(opts, [DATA.steps, ...chart.series.map((s) => s.values)], el);
}
document.body.dataset.charts = String(document.querySelectorAll(".uplot").length);
</script>
</body>
</html>
`;
}
