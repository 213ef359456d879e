import type { IRGame } from "../compiler/ir.js";
import { bimatrixEquilibria, matrices, TooLargeError, type BimatrixResult } from "./bimatrix.js";
import { buildNormalForm, ESTIMATE_GRID, type BuildOptions } from "./build.js";
import { float32Changes } from "./float32.js";
import { mixedDominance, type MixedDominance, type MixedElimination } from "./mixed-dominance.js";
import { differInOnePlayer, exactDeviationValues, exactPoint, provenIsolated, segmentEnds } from "./nplayer-exact.js";
import { classify, type Classification, type GameClass } from "./classify.js";
import { numProfiles, profileActions, profileNames, type NormalForm } from "./normal-form.js";
import { approximateEquilibria, nashEpsilon } from "./nplayer.js";
import { dominance, equivalentActions, paretoOptimal, pureEquilibria, welfareMax, type Elimination } from "./pure.js";
import { Q, qsum } from "./rational.js";
import { sweepParams, type Sweep } from "./sweep.js";
import { AnalysisStopped, type Deadline } from "./deadline.js";

/**
 * The analysis of one normal form, as the stable JSON document `agora analyze --format json`
 * prints (schema `agora-analysis/1`, documented in docs/analysis.md). Every section says
 * which method produced it and how large its error can be.
 */

export const SCHEMA = "agora-analysis/1";

/** How a result was obtained and how far it can be off. */
export interface MethodInfo {
  method: string;
  /** True when the result is provably complete (all equilibria, all dominated actions...). */
  complete: boolean;
  /**
   * The error bound: 0 for exact results on exact payoffs; an epsilon (payoff units) for
   * approximate equilibria; for payoffs estimated by sampling, the payoff standard error.
   */
  error: number;
  error_kind: "exact" | "epsilon" | "payoff_standard_error";
  note?: string;
}

export interface PlayerJson {
  role: string;
  index: number;
  name: string;
  actions: string[];
}

export interface EquilibriumJson {
  /** One probability list per player, in action order. */
  strategies: number[][];
  /** The same as exact rationals (`"2/3"`), for exact methods. */
  strategies_exact?: string[][];
  payoffs: number[];
  payoffs_exact?: string[];
  pure: boolean;
  /** For pure equilibria: the action of each player. */
  profile?: string[];
  /** For pure equilibria: every deviation loses strictly. */
  strict?: boolean;
  /** Actions played with positive probability, per player. */
  support: string[][];
  /** Index into `components`. */
  component: number;
  /** Nash check: the most a player gains by deviating (0 for exact results). */
  epsilon: number;
}

export interface ComponentJson {
  /** Indices into `equilibria`: the extreme equilibria of this connected set. */
  extreme_points: number[];
  /**
   * A single equilibrium (not part of a continuum). For approximate results (3+ players)
   * only asserted where known: strict pure equilibria, and mixed ones whose indifference
   * system is regular.
   */
  isolated: boolean;
  /**
   * Maximal Nash subsets: every profile that mixes, for each player, any convex combination
   * of its listed strategies is an equilibrium. Indices into `equilibria` of the extreme points inside.
   */
  nash_subsets: { strategies: number[][][]; strategies_exact?: string[][][]; extreme_points: number[] }[];
}

export interface OutcomeJson {
  profile: string[];
  payoffs: number[];
  payoffs_exact: string[];
}

export interface EliminationJson {
  round: number;
  player: number;
  name: string;
  role: string;
  action: string;
  by: string;
}

export interface MixedEliminationJson {
  round: number;
  player: number;
  name: string;
  role: string;
  action: string;
  /** The dominating mixture of the player's other actions, with exact probabilities. */
  by: { action: string; p: string }[];
}

export interface RatioJson {
  value: number | null;
  value_exact: string | null;
  /** Additive form: welfare optimum minus the equilibrium welfare. */
  gap: number | null;
  note: string;
}

