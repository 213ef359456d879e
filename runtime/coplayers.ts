import type { IRGame } from "../compiler/ir.js";

/**
 * Who controls each agent. Environment copies are split evenly between the co-player
 * entries (a mixed population); in each copy every seat is played either by the learning
 * policy of its role or by a co-player:
 *
 * - `self`: every agent learns (self-play with shared parameters per role);
 * - `bot:NAME`: the scenario's bot plays its role's seats; if that role is the only one,
 *   agent 0 still learns (the focal agent) and the bot plays the others;
 * - `checkpoint:PATH[:ROLE]`: a frozen trained policy plays the co-player seats, chosen the
 *   same way (its role: ROLE if given, else the last role);
 * - `pool`: fictitious self-play (runtime/pool.ts): past snapshots of the learning policies
 *   play the co-player seats. It stands for one entry per role, each with that role's seats
 *   played from the pool (with one role: every agent but agent 0), so every role learns
 *   against the others' history.
 */
export type Opponent =
  | { kind: "self" }
  | { kind: "bot"; name: string; role: number }
  | { kind: "checkpoint"; path: string; role: number }
  | { kind: "pool"; role: number };

/** Parses `--opponent` entries (or the `train` block's `opponents`), `pool` expanded to one entry per role. */
export function parseOpponents(specs: string[], ir: IRGame): Opponent[] {
  return specs.flatMap((spec) =>
    spec === "pool" ? ir.roles.map((_, role) => ({ kind: "pool" as const, role })) : [parseOpponent(spec, ir)],
  );
}

export function parseOpponent(spec: string, ir: IRGame): Opponent {
  if (spec === "self") return { kind: "self" };
  if (spec === "pool")
    throw new Error(
      "`pool` (fictitious self-play) is a co-player for training only: it plays from the run's own history",
    );
  const [kind, ...rest] = spec.split(":");
  if (kind === "bot" || (rest.length === 0 && ir.bots.some((b) => b.name === spec))) {
    const name = kind === "bot" ? rest.join(":") : spec;
    const bot = ir.bots.find((b) => b.name === name);
    if (!bot) {
      const known = ir.bots.map((b) => b.name);
      throw new Error(
        `unknown bot \`${name}\`; ${known.length ? `the scenario's bots are ${known.map((b) => `\`${b}\``).join(", ")}` : "the scenario has no bots"}`,
      );
    }
    return { kind: "bot", name, role: bot.role };
  }
  if (kind === "checkpoint") {
    let path = rest.join(":");
    let role = ir.roles.length - 1;
    const last = rest[rest.length - 1];
    const named = ir.roles.findIndex((r) => r.name === last);
    if (rest.length > 1 && named >= 0) {
      role = named;
      path = rest.slice(0, -1).join(":");
    }
    if (!path) throw new Error("`checkpoint:` needs a path to a run folder or checkpoint file");
    return { kind: "checkpoint", path, role };
  }
  throw new Error(`unknown co-player \`${spec}\`; use \`self\`, \`pool\`, \`bot:NAME\` or \`checkpoint:PATH\``);
}

export function describeOpponent(o: Opponent): string {
  if (o.kind === "self" || o.kind === "pool") return o.kind;
  return o.kind === "bot" ? `bot:${o.name}` : `checkpoint:${o.path}`;
}

/** For one opponent entry: which agents of each role are co-player seats (the rest learn). */
export function coPlayerSeats(ir: IRGame, opponent: Opponent): boolean[][] {
  return ir.roles.map((role, r) => {
    const seats = new Array<boolean>(role.count).fill(false);
    if (opponent.kind === "self" || opponent.role !== r) return seats;
    const onlyRole = ir.roles.length === 1;
    for (let i = onlyRole ? 1 : 0; i < role.count; i++) seats[i] = true;
    return seats;
  });
}

/** Copy `e` uses entry `e % entries`: every entry gets an equal share of the copies. */
export function opponentOfCopy(copy: number, entries: number): number {
  return copy % entries;
}
