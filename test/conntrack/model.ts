/**
 * @fileoverview A plain reference model of conntrack for the property test, written from the rules in
 * runtime/conntrack (and cilium.md §4.1/§6) rather than from its code: a Map from a tuple string in
 * the original direction to a record of booleans, eager expiry, linear-scan eviction. Slow and obvious.
 */

import { CT_ESTABLISHED, CT_NEW, CT_RELATED, CT_REOPENED, CT_REPLY } from "../../runtime/context.js";
import { REASON_CT_MAP_INSERTION_FAILED } from "../../runtime/verdict.js";
import { parseAddress } from "./packets.js";

/** A packet as the property test generates it. */
export type ModelPacket =
  | { kind: "tcp"; src: string; dst: string; sport: number; dport: number; flags: string }
  | { kind: "udp"; src: string; dst: string; sport: number; dport: number }
  | { kind: "echo"; src: string; dst: string; id: number; reply: boolean }
  | { kind: "error"; src: string; dst: string; type: number; quoted: ModelPacket }
  | { kind: "fragment"; src: string; dst: string };

interface Tuple {
  proto: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
}

interface Entry {
  tuple: Tuple;
  tcp: boolean;
  synOrig: boolean;
  synReply: boolean;
  nonSyn: boolean;
  finOrig: boolean;
  finReply: boolean;
  rst: boolean;
  expiry: number;
  verdict: number;
}

/** What the model reports per entry, in the shape the test compares with Conntrack.snapshot(). */
export interface ModelEntry {
  key: string;
  tcpState: string;
  expiresNs: number;
  verdict: number;
}

const S = 1e9;
/** How far past the soonest expiry an eviction victim may expire: the class slack, min(1 s, timeout / 8). */
const EVICTION_SLACK_NS = 1e9;

function words(addr: string): string {
  return parseAddress(addr).words.join(",");
}

function has(flags: string, f: string): boolean {
  return flags.includes(f) || (f === "A" && flags.includes("."));
}

/** The reference model. */
export class ModelConntrack {
  private readonly entries = new Map<string, Entry>();

  private readonly capacity: number;
  private readonly timeouts: { tcp: number; tcpSyn: number; tcpFin: number; any: number };
  private readonly evictLive: boolean;

  constructor(
    capacity: number,
    timeouts: { tcp: number; tcpSyn: number; tcpFin: number; any: number },
    evictLive: boolean,
  ) {
    this.capacity = capacity;
    this.timeouts = timeouts;
    this.evictLive = evictLive;
  }

  /** The tuple of a packet, "error" for ICMP errors, undefined when it cannot be tracked. */
  private tupleOf(p: ModelPacket): Tuple | "error" | undefined {
    const v6 = p.src.includes(":");
    switch (p.kind) {
      case "tcp":
        return { proto: 6, src: words(p.src), dst: words(p.dst), sport: p.sport, dport: p.dport };
      case "udp":
        return { proto: 17, src: words(p.src), dst: words(p.dst), sport: p.sport, dport: p.dport };
      case "echo":
        // Request: ports (0, id); reply: (id, 0).
        return {
          proto: v6 ? 58 : 1,
          src: words(p.src),
          dst: words(p.dst),
          sport: p.reply ? p.id : 0,
          dport: p.reply ? 0 : p.id,
        };
      case "error":
        return "error";
      case "fragment":
        return undefined;
    }
  }

  private static key(t: Tuple): string {
    return `${t.proto}|${t.src}|${t.dst}|${t.sport}|${t.dport}`;
  }

  private static reverseKey(t: Tuple): string {
    return `${t.proto}|${t.dst}|${t.src}|${t.dport}|${t.sport}`;
  }

  private expire(now: number): void {
    for (const [k, e] of this.entries) {
      if (now > e.expiry) {
        this.entries.delete(k);
      }
    }
  }

  private find(t: Tuple): { entry: Entry; reply: boolean } | undefined {
    const fwd = this.entries.get(ModelConntrack.key(t));
    if (fwd) {
      return { entry: fwd, reply: false };
    }
    const rev = this.entries.get(ModelConntrack.reverseKey(t));
    return rev ? { entry: rev, reply: true } : undefined;
  }

  private closed(e: Entry): boolean {
    return e.rst || (e.finOrig && e.finReply);
  }

  private setTimeout(e: Entry, now: number): void {
    if (!e.tcp) {
      e.expiry = now + this.timeouts.any * S;
    } else if (this.closed(e)) {
      e.expiry = now + this.timeouts.tcpFin * S;
    } else if (e.nonSyn) {
      e.expiry = now + this.timeouts.tcp * S;
    } else {
      e.expiry = now + this.timeouts.tcpSyn * S;
    }
  }

