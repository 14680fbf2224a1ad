/**
 * @fileoverview The L7 datapath's connections: per redirected connection, the rule set it was
 * redirected to, per-direction reassembly, the decoders, and what the verdict of its packets was.
 *
 * Connections are keyed by their 5-tuple as the request direction sees it (source = client): a 32-bit
 * hash of the tuple words picks a chain in a Map, and the chain is searched by comparing the stored
 * tuple (no key string is built per packet). The table is bounded: when it is full, the connection idle
 * longest is evicted. LRU order lives in a second Map keyed by the connection object (an identity hash),
 * refreshed when a connection is seen again after TOUCH_EVERY_NS, so its first entry is the least
 * recently used to within that time. A connection also goes when both sides sent FIN, on RST, or when
 * idle longer than the idle timeout (checked when it is next seen, and for a few entries at the head per
 * new connection).
 */

import { F_DST_IP6, F_DST_PORT, F_PROTO, F_SRC_IP6, F_SRC_PORT } from "../../context.js";
import type { L7RuleSet } from "../rule-set.js";
import type { StreamDecoder } from "../stream/decoder.js";
import type { TcpReassembler } from "./reassembly.js";

/** How stale a connection's place in the LRU order may get before a packet refreshes it, ns. */
const TOUCH_EVERY_NS = 1e9;

/** Tuple words: protocol, client port, server port, client address (4), server address (4). */
const TUPLE_WORDS = 11;

/** A reader of the reply direction (DNS over TCP answers). */
export interface ReplyReader {
  push(bytes: Uint8Array, start: number, end: number): number;
}

/** The tuple of the packet's connection into `out`; `reverse` for a reply (swap the ends). */
function readTuple(ctx: Uint32Array, reverse: boolean, out: Uint32Array): void {
  const a = reverse ? F_DST_IP6 : F_SRC_IP6;
  const b = reverse ? F_SRC_IP6 : F_DST_IP6;
  out[0] = ctx[F_PROTO]!;
  out[1] = ctx[reverse ? F_DST_PORT : F_SRC_PORT]!;
  out[2] = ctx[reverse ? F_SRC_PORT : F_DST_PORT]!;
  out[3] = ctx[a]!;
  out[4] = ctx[a + 1]!;
  out[5] = ctx[a + 2]!;
  out[6] = ctx[a + 3]!;
  out[7] = ctx[b]!;
  out[8] = ctx[b + 1]!;
  out[9] = ctx[b + 2]!;
  out[10] = ctx[b + 3]!;
}

/** A 32-bit hash of tuple words (multiply-xorshift per word). */
function hashTuple(t: Uint32Array): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < TUPLE_WORDS; i++) {
    h = Math.imul(h ^ t[i]!, 0x85ebca6b);
    h ^= h >>> 13;
  }
  return h >>> 0;
}

/** The hash of the connection of request-direction packet `ctx` (tests use it to find collisions). */
export function flowHash(ctx: Uint32Array): number {
  const t = new Uint32Array(TUPLE_WORDS);
  readTuple(ctx, false, t);
  return hashTuple(t);
}

/** One redirected connection. */
export class L7Flow {
  /** The connection's tuple (TUPLE_WORDS words) and its hash. */
  readonly tuple = new Uint32Array(TUPLE_WORDS);
  readonly hash: number;
  /** Next connection with the same hash. */
  next: L7Flow | undefined = undefined;
  /** Rule set index and the set. */
  readonly setIndex: number;
  readonly set: L7RuleSet;
  /** IP protocol (6 TCP, 17 UDP). */
  readonly protocol: number;
  /** Request direction: reassembly and decoder (TCP). */
  request: TcpReassembler | undefined;
  decoder: StreamDecoder | undefined;
  /** Reply direction: reassembly and reader (DNS over TCP only). */
  reply: TcpReassembler | undefined;
  replyReader: ReplyReader | undefined;
  /** Drop reason once the connection can no longer be inspected (0 = fine). */
  broken = 0;
  /** FIN seen from the client / the server. */
  finRequest = false;
  finReply = false;
  /** Verdict (as the service returns it) of the last packet that carried request bytes. */
  lastVerdict = 0;
  /** Time of the last packet, ns. */
  lastNs = 0;
  /** When the connection last moved to the back of the table's LRU order, ns. */
  touchedNs = 0;
  /** DNS: ids of allowed queries awaiting their answer → the query time (ns). */
  readonly allowedQueries = new Map<number, number>();
  /** Copy of the context of the last request packet (oriented client → server), for reply records. */
  readonly requestCtx = new Uint32Array(64);

