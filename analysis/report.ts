import type { AnalysisReport, EquilibriumJson, OutcomeJson, SweepJson } from "./analyze.js";
import { Q } from "./rational.js";

/** The readable text report of `agora analyze`. */

/** An exact value as a short decimal when it has one, else `p/q`; plain numbers to 6 significant digits. */
export function formatNumber(exact: string | undefined, value: number, fraction = false): string {
  if (exact !== undefined) {
    const q = Q.parse(exact);
    if (fraction && q.toString().length <= 12) return q.toString();
    const decimal = q.toDecimalString();
    return decimal.length <= 12 ? decimal : q.toString().length <= 16 ? q.toString() : fmt(value);
  }
  return fmt(value);
}

function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

function profileText(profile: string[]): string {
  return `(${profile.join(", ")})`;
}

function payoffText(o: { payoffs: number[]; payoffs_exact?: string[] }): string {
  return o.payoffs.map((v, i) => formatNumber(o.payoffs_exact?.[i], v)).join(", ");
}

function pad(s: string, n: number): string {
  return s + " ".repeat(Math.max(0, n - s.length));
}

function table(report: AnalysisReport): string[] {
  const nf = report.normal_form;
  if (!nf.table) return [];
  const players = report.players;
  const out: string[] = [];
  if (players.length === 2 && nf.sizes[0] <= 12 && nf.sizes[1] <= 8) {
    const [rows, cols] = players;
    out.push(`Normal form (${rows.name} chooses the row, ${cols.name} the column; payoffs ${rows.name}, ${cols.name})`);
    const cells = rows.actions.map((_, i) =>
      cols.actions.map((_, j) => payoffText(nf.table![i * cols.actions.length + j])),
    );
    const first = Math.max(...rows.actions.map((a) => a.length));
    const widths = cols.actions.map((a, j) => Math.max(a.length, ...cells.map((r) => r[j].length)));
    out.push(`  ${pad("", first)}   ${cols.actions.map((a, j) => pad(a, widths[j])).join("   ")}`.trimEnd());
    rows.actions.forEach((a, i) =>
      out.push(`  ${pad(a, first)}   ${cells[i].map((c, j) => pad(c, widths[j])).join("   ")}`.trimEnd()),
    );
    return out;
  }
  if (nf.profiles <= 64) {
    out.push(`Normal form (payoffs ${players.map((p) => p.name).join(", ")})`);
    const width = Math.max(...nf.table.map((o) => profileText(o.profile).length));
    for (const o of nf.table) out.push(`  ${pad(profileText(o.profile), width)}  ${payoffText(o)}`);
    return out;
  }
  return [
    `Normal form: ${nf.sizes.join(" × ")} = ${nf.profiles.toLocaleString("en-US")} profiles (too many to print; --format json lists up to 4096)`,
  ];
}

function strategyText(report: AnalysisReport, e: EquilibriumJson): string {
  return report.players
    .map((p, i) => {
      const parts = p.actions.flatMap((a, k) =>
        e.strategies[i][k] > 0 ? [`${a} ${formatNumber(e.strategies_exact?.[i][k], e.strategies[i][k], true)}`] : [],
      );
      return `${p.name}: ${parts.join(", ")}`;
    })
    .join("; ");
}

function equilibria(report: AnalysisReport): string[] {
  const m = report.methods.equilibria;
  const out: string[] = [];
  const n = report.equilibria.length;
  out.push(`Nash equilibria: ${n}${m.complete ? " (all of them)" : " found"}`);
  report.equilibria.forEach((e, i) => {
    const tag = e.pure
      ? `pure  ${profileText(e.profile ?? [])}${e.strict ? ", strict" : ""}`
      : `mixed ${strategyText(report, e)}`;
    const eps = e.epsilon > 0 ? `, epsilon ${e.epsilon.toExponential(1)}` : "";
    out.push(`  ${i + 1}. ${tag}  payoffs ${payoffText(e)}${eps}`);
  });
  for (const c of report.components) {
    if (c.isolated || c.extreme_points.length < 2) continue;
    if (c.nash_subsets.length === 0) {
      out.push(
        `  one connected set: equilibria ${c.extreme_points.map((i) => i + 1).join(", ")} (joined by segments of equilibria)`,
      );
      continue;
    }
    out.push(`  a continuum with extreme points ${c.extreme_points.map((i) => i + 1).join(", ")}:`);
    for (const s of c.nash_subsets) {
      const parts = report.players.map((p, k) => {
        const vs = s.strategies[k].map((v, j) => {
          const exact = s.strategies_exact?.[k][j];
          const support = p.actions.flatMap((a, x) =>
            v[x] > 0 ? [`${a} ${formatNumber(exact?.[x], v[x], true)}`] : [],
          );
          return support.length === 1 ? support[0].replace(/ 1$/, "") : `(${support.join(", ")})`;
        });
        return vs.length === 1 ? `${p.name} plays ${vs[0]}` : `${p.name} mixes ${vs.join(" and ")} in any proportion`;
      });
      out.push(
        `     every profile where ${parts.join(" and ")} (extreme points ${s.extreme_points.map((i) => i + 1).join(", ")})`,
      );
    }
  }
  out.push(`  method: ${m.method}`);
  out.push(`  error: ${errorText(m)}`);
  if (m.note) out.push(`  note: ${m.note}`);
  return out;
}