export interface AnalysisReport {
  schema: typeof SCHEMA;
  game: string;
  normal_form: {
    source: NormalForm["source"];
    stage: "one_shot" | "stage_game" | null;
    exact: boolean;
    sizes: number[];
    profiles: number;
    samples: number | null;
    /** Per player: the largest standard error of an estimated payoff. */
    standard_error: number[] | null;
    notes: string[];
    /** Every profile's payoffs, when there are at most 4096 profiles (player 0 slowest). */
    table: OutcomeJson[] | null;
    /** Whether the payoffs analysed are the values as written, and what float32 does to them. */
    payoff_values: PayoffValuesJson;
  };
  players: PlayerJson[];
  equilibria: EquilibriumJson[];
  components: ComponentJson[];
  dominated: {
    strict: EliminationJson[];
    weak: EliminationJson[];
    strict_survivors: string[][];
    weak_survivors: string[][];
    /** Domination by mixed strategies (exact linear programs): strict iterated, weak in the full game. */
    mixed: {
      strict: MixedEliminationJson[];
      weak: MixedEliminationJson[];
      strict_survivors: string[][];
      /** False when a test was skipped because the others have too many joint actions. */
      complete: boolean;
    };
  };
  /** Pareto-optimal pure profiles, in profile order (at most `methods.pareto_optimal.count` listed). */
  pareto_optimal: OutcomeJson[];
  welfare_max: { value: number; value_exact: string; outcomes: OutcomeJson[]; count: number; truncated: boolean };
  price_of_anarchy: RatioJson;
  price_of_stability: RatioJson;
  class: GameClass | null;
  classification: {
    basis: string;
    constant_sum: boolean;
    symmetric: null | {
      cooperate: string[];
      defect: string[];
      R: number;
      S: number;
      T: number;
      P: number;
      R_exact: string;
      S_exact: string;
      T_exact: string;
      P_exact: string;
      ordering: string;
      dilemma_strength: {
        Dg: number;
        Dr: number;
        Dg_normalized: number | null;
        Dr_normalized: number | null;
        note: string;
      };
    };
  };
  sweep: SweepJson[];
  /** How each result was obtained, and its error bound. */
  methods: {
    equilibria: MethodInfo;
    dominated: MethodInfo;
    pareto_optimal: MethodInfo & { count: number; truncated: boolean };
    welfare_max: MethodInfo;
    price_of_anarchy: MethodInfo;
    class: MethodInfo;
    sweep: MethodInfo;
  };
}

export interface PayoffValuesJson {
  /** `exact`: every payoff is the value written (a rational); `approximate`: see `reasons`. */
  kind: "exact" | "approximate";
  reasons: string[];
  /** Payoffs whose float32 run-time value differs from the exact one (at most 100 listed). */
  float32: { profile: string[]; player: string; exact: string; float32: number }[];
  float32_count: number;
  /** How the game the run time plays (float32 payoffs) differs from the exact one; empty when it does not. */
  float32_changes: string[];
}

export interface SweepJson {
  param: string;
  type: "int" | "real";
  range: { lo: number; hi: number };
  default: number;
  points: { value: number; class: GameClass | null; pure_equilibria: string[][] }[];
  changes: {
    after: number;
    before: number;
    at: [number, number] | null;
    from: { class: GameClass | null; pure_equilibria: string[][] };
    to: { class: GameClass | null; pure_equilibria: string[][] };
  }[];
  estimated: boolean;
  note: string | null;
}

export interface AnalyzeOptions {
  /** Compute mixed equilibria (default true). */
  mixed?: boolean;
  /** Largest number of bases visited per best-response polytope before falling back (default 1,000,000). */
  maxBases?: number;
  /** Time limit of the exact two-player enumeration before falling back, in ms (default 120,000). */
  timeLimitMs?: number;
  /** Listing caps (default 1000). */
  maxListed?: number;
  seed?: number;
  /**
   * A time budget (default: none): the analysis stops with `AnalysisStopped` once it is
   * spent; `analyzeScenario` returns that as `{ ok: false, kind: "stopped" }`.
   */
  deadline?: Deadline;
}

const TABLE_LIMIT = 4096;

