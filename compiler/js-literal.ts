/**
 * The only ways text from a scenario (file names, names, labels) enters generated code:
 * as a JSON literal or a comment that no character of the text can end early.
 */

/** `JSON.stringify` with U+2028/U+2029 escaped too (line terminators in older engines and in comments). */
export function jsonLiteral(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** A string as a JS string literal. */
export const jsString = (text: string): string => jsonLiteral(text);

/**
 * Text for the inside of a `//` comment: every line terminator and control character
 * escaped, so the comment ends where the generator ends it.
 */
export function commentText(text: string): string {
  return jsString(text)
    .slice(1, -1)
    .replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
