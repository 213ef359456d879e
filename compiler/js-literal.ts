/**
 * The only ways text from a scenario (file names, names, labels) enters generated code:
 * as a JSON literal, or as comment text that no character of it can end early.
 */
import { printable } from "../language/text.js";

/** `JSON.stringify` with U+2028/U+2029 escaped too (line terminators in older engines and in comments). */
export function jsonLiteral(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** A string as a JS string literal. */
export const jsString = (text: string): string => jsonLiteral(text);

/** Text for the inside of a `//` comment: line terminators and control characters escaped. */
export const commentText = (text: string): string => printable(text);
