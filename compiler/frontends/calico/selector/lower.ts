/**
 * @fileoverview Lowering a Calico selector into sluice's selector IR (`compiler/ir/selector.ts`).
 *
 * Every Calico node has an exact IR counterpart, so `matches(toIR(s), labels)` equals `s.matches(labels)`
 * for every label map (a property test checks it):
 * - `k != v` → `not(eq)`, `k not in {…}` → `not(in)`: both match endpoints without `k`, as in Calico.
 * - `k in {}` → `none` (never matches); `k not in {}` → `all`.
 * - `all()` → `all`. `global()` → `all` too: as a plain selector upstream evaluates it as true. Its
 *   "non-namespaced endpoints only" meaning exists only in an EntityRule's namespaceSelector, where
 *   rewrite.ts turns it into `!has(projectcalico.org/namespace)` before anything is lowered.
 * - `&&`, `||`, `!` → `and`, `or`, `not` (flattened and simplified by the IR constructors).
 * `mapKey` renames label keys, e.g. to address the namespace meta labels of the cluster model.
 */

import { ALL, and, eq, has, NONE, not, or } from "../../../ir/selector.js";
import type { Selector } from "../../../ir/selector.js";
import type { CalicoNode } from "./ast.js";

const IDENTITY = (key: string): string => key;

/** The IR selector equivalent to `node`, with label keys renamed by `mapKey`. */
export function lowerNode(node: CalicoNode, mapKey: (key: string) => string = IDENTITY): Selector {
  const lower = (n: CalicoNode): Selector => lowerNode(n, mapKey);
  switch (node.kind) {
    case "all":
    case "global":
      return ALL;
    case "has":
      return has(mapKey(node.label));
    case "eq":
      return eq(mapKey(node.label), node.value);
    case "ne":
      return not(eq(mapKey(node.label), node.value));
    case "contains":
      return { op: "contains", key: mapKey(node.label), value: node.value };
    case "startsWith":
      return { op: "starts", key: mapKey(node.label), value: node.value };
    case "endsWith":
      return { op: "ends", key: mapKey(node.label), value: node.value };
    case "in":
      return node.values.length === 0 ? NONE : { op: "in", key: mapKey(node.label), values: node.values };
    case "notIn":
      return node.values.length === 0 ? ALL : not({ op: "in", key: mapKey(node.label), values: node.values });
    case "not":
      return not(lower(node.operand));
    case "and":
      return and(...node.operands.map(lower));
    case "or":
      return or(...node.operands.map(lower));
  }
}
