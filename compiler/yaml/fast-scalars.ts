/**
 * @fileoverview Scalars for the fast YAML reader (fast-yaml.ts): where a single-line plain or quoted
 * scalar ends, what a plain scalar resolves to, and the signal for input outside the reader's subset.
 *
 * Plain scalars resolve by the YAML 1.2 core schema (YAML 1.2.2 §10.3.2), the `yaml` package's default:
 * null, booleans and decimal integers are resolved here; the other numeric forms (octal, hex, floats,
 * .inf, .nan) are rare in manifests and are left to the `yaml` package.
 */

/**
 * Thrown inside the reader when the input leaves the subset; `parseFast` turns it into undefined. One
 * instance, made once: leaving the subset is control flow here, not an error worth a stack trace.
 */
export class OutsideSubset extends Error {}
/** The one `OutsideSubset` instance. */
export const OUTSIDE = new OutsideSubset("outside the fast YAML subset");

/** Characters a plain scalar may not start with (YAML 1.2.2 §7.3.3, c-indicator), handled apart: - ? : */
export const PLAIN_FORBIDDEN_FIRST = "-?:,[]{}#&*!|>'\"%@`";

const LF = 10;
const SPACE = 32;
const DQUOTE = 34;
const HASH = 35;
const SQUOTE = 39;
const BACKSLASH = 92;
const COMMA = 44;
const COLON = 58;

/** Whether char code `c` is a flow indicator (`[ ] { } ,`): they end a plain scalar in a flow collection. */
export function isFlowIndicator(c: number): boolean {
  return c === COMMA || c === 91 || c === 93 || c === 123 || c === 125;
}

/** Core schema patterns (YAML 1.2.2 §10.3.2). */
const NULL_RE = /^(?:~|null|Null|NULL)$/;
const BOOL_RE = /^(?:true|True|TRUE|false|False|FALSE)$/;
const INT_RE = /^[-+]?[0-9]+$/;
const OTHER_NUMBER_RE =
  /^(?:0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
/** Longest decimal integer resolved here (15 digits always convert exactly). */
const MAX_INT_DIGITS = 15;

/** Resolve a plain scalar's text by the core schema. */
export function resolvePlain(raw: string): string | number | boolean | null {
  // Only texts starting with one of `~nNtTfF+-.0-9` can be anything but a string: skip the patterns
  // for the rest (most names and labels).
  const c = raw.charCodeAt(0);
  const digitLike = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46;
  if (!digitLike && c !== 126 && c !== 110 && c !== 78 && c !== 116 && c !== 84 && c !== 102 && c !== 70) {
    return raw;
  }
  if (NULL_RE.test(raw)) {
    return null;
  }
  if (BOOL_RE.test(raw)) {
    return c === 116 || c === 84; // t, T
  }
  if (!digitLike) {
    return raw;
  }
  if (INT_RE.test(raw)) {
    if (raw.replace(/^[-+]/, "").length > MAX_INT_DIGITS) {
      throw OUTSIDE;
    }
    return Number(raw);
  }
  if (OTHER_NUMBER_RE.test(raw)) {
    throw OUTSIDE;
  }
  return raw;
}

/**
 * End of the single-line plain scalar at `p` (trailing spaces excluded). It ends at the line end or a
 * ` #` comment, and inside a flow collection (`flow`) also at flow indicators and at a `:` followed by
 * a space, line end or flow indicator (its key's end). Outside flow such a `:` leaves the subset.
 */
export function plainEnd(text: string, p: number, flow: boolean): number {
  // Char codes, not one-character strings: this loop runs over most of the input's bytes.
  const n = text.length;
  let q = p;
  for (; q < n; q++) {
    const c = text.charCodeAt(q);
    if (c === LF || (c === HASH && text.charCodeAt(q - 1) === SPACE)) {
      break;
    }
    if (c === COLON) {
      const after = text.charCodeAt(q + 1); // NaN at the end of the text
      if (q + 1 >= n || after === SPACE || after === LF || (flow && isFlowIndicator(after))) {
        if (!flow) {
          throw OUTSIDE; // `a: b: c`, a nested mapping in a compact one
        }
        break;
      }
    }
    if (flow && isFlowIndicator(c)) {
      break;
    }
  }
  let end = q;
  while (text.charCodeAt(end - 1) === SPACE) {
    end--;
  }
  return end;
}

/** The single-line quoted scalar at `p`: double-quoted without escapes, or single-quoted (`''` = `'`). */
export function quotedScalar(text: string, p: number): { value: string; end: number } {
  const quote = text.charCodeAt(p);
  let value = "";
  let from = p + 1;
  for (let q = p + 1; q < text.length; q++) {
    const c = text.charCodeAt(q);
    if (c === LF || (c === BACKSLASH && quote === DQUOTE)) {
      throw OUTSIDE; // multi-line scalars fold lines; escapes are left to the yaml package
    }
    if (c === quote) {
      if (quote === SQUOTE && text.charCodeAt(q + 1) === SQUOTE) {
        value += text.slice(from, q + 1);
        from = q + 2;
        q++;
        continue;
      }
      value += text.slice(from, q);
      return { value, end: q + 1 };
    }
  }
  throw OUTSIDE;
}