function errorOf(game: NormalForm): Pick<MethodInfo, "error" | "error_kind"> {
  if (game.exact) return { error: 0, error_kind: "exact" };
  return { error: Math.max(0, ...(game.standardError ?? [0])), error_kind: "payoff_standard_error" };
}

function estimateNote(game: NormalForm): string | undefined {
  if (game.exact)
    return game.precision && !game.precision.exact
      ? `the payoffs are approximate: ${game.precision.reasons.join("; ")}`
      : undefined;
  return `payoffs are means over ${game.samples} samples per joint action (rounded to 1/${ESTIMATE_GRID}); results are exact for those means, and each payoff may be off by about its standard error`;
}

function outcome(game: NormalForm, profile: number): OutcomeJson {
  const payoffs = game.payoffs.map((row) => row[profile]);
  return {
    profile: profileNames(game, profileActions(game.sizes, profile)),
    payoffs: payoffs.map((q) => q.toNumber()),
    payoffs_exact: payoffs.map((q) => q.toString()),
  };
}

function support(game: NormalForm, strategies: number[][]): string[][] {
  return strategies.map((s, p) => s.flatMap((x, a) => (x > 0 ? [game.players[p].actions[a]] : [])));
}

/** Restricts a game to some actions of each player (the others' payoffs stay as they are). */
export function restrict(game: NormalForm, keep: number[][]): NormalForm {
  const sizes = keep.map((k) => k.length);
  const total = numProfiles(sizes);
  const idx = new Array<number>(total);
  for (let i = 0; i < total; i++) {
    const picks = profileActions(sizes, i);
    let full = 0;
    for (let p = 0; p < sizes.length; p++) full = full * game.sizes[p] + keep[p][picks[p]];
    idx[i] = full;
  }
  return {
    ...game,
    players: game.players.map((p, k) => ({
      ...p,
      actions: keep[k].map((a) => p.actions[a]),
      flat: keep[k].map((a) => p.flat[a]),
    })),
    sizes,
    payoffs: game.payoffs.map((row) => idx.map((i) => row[i])),
  };
}

