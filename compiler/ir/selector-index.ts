/**
 * @fileoverview Indexed selector matching: which of many selectors match a label set, and which of many
 * label sets a selector matches, without evaluating every (selector, label set) pair.
 *
 * Most selectors require at least one exact label (`eq`, alone or as a conjunct of an `and`: a
 * `matchLabels` entry, a namespace meta label). A selector can only match label sets that carry one of
 * its required (key, value) pairs, so both indexes keep posting lists keyed by such pairs and evaluate
 * `matches` only on the candidates a posting list yields. The answer is always filtered by `matches`, so
 * the index only narrows the candidates and never changes a result; results come in input order.
 *
 * Without it, grouping 10 000 endpoints under 1 000 policies evaluated ten million selectors per
 * direction (BENCHMARKS.md, compile time).
 */

import { matches } from "./selector.js";
import type { Labels, Selector } from "./selector.js";

/**
 * Posting-list key of one (key, value) pair. A collision (keys or values holding U+0000) only merges two
 * posting lists, which adds candidates that `matches` then rejects.
 */
function pairKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

/** The exact (key, value) pairs every label set `sel` matches must carry, as posting-list keys. */
export function requiredPairs(sel: Selector): string[] {
  if (sel.op === "eq") {
    return [pairKey(sel.key, sel.value)];
  }
  if (sel.op === "and") {
    // `and` is flattened (selector.ts), so direct `eq` children are its exact-label conjuncts.
    return sel.args.flatMap((a) => (a.op === "eq" ? [pairKey(a.key, a.value)] : []));
  }
  return [];
}

/** Append `value` to the list at `key` of `m`, unless it is already its last element. */
function push(m: Map<string, number[]>, key: string, value: number): void {
  const list = m.get(key);
  if (list === undefined) {
    m.set(key, [value]);
  } else if (list[list.length - 1] !== value) {
    list.push(value);
  }
}

/** Many selectors, queried with one label set at a time. */
export class SelectorIndex {
  readonly #selectors: readonly Selector[];
  /** Selector positions by one required pair each (the pair the fewest selectors require). */
  readonly #byPair = new Map<string, number[]>();
  /** Positions of selectors that require no exact pair: candidates for every label set. */
  readonly #always: number[] = [];

  constructor(selectors: readonly Selector[]) {
    this.#selectors = selectors;
    const required = selectors.map(requiredPairs);
    const count = new Map<string, number>();
    for (const pairs of required) {
      for (const p of pairs) {
        count.set(p, (count.get(p) ?? 0) + 1);
      }
    }
    required.forEach((pairs, i) => {
      if (pairs.length === 0) {
        this.#always.push(i);
        return;
      }
      // The rarest pair gives the shortest candidate lists (a namespace label is shared by many).
      let best = pairs[0]!;
      for (const p of pairs) {
        if (count.get(p)! < count.get(best)!) {
          best = p;
        }
      }
      push(this.#byPair, best, i);
    });
  }

  /** Positions (ascending) of the selectors that match `labels`. */
  matching(labels: Labels): number[] {
    const candidates = [...this.#always];
    for (const [k, v] of labels) {
      const list = this.#byPair.get(pairKey(k, v));
      if (list !== undefined) {
        candidates.push(...list);
      }
    }
    candidates.sort((a, b) => a - b);
    const selectors = this.#selectors;
    // Each selector sits in one list and a label set has each key once, so a position repeats only
    // after a pair-key collision; `prev` drops the repeat.
    let prev = -1;
    return candidates.filter((i) => {
      const keep = i !== prev && matches(selectors[i]!, labels);
      prev = i;
      return keep;
    });
  }
}

/** Many label sets, queried with one selector at a time. */
export class LabelSetIndex {
  readonly #labelSets: readonly Labels[];
  /** Label-set positions (ascending) by each pair they carry. */
  readonly #byPair = new Map<string, number[]>();
  readonly #all: readonly number[];

  constructor(labelSets: readonly Labels[]) {
    this.#labelSets = labelSets;
    this.#all = labelSets.map((_, i) => i);
    labelSets.forEach((labels, i) => {
      for (const [k, v] of labels) {
        push(this.#byPair, pairKey(k, v), i);
      }
    });
  }

  /** Positions (ascending) of the label sets `sel` matches. */
  matching(sel: Selector): number[] {
    let candidates = this.#all;
    for (const p of requiredPairs(sel)) {
      const list = this.#byPair.get(p) ?? [];
      if (list.length < candidates.length) {
        candidates = list;
      }
    }
    const sets = this.#labelSets;
    return candidates.filter((i) => matches(sel, sets[i]!));
  }
}
