/**
 * @fileoverview The linear-memory map of a compiled program, and filling it at run time.
 *
 *     offset                    size                      contents
 *     0                         64                        unused (no structure starts at address 0)
 *     results                   12 * slots                per slot: verdict, drop reason, rule id (u32)
 *     contexts                  256 * slots               per slot: one context record (CTX_WORDS u32)
 *     carry                     256                       META words carried from packet to packet
 *     frameOffsets              4 * slots                 per slot: offset of its frame in the batch buffer
 *     frameLengths              4 * slots                 per slot: length of its frame
 *     frameTimes                8 * slots                 per slot: packet time in ns (f64)
 *     frameSpan                 16                        lo, hi (u32) of the copied bytes; carried time (f64)
 *     frameArea                 frameAreaBytes            the batch's frame bytes [lo, hi) (codegen-parse.ts)
 *     counters                  8 * counters              COUNT counters (f64, as Program.counters)
 *     per table t:
 *       hits                    8 * entries               HIT counts per entry (f64, as Program.hits)
 *       actions                 4 * entries * (3 + aw)    per entry: verdict, rule id, flags, data words
 *       arrays                  the lookup plan's arrays  (Int32Array each, 16-byte aligned)
 *     ctTcp                     2 * 2048                  TCP transition table (codegen-conntrack.ts), if:
 *     conntrack                 regionBytes(capacity)     conntrack's storage (conntrack/region.ts), 64-aligned;
 *                                                         only for a program that calls SVC_CT_LOOKUP
 *
 * The parser's regions come before the tables so that every address the parser computes stays far
 * below 2^31 (it compares addresses as signed i32, like the JS parser's indices).
 *
 * Every region starts on a 16-byte boundary. The memory is sized once (initial = maximum pages)
 * and never grows, so typed-array views over it — the context slots the JS parser fills, the
 * results, and the counters and hits that replace the Program's own arrays — stay valid for the
 * life of the instance. Tables are written into memory after instantiation rather than as data
 * segments (binaryen#5595: large segments broke `setMemory`; copying is also simply faster).
 *
 * Why carry: the interpreter runs every packet on one context record, so a META word a program
 * wrote for one packet is still there for the next unless rewritten. With a record per slot, each
 * packet instead starts from the carry record's META words and leaves its own there; only words the
 * program reads or writes are carried (none, for most programs).
 */

import { ACTION_DATA0, OP_CALL, OP_LDF, OP_STF, SVC_CT_LOOKUP } from "../bytecode/opcodes.js";
import { regionBytes, tableSlots } from "../conntrack/region.js";
import { CTX_WORDS, F_META0 } from "../context.js";
import type { Program } from "../program.js";
import type { LookupPlan } from "./lookups.js";

/** Bytes of one context record. */
export const CTX_BYTES = 4 * CTX_WORDS;
/** Result words per slot: verdict, drop reason, rule id (as interp/exec.ts RESULT_WORDS). */
export const SLOT_RESULT_WORDS = 3;
/** Default slots per batch call: 256 contexts are 64 KiB, L2-resident next to the tables. */
export const DEFAULT_SLOTS = 256;
/**
 * Frame-area bytes per slot: a batch of full-size Ethernet frames (1514 bytes, pcap record headers
 * between them) is copied in one piece; larger frames split the batch into several copies.
 */
export const FRAME_BYTES_PER_SLOT = 2048;
/**
 * Frame-area bytes besides the per-slot share, so any one frame up to 128 KiB fits alone: an IPv4
 * packet (65535 bytes) with its link header, or an IPv6 jumbogram that size. A longer frame is parsed
 * by the JS parser (batch.ts).
 */
export const FRAME_AREA_EXTRA = 131072;
/** wasm page size. */
const PAGE = 65536;
/** Largest memory a wasm32 module may declare, in pages (4 GiB). */
const MAX_PAGES = 65536;

/** Where one table's data lives. */
export interface TableRegion {
  /** Byte offset of the action words. */
  readonly actions: number;
  /** Action words per entry (verdict, rule id, flags, then the table's data words). */
  readonly actionStride: number;
  /** Byte offset of the f64 hit counts. */
  readonly hits: number;
  /** Entries in the table. */
  readonly entries: number;
  /** Byte offset of each array of the lookup plan (empty for a JS fallback). */
  readonly arrays: readonly number[];
}

/** Where conntrack's storage and the TCP transition table live (codegen-conntrack.ts). */
export interface ConntrackRegion {
  /** Byte offset of the conntrack region (conntrack/region.ts). */
  readonly base: number;
  /** Capacity it was sized for. */
  readonly capacity: number;
  /** Slot count - 1. */
  readonly mask: number;
  /** Byte offset of the TCP transition table (u16 entries). */
  readonly tcpTable: number;
}

/** Entries of the TCP transition table: state (6 bits) x FIN, SYN, RST, ACK x direction. */
export const TCP_TABLE_ENTRIES = 64 * 16 * 2;

