/**
 * @fileoverview Connection tracking: the CT_* state of each packet and the commit of new connections,
 * serving the SVC_CT_LOOKUP and SVC_CT_CREATE services. Semantics here; storage in table.ts.
 *
 * Per packet (cilium.md §4.1): lookup() finds the connection of the packet's 5-tuple in either
 * direction and says NEW / ESTABLISHED / REPLY / RELATED / REOPENED; it never creates. The program runs
 * policy for NEW and REOPENED (and re-checks ESTABLISHED), and after an allow calls create(), which
 * commits the connection in the packet's direction. Time is the packet timestamp in ns, so replay is
 * deterministic.
 *
 * Expiry. A record lives while now <= expiry (Cilium's GC deletes `lifetime < now`); expiry is
 * last packet + the timeout of the record's class (tcp.ts CLASS_*). A packet that finds an expired record
 * deletes it and is CT_NEW (lazy expiry). Each lookup/create also removes up to SWEEP_PER_CALL expired
 * records from the heads of the expiry lists, so expired records are reclaimed at least as fast as
 * create() adds them. When the table is full, create() removes the list head that expires soonest:
 * an expired one if there is one there, else (evictLive, the default) a live one, whose expiry is within
 * the class slack (min(1 s, timeout / 8)) of the soonest in the table; closed and half-open connections
 * therefore go before established ones. With evictLive off, create() removes only expired records (a
 * full scan, run only when some record may have expired) and otherwise fails with
 * CT_MAP_INSERTION_FAILED.
 *
 * Memory: one 64-byte slot per record (key, state, verdict, expiry, packet counts: everything a packet
 * touches) plus 20 B of side arrays (hash, creation time, list links) = 84 B per slot, and the slot
 * count is the power of two >= 2 * capacity: 168 B per entry at a power-of-two capacity, 10.5 MiB for
 * the default 65 536. Nothing is allocated after the constructor. If timestamps go backwards, expiry
 * on lookup stays exact; only the sweep order and the choice of eviction victim become approximate.
 *
 * Storage: everything a lookup reads or writes (records, counters, timeouts, the last matched verdict)
 * is in one region laid out by region.ts: an ArrayBuffer of its own, or part of a WebAssembly memory
 * passed to the constructor, where the generated lookup fast path (runtime/wasm/codegen-conntrack.ts)
 * handles the packets that need no list work and leaves the rest to lookup() here.
 */

import {
  CT_ESTABLISHED,
  CT_NEW,
  CT_RELATED,
  CT_REOPENED,
  CT_REPLY,
  F_CT_STATE,
  F_FLAGS,
  F_PROTO,
  F_SRC_IP6,
  F_TCP_FLAGS,
  PKT_REPLY,
} from "../context.js";
import { REASON_CT_MAP_INSERTION_FAILED } from "../verdict.js";
import { FlowTable, R_META, R_PACKETS, R_PORTS, REC_WORDS, VERDICT_LIMIT } from "./table.js";
import {
  CLASS_ANY,
  CLASS_CLOSE,
  CLASS_COUNT,
  CLASS_SYN,
  CLASS_TCP,
  tcpAdvance,
  tcpClass,
  tcpClosed,
  tcpReopens,
  tcpStateName,
} from "./tcp.js";
import { RG_CLASSES, RG_LAST_VERDICT, RG_STATS, RG_STATS_COUNT, RG_TIMEOUTS, regionBytes } from "./region.js";
import type { ConntrackMemory } from "./region.js";
import { DEFAULT_CAPACITY, DEFAULT_TIMEOUTS, MAX_CAPACITY, SWEEP_PER_CALL } from "./types.js";
import type { ConntrackCounters, ConntrackEntry, ConntrackOptions, ConntrackTimeouts } from "./types.js";

export { DEFAULT_CAPACITY, DEFAULT_TIMEOUTS, MAX_CAPACITY, SWEEP_PER_CALL } from "./types.js";
export type { ConntrackCounters, ConntrackEntry, ConntrackOptions, ConntrackTimeouts } from "./types.js";
import {
  contextPorts,
  hashTuple,
  IPPROTO_TCP,
  K_PORTS,
  K_PROTO,
  KEY_WORDS,
  PORTS_ICMP_ERROR,
  tupleFromIcmpError,
} from "./tuple.js";

// Counter slots in `stats` (region.ts RG_STATS).
const S_CREATED = 0;
const S_EXPIRED = 1;
const S_EVICTED = 2;
const S_REPLACED = 3;
const S_FAILED = 4;
const S_UNTRACKED = 5;
/** Counter slot of CT_* state 0 (the wasm fast path counts its lookups there too). */
export const S_LOOKUP = 6; // + CT_* state (0..4)

