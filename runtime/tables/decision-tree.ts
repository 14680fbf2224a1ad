/**
 * @fileoverview The decision-tree builder behind the classifier: HyperSplit binary splits and
 * HiCuts-style equal-width multi-way cuts, emitted straight into the classifier's flat arrays.
 *
 * Two kinds of internal node, both reading one dimension y = ctx[word] & mask:
 *   - a split (HyperSplit: Qi, Xu, Yang, Li, INFOCOM 2009) at an arbitrary point t chosen among
 *     the rules' endpoints: left if y <= t, else right. One compare; on a well-predicted path the
 *     CPU fetches the next node before the compare resolves.
 *   - a cut (HiCuts: Gupta, McKeown, Hot Interconnects 1999; the FiCuts levels of CutSplit,
 *     INFOCOM 2018): up to 2^MAX_CUT_BITS equal slices of 2^shift values from lo, child =
 *     slots[((y - lo) mod 2^32) >>> shift]. No branch, and one step replaces several splits where
 *     rules are spread evenly (addresses).
 *
 * At each node the builder considers, for every dimension, the split point minimising the larger
 * child (ties: fewer rule copies) and every cut fan-out whose rule copies plus slots stay within
 * `spaceFactor` times the node's rules, and keeps the candidate with the smallest largest child
 * (ties: fewer slots, then fewer copies). Also:
 *   - every rule after the first one whose box covers the whole region is dropped (it can never be
 *     best there), which turns the default and wide rules of real ACLs into tiny leaves;
 *   - a node becomes a leaf at `leafRules` rules, at `maxDepth`, when no cut separates its rules,
 *     or when the tree's budget of words (leaf records plus nodes) is spent. The tree is built breadth
 *     first, so a spent budget leaves a shallower tree with longer leaves rather than one deep
 *     branch and a flat rest: memory is O(rules) whatever the rule set (trees that replicate rules
 *     are known to explode on wildcard-heavy sets; partition.ts keeps that rare).
 * Leaves list their rules in rank order, each with only the conditions its region does not already
 * guarantee, narrowest first, so the first passing record is the best entry of that tree.
 */

import type { Int32Buffer } from "./int32-buffer.js";
import type { RuleBoxes } from "./rule-boxes.js";

/** Header words of a cut node: context word, mask, lo, shift, slot count; slot references follow. */
export const CUT_HEADER_WORDS = 5;
/** Words of a split node: context word, mask, t ^ SIGN, left reference (y <= t), right reference. */
export const SPLIT_WORDS = 5;
/** Reference bit marking a split node (clear for a cut node); the node offset is stored above it. */
export const SPLIT_BIT = 1;
/** Node offsets must fit in a reference beside the kind bit and below the sign bit. */
const MAX_NODE_OFFSET = 2 ** 30;
/** XOR with this maps u32 order onto i32 order, so unsigned compares run as int32 compares. */
export const SIGN = 0x80000000 | 0;
/** Words per leaf condition: context word, mask, lo, (hi - lo) ^ SIGN. */
export const CHECK_WORDS = 4;

/** Widest multi-way cut, in bits: 256 slots keep one node within a few cache lines. */
const MAX_CUT_BITS = 8;
/** 2^32, the width of a full dimension. */
const TWO32 = 4294967296;

/** Tuning of the tree builder; every field has a default (DEFAULT_TREE_LIMITS). */
export interface TreeLimits {
  /** Rules at or below which a node becomes a leaf: a short scan beats further levels of the tree. */
  readonly leafRules: number;
  /** Deepest node: bounds the lookup's walk regardless of how rules nest. */
  readonly maxDepth: number;
  /** A multi-way cut may make at most this many rule copies plus slots per rule of its node. */
  readonly spaceFactor: number;
  /**
   * Words a tree may take (nodes plus leaf records), as a multiple of the words one record of
   * each of its rules takes, plus `budgetFixed`. Cuts that would exceed it are not made, so a
   * tree's size is O(rules) for any rule set: at most this many copies' worth of every rule.
   */
  readonly budgetCopies: number;
  /** Fixed allowance of words on top of the budget, so small trees are never starved. */
  readonly budgetFixed: number;
  /** Most trees (rule partitions); 1 disables partitioning. */
  readonly maxTrees: number;
  /** Rule sets with fewer rules stay in one tree. */
  readonly partitionMinRules: number;
  /** A rule is "small" in a dimension when its range is at most this fraction of the dimension's span. */
  readonly smallFraction: number;
}

