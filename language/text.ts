/** Source text positions. Offsets are UTF-16 indices into the document; lines and columns are 0-based. */

export interface Span {
  /** First character, inclusive. */
  start: number;
  /** One past the last character. */
  end: number;
}

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export function span(start: number, end: number): Span {
  return { start, end };
}

export function joinSpans(a: Span, b: Span): Span {
  return { start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/**
 * Maps offsets to line/column and back. `\r\n`, `\n` and a lone `\r` each end one line,
 * so CRLF files count every line once.
 */
export class LineIndex {
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  positionAt(offset: number): Position {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= clamped) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: clamped - this.lineStarts[lo] };
  }

  offsetAt(position: Position): number {
    if (position.line < 0) return 0;
    if (position.line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[position.line];
    const end = this.lineEnd(position.line);
    return Math.max(start, Math.min(start + position.character, end));
  }

  rangeOf(s: Span): Range {
    return { start: this.positionAt(s.start), end: this.positionAt(s.end) };
  }

  lineStart(line: number): number {
    return this.lineStarts[line];
  }

  /** Offset of the end of a line, before its line break. */
  lineEnd(line: number): number {
    const next = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
    let end = next;
    if (end > this.lineStarts[line] && this.text.charCodeAt(end - 1) === 10) end--;
    if (end > this.lineStarts[line] && this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  lineText(line: number): string {
    return this.text.slice(this.lineStarts[line], this.lineEnd(line));
  }
}

/**
 * Characters that must not reach a terminal or a file raw when they come from a scenario:
 * C0 and C1 controls (ANSI/OSC escape sequences start with ESC or U+009B), DEL, the
 * Unicode line and paragraph separators and the bidirectional overrides that reorder what
 * is shown ("Trojan source").
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above, line feeds allowed
const UNPRINTABLE_EXCEPT_LF = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text from a scenario (labels, names, file names, messages quoting them) made safe to
 * print: every unprintable character becomes a visible `\u{…}` escape. One line unless
 * `multiline`, which keeps line feeds; `sameWidth` shows each as U+FFFD instead, so columns
 * stay where they were (a source line under a caret). The one helper for all user text bound
 * for a terminal.
 */
export function printable(text: string, options: { multiline?: boolean; sameWidth?: boolean } = {}): string {
  return text.replace(options.multiline ? UNPRINTABLE_EXCEPT_LF : UNPRINTABLE, (c) =>
    options.sameWidth ? "\ufffd" : `\\u{${c.charCodeAt(0).toString(16)}}`,
  );
}
