/**
 * Plain result types of the language service. They mirror the shapes of the Language
 * Server Protocol closely enough to convert field by field, but nothing here depends on
 * LSP packages: positions are 0-based lines and UTF-16 characters, ranges are half-open,
 * and kinds are strings of this language's own vocabulary.
 */
import type { Position, Range } from "../text.js";

export type { Position, Range } from "../text.js";

export interface Location {
  uri: string;
  range: Range;
}

/** Replace `range` with `newText` (an insertion when the range is empty). */
export interface TextEdit {
  range: Range;
  newText: string;
}

/** Edits to apply, per document. */
export interface WorkspaceEdit {
  changes: Record<string, TextEdit[]>;
}

/** One change to a document's text, as an editor sends it: without `range`, the whole new text. */
export interface ContentChange {
  range?: Range;
  text: string;
}

// ---- Diagnostics -------------------------------------------------------------------------

export type DiagnosticSeverity = "error" | "warning" | "info" | "hint";

export interface ServiceDiagnostic {
  range: Range;
  severity: DiagnosticSeverity;
  /** Stable code such as `E0101`. */
  code: string;
  message: string;
  /** A suggestion in the author's terms (`did you mean ...?`), shown after the message. */
  hint?: string;
  source: "agora";
  relatedInformation?: { location: Location; message: string }[];
  /** A machine-applicable fix: code actions offer it as a quick fix. */
  fix?: { title: string; edit: TextEdit };
}

// ---- Completion --------------------------------------------------------------------------

export type CompletionKind =
  | "keyword"
  | "snippet"
  | "param"
  | "state"
  | "rule"
  | "role"
  | "team"
  | "phase"
  | "bot"
  | "action"
  | "field"
  | "variable"
  | "function"
  | "aggregate"
  | "type"
  | "trainKey";

export interface CompletionItem {
  label: string;
  kind: CompletionKind;
  /** One line shown beside the label: a type or a signature. */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Text to insert (defaults to `label`); a snippet (`${1:x}` placeholders) when `snippet` is true. */
  insertText?: string;
  snippet?: boolean;
  /** Sorts items where the client sorts by this text (lower first). */
  sortText?: string;
  /** What the inserted text replaces: the word at the cursor (empty at a fresh position). */
  range: Range;
}

export interface CompletionList {
  items: CompletionItem[];
  /** Whether the client should ask again as the user types (never here: lists are complete). */
  isIncomplete: boolean;
}

// ---- Hover, signature help, inlay hints ----------------------------------------------------

export interface Hover {
  /** Markdown. */
  contents: string;
  range: Range;
}

export interface ParameterInformation {
  /** [start, end) of the parameter within the signature's label. */
  label: [number, number];
  documentation?: string;
}

export interface SignatureInformation {
  label: string;
  documentation?: string;
  parameters: ParameterInformation[];
}

export interface SignatureHelp {
  signatures: SignatureInformation[];
  activeSignature: number;
  activeParameter: number;
}

export interface InlayHint {
  position: Position;
  label: string;
  kind: "type";
  /** Text to insert if the user accepts the hint (the annotation it shows). */
  textEdits?: TextEdit[];
  tooltip?: string;
}

// ---- Navigation ------------------------------------------------------------------------------

export type HighlightKind = "text" | "read" | "write";

export interface DocumentHighlight {
  range: Range;
  kind: HighlightKind;
}

export type PrepareRenameResult = { range: Range; placeholder: string } | { error: string };

export type RenameResult = { edit: WorkspaceEdit } | { error: string };

// ---- Symbols, folding, semantic tokens -----------------------------------------------------

export type SymbolKindName =
  | "game"
  | "param"
  | "state"
  | "rule"
  | "role"
  | "action"
  | "agentState"
  | "team"
  | "phase"
  | "step"
  | "payoff"
  | "metric"
  | "bot"
  | "train"
  | "horizon"
  | "endWhen";

export interface DocumentSymbol {
  name: string;
  kind: SymbolKindName;
  /** A type or a short signature. */
  detail?: string;
  /** The whole declaration. */
  range: Range;
  /** The name (or keyword) to reveal when the symbol is picked. */
  selectionRange: Range;
  children: DocumentSymbol[];
}

export interface WorkspaceSymbol {
  name: string;
  kind: SymbolKindName;
  /** The role of an action or agent state, else the game. */
  containerName?: string;
  location: Location;
}

export interface FoldingRange {
  startLine: number;
  endLine: number;
  kind?: "comment" | "region";
}

export interface SemanticTokensLegend {
  tokenTypes: string[];
  tokenModifiers: string[];
}

export interface SemanticTokens {
  /** LSP's relative encoding: 5 integers per token (line delta, start delta, length, type, modifier bits). */
  data: number[];
}

// ---- Code actions ----------------------------------------------------------------------------

export interface CodeAction {
  title: string;
  kind: "quickfix";
  /** The diagnostics this action fixes. */
  diagnostics: ServiceDiagnostic[];
  edit: WorkspaceEdit;
  isPreferred?: boolean;
}

// ---- Code lens ---------------------------------------------------------------------------

export interface CodeLens {
  range: Range;
  title: string;
  /** The client command a click runs. */
  command: string;
}
