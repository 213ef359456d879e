import type { IToken } from "chevrotain";
import { AGGREGATES } from "../semantic/builtins.js";
import type { GameModel, RoleInfo, SymbolDef } from "../semantic/model.js";
import * as T from "../syntax/tokens.js";
import { commentAt, isWordToken, tokenEnd, tokenIndexBefore } from "./syntax-lookup.js";
import type { GameDocument } from "./document.js";

/**
 * Where the cursor is, read from the tokens around it rather than from the tree: while
 * the user types, the text is usually broken, and the tokens still show the structure
 * (which braces are open, what opened them, which names are bound). The checked model,
 * partial as it may be, supplies the declarations and types.
 */

/** A name bound by the code around the cursor. */
export interface Binding {
  name: string;
  /** Offset of the name where it is bound. */
  offset: number;
  kind: "local" | "loopVariable" | "aggregateVariable" | "matchBinding" | "actionArgument";
  /** A role name, or `teams`, for loop and aggregate variables. */
  over?: string;
  /** The action whose argument a match binding or action argument is. */
  action?: string;
  /** The role of that action, where known. */
  role?: string;
  /** Token index of the `let` (a local is not in scope in its own line). */
  letIndex?: number;
}

type FrameKind =
  "top" | "game" | "role" | "rule" | "payoff" | "step" | "bot" | "train" | "block" | "match" | "paren" | "bracket";

interface Frame {
  kind: FrameKind;
  /** Token index of the opening bracket (-1 for the file). */
  open: number;
  bindings: Binding[];
  /** The head keyword last seen directly in this frame (what a `{` here would open). */
  head?: { word: string; index: number };
  /** `for x in r` seen, its `{` not yet. */
  pendingFor?: Binding;
  /** Role frames: the role's name; bot frames and their blocks: the bot's role. */
  selfRole?: string;
  body?: "step" | "bot";
  /** Role frames: the action being declared, its argument, whether its `when` was reached. */
  action?: string;
  actionArg?: Binding;
  inGuard?: boolean;
  /** Match frames: the subject's tokens, and the binding of the arm being written. */
  subject?: [number, number];
  armBinding?: Binding;
  /** Paren frames: the word before `(`. */
  callee?: string;
}

export interface CursorContext {
  offset: number;
  tokens: IToken[];
  /** Index of the last token before the cursor that is not the word being typed (-1: none). */
  prev: number;
  /** The word being typed (its span), if the cursor is in or right after one. */
  word?: { start: number; end: number; text: string };
  inComment: boolean;
  /** Open frames, outermost first. */
  frames: Frame[];
  model: GameModel | undefined;
  doc: GameDocument;
}

const BRACE_HEADS = new Set(["game", "role", "rule", "payoff", "step", "bot", "train", "for", "if", "else", "match"]);

/** Reads the structure open at `offset`. */
export function cursorContext(doc: GameDocument, offset: number): CursorContext {
  const tokens = doc.parsed.tokens;
  const model = doc.model;
  const inComment = commentAt(doc.parsed.ast, offset) !== undefined;
  let prev = tokenIndexBefore(tokens, offset);
  let word: CursorContext["word"];
  if (prev >= 0) {
    const t = tokens[prev];
    if (tokenEnd(t) >= offset && (isWordToken(t) || t.tokenType === T.Number)) {
      word = { start: t.startOffset, end: tokenEnd(t), text: doc.text.slice(t.startOffset, offset) };
      prev--;
    }
  }
  const frames = scanFrames(tokens, prev + 1, model);
  return { offset, tokens, prev, word, inComment, frames, model, doc };
}

