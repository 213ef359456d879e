import type { Expr, IRGame, Stmt } from "../compiler/ir.js";
import { stmtExprs as exprsOfStmt, walkExpr, walkStmts } from "../compiler/ir-walk.js";

/**
 * Static facts about a scenario's IR that decide whether (and how) it has a normal form:
 * which parts draw random numbers, and whether every round of a repeated game is the same
 * one-shot game.
 */

/** What a set of expressions reads. */
export interface Reads {
  random: boolean;
  round: boolean;
  /** `a.total` or `last(a.action)`: the history of the episode. */
  history: boolean;
  globals: Set<number>;
  /** `role:index` of agent state read. */
  agentState: Set<string>;
  teams: boolean;
  rules: Set<number>;
  /** A rule read through a rule-typed variable: any rule. */
  anyRule: boolean;
  params: Set<number>;
}

export function emptyReads(): Reads {
  return {
    random: false,
    round: false,
    history: false,
    globals: new Set(),
    agentState: new Set(),
    teams: false,
    rules: new Set(),
    anyRule: false,
    params: new Set(),
  };
}

export function readsOf(exprs: readonly Expr[], into: Reads = emptyReads()): Reads {
  for (const root of exprs) {
    walkExpr(root, (e) => {
      switch (e.k) {
        case "random":
          into.random = true;
          break;
        case "round":
          into.round = true;
          break;
        case "global":
          into.globals.add(e.index);
          break;
        case "param":
          into.params.add(e.param);
          break;
        case "rule":
          into.rules.add(e.rule);
          break;
        case "ruleDyn":
          into.anyRule = true;
          break;
        case "size":
          into.teams = true;
          break;
        case "agent":
          if (e.field.kind === "total" || e.field.kind === "last") into.history = true;
          else if (e.field.kind === "state") into.agentState.add(`${e.role}:${e.field.index}`);
          else if (e.field.kind === "team") into.teams = true;
          break;
        default:
          // Every other node reads nothing beyond its children, which the walk visits.
          break;
      }
    });
  }
  return into;
}

/** Every expression a body evaluates at its top (the roots; `walkExpr` reaches the rest). */
export function stmtExprs(stmts: readonly Stmt[]): Expr[] {
  const roots = new Set<Expr>();
  walkStmts(
    stmts,
    () => {},
    (s) => exprsOfStmt(s).forEach((e) => roots.add(e)),
  );
  return [...roots];
}

/** What a body writes, besides rewards. */
export interface Writes {
  rewards: boolean;
  globals: Set<number>;
  agentState: Set<string>;
  teams: boolean;
  rules: Set<number>;
  anyRule: boolean;
  ends: boolean;
}

export function writesOf(stmts: readonly Stmt[]): Writes {
  const w: Writes = {
    rewards: false,
    globals: new Set(),
    agentState: new Set(),
    teams: false,
    rules: new Set(),
    anyRule: false,
    ends: false,
  };
  walkStmts(
    stmts,
    () => {},
    (s) => {
      switch (s.k) {
        case "setGlobal":
          w.globals.add(s.index);
          break;
        case "setAgent":
          if (s.field.kind === "reward") w.rewards = true;
          else if (s.field.kind === "team") w.teams = true;
          else w.agentState.add(`${s.role}:${s.field.index}`);
          break;
        case "enact":
          w.rules.add(s.rule);
          break;
        case "enactDyn":
          w.anyRule = true;
          break;
        case "end":
          w.ends = true;
          break;
        case "payoff":
          w.rewards = true;
          break;
        default:
          // Locals, branches, loops and bot plays write nothing outside the step.
          break;
      }
    },
  );
  return w;
}

/** The expressions that decide what an agent is paid in a step and what it may do: the stage. */
export function stageExprs(ir: IRGame, stage: readonly Stmt[], objective: boolean): Expr[] {
  const exprs = stmtExprs(stage);
  for (const role of ir.roles) {
    for (const a of role.actions) if (a.guard) exprs.push(a.guard);
    if (objective && role.objective) exprs.push(role.objective);
  }
  for (const r of ir.rules) if (r.activeWhen) exprs.push(r.activeWhen);
  return exprs;
}

/**
 * Whether the stage draws random numbers, directly or through state initialised at random
 * (read by the stage), or through params that rules set to random values.
 */
export function stageIsRandom(ir: IRGame, stage: readonly Stmt[], objective: boolean): boolean {
  const reads = readsOf(stageExprs(ir, stage, objective));
  for (const p of reads.params) for (const o of ir.params[p].overrides) readsOf([o.value], reads);
  if (reads.random) return true;
  // State that the stage reads, initialised by a draw.
  for (const g of reads.globals) if (readsOf([ir.globals[g].init]).random) return true;
  for (const key of reads.agentState) {
    const [role, index] = key.split(":").map(Number);
    if (readsOf([ir.roles[role].state[index].init]).random) return true;
  }
  if (reads.teams) for (const role of ir.roles) if (role.teamInit && readsOf([role.teamInit]).random) return true;
  return false;
}

/**
 * Why the rounds of a repeated one-phase game are not all the same one-shot game, or an
 * empty list when they are: the step changes nothing that the step, the guards, the
 * objectives or scheduled rules read, and nothing reads the round number or the history.
 */
export function roundDifferences(ir: IRGame, objective: boolean): string[] {
  const stage = ir.steps[0] ?? [];
  const reads = readsOf(stageExprs(ir, stage, objective));
  for (const p of reads.params) for (const o of ir.params[p].overrides) readsOf([o.value], reads);
  const writes = writesOf(stage);
  const reasons: string[] = [];
  if (reads.round) reasons.push("the step, a guard or a scheduled rule reads `round`");
  if (reads.history) reasons.push("the step, a guard or an objective reads the history (`total` or `last(...)`)");
  for (const g of writes.globals)
    if (reads.globals.has(g)) reasons.push(`the step changes state \`${ir.globals[g].name}\`, which the game reads`);
  for (const key of writes.agentState) {
    if (!reads.agentState.has(key)) continue;
    const [role, index] = key.split(":").map(Number);
    reasons.push(
      `the step changes \`${ir.roles[role].name}.${ir.roles[role].state[index].name}\`, which the game reads`,
    );
  }
  if (writes.teams && reads.teams) reasons.push("the step moves agents between teams, which the game reads");
  const ruleRead = (r: number) =>
    reads.anyRule ||
    reads.rules.has(r) ||
    ir.params.some((p, i) => reads.params.has(i) && p.overrides.some((o) => o.rule === r));
  for (const r of writes.rules)
    if (ruleRead(r)) reasons.push(`the step enacts or repeals rule \`${ir.rules[r].name}\`, which the game reads`);
  if (
    writes.anyRule &&
    (reads.anyRule || reads.rules.size > 0 || ir.params.some((p, i) => reads.params.has(i) && p.overrides.length > 0))
  ) {
    reasons.push("the step enacts or repeals rules chosen at run time, which the game reads");
  }
  return reasons;
}
