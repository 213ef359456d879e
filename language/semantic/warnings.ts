/**
 * The whole-game warnings, reported once every declaration and body is checked: params and
 * state never read, roles without actions, a game without roles, rules that are never
 * active (never enacted nor scheduled), and actions whose guards can never hold. They need
 * the complete model (which names were read, which rules are enacted anywhere), so they
 * run last. Warnings about one construct, such as an unreachable `match` arm, are reported
 * where that construct is checked.
 */
import { DiagnosticCode, type Diagnostic } from "../diagnostics.js";
import type * as A from "../syntax/ast.js";
import { RESERVED_WORDS } from "../syntax/tokens.js";
import type { Span } from "../text.js";
import type { ConstResult } from "./const-fold.js";
import type { ActionInfo, GameModel, SymbolDef } from "./model.js";

/** What the warnings need from the checker. */
export interface WarningHost {
  readonly model: GameModel;
  /** Every symbol read somewhere in the game. */
  readonly readSymbols: ReadonlySet<SymbolDef>;
  warning(code: string, span: Span, message: string, extra?: Pick<Diagnostic, "hint" | "related">): void;
  /** Folds an expression to a constant without reporting anything or marking names read. */
  foldQuietly(e: A.Expr): ConstResult;
}

/** Reports the whole-game warnings, in a fixed order: params, state, roles, rules, actions. */
export function reportGameWarnings(host: WarningHost): void {
  // A name already rejected as a reserved word gets no second complaint.
  const unused = (s: SymbolDef) => !host.readSymbols.has(s) && !(RESERVED_WORDS as readonly string[]).includes(s.name);
  for (const param of host.model.params.values()) {
    if (!unused(param.symbol)) continue;
    if (param.setBy.length > 0) {
      host.warning(
        DiagnosticCode.UnusedParam,
        param.decl.name.span,
        `param \`${param.symbol.name}\` is set by rule \`${param.setBy[0].symbol.name}\` but never read`,
        { hint: "read it where the rule should make a difference" },
      );
    } else
      host.warning(DiagnosticCode.UnusedParam, param.decl.name.span, `param \`${param.symbol.name}\` is never used`, {
        hint: "remove it, or use it in the game",
      });
  }
  for (const { symbol } of host.model.state.values()) {
    if (unused(symbol))
      host.warning(DiagnosticCode.UnusedState, symbol.nameSpan, `state \`${symbol.name}\` is never read`, {
        hint: "remove it, or observe it",
      });
  }
  for (const role of host.model.roles) {
    for (const { symbol } of role.state.values()) {
      if (unused(symbol))
        host.warning(
          DiagnosticCode.UnusedState,
          symbol.nameSpan,
          `agent state \`${symbol.name}\` of \`${role.name}\` is never read`,
          { hint: "remove it, or observe it" },
        );
    }
    if (role.actions.length === 0 && role.symbol.name !== "") {
      host.warning(
        DiagnosticCode.NoActions,
        role.symbol.nameSpan,
        `role \`${role.name}\` has no actions, so its agents never act`,
        { hint: "add one, such as `action wait`" },
      );
    }
  }
  if (host.model.roles.length === 0) {
    host.warning(
      DiagnosticCode.NoRoles,
      host.model.game.name.span,
      `game \`${host.model.name}\` declares no \`role\`: no agent ever acts`,
      { hint: "add one, such as `role player * 2 { action go }`" },
    );
  }
  const neverActive = new Set<string>();
  for (const rule of host.model.rules) {
    if (!rule.startsActive && !rule.activeWhen && rule.enactedAt.length === 0 && host.model.dynamicEnacts.length === 0)
      neverActive.add(rule.symbol.name);
  }
  // Actions guarded by a dormant rule are noted on the rule's warning, not warned about again.
  const guardedBy = new Map<string, ActionInfo[]>();
  for (const role of host.model.roles) {
    for (const action of role.actions) {
      for (const g of action.decl.guards) {
        // Only the dormant rules the guard names can make it false.
        const named = rulesNamedIn(g, host.model.resolved).filter((r) => neverActive.has(r));
        if (named.length === 0 || alwaysFalse(host, g, new Set())) continue;
        for (const rule of named) {
          if (alwaysFalse(host, g, new Set([rule]))) guardedBy.set(rule, [...(guardedBy.get(rule) ?? []), action]);
        }
      }
    }
  }
  for (const rule of host.model.rules) {
    if (!neverActive.has(rule.symbol.name) || (RESERVED_WORDS as readonly string[]).includes(rule.symbol.name))
      continue;
    const actions = guardedBy.get(rule.symbol.name) ?? [];
    host.warning(
      DiagnosticCode.RuleNeverActive,
      rule.decl.name.span,
      `rule \`${rule.symbol.name}\` is never enacted nor scheduled, so it is never active`,
      {
        hint: `\`enact ${rule.symbol.name}\` in a \`step\`, or give it \`starts active\` or \`active when ...\``,
        related: actions.length
          ? actions.map((a) => ({
              span: a.symbol.nameSpan,
              message: `so action \`${a.symbol.name}\` is never available`,
            }))
          : undefined,
      },
    );
  }
  for (const role of host.model.roles) {
    for (const action of role.actions) {
      const guard = action.decl.guards.find((g) => alwaysFalse(host, g, new Set()));
      if (guard) {
        host.warning(
          DiagnosticCode.ActionNeverAvailable,
          action.symbol.nameSpan,
          `action \`${action.symbol.name}\` can never be available: its guard is always false`,
          {
            related: [{ span: guard.span, message: "this guard" }],
          },
        );
      }
      const arg = action.argument?.info;
      const excluding =
        arg?.kind === "role" && arg.role === role.name && role.count === 1
          ? action.decl.guards.find((g) => mentionsNotSelf(g, action.argument!.name))
          : undefined;
      if (excluding) {
        host.warning(
          DiagnosticCode.ActionNeverAvailable,
          action.symbol.nameSpan,
          `action \`${action.symbol.name}\` can never be available: role \`${role.name}\` has one agent, and the guard excludes \`self\``,
          {
            related: [{ span: excluding.span, message: "this guard" }],
          },
        );
      }
    }
  }
}