/** Analyses a normal form: everything but the sweep (which needs the scenario). */
export function analyzeNormalForm(
  game: NormalForm,
  options: AnalyzeOptions = {},
  stage: "one_shot" | "stage_game" | null = null,
): AnalysisReport {
  const maxListed = options.maxListed ?? 1000;
  const total = numProfiles(game.sizes);
  const err = errorOf(game);
  const note = estimateNote(game);
  const players: PlayerJson[] = game.players.map((p) => ({
    role: p.role,
    index: p.index,
    name: p.name,
    actions: p.actions,
  }));

  // Dominance (also shrinks the two-player game before the vertex enumeration).
  const dom = dominance(game, options.deadline);
  const elim = (e: Elimination): EliminationJson => ({
    round: e.round,
    player: e.player,
    name: game.players[e.player].name,
    role: game.players[e.player].role,
    action: game.players[e.player].actions[e.action],
    by: game.players[e.player].actions[e.by],
  });

  // Equilibria.
  const pure = pureEquilibria(game, options.deadline);
  let equilibria: EquilibriumJson[] = [];
  let components: ComponentJson[] = [];
  let method: MethodInfo;
  const pureJson = (): EquilibriumJson[] =>
    pure.map((e, i) => {
      const strategies = e.actions.map((a, p) => Array.from({ length: game.sizes[p] }, (_, k) => (k === a ? 1 : 0)));
      const payoffs = game.payoffs.map((row) => row[e.profile]);
      return {
        strategies,
        strategies_exact: strategies.map((s) => s.map(String)),
        payoffs: payoffs.map((q) => q.toNumber()),
        payoffs_exact: payoffs.map((q) => q.toString()),
        pure: true,
        profile: profileNames(game, e.actions),
        strict: e.strict,
        support: support(game, strategies),
        component: i,
        epsilon: 0,
      };
    });
  let exactDone = false;
  let tooLarge: string | undefined;
  if (options.mixed === false) {
    equilibria = pureJson();
    components = equilibria.map((e, i) => ({ extreme_points: [i], isolated: e.strict === true, nash_subsets: [] }));
    method = {
      method: "pure-profile enumeration (mixed equilibria not computed)",
      complete: false,
      ...err,
      note: "only pure equilibria were computed",
    };
    exactDone = true;
  } else if (game.players.length === 2) {
    try {
      const reduced = restrict(game, dom.strictSurvivors);
      const [A, B] = matrices(reduced);
      const result = bimatrixEquilibria(A, B, {
        maxBases: options.maxBases ?? 1_000_000,
        timeLimitMs: options.timeLimitMs ?? 120_000,
        deadline: options.deadline,
      });
      ({ equilibria, components } = bimatrixJson(game, dom.strictSurvivors, result));
      method = {
        method:
          "iterated elimination of strictly dominated actions, then extreme-equilibrium enumeration (vertex enumeration of the best-response polytopes, exact rational arithmetic) with maximal Nash subsets",
        complete: true,
        ...err,
        note,
      };
      exactDone = true;
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error;
      tooLarge = error.message;
      method = { method: "", complete: false, error: 0, error_kind: "epsilon" };
    }
  } else method = { method: "", complete: false, error: 0, error_kind: "epsilon" };
  if (!exactDone) {
    // Strictly dominated actions are never played in an equilibrium: search the reduced game,
    // with payoff-equivalent actions merged into their first (any split among them works too).
    const classes = equivalentActions(game, dom.strictSurvivors);
    const keep = classes.map((c) => c.map((k) => k[0]));
    const merged = classes.flatMap((c, p) =>
      c
        .filter((k) => k.length > 1)
        .map((k) => `${game.players[p].name}: ${k.map((a) => game.players[p].actions[a]).join(" ≡ ")}`),
    );
    const approx = approximateEquilibria(restrict(game, keep), { seed: options.seed, deadline: options.deadline });
    const pj = pureJson();
    const expand = (s: number[], p: number) => {
      const full = new Array<number>(game.sizes[p]).fill(0);
      keep[p].forEach((a, k) => (full[a] = s[k]));
      return full;
    };
    const mixed = approx.equilibria
      .filter((e) => !e.strategies.every((s) => s.filter((x) => x > 0).length === 1))
      .map((e) => {
        const strategies = e.strategies.map(expand);
        // The epsilon on the whole game (the same in theory: eliminated actions never pay more).
        return { ...e, strategies, epsilon: Math.max(e.epsilon, nashEpsilon(game, strategies)) };
      });
    equilibria = [
      ...pj,
      ...mixed.map((e, i) => ({
        strategies: e.strategies,
        payoffs: e.payoffs,
        pure: false,
        support: support(game, e.strategies),
        component: pj.length + i,
        epsilon: e.epsilon,
      })),
    ];
    ({ equilibria, components } = exactComponents(game, equilibria));
    const exactCount = equilibria.filter((e) => !e.pure && e.strategies_exact).length;
    const continua = mixed.filter((e) => !e.isolated).length;
    const searches = [
      approx.supportEnumeration ? "support enumeration with Newton's method" : "",
      approx.replicator ? "replicator dynamics from several starts, polished by Newton's method" : "",
    ]
      .filter(Boolean)
      .join(" and ");
    const maxEps = Math.max(0, ...mixed.map((e) => e.epsilon));
    method = {
      method: `pure equilibria by exact enumeration; mixed equilibria by ${searches} in floating point on the game left after iterated elimination of strictly dominated actions, each checked for epsilon-Nash`,
      complete: false,
      error: game.exact ? Math.max(maxEps, 0) : Math.max(maxEps, errorOf(game).error),
      error_kind: game.exact ? "epsilon" : "payoff_standard_error",
      note:
        `mixed equilibria are accepted when no player gains more than ${approx.threshold.toExponential(2)} by deviating (largest epsilon found: ${maxEps.toExponential(2)}); ` +
        `the search finds equilibria but cannot prove there are no others${approx.truncated ? "; it stopped at its work budget" : ""}` +
        (game.players.length === 2
          ? ` (the exact two-player method was too large for this game: ${tooLarge ?? "it was not run"})`
          : "") +
        (continua > 0
          ? `; ${continua} of them lie${continua === 1 ? "s" : ""} on a continuum of equilibria (a singular indifference system) and ${continua === 1 ? "is" : "are"} shown by one representative point`
          : "") +
        `; ${exactCount} of ${mixed.length} mixed equilibria were made exact (snapped to rationals and verified by the exact best-response check: \`strategies_exact\`, epsilon 0); ` +
        "a component is `isolated` only where that is proven (a quasi-strict equilibrium with a nonsingular indifference Jacobian, computed exactly), and exact equilibria that differ in one player's strategy are merged into one component (the segment between them consists of equilibria)" +
        (merged.length > 0
          ? `; payoff-equivalent actions were merged for the search (${merged.join("; ")}): any split of a probability among equivalent actions is an equilibrium too`
          : "") +
        (note ? `; ${note}` : ""),
    };
  }

  // Pareto and welfare.
  const pareto = paretoOptimal(game);
  const welfare = welfareMax(game);
  const welfareExact = qsum(game.payoffs.map((row) => row[welfare.profiles[0]]));
  const pureMethod = (name: string): MethodInfo => ({ method: name, complete: true, ...err, note });

  // Price of anarchy and stability.
  const eqWelfare = equilibria.map((e) =>
    e.payoffs_exact ? qsum(e.payoffs_exact.map(Q.parse)) : Q.fromFloat64(e.payoffs.reduce((a, b) => a + b, 0)),
  );
  const ratio = (which: "worst" | "best"): RatioJson => {
    if (eqWelfare.length === 0) return { value: null, value_exact: null, gap: null, note: "no equilibrium was found" };
    const w = eqWelfare.reduce((a, b) => ((which === "worst" ? b.cmp(a) < 0 : b.cmp(a) > 0) ? b : a));
    const gap = welfareExact.sub(w);
    const scope = exactDone && game.players.length === 2 ? "over all equilibria" : "over the equilibria found";
    const base = `welfare optimum / ${which} equilibrium welfare (${scope}; welfare = sum of payoffs)`;
    if (w.sign() > 0 && welfareExact.sign() > 0) {
      const r = welfareExact.div(w);
      return { value: r.toNumber(), value_exact: r.toString(), gap: gap.toNumber(), note: base };
    }
    return {
      value: null,
      value_exact: null,
      gap: gap.toNumber(),
      note: `${base}: undefined because the ${which} equilibrium welfare (${w.toDecimalString()}) or the optimum (${welfareExact.toDecimalString()}) is not positive; \`gap\` gives the welfare lost instead (optimum minus equilibrium welfare)`,
    };
  };

  // Class.
  const cls: Classification = classify(game);
  const sym = cls.symmetric;

  const listed = (profiles: number[]) => ({
    outcomes: profiles.slice(0, maxListed).map((p) => outcome(game, p)),
    count: profiles.length,
    truncated: profiles.length > maxListed,
  });
  const paretoListed = listed(pareto.profiles);
  return {
    schema: SCHEMA,
    game: game.name,
    normal_form: {
      source: game.source,
      stage,
      exact: game.exact,
      sizes: game.sizes,
      profiles: total,
      samples: game.samples ?? null,
      standard_error: game.standardError ?? null,
      notes: game.notes,
      table: total <= TABLE_LIMIT ? Array.from({ length: total }, (_, i) => outcome(game, i)) : null,
      payoff_values: payoffValuesJson(game),
    },
    players,
    equilibria,
    components,
    dominated: {
      strict: dom.strict.map(elim),
      weak: dom.weak.map(elim),
      strict_survivors: dom.strictSurvivors.map((s, p) => s.map((a) => game.players[p].actions[a])),
      weak_survivors: dom.weakSurvivors.map((s, p) => s.map((a) => game.players[p].actions[a])),
      mixed: mixedJson(game, mixedDominance(game)),
    },
    pareto_optimal: paretoListed.outcomes,
    welfare_max: { value: welfareExact.toNumber(), value_exact: welfareExact.toString(), ...listed(welfare.profiles) },
    price_of_anarchy: ratio("worst"),
    price_of_stability: ratio("best"),
    class: cls.class,
    classification: {
      basis: cls.basis,
      constant_sum: cls.constantSum,
      symmetric: sym
        ? {
            cooperate: sym.cooperate,
            defect: sym.defect,
            R: sym.R.toNumber(),
            S: sym.S.toNumber(),
            T: sym.T.toNumber(),
            P: sym.P.toNumber(),
            R_exact: sym.R.toString(),
            S_exact: sym.S.toString(),
            T_exact: sym.T.toString(),
            P_exact: sym.P.toString(),
            ordering: sym.ordering,
            dilemma_strength: {
              Dg: sym.dilemma.Dg.toNumber(),
              Dr: sym.dilemma.Dr.toNumber(),
              Dg_normalized: sym.dilemma.DgNormalized?.toNumber() ?? null,
              Dr_normalized: sym.dilemma.DrNormalized?.toNumber() ?? null,
              note: "Dg = T - R (gamble-intending), Dr = P - S (risk-averting); normalised by R - P (null when R = P)",
            },
          }
        : null,
    },
    sweep: [],
    methods: {
      equilibria: method,
      dominated: pureMethod(
        "iterated elimination of actions dominated by another pure action (each round removes every dominated action of every player at once; the weak elimination's result can depend on that order)",
      ),
      pareto_optimal: {
        ...pureMethod("pure profiles not Pareto-dominated by another pure profile (sort-filter skyline)"),
        count: paretoListed.count,
        truncated: paretoListed.truncated,
      },
      welfare_max: pureMethod("largest sum of payoffs over pure profiles (mixed profiles cannot do better)"),
      price_of_anarchy: {
        method:
          "welfare optimum divided by the worst (anarchy) and best (stability) equilibrium welfare; both ratios need positive welfare, and `gap` (optimum minus equilibrium welfare) is always given",
        complete: method.complete,
        error: method.error,
        error_kind: method.error_kind,
        note: method.complete
          ? "over every equilibrium: welfare is bilinear on each maximal Nash subset, so its extremes are at extreme equilibria"
          : "over the equilibria found",
      },
      class: pureMethod(
        "payoff ordering of the symmetric 2x2 form (R, S, T, P), else the pattern of pure equilibria; exact comparisons",
      ),
      sweep: {
        method:
          "each ranged param alone at evenly spaced points of its range (the others at their defaults), class and pure equilibria recomputed at each; changes between points located by bisection for real params of exact games",
        complete: false,
        error: 0,
        error_kind: game.exact ? "exact" : "payoff_standard_error",
        note: "a change narrower than the spacing of the points can be missed",
      },
    },
  };
}

