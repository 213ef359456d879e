import type { IToken } from "chevrotain";
import { AGENT_FIELDS, AGGREGATES, BUILTIN_FUNCTIONS, TRAIN_KEYS } from "../semantic/builtins.js";
import { formatConst } from "../semantic/constants.js";
import type { ActionInfo, GameModel } from "../semantic/model.js";
import { typeToString, type Type } from "../semantic/types.js";
import * as T from "../syntax/tokens.js";
import type { Position, Range } from "../text.js";
import { isWordToken } from "./syntax-lookup.js";
import {
  actionExpressionRole,
  bindingType,
  cursorContext,
  innermost,
  innermostBlock,
  isAggregateName,
  matchRole,
  roleInfo,
  roleOfToken,
  selfRole,
  visibleBindings,
  type CursorContext,
  type Frame,
} from "./context.js";
import type { GameDocument } from "./document.js";
import type { CompletionItem, CompletionList } from "./types.js";

const GAME_ITEM_KEYWORDS = [
  "param",
  "horizon",
  "phases",
  "teams",
  "state",
  "role",
  "rule",
  "payoff",
  "step",
  "metric",
  "bot",
  "end",
  "train",
];
const ROLE_ITEM_KEYWORDS = ["action", "state", "team", "observe", "objective"];

const KEYWORD_DETAIL: Record<string, string> = {
  param: "param name: int | real | bool = value [in lo..hi]",
  horizon: "horizon rounds | horizon lo..hi",
  phases: "phases a, b, ...",
  teams: "teams red, blue | teams n",
  state: "state name: type = value",
  role: "role name * count { ... }",
  rule: "rule name { ... }",
  payoff: "payoff { a, b => r1, r2 ... }",
  step: "step [phase] { ... }",
  metric: "metric name [in phase, ...] = value",
  bot: "bot name for role { ... }",
  end: "end when condition",
  train: "train { key value ... }",
  action: "action name[(x: lo..hi | role | team | rule)] [in phase] [when guard]",
  team: "team = value (the agent's starting team)",
  observe: "observe value, value, ...",
  objective: "objective value (what learning maximizes)",
  let: "let name [: type] = value",
  if: "if condition { ... } else { ... }",
  for: "for a in role [where c] { ... }",
  match: "match a.action { name => ... }",
  enact: "enact rule",
  repeal: "repeal rule",
  play: "play action (bots only)",
  self: "the agent of this role",
  round: "the current round: int, from 0",
  phase: "the current phase",
  last: "last(a.action): the agent's previous action",
  noop: "the action of an agent with none available",
  true: "bool",
  false: "bool",
  not: "logical negation",
  and: "logical and",
  or: "logical or",
  then: "if c then a else b",
  else: "else branch",
  in: "in",
  when: "when condition",
  where: "where condition",
};

const SNIPPETS: Record<string, { label: string; body: string }[]> = {
  game: [
    { label: "role … { }", body: "role ${1:name} * ${2:2} {\n\taction ${3:go}\n}" },
    { label: "rule … { }", body: "rule ${1:name} { $0 }" },
    { label: "step { }", body: "step {\n\t$0\n}" },
    { label: "payoff { }", body: "payoff {\n\t$0\n}" },
    { label: "bot … for … { }", body: "bot ${1:name} for ${2:role} {\n\tplay ${3:action}\n}" },
    { label: "train { }", body: "train {\n\tsteps ${1:100000}\n}" },
  ],
  statement: [
    { label: "for … in … { }", body: "for ${1:a} in ${2:role} {\n\t$0\n}" },
    { label: "if … { }", body: "if ${1:condition} {\n\t$0\n}" },
    { label: "match ….action { }", body: "match ${1:a}.action {\n\t$0\n}" },
  ],
};

