/**
 * @fileoverview The public shapes of the conntrack API (options, counters, entries) and its defaults
 * and limits, apart from the table so that callers and docs can read them alone.
 */

import type { TcpStateName } from "./tcp.js";

/** Timeouts in seconds, named after Cilium's `bpf-ct-timeout-regular-*` options. */
export interface ConntrackTimeouts {
  /** Established TCP connection, refreshed by every packet (`bpf-ct-timeout-regular-tcp`). */
  readonly tcp: number;
  /** TCP connection before the first packet without SYN (`bpf-ct-timeout-regular-tcp-syn`). */
  readonly tcpSyn: number;
  /** TCP connection after both FINs or an RST, not refreshed (`bpf-ct-timeout-regular-tcp-fin`). */
  readonly tcpFin: number;
  /** Any other protocol, refreshed by every packet (`bpf-ct-timeout-regular-any`). */
  readonly any: number;
}

/** Cilium's defaults (cilium.md §6). */
export const DEFAULT_TIMEOUTS: Readonly<ConntrackTimeouts> = { tcp: 8000, tcpSyn: 60, tcpFin: 10, any: 60 };

/** Default capacity: 65 536 entries (10.5 MiB); Cilium's own TCP map defaults to 524 288. */
export const DEFAULT_CAPACITY = 65_536;

/** Largest capacity: 2^22 entries take 672 MiB of typed arrays (8x Cilium's TCP default). */
export const MAX_CAPACITY = 1 << 22;

/** Expired entries removed per lookup/create: 2 outpaces the at most one entry each call can add. */
export const SWEEP_PER_CALL = 2;

/** Constructor options. */
export interface ConntrackOptions {
  /** Maximum number of entries, 1..MAX_CAPACITY (default DEFAULT_CAPACITY). */
  readonly capacity?: number;
  /** Timeouts in seconds; missing ones take DEFAULT_TIMEOUTS. */
  readonly timeouts?: Partial<ConntrackTimeouts>;
  /**
   * When full and nothing has expired, evict a live entry that expires soonest (within the class slack;
   * default true, as Cilium's LRU-hash conntrack maps evict). When false, create() fails with
   * CT_MAP_INSERTION_FAILED instead.
   */
  readonly evictLive?: boolean;
}

/** Table counters; `entries === created - expired - evicted - replaced` always holds. */
export interface ConntrackCounters {
  /** Entries in use (including expired ones not yet swept). */
  readonly entries: number;
  /** Maximum number of entries. */
  readonly capacity: number;
  /** Entries inserted by create(). */
  readonly created: number;
  /** Entries removed because their timeout passed (lazily, by the sweep, or to make room). */
  readonly expired: number;
  /** Live entries removed to make room for a new one. */
  readonly evicted: number;
  /** Closing entries removed because a SYN reopened the connection (lookup returned CT_REOPENED). */
  readonly replaced: number;
  /** create() calls that failed with CT_MAP_INSERTION_FAILED. */
  readonly insertionFailures: number;
  /** lookup() calls for packets that cannot be tracked (non-IP, malformed, non-first fragment, no L4). */
  readonly untracked: number;
  /** lookup() results by CT_* state (untracked packets count as new). */
  readonly lookups: {
    readonly new: number;
    readonly established: number;
    readonly reply: number;
    readonly related: number;
    readonly reopened: number;
  };
}

/** One tracked connection, as snapshot() and entries() report it. */
export interface ConntrackEntry {
  /** IP protocol. */
  readonly proto: number;
  /** Originator's address, 4 words, IPv4-mapped for IPv4. */
  readonly srcAddr: readonly number[];
  /** Responder's address, 4 words. */
  readonly dstAddr: readonly number[];
  /** Originator's port (ICMP echo: 0). */
  readonly srcPort: number;
  /** Responder's port (ICMP echo: the echo identifier). */
  readonly dstPort: number;
  /** TCP state, or "none" for other protocols. */
  readonly tcpState: TcpStateName | "none";
  /** Time after which the entry is expired, in ns. */
  readonly expiresNs: number;
  /** Time of the packet that created it, in ns. */
  readonly createdNs: number;
  /** Packets seen in the original direction (wraps at 2^32). */
  readonly packetsOriginal: number;
  /** Packets seen in the reply direction (wraps at 2^32). */
  readonly packetsReply: number;
  /** Value passed to create() (SVC_CT_CREATE's r1, the verdict to remember), low 15 bits. */
  readonly verdict: number;
}
