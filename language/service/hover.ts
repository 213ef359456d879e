import { AGENT_FIELDS, AGGREGATES, BUILTIN_FUNCTIONS, TRAIN_KEYS } from "../semantic/builtins.js";
import { formatConst } from "../semantic/constants.js";
import type { ActionInfo, GameModel, SymbolDef } from "../semantic/model.js";
import { typeToString } from "../semantic/types.js";
import type * as A from "../syntax/ast.js";
import * as T from "../syntax/tokens.js";
import type { Position, Span } from "../text.js";
import { occurrenceAt } from "./occurrences.js";
import { nodePath, sourceLine, tokenAt, tokenEnd } from "./syntax-lookup.js";
import { collect } from "./contributions.js";
import type { GameDocument } from "./document.js";
import type { Hover } from "./types.js";

const KEYWORD_DOCS: Record<string, string> = {
  self: "The agent this role item, guard or bot is about.",
  round: "The current round, an `int` counted from 0.",
  phase: "The current phase; compare it with a phase name (`phase == offer`).",
  noop: "The action of an agent that has no legal action in this phase.",
  last: "`last(a.action)`: the agent's most recent action before this round (none in round 0).",
  param: "A constant, overridable with `--set name=value`; with `in lo..hi`, sampled per episode.",
  state: "State that changes during an episode: global in a game, per agent in a role.",
  role: "A role with `count` agents, its actions, state, observations and objective.",
  rule: "A rule that can be active or inactive; its name reads `true` while active.",
  payoff: "A normal-form payoff table: one row per joint action of every agent.",
  step: "The transition, run after the agents' joint action (in a phase, with `step phase`).",
  metric: "A per-step quantity averaged into the episode's metrics (with `in p`, over the steps of phase `p` only).",
  bot: "A scripted policy for a role: the first `play` it runs is its action.",
  train: "Default training settings for this scenario.",
  horizon: "The episode's length in rounds; a range `lo..hi` is sampled per episode.",
  phases: "Each round runs these phases in order.",
  teams: "The game's teams (values of type `team`).",
  action: "An action of the role, optionally with an argument, a phase and a guard.",
  observe: "What the role's agents observe, flattened into one vector.",
  objective: "What learning maximizes for this role (default `self.reward`).",
  enact: "Makes a rule active (at once; enacting an active rule does nothing).",
  repeal: "Makes a rule inactive (at once; repealing an inactive rule does nothing).",
  end: "Ends the episode (`end` in a step, `end when c` at game level).",
  play: "Chooses the bot's action and ends the bot.",
  match: "Runs the arm of the action an agent took (`match a.action { name => ... }`).",
};

/**
 * Hover text at a position: what the name is, its type, value, range and documentation,
 * followed by what contributions add there (the game analysis on the game's name).
 */
export function getHover(doc: GameDocument, position: Position): Hover | null {
  const own = languageHover(doc, position);
  const extra = collect(doc, (c) => c.hover?.(doc, doc.offsetAt(position)));
  if (extra.length === 0) return own;
  return {
    contents: [own?.contents, ...extra.map((e) => e.contents)].filter(Boolean).join("\n\n---\n\n"),
    range: own?.range ?? doc.rangeOf(extra[0].span),
  };
}