function errorText(m: { error: number; error_kind: string }): string {
  if (m.error_kind === "exact") return "none (exact rational arithmetic on the exact payoffs)";
  if (m.error_kind === "epsilon") return `epsilon-Nash with epsilon ≤ ${m.error.toExponential(2)} (payoff units)`;
  return `payoffs are estimates with standard error up to ${fmt(m.error)}`;
}

function dominated(report: AnalysisReport): string[] {
  const d = report.dominated;
  const out = ["Dominated actions (by another pure action)"];
  const list = (items: typeof d.strict) => {
    if (items.length === 0) return ["none"];
    const rounds = [...new Set(items.map((e) => e.round))];
    return rounds.map((r) => {
      // One entry per player and dominating action: `citizen#0 contribute(1), contribute(2) (by contribute(0))`.
      const groups = new Map<string, { name: string; by: string; actions: string[] }>();
      for (const e of items.filter((x) => x.round === r)) {
        const key = `${e.player}|${e.by}`;
        if (!groups.has(key)) groups.set(key, { name: e.name, by: e.by, actions: [] });
        groups.get(key)!.actions.push(e.action);
      }
      return `round ${r}: ${[...groups.values()].map((g) => `${g.name} ${g.actions.join(", ")} (by ${g.by})`).join("; ")}`;
    });
  };
  const strict = list(d.strict);
  out.push(`  strictly: ${strict[0]}`);
  for (const s of strict.slice(1)) out.push(`            ${s}`);
  if (d.strict.length > 0)
    out.push(
      `  left after iterated strict elimination: ${report.players.map((p, i) => `${p.name} {${d.strict_survivors[i].join(", ")}}`).join(", ")}`,
    );
  const weak = list(d.weak);
  const sameAsStrict = d.weak.length > 0 && JSON.stringify(d.weak) === JSON.stringify(d.strict);
  out.push(`  weakly:   ${sameAsStrict ? "the same (strict dominance is weak dominance too)" : weak[0]}`);
  if (!sameAsStrict) for (const s of weak.slice(1)) out.push(`            ${s}`);
  if (d.weak.length > 0 && d.weak.length !== d.strict.length)
    out.push(
      `  left after iterated weak elimination (all at once each round): ${report.players.map((p, i) => `${p.name} {${d.weak_survivors[i].join(", ")}}`).join(", ")}`,
    );
  const mixedList = (items: typeof d.mixed.strict) =>
    items.length === 0
      ? "none"
      : items
          .map(
            (e) =>
              `${e.round > 1 ? `round ${e.round}: ` : ""}${e.name} ${e.action} (by ${e.by.map((b) => `${b.action} ${formatNumber(b.p, Q.parse(b.p).toNumber(), true)}`).join(", ")})`,
          )
          .join("; ");
  out.push(
    `  by mixed strategies (exact LP${d.mixed.complete ? "" : "; some tests skipped for size"}): strictly: ${mixedList(d.mixed.strict)}`,
  );
  out.push(`                                weakly: ${mixedList(d.mixed.weak)}`);
  return out;
}

function outcomes(
  title: string,
  o: { outcomes: OutcomeJson[]; count: number; truncated: boolean },
  limit = 12,
): string[] {
  const out = [`${title}: ${o.count}`];
  for (const x of o.outcomes.slice(0, limit)) out.push(`  ${profileText(x.profile)}  ${payoffText(x)}`);
  if (o.count > limit)
    out.push(
      `  ... and ${o.count - limit} more${o.truncated ? ` (--format json lists ${o.outcomes.length})` : " (all in --format json)"}`,
    );
  return out;
}

function sweepText(s: SweepJson): string[] {
  const head = `Sweep of \`${s.param}\` over ${s.range.lo}..${s.range.hi} (${s.points.length} points, the others at their defaults${s.estimated ? "; payoffs estimated by sampling" : ""})`;
  const out = [head];
  const eqs = (list: string[][]) =>
    list.length === 0
      ? "none"
      : list.length > 6
        ? `${list.slice(0, 6).map(profileText).join(" ")} and ${list.length - 6} more`
        : list.map(profileText).join(" ");
  const sig = (p: { class: string | null; pure_equilibria: string[][] }) =>
    `${p.class ?? "no class"}; pure equilibria ${eqs(p.pure_equilibria)}`;
  let start = 0;
  for (let k = 1; k <= s.points.length; k++) {
    if (k < s.points.length && sig(s.points[k]) === sig(s.points[start])) continue;
    const a = s.points[start].value;
    const b = s.points[k - 1].value;
    out.push(`  ${a === b ? fmt(a) : `${fmt(a)} .. ${fmt(b)}`}: ${sig(s.points[start])}`);
    start = k;
  }
  for (const c of s.changes) {
    const precise = (v: number) => String(Number(v.toPrecision(8)));
    const where = c.at
      ? `at ${fmt((c.at[0] + c.at[1]) / 2)} (located by bisection in [${precise(c.at[0])}, ${precise(c.at[1])}])`
      : `between ${fmt(c.after)} and ${fmt(c.before)}`;
    const what =
      c.from.class !== c.to.class
        ? `${c.from.class ?? "no class"} -> ${c.to.class ?? "no class"}`
        : `pure equilibria ${eqs(c.from.pure_equilibria)} -> ${eqs(c.to.pure_equilibria)}`;
    out.push(`  change ${where}: ${what}`);
  }
  if (s.changes.length === 0 && s.points.length > 0) out.push("  no change over the range");
  if (s.note) out.push(`  note: ${s.note}`);
  return out;
}

