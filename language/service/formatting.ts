import { formatTextDetailed } from "../format.js";
import type { GameDocument } from "./document.js";
import type { TextEdit } from "./types.js";

/**
 * The edits that give the document its canonical layout (the same as `agora fmt`): none
 * when it is already formatted or has syntax errors, else one edit spanning the changed
 * lines (so the editor keeps the cursor and folds outside them).
 */
export function formatDocument(doc: GameDocument): TextEdit[] {
  const text = doc.text;
  const formatted = formatTextDetailed(text, doc.parsed).text;
  if (formatted === text) return [];
  const limit = Math.min(text.length, formatted.length);
  let prefix = 0;
  while (prefix < limit && text.charCodeAt(prefix) === formatted.charCodeAt(prefix)) prefix++;
  // Whole lines only: back to the start of the line.
  prefix = text.lastIndexOf("\n", prefix - 1) + 1;
  let suffix = 0;
  while (
    suffix < limit - prefix &&
    text.charCodeAt(text.length - 1 - suffix) === formatted.charCodeAt(formatted.length - 1 - suffix)
  )
    suffix++;
  while (suffix > 0 && text.charCodeAt(text.length - suffix - 1) !== 10) suffix--;
  return [
    {
      range: doc.rangeOf({ start: prefix, end: text.length - suffix }),
      newText: formatted.slice(prefix, formatted.length - suffix),
    },
  ];
}