/**
 * Defaults, tuned on the Song ClassBench sets (bench/tables-classbench.ts) and checked for size on
 * 100K-rule sets made from them (about 90-100 bytes per rule, about a second to build).
 */
export const DEFAULT_TREE_LIMITS: TreeLimits = {
  leafRules: 6,
  maxDepth: 32,
  spaceFactor: 4,
  budgetCopies: 8,
  budgetFixed: 8192,
  maxTrees: 4,
  partitionMinRules: 128,
  smallFraction: 1 / 65536,
};

/** Output arrays shared by every tree of one classifier. */
export interface TreeOutput {
  /** Internal nodes: split nodes (SPLIT_WORDS) and cut nodes (CUT_HEADER_WORDS + slots). */
  readonly nodes: Int32Buffer;
  /** Leaves: count, then per rule: rank, check count, checks. Offset 0 holds the shared empty leaf. */
  readonly leaves: Int32Buffer;
}

interface Pending {
  /** Node word that receives this node's reference, or -1 for the root. */
  readonly slot: number;
  readonly rules: Int32Array;
  readonly rlo: Float64Array;
  readonly rhi: Float64Array;
  readonly depth: number;
}

/**
 * A cut of one dimension: a split at `at` (slots = 2: y <= at, y > at), or `slots` >= 3 equal
 * slices of 2^shift values from `lo`.
 */
interface Cut {
  dim: number;
  at: number;
  lo: number;
  shift: number;
  slots: number;
  /** Rules in the largest slice, and rule copies over all slices. */
  largest: number;
  copies: number;
}

/** Slice of `cut` holding value `v` (v inside the node's region). */
function sliceOf(cut: Cut, v: number): number {
  return cut.slots === 2 ? (v <= cut.at ? 0 : 1) : Math.floor((v - cut.lo) / 2 ** cut.shift);
}

/** Builds one tree over `ranks` (ascending) into `out`; returns its root reference. */
export function buildTree(
  boxes: RuleBoxes,
  ranks: Int32Array,
  out: TreeOutput,
  limits: TreeLimits = DEFAULT_TREE_LIMITS,
): number {
  return new TreeBuilder(boxes, out, ranks.length, limits).build(ranks);
}

/** ceil(log2(x)) for 1 <= x <= 2^32. */
function ceilLog2(x: number): number {
  return x <= 1 ? 0 : 32 - Math.clz32(x - 1);
}

class TreeBuilder {
  private readonly boxes: RuleBoxes;
  private readonly out: TreeOutput;
  private readonly limits: TreeLimits;
  private readonly D: number;
  private readonly scratchA: Float64Array;
  private readonly scratchB: Float64Array;
  private readonly counts: Int32Array;
  /** Upper bound of the words of a leaf record of each rank (its conditions that can fail). */
  private readonly recordWords: Int32Array;
  /** Record words of the rules in pending nodes and leaves, plus node words written. */
  private spent = 0;
  private budget = 0;
  private root = 0;

  constructor(boxes: RuleBoxes, out: TreeOutput, ruleCount: number, limits: TreeLimits) {
    this.boxes = boxes;
    this.out = out;
    this.limits = limits;
    this.D = boxes.dims;
    this.scratchA = new Float64Array(ruleCount);
    this.scratchB = new Float64Array(ruleCount);
    this.counts = new Int32Array((1 << MAX_CUT_BITS) + 1);
    this.recordWords = new Int32Array(boxes.exactBox.length);
  }

  /** Sum of recordWords over `rules`. */
  private words(rules: Int32Array): number {
    let sum = 0;
    for (const r of rules) {
      sum += this.recordWords[r]!;
    }
    return sum;
  }

