import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { SweepPlan } from "./plan.js";
import { resultColumns, resultRow } from "./table.js";
import { sweepTheory, type Theory } from "./theory.js";
import type { TrialResult } from "./trial.js";

/**
 * `sweep.html`: a self-contained page (uPlot inlined, like report.html) with one chart per
 * quantity and scenario: over one axis a line of the seed mean with its 95% confidence
 * band, over two a heatmap of the seed mean; the theory's prediction overlaid where the
 * game has a normal form (equilibrium range, welfare optimum, class boundaries).
 */

interface Aggregate {
  mean: number;
  lo: number;
  hi: number;
  n: number;
}

/** Two-sided 95% Student t quantiles for 1..30 degrees of freedom (then the normal 1.96). */
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Mean over seeds with a t-based 95% interval (the spread between seeds, not within an evaluation). */
export function aggregate(xs: number[]): Aggregate {
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, lo: mean, hi: mean, n };
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (T95[n - 2] ?? 1.96) * (sd / Math.sqrt(n));
  return { mean, lo: mean - half, hi: mean + half, n };
}

export interface PageScenario {
  name: string;
  path: string;
  /** The numeric axes with more than one value: the chart's x (and y). */
  params: string[];
  quantities: { id: string; label: string }[];
  points: {
    x: number | null;
    y: number | null;
    point: Record<string, number | boolean>;
    values: Record<string, Aggregate>;
  }[];
  theory: Theory;
}

function label(id: string): string {
  const [kind, ...rest] = id.split(".");
  if (kind === "return") return `return of ${rest.join(".")}`;
  if (kind === "metric") return `metric ${rest.join(".")}`;
  if (kind === "nashconv") return "NashConv (exploitability of the learned profile)";
  if (kind === "action") return `share of ${rest.slice(1).join(".")} (${rest[0]})`;
  return id;
}

