import type { IRGame } from "../compiler/ir.js";
import { buildNormalForm, type BuildOptions } from "./build.js";
import { classify, type GameClass } from "./classify.js";
import { profileNames } from "./normal-form.js";
import { pureEquilibria } from "./pure.js";

/**
 * Parameter sweeps: each ranged param alone is set to points across its range (the others
 * at their defaults), and the class and the set of pure equilibria are recomputed at each.
 * Where they change between two neighbouring points of a real param whose game is exact,
 * the change is located by bisection.
 */

export interface SweepPoint {
  value: number;
  class: GameClass | null;
  /** Pure equilibria as action names, one list per equilibrium. */
  pureEquilibria: string[][];
}

export interface SweepChange {
  /** The neighbouring sample points the change lies between. */
  after: number;
  before: number;
  /** Bisection bracket [lo, hi] of the change (real params of exact games only). */
  at?: [number, number];
  from: { class: GameClass | null; pureEquilibria: string[][] };
  to: { class: GameClass | null; pureEquilibria: string[][] };
}

export interface Sweep {
  param: string;
  type: "int" | "real";
  range: { lo: number; hi: number };
  default: number;
  points: SweepPoint[];
  changes: SweepChange[];
  /** True when payoffs at the points were sample means (the changes are then noisy). */
  estimated: boolean;
  /** Why the sweep stopped early or is missing points, if it did. */
  note?: string;
}

export interface SweepOptions extends BuildOptions {
  points?: number;
  /** Bisection steps per change (default 24). */
  refine?: number;
  /** Stop after this many milliseconds (default 5000); the sweep then notes it. */
  timeLimitMs?: number;
}

function signature(p: { class: GameClass | null; pureEquilibria: string[][] }): string {
  return `${p.class}|${p.pureEquilibria.map((e) => e.join(",")).join(";")}`;
}

function samplePoints(type: "int" | "real", lo: number, hi: number, n: number): number[] {
  if (type === "int") {
    if (hi - lo + 1 <= n) return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
    const out = new Set<number>();
    for (let k = 0; k < n; k++) out.add(Math.round(lo + ((hi - lo) * k) / (n - 1)));
    return [...out].sort((a, b) => a - b);
  }
  if (n < 2 || lo === hi) return [lo];
  return Array.from({ length: n }, (_, k) => Math.fround(lo + ((hi - lo) * k) / (n - 1)));
}

export function sweepParams(ir: IRGame, options: SweepOptions = {}): Sweep[] {
  const sweeps: Sweep[] = [];
  const deadline = Date.now() + (options.timeLimitMs ?? 5000);
  for (const param of ir.params) {
    if (!param.range || param.t === "bool") continue;
    const type = param.t as "int" | "real";
    const evaluate = (value: number): SweepPoint | undefined => {
      const built = buildNormalForm(ir, { ...options, params: { ...options.params, [param.name]: value } });
      if (!built.ok) return undefined;
      const game = built.game;
      return {
        value,
        class: classify(game).class,
        pureEquilibria: pureEquilibria(game).map((e) => profileNames(game, e.actions)),
      };
    };
    const sweep: Sweep = {
      param: param.name,
      type,
      range: { ...param.range },
      default: param.value,
      points: [],
      changes: [],
      estimated: false,
    };
    const first = buildNormalForm(ir, { ...options, params: { ...options.params, [param.name]: param.range.lo } });
    if (!first.ok) continue;
    sweep.estimated = !first.game.exact;
    for (const value of samplePoints(type, param.range.lo, param.range.hi, options.points ?? 21)) {
      if (Date.now() > deadline) {
        sweep.note = "stopped early: the time limit for sweeps ran out";
        break;
      }
      const point = evaluate(value);
      if (point) sweep.points.push(point);
    }
    for (let k = 1; k < sweep.points.length; k++) {
      const a = sweep.points[k - 1];
      const b = sweep.points[k];
      if (signature(a) === signature(b)) continue;
      const change: SweepChange = {
        after: a.value,
        before: b.value,
        from: { class: a.class, pureEquilibria: a.pureEquilibria },
        to: { class: b.class, pureEquilibria: b.pureEquilibria },
      };
      if (type === "real" && !sweep.estimated) {
        let lo = a.value;
        let hi = b.value;
        const sigLo = signature(a);
        for (let i = 0; i < (options.refine ?? 24) && Date.now() <= deadline; i++) {
          const mid = Math.fround((lo + hi) / 2);
          if (mid === lo || mid === hi) break;
          const p = evaluate(mid);
          if (!p) break;
          if (signature(p) === sigLo) lo = mid;
          else hi = mid;
        }
        change.at = [lo, hi];
      }
      sweep.changes.push(change);
    }
    sweeps.push(sweep);
  }
  return sweeps;
}
