import type { ParamValue, SweepPlan } from "./plan.js";
import type { TrialResult } from "./trial.js";

/**
 * Results as a flat table (one row per trial, one column per param, estimate and action
 * share), for people who plot themselves: `results.csv` and `agora sweep --format csv`.
 */
export function resultColumns(plan: SweepPlan, results: TrialResult[]): string[] {
  const params = plan.axes.map((a) => a.param);
  const columns = [
    "trial",
    "scenario",
    ...params,
    ...(plan.trials.some((t) => t.coplayers) ? ["coplayers"] : []),
    "seed",
  ];
  const add = (c: string) => {
    if (!columns.includes(c)) columns.push(c);
  };
  for (const r of results) {
    for (const x of r.evaluation.returns) [`return.${x.role}`, `return.${x.role}.ci95`].forEach(add);
    for (const m of r.evaluation.metrics) [`metric.${m.name}`, `metric.${m.name}.ci95`].forEach(add);
  }
  for (const c of ["welfare", "welfare.ci95", "equality", "equality.ci95"]) add(c);
  if (results.some((r) => r.exploitability)) add("nashconv");
  for (const r of results)
    for (const [role, shares] of Object.entries(r.actions))
      for (const a of Object.keys(shares)) add(`action.${role}.${a}`);
  return columns;
}

export function resultRow(r: TrialResult, columns: string[]): (string | number | boolean | null)[] {
  const values = new Map<string, ParamValue | string | null>([
    ["trial", r.trial],
    ["scenario", r.scenario],
    ["seed", r.seed],
    ["welfare", r.evaluation.welfare.mean],
    ["welfare.ci95", r.evaluation.welfare.ci95],
    ["equality", r.evaluation.equality.mean],
    ["equality.ci95", r.evaluation.equality.ci95],
  ]);
  for (const [k, v] of Object.entries(r.point)) values.set(k, v);
  if (r.coplayers) values.set("coplayers", r.coplayers.join(","));
  if (r.exploitability) values.set("nashconv", r.exploitability.nashConv);
  for (const x of r.evaluation.returns) values.set(`return.${x.role}`, x.mean).set(`return.${x.role}.ci95`, x.ci95);
  for (const m of r.evaluation.metrics) values.set(`metric.${m.name}`, m.mean).set(`metric.${m.name}.ci95`, m.ci95);
  for (const [role, shares] of Object.entries(r.actions))
    for (const [a, p] of Object.entries(shares)) values.set(`action.${role}.${a}`, p);
  return columns.map((c) => {
    const v = values.get(c);
    return v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? null : v;
  });
}

function csvCell(v: string | number | boolean | null): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(plan: SweepPlan, results: TrialResult[]): string {
  const columns = resultColumns(plan, results);
  const sorted = [...results].sort((a, b) => (a.trial < b.trial ? -1 : 1));
  return (
    [columns, ...sorted.map((r) => resultRow(r, columns))].map((row) => row.map(csvCell).join(",")).join("\n") + "\n"
  );
}