  build(ranks: Int32Array): number {
    const { D } = this;
    const rlo = new Float64Array(D);
    const rhi = new Float64Array(D);
    for (let d = 0; d < D; d++) {
      rhi[d] = this.boxes.dimMask[d]! >>> 0;
    }
    const { lo, hi, testMask } = this.boxes;
    for (const r of ranks) {
      let w = 2;
      for (let d = 0; d < D; d++) {
        const at = r * D + d;
        if (testMask[at] !== -1 || lo[at]! > rlo[d]! || hi[at]! < rhi[d]!) {
          w += CHECK_WORDS;
        }
      }
      this.recordWords[r] = w;
    }
    this.spent = this.words(ranks);
    this.budget = this.limits.budgetCopies * this.spent + this.limits.budgetFixed;
    // Breadth first, one level at a time, so the budget is spent evenly across the tree.
    let level: Pending[] = [{ slot: -1, rules: ranks, rlo, rhi, depth: 0 }];
    while (level.length > 0) {
      const next: Pending[] = [];
      for (const node of level) {
        this.visit(node, next);
      }
      level = next;
    }
    return this.root;
  }

  private link(slot: number, ref: number): void {
    if (slot < 0) {
      this.root = ref;
    } else {
      this.out.nodes.set(slot, ref);
    }
  }

  private visit(node: Pending, queue: Pending[]): void {
    const { rlo, rhi, depth } = node;
    const rules = node.rules.subarray(0, this.coveredPrefix(node.rules, rlo, rhi));
    this.spent -= this.words(node.rules.subarray(rules.length));
    const n = rules.length;
    const cut =
      n <= this.limits.leafRules || depth >= this.limits.maxDepth ? null : this.chooseCut(rules, rlo, rhi);
    const words = cut === null ? 0 : cut.slots === 2 ? SPLIT_WORDS : CUT_HEADER_WORDS + cut.slots;
    if (cut === null || this.out.nodes.length + words >= MAX_NODE_OFFSET) {
      this.link(node.slot, this.emitLeaf(rules, rlo, rhi));
      return;
    }
    const { dim, slots } = cut;
    // Rules of each slice, by counting then filling (rank order is kept within each slice).
    const first = new Int32Array(n);
    const last = new Int32Array(n);
    const sizes = new Int32Array(slots);
    const D = this.D;
    const rlo0 = rlo[dim]!;
    const rhi0 = rhi[dim]!;
    for (let i = 0; i < n; i++) {
      const at = rules[i]! * D + dim;
      first[i] = sliceOf(cut, Math.max(this.boxes.lo[at]!, rlo0));
      last[i] = sliceOf(cut, Math.min(this.boxes.hi[at]!, rhi0));
      for (let k = first[i]!; k <= last[i]!; k++) {
        sizes[k]!++;
      }
    }
    const children = Array.from({ length: slots }, (_, k) => new Int32Array(sizes[k]!));
    sizes.fill(0);
    let cost = words - this.words(rules);
    for (let i = 0; i < n; i++) {
      cost += (last[i]! - first[i]! + 1) * this.recordWords[rules[i]!]!;
      for (let k = first[i]!; k <= last[i]!; k++) {
        children[k]![sizes[k]!++] = rules[i]!;
      }
    }
    if (this.spent + cost > this.budget) {
      this.link(node.slot, this.emitLeaf(rules, rlo, rhi));
      return;
    }
    this.spent += cost;
    const nodes = this.out.nodes;
    const o = nodes.reserve(words);
    nodes.set(o, this.boxes.dimCtx[dim]!);
    nodes.set(o + 1, this.boxes.dimMask[dim]!);
    let firstSlot: number;
    if (slots === 2) {
      nodes.set(o + 2, cut.at ^ SIGN);
      firstSlot = o + 3;
      this.link(node.slot, (o << 1) | SPLIT_BIT);
    } else {
      nodes.set(o + 2, cut.lo | 0); // wraps a negative lo modulo 2^32, as the lookup's subtraction does
      nodes.set(o + 3, cut.shift);
      nodes.set(o + 4, slots);
      firstSlot = o + CUT_HEADER_WORDS;
      this.link(node.slot, o << 1);
    }
    const width = 2 ** cut.shift;
    for (let k = 0; k < slots; k++) {
      const clo = rlo.slice();
      const chi = rhi.slice();
      if (slots === 2) {
        clo[dim] = k === 0 ? rlo0 : cut.at + 1;
        chi[dim] = k === 0 ? cut.at : rhi0;
      } else {
        clo[dim] = Math.max(rlo0, cut.lo + k * width);
        chi[dim] = Math.min(rhi0, cut.lo + (k + 1) * width - 1);
      }
      queue.push({ slot: firstSlot + k, rules: children[k]!, rlo: clo, rhi: chi, depth: depth + 1 });
    }
  }

