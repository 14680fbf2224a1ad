/**
 * @fileoverview RE2 sources (as Cilium validates and Envoy runs them) approximated by JavaScript
 * regular expressions, always matched against the whole string.
 *
 * Translated: leading `(?i)`, `(?s)`, `(?m)` flag groups (to JS flags), `\A` and `\z` (to `^`, `$`),
 * `(?P<name>` (to `(?<name>`), `\Q…\E` literals, and POSIX classes inside brackets (`[[:alpha:]]`).
 * Known differences that remain: flag groups elsewhere in the pattern (`a(?i)b`) do not compile in
 * Node 20 and make the rule unusable (reported); `.` and classes work on UTF-16 code units, not
 * runes; `\pN`-style Unicode classes need the `u` flag, which would reject RE2's escaped punctuation,
 * so they do not compile either. Backreferences and lookaround compile in JS but RE2 (and the
 * front end) rejects them, so they never reach here. For a whole-string yes/no, RE2's leftmost-first
 * automaton and JS backtracking agree.
 */

const POSIX: Readonly<Record<string, string>> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7f",
  blank: "\\t ",
  cntrl: "\\x00-\\x1f\\x7f",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};

/** A compiled pattern, or why it could not be compiled. */
export type CompiledRegex =
  { readonly ok: true; readonly re: RegExp } | { readonly ok: false; readonly error: string };

const cache = new Map<string, CompiledRegex>();
/** Anchored sources are kept apart: the same text means a different regex there. */
const anchoredCache = new Map<string, CompiledRegex>();

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Translate an RE2 source to a JS source and flags (anchoring is the caller's). */
function translate(source: string): { body: string; flags: string } {
  let flags = "";
  let body = source;
  const lead = /^\(\?([ims]+)\)/.exec(body);
  if (lead !== null) {
    flags = [...new Set(lead[1])].join("");
    body = body.slice(lead[0].length);
  }
  body = body.replace(/\\Q([\s\S]*?)(?:\\E|$)/g, (_, lit: string) => escapeLiteral(lit));
  body = body.replace(/\(\?P</g, "(?<");
  body = body.replace(/\[:(\^?)([a-z]+):\]/g, (m, neg: string, name: string) => {
    const cls = POSIX[name];
    return cls === undefined || neg !== "" ? m : cls;
  });
  body = body.replace(/(^|[^\\])\\A/g, "$1^").replace(/(^|[^\\])\\z/g, "$1$");
  return { body, flags };
}

/** Compile `source` (RE2) to a regex matching the whole string; cached. */
export function compileFullMatch(source: string): CompiledRegex {
  let c = cache.get(source);
  if (c === undefined) {
    const { body, flags } = translate(source);
    try {
      c = { ok: true, re: new RegExp(`^(?:${body})$`, flags) };
    } catch (e) {
      c = {
        ok: false,
        error: `regex '${source}' has no JavaScript equivalent here: ${(e as Error).message}`,
      };
    }
    cache.set(source, c);
  }
  return c;
}

/** Compile an already anchored source (DNS rules); cached. */
export function compileAnchored(source: string): CompiledRegex {
  let c = anchoredCache.get(source);
  if (c === undefined) {
    try {
      c = { ok: true, re: new RegExp(source) };
    } catch (e) {
      c = { ok: false, error: `regex '${source}' does not compile: ${(e as Error).message}` };
    }
    anchoredCache.set(source, c);
  }
  return c;
}
