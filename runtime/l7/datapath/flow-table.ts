/**
 * @fileoverview The L7 datapath's connections: per redirected connection, the rule set it was
 * redirected to, per-direction reassembly, the decoders, and what the verdict of its packets was.
 *
 * Connections are keyed by their 5-tuple as the request direction sees it (source = client). The table
 * is bounded: when it is full, the connection idle longest is evicted (Map insertion order is refreshed
 * when a connection is seen again after TOUCH_EVERY_NS, so the first entry is the least recently used
 * to within that time); a connection also goes when both
 * sides sent FIN, on RST, or when idle longer than the idle timeout (checked when it is next seen, and
 * for a few entries at the head per new connection).
 */

import {
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_IP_VERSION,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_IP6,
  F_SRC_PORT,
} from "../../context.js";
import type { L7RuleSet } from "../rule-set.js";
import type { StreamDecoder } from "../stream/decoder.js";
import type { TcpReassembler } from "./reassembly.js";

/** How stale a connection's place in the LRU order may get before a packet refreshes it, ns. */
const TOUCH_EVERY_NS = 1e9;

/** A reader of the reply direction (DNS over TCP answers). */
export interface ReplyReader {
  push(bytes: Uint8Array, start: number, end: number): number;
}

/** One redirected connection. */
export class L7Flow {
  /** Table key. */
  readonly key: string;
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

  constructor(key: string, setIndex: number, set: L7RuleSet, protocol: number) {
    this.key = key;
    this.setIndex = setIndex;
    this.set = set;
    this.protocol = protocol;
  }
}

/** The key of the packet's connection; `reverse` for a reply (swap the ends). */
export function flowKey(ctx: Uint32Array, reverse: boolean): string {
  const proto = ctx[F_PROTO]!;
  const sp = ctx[reverse ? F_DST_PORT : F_SRC_PORT]!;
  const dp = ctx[reverse ? F_SRC_PORT : F_DST_PORT]!;
  if (ctx[F_IP_VERSION] === 4) {
    const s = ctx[reverse ? F_DST_IP4 : F_SRC_IP4]!;
    const d = ctx[reverse ? F_SRC_IP4 : F_DST_IP4]!;
    return `${proto}|${s}|${sp}|${d}|${dp}`;
  }
  const a = reverse ? F_DST_IP6 : F_SRC_IP6;
  const b = reverse ? F_SRC_IP6 : F_DST_IP6;
  return `${proto}|${ctx[a]},${ctx[a + 1]},${ctx[a + 2]},${ctx[a + 3]}|${sp}|${ctx[b]},${ctx[b + 1]},${ctx[b + 2]},${ctx[b + 3]}|${dp}`;
}

/** The bounded connection table. */
export class FlowTable {
  private readonly flows = new Map<string, L7Flow>();
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
    return this.flows.size;
  }

  /** The connection with `key`, touched (moved to the back), or undefined (also when idle too long). */
  get(key: string, nowNs: number): L7Flow | undefined {
    const f = this.flows.get(key);
    if (f === undefined) {
      return undefined;
    }
    if (nowNs - f.lastNs > this.idleNs) {
      this.flows.delete(key);
      this.expired++;
      this.onRemove(f);
      return undefined;
    }
    f.lastNs = nowNs;
    if (nowNs - f.touchedNs > TOUCH_EVERY_NS) {
      // Move to the back (most recently used); at most once per TOUCH_EVERY_NS, as a Map delete + set
      // costs more than the rest of the lookup.
      this.flows.delete(key);
      this.flows.set(key, f);
      f.touchedNs = nowNs;
    }
    return f;
  }

  /** Add `flow`, making room first. */
  add(flow: L7Flow, nowNs: number): void {
    flow.lastNs = nowNs;
    flow.touchedNs = nowNs;
    let sweep = 4;
    for (const f of this.flows.values()) {
      if (sweep-- === 0 || (this.flows.size < this.capacity && nowNs - f.lastNs <= this.idleNs)) {
        break;
      }
      this.flows.delete(f.key);
      if (nowNs - f.lastNs > this.idleNs) {
        this.expired++;
      } else {
        this.evicted++;
      }
      this.onRemove(f);
    }
    this.flows.set(flow.key, flow);
  }

  /** Remove `flow`. */
  remove(flow: L7Flow): void {
    if (this.flows.get(flow.key) === flow) {
      this.flows.delete(flow.key);
      this.onRemove(flow);
    }
  }

  /** Remove every connection. */
  clear(): void {
    for (const f of this.flows.values()) {
      this.onRemove(f);
    }
    this.flows.clear();
  }
}