  /** The connection of request-direction packet `ctx`. */
  constructor(ctx: Uint32Array, setIndex: number, set: L7RuleSet) {
    readTuple(ctx, false, this.tuple);
    this.hash = hashTuple(this.tuple);
    this.setIndex = setIndex;
    this.set = set;
    this.protocol = ctx[F_PROTO]!;
  }
}

/** The bounded connection table. */
export class FlowTable {
  /** Hash → chain of connections. */
  private readonly chains = new Map<number, L7Flow>();
  /** Every connection, least recently used first. */
  private readonly lru = new Map<L7Flow, true>();
  private readonly probe = new Uint32Array(TUPLE_WORDS);
  private readonly capacity: number;
  private readonly idleNs: number;
  /** Called for a connection leaving the table (to release its buffers). */
  private readonly onRemove: (flow: L7Flow) => void;
  /** Connections evicted because the table was full. */
  evicted = 0;
  /** Connections removed after the idle timeout. */
  expired = 0;

  constructor(capacity: number, idleNs: number, onRemove: (flow: L7Flow) => void) {
    this.capacity = capacity;
    this.idleNs = idleNs;
    this.onRemove = onRemove;
  }

  /** Number of connections. */
  get size(): number {
    return this.lru.size;
  }

  /**
   * The connection of the packet in `ctx` (`reverse`: the packet is a reply), touched; undefined when
   * there is none or it was idle too long (it is removed then).
   */
  get(ctx: Uint32Array, reverse: boolean, nowNs: number): L7Flow | undefined {
    const t = this.probe;
    readTuple(ctx, reverse, t);
    let f = this.chains.get(hashTuple(t));
    while (f !== undefined && !sameTuple(f.tuple, t)) {
      f = f.next;
    }
    if (f === undefined) {
      return undefined;
    }
    if (nowNs - f.lastNs > this.idleNs) {
      this.expired++;
      this.remove(f);
      return undefined;
    }
    f.lastNs = nowNs;
    if (nowNs - f.touchedNs > TOUCH_EVERY_NS) {
      // Move to the back (most recently used); at most once per TOUCH_EVERY_NS per connection.
      this.lru.delete(f);
      this.lru.set(f, true);
      f.touchedNs = nowNs;
    }
    return f;
  }

  /** Add `flow`, making room first. */
  add(flow: L7Flow, nowNs: number): void {
    flow.lastNs = nowNs;
    flow.touchedNs = nowNs;
    let sweep = 4;
    for (const f of this.lru.keys()) {
      if (sweep-- === 0 || (this.lru.size < this.capacity && nowNs - f.lastNs <= this.idleNs)) {
        break;
      }
      if (nowNs - f.lastNs > this.idleNs) {
        this.expired++;
      } else {
        this.evicted++;
      }
      this.remove(f);
    }
    flow.next = this.chains.get(flow.hash);
    this.chains.set(flow.hash, flow);
    this.lru.set(flow, true);
  }

  /** Remove `flow` (no effect when it is not in the table). */
  remove(flow: L7Flow): void {
    if (!this.lru.delete(flow)) {
      return;
    }
    const head = this.chains.get(flow.hash);
    if (head === flow) {
      if (flow.next === undefined) {
        this.chains.delete(flow.hash);
      } else {
        this.chains.set(flow.hash, flow.next);
      }
    } else {
      let p = head;
      while (p !== undefined && p.next !== flow) {
        p = p.next;
      }
      if (p !== undefined) {
        p.next = flow.next;
      }
    }
    flow.next = undefined;
    this.onRemove(flow);
  }

  /** Remove every connection. */
  clear(): void {
    for (const f of this.lru.keys()) {
      this.onRemove(f);
    }
    this.lru.clear();
    this.chains.clear();
  }
}

function sameTuple(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < TUPLE_WORDS; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}
