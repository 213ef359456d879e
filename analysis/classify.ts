import { numProfiles, type NormalForm } from "./normal-form.js";
import { pureEquilibria } from "./pure.js";
import { Q } from "./rational.js";

/**
 * Names for the classic games, read off the order of the payoffs.
 *
 * A two-player 2x2 game is symmetric when, after possibly swapping the column player's
 * two actions, B[i][j] = A[j][i]. Its row player's payoffs are then, with C the first
 * action and D the second (of the symmetric form):
 *
 *     R = u(C, C)   S = u(C, D)   T = u(D, C)   P = u(D, D)
 *
 * and the classes are, by ordering:
 *
 *     prisoners_dilemma    T > R > P > S
 *     deadlock             T > P > R > S
 *     harmony              R > T, R > S, R > P, S > P   (C dominant and best for all)
 *     stag_hunt            R > T ≥ P > S
 *     coordination         R > T, P > S, P > T          (both diagonal profiles strict equilibria)
 *     chicken              T > R > S > P
 *     battle_of_the_sexes  min(T, S) > max(R, P)        (leader / hero: the symmetric form of
 *                                                       the battle of the sexes)
 *
 * Which action is "C" is a naming choice, so both labellings are tried; when both give a
 * class, the one with R ≥ P (mutual C at least as good as mutual D) wins, then the declared
 * order. Games that are not symmetric are classified by their equilibria: two strict pure
 * equilibria on different rows and columns, each better for both players than either
 * non-equilibrium profile, are a battle_of_the_sexes when the players disagree on which is
 * better and a coordination game otherwise. Constant-sum games are matching_pennies (2x2
 * without a pure equilibrium) or zero_sum.
 */

export type GameClass =
  | "prisoners_dilemma"
  | "deadlock"
  | "harmony"
  | "stag_hunt"
  | "coordination"
  | "chicken"
  | "battle_of_the_sexes"
  | "matching_pennies"
  | "zero_sum";

export interface DilemmaStrength {
  /** Gamble-intending dilemma Dg = T − R and risk-averting dilemma Dr = P − S. */
  Dg: Q;
  Dr: Q;
  /** Dg / (R − P) and Dr / (R − P), when R ≠ P. */
  DgNormalized?: Q;
  DrNormalized?: Q;
}

export interface Classification {
  class: GameClass | null;
  /** Symmetric 2x2: which action of each player plays C and D, and R, S, T, P. */
  symmetric?: {
    cooperate: [string, string];
    defect: [string, string];
    R: Q;
    S: Q;
    T: Q;
    P: Q;
    /** The order of R, S, T, P, such as `T > R > P > S`. */
    ordering: string;
    dilemma: DilemmaStrength;
  };
  constantSum: boolean;
  /** How the class was decided. */
  basis: string;
}

export function classOfOrdering(R: Q, S: Q, T: Q, P: Q): GameClass | null {
  const gt = (a: Q, b: Q) => a.cmp(b) > 0;
  const ge = (a: Q, b: Q) => a.cmp(b) >= 0;
  if (gt(T, R) && gt(R, P) && gt(P, S)) return "prisoners_dilemma";
  if (gt(T, P) && gt(P, R) && gt(R, S)) return "deadlock";
  if (gt(R, T) && gt(R, S) && gt(R, P) && gt(S, P)) return "harmony";
  if (gt(R, T) && ge(T, P) && gt(P, S)) return "stag_hunt";
  if (gt(R, T) && gt(P, S) && gt(P, T)) return "coordination";
  if (gt(T, R) && gt(R, S) && gt(S, P)) return "chicken";
  const minTS = T.cmp(S) < 0 ? T : S;
  const maxRP = R.cmp(P) > 0 ? R : P;
  if (gt(minTS, maxRP)) return "battle_of_the_sexes";
  return null;
}

export function ordering(values: Record<"R" | "S" | "T" | "P", Q>): string {
  const entries = (Object.entries(values) as [string, Q][]).sort((a, b) => b[1].cmp(a[1]));
  let out = entries[0][0];
  for (let i = 1; i < entries.length; i++)
    out += `${entries[i][1].eq(entries[i - 1][1]) ? " = " : " > "}${entries[i][0]}`;
  return out;
}

export function dilemmaStrength(R: Q, S: Q, T: Q, P: Q): DilemmaStrength {
  const Dg = T.sub(R);
  const Dr = P.sub(S);
  const RP = R.sub(P);
  return RP.isZero() ? { Dg, Dr } : { Dg, Dr, DgNormalized: Dg.div(RP), DrNormalized: Dr.div(RP) };
}

