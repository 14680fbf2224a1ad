/**
 * @fileoverview Label restrictions: facts about the labels any matching endpoint must carry, for label
 * indexes (upstream `Node.LabelRestrictions()` in `ast.go`, calico.md §1.4).
 *
 * Per label: must be present, must be absent, and (when known) the values it must have one of; an empty
 * value list means the selector cannot match. Leaves: `==` and `in` give presence and values; `has`,
 * `contains`, `starts with`, `ends with` give presence; `!=`, `not in`, `all()`, `global()` give
 * nothing; `!has(k)` gives absence and any other `!` nothing. `&&` merges (values intersected), `||`
 * keeps only what every operand guarantees (values united). The value lists keep upstream's order
 * (intersection keeps the left order; union sorts the left side, then appends new right values).
 */

import type { CalicoNode } from "./ast.js";
import { compareCodePoints, toStringSet } from "./ast.js";

/** What must hold of one label for a selector to match. */
export interface LabelRestriction {
  /** The label must be present (`has(k)`, `k == v`, …). */
  readonly mustBePresent: boolean;
  /** The label must be absent (`!has(k)`). */
  readonly mustBeAbsent: boolean;
  /** The label's value must be one of these; null when unknown, empty when impossible. */
  readonly mustHaveOneOfValues: readonly string[] | null;
}

/** Restrictions by label name; empty when the selector restricts nothing. */
export type LabelRestrictions = ReadonlyMap<string, LabelRestriction>;

const PRESENT: LabelRestriction = { mustBePresent: true, mustBeAbsent: false, mustHaveOneOfValues: null };

/** The label restrictions of `node`. */
export function labelRestrictions(node: CalicoNode): Map<string, LabelRestriction> {
  switch (node.kind) {
    case "eq":
      return new Map([[node.label, { ...PRESENT, mustHaveOneOfValues: [node.value] }]]);
    case "in":
      return new Map([[node.label, { ...PRESENT, mustHaveOneOfValues: [...node.values] }]]);
    case "has":
    case "contains":
    case "startsWith":
    case "endsWith":
      return new Map([[node.label, PRESENT]]);
    case "not":
      return node.operand.kind === "has"
        ? new Map([
            [node.operand.label, { mustBePresent: false, mustBeAbsent: true, mustHaveOneOfValues: null }],
          ])
        : new Map<string, LabelRestriction>();
    case "and":
      return andRestrictions(node.operands);
    case "or":
      return orRestrictions(node.operands);
    case "ne":
    case "notIn":
    case "all":
    case "global":
      return new Map<string, LabelRestriction>();
  }
}

function andRestrictions(operands: readonly CalicoNode[]): Map<string, LabelRestriction> {
  const out = new Map<string, LabelRestriction>();
  for (const op of operands) {
    for (const [label, r] of labelRestrictions(op)) {
      const base = out.get(label);
      if (base === undefined) {
        out.set(label, r);
        continue;
      }
      let values = base.mustHaveOneOfValues;
      if (values === null) {
        values = r.mustHaveOneOfValues;
      } else if (r.mustHaveOneOfValues !== null) {
        const keep = new Set(r.mustHaveOneOfValues);
        values = values.filter((v) => keep.has(v));
      }
      out.set(label, {
        mustBePresent: base.mustBePresent || r.mustBePresent,
        mustBeAbsent: base.mustBeAbsent || r.mustBeAbsent,
        mustHaveOneOfValues: values,
      });
    }
  }
  return out;
}

function orRestrictions(operands: readonly CalicoNode[]): Map<string, LabelRestriction> {
  const [first, ...rest] = operands;
  const out = first === undefined ? new Map<string, LabelRestriction>() : labelRestrictions(first);
  for (const op of rest) {
    const other = labelRestrictions(op);
    for (const [label, r] of out) {
      const o = other.get(label);
      const mustBePresent = r.mustBePresent && (o?.mustBePresent ?? false);
      const mustBeAbsent = r.mustBeAbsent && (o?.mustBeAbsent ?? false);
      let values: readonly string[] | null = null;
      if (
        mustBePresent &&
        r.mustHaveOneOfValues !== null &&
        o !== undefined &&
        o.mustHaveOneOfValues !== null
      ) {
        values = union(r.mustHaveOneOfValues, o.mustHaveOneOfValues);
      }
      if (mustBePresent || mustBeAbsent) {
        out.set(label, { mustBePresent, mustBeAbsent, mustHaveOneOfValues: values });
      } else {
        out.delete(label);
      }
    }
  }
  return out;
}

/** Upstream's `unionStringSlicesInPlace`: `a` sorted and de-duplicated, then `b`'s values not in `a`. */
function union(a: readonly string[], b: readonly string[]): string[] {
  const left = toStringSet(a);
  const seen = new Set(left);
  return [...left, ...b.filter((v) => !seen.has(v))];
}

/** Restrictions as a plain object in upstream's field names, omitting false and null fields (tests, JSON). */
export function restrictionsToJson(
  lr: LabelRestrictions,
): Record<string, { MustBePresent?: true; MustBeAbsent?: true; MustHaveOneOfValues?: string[] }> {
  const out: Record<string, { MustBePresent?: true; MustBeAbsent?: true; MustHaveOneOfValues?: string[] }> =
    {};
  for (const label of [...lr.keys()].sort(compareCodePoints)) {
    const r = lr.get(label)!;
    out[label] = {
      ...(r.mustBePresent ? { MustBePresent: true as const } : {}),
      ...(r.mustBeAbsent ? { MustBeAbsent: true as const } : {}),
      ...(r.mustHaveOneOfValues !== null ? { MustHaveOneOfValues: [...r.mustHaveOneOfValues] } : {}),
    };
  }
  return out;
}
