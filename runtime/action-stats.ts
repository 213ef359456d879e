import type { IRGame } from "../compiler/ir.js";

/**
 * What one role did in one phase: each action's share of the actions taken there. An action
 * with a ranged argument is one entry with the mean argument (a share per value would hide
 * what matters: `contribute` at 0 is not `contribute` at 20); an action whose argument names
 * an agent, team or rule has one entry per argument, labelled as the schema labels it.
 */
export interface ActionShare {
  action: string;
  share: number;
  meanArgument?: number;
}

/** Per role name, per phase name: the shares, in the schema's action order (null-prototype objects: names are keys). */
export type ActionShares = Record<string, Record<string, ActionShare[]>>;

/** Counts the actions learners take during a rollout, per role, phase and action (with its argument). */
export class ActionCounter {
  /** [role][phase][flat action] counts. */
  private readonly counts: Float64Array[][];

  constructor(private readonly ir: IRGame) {
    this.counts = ir.roles.map((role) => ir.phases.map(() => new Float64Array(role.numActions)));
  }

  record(role: number, flatAction: number, phase: number): void {
    const row = this.counts[role][phase];
    if (row && flatAction >= 0 && flatAction < row.length) row[flatAction]++;
  }

  shares(): ActionShares {
    const out: ActionShares = Object.create(null) as ActionShares;
    this.ir.roles.forEach((role, r) => {
      this.ir.phases.forEach((phase, p) => {
        const counts = this.counts[r][p];
        const total = counts.reduce((a, b) => a + b, 0);
        if (total === 0) return;
        const entries: ActionShare[] = [];
        for (const action of role.actions) {
          const flats = Array.from({ length: action.flatCount }, (_, k) => action.flatStart + k);
          if (action.arg?.kind === "range") {
            const n = flats.reduce((a, f) => a + counts[f], 0);
            if (n === 0) continue;
            const mean = flats.reduce((a, f) => a + counts[f] * role.flatArg[f], 0) / n;
            entries.push({ action: action.name, share: n / total, meanArgument: mean });
          } else {
            for (const f of flats)
              if (counts[f] > 0) entries.push({ action: role.actionLabels[f], share: counts[f] / total });
          }
        }
        (out[role.name] ??= Object.create(null) as Record<string, ActionShare[]>)[phase] = entries;
      });
    });
    return out;
  }
}

/** One line for people: `contribute 100% (mean 0)`, `defect 62%, cooperate 38%`. */
export function describeShares(shares: ActionShare[]): string {
  return [...shares]
    .sort((a, b) => b.share - a.share)
    .map(
      (s) =>
        `${s.action} ${(s.share * 100).toFixed(0)}%${s.meanArgument !== undefined ? ` (mean ${Number(s.meanArgument.toFixed(2))})` : ""}`,
    )
    .join(", ");
}

/** Lines `role: ...` (with `in PHASE` where the game has phases) for a summary. */
export function describeActionShares(shares: ActionShares | undefined, phases: readonly string[]): string[] {
  if (!shares) return [];
  const lines: string[] = [];
  for (const [role, byPhase] of Object.entries(shares)) {
    for (const [phase, entries] of Object.entries(byPhase))
      lines.push(`${role}${phases.length > 1 ? ` in ${phase}` : ""}: ${describeShares(entries)}`);
  }
  return lines;
}
