/**
 * @fileoverview The general multi-field classifier: a few decision trees (one per rule partition)
 * over flat Int32Arrays, for tables with any mix of exact, lpm, range and ternary fields, 1- and
 * 4-word, up to 8 fields.
 *
 * Why decision trees: a lookup must be sub-linear and allocation-free, and the same arrays must run
 * unchanged in a WebAssembly backend. Tuple space search and TupleMerge (performance.md §2) cost one
 * hash probe per tuple, and ClassBench sets keep dozens of tuples; a decision tree costs a handful of
 * dependent array reads plus a short leaf scan, and its nodes and leaves are plain integer arrays.
 * The trees mix HyperSplit binary splits with HiCuts-style multi-way cuts (decision-tree.ts).
 * Trees replicate rules that span a cut, which is what blows them up on wildcard-heavy sets, so the
 * classifier bounds that three ways: rules are first partitioned so each tree only holds rules that
 * are specific in the dimension it cuts best (partition.ts, after CutSplit / EffiCuts); inside a
 * tree, rules made unreachable by a higher-priority rule covering the region are dropped; and each
 * tree has a budget of words linear in its rules, past which nodes become longer leaves instead of
 * deeper trees. Changes rebuild the table (10K rules in 200-300 ms, 100K in about a second),
 * which fits policy recompiles; rules are not inserted one by one.
 *
 * Layout (all Int32Array; "rank" is the position in (priority, entry index) order, see order.ts;
 * a dimension value is y = ctx[word] & mask, see rule-boxes.ts):
 *
 *     trees      per tree: root reference, smallest rank in the tree; ascending smallest rank
 *     nodes      reference r >= 0 is an internal node at offset o = r >>> 1:
 *                  r odd  (split): word, mask, t ^ SIGN, left, right  — left when y <= t (unsigned)
 *                  r even (cut):   word, mask, lo, shift, slot count, then slot references —
 *                                  child = slots[((y - lo) mod 2^32) >>> shift]
 *     leaves     reference r < 0 is the leaf at offset p = ~r: rule count, then per rule in rank
 *                order: rank, check count, checks of four words (word, mask, lo, (hi - lo) ^ SIGN);
 *                a rule matches when every check has ((ctx[word] & mask) - lo) mod 2^32 <= hi - lo.
 *                Offset 0 is the empty leaf.
 *     rankEntry  rank → entry index
 *
 * A lookup walks the trees in order, skipping a tree (and all later ones) as soon as its smallest
 * rank cannot beat the candidate found so far; within a leaf, the first record that passes is the
 * tree's best. The best entry is the smallest rank matched in any tree, or NO_ENTRY.
 */

import type { TableDef } from "../bytecode/bundle.js";
import { NO_ENTRY } from "../bytecode/opcodes.js";
import {
  buildTree,
  CHECK_WORDS,
  CUT_HEADER_WORDS,
  DEFAULT_TREE_LIMITS,
  SIGN,
  SPLIT_BIT,
  type TreeLimits,
  type TreeOutput,
} from "./decision-tree.js";
import { Int32Buffer } from "./int32-buffer.js";
import type { TableLookup } from "./lookup.js";
import { rankOrder } from "./order.js";
import { partitionRules } from "./partition.js";
import { buildRuleBoxes } from "./rule-boxes.js";

/** Rank meaning "nothing found yet": larger than any rank (entry counts are below 2^22). */
const NO_RANK = 0x7fffffff;

/** Words per tree in `Classifier.trees`: root reference, smallest rank in the tree. */
export const TREE_WORDS = 2;

/** Sizes of a built classifier, for benchmarks and tests. */
export interface ClassifierStats {
  /** Trees (rule partitions). */
  readonly trees: number;
  /** Internal nodes over all trees. */
  readonly nodes: number;
  /** Non-empty leaves. */
  readonly leaves: number;
  /** Rule records over all leaves (rules times their replication). */
  readonly leafRules: number;
  /** Deepest leaf. */
  readonly maxDepth: number;
  /** Bytes of all typed arrays the lookup reads. */
  readonly bytes: number;
}

/** A built classifier; its public arrays are the whole structure (layout in the file overview). */
export class Classifier implements TableLookup {
  readonly algorithm = "classifier";
  /** TREE_WORDS per tree, in ascending order of smallest rank. */
  readonly trees: Int32Array;
  /** Internal nodes: split nodes (threshold, left, right) and cut nodes (lo, shift, slots, refs). */
  readonly nodes: Int32Array;
  /** Leaves: count, then per record rank, check count, CHECK_WORDS per check. */
  readonly leaves: Int32Array;
  /** Rank → entry index. */
  readonly rankEntry: Int32Array;