/** The payoffs sum to the same value in every profile, and the game is not trivial (someone's payoff varies). */
function isConstantSum(game: NormalForm): boolean {
  const total = numProfiles(game.sizes);
  if (game.payoffs.every((row) => row.every((q) => q.eq(row[0])))) return false;
  let first: Q | undefined;
  for (let i = 0; i < total; i++) {
    let s = Q.ZERO;
    for (const row of game.payoffs) s = s.add(row[i]);
    if (!first) first = s;
    else if (!s.eq(first)) return false;
  }
  return true;
}

export function classify(game: NormalForm): Classification {
  const constantSum = game.players.length >= 2 && isConstantSum(game);
  const fallback = (basis: string): Classification => {
    if (!constantSum) return { class: null, constantSum, basis };
    const twoByTwo = game.sizes.length === 2 && game.sizes[0] === 2 && game.sizes[1] === 2;
    if (twoByTwo && pureEquilibria(game).length === 0)
      return { class: "matching_pennies", constantSum, basis: "constant-sum 2x2 game without a pure equilibrium" };
    return { class: "zero_sum", constantSum, basis: "the payoffs sum to the same value in every profile" };
  };
  if (game.sizes.length !== 2 || game.sizes[0] !== 2 || game.sizes[1] !== 2)
    return fallback("only 2x2 games get an ordinal class");
  const A = (i: number, j: number) => game.payoffs[0][i * 2 + j];
  const B = (i: number, j: number) => game.payoffs[1][i * 2 + j];
  for (const swap of [false, true]) {
    const sigma = (j: number) => (swap ? 1 - j : j);
    let symmetric = true;
    for (let i = 0; i < 2 && symmetric; i++)
      for (let j = 0; j < 2 && symmetric; j++) if (!B(i, sigma(j)).eq(A(j, sigma(i)))) symmetric = false;
    if (!symmetric) continue;
    const [p1, p2] = game.players;
    const labelled = (c: number) => {
      const d = 1 - c;
      const R = A(c, sigma(c));
      const S = A(c, sigma(d));
      const T = A(d, sigma(c));
      const P = A(d, sigma(d));
      return { c, R, S, T, P, cls: classOfOrdering(R, S, T, P) };
    };
    const declared = labelled(0);
    const swapped = labelled(1);
    let pick = declared;
    if (declared.cls && swapped.cls) {
      const okDeclared = declared.R.cmp(declared.P) >= 0;
      const okSwapped = swapped.R.cmp(swapped.P) >= 0;
      pick = !okDeclared && okSwapped ? swapped : declared;
    } else if (!declared.cls && swapped.cls) pick = swapped;
    const { c, R, S, T, P, cls } = pick;
    const d = 1 - c;
    const result: Classification = {
      class: cls,
      symmetric: {
        cooperate: [p1.actions[c], p2.actions[sigma(c)]],
        defect: [p1.actions[d], p2.actions[sigma(d)]],
        R,
        S,
        T,
        P,
        ordering: ordering({ R, S, T, P }),
        dilemma: dilemmaStrength(R, S, T, P),
      },
      constantSum,
      basis: `symmetric 2x2 game, payoff order ${ordering({ R, S, T, P })}`,
    };
    if (!cls) {
      const f = fallback(`symmetric 2x2 game whose payoff order ${ordering({ R, S, T, P })} has no name here`);
      result.class = f.class;
      if (f.class) result.basis = f.basis;
      else result.basis = f.basis;
    }
    return result;
  }
  // Not symmetric: look at the pure equilibria.
  const pure = pureEquilibria(game).filter((e) => e.strict);
  if (pure.length === 2 && pure[0].actions[0] !== pure[1].actions[0] && pure[0].actions[1] !== pure[1].actions[1]) {
    const eq = pure.map((e) => e.profile);
    const off = [0, 1, 2, 3].filter((i) => !eq.includes(i));
    const coordinationLike = [0, 1].every((p) =>
      eq.every((e) => off.every((o) => game.payoffs[p][e].cmp(game.payoffs[p][o]) > 0)),
    );
    if (coordinationLike) {
      const pref = [0, 1].map((p) => game.payoffs[p][eq[0]].cmp(game.payoffs[p][eq[1]]));
      if (pref[0] * pref[1] < 0)
        return {
          class: "battle_of_the_sexes",
          constantSum,
          basis:
            "two strict pure equilibria that both players prefer to miscoordinating, each preferred by a different player",
        };
      return {
        class: "coordination",
        constantSum,
        basis: "two strict pure equilibria that both players prefer to miscoordinating, ranked alike by both",
      };
    }
  }
  return fallback("an asymmetric 2x2 game without a recognised equilibrium pattern");
}
