/**
 * @fileoverview The byte layout of conntrack's storage as one contiguous region, so that the table can
 * live in a plain ArrayBuffer (the JS engine) or inside a WebAssembly memory, where the generated
 * lookup fast path (runtime/wasm/codegen-conntrack.ts) reads and updates the same records.
 *
 *     offset          size          contents
 *     0               8             dueAt (f64): no list head expires before this time (table.ts)
 *     8               8             floor (f64): no record expires before this time (table.ts)
 *     16              4             verdict remembered by the last lookup's match (u32)
 *     24              8 * 11        counters (f64, conntrack.ts S_*)
 *     112             8 * 4         timeout per class in ns (f64)
 *     144             8 * 4         slack per class in ns (f64)
 *     176             4 * 4         expiry list head per class (i32 slot, -1 = empty)
 *     192             4 * 4         expiry list tail per class
 *     HEADER_BYTES    64 * slots    the slot records (table.ts)
 *     then            4 * slots     tuple hash per slot (i32)
 *     then            8 * slots     creation time per slot (f64)
 *     then            8 * slots     list links per slot (i32 pairs)
 * Every part starts on an 8-byte boundary when the region does.
 */

/** Byte offset of dueAt. */
export const RG_DUE_AT = 0;
/** Byte offset of floor. */
export const RG_FLOOR = 8;
/** Byte offset of the last matched verdict. */
export const RG_LAST_VERDICT = 16;
/** Byte offset of the counters. */
export const RG_STATS = 24;
/** Number of counters. */
export const RG_STATS_COUNT = 11;
/** Byte offset of the timeouts per class. */
export const RG_TIMEOUTS = 112;
/** Byte offset of the slacks per class. */
export const RG_SLACK = 144;
/** Byte offset of the list heads. */
export const RG_HEAD = 176;
/** Byte offset of the list tails. */
export const RG_TAIL = 192;
/** Classes the header has room for (table.ts stores the class in 2 bits). */
export const RG_CLASSES = 4;
/** Bytes before the records (a multiple of 64: records are cache-line aligned when the region is). */
export const HEADER_BYTES = 256;

/** Where conntrack keeps its storage: a buffer and the byte offset of the region in it. */
export interface ConntrackMemory {
  /** The buffer (an ArrayBuffer of its own, or a WebAssembly memory's). */
  readonly buffer: ArrayBuffer;
  /** Byte offset of the region (a multiple of 8). */
  readonly byteOffset: number;
  /** The capacity the region was sized for (regionBytes). */
  readonly capacity: number;
}

/** Slot count of a table for `capacity` records: the power of two >= 2 * capacity (load <= 1/2). */
export function tableSlots(capacity: number): number {
  let slots = 2;
  while (slots < 2 * capacity) {
    slots *= 2;
  }
  return slots;
}

/** Byte offsets, from the region's start, of the parts of a region for `slots` slots. */
export interface RegionParts {
  /** The records. */
  readonly rec: number;
  /** The hashes. */
  readonly hash: number;
  /** The creation times. */
  readonly created: number;
  /** The links. */
  readonly links: number;
  /** Total bytes. */
  readonly bytes: number;
}

/** The parts of a region for `slots` slots. */
export function regionParts(slots: number): RegionParts {
  const rec = HEADER_BYTES;
  const hash = rec + 64 * slots;
  const created = hash + 4 * slots;
  const links = created + 8 * slots;
  return { rec, hash, created, links, bytes: links + 8 * slots };
}

/** Bytes of the region for `capacity` records. */
export function regionBytes(capacity: number): number {
  return regionParts(tableSlots(capacity)).bytes;
}
