import type { CstElement, CstNode, IToken } from "chevrotain";
import { DiagnosticCode, type Diagnostic } from "../diagnostics.js";
import type { Span } from "../text.js";
import type * as A from "./ast.js";
import * as T from "./tokens.js";

/** Expressions deeper than this are reported instead of built, so later passes can recurse safely. */
export const MAX_EXPRESSION_DEPTH = 400;

function isToken(element: CstElement | undefined): element is IToken {
  return element !== undefined && (element as IToken).tokenType !== undefined;
}

function tokenSpan(token: IToken): Span {
  return { start: token.startOffset, end: token.startOffset + token.image.length };
}

/**
 * Builds the AST from Chevrotain's concrete syntax tree. Nodes from error recovery can lack
 * any child, so every access tolerates a missing part.
 */
export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly depth = new WeakMap<A.Expr, number>();
  private reportedDepth = false;
  /** The furthest source offset seen so far while building, for nodes without a position. */
  private cursor = 0;

  constructor(private readonly textLength: number) {}

  // ---- access helpers ---------------------------------------------------------------

  private tokens(node: CstNode | undefined, key: string): IToken[] {
    const list = node?.children[key];
    if (!list) return [];
    return list.filter((e): e is IToken => isToken(e) && !e.isInsertedInRecovery && !Number.isNaN(e.startOffset));
  }

  private token(node: CstNode | undefined, key: string, index = 0): IToken | undefined {
    const list = node?.children[key];
    if (!list) return undefined;
    let seen = 0;
    for (const e of list) {
      if (isToken(e) && !e.isInsertedInRecovery && !Number.isNaN(e.startOffset) && seen++ === index) return e;
    }
    return undefined;
  }

  private nodes(node: CstNode | undefined, key: string): CstNode[] {
    const list = node?.children[key];
    if (!list) return [];
    return list.filter((e): e is CstNode => !isToken(e));
  }

  private node(node: CstNode | undefined, key: string, index = 0): CstNode | undefined {
    const list = node?.children[key];
    if (!list) return undefined;
    let seen = 0;
    for (const e of list) {
      if (!isToken(e) && seen++ === index) return e;
    }
    return undefined;
  }

  private spanOf(node: CstNode | undefined, fallback?: Span): Span {
    const loc = node?.location;
    if (
      loc &&
      Number.isFinite(loc.startOffset) &&
      Number.isFinite(loc.endOffset) &&
      loc.endOffset! >= loc.startOffset
    ) {
      const end = Math.min(loc.endOffset! + 1, this.textLength);
      this.cursor = Math.max(this.cursor, end);
      return { start: loc.startOffset, end };
    }
    if (loc && Number.isFinite(loc.startOffset)) {
      this.cursor = Math.max(this.cursor, loc.startOffset);
      return { start: loc.startOffset, end: loc.startOffset };
    }
    // A node made up entirely by recovery: place it where building has got to.
    return fallback ?? { start: this.cursor, end: this.cursor };
  }

  private name(token: IToken | undefined, fallback: Span): A.Name {
    if (!token) return { text: "", span: { start: fallback.end, end: fallback.end } };
    return { text: token.image, span: tokenSpan(token) };
  }

  /** A declared name: any word is accepted by the grammar, a reserved one is an error here. */
  private declaredName(token: IToken | undefined, fallback: Span): A.Name {
    const name = this.name(token, fallback);
    if (token && T.isKeywordToken(token.tokenType)) {
      this.diagnostics.push({
        code: DiagnosticCode.ReservedWord,
        severity: "error",
        span: name.span,
        message: `\`${token.image}\` is a reserved word and cannot be declared`,
        hint: `choose another name, such as \`${token.image}_\``,
      });
    }
    return name;
  }

  // ---- file and declarations --------------------------------------------------------------

  file(cst: CstNode, comments: A.Comment[]): A.SourceFile {
    const games = this.nodes(cst, "gameDecl").map((g) => this.game(g));
    return { game: games[0], games, comments, span: { start: 0, end: this.textLength } };
  }

  private game(node: CstNode): A.GameDecl {
    const span = this.spanOf(node);
    const items: A.GameItem[] = [];
    for (const item of this.nodes(node, "gameItem")) {
      const built = this.gameItem(item);
      if (built) items.push(built);
    }
    return { kind: "Game", name: this.declaredName(this.token(node, "name"), span), items, span };
  }

  private gameItem(node: CstNode): A.GameItem | undefined {
    const [key] = Object.keys(node.children);
    const child = this.node(node, key);
    if (!child) return undefined;
    switch (key) {
      case "paramDecl":
        return this.param(child);
      case "horizonDecl":
        return {
          kind: "Horizon",
          span: this.spanOf(child),
          lo: this.expr(this.node(child, "lo"), child),
          hi: this.optExpr(this.node(child, "hi")),
        };
      case "phasesDecl":
        return { kind: "Phases", span: this.spanOf(child), names: this.nameList(this.node(child, "nameList"), child) };
      case "teamsDecl":
        return this.teams(child);
      case "stateDecl":
        return this.state(child);
      case "roleDecl":
        return this.role(child);
      case "ruleDecl":
        return this.rule(child);
      case "payoffDecl":
        return this.payoff(child);
      case "stepDecl": {
        const span = this.spanOf(child);
        const phase = this.token(child, "phase");
        return {
          kind: "Step",
          span,
          keyword: this.keywordSpan(child, "Step", span),
          phase: phase ? this.name(phase, span) : undefined,
          body: this.block(this.node(child, "block"), span),
        };
      }
      case "metricDecl": {
        const span = this.spanOf(child);
        const inKeyword = this.token(child, "In");
        return {
          kind: "Metric",
          span,
          name: this.declaredName(this.token(child, "name"), span),
          phases: this.tokens(child, "phase").map((t) => this.name(t, span)),
          inKeyword: inKeyword ? tokenSpan(inKeyword) : undefined,
          value: this.expr(this.node(child, "value"), child),
        };
      }
      case "botDecl": {
        const span = this.spanOf(child);
        return {
          kind: "Bot",
          span,
          name: this.declaredName(this.token(child, "name"), span),
          role: this.name(this.token(child, "role"), span),
          body: this.block(this.node(child, "block"), span),
        };
      }
      case "endWhenDecl":
        return {
          kind: "EndWhen",
          span: this.spanOf(child),
          condition: this.expr(this.node(child, "condition"), child),
        };
      case "trainDecl":
        return this.train(child);
      default:
        return undefined;
    }
  }

  private keywordSpan(node: CstNode, key: string, fallback: Span): Span {
    const token = this.token(node, key);
    return token ? tokenSpan(token) : { start: fallback.start, end: fallback.start };
  }

  private param(node: CstNode): A.ParamDecl {
    const span = this.spanOf(node);
    const range = this.node(node, "range");
    return {
      kind: "Param",
      span,
      name: this.declaredName(this.token(node, "name"), span),
      type: this.typeRef(this.node(node, "typeRef")),
      value: this.expr(this.node(node, "value"), node),
      range: range ? this.range(range) : undefined,
    };
  }

  private range(node: CstNode): A.RangeExpr {
    return {
      span: this.spanOf(node),
      lo: this.expr(this.node(node, "lo"), node),
      hi: this.expr(this.node(node, "hi"), node),
    };
  }

  private nameList(node: CstNode | undefined, parent: CstNode): A.Name[] {
    return this.tokens(node, "names").map((t) => this.declaredName(t, this.spanOf(parent)));
  }

  private teams(node: CstNode): A.TeamsDecl {
    const span = this.spanOf(node);
    const countToken = this.token(node, "count");
    if (countToken) {
      const count = this.number(countToken);
      const names: A.Name[] = [];
      if (count.isInt && count.value >= 1 && count.value <= 1000) {
        for (let i = 0; i < count.value; i++) names.push({ text: `team${i}`, span: count.span });
      } else {
        this.diagnostics.push({
          code: DiagnosticCode.TypeMismatch,
          severity: "error",
          span: count.span,
          message: `\`teams\` takes a whole number of teams from 1 to 1000, found \`${count.text}\``,
        });
      }
      return { kind: "Teams", span, names, count };
    }
    return { kind: "Teams", span, names: this.nameList(this.node(node, "nameList"), node) };
  }

  private state(node: CstNode, inRole = false): A.StateDecl {
    const span = this.spanOf(node);
    const nameToken = this.token(node, "name");
    // In a role, `state team` gets the checker's more specific "every agent has `team`".
    const name =
      inRole && nameToken?.image === "team" ? this.name(nameToken, span) : this.declaredName(nameToken, span);
    return {
      kind: "State",
      span,
      name,
      type: this.typeRef(this.node(node, "typeRef")),
      value: this.expr(this.node(node, "value"), node),
    };
  }

  private typeRef(node: CstNode | undefined): A.TypeRef | undefined {
    if (!node) return undefined;
    for (const [key, builtin] of [
      ["Int", "int"],
      ["Real", "real"],
      ["Bool", "bool"],
      ["Team", "team"],
      ["Rule", "rule"],
    ] as const) {
      const token = this.token(node, key);
      if (token) return { kind: "TypeRef", span: tokenSpan(token), name: this.name(token, tokenSpan(token)), builtin };
    }
    const ident = this.token(node, "Identifier");
    if (!ident) return undefined;
    return { kind: "TypeRef", span: tokenSpan(ident), name: this.name(ident, tokenSpan(ident)) };
  }

  private role(node: CstNode): A.RoleDecl {
    const span = this.spanOf(node);
    const items: A.RoleItem[] = [];
    for (const itemNode of this.nodes(node, "roleItem")) {
      const [key] = Object.keys(itemNode.children);
      const child = this.node(itemNode, key);
      if (!child) continue;
      const childSpan = this.spanOf(child);
      switch (key) {
        case "actionDecl":
          items.push(this.action(child));
          break;
        case "stateDecl":
          items.push(this.state(child, true));
          break;
        case "teamInit":
          items.push({ kind: "TeamInit", span: childSpan, value: this.expr(this.node(child, "value"), child) });
          break;
        case "observeDecl":
          items.push({
            kind: "Observe",
            span: childSpan,
            items: this.nodes(child, "items").map((e) => this.expr(e, child)),
          });
          break;
        case "objectiveDecl":
          items.push({ kind: "Objective", span: childSpan, value: this.expr(this.node(child, "value"), child) });
          break;
      }
    }
    const count = this.node(node, "count");
    return {
      kind: "Role",
      span,
      name: this.declaredName(this.token(node, "name"), span),
      count: count ? this.expr(count, node) : undefined,
      items,
    };
  }

  private action(node: CstNode): A.ActionDecl {
    const span = this.spanOf(node);
    const argName = this.token(node, "argName");
    let argument: A.ActionDecl["argument"];
    if (argName) {
      const typeNode = this.node(node, "actionArgType");
      let type: A.ActionArgType | undefined;
      if (typeNode) {
        const typeSpan = this.spanOf(typeNode);
        const lo = this.node(typeNode, "lo");
        const hi = this.node(typeNode, "hi");
        if (this.token(typeNode, "Team")) type = { kind: "team", span: typeSpan };
        else if (this.token(typeNode, "Rule")) type = { kind: "rule", span: typeSpan };
        else if (lo && hi)
          type = { kind: "range", span: typeSpan, lo: this.expr(lo, typeNode), hi: this.expr(hi, typeNode) };
        else if (lo) {
          const loExpr = this.expr(lo, typeNode);
          if (loExpr.kind === "NameRef") type = { kind: "role", span: typeSpan, role: loExpr.name };
          else if (loExpr.kind !== "ErrorExpr") {
            this.diagnostics.push({
              code: DiagnosticCode.UnexpectedToken,
              severity: "error",
              span: typeSpan,
              message: "an action argument takes a range `lo..hi`, a role name, `team` or `rule`",
              hint: "for a number argument write a range, such as `x: 0..10`",
            });
          }
        }
      }
      argument = {
        name: this.declaredName(argName, span),
        type,
        span: { start: argName.startOffset, end: typeNode ? this.spanOf(typeNode).end : tokenSpan(argName).end },
      };
    }
    return {
      kind: "Action",
      span,
      name: this.declaredName(this.token(node, "name"), span),
      argument,
      phases: this.tokens(node, "phase").map((t) => this.name(t, span)),
      guards: this.nodes(node, "guard").map((g) => this.expr(g, node)),
    };
  }

  private rule(node: CstNode): A.RuleDecl {
    const span = this.spanOf(node);
    const items: A.RuleItem[] = [];
    for (const item of this.nodes(node, "ruleItem")) {
      const itemSpan = this.spanOf(item);
      if (this.token(item, "Starts")) items.push({ kind: "StartsActive", span: itemSpan });
      else if (this.token(item, "activeWhen"))
        items.push({ kind: "ActiveWhen", span: itemSpan, condition: this.expr(this.node(item, "condition"), item) });
      else if (this.token(item, "param")) {
        items.push({
          kind: "SetParam",
          span: itemSpan,
          param: this.name(this.token(item, "param"), itemSpan),
          value: this.expr(this.node(item, "value"), item),
        });
      }
    }
    return { kind: "Rule", span, name: this.declaredName(this.token(node, "name"), span), items };
  }

  private payoff(node: CstNode): A.PayoffDecl {
    const span = this.spanOf(node);
    const rows = this.nodes(node, "payoffRow").map((row) => ({
      span: this.spanOf(row),
      actions: this.tokens(row, "actions").map((t) => this.name(t, span)),
      rewards: this.nodes(row, "rewards").map((e) => this.expr(e, row)),
    }));
    return { kind: "Payoff", span, keyword: this.keywordSpan(node, "Payoff", span), rows };
  }

  private train(node: CstNode): A.TrainDecl {
    const entries: A.TrainEntry[] = [];
    for (const entry of this.nodes(node, "trainEntry")) {
      const span = this.spanOf(entry);
      const valueNode = this.node(entry, "trainValue");
      const key = this.name(this.token(entry, "key"), span);
      if (valueNode && this.token(valueNode, "LBracket")) {
        entries.push({
          span,
          key,
          value: undefined,
          list: this.nodes(valueNode, "items").map((e) => this.expr(e, valueNode)),
        });
      } else {
        entries.push({ span, key, value: this.optExpr(this.node(valueNode, "value")) });
      }
    }
    return { kind: "Train", span: this.spanOf(node), entries };
  }

  // ---- statements --------------------------------------------------------------------------

  private block(node: CstNode | undefined, fallback: Span): A.Block {
    const span = this.spanOf(node, { start: fallback.end, end: fallback.end });
    const statements: A.Stmt[] = [];
    for (const s of this.nodes(node, "statement")) {
      const built = this.statement(s);
      if (built) statements.push(built);
    }
    return { kind: "Block", span, statements };
  }

  private statement(node: CstNode): A.Stmt | undefined {
    const [key] = Object.keys(node.children);
    const child = this.node(node, key);
    if (!child) return undefined;
    const span = this.spanOf(child);
    switch (key) {
      case "letStmt":
        return {
          kind: "Let",
          span,
          name: this.declaredName(this.token(child, "name"), span),
          type: this.typeRef(this.node(child, "typeRef")),
          value: this.expr(this.node(child, "value"), child),
        };
      case "ifStmt":
        return this.ifStmt(child);
      case "forStmt":
        return {
          kind: "For",
          span,
          variable: this.declaredName(this.token(child, "variable"), span),
          over: this.name(this.token(child, "over"), span),
          filter: this.optExpr(this.node(child, "filter")),
          body: this.block(this.node(child, "block"), span),
        };
      case "matchStmt":
        return {
          kind: "Match",
          span,
          subject: this.expr(this.node(child, "subject"), child),
          arms: this.nodes(child, "matchArm").map((arm) => this.matchArm(arm)),
        };
      case "enactStmt":
      case "repealStmt":
        return {
          kind: key === "enactStmt" ? "Enact" : "Repeal",
          span,
          rule: this.name(this.token(child, "rule"), span),
        };
      case "endStmt":
        return { kind: "End", span };
      case "playStmt": {
        const action = this.token(child, "action");
        if (!action) {
          this.diagnostics.push({
            code: DiagnosticCode.UnexpectedToken,
            severity: "error",
            span,
            message: "`play` needs an action",
            hint: "write `play name`, or `play name(value)` for an action with an argument",
          });
          return undefined;
        }
        return {
          kind: "Play",
          span,
          action: this.name(action, span),
          argument: this.optExpr(this.node(child, "argument")),
        };
      }
      case "assignStmt":
        return this.assign(child);
      default:
        return undefined;
    }
  }

  private ifStmt(node: CstNode): A.IfStmt {
    const span = this.spanOf(node);
    const elseIf = this.node(node, "elseIf");
    const elseBlock = this.node(node, "else");
    return {
      kind: "If",
      span,
      condition: this.expr(this.node(node, "condition"), node),
      then: this.block(this.node(node, "then"), span),
      else: elseIf ? this.ifStmt(elseIf) : elseBlock ? this.block(elseBlock, span) : undefined,
    };
  }

  private matchArm(node: CstNode): A.MatchArm {
    const span = this.spanOf(node);
    const binding = this.token(node, "binding");
    const blockNode = this.node(node, "block");
    let body: A.Block;
    if (blockNode) body = this.block(blockNode, span);
    else {
      const stmtNode = this.node(node, "statement");
      const stmt = stmtNode ? this.statement(stmtNode) : undefined;
      body = {
        kind: "Block",
        span: stmtNode ? this.spanOf(stmtNode) : { start: span.end, end: span.end },
        statements: stmt ? [stmt] : [],
      };
    }
    return {
      span,
      action: this.name(this.token(node, "action"), span),
      binding: binding ? this.declaredName(binding, span) : undefined,
      body,
    };
  }

  private assign(node: CstNode): A.AssignStmt {
    const span = this.spanOf(node);
    const base = this.token(node, "base");
    let target: A.Expr;
    if (!base) target = { kind: "ErrorExpr", span };
    else if (base.tokenType === T.Self) target = { kind: "Self", span: tokenSpan(base) };
    // A reserved word here was (mis)declared as a variable and already reported there.
    else target = { kind: "NameRef", span: tokenSpan(base), name: this.name(base, span) };
    for (const field of this.tokens(node, "fields")) {
      target = {
        kind: "Field",
        span: { start: target.span.start, end: tokenSpan(field).end },
        object: target,
        field: this.name(field, span),
      };
    }
    const opToken = this.token(node, "op");
    return {
      kind: "Assign",
      span,
      target,
      op: (opToken?.image ?? "=") as A.AssignOp,
      opSpan: opToken ? tokenSpan(opToken) : { start: span.end, end: span.end },
      value: this.expr(this.node(node, "value"), node),
    };
  }

  // ---- expressions ---------------------------------------------------------------------------

  private optExpr(node: CstNode | undefined): A.Expr | undefined {
    return node ? this.expr(node, node) : undefined;
  }

  private errorAt(parent: CstNode | undefined): A.ErrorExpr {
    const span = this.spanOf(parent);
    return { kind: "ErrorExpr", span: { start: span.end, end: span.end } };
  }

  private depthOf(e: A.Expr): number {
    return this.depth.get(e) ?? 1;
  }

  /** Records the nesting depth of a new node and cuts it off when it is too deep. */
  private made(e: A.Expr, ...children: A.Expr[]): A.Expr {
    // Recovery can leave a child without a position; a node's span never runs backwards.
    if (e.span.end < e.span.start) e.span = { start: e.span.start, end: e.span.start };
    let d = 0;
    for (const c of children) d = Math.max(d, this.depthOf(c));
    if (d + 1 > MAX_EXPRESSION_DEPTH) {
      if (!this.reportedDepth) {
        this.reportedDepth = true;
        this.diagnostics.push({
          code: DiagnosticCode.TooDeeplyNested,
          severity: "error",
          span: e.span,
          message: `this expression is too long or too deeply nested (more than ${MAX_EXPRESSION_DEPTH} levels of operators)`,
          hint: "split it with `let` bindings",
        });
      }
      return { kind: "ErrorExpr", span: e.span };
    }
    this.depth.set(e, d + 1);
    return e;
  }

  /** Builds an `expression` (or `ifExpr`) CST node. */
  expr(node: CstNode | undefined, parent: CstNode | undefined): A.Expr {
    if (!node) return this.errorAt(parent);
    if (node.name === "ifExpr") {
      const condition = this.expr(this.node(node, "condition"), node);
      const then = this.expr(this.node(node, "then"), node);
      const otherwise = this.expr(this.node(node, "else"), node);
      return this.made(
        { kind: "IfExpr", span: this.spanOf(node), condition, then, else: otherwise },
        condition,
        then,
        otherwise,
      );
    }
    if (node.name !== "expression") return this.errorAt(node);
    // Flatten to prefix operators, operands and infix operators, then apply precedence.
    const items: PrattItem[] = [];
    const operands = this.nodes(node, "operands");
    const ops = this.tokens(node, "ops");
    for (let i = 0; i < operands.length; i++) {
      for (const prefix of this.tokens(operands[i], "prefix")) items.push({ prefix });
      items.push({ operand: this.operand(operands[i]) });
      if (i < ops.length && i + 1 < operands.length) items.push({ op: ops[i] });
    }
    if (items.length === 0) return this.errorAt(node);
    return new PrattParser(items, this).parse(0);
  }

  private operand(node: CstNode): A.Expr {
    let result = this.primary(this.node(node, "primary"), node);
    for (const field of this.tokens(node, "fields")) {
      result = this.made(
        {
          kind: "Field",
          span: { start: result.span.start, end: tokenSpan(field).end },
          object: result,
          field: this.name(field, result.span),
        },
        result,
      );
    }
    return result;
  }

  /** Used by the precedence parser to build nodes with depth tracking. */
  makeNode(e: A.Expr, ...children: A.Expr[]): A.Expr {
    return this.made(e, ...children);
  }

  reportChainedComparison(chain: Span) {
    this.diagnostics.push({
      code: DiagnosticCode.ChainedComparison,
      severity: "error",
      span: chain,
      message: "comparisons cannot be chained",
      hint: "join two comparisons with `and`, such as `a < b and b < c`",
    });
  }

  private number(token: IToken): A.NumberLit {
    const text = token.image;
    if (token.tokenType === T.MalformedNumber) {
      const leading = text.startsWith(".");
      const fixed = leading ? "0" + text : text.replace(".", ".0");
      this.diagnostics.push({
        code: DiagnosticCode.UnexpectedToken,
        severity: "error",
        span: tokenSpan(token),
        message: `a number cannot ${leading ? "start" : "end"} with \`.\``,
        hint: `write \`${fixed}\``,
        fix: { span: tokenSpan(token), text: fixed, title: `Change to \`${fixed}\`` },
      });
      return { kind: "Number", span: tokenSpan(token), value: Number(fixed), isInt: false, text: fixed };
    }
    const isInt = !/[.eE]/.test(text);
    const value = Number(text);
    return { kind: "Number", span: tokenSpan(token), value, isInt, text };
  }

  private primary(node: CstNode | undefined, parent: CstNode): A.Expr {
    if (!node) return this.errorAt(parent);
    const span = this.spanOf(node);
    const [key] = Object.keys(node.children);
    switch (key) {
      case "Number": {
        const t = this.token(node, "Number");
        return t ? this.made(this.number(t)) : this.errorAt(node);
      }
      case "StringLiteral": {
        const t = this.token(node, "StringLiteral");
        if (t) {
          this.diagnostics.push({
            code: DiagnosticCode.InvalidCharacter,
            severity: "error",
            span: tokenSpan(t),
            message: `unexpected string ${t.image.length > 30 ? t.image.slice(0, 27) + "..." : t.image}`,
            hint: "the language has no strings; name things with identifiers",
          });
        }
        return { kind: "ErrorExpr", span };
      }
      case "True":
      case "False":
        return this.made({ kind: "Bool", span, value: key === "True" });
      case "Self":
        return this.made({ kind: "Self", span });
      case "Round":
        return this.made({ kind: "Round", span });
      case "Phase":
        return this.made({ kind: "Phase", span });
      case "Noop":
        return this.made({ kind: "Noop", span });
      case "Last": {
        const operand = this.expr(this.node(node, "lastOf"), node);
        return this.made({ kind: "Last", span, operand }, operand);
      }
      case "ifExpr":
        return this.expr(this.node(node, "ifExpr"), node);
      default:
        break;
    }
    const paren = this.node(node, "parenthesized");
    if (paren) {
      const inner = this.expr(paren, node);
      return this.made({ kind: "Paren", span, inner }, inner);
    }
    const nameToken = this.token(node, "name");
    if (!nameToken) return this.errorAt(node);
    const name = this.name(nameToken, span);
    if (!this.token(node, "call") && !this.node(node, "callArguments"))
      return this.made({ kind: "NameRef", span: name.span, name });
    const args = this.node(node, "callArguments");
    const head = this.node(args, "aggregateHead");
    if (head) {
      const filter = this.optExpr(this.node(head, "filter"));
      const body = this.optExpr(this.node(head, "body"));
      const children = [filter, body].filter((e): e is A.Expr => e !== undefined);
      return this.made(
        {
          kind: "Aggregate",
          span,
          fn: name,
          variable: this.declaredName(this.token(head, "variable"), span),
          over: this.name(this.token(head, "over"), span),
          filter,
          body,
        },
        ...children,
      );
    }
    const argExprs = this.nodes(args, "args").map((e) => this.expr(e, args));
    return this.made({ kind: "Call", span, callee: name, args: argExprs }, ...argExprs);
  }
}

