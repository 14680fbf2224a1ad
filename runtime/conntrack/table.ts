/**
 * @fileoverview The storage behind conntrack: an open-addressing hash table whose slots are the entry
 * records themselves (one 64-byte cache line each), plus one expiry list per timeout class. Knows
 * tuples and times, not TCP or CT_* states (conntrack.ts does).
 *
 * Slot layout (REC_WORDS 32-bit words; a Uint32Array and a Float64Array view the same buffer):
 *   0..7   source and destination address (tuple.ts layout)
 *   8      sport << 16 | dport
 *   9      meta: protocol | state << 8 | class << 14 | OCCUPIED | verdict << 17
 *   10..11 expiry in ns (f64)          12..13  filed expiry in ns (f64)
 *   14, 15 packets in the original / reply direction (wrapping at 2^32)
 * Everything a packet reads or writes is in that one line; the list links, the tuple hash and the
 * creation time live in side arrays touched only when a record is filed, moved or listed. Probing is
 * linear from `hash & mask`; the slot count is the power of two >= 2 * capacity, so the load stays at
 * or below 1/2. Deletion shifts later members of the cluster back into the hole (no tombstones), moving
 * whole records and fixing the links that point at them.
 *
 * Expiry lists. A record is appended to its class's list when created, when its class changes, and when
 * a refresh pushes its expiry more than the class's slack past the value it was filed with. Appends
 * happen at time `now` with expiry now + timeout, so with non-decreasing packet time each list is in
 * filed-expiry order and each record's expiry is at most slack past its filed value: a list head
 * expires within slack of the soonest record of its class, and a busy flow is re-filed once per slack
 * instead of on every packet.
 *
 * All of it (records, side arrays, list heads and tails, the dueAt and floor bounds, the slacks) lives in a region laid out
 * by region.ts, which may be part of a WebAssembly memory whose code updates records in place.
 */

import { HEADER_BYTES, RG_DUE_AT, RG_HEAD, RG_SLACK, RG_TAIL, regionParts, tableSlots } from "./region.js";
import type { ConntrackMemory } from "./region.js";

/** Words per slot (64 bytes). */
export const REC_WORDS = 16;
/** Slot word holding `sport << 16 | dport`. */
export const R_PORTS = 8;
/** Slot word holding protocol, state, class and OCCUPIED. */
export const R_META = 9;
/** Float64 index of the expiry within a slot (words 10..11). */
export const F_EXPIRY = 5;
/** Float64 index of the filed expiry (words 12..13). */
export const F_FILED = 6;
/** Slot word counting packets in the original direction (R_PACKETS + 1: reply direction); wraps at 2^32. */
export const R_PACKETS = 14;

/** Meta bit of an occupied slot (an empty slot's meta is 0). */
export const OCCUPIED = 1 << 16;
/** State bits stored per record. */
export const STATE_MASK = 0x3f;
/** Meta bits below the verdict. */
export const VERDICT_SHIFT = 17;
/** Largest verdict a record remembers (15 bits; Hubble verdicts are 0..7). */
export const VERDICT_LIMIT = 0x7fff;

/** Meta bits update() keeps: protocol and verdict. */
export const KEEP_BITS = 0xff | (VERDICT_LIMIT << VERDICT_SHIFT);

/** Link value meaning "no slot". */
export const NO_SLOT = -1;

/** The table. A removal may move records between slots: callers re-find after removing. */
export class FlowTable {
  /** Maximum number of records. */
  readonly capacity: number;
  /** Slot count - 1. */
  readonly mask: number;
  /** Slot words. */
  readonly rec: Uint32Array;
  /** Float64 view of the same slots. */
  readonly recF: Float64Array;
  /** Tuple hash per slot. */
  private readonly hash: Int32Array;
  /** Creation time per slot. */
  readonly created: Float64Array;
  /** [2s] previous, [2s+1] next slot on the class list (NO_SLOT at the ends). */
  private readonly links: Int32Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  /** Re-file threshold per class, ns. */
  private readonly slackNs: Float64Array;
  /** Records in use. */
  used = 0;
  /**
   * [0] dueAt: no list head expires before this time (a lower bound; -Infinity forces a check);
   * [1] floor: no record expires before this time (a lower bound, exact after sweepAll). In the region
   * (region.ts) because the wasm lookup fast path reads dueAt and lowers both.
   */
  private readonly bounds: Float64Array;