export function renderReport(report: AnalysisReport): string {
  const nf = report.normal_form;
  const out: string[] = [];
  const source =
    nf.source === "payoff_table"
      ? "the `payoff` table"
      : nf.source === "step_enumeration"
        ? "enumerating the step (one environment copy per joint action)"
        : "a normal-form file";
  out.push(
    `${report.game}: normal form from ${source}, ${nf.exact ? (nf.payoff_values.kind === "exact" ? "exact" : "approximate") : `estimated from ${nf.samples} samples per joint action`}`,
  );
  const pv = nf.payoff_values;
  if (nf.exact && pv.kind === "approximate") for (const r of pv.reasons) out.push(`  approximate: ${r}`);
  if (pv.float32_count > 0) {
    out.push(
      `  ${pv.float32_count} payoff${pv.float32_count === 1 ? " is" : "s are"} paid differently at run time (float32), e.g. ${pv.float32
        .slice(0, 3)
        .map(
          (f) =>
            `${f.player} at ${profileText(f.profile)}: ${f.exact.length <= 24 ? formatNumber(f.exact, 0, true) : `a ${f.exact.replace(/^-/, "").length}-digit number`} → ${f.float32}`,
        )
        .join("; ")}`,
    );
    out.push(
      pv.float32_changes.length === 0
        ? "  that does not change the game's pure equilibria, dominance or best responses"
        : `  WARNING: float32 changes the game: ${pv.float32_changes.join("; ")}`,
    );
  }
  if (nf.stage === "stage_game") out.push("  the stage game of a repeated game (one round)");
  for (const n of nf.notes) out.push(`  note: ${n}`);
  if (!nf.exact && nf.standard_error)
    out.push(
      `  largest standard error of a payoff: ${report.players.map((p, i) => `${p.name} ${fmt(nf.standard_error![i])}`).join(", ")}`,
    );
  out.push("");
  out.push("Players (in payoff-table position order)");
  for (const p of report.players) out.push(`  ${p.name}: ${p.actions.join(", ")}`);
  const t = table(report);
  if (t.length > 0) out.push("", ...t);
  out.push("", ...equilibria(report));
  out.push("", ...dominated(report));
  out.push(
    "",
    ...outcomes("Pareto-optimal outcomes (pure profiles)", {
      outcomes: report.pareto_optimal,
      count: report.methods.pareto_optimal.count,
      truncated: report.methods.pareto_optimal.truncated,
    }),
  );
  const w = report.welfare_max;
  out.push(
    "",
    ...outcomes(
      `Welfare optimum (largest sum of payoffs): ${formatNumber(w.value_exact, w.value)}, attained by ${w.count} profile${w.count === 1 ? "" : "s"}`,
      w,
    ).map((l, i) => (i === 0 ? l.replace(/: \d+$/, "") : l)),
  );
  const ratio = (name: string, r: AnalysisReport["price_of_anarchy"]) =>
    r.value !== null
      ? `${name}: ${formatNumber(r.value_exact ?? undefined, r.value)}  (${r.note})`
      : `${name}: undefined  (${r.note}${r.gap !== null ? `; gap ${fmt(r.gap)}` : ""})`;
  out.push(ratio("Price of anarchy", report.price_of_anarchy));
  out.push(ratio("Price of stability", report.price_of_stability));
  out.push("");
  const c = report.classification;
  out.push(`Class: ${report.class ?? "none"}  (${c.basis})`);
  if (c.symmetric) {
    const s = c.symmetric;
    out.push(
      `  C = ${s.cooperate.join(" / ")}, D = ${s.defect.join(" / ")}: R = ${formatNumber(s.R_exact, s.R)}, S = ${formatNumber(s.S_exact, s.S)}, T = ${formatNumber(s.T_exact, s.T)}, P = ${formatNumber(s.P_exact, s.P)}`,
    );
    const d = s.dilemma_strength;
    const norm =
      d.Dg_normalized !== null
        ? `; normalised by R - P: Dg' = ${fmt(d.Dg_normalized)}, Dr' = ${fmt(d.Dr_normalized!)}`
        : "; R = P, so no normalised strengths";
    out.push(`  dilemma strength: Dg = T - R = ${fmt(d.Dg)}, Dr = P - S = ${fmt(d.Dr)}${norm}`);
  }
  for (const s of report.sweep) out.push("", ...sweepText(s));
  return out.join("\n");
}