/**
 * For the approximate (3+ player) path: each found equilibrium made exact where it can be,
 * components of equilibria proven connected, and `isolated` only where proven.
 */
function exactComponents(
  game: NormalForm,
  found: EquilibriumJson[],
): { equilibria: EquilibriumJson[]; components: ComponentJson[] } {
  // Exact work costs a pass over every profile per check: only on games of modest size.
  const affordable = numProfiles(game.sizes) * game.sizes.length <= 40_000;
  const exact: (Q[][] | undefined)[] = found.map((e) =>
    e.pure
      ? e.strategies.map((s) => s.map((x) => Q.of(BigInt(x))))
      : affordable
        ? exactPoint(game, e.strategies)
        : undefined,
  );
  const exactJson = (e: EquilibriumJson, sigma: Q[][]): EquilibriumJson => {
    const dev = exactDeviationValues(game, sigma);
    const payoffs = dev.map((values, p) => qsum(values.map((v, a) => v.mul(sigma[p][a]))));
    const strategies = sigma.map((s) => s.map((q) => q.toNumber()));
    return {
      ...e,
      strategies,
      strategies_exact: sigma.map((s) => s.map((q) => q.toString())),
      payoffs: payoffs.map((q) => q.toNumber()),
      payoffs_exact: payoffs.map((q) => q.toString()),
      support: support(game, strategies),
      epsilon: 0,
    };
  };
  const equilibria = found.map((e, i) => (exact[i] && !e.pure ? exactJson(e, exact[i]!) : e));
  // Extend each exact equilibrium along one-player segments to their ends (a bounded closure):
  // the ends are equilibria too, reported so that the components they connect are visible.
  const key = (sigma: Q[][]) => sigma.map((s) => s.join(",")).join(";");
  const known = new Set(exact.flatMap((s) => (s ? [key(s)] : [])));
  for (let i = 0; affordable && i < exact.length && exact.length < 200; i++) {
    const sigma = exact[i];
    if (!sigma || (equilibria[i].pure && equilibria[i].strict)) continue;
    for (const end of segmentEnds(game, sigma)) {
      if (known.has(key(end)) || exact.length >= 200) continue;
      known.add(key(end));
      exact.push(end);
      const pure = end.every((s) => s.filter((q) => !q.isZero()).length === 1);
      const base: EquilibriumJson = { strategies: [], payoffs: [], pure, support: [], component: 0, epsilon: 0 };
      const json = exactJson(base, end);
      if (pure) {
        const actions = end.map((s) => s.findIndex((q) => !q.isZero()));
        json.profile = profileNames(game, actions);
        json.strict = false;
      }
      equilibria.push(json);
    }
  }
  const parent = equilibria.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < equilibria.length; i++) {
    for (let j = i + 1; j < equilibria.length; j++) {
      const [a, b] = [exact[i], exact[j]];
      if (a && b && differInOnePlayer(a, b)) parent[find(i)] = find(j);
    }
  }
  const groups = new Map<number, number[]>();
  equilibria.forEach((_, i) => {
    const root = find(i);
    if (!groups.has(root)) groups.set(root, []);
    groups.get(root)!.push(i);
  });
  const components: ComponentJson[] = [...groups.values()].map((members) => ({
    extreme_points: members,
    isolated:
      members.length === 1 &&
      (equilibria[members[0]].pure
        ? equilibria[members[0]].strict === true
        : affordable && exact[members[0]] !== undefined && provenIsolated(game, exact[members[0]]!)),
    nash_subsets: [],
  }));
  components.forEach((c, ci) => c.extreme_points.forEach((i) => (equilibria[i] = { ...equilibria[i], component: ci })));
  return { equilibria, components };
}

