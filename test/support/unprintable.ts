/** Whether text holds a character that must not reach a terminal raw (line feeds allowed where `multiline`). */
export function hasUnprintable(text: string, options: { multiline?: boolean } = {}): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c === 0x0a && options.multiline) continue;
    if (c === 0x09) continue;
    if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      c === 0x2028 ||
      c === 0x2029 ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    )
      return true;
  }
  return false;
}
