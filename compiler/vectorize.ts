/**
 * When the batched backends (the TensorFlow.js program and the NumPy module) may run the
 * agents of a role at once instead of one after another. Both ask the same questions of
 * the IR, so both ask them here; each backend adds only its own preconditions (whether an
 * axis is already in use).
 */
import type { Expr, IRGame, Scalar, Stmt } from "./ir.js";
import { assertNever, exprChildren } from "./ir-walk.js";

/** An agent field written or read, as one key per role and field. */
function fieldKey(role: number, field: { kind: string; index?: number }): string {
  return `${role}:${field.kind === "state" ? `s${field.index}` : field.kind}`;
}

/**
 * Whether a `for` over a role can run for all its agents at once: each iteration writes
 * only its own agent's fields (read only through the loop variable) and its own locals,
 * and adds to outer values (`+=`, `-=`) it does not read. Then the iterations do not see
 * each other, except through those sums, which are added in index order.
 * `isOuterLocal(slot)` says whether a local is declared before the loop.
 */
export function forIsVectorizable(
  ir: IRGame,
  s: Extract<Stmt, { k: "for" }>,
  isOuterLocal: (slot: number) => boolean,
): boolean {
  if (s.domain.kind !== "role") return false;
  const role = s.domain.role;
  const loopVar = s.slot;
  const written = new Set<string>();
  const reductions = new Map<string, { t: Scalar; count: number }>();
  const inner = new Set<number>();
  let ok = true;
  const isLoopVar = (e: Expr) => e.k === "local" && e.slot === loopVar;
  const scan = (list: Stmt[]) => {
    for (const st of list) {
      if (!ok) return;
      switch (st.k) {
        case "setLocal":
          if (inner.has(st.slot) || !isOuterLocal(st.slot)) inner.add(st.slot);
          else if ((st.op === "add" || st.op === "sub") && st.t !== "bool") {
            const r = reductions.get(`L${st.slot}`) ?? { t: st.t, count: 0 };
            r.count++;
            reductions.set(`L${st.slot}`, r);
          } else ok = false;
          break;
        case "setGlobal":
          if ((st.op === "add" || st.op === "sub") && st.t !== "bool") {
            const r = reductions.get(`G${st.index}`) ?? { t: st.t, count: 0 };
            r.count++;
            reductions.set(`G${st.index}`, r);
          } else ok = false;
          break;
        case "setAgent":
          if (!isLoopVar(st.agent) || st.role !== role) ok = false;
          else written.add(fieldKey(st.role, st.field));
          break;
        case "if":
          scan(st.then);
          scan(st.else);
          break;
        case "end":
          break;
        case "for":
        case "enact":
        case "enactDyn":
        case "play":
        case "payoff":
          // Nested loops, rule switches and payoff tables run one agent after another, in order.
          ok = false;
          break;
        default:
          assertNever(st, "statement");
      }
    }
  };
  scan(s.body);
  if (!ok) return false;
  // Reals are added in index order: one update per iteration at most.
  for (const r of reductions.values()) if (r.t === "real" && r.count > 1) return false;
  const reads = (e: Expr | undefined): void => {
    if (!e || !ok) return;
    switch (e.k) {
      case "agent":
        if (written.has(fieldKey(e.role, e.field)) && !isLoopVar(e.agent)) ok = false;
        reads(e.agent);
        return;
      case "size":
        if ([...written].some((w) => w.endsWith(":team"))) ok = false;
        reads(e.team);
        return;
      case "local":
        if (reductions.has(`L${e.slot}`)) ok = false;
        return;
      case "global":
        if (reductions.has(`G${e.index}`)) ok = false;
        return;
      case "param":
        for (const o of ir.params[e.param].overrides) reads(o.value);
        return;
      default:
        exprChildren(e).forEach(reads);
    }
  };
  const readsIn = (list: Stmt[]) => {
    for (const st of list) {
      switch (st.k) {
        case "setLocal":
        case "setGlobal":
        case "setAgent":
          reads(st.value);
          break;
        case "if":
          reads(st.c);
          readsIn(st.then);
          readsIn(st.else);
          break;
        case "end":
        case "for":
        case "enact":
        case "enactDyn":
        case "play":
        case "payoff":
          // Nothing more to read: the scan above refused all but `end`.
          break;
        default:
          assertNever(st, "statement");
      }
    }
  };
  reads(s.filter);
  readsIn(s.body);
  return ok;
}

/** Whether a role's initial values can be computed for all its agents at once. */
export function initIsVectorizable(teamInit: Expr | undefined, inits: Expr[], role: number): boolean {
  let ok = true;
  const visit = (e: Expr | undefined) => {
    if (!e || !ok) return;
    switch (e.k) {
      case "agent":
        // Reading another agent of this role would see some agents new, some old.
        if (e.role === role && e.agent.k !== "self") ok = false;
        visit(e.agent);
        return;
      case "size":
        ok = false;
        return;
      default:
        exprChildren(e).forEach(visit);
    }
  };
  visit(teamInit);
  inits.forEach(visit);
  return ok;
}