export function pageData(
  plan: SweepPlan,
  results: TrialResult[],
): { title: string; trials: number; finished: number; scenarios: PageScenario[] } {
  // With co-players as an axis, each scenario has one section per population.
  const populations = [...new Set(plan.trials.filter((t) => t.coplayers).map((t) => JSON.stringify(t.coplayers)))].map(
    (key) => JSON.parse(key) as string[],
  );
  const sections = plan.scenarios.flatMap((s, index) =>
    (populations.length ? populations : [undefined]).map((coplayers) => ({ s, index, coplayers })),
  );
  const scenarios = sections.map(({ s, index, coplayers }): PageScenario => {
    const key = JSON.stringify(coplayers);
    const mine = results.filter((r) => r.scenarioIndex === index && JSON.stringify(r.coplayers) === key);
    const columns = resultColumns(plan, mine).filter(
      (c) => /^(return|metric|action)\.|^(welfare|equality|nashconv)$/.test(c) && !c.endsWith(".ci95"),
    );
    const params = plan.axes
      .map((a) => a.param)
      .filter((p) => {
        const values = new Set(plan.trials.filter((t) => t.scenario === index).map((t) => t.point[p]));
        return values.size > 1 && [...values].every((v) => typeof v === "number");
      });
    const groups = new Map<string, TrialResult[]>();
    for (const r of mine) {
      const key = JSON.stringify(plan.axes.map((a) => r.point[a.param]));
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const all = resultColumns(plan, mine);
    const points = [...groups.values()].map((group) => {
      const rows = group.map((r) => resultRow(r, all));
      const values: Record<string, Aggregate> = {};
      for (const c of columns) {
        const k = all.indexOf(c);
        const xs = rows.map((row) => row[k]).filter((v): v is number => typeof v === "number");
        if (xs.length) values[c] = aggregate(xs);
      }
      const p = group[0].point;
      return {
        x: params[0] ? (p[params[0]] as number) : null,
        y: params[1] ? (p[params[1]] as number) : null,
        point: p,
        values,
      };
    });
    points.sort((a, b) => (a.y ?? 0) - (b.y ?? 0) || (a.x ?? 0) - (b.x ?? 0));
    const theory: Theory =
      params.length >= 1 && params.length <= 2
        ? sweepTheory(plan, index, params)
        : { available: false, reason: "the overlay needs one or two numeric axes" };
    return {
      name: coplayers ? `${s.name}, co-players ${coplayers.join(" + ")}` : s.name,
      path: s.path,
      params,
      quantities: columns.map((id) => ({ id, label: label(id) })),
      points,
      theory,
    };
  });
  return {
    title: plan.scenarios.map((s) => s.name).join(", "),
    trials: plan.trials.length,
    finished: results.length,
    scenarios,
  };
}

export const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** JSON that is safe inside a <script> element: no `</script>`, no `<!--`, no line separators that end a JS string. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

export function renderSweepPage(plan: SweepPlan, results: TrialResult[]): string {
  const require = createRequire(import.meta.url);
  const uplotJs = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const uplotCss = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  const data = pageData(plan, results);
  const axes = plan.axes.map((a) => `<code>${escapeHtml(a.param)}</code>`).join(" × ") || "no axis";
  const sections = data.scenarios
    .map((s, si) => {
      const note = s.theory.available
        ? s.theory.note
          ? `Theory overlay: ${escapeHtml(s.theory.note)}.`
          : "Theory overlay from the game's normal form: dashed, the range of equilibrium values; dotted, the welfare-optimal outcome; vertical lines, class boundaries."
        : `No theory overlay: ${escapeHtml(s.theory.reason)}.`;
      const boundaries =
        s.theory.available && s.theory.boundaries.length
          ? `<ul class="boundaries">${s.theory.boundaries.map((b) => `<li>${escapeHtml(s.params[0])} ≈ ${b.at.toPrecision(4)}: ${escapeHtml(String(b.from))} → ${escapeHtml(String(b.to))} <span class="muted">(${b.source})</span></li>`).join("")}</ul>`
          : "";
      const charts = s.quantities
        .map((q, qi) => `<div><h3>${escapeHtml(q.label)}</h3><div class="chart" id="c-${si}-${qi}"></div></div>`)
        .join("");
      return `<section><h2>${escapeHtml(s.name)} <span class="muted">${escapeHtml(s.path)}</span></h2><p class="muted">${note}</p>${boundaries}<div class="grid">${charts}</div></section>`;
    })
    .join("\n");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Agora sweep: ${escapeHtml(data.title)}</title>
<style>${uplotCss}
body { font: 14px/1.5 system-ui, sans-serif; margin: 24px auto; max-width: 1150px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 28px; } h3 { font-size: 15px; margin: 12px 0 4px; }
.muted { color: #666; font-weight: normal; } .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; } .chart { min-height: 300px; }
table { border-collapse: collapse; } th, td { text-align: left; padding: 2px 10px 2px 0; } canvas { max-width: 100%; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)} <span class="muted">— sweep</span></h1>
<p class="muted">Over ${axes} · ${data.finished} of ${data.trials} trials finished · ${plan.seeds.length} seeds per point · bands: 95% confidence interval of the mean over seeds.</p>
${sections}
<script>${uplotJs}</script>
<script>
const DATA = ${scriptJson(data)};
const COLORS = { learned: "#1f77b4", equilibrium: "#d62728", optimum: "#2ca02c", boundary: "#555" };
function theoryAt(theory, id) {
  if (!theory.available) return null;
  const pts = theory.points.filter((p) => p.values[id]);
  return pts.length ? pts : null;
}
function lineChart(el, s, q) {
  const learned = s.points.filter((p) => p.values[q.id]);
  const theory = theoryAt(s.theory, q.id);
  const xs = [...new Set([...learned.map((p) => p.x), ...(theory ? theory.map((p) => p.x) : [])])].sort((a, b) => a - b);
  const at = (list, x) => list.find((p) => p.x === x);
  const col = (f) => xs.map((x) => f(x) ?? null);
  const series = [{ label: s.params[0] }, { label: "learned (seed mean)", stroke: COLORS.learned, width: 2, spanGaps: true, points: { show: true, size: 6 } },
    { label: "95% CI low", stroke: "rgba(31,119,180,0.3)", spanGaps: true }, { label: "95% CI high", stroke: "rgba(31,119,180,0.3)", spanGaps: true }];
  const columns = [xs, col((x) => at(learned, x)?.values[q.id].mean), col((x) => at(learned, x)?.values[q.id].lo), col((x) => at(learned, x)?.values[q.id].hi)];
  if (theory) {
    series.push({ label: "equilibrium (lowest)", stroke: COLORS.equilibrium, dash: [6, 4], spanGaps: true, points: { show: false } },
      { label: "equilibrium (highest)", stroke: COLORS.equilibrium, dash: [2, 6], spanGaps: true, points: { show: false } },
      { label: "welfare optimum", stroke: COLORS.optimum, dash: [1, 3], width: 2, spanGaps: true, points: { show: false } });
    columns.push(col((x) => at(theory, x)?.values[q.id].equilibrium[0]), col((x) => at(theory, x)?.values[q.id].equilibrium[1]), col((x) => at(theory, x)?.values[q.id].optimum));
  }
  const boundaries = s.theory.available ? s.theory.boundaries : [];
  const opts = { width: Math.max(320, el.clientWidth || 520), height: 280, scales: { x: { time: false } }, axes: [{ label: s.params[0] }, { label: q.label }], series,
    bands: [{ series: [3, 2], fill: "rgba(31,119,180,0.15)" }],
    hooks: { draw: [(u) => { const ctx = u.ctx; ctx.save(); ctx.strokeStyle = COLORS.boundary; ctx.setLineDash([4, 4]); ctx.lineWidth = 1.5;
      for (const b of boundaries) { const px = u.valToPos(b.at, "x", true); ctx.beginPath(); ctx.moveTo(px, u.bbox.top); ctx.lineTo(px, u.bbox.top + u.bbox.height); ctx.stroke(); }
      ctx.restore(); }] } };
  new uPlot(opts, columns, el);
  el.dataset.theory = theory ? "equilibrium,optimum" + (boundaries.length ? ",boundaries" : "") : "none";
}
function color(t) {
  // A perceptually ordered ramp (viridis' endpoints and middle).
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const k = Math.min(stops.length - 1.001, Math.max(0, t) * (stops.length - 1)); const i = Math.floor(k); const f = k - i;
  return "rgb(" + stops[i].map((c, j) => Math.round(c + (stops[i + 1][j] - c) * f)).join(",") + ")";
}
function heatmap(el, s, q) {
  const W = Math.max(320, el.clientWidth || 520), H = 280, pad = { l: 56, r: 70, t: 10, b: 40 };
  const canvas = document.createElement("canvas"); canvas.width = W; canvas.height = H; el.appendChild(canvas);
  const ctx = canvas.getContext("2d"); ctx.font = "12px system-ui, sans-serif";
  const pts = s.points.filter((p) => p.values[q.id]);
  const xs = [...new Set(pts.map((p) => p.x))].sort((a, b) => a - b), ys = [...new Set(pts.map((p) => p.y))].sort((a, b) => a - b);
  const vals = pts.map((p) => p.values[q.id].mean); const lo = Math.min(...vals), hi = Math.max(...vals);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const cw = (W - pad.l - pad.r) / xs.length, ch = (H - pad.t - pad.b) / ys.length;
  const px = (x) => pad.l + (x1 === x0 ? 0.5 : (x - x0) / (x1 - x0)) * (W - pad.l - pad.r - cw) + cw / 2;
  const py = (y) => H - pad.b - (y1 === y0 ? 0.5 : (y - y0) / (y1 - y0)) * (H - pad.t - pad.b - ch) - ch / 2;
  for (const p of pts) { ctx.fillStyle = color(hi === lo ? 0.5 : (p.values[q.id].mean - lo) / (hi - lo)); ctx.fillRect(px(p.x) - cw / 2, py(p.y) - ch / 2, cw + 0.5, ch + 0.5); }
  ctx.fillStyle = "#222"; ctx.fillText(s.params[0], W / 2 - 20, H - 6); ctx.save(); ctx.translate(12, H / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(s.params[1], -20, 0); ctx.restore();
  for (const x of xs) ctx.fillText(String(+x.toPrecision(3)), px(x) - 8, H - pad.b + 14);
  for (const y of ys) ctx.fillText(String(+y.toPrecision(3)), 4 + 20, py(y) + 4);
  for (let k = 0; k <= 10; k++) { ctx.fillStyle = color(k / 10); ctx.fillRect(W - pad.r + 14, H - pad.b - (k + 1) * (H - pad.t - pad.b) / 11, 14, (H - pad.t - pad.b) / 11 + 0.5); }
  ctx.fillStyle = "#222"; ctx.fillText(hi.toPrecision(3), W - pad.r + 32, pad.t + 10); ctx.fillText(lo.toPrecision(3), W - pad.r + 32, H - pad.b);
  let drawn = 0;
  if (s.theory.available && s.theory.points.length) {
    // Class boundaries: an edge wherever two neighbouring theory cells differ in class.
    const tp = s.theory.points, tx = [...new Set(tp.map((p) => p.x))].sort((a, b) => a - b), ty = [...new Set(tp.map((p) => p.y))].sort((a, b) => a - b);
    const cls = new Map(tp.map((p) => [p.x + "," + p.y, p.class]));
    const sx = (x) => pad.l + cw / 2 + (x1 === x0 ? 0 : (x - x0) / (x1 - x0)) * (W - pad.l - pad.r - cw), sy = (y) => H - pad.b - ch / 2 - (y1 === y0 ? 0 : (y - y0) / (y1 - y0)) * (H - pad.t - pad.b - ch);
    ctx.strokeStyle = "#fff"; ctx.lineWidth = 2.5; ctx.beginPath();
    for (let i = 0; i < tx.length; i++) for (let j = 0; j < ty.length; j++) {
      const c = cls.get(tx[i] + "," + ty[j]);
      if (i + 1 < tx.length && cls.get(tx[i + 1] + "," + ty[j]) !== c) { const m = sx((tx[i] + tx[i + 1]) / 2); const h = j + 1 < ty.length ? sy(ty[j + 1]) : sy(ty[j]) - ch / 2; const l = j > 0 ? sy(ty[j]) : sy(ty[j]) + ch / 2; ctx.moveTo(m, l); ctx.lineTo(m, h); drawn++; }
      if (j + 1 < ty.length && cls.get(tx[i] + "," + ty[j + 1]) !== c) { const m = sy((ty[j] + ty[j + 1]) / 2); const r = i + 1 < tx.length ? sx(tx[i + 1]) : sx(tx[i]) + cw / 2; const l = i > 0 ? sx(tx[i]) : sx(tx[i]) - cw / 2; ctx.moveTo(l, m); ctx.lineTo(r, m); drawn++; }
    }
    ctx.stroke();
  }
  el.dataset.theory = drawn ? "boundaries" : "none";
}
function table(el, s, q) {
  const rows = s.points.filter((p) => p.values[q.id]).map((p) => "<tr><td>" + Object.entries(p.point).map(([k, v]) => k + "=" + v).join(" ").replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";") + "</td><td>" + p.values[q.id].mean.toPrecision(4) + "</td><td>[" + p.values[q.id].lo.toPrecision(4) + ", " + p.values[q.id].hi.toPrecision(4) + "]</td></tr>");
  el.innerHTML = "<table><tr><th>point</th><th>mean</th><th>95% CI</th></tr>" + rows.join("") + "</table>";
  el.dataset.theory = "none";
}
let rendered = 0, expected = 0;
DATA.scenarios.forEach((s, si) => s.quantities.forEach((q, qi) => {
  expected++;
  const el = document.getElementById("c-" + si + "-" + qi);
  try {
    (s.params.length === 1 ? lineChart : s.params.length === 2 ? heatmap : table)(el, s, q);
    el.dataset.rendered = "1"; rendered++;
  } catch (e) { el.textContent = "chart failed: " + e; el.dataset.rendered = "0"; }
}));
document.body.dataset.charts = rendered + "/" + expected;
</script>
</body>
</html>
`;
}