function languageHover(doc: GameDocument, position: Position): Hover | null {
  const offset = doc.offsetAt(position);
  const model = doc.model;
  const occurrence = occurrenceAt(doc, offset);
  if (occurrence && model) {
    const contents = describeSymbol(doc, model, occurrence.symbol);
    if (contents) return { contents, range: doc.rangeOf(occurrence.span) };
  }
  const token = tokenAt(doc.parsed.tokens, offset);
  if (!token) return null;
  const span: Span = { start: token.startOffset, end: tokenEnd(token) };
  const game = doc.parsed.ast.game;
  const path = game ? nodePath(game, offset) : [];
  const node = path[path.length - 1] as { span: Span; kind?: string } | undefined;
  const parent = path[path.length - 2] as { kind?: string } | undefined;

  // An agent's built-in field: `a.reward`, `self.team`.
  if (parent?.kind === "Field" && (parent as A.FieldExpr).field === node) {
    const field = AGENT_FIELDS.get((node as A.Name).text);
    const objectType = model?.types.get((parent as A.FieldExpr).object);
    if (field && objectType?.kind === "agent") {
      const type =
        field.type === "team"
          ? "team"
          : field.type === "action"
            ? `action of \`${objectType.role}\``
            : typeToString(field.type);
      return {
        contents: `${code(`${(node as A.Name).text}: ${type.replace(/`/g, "")}`)}\n\nField of every agent${field.writable ? "" : " (read-only)"}. ${field.doc}`,
        range: doc.rangeOf(span),
      };
    }
  }
  // Built-in functions and aggregates.
  if (parent?.kind === "Call" && (parent as A.CallExpr).callee === node) {
    const fn = BUILTIN_FUNCTIONS.get((node as A.Name).text);
    if (fn)
      return {
        contents: `${code(fn.signature)}\n\n${fn.doc}${fn.random ? "\n\nRandom: a pure function of the seed and where it is called." : ""}`,
        range: doc.rangeOf(span),
      };
  }
  if (parent?.kind === "Aggregate" && (parent as A.AggregateExpr).fn === node) {
    const agg = AGGREGATES.get((node as A.Name).text);
    if (agg) return { contents: `${code(agg.signature)}\n\n${agg.doc}`, range: doc.rangeOf(span) };
  }
  // A training setting.
  if (path.some((n) => (n as { kind?: string }).kind === "Train")) {
    const entry = path.find((n) => (n as A.TrainEntry).key === node) as A.TrainEntry | undefined;
    const spec = entry ? TRAIN_KEYS.get(entry.key.text) : undefined;
    if (spec)
      return {
        contents: `${code(`${entry!.key.text}: ${spec.kind === "intList" ? "[int, ...]" : spec.kind === "opponents" ? "[bot | self | pool, ...]" : spec.kind}`)}\n\n${spec.doc}`,
        range: doc.rangeOf(span),
      };
  }
  // `self`, `round` and other keywords.
  const word = token.image;
  if (word === "self" && node?.kind === "Self") {
    const type = model?.types.get(node as A.Expr);
    return {
      contents: `${code(`self: ${type ? typeToString(type).replace(/`/g, "") : "agent"}`)}\n\n${KEYWORD_DOCS.self}`,
      range: doc.rangeOf(span),
    };
  }
  if (word === "round" && node?.kind === "Round")
    return { contents: `${code("round: int")}\n\n${KEYWORD_DOCS.round}`, range: doc.rangeOf(span) };
  if (KEYWORD_DOCS[word] && T.isKeywordToken(token.tokenType))
    return { contents: `${code(word)}\n\n${KEYWORD_DOCS[word]}`, range: doc.rangeOf(span) };
  if (node?.kind === "Number")
    return {
      contents: code(`${(node as A.NumberLit).text}: ${(node as A.NumberLit).isInt ? "int" : "real"}`),
      range: doc.rangeOf(node.span),
    };
  // Any other expression: its type.
  if (node && "kind" in node && model?.types.has(node as A.Expr)) {
    const type = model.types.get(node as A.Expr)!;
    if (type.kind !== "error")
      return {
        contents: code(`${doc.text.slice(node.span.start, node.span.end)}: ${typeToString(type).replace(/`/g, "")}`),
        range: doc.rangeOf(node.span),
      };
  }
  return null;
}

function code(text: string): string {
  return "```game\n" + text + "\n```";
}

function withDoc(text: string, doc: string | undefined): string {
  return doc ? `${text}\n\n---\n\n${doc}` : text;
}

/** The hover text of a declared name. */
export function describeSymbol(doc: GameDocument, model: GameModel, symbol: SymbolDef): string | undefined {
  const type = typeToString(symbol.type).replace(/`/g, "");
  switch (symbol.kind) {
    case "game":
      return withDoc(code(`game ${symbol.name}`), symbol.doc);
    case "param": {
      const param = model.params.get(symbol.name);
      if (!param || param.symbol !== symbol) return withDoc(code(sourceLine(doc, symbol.declSpan)), symbol.doc);
      const lines = [code(sourceLine(doc, param.decl.span))];
      const facts: string[] = [];
      if (param.value) facts.push(`${param.overridden ? "Set to" : "Default"} \`${formatConst(param.value)}\``);
      if (param.range)
        facts.push(
          `sampled per episode from \`${trim(param.range.lo)}..${trim(param.range.hi)}\`${param.type === "int" ? " (uniform int)" : ""}`,
        );
      if (param.setBy.length > 0)
        facts.push(
          `set by rule${param.setBy.length > 1 ? "s" : ""} ${param.setBy.map((r) => `\`${r.symbol.name}\``).join(", ")} while active`,
        );
      if (facts.length) lines.push(capitalize(facts.join("; ")) + ".");
      return withDoc(lines.join("\n\n"), symbol.doc);
    }
    case "state":
      return withDoc(`${code(sourceLine(doc, symbol.declSpan))}\n\nGame state.`, symbol.doc);
    case "agentState":
      return withDoc(
        `${code(sourceLine(doc, symbol.declSpan))}\n\nAgent state of \`${symbol.role}\` (\`a.${symbol.name}\`).`,
        symbol.doc,
      );
    case "rule": {
      const rule = model.rules.find((r) => r.symbol === symbol);
      const facts: string[] = [];
      if (rule?.startsActive) facts.push("starts active");
      if (rule?.activeWhen) facts.push(`active when \`${sourceLine(doc, rule.activeWhen.span)}\``);
      if (rule && !rule.startsActive && !rule.activeWhen) facts.push("starts inactive; `enact` and `repeal` switch it");
      for (const set of rule?.sets ?? [])
        facts.push(`sets \`${set.param} = ${sourceLine(doc, set.value.span)}\` while active`);
      return withDoc(
        `${code(`rule ${symbol.name}`)}\n\nA rule: \`true\` while active. ${capitalize(facts.join("; "))}.`,
        symbol.doc,
      );
    }
    case "role": {
      const role = model.roles.find((r) => r.symbol === symbol);
      const header = `role ${symbol.name}${role?.decl.count ? ` * ${sourceLine(doc, role.decl.count.span)}` : ""}`;
      const parts = [code(header)];
      if (role?.count !== undefined) parts.push(`${role.count} agent${role.count === 1 ? "" : "s"}.`);
      if (role && role.actions.length)
        parts.push(`Actions: ${role.actions.map((a) => `\`${actionSignature(a)}\``).join(", ")}.`);
      if (role && role.state.size)
        parts.push(
          `State: ${[...role.state.values()].map((s) => `\`${s.symbol.name}: ${typeToString(s.symbol.type).replace(/`/g, "")}\``).join(", ")}.`,
        );
      return withDoc(parts.join("\n\n"), symbol.doc);
    }
    case "action": {
      const action = model.roles.flatMap((r) => r.actions).find((a) => a.symbol === symbol);
      if (!action) return withDoc(code(sourceLine(doc, symbol.declSpan)), symbol.doc);
      const parts = [code(sourceLine(doc, action.decl.span)), `Action of \`${action.role}\` (index ${action.index}).`];
      const arg = action.argument;
      if (arg) {
        const info = arg.info;
        const values =
          info?.kind === "range"
            ? `an int from ${info.lo} to ${info.hi}`
            : info?.kind === "role"
              ? `an agent of \`${info.role}\``
              : info?.kind === "team"
                ? "a team"
                : info?.kind === "rule"
                  ? "a rule"
                  : "unknown";
        parts.push(`Argument \`${arg.name}\`: ${values}.`);
      }
      if (action.phases.length)
        parts.push(
          `Available in phase${action.phases.length > 1 ? "s" : ""} ${action.phases.map((p) => `\`${p}\``).join(", ")}.`,
        );
      if (action.decl.guards.length)
        parts.push(
          `Masked out unless ${action.decl.guards.map((g) => `\`${sourceLine(doc, g.span)}\``).join(" and ")}.`,
        );
      return withDoc(parts.join("\n\n"), symbol.doc);
    }
    case "team":
      return code(`team ${symbol.name}`);
    case "phase": {
      const index = model.phases.indexOf(symbol);
      return `${code(`phase ${symbol.name}`)}${index >= 0 ? `\n\nPhase ${index + 1} of ${model.phases.length}.` : ""}`;
    }
    case "metric": {
      const phases = model.metrics.find((m) => m.symbol === symbol)?.decl.phases ?? [];
      const scope = phases.length
        ? `Averaged over the steps of phase${phases.length > 1 ? "s" : ""} ${phases.map((p) => `\`${p.text}\``).join(", ")} only; an episode where none ran has no value.`
        : "Averaged over every step of the episode.";
      return withDoc(`${code(sourceLine(doc, symbol.declSpan))}\n\n${scope}`, symbol.doc);
    }
    case "bot": {
      const bot = model.bots.find((b) => b.symbol === symbol);
      return withDoc(code(`bot ${symbol.name} for ${bot?.role ?? "?"}`), symbol.doc);
    }
    case "local":
      return code(`let ${symbol.name}: ${type}`);
    case "loopVariable":
      return `${code(`${symbol.name}: ${type}`)}\n\nLoop variable.`;
    case "aggregateVariable":
      return `${code(`${symbol.name}: ${type}`)}\n\nAggregate variable.`;
    case "matchBinding":
      return `${code(`${symbol.name}: ${type}`)}\n\nThe argument of the matched action.`;
    case "actionArgument":
      return `${code(`${symbol.name}: ${type}`)}\n\nArgument of an action of \`${symbol.role}\`.`;
    case "builtin":
      return undefined;
  }
}

export function actionSignature(action: ActionInfo): string {
  const arg = action.argument;
  if (!arg) return action.symbol.name;
  const info = arg.info;
  const type =
    info?.kind === "range" ? `${info.lo}..${info.hi}` : info?.kind === "role" ? info.role : (info?.kind ?? "?");
  return `${action.symbol.name}(${arg.name}: ${type})`;
}

function trim(n: number): string {
  return String(Number(n.toPrecision(7)));
}

function capitalize(s: string): string {
  return s.length ? s[0].toUpperCase() + s.slice(1) : s;
}