/** The memory map of one compiled program. */
export interface MemoryLayout {
  /** Context slots (packets per batch call). */
  readonly slots: number;
  /** Byte offset of the results. */
  readonly results: number;
  /** Byte offset of context slot 0. */
  readonly contexts: number;
  /** Byte offset of the carry record. */
  readonly carry: number;
  /** Byte offset of the per-slot frame offsets (u32). */
  readonly frameOffsets: number;
  /** Byte offset of the per-slot frame lengths (u32). */
  readonly frameLengths: number;
  /** Byte offset of the per-slot packet times (f64). */
  readonly frameTimes: number;
  /** Byte offset of the span record: lo, hi (u32), carried time (f64). */
  readonly frameSpan: number;
  /** Byte offset of the frame area. */
  readonly frameArea: number;
  /** Size of the frame area in bytes. */
  readonly frameAreaBytes: number;
  /** Byte offset of the f64 counters. */
  readonly counters: number;
  /** Number of counters. */
  readonly counterCount: number;
  /** Per table. */
  readonly tables: readonly TableRegion[];
  /** Context words (META words) carried from packet to packet. */
  readonly carried: readonly number[];
  /** Conntrack's storage, when the program calls SVC_CT_LOOKUP and a capacity was given. */
  readonly conntrack: ConntrackRegion | null;
  /** Bytes used. */
  readonly bytes: number;
  /** Pages of memory (initial = maximum). */
  readonly pages: number;
}

/** Whether `program` calls SVC_CT_LOOKUP. */
function callsCtLookup(program: Program): boolean {
  for (let pc = 0; pc < program.length; pc++) {
    if (program.op[pc] === OP_CALL && program.imm[pc] === SVC_CT_LOOKUP) {
      return true;
    }
  }
  return false;
}

/**
 * Lays out memory for `program` with lookups compiled per `plans` (null = JS fallback), with a
 * conntrack region for `conntrackCapacity` records when given and the program looks connections up.
 */
export function planMemory(
  program: Program,
  plans: readonly (LookupPlan | null)[],
  slots: number,
  conntrackCapacity?: number,
): MemoryLayout {
  let at = 64;
  const take = (bytes: number): number => {
    const start = at;
    at = (at + bytes + 15) & ~15;
    return start;
  };
  const results = take(4 * SLOT_RESULT_WORDS * slots);
  const contexts = take(CTX_BYTES * slots);
  const carry = take(CTX_BYTES);
  const frameOffsets = take(4 * slots);
  const frameLengths = take(4 * slots);
  const frameTimes = take(8 * slots);
  const frameSpan = take(16);
  const frameAreaBytes = FRAME_BYTES_PER_SLOT * slots + FRAME_AREA_EXTRA;
  const frameArea = take(frameAreaBytes);
  const counterCount = program.counters.length;
  const counters = take(8 * counterCount);
  const tables = program.bundle.tables.map((table, t): TableRegion => {
    const actionStride = ACTION_DATA0 + table.actionWords;
    const hits = take(8 * table.entryCount);
    const actions = take(4 * actionStride * table.entryCount);
    const arrays = (plans[t]?.arrays ?? []).map((a) => take(4 * a.length));
    return { actions, actionStride, hits, entries: table.entryCount, arrays };
  });
  let conntrack: ConntrackRegion | null = null;
  if (conntrackCapacity !== undefined && callsCtLookup(program)) {
    const tcpTable = take(2 * TCP_TABLE_ENTRIES);
    at = (at + 63) & ~63; // records on cache lines
    const base = take(regionBytes(conntrackCapacity));
    conntrack = { base, capacity: conntrackCapacity, mask: tableSlots(conntrackCapacity) - 1, tcpTable };
  }
  const pages = Math.max(1, Math.ceil(at / PAGE));
  if (pages > MAX_PAGES) {
    throw new Error(`wasm: the program's tables need ${at} bytes, more than a wasm32 memory holds`);
  }
  return {
    slots,
    results,
    contexts,
    carry,
    frameOffsets,
    frameLengths,
    frameTimes,
    frameSpan,
    frameArea,
    frameAreaBytes,
    counters,
    counterCount,
    tables,
    carried: carriedWords(program),
    conntrack,
    bytes: at,
    pages,
  };
}

/** META words the program reads (LDF, table keys) or writes (STF), ascending. */
function carriedWords(program: Program): number[] {
  const words = new Set<number>();
  for (let pc = 0; pc < program.length; pc++) {
    const op = program.op[pc]!;
    if ((op === OP_LDF || op === OP_STF) && program.imm[pc]! >= F_META0) {
      words.add(program.imm[pc]!);
    }
  }
  for (const table of program.bundle.tables) {
    for (const key of table.keys) {
      for (let j = 0; j < key.words; j++) {
        if (key.field + j >= F_META0) {
          words.add(key.field + j);
        }
      }
    }
  }
  return [...words].sort((a, b) => a - b);
}

/** Writes the action words and lookup arrays of every table into `buffer` (a fresh, zeroed memory). */
export function fillMemory(
  buffer: ArrayBuffer,
  program: Program,
  plans: readonly (LookupPlan | null)[],
  layout: MemoryLayout,
): void {
  const words = new Int32Array(buffer);
  program.bundle.tables.forEach((table, t) => {
    const region = layout.tables[t]!;
    const stride = program.tableStride[t]!;
    const from = program.tableActionOffset[t]!;
    const entries = program.tableEntries[t]!;
    const actions = new Uint32Array(buffer, region.actions, region.actionStride * table.entryCount);
    for (let e = 0; e < table.entryCount; e++) {
      const src = e * stride + from;
      actions.set(entries.subarray(src, src + region.actionStride), e * region.actionStride);
    }
    plans[t]?.arrays.forEach((a, k) => {
      words.set(a, region.arrays[k]! >>> 2);
    });
  });
}