  private applyTcp(e: Entry, flags: string, reply: boolean): void {
    if (has(flags, "S")) {
      if (reply) {
        e.synReply = true;
      } else {
        e.synOrig = true;
      }
    } else {
      e.nonSyn = true;
    }
    if (has(flags, "R")) {
      e.rst = true;
    } else if (has(flags, "F")) {
      if (reply) {
        e.finReply = true;
      } else {
        e.finOrig = true;
      }
    }
  }

  /** CT state and reply bit for a packet at `now`. */
  lookup(p: ModelPacket, now: number): { state: number; reply: boolean } {
    this.expire(now);
    const t = this.tupleOf(p);
    if (t === undefined) {
      return { state: CT_NEW, reply: false };
    }
    if (t === "error") {
      if (p.kind !== "error") {
        throw new Error("unreachable");
      }
      const q = this.tupleOf(p.quoted);
      if (q === undefined || q === "error") {
        return { state: CT_NEW, reply: false };
      }
      const hit = this.find(q);
      // Quoting an original-direction packet means the error travels towards the originator.
      return hit ? { state: CT_RELATED, reply: !hit.reply } : { state: CT_NEW, reply: false };
    }
    const hit = this.find(t);
    if (!hit) {
      return { state: CT_NEW, reply: false };
    }
    const e = hit.entry;
    if (p.kind === "tcp") {
      const closing = e.finOrig || e.finReply || e.rst;
      const opening = has(p.flags, "S") && !has(p.flags, "A") && !has(p.flags, "F") && !has(p.flags, "R");
      if (closing && opening) {
        this.entries.delete(ModelConntrack.key(e.tuple));
        return { state: CT_REOPENED, reply: false };
      }
      if (!this.closed(e)) {
        this.applyTcp(e, p.flags, hit.reply);
        this.setTimeout(e, now);
      }
    } else {
      this.setTimeout(e, now);
    }
    return { state: hit.reply ? CT_REPLY : CT_ESTABLISHED, reply: hit.reply };
  }

  /**
   * Commit after the policy allowed; 0 or the insertion-failure reason. The eviction rule is a
   * specification, not an algorithm: when full, exactly one entry whose expiry is within
   * `EVICTION_SLACK_NS` of the soonest goes. `after` (the keys the implementation holds after its
   * create) tells the model which of the allowed ones it chose; any other outcome throws.
   */
  create(p: ModelPacket, now: number, verdict: number, after: ReadonlySet<string>): number {
    this.expire(now);
    const t = this.tupleOf(p);
    if (t === undefined || t === "error") {
      return 0;
    }
    const fwd = this.entries.get(ModelConntrack.key(t));
    if (fwd) {
      fwd.verdict = verdict;
      return 0;
    }
    if (this.entries.has(ModelConntrack.reverseKey(t))) {
      return 0;
    }
    if (this.entries.size >= this.capacity) {
      if (!this.evictLive) {
        return REASON_CT_MAP_INSERTION_FAILED;
      }
      const soonest = Math.min(...[...this.entries.values()].map((e) => e.expiry));
      const gone = [...this.entries.keys()].filter((k) => !after.has(k));
      const victim = gone.length === 1 ? this.entries.get(gone[0]!) : undefined;
      if (!victim || victim.expiry > soonest + EVICTION_SLACK_NS) {
        throw new Error(
          `eviction removed ${JSON.stringify(gone)}; allowed: one entry expiring by ${soonest + EVICTION_SLACK_NS}`,
        );
      }
      this.entries.delete(gone[0]!);
    }
    const e: Entry = {
      tuple: t,
      tcp: p.kind === "tcp",
      synOrig: false,
      synReply: false,
      nonSyn: false,
      finOrig: false,
      finReply: false,
      rst: false,
      expiry: 0,
      verdict,
    };
    if (p.kind === "tcp") {
      this.applyTcp(e, p.flags, false);
    }
    this.setTimeout(e, now);
    this.entries.set(ModelConntrack.key(t), e);
    return 0;
  }

  /** Live entries at `now`, sorted by key. */
  snapshot(now: number): ModelEntry[] {
    const out: ModelEntry[] = [];
    for (const [key, e] of this.entries) {
      if (now > e.expiry) {
        continue;
      }
      let tcpState = "none";
      if (e.tcp) {
        if (this.closed(e)) {
          tcpState = "closed";
        } else if (e.finOrig || e.finReply) {
          tcpState = "closing";
        } else if (e.nonSyn) {
          tcpState = "established";
        } else {
          tcpState = e.synReply ? "syn-received" : "syn-sent";
        }
      }
      out.push({ key, tcpState, expiresNs: e.expiry, verdict: e.verdict });
    }
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}
