/**
 * @fileoverview Calico's canonical selector string and unique ID (`ast.go` `collectFragments`,
 * `libcalico-go/lib/hash/unique_id.go`, calico.md §1.4).
 *
 * Canonical form: every `&&` / `||` node in parentheses with ` && ` / ` || ` between operands, `!`
 * directly before its operand, one space around binary operators, set members in their sorted order
 * joined with `, `, values in `"…"` unless they contain `"` (then `'…'`). Since a string literal cannot
 * contain its own quote, every canonical string parses back to the same tree.
 *
 * Unique ID: `"s:" + base64url_nopad(SHA-224("s:" + canonical))`; Felix names a rule's IP set with it.
 */

import { createHash } from "node:crypto";
import type { CalicoNode } from "./ast.js";

/** The operator text of each comparison, spaces included. */
const COMPARE_TEXT = {
  eq: " == ",
  ne: " != ",
  contains: " contains ",
  startsWith: " starts with ",
  endsWith: " ends with ",
} as const;

/** A value in quotes: `"…"`, or `'…'` when it contains `"`. */
export function quoteValue(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/** The canonical string of `node`. */
export function canonicalString(node: CalicoNode): string {
  switch (node.kind) {
    case "all":
      return "all()";
    case "global":
      return "global()";
    case "has":
      return `has(${node.label})`;
    case "eq":
    case "ne":
    case "contains":
    case "startsWith":
    case "endsWith":
      return node.label + COMPARE_TEXT[node.kind] + quoteValue(node.value);
    case "in":
    case "notIn":
      return `${node.label} ${node.kind === "in" ? "in" : "not in"} {${node.values.map(quoteValue).join(", ")}}`;
    case "not":
      return `!${canonicalString(node.operand)}`;
    case "and":
      return `(${node.operands.map(canonicalString).join(" && ")})`;
    case "or":
      return `(${node.operands.map(canonicalString).join(" || ")})`;
  }
}

/** Calico's `hash.MakeUniqueID(prefix, content)`: `prefix:` + base64url (no padding) of SHA-224. */
export function makeUniqueId(prefix: string, content: string): string {
  const digest = createHash("sha224").update(`${prefix}:${content}`, "utf8").digest("base64url");
  return `${prefix}:${digest}`;
}

/** The unique ID of a selector with canonical string `canonical`. */
export function selectorUniqueId(canonical: string): string {
  return makeUniqueId("s", canonical);
}
