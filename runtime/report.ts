import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describeActionShares } from "./action-stats.js";
import { loadScenario } from "./env.js";
import {
  describeProfile,
  learnedExploitability,
  nashConvOverTraining,
  oneShotAnalysis,
  SUMMARY_ANALYSIS_BUDGET_MS,
  trainsAgainstPool,
  type RunExploitability,
} from "./exploitability.js";
import { readMetrics, readRunConfig } from "./run-folder.js";
import type { MetricsLine, RunConfig } from "./train.js";

/**
 * Writes `report.html` in a run folder: a self-contained page (uPlot, the chart library,
 * is inlined, so it works offline) with learning curves per role, action frequencies over
 * training, the scenario's metrics, social metrics and rule activity.
 *
 * uPlot was chosen for being small (50 KB), fast, dependency-free and well kept.
 */
export function writeReport(runDir: string): string {
  const run = readRunConfig(runDir);
  const lines = readMetrics(runDir);
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
function charts(lines: MetricsLine[], labels: Labels): Chart[] {
  const { roles: roleNames, metrics: metricNames, rules: ruleNames } = labels;
  const withEpisodes = (pick: (l: MetricsLine) => number | null | undefined) =>
    lines.map((l) => (l.episodes ? (pick(l) ?? null) : null));
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
  // Per role and phase, actions with their arguments (runs from before these were recorded fall back to the merged
  // counts below).
  const withActions = lines.filter((l) => l.actions);
  const shown = new Set<string>();
  for (const role of roleNames) {
    const phases = [...new Set(withActions.flatMap((l) => Object.keys(l.actions?.[role] ?? {})))];
    for (const phase of phases) {
      const labels = [...new Set(withActions.flatMap((l) => (l.actions?.[role]?.[phase] ?? []).map((e) => e.action)))];
      if (labels.length === 0) continue;
      shown.add(role);
      const entry = (l: MetricsLine, label: string) => l.actions?.[role]?.[phase]?.find((e) => e.action === label);
      const ranged = labels.filter((label) => withActions.some((l) => entry(l, label)?.meanArgument !== undefined));
      out.push({
        id: `actions-${role}-${phase}`,
        title: `Actions over training: ${role}${phases.length > 1 || phase !== "main" ? ` in phase ${phase}` : ""}`,
        yLabel: "share of actions",
        series: labels.map((label) => ({
          label,
          values: lines.map((l) => (l.actions ? (entry(l, label)?.share ?? 0) : null)),
        })),
      });
      if (ranged.length > 0) {
        out.push({
          id: `arguments-${role}-${phase}`,
          title: `Mean argument over training: ${role}${phase !== "main" ? ` in phase ${phase}` : ""}`,
          yLabel: "mean argument",
          series: ranged.map((label) => ({
            label: `${label} (mean argument)`,
            values: lines.map((l) => entry(l, label)?.meanArgument ?? null),
          })),
        });
      }
    }
  }
  for (const [r, role] of roleNames.entries()) {
    if (shown.has(role)) continue;
    // The schema's actions, then anything else the metrics recorded (nothing recorded is hidden).
    const actions = [
      ...new Set([...labels.actions[r], ...lines.flatMap((l) => Object.keys(own(l.actionFrequencies, role) ?? {}))]),
    ];
    if (actions.length === 0) continue;
    out.push({
      id: `actions-${role}`,
      title: `Action frequencies over training: ${role}`,
      yLabel: "share of actions",
      series: actions.map((a) => ({
        label: a,
        values: lines.map((l) => own(own(l.actionFrequencies, role), a) ?? null),
      })),
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
  // Entropy (nats) and KL (near 0) differ in scale by orders of magnitude: one axis each.
  out.push({
    id: "entropy",
    title: "Training diagnostics: policy entropy",
    yLabel: "entropy (nats) per update",
    series: roleNames.map((role) => ({
      label: `${role} entropy`,
      values: lines.map((l) => own(l.losses, role)?.entropy ?? null),
    })),
  });
  out.push({
    id: "kl",
    title: "Training diagnostics: approximate KL",
    yLabel: "approx. KL per update",
    series: roleNames.map((role) => ({
      label: `${role} approx. KL`,
      values: lines.map((l) => own(l.losses, role)?.approxKl ?? null),
    })),
  });
  return out;
}

/**
 * For one-shot games with a normal form: NashConv (what best responses would gain, exactly
 * from the payoff table) over training, of each update's rollout and, for a run against
 * the pool, of the average strategy so far (what such a run learned). Undefined for other
 * games, and for a scenario that no longer compiles or analyses.
 */
function exploitabilityChart(
  run: RunConfig,
  lines: MetricsLine[],
): { chart: Chart; rows: [string, string][] } | undefined {
  let series: ReturnType<typeof nashConvOverTraining>;
  let learned: RunExploitability | undefined;
  try {
    // A report is written at the end of every run: a game too big to analyse quickly gets no chart.
    const report = oneShotAnalysis(run, new Map(), SUMMARY_ANALYSIS_BUDGET_MS);
    if (!report) return undefined;
    series = nashConvOverTraining(report, lines, trainsAgainstPool(run));
    learned = learnedExploitability(run, lines, report);
  } catch {
    return undefined;
  }
  // What the run learned, its NashConv and the equilibrium nearest to it, for the summary table.
  const rows: [string, string][] = learned
    ? [
        [`learned profile (${learned.kind})`, describeProfile(learned.players, learned.profile)],
        [
          "NashConv of the learned profile",
          `${learned.nashConv.toFixed(4)} (best-response gains ${learned.gains.map((g) => g.toFixed(4)).join(", ")})`,
        ],
        ...(learned.nearest
          ? [
              [
                "nearest equilibrium",
                `${describeProfile(learned.players, learned.nearest.strategies)} (distance ${learned.nearest.distance.toFixed(3)})`,
              ] as [string, string],
            ]
          : []),
      ]
    : [];
  return {
    chart: {
      id: "nashconv",
      title: "Exploitability over training: NashConv (0 at a Nash equilibrium)",
      yLabel: "NashConv (payoff units)",
      series: [
        { label: "this update's policy", values: series.current },
        ...(series.average
          ? [{ label: "average strategy so far (fictitious self-play)", values: series.average }]
          : []),
      ],
    },
    rows,
  };
}

/** Text for HTML content and attribute values: a label from a shared run folder is data, never markup. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const escape = escapeHtml;

/**
 * JSON to embed in an inline `<script>`: `<`, `>` and `&` become `\u` escapes, so no text in
 * the data can close the script element or open a comment, and U+2028/2029 are escaped for
 * older JavaScript parsers. `JSON.parse` and the script read the same value.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A number as a person writes it: float32 noise dropped (`0.95`, not `0.949999988079071`). */
export function forPeople(x: number): number {
  return Number.isFinite(x) && !Number.isInteger(x) ? Number(x.toPrecision(6)) : x;
}

/** Names to label the charts with: from the compiled schema of the run's scenario, never from its text. */
interface Labels {
  roles: string[];
  /** Per role: its actions in declaration order. */
  actions: string[][];
  metrics: string[];
  rules: string[];
}

function labelsOf(run: RunConfig, lines: MetricsLine[]): Labels {
  try {
    const { ir } = loadScenario(run.scenario.source, {
      name: run.scenario.path,
      overrides: new Map(Object.entries(run.overrides ?? {})),
    });
    return {
      roles: ir.roles.map((r) => r.name),
      actions: ir.roles.map((r) => r.actions.map((a) => a.name)),
      metrics: ir.metrics.map((m) => m.name),
      rules: ir.rules.map((r) => r.name),
    };
  } catch {
    // A run made by another version of Agora whose scenario no longer compiles: the roles
    // its metrics name, and no metric or rule labels rather than guessed ones.
    const roles = [
      ...new Set(lines.flatMap((l) => [...Object.keys(l.actionFrequencies ?? {}), ...Object.keys(l.losses ?? {})])),
    ];
    return { roles, actions: roles.map(() => []), metrics: [], rules: [] };
  }
}

export function renderReport(run: RunConfig, lines: MetricsLine[]): string {
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const uplotCss = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  const source = run.scenario.source;
  const labels = labelsOf(run, lines);
  const { roles: roleNames, metrics: metricNames } = labels;
  const exploitability = exploitabilityChart(run, lines);
  const all = charts(lines, labels);
  if (exploitability) all.splice(1, 0, exploitability.chart);
  const last = [...lines].reverse().find((l) => l.episodes);
  const steps = lines.map((l) => l.agentSteps);
  const summaryRows = last?.episodes
    ? [
        ...roleNames.map((r, k) => [`${r}: mean episode payoff`, last.episodes!.payoff[k]?.toFixed(3)]),
        ...metricNames.map((m, k) => [`metric ${m}`, last.episodes!.metrics[k]?.toFixed(3) ?? "no value"]),
        ["total welfare", last.episodes.welfare.toFixed(3)],
        ["equality (1 − Gini)", last.episodes.equality.toFixed(3)],
        ["episode length", last.episodes.length.toFixed(1)],
      ]
    : [];
  if (exploitability) summaryRows.push(...exploitability.rows);
  // What the agents did in the last update, per role and phase, arguments included.
  for (const line of describeActionShares(lines[lines.length - 1]?.actions, [
    ...new Set(Object.values(lines[lines.length - 1]?.actions ?? {}).flatMap((p) => Object.keys(p))),
  ])) {
    const colon = line.indexOf(": ");
    summaryRows.push([`actions of ${line.slice(0, colon)}`, line.slice(colon + 2)]);
  }
  const config = Object.entries(run.config)
    .map(
      ([k, v]) =>
        `<tr><th>${escape(k)}</th><td>${escape(JSON.stringify(v, (_, x: unknown) => (typeof x === "number" ? forPeople(x) : x)))}</td></tr>`,
    )
    .join("");
  const data = jsonForScript({ steps, charts: all });
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
<div class="grid" id="charts">${all.map((c, i) => `<div><h2>${escape(c.title)}</h2><div class="chart" id="chart-${i}"></div></div>`).join("")}</div>
<h2>Configuration</h2>
<table>${config}</table>
<details><summary>Scenario source</summary><pre>${escape(source)}</pre></details>
<script>${uplotJs}</script>
<script>
const DATA = ${data};
const STEP_INCRS = [1, 2, 5].flatMap((m) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9].map((p) => m * p)).sort((a, b) => a - b);
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];
// What a chart drew, in its own DOM for a headless check to read: the x tick labels, how many
// canvas pixels the last one reaches past the right edge (0 when it fits), the dashed series.
// uPlot keeps the drawn labels and their values in axis._values/_splits (1.6).
function recordDrawn(u) {
  const axis = u.axes[0];
  const labels = axis._values || [];
  const splits = axis._splits || [];
  let overflow = 0;
  if (labels.length > 0) {
    u.ctx.font = axis.font[0];
    const right = u.valToPos(splits[splits.length - 1], "x", true) + u.ctx.measureText(labels[labels.length - 1]).width / 2;
    overflow = Math.max(0, Math.ceil(right - u.ctx.canvas.width));
  }
  u.root.dataset.xTicks = JSON.stringify(labels);
  u.root.dataset.xOverflow = String(overflow);
  u.root.dataset.dashed = JSON.stringify(u.series.filter((s) => s.dash).map((s) => s.label));
}
for (const [i, chart] of DATA.charts.entries()) {
  const el = document.getElementById("chart-" + i);
  const opts = {
    width: Math.max(320, el.clientWidth || 520), height: 300,
    scales: { x: { time: false } },
    // Whole-number steps (no repeated tick labels); right padding so the last x label is not clipped.
    padding: [12, 32, 0, 0],
    axes: [{ label: "agent steps", incrs: STEP_INCRS, values: (u, ticks) => ticks.map((v) => v.toLocaleString("en-US")) }, { label: chart.yLabel }],
    series: [{ label: "agent steps" }, ...chart.series.map((s, i) => ({ label: s.label, stroke: COLORS[i % COLORS.length], width: 2, spanGaps: true, dash: s.label.endsWith(" objective") ? [6, 4] : undefined }))],
    hooks: { draw: [recordDrawn] },
  };
  new uPlot(opts, [DATA.steps, ...chart.series.map((s) => s.values)], el);
}
document.body.dataset.charts = String(document.querySelectorAll(".uplot").length);
</script>
</body>
</html>
`;
}

/**
 * `record[key]` when the record has it as its own property: user names such as `constructor`
 * or `toString` must not read what objects inherit.
 */
function own<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