function mixedJson(game: NormalForm, m: MixedDominance): AnalysisReport["dominated"]["mixed"] {
  const item = (e: MixedElimination): MixedEliminationJson => ({
    round: e.round,
    player: e.player,
    name: game.players[e.player].name,
    role: game.players[e.player].role,
    action: game.players[e.player].actions[e.action],
    by: e.by.map((b) => ({ action: game.players[e.player].actions[b.action], p: b.p.toString() })),
  });
  return {
    strict: m.strict.map(item),
    weak: m.weak.map(item),
    strict_survivors: m.strictSurvivors.map((s, p) => s.map((a) => game.players[p].actions[a])),
    complete: m.complete,
  };
}

function payoffValuesJson(game: NormalForm): PayoffValuesJson {
  const precision = game.precision ?? {
    exact: game.exact,
    reasons: game.exact ? [] : ["the payoffs are estimates"],
    float32: [],
  };
  return {
    kind: precision.exact ? "exact" : "approximate",
    reasons: precision.reasons,
    float32: precision.float32.slice(0, 100).map((d) => ({
      profile: profileNames(game, profileActions(game.sizes, d.profile)),
      player: game.players[d.player].name,
      exact: game.payoffs[d.player][d.profile].toString(),
      float32: d.value,
    })),
    float32_count: precision.float32.length,
    float32_changes: float32Changes(game),
  };
}