/** Completions at a position, on complete or incomplete text. */
export function getCompletions(doc: GameDocument, position: Position): CompletionList {
  const offset = doc.offsetAt(position);
  const ctx = cursorContext(doc, offset);
  const range = doc.rangeOf(ctx.word ? { start: ctx.word.start, end: ctx.word.end } : { start: offset, end: offset });
  const items = new Items(range);
  const typing = ctx.word ? ctx.tokens[ctx.prev + 1] : undefined;
  if (!ctx.inComment && !(typing && typing.tokenType === T.Number)) classify(ctx, items);
  return { items: items.list, isIncomplete: false };
}

class Items {
  readonly list: CompletionItem[] = [];
  private readonly seen = new Set<string>();
  constructor(private readonly range: Range) {}

  add(item: Omit<CompletionItem, "range">) {
    const key = `${item.label}\u0000${item.kind}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.list.push({ ...item, range: this.range });
  }

  keyword(word: string, insertText?: string) {
    this.add({ label: word, kind: "keyword", detail: KEYWORD_DETAIL[word], insertText, sortText: `2${word}` });
  }

  snippets(group: string) {
    for (const s of SNIPPETS[group] ?? [])
      this.add({ label: s.label, kind: "snippet", insertText: s.body, snippet: true, sortText: `4${s.label}` });
  }
}

// ---- classification ------------------------------------------------------------------------

const EXPRESSION_KEYWORDS = new Set([
  "if",
  "then",
  "else",
  "when",
  "where",
  "not",
  "observe",
  "objective",
  "horizon",
  "match",
  "and",
  "or",
]);
const VALUE_KEYWORDS = new Set(["true", "false", "self", "round", "phase", "noop"]);

function classify(ctx: CursorContext, out: Items) {
  const { tokens, model } = ctx;
  const P = ctx.prev >= 0 ? tokens[ctx.prev] : undefined;
  const img = (i: number) => (i >= 0 && i < tokens.length ? tokens[i].image : undefined);
  const pImg = P?.image;
  const pWord = isWordToken(P) ? P!.image : undefined;
  const frame = innermost(ctx);
  const block = innermostBlock(ctx);
  const cursorLine = ctx.doc.positionAt(ctx.offset).line;
  const onNewLine = P !== undefined && ctx.doc.positionAt(P.startOffset).line < cursorLine;

  // After `.`: the fields of the agent on its left.
  if (pImg === ".") {
    fieldItems(ctx, out, roleOfToken(ctx, ctx.prev - 1));
    return;
  }

  // `[ ... ]` lists: only `opponents` takes names.
  if (frame.kind === "bracket") {
    if (block.kind === "train" && img(frame.open - 1) === "opponents") {
      for (const bot of model?.bots ?? [])
        out.add({
          label: bot.symbol.name,
          kind: "bot",
          detail: `bot for ${bot.role}`,
          sortText: `1${bot.symbol.name}`,
        });
      out.keyword("self");
      if (!model?.bots.some((b) => b.symbol.name === "pool"))
        out.add({
          label: "pool",
          kind: "keyword",
          detail: "fictitious self-play: the learners' past policies",
          sortText: "0pool",
        });
    }
    return;
  }

  if (frame.kind === "paren") {
    const callee = frame.callee;
    const afterOpen = ctx.prev - frame.open;
    const declaresAction = img(frame.open - 2) === "action" && block.kind === "role";
    if (afterOpen === 0) {
      // Naming a new variable: an aggregate's, an action's argument, a match arm's binding.
      if (declaresAction || block.kind === "match") return;
      if (isAggregateName(callee) && !BUILTIN_FUNCTIONS.has(callee!)) return;
    }
    if (declaresAction) {
      if (afterOpen === 2 && pImg === ":") typeItems(ctx, out, "actionArgument");
      else if (afterOpen > 2 && expressionPosition(P)) expressionItems(ctx, out, { constant: true });
      return;
    }
    if (afterOpen === 1 && isAggregateName(callee) && isWordToken(P)) {
      out.keyword("in");
      return;
    }
    if (afterOpen === 2 && pWord === "in" && isAggregateName(callee)) {
      roleItems(ctx, out, true);
      return;
    }
    if (afterOpen === 3 && isAggregateName(callee) && img(frame.open + 2) === "in") {
      out.keyword("where");
      return;
    }
  }

  // Keywords that decide what follows.
  switch (pWord) {
    case "play":
      actionItems(ctx, out, selfRole(ctx), "play");
      return;
    case "enact":
    case "repeal":
      for (const rule of model?.rules ?? [])
        out.add({
          label: rule.symbol.name,
          kind: "rule",
          detail: "rule",
          documentation: rule.symbol.doc,
          sortText: `1${rule.symbol.name}`,
        });
      for (const b of visibleBindings(ctx))
        if (bindingType(b, model)?.kind === "rule")
          out.add({ label: b.name, kind: "variable", detail: "rule", sortText: `0${b.name}` });
      return;
    case "starts":
      out.keyword("active");
      return;
    case "step":
      if (block.kind === "game") {
        for (const phase of model?.phases ?? [])
          out.add({ label: phase.name, kind: "phase", detail: "phase", sortText: `1${phase.name}` });
        return;
      }
      break;
    default:
      // Other words decide nothing by themselves: the block decides, below.
      break;
  }
  if (pWord === "else" && img(ctx.prev - 1) === "}") {
    out.keyword("if");
    return;
  }
  if (pWord === "in") {
    if (img(ctx.prev - 2) === "for") {
      roleItems(ctx, out, true);
      return;
    }
    if (block.kind === "role" && frame === block && currentItem(ctx, block) === "action") {
      for (const phase of model?.phases ?? [])
        out.add({ label: phase.name, kind: "phase", detail: "phase", sortText: `1${phase.name}` });
      return;
    }
  }
  // `metric m in |` and `metric m in a, |`: the phases.
  if (block.kind === "game" && frame === block && inMetricScope(ctx)) {
    for (const phase of model?.phases ?? [])
      out.add({ label: phase.name, kind: "phase", detail: "phase", sortText: `1${phase.name}` });
    return;
  }
  if (pWord === "for" && img(ctx.prev - 2) === "bot") {
    roleItems(ctx, out, false);
    return;
  }
  if (pWord === "active" && img(ctx.prev - 1) !== "starts" && block.kind === "rule") {
    out.keyword("when");
    return;
  }
  if (pWord === "end" && block.kind === "game") {
    out.keyword("when");
    return;
  }
  // Right after a declaring keyword the user is naming something new.
  if (pWord !== undefined && frame === block && declaresName(pWord, block, img(ctx.prev - 1))) return;
  if (isWordToken(P) && frame === block) {
    if (block.kind === "game" && img(ctx.prev - 1) === "bot") {
      out.keyword("for");
      return;
    }
    if (block.body && img(ctx.prev - 1) === "for") {
      out.keyword("in");
      return;
    }
    if (
      block.kind === "game" &&
      (img(ctx.prev - 1) === "phases" || img(ctx.prev - 1) === "teams" || img(ctx.prev - 1) === ",") &&
      ["phases", "teams"].includes(currentItem(ctx, block) ?? "")
    ) {
      return;
    }
  }
  if (pImg === ":" && frame === block) {
    const declaring = img(ctx.prev - 2);
    if (declaring === "param") typeItems(ctx, out, "param");
    else if (declaring === "state" || declaring === "let") typeItems(ctx, out, "any");
    if (declaring === "param" || declaring === "state" || declaring === "let") return;
  }
  if (
    pImg === "," &&
    block.kind === "game" &&
    frame === block &&
    ["phases", "teams"].includes(currentItem(ctx, block) ?? "")
  )
    return;

  // `x.action == |`: the actions of x's role.
  if (pImg === "==" || pImg === "!=") {
    const role = actionExpressionRole(ctx, ctx.prev - 3, ctx.prev) ?? actionExpressionRole(ctx, ctx.prev - 6, ctx.prev);
    const isAction =
      (img(ctx.prev - 1) === "action" && img(ctx.prev - 2) === ".") ||
      (img(ctx.prev - 1) === ")" && img(ctx.prev - 2) === "action");
    if (role !== undefined || isAction) {
      actionItems(ctx, out, role, "compare");
      out.keyword("noop");
      return;
    }
  }

  if (frame === block) {
    switch (block.kind) {
      case "top":
        if (!ctx.doc.parsed.ast.game || (P === undefined && ctx.tokens.length === 0)) out.keyword("game");
        return;
      case "payoff":
        payoffCompletion(ctx, out, block);
        return;
      case "match": {
        if (pImg === "=>") break;
        if (atItemStart(ctx, block, P, onNewLine)) {
          actionItems(ctx, out, matchRole(ctx, block), "match");
          return;
        }
        // Inside an arm written without braces (`name => x = ...`): a statement.
        if (block.armBinding || tokensSince(ctx, block).some((t) => t.tokenType === T.Arrow)) break;
        return;
      }
      case "train":
        trainCompletion(ctx, out, block);
        return;
      case "rule":
        if (atItemStart(ctx, block, P, onNewLine) || (pWord === "active" && img(ctx.prev - 1) === "starts")) {
          ruleItems(out, model);
          return;
        }
        if (expressionPosition(P)) {
          expressionItems(ctx, out, {});
          return;
        }
        continuation(out);
        if (!onNewLine) ruleItems(out, model);
        return;
      case "role": {
        if (atItemStart(ctx, block, P, onNewLine)) {
          for (const k of ROLE_ITEM_KEYWORDS) out.keyword(k);
          return;
        }
        if (expressionPosition(P)) {
          expressionItems(ctx, out, {
            constant: block.action !== undefined && !block.inGuard && currentItem(ctx, block) === "action",
          });
          return;
        }
        const item = currentItem(ctx, block);
        if (item === "action" && !block.inGuard) {
          out.keyword("in");
          out.keyword("when");
          for (const k of ROLE_ITEM_KEYWORDS) out.keyword(k);
          return;
        }
        continuation(out);
        for (const k of ROLE_ITEM_KEYWORDS) out.keyword(k);
        return;
      }
      case "game": {
        if (atItemStart(ctx, block, P, onNewLine)) {
          gameItems(out);
          return;
        }
        const item = currentItem(ctx, block);
        const constant = item === "param" || item === "horizon" || item === "role";
        if (expressionPosition(P)) {
          expressionItems(ctx, out, { constant });
          return;
        }
        continuation(out);
        if (item === "param") out.keyword("in");
        gameItems(out);
        return;
      }
      default:
        // Statement bodies (step, bot, block), brackets and parentheses: below.
        break;
    }
  }

  if (block.body || frame.kind === "paren") {
    if (frame === block && atItemStart(ctx, block, P, onNewLine)) {
      statementItems(ctx, out, block);
      return;
    }
    if (expressionPosition(P)) {
      expressionItems(ctx, out, {
        constant:
          frame.kind === "paren" &&
          block.kind === "game" &&
          ["param", "horizon", "role"].includes(currentItem(ctx, block) ?? ""),
      });
      return;
    }
    continuation(out);
    if (frame === block && block.body) statementItems(ctx, out, block);
  }
}

/** The tokens directly in `block` (not in nested brackets) from its opening to the cursor. */
function tokensSince(ctx: CursorContext, block: Frame): IToken[] {
  const result: IToken[] = [];
  let depth = 0;
  for (let i = block.open + 1; i <= ctx.prev; i++) {
    const type = ctx.tokens[i].tokenType;
    if (type === T.LBrace || type === T.LParen || type === T.LBracket) depth++;
    else if (type === T.RBrace || type === T.RParen || type === T.RBracket) depth--;
    else if (depth === 0) result.push(ctx.tokens[i]);
  }
  return result;
}

/** Whether `word` (preceded by `before`) declares a new name here. */
function declaresName(word: string, block: Frame, before: string | undefined): boolean {
  switch (word) {
    case "param":
    case "metric":
    case "role":
    case "phases":
      return block.kind === "game";
    case "teams":
      return block.kind === "game" && before !== "in";
    case "rule":
      return block.kind === "game" && before !== ":";
    case "bot":
      return block.kind === "game";
    case "state":
      return block.kind === "game" || block.kind === "role";
    case "action":
    case "team":
      return block.kind === "role";
    case "let":
      return block.body !== undefined;
    case "for":
      return block.body !== undefined && before !== undefined;
    case "game":
      return block.kind === "top";
  }
  return false;
}

/** Tokens that can end an expression (so what follows may be an operator or a new item). */
function endsExpression(t: IToken | undefined, before: IToken | undefined): boolean {
  if (!t) return false;
  if (
    t.tokenType === T.Identifier ||
    t.tokenType === T.Number ||
    t.tokenType === T.RParen ||
    t.tokenType === T.RBracket
  )
    return true;
  if (VALUE_KEYWORDS.has(t.image) && isWordToken(t)) return true;
  return isWordToken(t) && before?.image === ".";
}

/** Whether the cursor is where a new item, statement or arm starts. */
function atItemStart(ctx: CursorContext, block: Frame, P: IToken | undefined, onNewLine: boolean): boolean {
  if (!P || ctx.prev === block.open) return true;
  const image = P.image;
  if (image === "}" || image === ";") return true;
  if (image === "=>" && block.kind === "match") return true;
  if (!onNewLine) return false;
  if (endsExpression(P, ctx.tokens[ctx.prev - 1])) return true;
  // A complete item that ends with a keyword: `starts active`, `state x: int`...
  return isWordToken(P) && ["active", "int", "real", "bool", "team", "rule", "end"].includes(image);
}

/** Whether an expression is expected right after token P. */
function expressionPosition(P: IToken | undefined): boolean {
  if (!P) return false;
  const type = P.tokenType;
  if (
    type === T.Eq ||
    type === T.PlusEq ||
    type === T.MinusEq ||
    type === T.StarEq ||
    type === T.SlashEq ||
    type === T.Comma ||
    type === T.LParen ||
    type === T.LBracket ||
    type === T.Colon ||
    type === T.DotDot ||
    type === T.Arrow
  ) {
    return true;
  }
  if (
    [T.EqEq, T.NotEq, T.LessEq, T.GreaterEq, T.Less, T.Greater, T.Plus, T.Minus, T.Star, T.Slash, T.Percent].includes(
      P.tokenType,
    )
  )
    return true;
  return isWordToken(P) && (EXPRESSION_KEYWORDS.has(P.image) || P.image === "in");
}

/** The keyword of the item (game level) or role item the cursor is in. */
/** Whether the cursor follows `metric NAME in` or `metric NAME in a, b,`: a phase comes next. */
function inMetricScope(ctx: CursorContext): boolean {
  let i = ctx.prev;
  while (ctx.tokens[i]?.image === "," && isWordToken(ctx.tokens[i - 1])) i -= 2;
  return ctx.tokens[i]?.image === "in" && isWordToken(ctx.tokens[i - 1]) && ctx.tokens[i - 2]?.image === "metric";
}

function currentItem(ctx: CursorContext, block: Frame): string | undefined {
  const keywords = block.kind === "role" ? new Set(ROLE_ITEM_KEYWORDS) : new Set(GAME_ITEM_KEYWORDS);
  let depth = 0;
  for (let i = ctx.prev; i > block.open; i--) {
    const t = ctx.tokens[i];
    const type = t.tokenType;
    if (type === T.RParen || type === T.RBrace || type === T.RBracket) depth++;
    else if (type === T.LParen || type === T.LBrace || type === T.LBracket) depth = Math.max(0, depth - 1);
    else if (depth === 0 && isWordToken(t) && keywords.has(t.image) && ctx.tokens[i - 1]?.image !== ".") {
      // `team` is an item only as `team = ...`; `state` in `x: rule` is not.
      if (t.image === "team" && ctx.tokens[i + 1]?.tokenType !== T.Eq) continue;
      if (t.image === "rule" && ctx.tokens[i - 1]?.image === ":") continue;
      return t.image;
    }
  }
  return undefined;
}

// ---- item lists --------------------------------------------------------------------------------

function continuation(out: Items) {
  out.keyword("and");
  out.keyword("or");
}

function gameItems(out: Items) {
  for (const k of GAME_ITEM_KEYWORDS) out.keyword(k, k === "end" ? "end when " : undefined);
  out.snippets("game");
}

function ruleItems(out: Items, model: GameModel | undefined) {
  out.add({
    label: "starts active",
    kind: "keyword",
    detail: "the rule is active from the start",
    sortText: "2starts",
  });
  out.add({
    label: "active when",
    kind: "keyword",
    detail: "the rule is active exactly while the condition holds",
    insertText: "active when ",
    sortText: "2active",
  });
  for (const param of model?.params.values() ?? []) {
    out.add({
      label: param.symbol.name,
      kind: "param",
      detail: `${param.symbol.name} = value (while the rule is active)`,
      documentation: param.symbol.doc,
      sortText: `1${param.symbol.name}`,
    });
  }
}

function statementItems(ctx: CursorContext, out: Items, block: Frame) {
  const model = ctx.model;
  for (const k of ["let", "if", "for", "match"]) out.keyword(k);
  if (block.body === "step") for (const k of ["enact", "repeal", "end"]) out.keyword(k);
  if (block.body === "bot") out.keyword("play");
  bindingItems(ctx, out);
  if (block.body === "step") {
    for (const { symbol } of model?.state.values() ?? [])
      out.add({
        label: symbol.name,
        kind: "state",
        detail: `state ${symbol.name}: ${typeToString(symbol.type)}`,
        documentation: symbol.doc,
        sortText: `1${symbol.name}`,
      });
  }
  out.snippets("statement");
}

function bindingItems(ctx: CursorContext, out: Items) {
  for (const b of visibleBindings(ctx)) {
    const type = bindingType(b, ctx.model);
    const what =
      b.kind === "local"
        ? "variable"
        : b.kind === "loopVariable"
          ? "loop variable"
          : b.kind === "aggregateVariable"
            ? "aggregate variable"
            : b.kind === "matchBinding"
              ? "match binding"
              : "action argument";
    out.add({
      label: b.name,
      kind: "variable",
      detail: `${type ? typeToString(type as Type) : "unknown"} (${what})`,
      sortText: `0${b.name}`,
    });
  }
}

function expressionItems(ctx: CursorContext, out: Items, options: { constant?: boolean }) {
  const model = ctx.model;
  const constant = options.constant ?? false;
  if (!constant) bindingItems(ctx, out);
  const self = selfRole(ctx);
  if (!constant && self) out.add({ label: "self", kind: "keyword", detail: `agent of \`${self}\``, sortText: "0self" });
  for (const param of model?.params.values() ?? []) {
    const value = param.value ? ` = ${formatConst(param.value)}` : "";
    out.add({
      label: param.symbol.name,
      kind: "param",
      detail: `param ${param.symbol.name}: ${param.type}${value}`,
      documentation: param.symbol.doc,
      sortText: `1${param.symbol.name}`,
    });
  }
  if (!constant) {
    for (const { symbol } of model?.state.values() ?? [])
      out.add({
        label: symbol.name,
        kind: "state",
        detail: `state ${symbol.name}: ${typeToString(symbol.type)}`,
        documentation: symbol.doc,
        sortText: `1${symbol.name}`,
      });
    for (const rule of model?.rules ?? [])
      out.add({
        label: rule.symbol.name,
        kind: "rule",
        detail: "rule (true while active)",
        documentation: rule.symbol.doc,
        sortText: `1${rule.symbol.name}`,
      });
    for (const team of model?.teams ?? [])
      out.add({ label: team.name, kind: "team", detail: "team", sortText: `1${team.name}` });
    for (const phase of model?.phases ?? [])
      out.add({ label: phase.name, kind: "phase", detail: "phase", sortText: `1${phase.name}` });
    for (const k of ["round", "phase", "last"]) out.keyword(k);
  }
  for (const k of ["true", "false", "not", "if"]) out.keyword(k);
  for (const fn of BUILTIN_FUNCTIONS.values()) {
    if (constant && (fn.random || fn.name === "size")) continue;
    out.add({
      label: fn.name,
      kind: "function",
      detail: fn.signature,
      documentation: fn.doc,
      insertText: callSnippet(fn.signature),
      snippet: true,
      sortText: `3${fn.name}`,
    });
  }
  if (!constant) {
    const role = model?.roles[0]?.name ?? "role";
    for (const agg of AGGREGATES.values()) {
      const body = agg.takesBody
        ? `${agg.name}(\${1:a} in \${2:${role}}: \${3:value})`
        : `${agg.name}(\${1:a} in \${2:${role}} where \${3:condition})`;
      out.add({
        label: agg.name,
        kind: "aggregate",
        detail: agg.signature,
        documentation: agg.doc,
        insertText: body,
        snippet: true,
        sortText: `3${agg.name}`,
      });
    }
  }
}