  /**
   * A table for `capacity` records, one expiry list per entry of `slackNs` (the classes), stored in the
   * region `memory` (sized by region.ts regionBytes for `capacity`).
   */
  constructor(capacity: number, slackNs: readonly number[], memory: ConntrackMemory) {
    if (slackNs.length > 4) {
      throw new RangeError("a record stores its class in 2 bits: at most 4 classes");
    }
    const slots = tableSlots(capacity);
    this.capacity = capacity;
    this.mask = slots - 1;
    const { buffer, byteOffset: at } = memory;
    const parts = regionParts(slots);
    this.rec = new Uint32Array(buffer, at + HEADER_BYTES, slots * REC_WORDS);
    this.recF = new Float64Array(buffer, at + HEADER_BYTES, (slots * REC_WORDS) / 2);
    this.hash = new Int32Array(buffer, at + parts.hash, slots);
    this.created = new Float64Array(buffer, at + parts.created, slots);
    this.links = new Int32Array(buffer, at + parts.links, 2 * slots);
    this.head = new Int32Array(buffer, at + RG_HEAD, slackNs.length);
    this.tail = new Int32Array(buffer, at + RG_TAIL, slackNs.length);
    this.slackNs = new Float64Array(buffer, at + RG_SLACK, slackNs.length);
    this.slackNs.set(slackNs);
    this.bounds = new Float64Array(buffer, at + RG_DUE_AT, 2);
    this.clear();
  }

  /** Bytes of typed arrays held (fixed at construction). */
  get memoryBytes(): number {
    return this.rec.byteLength + this.hash.byteLength + this.created.byteLength + this.links.byteLength;
  }

  /** Empty the table. */
  clear(): void {
    this.rec.fill(0);
    this.head.fill(NO_SLOT);
    this.tail.fill(NO_SLOT);
    this.used = 0;
    this.bounds[0] = Number.NEGATIVE_INFINITY;
    this.bounds[1] = Number.POSITIVE_INFINITY;
  }

  /** Expiry of slot `s`. */
  expiry(s: number): number {
    return this.recF[s * (REC_WORDS / 2) + F_EXPIRY]!;
  }

  /** State bits of slot `s`. */
  state(s: number): number {
    return (this.rec[s * REC_WORDS + R_META]! >>> 8) & STATE_MASK;
  }

  /** Verdict remembered for slot `s`. */
  verdict(s: number): number {
    return this.rec[s * REC_WORDS + R_META]! >>> VERDICT_SHIFT;
  }

  /** Remember `verdict` (0..VERDICT_LIMIT) for slot `s`. */
  setVerdict(s: number, verdict: number): void {
    const b = s * REC_WORDS + R_META;
    this.rec[b] = (this.rec[b]! & ((1 << VERDICT_SHIFT) - 1)) | (verdict << VERDICT_SHIFT);
  }

  /** Timeout class of slot `s`. */
  classOf(s: number): number {
    return (this.rec[s * REC_WORDS + R_META]! >>> 14) & 3;
  }