function scanFrames(tokens: readonly IToken[], end: number, model: GameModel | undefined): Frame[] {
  const frames: Frame[] = [{ kind: "top", open: -1, bindings: [] }];
  const top = () => frames[frames.length - 1];
  const word = (i: number) => (i >= 0 && i < tokens.length && isWordToken(tokens[i]) ? tokens[i].image : undefined);
  const is = (i: number, type: typeof T.LBrace) => i >= 0 && i < tokens.length && tokens[i].tokenType === type;

  for (let i = 0; i < end; i++) {
    const t = tokens[i];
    const type = t.tokenType;
    const frame = top();
    if (type === T.LBrace) {
      const head = frame.head;
      const opened = openBrace(frame, head, i, tokens);
      frames.push(opened);
      frame.head = undefined;
      frame.pendingFor = undefined;
      continue;
    }
    if (type === T.RBrace) {
      while (frames.length > 1) {
        const popped = frames.pop()!;
        if (popped.kind !== "paren" && popped.kind !== "bracket") break;
      }
      const back = top();
      if (back.kind === "match") back.armBinding = undefined;
      continue;
    }
    if (type === T.LParen) {
      const paren: Frame = { kind: "paren", open: i, bindings: [], callee: word(i - 1) };
      // `sum(a in role ...)`: the aggregate's variable.
      if (word(i + 1) !== undefined && is(i + 2, T.In) && i + 1 < end) {
        const over = word(i + 3);
        paren.bindings.push({
          name: tokens[i + 1].image,
          offset: tokens[i + 1].startOffset,
          kind: "aggregateVariable",
          over,
        });
      }
      // `action name(x: ...)`: the argument, in scope in the action's guards.
      if (
        frame.kind === "role" &&
        word(i - 2) === "action" &&
        word(i + 1) !== undefined &&
        frame.action === word(i - 1)
      ) {
        frame.actionArg = {
          name: tokens[i + 1].image,
          offset: tokens[i + 1].startOffset,
          kind: "actionArgument",
          action: frame.action,
          role: frame.selfRole,
        };
      }
      frames.push(paren);
      continue;
    }
    if (type === T.RParen) {
      if (frame.kind === "paren") frames.pop();
      continue;
    }
    if (type === T.LBracket) {
      frames.push({ kind: "bracket", open: i, bindings: [] });
      continue;
    }
    if (type === T.RBracket) {
      if (frame.kind === "bracket") frames.pop();
      continue;
    }
    if (frame.kind === "paren" || frame.kind === "bracket") continue;

    const w = word(i);
    if (type === T.Arrow && frame.kind === "match") {
      // `name => ...` or `name(x) => ...`: an arm begins.
      const bound = is(i - 1, T.RParen) && word(i - 2) !== undefined && is(i - 3, T.LParen) ? i - 2 : -1;
      const action = bound >= 0 ? word(i - 4) : word(i - 1);
      frame.armBinding =
        bound >= 0
          ? {
              name: tokens[bound].image,
              offset: tokens[bound].startOffset,
              kind: "matchBinding",
              action,
              role: subjectRole(frame, tokens, frames, model),
            }
          : undefined;
      frame.head = { word: "=>", index: i };
      continue;
    }
    if (w === undefined) continue;
    if (BRACE_HEADS.has(w) && !(w === "rule" && frame.kind !== "game") && !(w === "for" && word(i - 2) === "bot")) {
      frame.head = { word: w, index: i };
    }
    if (w === "let" && word(i + 1) !== undefined && i + 1 < end) {
      frame.bindings.push({ name: tokens[i + 1].image, offset: tokens[i + 1].startOffset, kind: "local", letIndex: i });
    } else if (w === "for" && word(i - 2) !== "bot" && word(i + 1) !== undefined && is(i + 2, T.In) && i + 1 < end) {
      frame.pendingFor = {
        name: tokens[i + 1].image,
        offset: tokens[i + 1].startOffset,
        kind: "loopVariable",
        over: word(i + 3),
      };
    } else if (frame.kind === "role") {
      if (w === "action") {
        frame.action = word(i + 1);
        frame.actionArg = undefined;
        frame.inGuard = false;
      } else if (w === "when" && frame.action !== undefined) frame.inGuard = true;
      else if (w === "state" || w === "observe" || w === "objective" || (w === "team" && is(i + 1, T.Eq))) {
        frame.action = undefined;
        frame.actionArg = undefined;
        frame.inGuard = false;
      }
    }
  }
  return frames;
}