  constructor(trees: Int32Array, nodes: Int32Array, leaves: Int32Array, rankEntry: Int32Array) {
    this.trees = trees;
    this.nodes = nodes;
    this.leaves = leaves;
    this.rankEntry = rankEntry;
  }

  lookup(ctx: Uint32Array): number {
    const { trees, nodes, leaves } = this;
    let best = NO_RANK;
    for (let t = 0; t < trees.length; t += TREE_WORDS) {
      if (trees[t + 1]! >= best) {
        break; // this tree and every later one hold only worse ranks
      }
      let ref = trees[t]!;
      while (ref >= 0) {
        const o = ref >>> 1;
        const y = ctx[nodes[o]!]! & nodes[o + 1]!;
        if ((ref & SPLIT_BIT) !== 0) {
          ref = (y ^ SIGN) <= nodes[o + 2]! ? nodes[o + 3]! : nodes[o + 4]!;
        } else {
          ref = nodes[o + CUT_HEADER_WORDS + (((y - nodes[o + 2]!) | 0) >>> nodes[o + 3]!)]!;
        }
      }
      let p = ~ref;
      const count = leaves[p++]!;
      scan: for (let i = 0; i < count; i++) {
        const rank = leaves[p]!;
        if (rank >= best) {
          break;
        }
        const end = p + 2 + CHECK_WORDS * leaves[p + 1]!;
        for (let q = p + 2; q < end; q += CHECK_WORDS) {
          if (((((ctx[leaves[q]!]! & leaves[q + 1]!) - leaves[q + 2]!) | 0) ^ SIGN) > leaves[q + 3]!) {
            p = end;
            continue scan;
          }
        }
        best = rank;
        break;
      }
    }
    return best === NO_RANK ? NO_ENTRY : this.rankEntry[best]!;
  }

  /** Sizes of the structure. */
  stats(): ClassifierStats {
    let leafCount = 0;
    let leafRules = 0;
    for (let p = 1; p < this.leaves.length;) {
      const n = this.leaves[p++]!;
      leafCount++;
      leafRules += n;
      for (let i = 0; i < n; i++) {
        p += 2 + CHECK_WORDS * this.leaves[p + 1]!;
      }
    }
    let maxDepth = 0;
    let nodeCount = 0;
    const walk = (ref: number, depth: number): void => {
      if (ref < 0) {
        maxDepth = Math.max(maxDepth, depth);
        return;
      }
      nodeCount++;
      const o = ref >>> 1;
      if ((ref & SPLIT_BIT) !== 0) {
        walk(this.nodes[o + 3]!, depth + 1);
        walk(this.nodes[o + 4]!, depth + 1);
      } else {
        for (let k = 0; k < this.nodes[o + 4]!; k++) {
          walk(this.nodes[o + CUT_HEADER_WORDS + k]!, depth + 1);
        }
      }
    };
    for (let t = 0; t < this.trees.length; t += TREE_WORDS) {
      walk(this.trees[t]!, 0);
    }
    const arrays = [this.trees, this.nodes, this.leaves, this.rankEntry];
    return {
      trees: this.trees.length / TREE_WORDS,
      nodes: nodeCount,
      leaves: leafCount,
      leafRules,
      maxDepth,
      bytes: arrays.reduce((sum, a) => sum + a.byteLength, 0),
    };
  }
}

/** Builds the classifier for any table (every key kind and width); `limits` tune the trees. */
export function buildClassifier(table: TableDef, limits: Partial<TreeLimits> = {}): Classifier {
  const treeLimits = { ...DEFAULT_TREE_LIMITS, ...limits };
  const order = rankOrder(table);
  const boxes = buildRuleBoxes(table, order);
  const out: TreeOutput = { nodes: new Int32Buffer(), leaves: new Int32Buffer() };
  out.leaves.push(0); // offset 0: the shared empty leaf
  const parts = partitionRules(boxes, order.length, treeLimits);
  const trees = new Int32Array(parts.length * TREE_WORDS);
  parts.forEach((ranks, i) => {
    trees[i * TREE_WORDS] = buildTree(boxes, ranks, out, treeLimits);
    trees[i * TREE_WORDS + 1] = ranks[0]!;
  });
  return new Classifier(trees, out.nodes.toArray(), out.leaves.toArray(), order);
}