/** Whether a guard folds to false, counting rules that can never be active as false. */
function alwaysFalse(host: WarningHost, e: A.Expr, neverActive: Set<string>): boolean {
  switch (e.kind) {
    case "Bool":
      return !e.value;
    case "Paren":
      return alwaysFalse(host, e.inner, neverActive);
    case "NameRef":
      if (neverActive.has(e.name.text) && host.model.resolved.get(e)?.kind === "rule") return true;
      break;
    case "Binary":
      if (e.op === "and") return alwaysFalse(host, e.left, neverActive) || alwaysFalse(host, e.right, neverActive);
      if (e.op === "or") return alwaysFalse(host, e.left, neverActive) && alwaysFalse(host, e.right, neverActive);
      break;
    default:
      // Anything else is false only if it folds to false, below.
      break;
  }
  const folded = host.foldQuietly(e);
  return folded.ok && folded.value.type === "bool" && folded.value.value === false;
}

/** The rules an expression reads by name. */
function rulesNamedIn(e: A.Expr, resolved: ReadonlyMap<A.Expr | A.Name, SymbolDef>): string[] {
  const found: string[] = [];
  const visit = (x: A.Expr) => {
    switch (x.kind) {
      case "NameRef":
        if (resolved.get(x)?.kind === "rule") found.push(x.name.text);
        return;
      case "Paren":
        return visit(x.inner);
      case "Unary":
        return visit(x.operand);
      case "Binary":
        visit(x.left);
        return visit(x.right);
      case "IfExpr":
        visit(x.condition);
        visit(x.then);
        return visit(x.else);
      default:
        return;
    }
  };
  visit(e);
  return found;
}

function mentionsNotSelf(e: A.Expr, argument: string): boolean {
  if (e.kind === "Binary") {
    if (
      e.op === "!=" &&
      ((e.left.kind === "NameRef" && e.left.name.text === argument && e.right.kind === "Self") ||
        (e.right.kind === "NameRef" && e.right.name.text === argument && e.left.kind === "Self"))
    )
      return true;
    if (e.op === "and") return mentionsNotSelf(e.left, argument) || mentionsNotSelf(e.right, argument);
  }
  if (e.kind === "Paren") return mentionsNotSelf(e.inner, argument);
  return false;
}