  /**
   * Slot * 2 (+1 when the tuple is the record's reverse) of the record for the tuple (addresses at
   * words[base..base+7], `ports`, `proto`) with hash `hash`, or -1.
   */
  find(words: Uint32Array, base: number, ports: number, proto: number, hash: number): number {
    const rec = this.rec;
    const mask = this.mask;
    const s0 = words[base]!;
    const s1 = words[base + 1]!;
    const s2 = words[base + 2]!;
    const s3 = words[base + 3]!;
    const d0 = words[base + 4]!;
    const d1 = words[base + 5]!;
    const d2 = words[base + 6]!;
    const d3 = words[base + 7]!;
    const swapped = ((ports >>> 16) | (ports << 16)) >>> 0;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const b = s * REC_WORDS;
      const meta = rec[b + R_META]!;
      if (meta === 0) {
        return -1;
      }
      if ((meta & 0xff) !== proto) {
        continue;
      }
      const p = rec[b + R_PORTS]!;
      if (
        p === ports &&
        rec[b + 3] === s3 &&
        rec[b + 7] === d3 &&
        rec[b] === s0 &&
        rec[b + 4] === d0 &&
        rec[b + 1] === s1 &&
        rec[b + 2] === s2 &&
        rec[b + 5] === d1 &&
        rec[b + 6] === d2
      ) {
        return s << 1;
      }
      if (
        p === swapped &&
        rec[b + 3] === d3 &&
        rec[b + 7] === s3 &&
        rec[b] === d0 &&
        rec[b + 4] === s0 &&
        rec[b + 1] === d1 &&
        rec[b + 2] === d2 &&
        rec[b + 5] === s1 &&
        rec[b + 6] === s2
      ) {
        return (s << 1) | 1;
      }
    }
  }

  /**
   * Store a new record for the tuple (the caller made sure `used < capacity` and it is absent), count
   * its first packet and file it on list `cls`; returns its slot.
   */
  insert(
    words: Uint32Array,
    base: number,
    ports: number,
    proto: number,
    hash: number,
    state: number,
    cls: number,
    expiry: number,
    now: number,
    verdict: number,
  ): number {
    const rec = this.rec;
    let s = hash & this.mask;
    while (rec[s * REC_WORDS + R_META] !== 0) {
      s = (s + 1) & this.mask;
    }
    const b = s * REC_WORDS;
    for (let w = 0; w < 8; w++) {
      rec[b + w] = words[base + w]!;
    }
    rec[b + R_PORTS] = ports;
    rec[b + R_META] =
      (proto & 0xff) | ((state & STATE_MASK) << 8) | (cls << 14) | OCCUPIED | (verdict << VERDICT_SHIFT);
    rec[b + R_PACKETS] = 1;
    rec[b + R_PACKETS + 1] = 0;
    this.recF[s * (REC_WORDS / 2) + F_EXPIRY] = expiry;
    this.hash[s] = hash;
    this.created[s] = now;
    this.append(s, cls, expiry);
    this.used++;
    if (expiry < this.bounds[1]!) {
      this.bounds[1] = expiry;
    }
    return s;
  }

  /**
   * Set slot `s`'s state bits, class and expiry and count a packet (`reply` direction or not), re-filing
   * the record when its class changes or its expiry drifted more than the slack past its filed value.
   */
  update(s: number, state: number, cls: number, expiry: number, reply: boolean): void {
    const rec = this.rec;
    const b = s * REC_WORDS;
    const meta = rec[b + R_META]!;
    const old = (meta >>> 14) & 3;
    rec[b + R_META] = (meta & KEEP_BITS) | ((state & STATE_MASK) << 8) | (cls << 14) | OCCUPIED;
    rec[b + R_PACKETS + (reply ? 1 : 0)]!++;
    this.recF[s * (REC_WORDS / 2) + F_EXPIRY] = expiry;
    if (expiry < this.bounds[1]!) {
      this.bounds[1] = expiry;
    }
    if (old !== cls) {
      this.unlink(s, old);
      this.append(s, cls, expiry);
    } else if (expiry - this.recF[s * (REC_WORDS / 2) + F_FILED]! > this.slackNs[cls]!) {
      if (this.tail[cls] !== s) {
        this.unlink(s, cls);
        this.append(s, cls, expiry);
      } else {
        this.recF[s * (REC_WORDS / 2) + F_FILED] = expiry;
      }
    } else if (expiry < this.bounds[0]!) {
      this.bounds[0] = expiry; // packet time went backwards
    }
  }

  /** Count a packet for slot `s` without changing anything else (closed TCP connections). */
  count(s: number, reply: boolean): void {
    this.rec[s * REC_WORDS + R_PACKETS + (reply ? 1 : 0)]!++;
  }

  /** Whether some list head may have expired by `now`: a cheap pre-check for sweep(). */
  due(now: number): boolean {
    return now > this.bounds[0]!;
  }

  /** The list head that expires soonest (ties to the lower class), or NO_SLOT when empty. */
  soonest(): number {
    let best = NO_SLOT;
    let bestExpiry = Number.POSITIVE_INFINITY;
    for (let c = 0; c < this.head.length; c++) {
      const h = this.head[c]!;
      if (h !== NO_SLOT && (best === NO_SLOT || this.expiry(h) < bestExpiry)) {
        best = h;
        bestExpiry = this.expiry(h);
      }
    }
    this.bounds[0] = bestExpiry;
    return best;
  }

  /**
   * Remove up to `budget` records that expired before `now`, taking list heads soonest first (a record
   * that expired behind a live head waits at most the slack). Returns how many were removed.
   */
  sweep(now: number, budget: number): number {
    let removed = 0;
    while (removed < budget) {
      const s = this.soonest();
      if (s === NO_SLOT || !(now > this.expiry(s))) {
        break;
      }
      this.remove(s);
      removed++;
    }
    return removed;
  }

  /** Whether some record may have expired by `now` (sweepAll would find something). */
  mayHaveExpired(now: number): boolean {
    return now > this.bounds[1]!;
  }

  /** Remove every record that expired before `now` by scanning all slots; O(slots). */
  sweepAll(now: number): number {
    let removed = 0;
    let floor = Number.POSITIVE_INFINITY;
    for (let s = 0; s <= this.mask; s++) {
      // A removal shifts a later record into `s`: look at the same slot again. Records shifted from the
      // start of the array to its end are seen twice, which is harmless.
      while (this.rec[s * REC_WORDS + R_META] !== 0 && now > this.expiry(s)) {
        this.remove(s);
        removed++;
      }
      if (this.rec[s * REC_WORDS + R_META] !== 0 && this.expiry(s) < floor) {
        floor = this.expiry(s);
      }
    }
    this.bounds[1] = floor;
    this.bounds[0] = Number.NEGATIVE_INFINITY;
    return removed;
  }

  /** Delete the record in slot `s`: unlink it, then shift later members of its cluster back. */
  remove(s: number): void {
    const rec = this.rec;
    const mask = this.mask;
    this.unlink(s, this.classOf(s));
    let hole = s;
    for (let j = (s + 1) & mask; rec[j * REC_WORDS + R_META] !== 0; j = (j + 1) & mask) {
      const home = this.hash[j]! & mask;
      if (((j - home) & mask) >= ((j - hole) & mask)) {
        this.move(j, hole);
        hole = j;
      }
    }
    rec[hole * REC_WORDS + R_META] = 0;
    this.used--;
  }

  /** Move the record in slot `from` to the empty slot `to`, fixing the links that point at it. */
  private move(from: number, to: number): void {
    this.rec.copyWithin(to * REC_WORDS, from * REC_WORDS, (from + 1) * REC_WORDS);
    this.hash[to] = this.hash[from]!;
    this.created[to] = this.created[from]!;
    const links = this.links;
    const p = links[2 * from]!;
    const n = links[2 * from + 1]!;
    links[2 * to] = p;
    links[2 * to + 1] = n;
    const cls = this.classOf(to);
    if (p !== NO_SLOT) {
      links[2 * p + 1] = to;
    } else {
      this.head[cls] = to;
    }
    if (n !== NO_SLOT) {
      links[2 * n] = to;
    } else {
      this.tail[cls] = to;
    }
  }

  private append(s: number, cls: number, expiry: number): void {
    const links = this.links;
    const t = this.tail[cls]!;
    this.recF[s * (REC_WORDS / 2) + F_FILED] = expiry;
    links[2 * s] = t;
    links[2 * s + 1] = NO_SLOT;
    if (t !== NO_SLOT) {
      links[2 * t + 1] = s;
    } else {
      this.head[cls] = s;
      if (expiry < this.bounds[0]!) {
        this.bounds[0] = expiry;
      }
    }
    this.tail[cls] = s;
  }

  private unlink(s: number, cls: number): void {
    const links = this.links;
    const p = links[2 * s]!;
    const n = links[2 * s + 1]!;
    if (p !== NO_SLOT) {
      links[2 * p + 1] = n;
    } else {
      this.head[cls] = n;
      this.bounds[0] = Number.NEGATIVE_INFINITY; // a new head, whose expiry is not looked at here
    }
    if (n !== NO_SLOT) {
      links[2 * n] = p;
    } else {
      this.tail[cls] = p;
    }
  }

  /** Check slots, index reachability, stored hashes and lists; "" when sound. O(slots). */
  audit(hashOf: (words: Uint32Array, base: number, ports: number, proto: number) => number): string {
    const rec = this.rec;
    let occupied = 0;
    for (let s = 0; s <= this.mask; s++) {
      if (rec[s * REC_WORDS + R_META] === 0) {
        continue;
      }
      occupied++;
      const b = s * REC_WORDS;
      if (hashOf(rec, b, rec[b + R_PORTS]!, rec[b + R_META]! & 0xff) !== this.hash[s]) {
        return `slot ${s}: stored hash does not match the key`;
      }
      for (let j = this.hash[s]! & this.mask; j !== s; j = (j + 1) & this.mask) {
        if (rec[j * REC_WORDS + R_META] === 0) {
          return `slot ${s} is cut off from its home slot by empty slot ${j}`;
        }
      }
    }
    if (occupied !== this.used || this.used > this.capacity) {
      return `${occupied} occupied slots, used ${this.used}, capacity ${this.capacity}`;
    }
    let listed = 0;
    for (let c = 0; c < this.head.length; c++) {
      let p = NO_SLOT;
      for (let s = this.head[c]!; s !== NO_SLOT; s = this.links[2 * s + 1]!) {
        if (
          rec[s * REC_WORDS + R_META] === 0 ||
          this.classOf(s) !== c ||
          this.links[2 * s] !== p ||
          ++listed > this.used
        ) {
          return `class list ${c} is broken at slot ${s}`;
        }
        p = s;
      }
      if (this.tail[c] !== p) {
        return `class list ${c} has a wrong tail`;
      }
    }
    return listed === this.used ? "" : `lists hold ${listed} records, used is ${this.used}`;
  }
}
