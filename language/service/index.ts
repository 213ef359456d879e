/**
 * The `.game` language service: editor features as plain functions over a document and a
 * position, with no dependency on the Language Server Protocol (a server adapts these
 * types to LSP's; tests and other tools call them directly).
 *
 * Documents live in a `Workspace`; each version is parsed and checked lazily, once.
 */
export { applyContentChanges, checkParsed, createDocument, GameDocument, Workspace } from "./document.js";
export type { CheckedStage, ParsedStage, WorkspaceStats } from "./document.js";
export { reparse } from "./incremental.js";
export { getDiagnostics, toServiceDiagnostic } from "./diagnostics.js";
export { getCompletions } from "./completion.js";
export { getHover } from "./hover.js";
export { findReferences, getDefinition, getDocumentHighlights, prepareRename, rename } from "./navigation.js";
export { getDocumentSymbols, getWorkspaceSymbols } from "./symbols.js";
export { getFoldingRanges } from "./folding.js";
export {
  classifyTokens,
  getSemanticTokens,
  SEMANTIC_TOKEN_MODIFIERS,
  SEMANTIC_TOKEN_SUPERTYPES,
  SEMANTIC_TOKEN_TYPES,
  semanticTokensLegend,
} from "./semantic-tokens.js";
export type { ClassifiedToken, SemanticTokenModifier, SemanticTokenType } from "./semantic-tokens.js";
export { formatDocument } from "./formatting.js";
export { getCodeActions } from "./code-actions.js";
export { getSignatureHelp } from "./signature-help.js";
export { getInlayHints } from "./inlay-hints.js";
export { getCodeLenses } from "./code-lens.js";
export type { ContributedLens, ServiceContribution } from "./contributions.js";
export type * from "./types.js";