function bimatrixJson(
  game: NormalForm,
  keep: number[][],
  result: BimatrixResult,
): { equilibria: EquilibriumJson[]; components: ComponentJson[] } {
  const expand = (s: Q[], p: number): Q[] => {
    const full = new Array<Q>(game.sizes[p]).fill(Q.ZERO);
    keep[p].forEach((a, k) => (full[a] = s[k]));
    return full;
  };
  const componentOf = new Map<number, number>();
  result.components.forEach((c, ci) => c.equilibria.forEach((e) => componentOf.set(e, ci)));
  const pureList = pureEquilibria(game);
  const equilibria: EquilibriumJson[] = result.equilibria.map((e, i) => {
    const strategies = e.strategies.map((s, p) => expand(s, p));
    const nums = strategies.map((s) => s.map((q) => q.toNumber()));
    const pure = strategies.every((s) => s.filter((q) => !q.isZero()).length === 1);
    const actions = strategies.map((s) => s.findIndex((q) => !q.isZero()));
    return {
      strategies: nums,
      strategies_exact: strategies.map((s) => s.map((q) => q.toString())),
      payoffs: e.payoffs.map((q) => q.toNumber()),
      payoffs_exact: e.payoffs.map((q) => q.toString()),
      pure,
      ...(pure
        ? {
            profile: profileNames(game, actions),
            strict: pureList.find((p) => p.actions.every((a, k) => a === actions[k]))?.strict ?? false,
          }
        : {}),
      support: support(game, nums),
      component: componentOf.get(i)!,
      epsilon: 0,
    };
  });
  const components: ComponentJson[] = result.components.map((c) => ({
    extreme_points: c.equilibria,
    isolated: c.isolated,
    nash_subsets: c.subsets.map((s) => {
      const xs = s.xs.map((x) => expand(result.xs[x], 0));
      const ys = s.ys.map((y) => expand(result.ys[y], 1));
      return {
        strategies: [xs.map((v) => v.map((q) => q.toNumber())), ys.map((v) => v.map((q) => q.toNumber()))],
        strategies_exact: [xs.map((v) => v.map((q) => q.toString())), ys.map((v) => v.map((q) => q.toString()))],
        extreme_points: result.equilibria.flatMap((e, i) => (s.xs.includes(e.x) && s.ys.includes(e.y) ? [i] : [])),
      };
    }),
  }));
  return { equilibria, components };
}

