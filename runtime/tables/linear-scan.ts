/**
 * @fileoverview The linear scan: the definition of the best entry (lookup.ts), executed literally.
 *
 * Entries are visited in rank order (priority, then entry index; see order.ts) and the first entry
 * whose every key field matches is returned, so the scan stops as early as the definition allows.
 * This is the oracle every other structure is tested against, and the "iptables model" baseline the
 * benchmarks report, so it is kept simple enough to trust and tight enough to be a fair baseline:
 * each field word becomes one condition `lo <= (ctx[word] & mask) <= hi`, written once at build time
 * straight from the definition —
 *   exact word:    mask all ones,          lo = hi = value
 *   lpm word:      mask = the prefix bits of that word, lo = hi = value (words past the prefix vanish)
 *   ternary word:  mask = mask,            lo = hi = value
 *   range:         mask all ones,          lo, hi
 * — and a condition that holds for every context (mask 0, or range 0..0xffffffff) is left out.
 * Conditions are stored in one Int32Array and tested as `((y - lo) mod 2^32) <= hi - lo`, one
 * unsigned compare per word, with no allocation. (A scan hand-specialised to one key layout, with
 * the context words in registers, is still about three times faster on ClassBench 5-tuples;
 * bench/tables-classbench.ts reports both.)
 */

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  entryStride,
  keyDataOffset,
  type TableDef,
} from "../bytecode/bundle.js";
import { NO_ENTRY } from "../bytecode/opcodes.js";
import type { TableLookup } from "./lookup.js";
import { rankOrder } from "./order.js";

/** XOR with this maps u32 order onto i32 order, so unsigned compares run as int32 compares. */
const SIGN = 0x80000000 | 0;

/** The first-best scan over `table`, the oracle for every other structure. */
export function buildLinearScan(table: TableDef): TableLookup {
  return new LinearScan(table);
}

/** Mask of the first `bits` bits of word `j` of a prefix of length `bits` (MSB first). */
function prefixWordMask(bits: number, j: number): number {
  const inWord = bits - 32 * j;
  return inWord >= 32 ? -1 : inWord <= 0 ? 0 : (-1 << (32 - inWord)) | 0;
}

/** Words per condition: context word, mask, lo, (hi - lo) ^ SIGN. */
const CONDITION_WORDS = 4;

/**
 * Layout of `code`, per entry in rank order: entry index, then `conditions` conditions of
 * CONDITION_WORDS each. Entries with fewer conditions are padded with one that always holds
 * (mask 0, lo 0, hi 0): a fixed stride and trip count measured about 25% faster than a per-entry
 * condition count, and the padding is only evaluated once every real condition has passed.
 */
class LinearScan implements TableLookup {
  readonly algorithm = "linear";
  /** The scan program (layout above). */
  readonly code: Int32Array;
  /** Entries. */
  readonly count: number;
  /** Conditions per entry (the most any entry needs). */
  readonly conditions: number;

  constructor(table: TableDef) {
    const stride = entryStride(table);
    const entries = table.entries;
    const order = rankOrder(table);
    const perEntry = Array.from(order, (entry) => {
      const base = entry * stride;
      const conditions: number[] = [];
      table.keys.forEach((key, k) => {
        const d = base + keyDataOffset(table, k);
        for (let j = 0; j < key.words; j++) {
          let mask = -1;
          let lo = entries[d + j]!;
          let hi = lo;
          if (key.kind === MATCH_LPM) {
            mask = prefixWordMask(entries[d + key.words]!, j);
            lo = hi = (lo & mask) >>> 0;
          } else if (key.kind === MATCH_RANGE) {
            hi = entries[d + 1]!;
          } else if (key.kind !== MATCH_EXACT) {
            mask = entries[d + key.words + j]! | 0;
          }
          if (mask === 0 || (lo === 0 && hi === 0xffffffff)) {
            continue; // holds for every context
          }
          conditions.push(key.field + j, mask, lo | 0, ((hi - lo) | 0) ^ SIGN);
        }
      });
      return conditions;
    });
    this.conditions = perEntry.reduce((most, c) => Math.max(most, c.length / CONDITION_WORDS), 0);
    const entryWords = 1 + CONDITION_WORDS * this.conditions;
    this.code = new Int32Array(order.length * entryWords);
    perEntry.forEach((conditions, i) => {
      const at = i * entryWords;
      this.code[at] = order[i]!;
      this.code.set(conditions, at + 1);
      for (let q = at + 1 + conditions.length; q < at + entryWords; q += CONDITION_WORDS) {
        this.code[q + 3] = SIGN; // ((ctx[0] & 0) - 0) ^ SIGN <= 0 ^ SIGN: always holds
      }
    });
    this.count = order.length;
  }

  lookup(ctx: Uint32Array): number {
    const code = this.code;
    const entryWords = 1 + CONDITION_WORDS * this.conditions;
    const end = this.count * entryWords;
    next: for (let p = 0; p < end; p += entryWords) {
      for (let q = p + 1; q < p + entryWords; q += CONDITION_WORDS) {
        if (((((ctx[code[q]!]! & code[q + 1]!) - code[q + 2]!) | 0) ^ SIGN) > code[q + 3]!) {
          continue next;
        }
      }
      return code[p]!;
    }
    return NO_ENTRY;
  }
}
