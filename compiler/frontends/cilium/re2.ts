/**
 * @fileoverview Checks that a regular expression is valid RE2 syntax (Go's `regexp`), as Cilium's
 * validation and Envoy's `safe_regex` require (cilium.md §1.9).
 *
 * RE2 has no backtracking constructs: backreferences, lookaround, atomic groups and possessive
 * quantifiers are rejected with a message that says so; Go also rejects repeat counts above 1000 and
 * escapes of letters it does not define (`\y`). What is left is checked by compiling a JavaScript
 * equivalent (Go-only syntax such as `(?P<name>` and inline flags translated), which catches unbalanced
 * parentheses, bad ranges and dangling quantifiers.
 */

/** Largest repeat count Go's regexp accepts. */
export const MAX_REPEAT = 1000;

/** Letters Go accepts after a backslash (`\d`, `\pL`, `\x41`, `\Q...\E`, ...). */
const GO_ESCAPE_LETTERS = new Set("aAbBdDfnrsStvwWzpPQECx");

/** Why `src` is not a valid RE2 regex, or undefined when it is. */
export function re2Error(raw: string): string | undefined {
  const src = unquote(raw);
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === "\\") {
      const n = src[i + 1];
      if (n === undefined) {
        return "trailing backslash at end of expression";
      }
      if (/[1-9]/.test(n) && !/[0-7]/.test(src[i + 2] ?? "")) {
        return `backreferences are not supported (\\${n})`;
      }
      if (n === "k" && src[i + 2] === "<") {
        return "backreferences are not supported (\\k<name>)";
      }
      if (/[a-zA-Z]/.test(n) && !GO_ESCAPE_LETTERS.has(n)) {
        return `invalid escape sequence: \\${n}`;
      }
      i++;
      continue;
    }
    if (inClass) {
      inClass = c !== "]";
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (src[i + 1] === "^") {
        i++;
      }
      if (src[i + 1] === "]") {
        i++; // a leading ']' is a literal
      }
      continue;
    }
    if (c === "(" && src[i + 1] === "?") {
      const rest = src.slice(i + 2);
      if (/^(=|!|<=|<!)/.test(rest)) {
        return "lookahead and lookbehind assertions are not supported";
      }
      if (rest.startsWith(">")) {
        return "atomic groups are not supported";
      }
      if (rest.startsWith("P=")) {
        return "backreferences are not supported ((?P=name))";
      }
    }
    if ((c === "*" || c === "+" || c === "?" || c === "}") && src[i + 1] === "+") {
      return "possessive quantifiers are not supported";
    }
    if (c === "{") {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(src.slice(i));
      if (m !== null && (Number(m[1]) > MAX_REPEAT || Number(m[3] ?? 0) > MAX_REPEAT)) {
        return `invalid repeat count: ${m[0]} (at most ${MAX_REPEAT})`;
      }
    }
  }
  try {
    new RegExp(toJsSyntax(src));
  } catch (e) {
    return e instanceof Error ? e.message.replace(/^Invalid regular expression: /, "") : String(e);
  }
  return undefined;
}

/** `\Q...\E` literal sections spelled with escapes instead. */
function unquote(src: string): string {
  return src.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_, lit: string) =>
    lit.replace(/[^A-Za-z0-9_]/g, (ch) => `\\${ch}`),
  );
}

/** The JavaScript spelling of Go-only syntax, for a syntax check. */
function toJsSyntax(src: string): string {
  return src
    .replace(/\(\?P</g, "(?<")
    .replace(/\(\?[imsU-]+\)/g, "")
    .replace(/\(\?[imsU-]+:/g, "(?:");
}