function sweepJson(s: Sweep): SweepJson {
  return {
    param: s.param,
    type: s.type,
    range: s.range,
    default: s.default,
    points: s.points.map((p) => ({ value: p.value, class: p.class, pure_equilibria: p.pureEquilibria })),
    changes: s.changes.map((c) => ({
      after: c.after,
      before: c.before,
      at: c.at ?? null,
      from: { class: c.from.class, pure_equilibria: c.from.pureEquilibria },
      to: { class: c.to.class, pure_equilibria: c.to.pureEquilibria },
    })),
    estimated: s.estimated,
    note: s.note ?? null,
  };
}

export interface ScenarioOptions extends AnalyzeOptions, BuildOptions {
  /** Sweep ranged params (default true), over this many points (default 21). */
  sweep?: boolean;
  sweepPoints?: number;
  /** Samples per joint action in sweeps of random games (default 200). */
  sweepSamples?: number;
}

export type ScenarioAnalysis =
  { ok: true; report: AnalysisReport; game: NormalForm } | { ok: false; reason: string; kind: string };

/** Builds the normal form of a lowered scenario and analyses it, sweeps included. */
export function analyzeScenario(ir: IRGame, options: ScenarioOptions = {}): ScenarioAnalysis {
  try {
    return analyzeScenarioUnbounded(ir, options);
  } catch (error) {
    if (!(error instanceof AnalysisStopped)) throw error;
    return {
      ok: false,
      kind: "stopped",
      reason: `the analysis was stopped after ${Math.round(error.elapsedMs)} ms (its budget is ${error.budgetMs} ms); run \`agora analyze\` for the full result`,
    };
  }
}

function analyzeScenarioUnbounded(ir: IRGame, options: ScenarioOptions): ScenarioAnalysis {
  const built = buildNormalForm(ir, options);
  if (!built.ok) return { ok: false, reason: built.reason, kind: built.kind };
  const report = analyzeNormalForm(built.game, options, built.stage);
  if (options.sweep !== false) {
    report.sweep = sweepParams(ir, {
      ...options,
      samples: Math.min(options.samples ?? 1000, options.sweepSamples ?? 200),
      points: options.sweepPoints,
    }).map(sweepJson);
  }
  return { ok: true, report, game: built.game };
}