/** `clamp(x: real, lo, hi)` → `clamp(${1:x}, ${2:lo}, ${3:hi})`. */
function callSnippet(signature: string): string {
  const open = signature.indexOf("(");
  const close = signature.indexOf(")");
  const name = signature.slice(0, open);
  const params = signature
    .slice(open + 1, close)
    .split(",")
    .map((p) => p.trim().split(":")[0].trim())
    .filter((p) => p !== "" && p !== "...");
  return `${name}(${params.map((p, i) => `\${${i + 1}:${p}}`).join(", ")})`;
}

function fieldItems(ctx: CursorContext, out: Items, roleName: string | undefined) {
  const model = ctx.model;
  const role = roleInfo(model, roleName);
  if (!role) return;
  for (const [name, { symbol }] of role.state) {
    out.add({
      label: name,
      kind: "field",
      detail: `${typeToString(symbol.type)} (state of \`${role.name}\`)`,
      documentation: symbol.doc,
      sortText: `0${name}`,
    });
  }
  for (const [name, field] of AGENT_FIELDS) {
    if (name === "team" && (model?.teams.length ?? 0) === 0) continue;
    const type =
      field.type === "team"
        ? "team"
        : field.type === "action"
          ? `action of \`${role.name}\``
          : typeToString(field.type);
    out.add({
      label: name,
      kind: "field",
      detail: `${type}${field.writable ? "" : " (read-only)"}`,
      documentation: field.doc,
      sortText: `1${name}`,
    });
  }
}

