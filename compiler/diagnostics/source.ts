/**
 * @fileoverview Source files and positions: byte offsets everywhere, line and column only when printed.
 *
 * Every diagnostic and every rule origin holds `{file, start, end}` offsets into a SourceFile; the
 * line table is built once per file on first use, and `lineCol` is a binary search over it.
 */

/** A file the compiler read. */
export class SourceFile {
  /** Path as the user gave it (printed in diagnostics). */
  readonly path: string;
  /** Full text. */
  readonly text: string;
  private lineStarts: number[] | undefined;

  constructor(path: string, text: string) {
    this.path = path;
    this.text = text;
  }

  private starts(): number[] {
    if (this.lineStarts === undefined) {
      const s = [0];
      for (let i = 0; i < this.text.length; i++) {
        if (this.text.charCodeAt(i) === 10) {
          s.push(i + 1);
        }
      }
      this.lineStarts = s;
    }
    return this.lineStarts;
  }

  /** 1-based line and column of `offset` (column counts UTF-16 units, like editors' default). */
  lineCol(offset: number): { line: number; column: number } {
    const s = this.starts();
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) {
        lo = mid;
      } else {
        hi = mid - 1;
      }
    }
    return { line: lo + 1, column: offset - s[lo]! + 1 };
  }

  /** Text of 1-based line `line`, without its newline. */
  lineText(line: number): string {
    const s = this.starts();
    const start = s[line - 1] ?? this.text.length;
    const end = s[line] ?? this.text.length + 1;
    return this.text.slice(start, end - 1).replace(/\r$/, "");
  }
}

/** A range of a source file. */
export interface Span {
  /** The file. */
  readonly file: SourceFile;
  /** Start offset. */
  readonly start: number;
  /** End offset (exclusive). */
  readonly end: number;
}

/** `file:line:col` of a span's start. */
export function formatLocation(span: Span): string {
  const { line, column } = span.file.lineCol(span.start);
  return `${span.file.path}:${line}:${column}`;
}
