import { numProfiles, profileActions, profileNames, strides, type NormalForm } from "./normal-form.js";
import { dominance, pureEquilibria } from "./pure.js";
import { Q } from "./rational.js";

/**
 * The game the run time actually plays when some payoffs are not float32 numbers: the
 * exact game with those payoffs replaced by their float32 values, and what that changes.
 */

/** The normal form with every payoff that float32 cannot hold replaced by its float32 value. */
export function float32Game(game: NormalForm): NormalForm {
  const differs = game.precision?.float32 ?? [];
  if (differs.length === 0) return game;
  const payoffs = game.payoffs.map((row) => row.slice());
  // An overflow to ±Infinity is past every finite payoff: a value beyond them all stands in.
  const bound = game.payoffs
    .flat()
    .reduce((m, q) => ((q.sign() < 0 ? q.neg() : q).cmp(m) > 0 ? (q.sign() < 0 ? q.neg() : q) : m), Q.ONE)
    .add(Q.ONE);
  for (const d of differs)
    payoffs[d.player][d.profile] = Number.isFinite(d.value) ? Q.fromDouble(d.value) : d.value > 0 ? bound : bound.neg();
  return { ...game, payoffs, precision: { exact: true, reasons: [], float32: [] } };
}

/**
 * How the float32 game differs from the exact one: its pure equilibria, its strictly and
 * weakly dominated actions, and any player's best responses to the others' pure profiles.
 * Empty when float32 changes none of them.
 */
export function float32Changes(game: NormalForm): string[] {
  const f32 = float32Game(game);
  if (f32 === game) return [];
  const out: string[] = [];
  const pureText = (g: NormalForm) => {
    const list = pureEquilibria(g).map((e) => `(${profileNames(g, e.actions).join(", ")})${e.strict ? "" : " weak"}`);
    return list.length === 0 ? "none" : list.join(", ");
  };
  const [pe, pf] = [pureText(game), pureText(f32)];
  if (pe !== pf) out.push(`pure equilibria: ${pe} as written, ${pf} in float32`);
  const [de, df] = [dominance(game), dominance(f32)];
  const domText = (g: NormalForm, list: { player: number; action: number }[]) =>
    list.map((e) => `${g.players[e.player].name}.${g.players[e.player].actions[e.action]}`).join(", ") || "none";
  for (const kind of ["strict", "weak"] as const) {
    const [a, b] = [domText(game, de[kind]), domText(f32, df[kind])];
    if (a !== b)
      out.push(`${kind === "strict" ? "strictly" : "weakly"} dominated actions: ${a} as written, ${b} in float32`);
  }
  const changed = bestResponseChanges(game, f32);
  if (changed.length > 0)
    out.push(
      `best responses differ in ${changed.length} case${changed.length === 1 ? "" : "s"}, such as ${changed[0]}`,
    );
  return out;
}

/** Where a player's set of best pure responses to the others' pure actions differs. */
function bestResponseChanges(a: NormalForm, b: NormalForm): string[] {
  const out: string[] = [];
  const total = numProfiles(a.sizes);
  const st = strides(a.sizes);
  for (let p = 0; p < a.sizes.length; p++) {
    const n = a.sizes[p];
    for (let base = 0; base < total; base++) {
      if (Math.floor(base / st[p]) % n !== 0) continue;
      const best = (g: NormalForm) => {
        const values = Array.from({ length: n }, (_, k) => g.payoffs[p][base + k * st[p]]);
        const top = values.reduce((x, y) => (y.cmp(x) > 0 ? y : x));
        return values.flatMap((v, k) => (v.eq(top) ? [k] : [])).join(",");
      };
      if (best(a) !== best(b)) {
        const others = profileNames(a, profileActions(a.sizes, base)).filter((_, q) => q !== p);
        out.push(
          `${a.players[p].name} against (${others.join(", ")}): ${best(a)
            .split(",")
            .map((k) => a.players[p].actions[Number(k)])
            .join(" or ")} as written, ${best(b)
            .split(",")
            .map((k) => a.players[p].actions[Number(k)])
            .join(" or ")} in float32`,
        );
      }
    }
  }
  return out;
}