function actionItems(ctx: CursorContext, out: Items, roleName: string | undefined, use: "play" | "match" | "compare") {
  const model = ctx.model;
  const role = roleInfo(model, roleName);
  const actions: ActionInfo[] = role
    ? role.actions
    : roleName === undefined
      ? (model?.roles.flatMap((r) => r.actions) ?? [])
      : [];
  for (const action of actions) {
    const arg = action.argument;
    const withArgument =
      arg && use !== "compare" ? `${action.symbol.name}(\${1:${use === "match" ? arg.name : arg.name}})` : undefined;
    out.add({
      label: action.symbol.name,
      kind: "action",
      detail: `action of \`${action.role}\`${arg ? ` (${arg.name})` : ""}`,
      documentation: action.symbol.doc,
      insertText: withArgument,
      snippet: withArgument !== undefined,
      sortText: `1${String(action.index).padStart(4, "0")}`,
    });
  }
}

function roleItems(ctx: CursorContext, out: Items, withTeams: boolean) {
  for (const role of ctx.model?.roles ?? [])
    out.add({
      label: role.name,
      kind: "role",
      detail: role.count !== undefined ? `role * ${role.count}` : "role",
      documentation: role.symbol.doc,
      sortText: `1${role.name}`,
    });
  if (withTeams && (ctx.model?.teams.length ?? 0) > 0) out.keyword("teams");
}