  /** Length of the prefix of `rules` that ends with the first rule covering the region. */
  private coveredPrefix(rules: Int32Array, rlo: Float64Array, rhi: Float64Array): number {
    const { lo, hi, exactBox } = this.boxes;
    const D = this.D;
    next: for (let i = 0; i < rules.length; i++) {
      const r = rules[i]!;
      if (exactBox[r] === 0) {
        continue;
      }
      for (let d = 0; d < D; d++) {
        if (lo[r * D + d]! > rlo[d]! || hi[r * D + d]! < rhi[d]!) {
          continue next;
        }
      }
      return i + 1;
    }
    return rules.length;
  }

  /** The best cut of the region over all dimensions, or null when no cut separates any rules. */
  private chooseCut(rules: Int32Array, rlo: Float64Array, rhi: Float64Array): Cut | null {
    let best: Cut | null = null;
    const better = (c: Cut | null): void => {
      if (
        c !== null &&
        (best === null ||
          c.largest < best.largest ||
          (c.largest === best.largest &&
            (c.slots < best.slots || (c.slots === best.slots && c.copies < best.copies))))
      ) {
        best = c;
      }
    };
    for (let d = 0; d < this.D; d++) {
      if (rlo[d]! === rhi[d]!) {
        continue;
      }
      better(this.splitPoint(rules, d, rlo, rhi));
      this.sliceRules(rules, d, rlo, rhi);
      for (let bits = 2; bits <= MAX_CUT_BITS; bits++) {
        better(this.multiCut(rules.length, d, bits, rlo, rhi));
      }
    }
    return best;
  }

  /** HyperSplit's cut of dimension `d`: the rule endpoint minimising the larger side. */
  private splitPoint(rules: Int32Array, d: number, rlo: Float64Array, rhi: Float64Array): Cut | null {
    const { lo, hi } = this.boxes;
    const D = this.D;
    const n = rules.length;
    const A = this.scratchA.subarray(0, n);
    const B = this.scratchB.subarray(0, n);
    const lo0 = rlo[d]!;
    const hi0 = rhi[d]!;
    for (let i = 0; i < n; i++) {
      const at = rules[i]! * D + d;
      A[i] = Math.max(lo[at]!, lo0);
      B[i] = Math.min(hi[at]!, hi0);
    }
    A.sort();
    B.sort();
    // Candidate cuts t (left: y <= t): a - 1 for starts above the region's low end, b for ends
    // below its high end. Left(t) = #{a <= t}, right(t) = #{b > t}.
    let i = 0;
    while (i < n && A[i]! <= lo0) {
      i++;
    }
    let j = 0;
    let nl = 0;
    let nb = 0;
    let bestT = -1;
    let bestMax = n + 1;
    let bestSum = 2 * n;
    for (;;) {
      const ta = i < n ? A[i]! - 1 : Infinity;
      const tb = j < n && B[j]! < hi0 ? B[j]! : Infinity;
      const t = Math.min(ta, tb);
      if (t === Infinity) {
        break;
      }
      while (nl < n && A[nl]! <= t) {
        nl++;
      }
      while (nb < n && B[nb]! <= t) {
        nb++;
      }
      const nr = n - nb;
      const max = Math.max(nl, nr);
      const sum = nl + nr;
      if (sum < 2 * n && (max < bestMax || (max === bestMax && sum < bestSum))) {
        bestMax = max;
        bestSum = sum;
        bestT = t;
      }
      while (i < n && A[i]! - 1 <= t) {
        i++;
      }
      while (j < n && B[j]! <= t) {
        j++;
      }
    }
    if (bestT < 0) {
      return null;
    }
    return { dim: d, at: bestT, lo: 0, shift: 0, slots: 2, largest: bestMax, copies: bestSum };
  }

