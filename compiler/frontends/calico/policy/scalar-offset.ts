/**
 * @fileoverview Where a character of a YAML string value sits in the source file, so that an error at
 * offset `i` of a selector string becomes a `file:line:col` diagnostic on the exact character.
 *
 * The value of a scalar differs from its source text by the quoting: plain scalars are the text itself,
 * single-quoted ones open with `'` and write `'` as `''`, double-quoted ones open with `"` and have
 * backslash escapes (`\\`, `\"`, `\xHH`, `\uHHHH`, `\UHHHHHHHH`, ...), block scalars (`|`, `>`) start on
 * the line after their header. All of these are mapped exactly on the scalar's first line. Limits:
 * past the first line (folded line breaks, stripped indentation, escaped line breaks) the mapping is not
 * tracked and the diagnostic points at the start of the value instead.
 */

import type { LScalar } from "../../../yaml/located.js";

/** Source characters of a double-quoted escape starting with `\` + `c`. */
function escapeWidth(c: string): number {
  return c === "x" ? 4 : c === "u" ? 6 : c === "U" ? 10 : 2;
}

/** UTF-16 units the value gets from a double-quoted escape starting with `\` + `c` at `src[i]`. */
function escapeUnits(src: string, i: number): number {
  if (src[i + 1] !== "U") {
    return 1;
  }
  const cp = Number.parseInt(src.slice(i + 2, i + 10), 16);
  return Number.isFinite(cp) && cp > 0xffff ? 2 : 1;
}

/** Offset of the first value character of a block scalar (`|` / `>`), or undefined if empty. */
function blockContentStart(text: string, start: number, end: number): number | undefined {
  const nl = text.indexOf("\n", start);
  if (nl < 0 || nl >= end) {
    return undefined;
  }
  let i = nl + 1;
  while (i < end && text[i] === " ") {
    i++;
  }
  return i < end ? i : undefined;
}

/**
 * The source offset of value character `index` of `scalar` (UTF-16 units, like the value). Falls back
 * to the first value character when `index` lies beyond the scalar's first source line.
 */
export function scalarOffset(scalar: LScalar, index: number): number {
  const { file, start, end } = scalar.span;
  const text = file.text;
  const first = text[start];
  if (first === "|" || first === ">") {
    const content = blockContentStart(text, start, end) ?? start;
    const nl = text.indexOf("\n", content);
    const lineEnd = nl < 0 || nl > end ? end : nl;
    return content + index <= lineEnd ? content + index : content;
  }
  if (first !== "'" && first !== '"') {
    const nl = text.indexOf("\n", start);
    const lineEnd = nl < 0 || nl > end ? end : nl;
    return start + index <= lineEnd ? start + index : start;
  }
  // Quoted: walk the source, counting the value units each source piece produces.
  let units = 0;
  let i = start + 1;
  while (i < end && text[i] !== "\n") {
    if (units >= index) {
      return i;
    }
    if (first === "'" && text[i] === "'" && text[i + 1] === "'") {
      units += 1;
      i += 2;
    } else if (first === '"' && text[i] === "\\") {
      units += escapeUnits(text, i);
      i += escapeWidth(text[i + 1] ?? "");
    } else if (text[i] === first) {
      return i; // the closing quote: an error at the end of the value
    } else {
      units += 1;
      i += 1;
    }
  }
  return units >= index ? i : start + 1;
}
