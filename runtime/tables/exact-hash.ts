/**
 * @fileoverview Exact-match tables: an open-addressing hash over the concatenated key words.
 *
 * When every key field is MATCH_EXACT, an entry matches exactly one key, so the best entry for a key
 * is known at build time: duplicates are resolved then (smallest priority, then lowest index) and a
 * lookup is one hash plus, usually, one probe. This is the Cilium policy-map shape (identity, port,
 * protocol) and the conntrack shape, and what the exact-match goals in performance.md §0 measure.
 *
 * Layout (`slots`, one Int32Array): capacity slots of (1 + K) words, K = key words; word 0 is the
 * entry index or -1 for an empty slot, words 1..K the key. Capacity is a power of two at least twice
 * the number of distinct keys (load factor <= 1/2 keeps linear-probe chains short: about 1.5 probes
 * per hit, 2.5 per miss). The hash is MurmurHash3's x86_32 word mixing and finaliser (Math.imul), so
 * a WebAssembly port computes the same slot with i32.mul; `ctxWords` lists the context word of each
 * key word in order.
 */

import { MATCH_EXACT, entryStride, type TableDef } from "../bytecode/bundle.js";
import { NO_ENTRY } from "../bytecode/opcodes.js";
import type { TableLookup } from "./lookup.js";

/** Seed of the key hash (any constant; fixed so layouts are reproducible). */
export const HASH_SEED = 0x9747b28c;

/** One MurmurHash3 x86_32 body step: mixes key word `word` into the running hash `h`. */
export function hashStep(h: number, word: number): number {
  let k = Math.imul(word, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3's finaliser (length, then fmix32) after `words` key words. */
export function hashFinish(h: number, words: number): number {
  h ^= words * 4;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Whether `table` can be represented by the exact hash (every key field is exact). */
export function exactHashApplies(table: TableDef): boolean {
  return table.keys.every((k) => k.kind === MATCH_EXACT);
}

/** Builds the hash for an all-exact table; throws if a key field is not exact. */
export function buildExactHash(table: TableDef): ExactHash {
  if (!exactHashApplies(table)) {
    throw new Error("exact hash: every key field must be an exact match");
  }
  const stride = entryStride(table);
  const ctxWords: number[] = [];
  for (const key of table.keys) {
    for (let j = 0; j < key.words; j++) {
      ctxWords.push(key.field + j);
    }
  }
  const K = ctxWords.length;
  let capacity = 2;
  while (capacity < 2 * table.entryCount) {
    capacity *= 2;
  }
  const slotWords = K + 1;
  const slots = new Int32Array(capacity * slotWords);
  for (let s = 0; s < capacity; s++) {
    slots[s * slotWords] = -1;
  }
  const entries = table.entries;
  const mask = capacity - 1;
  for (let e = 0; e < table.entryCount; e++) {
    // Key data starts right after the priority word, in key order: exactly the K key words.
    const keyAt = e * stride + 1;
    let h = HASH_SEED;
    for (let j = 0; j < K; j++) {
      h = hashStep(h, entries[keyAt + j]!);
    }
    let s = hashFinish(h, K) & mask;
    for (;;) {
      const at = s * slotWords;
      const other = slots[at]!;
      if (other < 0) {
        slots[at] = e;
        for (let j = 0; j < K; j++) {
          slots[at + 1 + j] = entries[keyAt + j]!;
        }
        break;
      }
      let same = true;
      for (let j = 0; j < K && same; j++) {
        same = slots[at + 1 + j]! === (entries[keyAt + j]! | 0);
      }
      if (same) {
        // Entries arrive in index order, so a later duplicate wins only with a smaller priority.
        if (entries[e * stride]! < entries[other * stride]!) {
          slots[at] = e;
        }
        break;
      }
      s = (s + 1) & mask;
    }
  }
  return new ExactHash(slots, Int32Array.from(ctxWords), mask);
}

/** A built exact-match hash; its public arrays are the whole structure (layout above). */
export class ExactHash implements TableLookup {
  readonly algorithm = "hash";

  /** Capacity slots of 1 + K words: entry or -1, then the key words. */
  readonly slots: Int32Array;
  /** Context word of each key word. */
  readonly ctxWords: Int32Array;
  /** Capacity - 1 (capacity is a power of two). */
  readonly mask: number;

  constructor(slots: Int32Array, ctxWords: Int32Array, mask: number) {
    this.slots = slots;
    this.ctxWords = ctxWords;
    this.mask = mask;
  }

  lookup(ctx: Uint32Array): number {
    const { slots, ctxWords, mask } = this;
    const K = ctxWords.length;
    const slotWords = K + 1;
    let h = HASH_SEED;
    for (let j = 0; j < K; j++) {
      h = hashStep(h, ctx[ctxWords[j]!]!);
    }
    let s = hashFinish(h, K) & mask;
    next: for (;;) {
      const at = s * slotWords;
      const entry = slots[at]!;
      if (entry < 0) {
        return NO_ENTRY;
      }
      for (let j = 0; j < K; j++) {
        if (slots[at + 1 + j]! !== (ctx[ctxWords[j]!]! | 0)) {
          s = (s + 1) & mask;
          continue next;
        }
      }
      return entry;
    }
  }
}
