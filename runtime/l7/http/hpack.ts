/**
 * @fileoverview The HPACK decoder (RFC 7541) for the HTTP/2 datapath: one `HpackDecoder` per direction
 * of a connection turns complete header blocks into (name, value) pairs and keeps the dynamic table in
 * step with the peer's encoder. It owns the field representations (§6), integers (§5.1), strings
 * (§5.2, Huffman in ./hpack-huffman.ts) and the dynamic table with its eviction rules (§4); the static
 * table is ./hpack-static.ts. Strings are latin1 (one char per byte), as Node's http module reads header
 * bytes. Bad input never throws: it fails the context, since an HPACK error is a connection error
 * (RFC 7540 §4.3) and the table can no longer be trusted.
 */

import type { Buffer } from "node:buffer";
import { DECODE_COMPRESSION, DECODE_OK } from "../stream/decoder.js";
import { asBuffer, huffmanDecode, latin1 } from "./hpack-huffman.js";
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from "./hpack-static.js";

/** SETTINGS_HEADER_TABLE_SIZE before any SETTINGS frame (RFC 7540 §6.5.2). */
export const HPACK_DEFAULT_TABLE_SIZE = 4096;

/** Default largest table size an update may set when the observer cannot see the acknowledged value. */
export const HPACK_DEFAULT_TABLE_CAP = 65536;

/** Per-entry overhead added to name and value lengths (RFC 7541 §4.1). */
const ENTRY_OVERHEAD = 32;

/**
 * Largest integer accepted (RFC 7541 §5.1 leaves the limit to the implementation): 2^31 - 1 keeps
 * every index, length and size a small integer and is far above any real header block.
 */
const INT_MAX = 0x7fffffff;

/** Continuation bytes allowed after a full prefix: 5 × 7 bits cover INT_MAX; more is padding abuse. */
const INT_MAX_CONTINUATION = 5;

/** Initial ring capacity (a power of two); it doubles as needed, up to the table size / 32 entries. */
const INITIAL_CAPACITY = 16;

/** One HPACK decoding context (one direction of one HTTP/2 connection). */
export class HpackDecoder {
  /** Largest size a table-size update may set (RFC 7541 §4.2, §6.3). */
  private readonly limit: number;
  /** Current maximum table size (the last size update, or the initial setting). */
  private max: number;
  /** Sum of entry sizes (§4.1). */
  private size = 0;
  /** Ring of entries: names[slot], values[slot]; the oldest at `first`, `count` entries in all. */
  private names: string[];
  private values: string[];
  /** Ring capacity - 1 (capacity is a power of two). */
  private mask: number;
  private first = 0;
  private count = 0;
  /** Set by the first decoding error; the context stays failed. */
  private failed = false;
  /** Read position after readInt / readString (avoids returning a pair). */
  private pos = 0;
  /** Name and value found by lookup(). */
  private foundName = "";
  private foundValue = "";

  /**
   * `maxTableSize`: SETTINGS_HEADER_TABLE_SIZE in force (default 4096); `cap`: the largest size a
   * table-size update may set (default 65536) — a passive observer does not see which settings were
   * acknowledged, so updates up to `cap` are accepted. The limit is the larger of the two; a value that
   * is not a non-negative integer below 2^31 falls back to its default.
   */
  constructor(maxTableSize = HPACK_DEFAULT_TABLE_SIZE, cap = HPACK_DEFAULT_TABLE_CAP) {
    this.max = sanitize(maxTableSize, HPACK_DEFAULT_TABLE_SIZE);
    this.limit = Math.max(this.max, sanitize(cap, HPACK_DEFAULT_TABLE_CAP));
    this.names = new Array<string>(INITIAL_CAPACITY).fill("");
    this.values = new Array<string>(INITIAL_CAPACITY).fill("");
    this.mask = INITIAL_CAPACITY - 1;
  }

  /** Dynamic table size in octets (RFC 7541 §4.1: sum of name + value lengths + 32 per entry). */
  get tableSize(): number {
    return this.size;
  }

  /** Number of dynamic table entries. */
  get tableLength(): number {
    return this.count;
  }

  /** Current maximum dynamic table size (initial setting or last size update). */
  get maxTableSize(): number {
    return this.max;
  }

  /** The dynamic table, newest entry (HPACK index 62) first; allocates — diagnostics and tests only. */
  dynamicEntries(): [name: string, value: string][] {
    const out: [string, string][] = [];
    for (let d = 1; d <= this.count; d++) {
      const slot = (this.first + this.count - d) & this.mask;
      out.push([this.names[slot]!, this.values[slot]!]);
    }
    return out;
  }

