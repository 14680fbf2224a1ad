/**
 * @fileoverview The classifier with an exact-match front: for tables where most rows fix every key
 * word they test (exact values, full ternary masks, one-value ranges, prefixes), the interpreter finds
 * those rows with one hash probe and runs a small classifier over the other rows only.
 *
 * Why: a policy table of Cilium shape (endpoint, peer identity, protocol, one port) is almost all such
 * rows, plus a few wildcard rows per endpoint. At 50 000 rows the decision tree is several megabytes
 * and a lookup reads about a dozen cache lines of it (a cut node's header and slot, split nodes, leaf
 * records), which on the L3/L4 path costs more than the rest of the packet. One probe reads one or two.
 * This is tuple space search (Srinivasan, Suri, Varghese, SIGCOMM 1999) reduced to its largest tuple,
 * the rest left to the decision tree.
 *
 * The class extends Classifier and keeps the full classifier's arrays untouched, so the WebAssembly
 * backend (which ports Classifier by its arrays) and every tool that reads them see the same
 * structure as before; only `lookup` here uses the front. The cost is the memory of both.
 *
 * Row conditions are derived as the linear scan (the oracle) derives them: per key word a mask and an
 * interval lo..hi of ctx & mask; words that hold for every context are dropped. A row is hashable
 * when every remaining interval is a single value; the largest group of hashable rows testing the
 * same (word, mask) list is the tuple. Hash slots (Int32Array, 2 + K words each): rank or -1, entry,
 * then the K key values; the best (lowest rank) row per key is resolved at build time.
 */

import { MATCH_EXACT, MATCH_LPM, MATCH_RANGE, entryStride, keyDataOffset } from "../bytecode/bundle.js";
import type { TableDef } from "../bytecode/bundle.js";
import { NO_ENTRY } from "../bytecode/opcodes.js";
import { Classifier } from "./classifier.js";
import { buildClassifier } from "./classifier.js";
import { hashFinish, hashStep, HASH_SEED } from "./exact-hash.js";
import { rankOrder } from "./order.js";

/** Tables with fewer rows keep the plain classifier: its tree fits in cache anyway. */
export const TUPLE_HASH_MIN_ROWS = 1024;
/** The tuple must hold at least this fraction of the rows to be worth a second structure. */
export const TUPLE_MIN_SHARE = 0.5;

/** When the front is built (defaults above; tests lower them to exercise small tables). */
export interface TupleHashOptions {
  readonly minRows?: number;
  readonly minShare?: number;
}
/** Rank meaning "no row": above any rank. */
const NO_RANK = 0x7fffffff;

/** One word's condition of a row: (ctx[word] & mask) == value. */
interface PointCondition {
  readonly word: number;
  readonly mask: number;
  readonly value: number;
}

/** Mask of key word `j` of a prefix of `bits` bits (most significant word first). */
function prefixWordMask(bits: number, j: number): number {
  const inWord = bits - 32 * j;
  return inWord >= 32 ? -1 : inWord <= 0 ? 0 : (-1 << (32 - inWord)) | 0;
}

/** The row's conditions if every one is a single value, else null (a real range). */
function pointConditions(table: TableDef, entry: number, stride: number): PointCondition[] | null {
  const entries = table.entries;
  const out: PointCondition[] = [];
  for (let k = 0; k < table.keys.length; k++) {
    const key = table.keys[k]!;
    const d = entry * stride + keyDataOffset(table, k);
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
      if (lo !== hi) {
        return null;
      }
      out.push({ word: key.field + j, mask, value: lo | 0 });
    }
  }
  return out;
}

/** A copy of `table` holding only `rows` (ascending entry indexes), priorities and data unchanged. */
function subTable(table: TableDef, rows: readonly number[], stride: number): TableDef {
  const entries = new Uint32Array(rows.length * stride);
  rows.forEach((e, i) => {
    entries.set(table.entries.subarray(e * stride, (e + 1) * stride), i * stride);
  });
  return { ...table, entries, entryCount: rows.length };
}

/**
 * The classifier for `table`, with the exact-match front when the table is large and its largest
 * tuple holds enough rows; otherwise the plain classifier.
 */
