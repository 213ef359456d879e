import { analyzeScenario, type AnalysisReport } from "../../analysis/analyze.js";
import { loadScenario } from "../env.js";
import { equality } from "../episodes.js";
import { exploitability } from "../exploitability.js";
import type { ParamValue, SweepPlan } from "./plan.js";

/**
 * What the game's theory predicts along a sweep, for scenarios with a normal form: at each
 * point the range of each quantity over the Nash equilibria and its value at the
 * welfare-optimal outcome, and where the class of the game changes (from the analysis's
 * param sweep, located by bisection). Quantities use the ids of the results table
 * (`welfare`, `return.ROLE`, `action.ROLE.ACTION`, `equality`), so the page can overlay
 * them on the learned values. Returns and welfare are predicted for one-shot games only
 * (for repeated games the analysis is of the stage game; action shares still compare).
 */
export interface TheoryPoint {
  x: number;
  y?: number;
  class: string | null;
  /** Quantity id → [lowest, highest] over the equilibria, and the welfare-optimal value. */
  values: Record<string, { equilibrium: [number, number]; optimum: number }>;
}

export interface Boundary {
  at: number;
  from: string | null;
  to: string | null;
  /** How it was located: the analysis's param sweep (bisection) or between grid points here. */
  source: "analysis sweep" | "grid";
}

export type Theory =
  | { available: false; reason: string }
  | { available: true; params: string[]; points: TheoryPoint[]; boundaries: Boundary[]; note?: string };

function quantities(report: AnalysisReport, oneShot: boolean): TheoryPoint["values"] {
  const players = report.players;
  const roles = [...new Set(players.map((p) => p.role))];
  const perProfile = (payoffs: number[], share: (player: number, action: number) => number) => {
    const out: Record<string, number> = {};
    if (oneShot) {
      out.welfare = payoffs.reduce((a, b) => a + b, 0);
      out.equality = equality(payoffs);
      for (const role of roles) {
        const ps = players.filter((p) => p.role === role);
        out[`return.${role}`] = ps.reduce((a, p) => a + payoffs[p.index], 0) / ps.length;
      }
    }
    for (const role of roles) {
      const ps = players.filter((p) => p.role === role);
      ps[0].actions.forEach(
        (action, a) => (out[`action.${role}.${action}`] = ps.reduce((s, p) => s + share(p.index, a), 0) / ps.length),
      );
    }
    return out;
  };
  const eqs = report.equilibria.map((e) => perProfile(e.payoffs, (p, a) => e.strategies[p][a]));
  const best = report.welfare_max.outcomes[0];
  const opt = best ? perProfile(best.payoffs, (p, a) => (players[p].actions[a] === best.profile[p] ? 1 : 0)) : {};
  const values: TheoryPoint["values"] = {};
  for (const id of Object.keys(opt)) {
    const xs = eqs.map((e) => e[id]).filter((v) => v !== undefined);
    if (xs.length === 0) continue;
    values[id] = { equilibrium: [Math.min(...xs), Math.max(...xs)], optimum: opt[id] };
  }
  // Equilibria are unexploitable by definition; the welfare optimum usually is not.
  const optimumExploitability =
    best &&
    oneShot &&
    exploitability(
      report,
      players.map((p) => p.actions.map((a) => (a === best.profile[p.index] ? 1 : 0))),
    );
  if (optimumExploitability) values.nashconv = { equilibrium: [0, 0], optimum: optimumExploitability.nashConv };
  return values;
}

function analyzeAt(source: string, overrides: Map<string, ParamValue>, sweep: boolean) {
  const scenario = loadScenario(source, { overrides });
  return { ir: scenario.ir, analysis: analyzeScenario(scenario.ir, { sweep, mixed: true }) };
}

const grid = (lo: number, hi: number, n: number) =>
  lo === hi ? [lo] : Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1));

/** The theory for one scenario of a sweep over its numeric axes with more than one value (one or two of them). */
export function sweepTheory(plan: SweepPlan, scenarioIndex: number, params: string[]): Theory {
  const source = plan.scenarios[scenarioIndex].source;
  const base = new Map<string, ParamValue>(Object.entries(plan.train.set));
  const trials = plan.trials.filter((t) => t.scenario === scenarioIndex);
  const extent = params.map((p) => {
    const xs = trials.map((t) => t.point[p]).filter((v): v is number => typeof v === "number");
    return [Math.min(...xs), Math.max(...xs)] as const;
  });
  if (
    params.length === 0 ||
    params.length > 2 ||
    extent.some(([lo, hi]) => !Number.isFinite(lo) || !Number.isFinite(hi))
  )
    return { available: false, reason: "the overlay needs one or two numeric axes" };
  try {
    const first = analyzeAt(source, base, params.length === 1);
    if (!first.analysis.ok) return { available: false, reason: `no normal form: ${first.analysis.reason}` };
    const oneShot = first.analysis.report.normal_form.stage === "one_shot";
    const ints = new Set(first.ir.params.filter((p) => p.t === "int").map((p) => p.name));
    const axisGrid = (k: number) => {
      const [lo, hi] = extent[k];
      const xs = grid(lo, hi, params.length === 1 ? 61 : 25);
      return ints.has(params[k]) ? [...new Set(xs.map(Math.round))] : xs;
    };
    const points: TheoryPoint[] = [];
    const xs = axisGrid(0);
    const ys = params.length === 2 ? axisGrid(1) : [undefined];
    for (const y of ys) {
      for (const x of xs) {
        const overrides = new Map(base).set(params[0], x);
        if (y !== undefined) overrides.set(params[1], y);
        const { analysis } = analyzeAt(source, overrides, false);
        if (!analysis.ok) continue;
        points.push({
          x,
          ...(y === undefined ? {} : { y }),
          class: analysis.report.class,
          values: quantities(analysis.report, oneShot),
        });
      }
    }
    const boundaries: Boundary[] = [];
    if (params.length === 1) {
      const sweep = first.analysis.report.sweep.find((s) => s.param === params[0]);
      if (sweep) {
        for (const c of sweep.changes) {
          const at = c.at ? (c.at[0] + c.at[1]) / 2 : (c.after + c.before) / 2;
          if (c.from.class !== c.to.class && at >= extent[0][0] && at <= extent[0][1])
            boundaries.push({ at, from: c.from.class, to: c.to.class, source: "analysis sweep" });
        }
      } else {
        for (let k = 1; k < points.length; k++)
          if (points[k].class !== points[k - 1].class)
            boundaries.push({
              at: (points[k].x + points[k - 1].x) / 2,
              from: points[k - 1].class,
              to: points[k].class,
              source: "grid",
            });
      }
    }
    return {
      available: true,
      params,
      points,
      boundaries: mergeBoundaries(boundaries),
      ...(oneShot
        ? {}
        : { note: "repeated game: the analysis is of its stage game, so only action shares are predicted" }),
    };
  } catch (error) {
    return { available: false, reason: (error as Error).message.split("\n")[0] };
  }
}

/**
 * A class that holds only at a single value (the weak case between two strict ones, e.g. T = R) is one boundary, not
 * two.
 */
function mergeBoundaries(boundaries: Boundary[]): Boundary[] {
  const out: Boundary[] = [];
  for (const b of boundaries) {
    const last = out[out.length - 1];
    if (last && Math.abs(last.at - b.at) <= 1e-6 * Math.max(1, Math.abs(b.at)) && last.to === b.from)
      out[out.length - 1] = { ...last, to: b.to };
    else out.push(b);
  }
  return out.filter((b) => b.from !== b.to);
}