type PrattItem = { prefix: IToken } | { operand: A.Expr } | { op: IToken };

/** Binding powers (left, right): higher binds tighter; left < right makes operators left-associative. */
const INFIX_POWER: Record<string, [number, number]> = {
  or: [1, 2],
  and: [3, 4],
  "==": [7, 8],
  "!=": [7, 8],
  "<": [7, 8],
  "<=": [7, 8],
  ">": [7, 8],
  ">=": [7, 8],
  "+": [9, 10],
  "-": [9, 10],
  "*": [11, 12],
  "/": [11, 12],
  "%": [11, 12],
};
/** `not` binds looser than comparisons (`not a == b` is `not (a == b)`); `-` tighter than `*`. */
const PREFIX_POWER: Record<string, number> = { not: 5, "-": 13 };
const COMPARISON_POWER = 7;

/** Precedence climbing over a flat operand/operator list (the precedence table of docs/language.md, section 10). */
class PrattParser {
  private pos = 0;
  constructor(
    private readonly items: PrattItem[],
    private readonly builder: AstBuilder,
  ) {}

  parse(minPower: number): A.Expr {
    const item = this.items[this.pos++];
    let left: A.Expr;
    if ("prefix" in item) {
      const op = item.prefix.image as "-" | "not";
      const operand =
        this.pos < this.items.length
          ? this.parse(PREFIX_POWER[op])
          : ({ kind: "ErrorExpr", span: tokenSpan(item.prefix) } as A.Expr);
      const span = { start: item.prefix.startOffset, end: Math.max(operand.span.end, tokenSpan(item.prefix).end) };
      left = this.builder.makeNode({ kind: "Unary", span, op, operand }, operand);
    } else if ("operand" in item) {
      left = item.operand;
    } else {
      return { kind: "ErrorExpr", span: tokenSpan(item.op) };
    }
    // Comparisons do not chain: `a < b < c` is reported, not read as `(a < b) < c`.
    let comparison: IToken | undefined;
    let chained = false;
    while (this.pos < this.items.length) {
      const next = this.items[this.pos];
      if (!("op" in next)) break;
      const [leftPower, rightPower] = INFIX_POWER[next.op.image] ?? [0, 0];
      if (leftPower === 0 || leftPower < minPower) break;
      this.pos++;
      const right = this.parse(rightPower);
      const span = { start: left.span.start, end: Math.max(right.span.end, tokenSpan(next.op).end) };
      if (leftPower === COMPARISON_POWER) {
        if (comparison && !chained) this.builder.reportChainedComparison(span);
        chained ||= comparison !== undefined;
        comparison = next.op;
      }
      left =
        chained && leftPower === COMPARISON_POWER
          ? { kind: "ErrorExpr", span }
          : this.builder.makeNode(
              { kind: "Binary", span, op: next.op.image as A.BinaryOp, opSpan: tokenSpan(next.op), left, right },
              left,
              right,
            );
    }
    return left;
  }
}
