import { collect } from "./contributions.js";
import type { GameDocument } from "./document.js";
import type { CodeLens } from "./types.js";

/** Code lenses: the language has none of its own; contributions add them (the analysis summary). */
export function getCodeLenses(doc: GameDocument): CodeLens[] {
  return collect(doc, (c) => c.codeLenses?.(doc))
    .flat()
    .map((lens) => ({ range: doc.rangeOf(lens.span), title: lens.title, command: lens.command }));
}