function openBrace(parent: Frame, head: Frame["head"], index: number, tokens: readonly IToken[]): Frame {
  const word = (i: number) => (i >= 0 && i < tokens.length && isWordToken(tokens[i]) ? tokens[i].image : undefined);
  const inherit = (kind: FrameKind): Frame => ({
    kind,
    open: index,
    bindings: [],
    selfRole: parent.selfRole,
    body: parent.body,
  });
  const h = head?.word;
  if (parent.kind === "top" && h === "game") return { kind: "game", open: index, bindings: [] };
  if (parent.kind === "game") {
    switch (h) {
      case "role":
        return { kind: "role", open: index, bindings: [], selfRole: word(head!.index + 1) };
      case "rule":
        return { kind: "rule", open: index, bindings: [] };
      case "payoff":
        return { kind: "payoff", open: index, bindings: [] };
      case "train":
        return { kind: "train", open: index, bindings: [] };
      case "step":
        return { kind: "step", open: index, bindings: [], body: "step" };
      case "bot": {
        const forAt = head!.index + 2;
        return {
          kind: "bot",
          open: index,
          bindings: [],
          body: "bot",
          selfRole: word(forAt) === "for" ? word(forAt + 1) : undefined,
        };
      }
      default:
        // Another block at game level (`state`, a guard's braces...): handled below.
        break;
    }
    return inherit("block");
  }
  if (h === "match") return { ...inherit("match"), subject: [head!.index + 1, index] };
  const block = inherit("block");
  if (h === "for" && parent.pendingFor) block.bindings.push(parent.pendingFor);
  if (h === "=>" && parent.armBinding) block.bindings.push(parent.armBinding);
  return block;
}

/** The role whose actions a `match` frame's arms name: `match x.action { ... }`. */
function subjectRole(
  frame: Frame,
  tokens: readonly IToken[],
  frames: Frame[],
  model: GameModel | undefined,
): string | undefined {
  if (!frame.subject) return undefined;
  const [from, to] = frame.subject;
  return actionSubjectRole(tokens, from, to, frames, model);
}

/**
 * The role of an action-valued expression written in tokens [from, to): `x.action` or
 * `last(x.action)`, with `x` a bound agent or `self`.
 */
function actionSubjectRole(
  tokens: readonly IToken[],
  from: number,
  to: number,
  frames: Frame[],
  model: GameModel | undefined,
): string | undefined {
  const images = tokens.slice(from, to).map((t) => t.image);
  let object: number | undefined;
  if (images.length === 3 && images[1] === "." && images[2] === "action") object = from;
  else if (
    images.length === 6 &&
    images[0] === "last" &&
    images[1] === "(" &&
    images[3] === "." &&
    images[4] === "action" &&
    images[5] === ")"
  )
    object = from + 2;
  if (object === undefined || !isWordToken(tokens[object])) return undefined;
  return roleOfName(tokens[object].image, tokens[object].startOffset, frames, model);
}

/** The bindings in scope at the cursor, inner ones shadowing outer ones. */
export function visibleBindings(ctx: CursorContext): Binding[] {
  const byName = new Map<string, Binding>();
  const cursorLine = ctx.doc.positionAt(ctx.offset).line;
  for (const frame of ctx.frames) {
    for (const b of frame.bindings) {
      if (
        b.kind === "local" &&
        b.letIndex !== undefined &&
        ctx.doc.positionAt(ctx.tokens[b.letIndex].startOffset).line === cursorLine
      )
        continue;
      byName.set(b.name, b);
    }
    if (frame.pendingFor) byName.set(frame.pendingFor.name, frame.pendingFor);
    if (frame.armBinding) byName.set(frame.armBinding.name, frame.armBinding);
    if (frame.kind === "role" && frame.inGuard && frame.actionArg) byName.set(frame.actionArg.name, frame.actionArg);
  }
  return [...byName.values()];
}

/** The role `self` is an agent of at the cursor (in a role or a bot), if any. */
export function selfRole(ctx: CursorContext): string | undefined {
  for (let i = ctx.frames.length - 1; i >= 0; i--) if (ctx.frames[i].selfRole) return ctx.frames[i].selfRole;
  return undefined;
}

