import { checkParsedText } from "../check.js";
import type { Diagnostic } from "../diagnostics.js";
import type { GameModel } from "../semantic/model.js";
import { parse, type ParseResult } from "../syntax/parse.js";
import { LineIndex, type Position, type Range, type Span } from "../text.js";
import { reparse } from "./incremental.js";
import type { ServiceContribution } from "./contributions.js";
import type { ContentChange } from "./types.js";

/** The parse stage of a document: the tree (partial on broken text), its tokens and syntax errors. */
export interface ParsedStage extends ParseResult {
  /** Whether this tree was spliced from the previous version's instead of parsed whole. */
  incremental: boolean;
}

/** The check stage: the linked, typed model and every diagnostic, sorted by position. */
export interface CheckedStage {
  model: GameModel | undefined;
  diagnostics: Diagnostic[];
}

/** Counts of the work a workspace has done, for tests and measurements. */
export interface WorkspaceStats {
  parses: number;
  /** Of `parses`, how many reused the previous version's tree around the edit. */
  incrementalParses: number;
  checks: number;
}

/**
 * One version of one document. Creating it costs nothing: the line index, the parse and
 * the check are each computed on first use and kept for the life of this version, so a
 * keystroke costs at most one parse and one check however many features ask.
 */
export class GameDocument {
  private lineIndex?: LineIndex;
  private parsedStage?: ParsedStage;
  private checkedStage?: CheckedStage;
  private readonly derived = new Map<string, unknown>();
  /** The previous version, kept only until this one is parsed (for incremental parsing). */
  private previous?: GameDocument;

  constructor(
    readonly uri: string,
    readonly version: number,
    readonly text: string,
    previous?: GameDocument,
    private readonly stats?: WorkspaceStats,
    /** What layers above the language add to this document's answers (see contributions.ts). */
    readonly contributions: readonly ServiceContribution[] = [],
  ) {
    // The latest version that was parsed: versions never parsed are skipped, so at most one
    // older version is kept alive.
    this.previous = previous?.parsedStage ? previous : previous?.previous;
  }

  get lines(): LineIndex {
    return (this.lineIndex ??= new LineIndex(this.text));
  }

  get parsed(): ParsedStage {
    if (!this.parsedStage) {
      const base = this.previous?.parsedStage;
      const spliced = base ? safeReparse(this.previous!.text, base, this.text) : undefined;
      this.parsedStage = spliced ? { ...spliced, incremental: true } : { ...parse(this.text), incremental: false };
      this.previous = undefined;
      if (this.stats) {
        this.stats.parses++;
        if (spliced) this.stats.incrementalParses++;
      }
    }
    return this.parsedStage;
  }

  get checked(): CheckedStage {
    if (!this.checkedStage) {
      this.checkedStage = checkParsed(this.text, this.parsed);
      if (this.stats) this.stats.checks++;
    }
    return this.checkedStage;
  }

  get model(): GameModel | undefined {
    return this.checked.model;
  }

  get diagnostics(): Diagnostic[] {
    return this.checked.diagnostics;
  }

  /** Data derived from this version (indexes, tables), computed once per key. */
  memo<T>(key: string, compute: (doc: GameDocument) => T): T {
    if (this.derived.has(key)) return this.derived.get(key) as T;
    const value = compute(this);
    this.derived.set(key, value);
    return value;
  }

  offsetAt(position: Position): number {
    return this.lines.offsetAt(position);
  }

  positionAt(offset: number): Position {
    return this.lines.positionAt(offset);
  }

  rangeOf(span: Span): Range {
    return this.lines.rangeOf(span);
  }

  spanOf(range: Range): Span {
    const a = this.offsetAt(range.start);
    const b = this.offsetAt(range.end);
    return a <= b ? { start: a, end: b } : { start: b, end: a };
  }
}

/** An incremental parse never costs a wrong answer: any surprise falls back to a whole parse. */
function safeReparse(oldText: string, old: ParseResult, text: string): ParseResult | undefined {
  try {
    return reparse(oldText, old, text);
  } catch {
    return undefined;
  }
}

/**
 * The checker over an already parsed document, exactly as `checkText` runs it: follow-on
 * "no roles/actions" warnings dropped when the parse failed, ranges clamped into the
 * text, duplicates removed.
 */
export function checkParsed(text: string, parsed: ParseResult): CheckedStage {
  const { model, diagnostics } = checkParsedText(text, parsed);
  return { model, diagnostics };
}

/**
 * Applies editor changes in order, as LSP's incremental sync sends them: each range is
 * in the coordinates of the text left by the changes before it; a change without a range
 * replaces the whole text. Positions past a line's end clamp to it.
 */
export function applyContentChanges(text: string, changes: readonly ContentChange[]): string {
  let current = text;
  for (const change of changes) {
    if (!change.range) {
      current = change.text;
      continue;
    }
    const lines = new LineIndex(current);
    let start = lines.offsetAt(change.range.start);
    let end = lines.offsetAt(change.range.end);
    if (end < start) [start, end] = [end, start];
    current = current.slice(0, start) + change.text + current.slice(end);
  }
  return current;
}

/**
 * The open documents, each at its latest version. `update` is cheap: it records the text;
 * the work happens when a feature first asks for the parse or the check of that version.
 */
export class Workspace {
  readonly stats: WorkspaceStats = { parses: 0, incrementalParses: 0, checks: 0 };
  private readonly docs = new Map<string, GameDocument>();
  readonly contributions: readonly ServiceContribution[];

  constructor(options: { contributions?: readonly ServiceContribution[] } = {}) {
    this.contributions = options.contributions ?? [];
  }

  open(uri: string, text: string, version = 0): GameDocument {
    return this.update(uri, version, text);
  }

  /** Records a new version; the same version with the same text keeps the computed stages. */
  update(uri: string, version: number, text: string): GameDocument {
    const existing = this.docs.get(uri);
    if (existing && existing.version === version && existing.text === text) return existing;
    const doc = new GameDocument(uri, version, text, existing, this.stats, this.contributions);
    this.docs.set(uri, doc);
    return doc;
  }

  /** Applies incremental (range) or full changes to the open document and records the version. */
  applyChanges(uri: string, version: number, changes: readonly ContentChange[]): GameDocument {
    const existing = this.docs.get(uri);
    return this.update(uri, version, applyContentChanges(existing?.text ?? "", changes));
  }

  close(uri: string): void {
    this.docs.delete(uri);
  }

  get(uri: string): GameDocument | undefined {
    return this.docs.get(uri);
  }

  get documents(): GameDocument[] {
    return [...this.docs.values()];
  }
}

/** A document outside any workspace (tests, one-off tools). */
export function createDocument(
  uri: string,
  text: string,
  version = 0,
  contributions: readonly ServiceContribution[] = [],
): GameDocument {
  return new GameDocument(uri, version, text, undefined, undefined, contributions);
}
