/**
 * @fileoverview Calico selector AST and its evaluation against a label map
 * (`libcalico-go/lib/selector/parser/ast.go`, calico.md §1.3).
 *
 * The nodes mirror upstream's, so the canonical string and unique ID can be reproduced exactly:
 * parentheses leave no node, a run of `!` is one `not` or none (by parity), `&&` / `||` chains are
 * n-ary with at least two operands, set literals are sorted (by code point, i.e. UTF-8 byte order,
 * as Go sorts) and de-duplicated. `all()` and `global()` both match everything; `global()` only means
 * something through the namespaceSelector rewriting of rewrite.ts.
 */

/** A string-valued comparison. */
export type CompareKind = "eq" | "ne" | "contains" | "startsWith" | "endsWith";

/** A set-membership test. */
export type SetKind = "in" | "notIn";

/** Selector AST node. */
export type CalicoNode =
  | { readonly kind: "all" }
  | { readonly kind: "global" }
  | { readonly kind: "has"; readonly label: string }
  | { readonly kind: CompareKind; readonly label: string; readonly value: string }
  | { readonly kind: SetKind; readonly label: string; readonly values: readonly string[] }
  | { readonly kind: "not"; readonly operand: CalicoNode }
  | { readonly kind: "and" | "or"; readonly operands: readonly CalicoNode[] };

/** Labels to evaluate against: a plain object or a Map. */
export type LabelSource = Readonly<Record<string, string>> | ReadonlyMap<string, string>;

/** Order strings by code point (= UTF-8 byte order, Go's string order), not by UTF-16 unit. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      return codePointRank(x) - codePointRank(y);
    }
  }
  return a.length - b.length;
}

/** Surrogates (U+D800–DFFF) encode code points above U+FFFF, so they rank after U+E000–FFFF. */
function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) {
    return unit + 0x2000;
  }
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

/** Sorted, de-duplicated copy of `values` (upstream's `ConvertToStringSetInPlace`). */
export function toStringSet(values: readonly string[]): string[] {
  const sorted = [...values].sort(compareCodePoints);
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
}

/** The node `all()`. */
export const ALL_NODE: CalicoNode = { kind: "all" };

/** A set node with its values normalised. */
export function setNode(kind: SetKind, label: string, values: readonly string[]): CalicoNode {
  return { kind, label, values: toStringSet(values) };
}

/** `&&` / `||` of `operands`: the operand itself when there is one, as upstream's parser does. */
export function joinNode(kind: "and" | "or", operands: readonly CalicoNode[]): CalicoNode {
  if (operands.length === 0) {
    throw new Error(`internal: empty ${kind} node`);
  }
  return operands.length === 1 ? operands[0]! : { kind, operands };
}

/** The value of `key` in `labels`, or undefined (own properties only, so `constructor` is absent). */
export function labelValue(labels: LabelSource, key: string): string | undefined {
  if (labels instanceof Map) {
    return (labels as ReadonlyMap<string, string>).get(key);
  }
  const rec = labels as Readonly<Record<string, string>>;
  return Object.hasOwn(rec, key) ? rec[key] : undefined;
}

/** The (key, value) pairs of `labels`. */
export function labelEntries(labels: LabelSource): [string, string][] {
  return labels instanceof Map
    ? [...(labels as ReadonlyMap<string, string>)]
    : Object.entries(labels as Readonly<Record<string, string>>);
}

/** Whether `node` matches an endpoint with `labels` (upstream's `Evaluate`). */
export function evaluate(node: CalicoNode, labels: LabelSource): boolean {
  switch (node.kind) {
    case "all":
    case "global":
      return true;
    case "has":
      return labelValue(labels, node.label) !== undefined;
    case "not":
      return !evaluate(node.operand, labels);
    case "and":
      return node.operands.every((op) => evaluate(op, labels));
    case "or":
      return node.operands.some((op) => evaluate(op, labels));
    default:
      return evaluateLeaf(node, labelValue(labels, node.label));
  }
}

/** A comparison or set test, given the label's value (undefined when absent). */
function evaluateLeaf(
  node: Extract<CalicoNode, { readonly label: string; readonly kind: CompareKind | SetKind }>,
  value: string | undefined,
): boolean {
  switch (node.kind) {
    case "eq":
      return value === node.value;
    case "ne":
      return value !== node.value;
    case "contains":
      return value?.includes(node.value) ?? false;
    case "startsWith":
      return value?.startsWith(node.value) ?? false;
    case "endsWith":
      return value?.endsWith(node.value) ?? false;
    case "in":
      return value !== undefined && node.values.includes(value);
    case "notIn":
      return value === undefined || !node.values.includes(value);
  }
}

/** A copy of `node` with `f` applied to every label name (upstream's `PrefixVisitor`, generalised). */
export function mapLabels(node: CalicoNode, f: (label: string) => string): CalicoNode {
  switch (node.kind) {
    case "all":
    case "global":
      return node;
    case "not":
      return { kind: "not", operand: mapLabels(node.operand, f) };
    case "and":
    case "or":
      return { kind: node.kind, operands: node.operands.map((op) => mapLabels(op, f)) };
    default:
      return { ...node, label: f(node.label) };
  }
}
