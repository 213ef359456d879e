/**
 * A Python string literal for any text: ASCII only, with `"`, `\` and every character
 * outside printable ASCII escaped (`\uXXXX`, `\UXXXXXXXX`), so no content can end it or
 * change what follows it.
 */
export function pyString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp <= 0xffff) out += "\\u" + cp.toString(16).padStart(4, "0");
    else out += "\\U" + cp.toString(16).padStart(8, "0");
  }
  return out + '"';
}