  /**
   * For multiCut: each rule's first and last slice of dimension `d` at the finest cut (2^MAX_CUT_BITS
   * slices); coarser cuts shift these right, since every cut's slice width is a power of two.
   */
  private sliceRules(rules: Int32Array, d: number, rlo: Float64Array, rhi: Float64Array): void {
    const { lo, hi } = this.boxes;
    const D = this.D;
    const lo0 = rlo[d]!;
    const hi0 = rhi[d]!;
    const width = 2 ** Math.max(0, ceilLog2(hi0 - lo0 + 1) - MAX_CUT_BITS);
    for (let i = 0; i < rules.length; i++) {
      const at = rules[i]! * D + d;
      this.scratchA[i] = Math.floor((Math.max(lo[at]!, lo0) - lo0) / width);
      this.scratchB[i] = Math.floor((Math.min(hi[at]!, hi0) - lo0) / width);
    }
  }

  /** An equal-width cut of dimension `d` into at most 2^bits slices, if within the space factor. */
  private multiCut(n: number, d: number, bits: number, rlo: Float64Array, rhi: Float64Array): Cut | null {
    const lo0 = rlo[d]!;
    const span = rhi[d]! - lo0 + 1;
    const finest = Math.max(0, ceilLog2(span) - MAX_CUT_BITS);
    const shift = Math.max(0, ceilLog2(span) - bits);
    const slots = Math.ceil(span / 2 ** shift);
    if (slots <= 2) {
      return null; // a two-way equal cut is never better than the best split point
    }
    const down = shift - finest;
    const counts = this.counts.subarray(0, slots + 1);
    counts.fill(0);
    let copies = 0;
    for (let i = 0; i < n; i++) {
      const f = this.scratchA[i]! >>> down;
      const l = this.scratchB[i]! >>> down;
      copies += l - f + 1;
      counts[f]!++;
      counts[l + 1]!--;
    }
    if (copies + slots > this.limits.spaceFactor * n) {
      return null;
    }
    let largest = 0;
    let run = 0;
    for (let k = 0; k < slots; k++) {
      run += counts[k]!;
      largest = Math.max(largest, run);
    }
    if (largest >= n) {
      return null;
    }
    return { dim: d, at: 0, lo: lo0, shift, slots, largest, copies };
  }

  /** Writes a leaf for `rules` in region rlo..rhi and returns its reference (~offset). */
  private emitLeaf(rules: Int32Array, rlo: Float64Array, rhi: Float64Array): number {
    const n = rules.length;
    if (n === 0) {
      return ~0;
    }
    const { lo, hi, testMask, dimCtx, dimMask } = this.boxes;
    const D = this.D;
    const leaves = this.out.leaves;
    const p = leaves.push(n);
    const order: number[] = [];
    const selectivity = new Float64Array(D);
    for (let i = 0; i < n; i++) {
      const r = rules[i]!;
      order.length = 0;
      for (let d = 0; d < D; d++) {
        const at = r * D + d;
        const a = lo[at]!;
        const b = hi[at]!;
        if (testMask[at] === -1 && a <= rlo[d]! && b >= rhi[d]!) {
          continue; // the region already guarantees this condition
        }
        // Test the narrowest conditions first: they are the likeliest to reject. (Width, not width
        // relative to the region: a port range 0..65535 in a 32-bit word is narrow relative to
        // the word but rejects nothing.) Mask tests go last.
        selectivity[d] = testMask[at] === -1 ? b - a : TWO32;
        order.push(d);
      }
      order.sort((x, y) => selectivity[x]! - selectivity[y]!);
      leaves.push(r);
      leaves.push(order.length);
      for (const d of order) {
        const at = r * D + d;
        const mask = testMask[at]!;
        const a = lo[at]!;
        leaves.push(dimCtx[d]!);
        leaves.push(mask === -1 ? dimMask[d]! : mask);
        leaves.push(a | 0);
        leaves.push(((mask === -1 ? hi[at]! - a : 0) | 0) ^ SIGN);
      }
    }
    return ~p;
  }
}