const NS_PER_S = 1e9;
/** Largest slack between a record's expiry and its place in the expiry list. */
const MAX_SLACK_NS = 1e9;

/** A bounded connection tracking table. */
export class Conntrack {
  /** Maximum number of entries. */
  readonly capacity: number;
  /** Timeouts in seconds as configured. */
  readonly timeouts: Readonly<ConntrackTimeouts>;
  private readonly evictLive: boolean;
  private readonly table: FlowTable;
  /** Timeout per class in ns. */
  private readonly timeoutNs: Float64Array;
  private readonly key = new Uint32Array(KEY_WORDS);
  private readonly stats: Float64Array;
  /** [0]: the verdict the last lookup's match remembered. */
  private readonly lastVerdict: Uint32Array;
  /** The whole region (region.ts). */
  private readonly bytes: Uint8Array;

  /**
   * A table for `capacity` entries with the given timeouts; throws RangeError on invalid options. With
   * `memory` (a zeroed region.ts region for the same capacity) the table lives there, else in a buffer
   * of its own.
   */
  constructor(options: ConntrackOptions = {}, memory?: ConntrackMemory) {
    const capacity = options.capacity ?? DEFAULT_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw new RangeError(`conntrack capacity must be an integer in 1..${MAX_CAPACITY}, got ${capacity}`);
    }
    const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    for (const [name, seconds] of Object.entries(timeouts)) {
      if (!Number.isFinite(seconds) || seconds <= 0) {
        throw new RangeError(
          `conntrack timeout ${name} must be a positive number of seconds, got ${seconds}`,
        );
      }
    }
    this.capacity = capacity;
    this.timeouts = timeouts;
    this.evictLive = options.evictLive ?? true;
    if (memory !== undefined && memory.capacity !== capacity) {
      throw new RangeError(`conntrack memory is for capacity ${memory.capacity}, not ${capacity}`);
    }
    const region = memory ?? { buffer: new ArrayBuffer(regionBytes(capacity)), byteOffset: 0, capacity };
    const { buffer, byteOffset } = region;
    this.timeoutNs = new Float64Array(buffer, byteOffset + RG_TIMEOUTS, RG_CLASSES);
    this.stats = new Float64Array(buffer, byteOffset + RG_STATS, RG_STATS_COUNT);
    this.lastVerdict = new Uint32Array(buffer, byteOffset + RG_LAST_VERDICT, 1);
    this.bytes = new Uint8Array(buffer, byteOffset, regionBytes(capacity));
    this.timeoutNs[CLASS_SYN] = timeouts.tcpSyn * NS_PER_S;
    this.timeoutNs[CLASS_TCP] = timeouts.tcp * NS_PER_S;
    this.timeoutNs[CLASS_CLOSE] = timeouts.tcpFin * NS_PER_S;
    this.timeoutNs[CLASS_ANY] = timeouts.any * NS_PER_S;
    this.table = new FlowTable(
      capacity,
      Array.from(this.timeoutNs.subarray(0, CLASS_COUNT), (t) => Math.min(MAX_SLACK_NS, t / 8)),
      region,
    );
    this.stats.fill(0);
    this.lastVerdict[0] = 0;
  }

  /** Entries in use (including expired ones not yet swept). */
  get size(): number {
    return this.table.used;
  }

  /** Bytes of typed arrays the table holds; fixed at construction. */
  get memoryBytes(): number {
    return this.table.memoryBytes;
  }

  /**
   * The storage region's bytes (region.ts), live: for tests that compare two tables bit for bit (the
   * same operations leave the same bytes, list order and stale slots included) and for dumps. Read only.
   */
  get storage(): Uint8Array {
    return this.bytes;
  }

  /** The verdict create() had remembered for the connection the last lookup() matched; 0 when none. */
  get matchedVerdict(): number {
    return this.lastVerdict[0]!;
  }

  /** Remove every entry and reset the counters. */
  clear(): void {
    this.table.clear();
    this.stats.fill(0);
    this.lastVerdict[0] = 0;
  }

  /**
   * The CT_* state of the packet in `ctx` (parsed from `frame`, where the packet starts at byte
   * `frameBase`; only ICMP errors read it) at time `nowNs`. Writes ctx[F_CT_STATE],
   * sets PKT_REPLY in ctx[F_FLAGS] for replies (and for ICMP errors travelling back towards a
   * connection's originator) and clears it otherwise, and advances the matched entry's TCP state,
   * expiry and packet count. Never creates an entry; never throws.
   *
   *   CT_NEW         no live entry (also: untrackable packets, unknown ICMP errors)
   *   CT_ESTABLISHED entry found in the original direction
   *   CT_REPLY       entry found in the reply direction
   *   CT_RELATED     an ICMP error quoting a packet of a tracked connection (entry not refreshed)
   *   CT_REOPENED    a SYN on a closing TCP entry: the old entry is removed and create() commits the new
   *                  connection in this packet's direction if the policy allows it
   */
  lookup(ctx: Uint32Array, frame: Uint8Array, nowNs: number, frameBase = 0): number {
    const now = nowNs === nowNs ? nowNs : 0; // NaN would make an entry immortal.
    const table = this.table;
    if (table.due(now)) {
      this.stats[S_EXPIRED]! += table.sweep(now, SWEEP_PER_CALL);
    }
    const ports = contextPorts(ctx);
    let result = CT_NEW;
    let reply = false;
    let verdict = 0;
    if (ports >= 0) {
      const proto = ctx[F_PROTO]!;
      const found = table.find(ctx, F_SRC_IP6, ports, proto, hashTuple(ctx, F_SRC_IP6, ports, proto));
      if (found >= 0) {
        const s = found >> 1;
        reply = (found & 1) === 1;
        if (now > table.expiry(s)) {
          table.remove(s);
          this.stats[S_EXPIRED]!++;
          reply = false;
        } else if (proto === IPPROTO_TCP) {
          const flags = ctx[F_TCP_FLAGS]!;
          const state = table.state(s);
          if (tcpReopens(state, flags)) {
            table.remove(s);
            this.stats[S_REPLACED]!++;
            result = CT_REOPENED;
            reply = false;
          } else {
            if (tcpClosed(state)) {
              table.count(s, reply);
            } else {
              const next = tcpAdvance(state, flags, reply);
              const cls = tcpClass(next);
              table.update(s, next, cls, now + this.timeoutNs[cls]!, reply);
            }
            verdict = table.verdict(s);
            result = reply ? CT_REPLY : CT_ESTABLISHED;
          }
        } else {
          table.update(s, 0, CLASS_ANY, now + this.timeoutNs[CLASS_ANY]!, reply);
          verdict = table.verdict(s);
          result = reply ? CT_REPLY : CT_ESTABLISHED;
        }
      }
    } else if (ports === PORTS_ICMP_ERROR) {
      const key = this.key;
      if (tupleFromIcmpError(ctx, frame, key, frameBase)) {
        const kp = key[K_PORTS]!;
        const kproto = key[K_PROTO]!;
        const found = table.find(key, 0, kp, kproto, hashTuple(key, 0, kp, kproto));
        if (found >= 0) {
          const s = found >> 1;
          if (now > table.expiry(s)) {
            table.remove(s);
            this.stats[S_EXPIRED]!++;
          } else {
            // The quoted packet went in the original direction: the error travels back to the originator.
            reply = (found & 1) === 0;
            verdict = table.verdict(s);
            result = CT_RELATED;
          }
        }
      }
    } else {
      this.stats[S_UNTRACKED]!++;
    }
    const f = ctx[F_FLAGS]!;
    ctx[F_FLAGS] = reply ? f | PKT_REPLY : f & ~PKT_REPLY;
    ctx[F_CT_STATE] = result;
    this.stats[S_LOOKUP + result]!++;
    this.lastVerdict[0] = verdict;
    return result;
  }

  /**
   * Commit the packet's connection in its direction after the policy allowed it, remembering `verdict`
   * (its low 15 bits: Hubble verdicts are 0..7).
   * Returns 0, or REASON_CT_MAP_INSERTION_FAILED when the table is full, nothing has expired and
   * eviction of live entries is off. A connection already tracked is left as it is (its verdict is
   * updated when tracked in this direction); untrackable packets and ICMP errors commit nothing and
   * return 0. A TCP connection picked up mid-stream (first packet without SYN) starts established.
   */
  create(ctx: Uint32Array, nowNs: number, verdict = 0): number {
    const now = nowNs === nowNs ? nowNs : 0;
    const table = this.table;
    if (table.due(now)) {
      this.stats[S_EXPIRED]! += table.sweep(now, SWEEP_PER_CALL);
    }
    const ports = contextPorts(ctx);
    if (ports < 0) {
      return 0;
    }
    const proto = ctx[F_PROTO]!;
    const hash = hashTuple(ctx, F_SRC_IP6, ports, proto);
    const found = table.find(ctx, F_SRC_IP6, ports, proto, hash);
    if (found >= 0) {
      const s = found >> 1;
      if (now <= table.expiry(s)) {
        if ((found & 1) === 0) {
          table.setVerdict(s, verdict & VERDICT_LIMIT);
        }
        return 0;
      }
      table.remove(s);
      this.stats[S_EXPIRED]!++;
    }
    if (table.used === this.capacity && !this.makeRoom(now)) {
      this.stats[S_FAILED]!++;
      return REASON_CT_MAP_INSERTION_FAILED;
    }
    let state = 0;
    let cls = CLASS_ANY;
    if (proto === IPPROTO_TCP) {
      state = tcpAdvance(0, ctx[F_TCP_FLAGS]!, false);
      cls = tcpClass(state);
    }
    table.insert(
      ctx,
      F_SRC_IP6,
      ports,
      proto,
      hash,
      state,
      cls,
      now + this.timeoutNs[cls]!,
      now,
      verdict & VERDICT_LIMIT,
    );
    this.stats[S_CREATED]!++;
    return 0;
  }

  /** Remove up to `budget` expired entries from the heads of the expiry lists; returns how many. */
  sweep(nowNs: number, budget: number): number {
    const removed = this.table.sweep(nowNs, budget);
    this.stats[S_EXPIRED]! += removed;
    return removed;
  }

  /** A copy of the counters. */
  get counters(): ConntrackCounters {
    const s = this.stats;
    return {
      entries: this.table.used,
      capacity: this.capacity,
      created: s[S_CREATED]!,
      expired: s[S_EXPIRED]!,
      evicted: s[S_EVICTED]!,
      replaced: s[S_REPLACED]!,
      insertionFailures: s[S_FAILED]!,
      untracked: s[S_UNTRACKED]!,
      lookups: {
        new: s[S_LOOKUP + CT_NEW]!,
        established: s[S_LOOKUP + CT_ESTABLISHED]!,
        reply: s[S_LOOKUP + CT_REPLY]!,
        related: s[S_LOOKUP + CT_RELATED]!,
        reopened: s[S_LOOKUP + CT_REOPENED]!,
      },
    };
  }

  /** The entries in slot order; with `nowNs`, only those still live at that time. */
  *entries(nowNs?: number): Generator<ConntrackEntry> {
    const t = this.table;
    const rec = t.rec;
    for (let s = 0; s <= t.mask; s++) {
      const b = s * REC_WORDS;
      const meta = rec[b + R_META]!;
      if (meta === 0 || (nowNs !== undefined && nowNs > t.expiry(s))) {
        continue;
      }
      const ports = rec[b + R_PORTS]!;
      const proto = meta & 0xff;
      yield {
        proto,
        srcAddr: [rec[b]!, rec[b + 1]!, rec[b + 2]!, rec[b + 3]!],
        dstAddr: [rec[b + 4]!, rec[b + 5]!, rec[b + 6]!, rec[b + 7]!],
        srcPort: ports >>> 16,
        dstPort: ports & 0xffff,
        tcpState: proto === IPPROTO_TCP ? tcpStateName(t.state(s)) : "none",
        expiresNs: t.expiry(s),
        createdNs: t.created[s]!,
        packetsOriginal: rec[b + R_PACKETS]!,
        packetsReply: rec[b + R_PACKETS + 1]!,
        verdict: t.verdict(s),
      };
    }
  }

  /** All entries as an array (see entries()). */
  snapshot(nowNs?: number): ConntrackEntry[] {
    return [...this.entries(nowNs)];
  }

  /**
   * Check the internal invariants (every entry reachable from its home slot, stored hashes, expiry
   * lists, counters); returns a description of the first violation or "" when sound. O(slots); for tests.
   */
  audit(): string {
    const problem = this.table.audit(hashTuple);
    if (problem !== "") {
      return problem;
    }
    const s = this.stats;
    if (this.table.used !== s[S_CREATED]! - s[S_EXPIRED]! - s[S_EVICTED]! - s[S_REPLACED]!) {
      return "counters do not add up to the entry count";
    }
    return "";
  }

  /** Free a slot in a full table; false when only live entries remain and eviction is off. */
  private makeRoom(now: number): boolean {
    const table = this.table;
    const s = table.soonest();
    if (now > table.expiry(s)) {
      table.remove(s);
      this.stats[S_EXPIRED]!++;
      return true;
    }
    if (this.evictLive) {
      table.remove(s);
      this.stats[S_EVICTED]!++;
      return true;
    }
    if (table.mayHaveExpired(now)) {
      const removed = table.sweepAll(now);
      this.stats[S_EXPIRED]! += removed;
      return removed > 0;
    }
    return false;
  }
}
