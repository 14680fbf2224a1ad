/**
 * @fileoverview A rule's `http` match (application layer policy) → an IR HTTP rule set
 * (`compiler/ir/l7.ts`), with upstream's checks (`validateHTTPRule`, the HTTPMatch CRD limits).
 *
 * Calico ANDs methods with paths and ORs within each list. IR HTTP fields are regexes over the whole
 * value, so: methods → one alternation of the escaped names; an `exact` path → the escaped path (the
 * whole-value match anchors it); a `prefix` → the escaped prefix followed by `.*`. One IR rule per path
 * (each carrying the method alternation), or one rule with only the methods when there are no paths.
 * Where the rule's direction, action and protocol allow `http` is checked in rule.ts.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { HttpRule, HttpRules } from "../../../ir/l7.js";
import type { LMap, LNode } from "../../../yaml/located.js";
import {
  S_BAD_HTTP,
  S_DUPLICATE_ENTRY,
  S_TOO_LONG,
  asMap,
  asStringNode,
  checkFields,
  checkMaxItems,
  keySpan,
  seqField,
  stringNode,
} from "./context.js";

/** Most methods and most paths in one `http` match (CRD `MaxItems`). */
export const MAX_HTTP_ITEMS = 20;
/** Longest `exact` / `prefix` path (CRD `MaxLength`). */
export const MAX_HTTP_PATH = 1024;

/** `s` with every RE2 metacharacter escaped. */
export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, "\\$&");
}

function readMethods(m: LMap, diags: Diagnostics): string[] | undefined {
  const items = seqField(m, "methods", diags);
  if (items === undefined) {
    return undefined;
  }
  checkMaxItems(items, MAX_HTTP_ITEMS, "http.methods", keySpan(m, "methods"), diags);
  const out: string[] = [];
  for (const n of items) {
    const s = asStringNode(n, "an HTTP method", diags);
    if (s === undefined) {
      return undefined;
    }
    const v = s.value as string;
    if (out.includes(v)) {
      diags.error(S_DUPLICATE_ENTRY, `HTTP method '${v}' is listed twice`, n.span, "remove the duplicate");
      return undefined;
    }
    out.push(v);
  }
  return out;
}

function readPath(n: LNode, diags: Diagnostics): string | undefined {
  const m = asMap(n, "an http path", diags);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["exact", "prefix"], "http path", diags);
  const exact = stringNode(m, "exact", diags);
  const prefix = stringNode(m, "prefix", diags);
  const e = exact?.value === "" ? undefined : exact;
  const p = prefix?.value === "" ? undefined : prefix;
  if ((e === undefined) === (p === undefined)) {
    diags.error(
      S_BAD_HTTP,
      e === undefined
        ? "invalid path match: either 'exact' or 'prefix' must be set"
        : "invalid path match: both 'exact' and 'prefix' are set",
      n.span,
      "write one path per entry: - exact: /foo  or  - prefix: /api/",
    );
    return undefined;
  }
  const node = (e ?? p)!;
  const v = node.value as string;
  if (v.length > MAX_HTTP_PATH) {
    diags.error(S_TOO_LONG, `HTTP path is ${v.length} characters; at most ${MAX_HTTP_PATH}`, node.span);
    return undefined;
  }
  if (!v.startsWith("/") || /[? #]/.test(v)) {
    diags.error(
      S_BAD_HTTP,
      `invalid path '${v}': it must start with '/' and not contain '?', '#' or a space`,
      node.span,
      "match the path only; query strings and fragments cannot be matched",
    );
    return undefined;
  }
  return e !== undefined ? escapeRegex(v) : `${escapeRegex(v)}.*`;
}

/** Read an `http` mapping into an IR rule set; undefined when invalid (reported). */
export function readHttp(n: LNode, diags: Diagnostics): HttpRules | undefined {
  const m = asMap(n, "http", diags);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["methods", "paths"], "http", diags);
  const methods = readMethods(m, diags);
  const pathNodes = seqField(m, "paths", diags);
  if (methods === undefined || pathNodes === undefined) {
    return undefined;
  }
  checkMaxItems(pathNodes, MAX_HTTP_ITEMS, "http.paths", keySpan(m, "paths"), diags);
  const method = methods.length === 0 ? undefined : methods.map(escapeRegex).join("|");
  const base = method === undefined ? {} : { method };
  const rules: HttpRule[] = [];
  for (const p of pathNodes) {
    const path = readPath(p, diags);
    if (path === undefined) {
      return undefined;
    }
    rules.push({ ...base, path, headers: [], span: p.span });
  }
  if (rules.length === 0) {
    rules.push({ ...base, headers: [], span: n.span });
  }
  return { kind: "http", implicitWildcard: false, rules, span: n.span };
}
