/**
 * Payoff-table checks. A `payoff` table gives each agent's reward for every joint action of
 * a one-step game without phases: one row per joint action, one action and one payoff per
 * agent, in declaration order. This module reports tables the game cannot have, rows of the
 * wrong size, duplicate rows and missing joint actions; for the last it offers a fix that
 * adds the missing rows (paying 0) in the file's own layout.
 *
 * It runs after the bodies are checked, so role counts and actions are known; the checker
 * supplies type checking of the payoffs and action lookup through `PayoffTableHost`.
 */
import { DiagnosticCode, type Diagnostic } from "../diagnostics.js";
import type * as A from "../syntax/ast.js";
import type { Span } from "../text.js";
import type { ActionInfo, GameModel, RoleInfo } from "./model.js";

/** Largest joint action space whose missing payoff rows are enumerated. */
const MAX_ENUMERATED_ROWS = 100_000;
const MISSING_ROWS_LISTED = 4;

/** What the payoff checks need from the checker. */
export interface PayoffTableHost {
  readonly model: GameModel;
  /** The source text, so that the fix for missing rows matches its layout. */
  readonly source: string;
  error(code: string, span: Span, message: string, extra?: Pick<Diagnostic, "hint" | "related" | "fix">): void;
  /** Type-checks one payoff: a number. */
  checkReward(e: A.Expr): void;
  /** The action `name` of `role`, reporting (and returning nothing for) one it lacks. */
  actionInRole(name: A.Name, role: RoleInfo): ActionInfo | undefined;
}