  /**
   * Decode one complete header block (HEADERS + CONTINUATION payloads, padding and priority removed);
   * calls onHeader for each field in order. Returns DECODE_OK or DECODE_COMPRESSION; after an error the
   * decoder stays failed (a connection error, RFC 7540 §4.3) and every later call returns
   * DECODE_COMPRESSION. Fields decoded before an error in the same block have already been reported.
   */
  decode(
    bytes: Uint8Array,
    start: number,
    end: number,
    onHeader: (name: string, value: string) => void,
  ): number {
    if (this.failed || !(start >= 0 && start <= end && end <= bytes.length)) {
      return this.fail();
    }
    // One Buffer view per block (none when `bytes` is a Buffer): literal strings are cut from it natively.
    const block = asBuffer(bytes);
    let p = start;
    let fields = false;
    while (p < end) {
      const b = block[p]!;
      if (b >= 0x80) {
        // §6.1 indexed field: 1xxxxxxx, 7-bit index; index 0 is an error.
        const index = this.readInt(block, p, end, 7);
        if (index <= 0 || !this.lookup(index)) {
          return this.fail();
        }
        p = this.pos;
        onHeader(this.foundName, this.foundValue);
        fields = true;
        continue;
      }
      if (b >= 0x20 && b < 0x40) {
        // §6.3 dynamic table size update: 001xxxxx, only before the block's first field (§4.2).
        const size = this.readInt(block, p, end, 5);
        if (fields || size < 0 || size > this.limit) {
          return this.fail();
        }
        p = this.pos;
        this.max = size;
        this.evictTo(size);
        continue;
      }
      // §6.2 literals: 01xxxxxx incremental indexing (6-bit name index), 0000xxxx without indexing and
      // 0001xxxx never indexed (4-bit name index); name index 0 means a literal name follows.
      const indexing = b >= 0x40;
      const nameIndex = this.readInt(block, p, end, indexing ? 6 : 4);
      if (nameIndex < 0) {
        return this.fail();
      }
      p = this.pos;
      let name: string;
      if (nameIndex === 0) {
        const literal = this.readString(block, p, end);
        if (literal === null) {
          return this.fail();
        }
        name = literal;
        p = this.pos;
      } else if (this.lookup(nameIndex)) {
        name = this.foundName;
      } else {
        return this.fail();
      }
      const value = this.readString(block, p, end);
      if (value === null) {
        return this.fail();
      }
      p = this.pos;
      if (indexing) {
        this.insert(name, value);
      }
      onHeader(name, value);
      fields = true;
    }
    return DECODE_OK;
  }

  /** Marks the context failed; returns DECODE_COMPRESSION. */
  private fail(): number {
    this.failed = true;
    return DECODE_COMPRESSION;
  }

  /**
   * §5.1 integer with an N-bit prefix starting at block[p]; sets this.pos after it. Returns -1 when the
   * bytes run out, more than INT_MAX_CONTINUATION bytes follow the prefix, or the value exceeds INT_MAX.
   */
  private readInt(block: Uint8Array, p: number, end: number, prefixBits: number): number {
    const prefixMax = (1 << prefixBits) - 1;
    let value = block[p]! & prefixMax;
    p++;
    if (value < prefixMax) {
      this.pos = p;
      return value;
    }
    let scale = 1;
    for (let k = 0; k < INT_MAX_CONTINUATION; k++) {
      if (p >= end) {
        return -1;
      }
      const b = block[p++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (value > INT_MAX) {
          return -1;
        }
        this.pos = p;
        return value;
      }
      scale *= 128;
    }
    return -1;
  }

  /** §5.2 string literal at block[p] (H bit + 7-bit length, then the octets); sets this.pos. */
  private readString(block: Buffer, p: number, end: number): string | null {
    if (p >= end) {
      return null;
    }
    const huffman = block[p]! >= 0x80;
    const len = this.readInt(block, p, end, 7);
    if (len < 0) {
      return null;
    }
    const from = this.pos;
    if (len > end - from) {
      return null;
    }
    this.pos = from + len;
    if (len === 0) {
      return "";
    }
    return huffman ? huffmanDecode(block, from, from + len) : latin1(block, from, from + len);
  }

  /** Sets foundName/foundValue for HPACK index `index` (§2.3.3); false when out of range. */
  private lookup(index: number): boolean {
    if (index <= STATIC_TABLE_LENGTH) {
      this.foundName = STATIC_NAMES[index]!;
      this.foundValue = STATIC_VALUES[index]!;
      return true;
    }
    const d = index - STATIC_TABLE_LENGTH;
    if (d > this.count) {
      return false;
    }
    const slot = (this.first + this.count - d) & this.mask;
    this.foundName = this.names[slot]!;
    this.foundValue = this.values[slot]!;
    return true;
  }

  /** §4.4: evict until the entry fits, then add it; an entry larger than the table empties it. */
  private insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.max) {
      this.evictTo(0);
      return;
    }
    this.evictTo(this.max - entrySize);
    if (this.count === this.names.length) {
      this.grow();
    }
    const slot = (this.first + this.count) & this.mask;
    this.names[slot] = name;
    this.values[slot] = value;
    this.count++;
    this.size += entrySize;
  }

  /** §4.3: evict oldest entries until the table size is at most `target`. */
  private evictTo(target: number): void {
    const names = this.names;
    const values = this.values;
    while (this.size > target && this.count > 0) {
      const slot = this.first;
      this.size -= names[slot]!.length + values[slot]!.length + ENTRY_OVERHEAD;
      names[slot] = "";
      values[slot] = "";
      this.first = (slot + 1) & this.mask;
      this.count--;
    }
  }

  /**
   * Doubles the ring, oldest entry first. Entries are at least 32 octets, so the ring never exceeds
   * twice max / 32 slots: rare, and bounded by the table size.
   */
  private grow(): void {
    const capacity = this.names.length * 2;
    const names = new Array<string>(capacity).fill("");
    const values = new Array<string>(capacity).fill("");
    for (let i = 0; i < this.count; i++) {
      const slot = (this.first + i) & this.mask;
      names[i] = this.names[slot]!;
      values[i] = this.values[slot]!;
    }
    this.names = names;
    this.values = values;
    this.mask = capacity - 1;
    this.first = 0;
  }
}

/** A non-negative integer setting, or `fallback` for anything else (NaN, negative, fractional). */
function sanitize(n: number, fallback: number): number {
  return Number.isInteger(n) && n >= 0 && n <= INT_MAX ? n : fallback;
}
