/**
 * @fileoverview Kubernetes LabelSelector (`matchLabels` + `matchExpressions`) → selector AST, with
 * validation as the API server does it (operator names, values required or forbidden).
 *
 * Shared by every dialect that embeds Kubernetes label selectors (NetworkPolicy, Cilium endpoint
 * selectors). `mapKey` rewrites keys, so a namespaceSelector can address the namespace meta labels.
 */

import type { Diagnostics } from "../../diagnostics/diagnostic.js";
import { and, eq, has, not } from "../../ir/selector.js";
import type { Selector } from "../../ir/selector.js";
import type { LNode } from "../../yaml/located.js";

/** Diagnostic codes of this module. */
export const S_SELECTOR_SHAPE = "S2101";
export const S_SELECTOR_OPERATOR = "S2102";
export const S_SELECTOR_VALUES = "S2103";
export const S_LABEL_VALUE = "S2104";

function scalarString(node: LNode): string | undefined {
  if (node.kind !== "scalar" || node.value === null) {
    return undefined;
  }
  return String(node.value);
}

/** Parse a LabelSelector node; `null`/missing means "everything" (an empty selector). */
export function parseLabelSelector(
  node: LNode | undefined,
  diags: Diagnostics,
  mapKey: (k: string) => string = (k) => k,
): Selector {
  if (node === undefined || (node.kind === "scalar" && node.value === null)) {
    return and();
  }
  if (node.kind !== "map") {
    diags.error(
      S_SELECTOR_SHAPE,
      "a label selector is a mapping with matchLabels and/or matchExpressions",
      node.span,
    );
    return { op: "none" };
  }
  const parts: Selector[] = [];
  for (const [key, { keySpan, value }] of node.entries) {
    if (key === "matchLabels") {
      if (value.kind === "scalar" && value.value === null) {
        continue;
      }
      if (value.kind !== "map") {
        diags.error(S_SELECTOR_SHAPE, "matchLabels is a mapping of label keys to values", value.span);
        continue;
      }
      for (const [k, { value: v }] of value.entries) {
        const s = scalarString(v);
        if (s === undefined) {
          diags.error(S_LABEL_VALUE, `label '${k}' needs a string value`, v.span, `write ${k}: "value"`);
          continue;
        }
        parts.push(eq(mapKey(k), s));
      }
    } else if (key === "matchExpressions") {
      if (value.kind === "scalar" && value.value === null) {
        continue;
      }
      if (value.kind !== "seq") {
        diags.error(S_SELECTOR_SHAPE, "matchExpressions is a list of {key, operator, values}", value.span);
        continue;
      }
      for (const expr of value.items) {
        const sel = parseExpression(expr, diags, mapKey);
        if (sel !== undefined) {
          parts.push(sel);
        }
      }
    } else {
      diags.error(
        "S2001",
        `unknown field '${key}' in label selector`,
        keySpan,
        "use matchLabels or matchExpressions",
      );
    }
  }
  return and(...parts);
}

function parseExpression(
  expr: LNode,
  diags: Diagnostics,
  mapKey: (k: string) => string,
): Selector | undefined {
  if (expr.kind !== "map") {
    diags.error(S_SELECTOR_SHAPE, "a match expression is a mapping {key, operator, values}", expr.span);
    return undefined;
  }
  const keyNode = expr.entries.get("key")?.value;
  const opNode = expr.entries.get("operator")?.value;
  const valuesNode = expr.entries.get("values")?.value;
  const key = keyNode ? scalarString(keyNode) : undefined;
  const op = opNode ? scalarString(opNode) : undefined;
  if (key === undefined) {
    diags.error(S_SELECTOR_SHAPE, "match expression without a key", expr.span, "add key: <label key>");
    return undefined;
  }
  const values: string[] = [];
  if (valuesNode !== undefined && !(valuesNode.kind === "scalar" && valuesNode.value === null)) {
    if (valuesNode.kind !== "seq") {
      diags.error(S_SELECTOR_VALUES, "values is a list of strings", valuesNode.span);
      return undefined;
    }
    for (const v of valuesNode.items) {
      const s = scalarString(v);
      if (s === undefined) {
        diags.error(S_SELECTOR_VALUES, "values are strings", v.span);
        return undefined;
      }
      values.push(s);
    }
  }
  const k = mapKey(key);
  switch (op) {
    case "In":
    case "NotIn":
      if (values.length === 0) {
        diags.error(
          S_SELECTOR_VALUES,
          `operator ${op} needs a non-empty values list`,
          (valuesNode ?? expr).span,
          "add values: [a, b]",
        );
        return undefined;
      }
      return op === "In" ? { op: "in", key: k, values } : not({ op: "in", key: k, values });
    case "Exists":
    case "DoesNotExist":
      if (values.length > 0) {
        diags.error(
          S_SELECTOR_VALUES,
          `operator ${op} takes no values`,
          (valuesNode ?? expr).span,
          "remove values",
        );
        return undefined;
      }
      return op === "Exists" ? has(k) : not(has(k));
    default:
      diags.error(
        S_SELECTOR_OPERATOR,
        `unknown operator '${op ?? ""}'`,
        (opNode ?? expr).span,
        "use In, NotIn, Exists or DoesNotExist (case-sensitive)",
      );
      return undefined;
  }
}