/** Checks the game's `payoff` table, if it has one. */
export function checkPayoffTable(host: PayoffTableHost): void {
  const payoff = host.model.payoff;
  if (!payoff) return;
  const checkRewards = () => {
    for (const row of payoff.rows) for (const r of row.rewards) host.checkReward(r);
  };
  if (host.model.phases.length > 0) {
    host.error(DiagnosticCode.PayoffNotAllowed, payoff.keyword, "a `payoff` table needs a game without `phases`", {
      hint: "write a `step` for each phase instead",
    });
    checkRewards();
    return;
  }
  const withArgument = host.model.roles.flatMap((r) => r.actions).find((a) => a.argument);
  if (withArgument) {
    host.error(
      DiagnosticCode.PayoffNotAllowed,
      payoff.keyword,
      `a \`payoff\` table needs actions without arguments, and \`${withArgument.symbol.name}\` takes one`,
      {
        related: [{ span: withArgument.symbol.nameSpan, message: "the action" }],
        hint: "pay rewards in a `step` instead",
      },
    );
    checkRewards();
    return;
  }
  // Positions: the agents of every role, in declaration order, then by index.
  const positions: RoleInfo[] = [];
  for (const role of host.model.roles) {
    if (role.count === undefined) {
      checkRewards();
      return;
    }
    for (let i = 0; i < role.count; i++) positions.push(role);
  }
  const n = positions.length;
  const describeAgents = () =>
    host.model.roles.map((r) => `\`${r.name}${r.count! > 1 ? ` * ${r.count}` : ""}\``).join(" and ");
  const seen = new Map<string, A.PayoffRow>();
  for (const row of payoff.rows) {
    for (const r of row.rewards) host.checkReward(r);
    if (row.actions.length !== n) {
      host.error(
        DiagnosticCode.PayoffRowSize,
        spanOfNames(row.actions, row.span),
        `this row names ${row.actions.length} action${row.actions.length === 1 ? "" : "s"}, but the game has ${n} agent${n === 1 ? "" : "s"} (${describeAgents()})`,
        {
          hint: "a row lists one action per agent, in declaration order",
        },
      );
      continue;
    }
    if (row.rewards.length !== n) {
      const first = row.rewards[0]?.span ?? row.span;
      const last = row.rewards[row.rewards.length - 1]?.span ?? row.span;
      host.error(
        DiagnosticCode.PayoffRowSize,
        { start: first.start, end: last.end },
        `this row gives ${row.rewards.length} payoff${row.rewards.length === 1 ? "" : "s"}, but the game has ${n} agent${n === 1 ? "" : "s"} (${describeAgents()})`,
        {
          hint: "give one payoff per agent, in the order of the actions",
        },
      );
    }
    const indices: number[] = [];
    row.actions.forEach((name, i) => {
      const action = host.actionInRole(name, positions[i]);
      indices.push(action ? action.index : -1);
    });
    if (indices.includes(-1)) continue;
    const key = indices.join(",");
    const previous = seen.get(key);
    if (previous) {
      host.error(
        DiagnosticCode.PayoffDuplicateRow,
        spanOfNames(row.actions, row.span),
        `duplicate row: \`${row.actions.map((a) => a.text).join(", ")}\` is already given`,
        {
          related: [{ span: spanOfNames(previous.actions, previous.span), message: "the first row for it" }],
        },
      );
    } else seen.set(key, row);
  }
  // Missing joint actions.
  const sizes = positions.map((r) => r.actions.length);
  if (sizes.some((s) => s === 0)) return;
  const total = sizes.reduce((a, b) => a * b, 1);
  if (seen.size >= total) return;
  const needed = `${describeAgents()} with ${describeActionCounts(host.model.roles)} need${host.model.roles.length === 1 ? "s" : ""} ${total}`;
  // With duplicate or broken rows the row count says nothing: count the joint actions covered.
  const consistent = payoff.rows.length === seen.size;
  const missing: string[] = [];
  if (total <= MAX_ENUMERATED_ROWS) {
    const counter = new Array<number>(n).fill(0);
    for (let k = 0; k < total; k++) {
      if (!seen.has(counter.join(",")))
        missing.push(counter.map((a, i) => positions[i].actions[a].symbol.name).join(", "));
      for (let i = n - 1; i >= 0; i--) {
        counter[i]++;
        if (counter[i] < sizes[i]) break;
        counter[i] = 0;
      }
    }
  }
  const rows = payoff.rows.length;
  const listed = missing
    .slice(0, MISSING_ROWS_LISTED)
    .map((m) => `\`${m}\``)
    .join(", ");
  const more = missing.length > MISSING_ROWS_LISTED ? ` and ${missing.length - MISSING_ROWS_LISTED} more` : "";
  const zeros = new Array(n).fill("0").join(", ");
  // New rows go on their own lines just before the closing `}`, indented like the first row.
  const source = host.source;
  const close = payoff.span.end - 1;
  const lineStart = Math.max(source.lastIndexOf("\n", close - 1), source.lastIndexOf("\r", close - 1)) + 1;
  const closeOnOwnLine = source !== "" && source.slice(lineStart, close).trim() === "";
  const firstRow = payoff.rows[0]?.span.start;
  const rowLineStart =
    firstRow === undefined
      ? -1
      : Math.max(source.lastIndexOf("\n", firstRow - 1), source.lastIndexOf("\r", firstRow - 1)) + 1;
  const rowIndent =
    firstRow !== undefined && source.slice(rowLineStart, firstRow).trim() === ""
      ? source.slice(rowLineStart, firstRow)
      : "    ";
  const closeIndent = closeOnOwnLine ? source.slice(lineStart, close) : "  ";
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  const rowsText = missing.map((m) => `${rowIndent}${m} => ${zeros}${eol}`).join("");
  // After the last row's text: the spaces before a `}` on the same line are replaced.
  let afterRows = close;
  while (afterRows > 0 && (source[afterRows - 1] === " " || source[afterRows - 1] === "\t")) afterRows--;
  const fixSpan = closeOnOwnLine ? { start: lineStart, end: lineStart } : { start: afterRows, end: close };
  const fixText = closeOnOwnLine ? rowsText : `${eol}${rowsText}${closeIndent}`;
  host.error(
    DiagnosticCode.PayoffMissingRows,
    payoff.keyword,
    consistent
      ? `\`payoff\` has ${rows} row${rows === 1 ? "" : "s"} but ${needed}${missing.length ? `: missing ${listed}${more}` : ""}`
      : `\`payoff\` covers ${seen.size} of the ${total} joint actions of ${describeAgents()}${missing.length ? `: missing ${listed}${more}` : ""}`,
    {
      hint: missing.length ? "every joint action needs exactly one row" : undefined,
      fix:
        missing.length && missing.length <= 1000
          ? {
              span: fixSpan,
              text: fixText,
              title: `Add the ${missing.length} missing row${missing.length === 1 ? "" : "s"}`,
            }
          : undefined,
    },
  );
}

function spanOfNames(names: A.Name[], fallback: Span): Span {
  if (names.length === 0) return fallback;
  return { start: names[0].span.start, end: names[names.length - 1].span.end };
}

function describeActionCounts(roles: RoleInfo[]): string {
  const plural = (n: number) => `${n} action${n === 1 ? "" : "s"}`;
  if (roles.length === 1) return plural(roles[0].actions.length);
  const counts = roles.map((r) => r.actions.length);
  if (counts.every((c) => c === counts[0])) return `${plural(counts[0])} each`;
  return `${counts.join(", ")} actions`;
}