function typeItems(ctx: CursorContext, out: Items, where: "param" | "any" | "actionArgument") {
  const builtins =
    where === "param"
      ? ["int", "real", "bool"]
      : where === "any"
        ? ["int", "real", "bool", "team", "rule"]
        : ["team", "rule"];
  for (const b of builtins) out.add({ label: b, kind: "type", detail: "type", sortText: `1${b}` });
  if (where !== "param") {
    for (const role of ctx.model?.roles ?? [])
      out.add({ label: role.name, kind: "role", detail: `an agent of \`${role.name}\``, sortText: `2${role.name}` });
  }
}

function payoffCompletion(ctx: CursorContext, out: Items, block: Frame) {
  const lineOf = (t: IToken) => ctx.doc.positionAt(t.startOffset).line;
  const cursorLine = ctx.doc.positionAt(ctx.offset).line;
  const onLine: IToken[] = [];
  for (let i = ctx.prev; i > block.open && lineOf(ctx.tokens[i]) === cursorLine; i--) onLine.unshift(ctx.tokens[i]);
  if (onLine.some((t) => t.tokenType === T.Arrow)) {
    expressionItems(ctx, out, { constant: false });
    return;
  }
  const last = onLine[onLine.length - 1];
  if (last && last.tokenType !== T.Comma) return;
  const position = onLine.filter((t) => t.tokenType === T.Comma).length;
  const roles = ctx.model?.roles ?? [];
  const positions = roles.flatMap((r) => new Array<string>(Math.max(1, Math.min(r.count ?? 1, 1000))).fill(r.name));
  const role = positions[position];
  if (role !== undefined) actionItems(ctx, out, role, "compare");
}