export function roleInfo(model: GameModel | undefined, name: string | undefined): RoleInfo | undefined {
  return name === undefined ? undefined : model?.roles.find((r) => r.name === name);
}

/** The checked symbol declared at `offset`, when the model has it. */
function symbolDeclaredAt(model: GameModel | undefined, offset: number, name: string): SymbolDef | undefined {
  return model?.symbols.find((s) => s.nameSpan.start === offset && s.name === name);
}

/** The type of a binding: from the checker where it saw the declaration, else from the tokens. */
export function bindingType(b: Binding, model: GameModel | undefined): { kind: string; role?: string } | undefined {
  const symbol = symbolDeclaredAt(model, b.offset, b.name);
  if (symbol && symbol.type.kind !== "error") return symbol.type as { kind: string; role?: string };
  if (b.kind === "loopVariable" || b.kind === "aggregateVariable") {
    if (b.over === "teams") return { kind: "team" };
    if (roleInfo(model, b.over)) return { kind: "agent", role: b.over };
    return undefined;
  }
  if (b.kind === "matchBinding" || b.kind === "actionArgument") {
    const action = roleInfo(model, b.role)?.actions.find((a) => a.symbol.name === b.action);
    const info = action?.argument?.info;
    if (!info) return undefined;
    if (info.kind === "role") return { kind: "agent", role: info.role };
    if (info.kind === "range") return { kind: "int" };
    return { kind: info.kind };
  }
  return undefined;
}

/** The role of the agent a name denotes at the cursor: `self`, a bound agent, agent-typed state. */
function roleOfName(name: string, offset: number, frames: Frame[], model: GameModel | undefined): string | undefined {
  if (name === "self") {
    for (let i = frames.length - 1; i >= 0; i--) if (frames[i].selfRole) return frames[i].selfRole;
    return undefined;
  }
  // The innermost binding of that name bound before `offset`.
  for (let i = frames.length - 1; i >= 0; i--) {
    const f = frames[i];
    const candidates = [
      ...f.bindings,
      f.pendingFor,
      f.armBinding,
      f.kind === "role" && f.inGuard ? f.actionArg : undefined,
    ].filter((b): b is Binding => b !== undefined && b.name === name && b.offset < offset);
    if (candidates.length > 0) {
      const t = bindingType(candidates[candidates.length - 1], model);
      return t?.kind === "agent" ? t.role : undefined;
    }
  }
  const state = model?.state.get(name);
  return state?.symbol.type.kind === "agent" ? state.symbol.type.role : undefined;
}

/** The role of the agent named by the token at `index` (the object before a `.`). */
export function roleOfToken(ctx: CursorContext, index: number): string | undefined {
  const t = ctx.tokens[index];
  if (!t || !isWordToken(t)) return undefined;
  return roleOfName(t.image, t.startOffset, ctx.frames, ctx.model);
}

/** The role of `x.action` / `last(x.action)` written in tokens [from, to). */
export function actionExpressionRole(ctx: CursorContext, from: number, to: number): string | undefined {
  return actionSubjectRole(ctx.tokens, from, to, ctx.frames, ctx.model);
}

/** The innermost frame that is not a bracket. */
export function innermostBlock(ctx: CursorContext): Frame {
  for (let i = ctx.frames.length - 1; i >= 0; i--) {
    const f = ctx.frames[i];
    if (f.kind !== "paren" && f.kind !== "bracket") return f;
  }
  return ctx.frames[0];
}

export function innermost(ctx: CursorContext): Frame {
  return ctx.frames[ctx.frames.length - 1];
}

/** The role of a `match` frame's subject. */
export function matchRole(ctx: CursorContext, frame: Frame): string | undefined {
  return frame.subject
    ? actionSubjectRole(ctx.tokens, frame.subject[0], frame.subject[1], ctx.frames, ctx.model)
    : undefined;
}

/** Whether the aggregate with this name takes `a in role`. */
export function isAggregateName(name: string | undefined): boolean {
  return name !== undefined && AGGREGATES.has(name);
}

export type { Frame, FrameKind };
