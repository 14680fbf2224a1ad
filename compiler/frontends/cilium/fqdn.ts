/**
 * @fileoverview FQDN selectors (`toFQDNs` entries and `rules.dns` entries): validation and the
 * anchored regular expression each compiles to (cilium.md §1.6, upstream `fqdn.go`, `matchpattern`).
 *
 * A selector is exactly one of `matchName` (a literal name) and `matchPattern` (a name with `*`
 * wildcards), at most 255 characters. Matching is case-insensitive and names get a trailing dot, so the
 * regex runs over the lower-cased name with its trailing dot. In a pattern `*` matches zero or more
 * DNS characters except `.`; `*` alone matches every name; a leading `**.` matches one or more labels.
 */

import type { DnsRule } from "../../ir/l7.js";
import type { LNode } from "../../yaml/located.js";
import { S_BAD_FQDN, asMap, checkFields, stringField } from "./context.js";
import type { Ctx } from "./context.js";

/** Longest name or pattern (a DNS name's limit). */
export const MAX_FQDN_LENGTH = 255;

/** One DNS character class (lower-case input, as names are lower-cased before matching). */
const DNS_CHAR = "[-a-z0-9_]";

/** Whether `s` is labels of DNS characters separated by single dots, with an optional trailing dot. */
function validName(s: string, wildcard: boolean): boolean {
  const chars = wildcard ? /^[-a-zA-Z0-9_.*]+$/ : /^[-a-zA-Z0-9_.]+$/;
  return chars.test(s) && !s.startsWith(".") && !s.includes("..");
}

/** The name with a trailing dot, lower-cased. */
function fqdn(s: string): string {
  const lower = s.toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/** Regex source for a literal name. */
export function nameRegex(name: string): string {
  return `^${fqdn(name).replaceAll(".", "[.]")}$`;
}

/** Regex source for a pattern. */
export function patternRegex(pattern: string): string {
  if (pattern === "*") {
    return `^(?:${DNS_CHAR}+[.])+$`;
  }
  let rest = fqdn(pattern);
  let head = "";
  if (rest.startsWith("**.")) {
    head = `(?:${DNS_CHAR}+[.])+`;
    rest = rest.slice(3);
  }
  return `^${head}${rest.replaceAll(".", "[.]").replaceAll("*", `${DNS_CHAR}*`)}$`;
}

/** Parse one selector `{matchName | matchPattern}`, or undefined (reported). */
export function parseFqdnSelector(node: LNode, where: string, ctx: Ctx): DnsRule | undefined {
  const map = asMap(node, `a ${where}`, ctx);
  if (map === undefined) {
    return undefined;
  }
  checkFields(map, ["matchName", "matchPattern"], where, ctx);
  const name = stringField(map, "matchName", ctx) ?? "";
  const pattern = stringField(map, "matchPattern", ctx) ?? "";
  if ((name === "") === (pattern === "")) {
    ctx.diags.error(
      S_BAD_FQDN,
      `a ${where} needs exactly one of matchName and matchPattern`,
      map.span,
      "write matchName: example.com or matchPattern: '*.example.com'",
    );
    return undefined;
  }
  const text = name !== "" ? name : pattern;
  const valueNode = map.entries.get(name !== "" ? "matchName" : "matchPattern")!.value;
  if (text.length > MAX_FQDN_LENGTH) {
    ctx.diags.error(S_BAD_FQDN, `a DNS name is at most ${MAX_FQDN_LENGTH} characters`, valueNode.span);
    return undefined;
  }
  if (!validName(text, name === "")) {
    ctx.diags.error(
      S_BAD_FQDN,
      `invalid characters in ${name !== "" ? "matchName" : "matchPattern"} '${text}'`,
      valueNode.span,
      name !== ""
        ? "only letters, digits, '-', '_' and single dots between labels are allowed; use matchPattern for wildcards"
        : "only letters, digits, '-', '_', '*' and single dots between labels are allowed",
    );
    return undefined;
  }
  return name !== ""
    ? { matchName: name, regex: nameRegex(name), span: node.span }
    : { matchPattern: pattern, regex: patternRegex(pattern), span: node.span };
}