function trainCompletion(ctx: CursorContext, out: Items, block: Frame) {
  // Entries are `key value`, a value being an expression or a `[...]` list.
  let state: "key" | "value" | "afterValue" = "key";
  let key: string | undefined;
  const used = new Set<string>();
  for (let i = block.open + 1; i <= ctx.prev; i++) {
    const t = ctx.tokens[i];
    if (t.tokenType === T.Semicolon) {
      state = "key";
      continue;
    }
    if (state === "key" || (state === "afterValue" && isWordToken(t))) {
      key = t.image;
      used.add(key);
      state = "value";
      continue;
    }
    if (t.tokenType === T.LBracket) {
      let depth = 0;
      for (; i <= ctx.prev; i++) {
        if (ctx.tokens[i].tokenType === T.LBracket) depth++;
        else if (ctx.tokens[i].tokenType === T.RBracket && --depth === 0) break;
      }
      state = "afterValue";
      continue;
    }
    if (t.tokenType === T.Number || t.tokenType === T.RParen || isWordToken(t)) state = "afterValue";
    else state = "value";
  }
  if (state === "value") {
    if (key === "opponents" || key === "hidden")
      out.add({
        label: "[ ]",
        kind: "snippet",
        insertText: key === "opponents" ? "[self, $1]" : "[${1:64}, ${2:64}]",
        snippet: true,
      });
    return;
  }
  for (const [name, spec] of TRAIN_KEYS) {
    if (used.has(name)) continue;
    out.add({
      label: name,
      kind: "trainKey",
      detail:
        spec.kind === "intList"
          ? "list of ints"
          : spec.kind === "opponents"
            ? "list of bots, self and pool"
            : spec.kind,
      documentation: spec.doc,
      sortText: `1${name}`,
    });
  }
}
