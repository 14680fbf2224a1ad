/**
 * @fileoverview Rule boxes: every entry of a table rewritten as a conjunction of per-word conditions,
 * the form the classifier's decision tree cuts and its leaves check.
 *
 * A dimension is one context word of one key field (a 4-word IPv6 field gives four dimensions). The
 * tree reads a dimension as `y = ctx[word] & dimMask`, where dimMask is all ones except for ternary
 * fields, where it is the union of the entries' masks on that word (so a protocol byte matched as
 * `0x06/0xff` or `0x00/0x00` becomes the plain range 6..6 or 0..255 of `ctx & 0xff`). Per dimension
 * an entry is then exactly one of
 *   a range lo..hi of y  — exact (lo = hi), range, an lpm prefix (words inside the prefix are points,
 *                          the word the prefix ends in is a range, later words are 0..dimMask), and
 *                          ternary words whose free bits are the lowest bits of dimMask;
 *   a mask test          — other ternary words: `(ctx & mask) == value`, routed through the tree by
 *                          its bounding range value..value|free, and always checked in the leaf.
 * The conjunction of the per-dimension conditions is exactly the entry's match set (lookup.ts),
 * because every kind constrains each word independently.
 */

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  entryStride,
  keyDataOffset,
  type TableDef,
} from "../bytecode/bundle.js";

/** The per-word form of a table's entries, indexed by rank (see order.ts). */
export interface RuleBoxes {
  /** Number of dimensions D. */
  readonly dims: number;
  /** Context word each dimension reads. */
  readonly dimCtx: Int32Array;
  /** Mask applied to the context word before comparing (-1 = all bits). */
  readonly dimMask: Int32Array;
  /** rank * D + d: lower bound of the entry's (bounding) range of y. */
  readonly lo: Uint32Array;
  /** rank * D + d: upper bound of the entry's (bounding) range of y. */
  readonly hi: Uint32Array;
  /** rank * D + d: -1 when the range is exact, else the ternary mask the leaf must test. */
  readonly testMask: Int32Array;
  /** Per rank: 1 when every dimension is an exact range (the box is the match set). */
  readonly exactBox: Uint8Array;
}

/** Highest bit of `x` and every bit below it (x != 0). */
function bitsUpToTop(x: number): number {
  const top = 31 - Math.clz32(x);
  return top === 31 ? 0xffffffff : (1 << (top + 1)) - 1;
}

/** Rewrites the entries of `table`, in the order `order` gives (rank → entry), as rule boxes. */
export function buildRuleBoxes(table: TableDef, order: Int32Array): RuleBoxes {
  const stride = entryStride(table);
  const entries = table.entries;
  const n = order.length;
  const dimCtx: number[] = [];
  const dimMask: number[] = [];
  const dimKey: number[] = [];
  const dimWord: number[] = [];
  table.keys.forEach((key, k) => {
    for (let j = 0; j < key.words; j++) {
      dimCtx.push(key.field + j);
      dimKey.push(k);
      dimWord.push(j);
      let mask = -1;
      if (key.kind !== MATCH_EXACT && key.kind !== MATCH_LPM && key.kind !== MATCH_RANGE) {
        const off = keyDataOffset(table, k) + key.words + j;
        mask = 0;
        for (let e = 0; e < n; e++) {
          mask |= entries[e * stride + off]!;
        }
      }
      dimMask.push(mask);
    }
  });
  const D = dimCtx.length;
  const lo = new Uint32Array(n * D);
  const hi = new Uint32Array(n * D);
  const testMask = new Int32Array(n * D).fill(-1);
  const exactBox = new Uint8Array(n).fill(1);
  for (let r = 0; r < n; r++) {
    const base = order[r]! * stride;
    for (let d = 0; d < D; d++) {
      const key = table.keys[dimKey[d]!]!;
      const j = dimWord[d]!;
      const off = base + keyDataOffset(table, dimKey[d]!);
      const at = r * D + d;
      switch (key.kind) {
        case MATCH_EXACT:
          lo[at] = hi[at] = entries[off + j]!;
          break;
        case MATCH_LPM: {
          const bits = entries[off + key.words]! - 32 * j;
          const free = bits >= 32 ? 0 : bits <= 0 ? 0xffffffff : 0xffffffff >>> bits;
          lo[at] = entries[off + j]! & ~free;
          hi[at] = entries[off + j]! | free;
          break;
        }
        case MATCH_RANGE:
          lo[at] = entries[off]!;
          hi[at] = entries[off + 1]!;
          break;
        default: {
          // Ternary, in y = ctx & dimMask space: free bits are dimMask bits the entry ignores.
          const value = entries[off + j]!;
          const mask = entries[off + key.words + j]!;
          const free = dimMask[d]! & ~mask;
          lo[at] = value;
          hi[at] = value | free;
          if (free !== 0 && (mask & bitsUpToTop(free)) !== 0) {
            testMask[at] = mask;
            exactBox[r] = 0;
          }
        }
      }
    }
  }
  return {
    dims: D,
    dimCtx: Int32Array.from(dimCtx),
    dimMask: Int32Array.from(dimMask),
    lo,
    hi,
    testMask,
    exactBox,
  };
}