export function buildClassifierWithTupleHash(table: TableDef, options: TupleHashOptions = {}): Classifier {
  const full = buildClassifier(table);
  if (table.entryCount < (options.minRows ?? TUPLE_HASH_MIN_ROWS)) {
    return full;
  }
  const stride = entryStride(table);
  const groups = new Map<string, number[]>();
  const conditions: (PointCondition[] | null)[] = [];
  for (let e = 0; e < table.entryCount; e++) {
    const c = pointConditions(table, e, stride);
    conditions.push(c);
    if (c !== null && c.length > 0) {
      const sig = c.map((x) => `${x.word}:${x.mask}`).join(",");
      const g = groups.get(sig);
      if (g === undefined) {
        groups.set(sig, [e]);
      } else {
        g.push(e);
      }
    }
  }
  let tuple: number[] = [];
  for (const g of groups.values()) {
    if (g.length > tuple.length) {
      tuple = g;
    }
  }
  if (tuple.length === 0 || tuple.length < (options.minShare ?? TUPLE_MIN_SHARE) * table.entryCount) {
    return full;
  }
  const inTuple = new Uint8Array(table.entryCount);
  for (const e of tuple) {
    inTuple[e] = 1;
  }
  const order = rankOrder(table);
  const rankOf = new Int32Array(table.entryCount);
  for (let r = 0; r < order.length; r++) {
    rankOf[order[r]!] = r;
  }
  const shape = conditions[tuple[0]!]!;
  const words = Int32Array.from(shape, (c) => c.word);
  const masks = Int32Array.from(shape, (c) => c.mask);
  const K = shape.length;
  let capacity = 2;
  while (capacity < 2 * tuple.length) {
    capacity *= 2;
  }
  const slots = new Int32Array(capacity * (2 + K)).fill(-1);
  for (const e of tuple) {
    const c = conditions[e]!;
    let h = HASH_SEED;
    for (let j = 0; j < K; j++) {
      h = hashStep(h, c[j]!.value);
    }
    for (let s = hashFinish(h, K) & (capacity - 1); ; s = (s + 1) & (capacity - 1)) {
      const at = s * (2 + K);
      if (slots[at] === -1) {
        slots[at] = rankOf[e]!;
        slots[at + 1] = e;
        for (let j = 0; j < K; j++) {
          slots[at + 2 + j] = c[j]!.value;
        }
        break;
      }
      let same = true;
      for (let j = 0; j < K && same; j++) {
        same = slots[at + 2 + j] === c[j]!.value;
      }
      if (same) {
        if (rankOf[e]! < slots[at]!) {
          slots[at] = rankOf[e]!;
          slots[at + 1] = e;
        }
        break;
      }
    }
  }
  const restRows: number[] = [];
  for (let e = 0; e < table.entryCount; e++) {
    if (inTuple[e] === 0) {
      restRows.push(e);
    }
  }
  const rest = restRows.length === 0 ? null : buildClassifier(subTable(table, restRows, stride));
  const front: TupleFront = {
    slots,
    words,
    masks,
    mask: capacity - 1,
    rest,
    restEntry: Int32Array.from(restRows),
    restRank: Int32Array.from(restRows, (e) => rankOf[e]!),
    restBestRank: restRows.reduce((a, e) => Math.min(a, rankOf[e]!), NO_RANK),
  };
  return new TupleHashClassifier(full, front);
}

/** The exact-match front of a TupleHashClassifier (layout in the file overview). */
export interface TupleFront {
  /** Hash slots: rank or -1, entry, K key values. */
  readonly slots: Int32Array;
  /** Context word of each key value. */
  readonly words: Int32Array;
  /** Mask applied to each context word. */
  readonly masks: Int32Array;
  /** Slot count - 1. */
  readonly mask: number;
  /** Classifier over the rows outside the tuple (its entries are indexes into restEntry), or null. */
  readonly rest: Classifier | null;
  /** Table entry of each rest row. */
  readonly restEntry: Int32Array;
  /** Rank (in the whole table) of each rest row. */
  readonly restRank: Int32Array;
  /** Smallest rank of any rest row: a tuple row ranked better needs no rest lookup. */
  readonly restBestRank: number;
}

/** A Classifier (full arrays kept for other backends) whose own lookup uses the exact-match front. */
export class TupleHashClassifier extends Classifier {
  /** The front: hash over the largest tuple plus the classifier of the remaining rows. */
  readonly front: TupleFront;

  constructor(full: Classifier, front: TupleFront) {
    super(full.trees, full.nodes, full.leaves, full.rankEntry);
    this.front = front;
  }

  override lookup(ctx: Uint32Array): number {
    const { slots, words, masks, mask, rest } = this.front;
    const K = words.length;
    const slotWords = 2 + K;
    let h = HASH_SEED;
    for (let j = 0; j < K; j++) {
      h = hashStep(h, ctx[words[j]!]! & masks[j]!);
    }
    let bestRank = NO_RANK;
    let best = NO_ENTRY;
    probe: for (let s = hashFinish(h, K) & mask; ; s = (s + 1) & mask) {
      const at = s * slotWords;
      const rank = slots[at]!;
      if (rank < 0) {
        break;
      }
      for (let j = 0; j < K; j++) {
        if (slots[at + 2 + j]! !== (ctx[words[j]!]! & masks[j]!)) {
          continue probe;
        }
      }
      bestRank = rank;
      best = slots[at + 1]! >>> 0;
      break;
    }
    if (rest !== null && bestRank > this.front.restBestRank) {
      const r = rest.lookup(ctx);
      if (r !== NO_ENTRY && this.front.restRank[r]! < bestRank) {
        best = this.front.restEntry[r]! >>> 0;
      }
    }
    return best;
  }
}
