/**
 * @fileoverview CalicoSelector: a parsed Calico selector with upstream's operations — evaluation,
 * canonical string, unique ID, label restrictions, label prefixing — plus lowering to sluice's IR.
 *
 * Instances are immutable; `withLabelPrefix` returns a new selector where upstream's `PrefixVisitor`
 * mutates in place. The canonical string and ID are computed once, on first use.
 */

import type { Selector } from "../../../ir/selector.js";
import type { CalicoNode, LabelSource } from "./ast.js";
import { evaluate, mapLabels } from "./ast.js";
import { lowerNode } from "./lower.js";
import { canonicalString, selectorUniqueId } from "./print.js";
import type { LabelRestrictions } from "./restrictions.js";
import { labelRestrictions } from "./restrictions.js";

/** A parsed Calico selector. */
export class CalicoSelector {
  /** The syntax tree. */
  readonly root: CalicoNode;
  private canonical: string | undefined;
  private id: string | undefined;

  constructor(root: CalicoNode) {
    this.root = root;
  }

  /** Whether an endpoint with `labels` matches (Calico's `Evaluate`). */
  matches(labels: LabelSource): boolean {
    return evaluate(this.root, labels);
  }

  /** Calico's canonical form (`String()`), e.g. `(a == "b" && !has(c))`; `""` prints as `all()`. */
  toString(): string {
    this.canonical ??= canonicalString(this.root);
    return this.canonical;
  }

  /** Calico's `UniqueID()`: `s:` + base64url(SHA-224(`s:` + canonical)); Felix's IP set name. */
  uniqueId(): string {
    this.id ??= selectorUniqueId(this.toString());
    return this.id;
  }

  /** The equivalent IR selector; `mapKey` renames label keys (see lower.ts for the mapping). */
  toIR(mapKey?: (key: string) => string): Selector {
    return lowerNode(this.root, mapKey);
  }

  /** Facts about the labels every matching endpoint carries (Calico's `LabelRestrictions()`). */
  labelRestrictions(): LabelRestrictions {
    return labelRestrictions(this.root);
  }

  /** This selector with `prefix` put before every label name (upstream's `PrefixVisitor`). */
  withLabelPrefix(prefix: string): CalicoSelector {
    return new CalicoSelector(mapLabels(this.root, (label) => prefix + label));
  }

  /** Whether `global()` occurs anywhere (it is valid only alone, in an EntityRule namespaceSelector). */
  usesGlobal(): boolean {
    const visit = (n: CalicoNode): boolean =>
      n.kind === "global" ||
      (n.kind === "not" && visit(n.operand)) ||
      ((n.kind === "and" || n.kind === "or") && n.operands.some(visit));
    return visit(this.root);
  }
}
