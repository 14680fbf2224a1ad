/**
 * @fileoverview Rule partitioning for the classifier: which rules go into which decision tree.
 *
 * A decision tree copies a rule into every branch its range spans, so one tree over rules that are
 * wildcards in different dimensions (firewall sets: "any source to host X", "host Y to any
 * destination") copies the wildcards into every branch of the other dimension. CutSplit (Li et al.,
 * INFOCOM 2018) and EffiCuts (Vamanan et al., SIGCOMM 2010) avoid that by first separating rules by
 * which fields are specific ("small") and building one tree per group. Here, generically over
 * dimensions: a rule is small in a dimension when its range is at most `smallFraction` of the span
 * all rules cover there; the dimension in which the most distinct small values occur (the one a
 * tree can cut best) takes every rule small in it; the remaining rules are partitioned again, up to
 * `maxTrees - 1` times, and what is left forms the last tree. Each tree costs a walk per lookup,
 * which the classifier skips once a better rank is found, so the number of trees is kept small.
 */

import type { TreeLimits } from "./decision-tree.js";
import type { RuleBoxes } from "./rule-boxes.js";

/** Splits ranks 0..n-1 into at most `limits.maxTrees` ascending rank lists (none when n = 0). */
export function partitionRules(boxes: RuleBoxes, n: number, limits: TreeLimits): Int32Array[] {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (n === 0) {
    return [];
  }
  if (n < limits.partitionMinRules || limits.maxTrees <= 1) {
    return [all];
  }
  const { dims: D, lo, hi } = boxes;
  const span = new Float64Array(D);
  for (let d = 0; d < D; d++) {
    let a = Infinity;
    let b = -Infinity;
    for (let r = 0; r < n; r++) {
      a = Math.min(a, lo[r * D + d]!);
      b = Math.max(b, hi[r * D + d]!);
    }
    span[d] = b - a + 1;
  }
  const small = (r: number, d: number): boolean =>
    hi[r * D + d]! - lo[r * D + d]! + 1 <= span[d]! * limits.smallFraction;
  let rest: number[] = Array.from(all);
  const parts: Int32Array[] = [];
  while (parts.length < limits.maxTrees - 1 && rest.length >= limits.partitionMinRules) {
    let bestDim = -1;
    let bestDistinct = 0;
    let bestSmall = 0;
    for (let d = 0; d < D; d++) {
      const distinct = new Set<number>();
      let count = 0;
      for (const r of rest) {
        if (small(r, d)) {
          count++;
          distinct.add(lo[r * D + d]!);
        }
      }
      if (distinct.size > bestDistinct) {
        bestDistinct = distinct.size;
        bestSmall = count;
        bestDim = d;
      }
    }
    if (bestDim < 0 || bestSmall === rest.length) {
      break; // no dimension separates, or every remaining rule is small in it: one tree will do
    }
    parts.push(Int32Array.from(rest.filter((r) => small(r, bestDim))));
    rest = rest.filter((r) => !small(r, bestDim));
  }
  if (rest.length > 0) {
    parts.push(Int32Array.from(rest));
  }
  // Trees are walked in order of their best rank, so the lookup can stop at the first tree whose
  // best rank cannot beat the candidate.
  return parts.sort((a, b) => a[0]! - b[0]!);
}
