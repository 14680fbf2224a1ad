/**
 * @fileoverview The L7 datapath: what SVC_L7_INSPECT runs for every packet of a connection the policy
 * redirected to L7 inspection, and what the engine runs for the replies of such connections. It stands
 * where Cilium's proxies (Envoy, the DNS proxy, the Kafka proxy) stand, but works packet by packet.
 *
 * For each request-direction packet: find or create the connection (flow-table.ts); TCP payload goes
 * through in-order reassembly (reassembly.ts) into the protocol's stream decoder (stream/decoder.ts,
 * the decoders under http/, kafka/, dns/), UDP DNS payload is one query. The decoder reports requests;
 * each is evaluated against the connection's rule set (compiled once: compiled-set.ts, the same decisions
 * as match.ts) and recorded (records.ts). The packet's
 * verdict, returned to the program as `verdict | reason << 8`:
 *   - DROPPED when a request it completes, or a decided request it continues, is denied (reason 0:
 *     the proxy answers 403 / REFUSED / Kafka error 29 in its place, and Hubble shows an L7 record);
 *   - FORWARDED when it completes or continues an allowed request;
 *   - 0 (the program returns REDIRECTED) when its bytes are held by the proxy: an incomplete request,
 *     an out-of-order segment waiting for the gap, handshake and empty segments;
 *   - a retransmit of bytes already inspected gets the verdict of the last packet that carried
 *     request bytes;
 *   - once a connection cannot be inspected — the decoder refused the bytes (REASON_L7_PROTOCOL_ERROR)
 *     or a buffer limit was hit (REASON_L7_LIMIT) — every later packet with payload is DROPPED with
 *     that reason, as the proxy would close the connection; packets without payload stay REDIRECTED.
 * Replies (the engine calls observeReply when conntrack matched a redirected connection's reply) feed
 * DNS answers into the FQDN cache when their query was allowed, and end connections on FIN/RST.
 */

import { F_L4_OFFSET, F_PAYLOAD_LENGTH, F_PAYLOAD_OFFSET, F_PROTO, F_TCP_FLAGS } from "../../context.js";
import {
  REASON_L7_LIMIT,
  REASON_L7_PROTOCOL_ERROR,
  VERDICT_DROPPED,
  VERDICT_FORWARDED,
} from "../../verdict.js";
import type { FqdnCache } from "../fqdn/cache.js";
import { compileL7Set } from "../compiled-set.js";
import type { L7Decider } from "../compiled-set.js";
import type { L7Request } from "../match.js";
import type { L7RuleSet } from "../rule-set.js";
import { DECODE_OK, DECODE_TOO_LARGE, DEFAULT_DECODER_LIMITS } from "../stream/decoder.js";
import type { DecoderLimits, L7Sink } from "../stream/decoder.js";
import { FlowTable, L7Flow } from "./flow-table.js";
import { bindingFor, dnsDatagramQuery, dnsDatagramResponse } from "./protocols.js";
import type { DnsAnswer } from "./protocols.js";
import { ReassemblyBudget, SEG_BUFFERED, SEG_DELIVERED, SEG_LIMIT, TcpReassembler } from "./reassembly.js";
import { deniedRecords, dnsAnswerRecord, requestRecord } from "./record-builders.js";
import type { L7RecordSink } from "./records.js";

const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_RST = 0x04;

/** Options of the L7 datapath. */
export interface L7DatapathOptions {
  /** Connections inspected at once (default 65 536). */
  readonly maxFlows?: number;
  /** A connection idle this long is forgotten, ns (default 1 h, Cilium's TCP established timeout is 6 h; the proxy's idle timeout is 1 h). */
  readonly idleNs?: number;
  /** Out-of-order bytes buffered over all connections (default 64 MiB). */
  readonly reassemblyBytes?: number;
  /** Out-of-order bytes buffered per connection direction (default 256 KiB). */
  readonly reassemblyBytesPerFlow?: number;
  /** Decoder buffer limits. */
  readonly limits?: DecoderLimits;
  /** Receives L7 records. */
  readonly onRecord?: L7RecordSink;
}

/** Counters of the L7 datapath. */
export interface L7Counters {
  requests: number;
  allowed: number;
  denied: number;
  /** Connections the decoder refused (malformed stream). */
  malformed: number;
  /** Connections stopped by a buffer limit. */
  limited: number;
  /** New connections that evicted the least recently used one because the table was full. */
  flowTableFull: number;
  /** Segments held out of order. */
  outOfOrder: number;
  /** Segments with nothing new. */
  retransmits: number;
  /** DNS answers learned into the FQDN cache. */
  dnsLearned: number;
  /** Connections evicted from the table while active, and expired after the idle timeout. */
  flowsEvicted: number;
  flowsExpired: number;
}

/** The datapath of one engine. */
export class L7Datapath {
  /** Counters (flowsEvicted/flowsExpired are read from the table on `counters`). */
  private readonly c: L7Counters = {
    requests: 0,
    allowed: 0,
    denied: 0,
    malformed: 0,
    limited: 0,
    flowTableFull: 0,
    outOfOrder: 0,
    retransmits: 0,
    dnsLearned: 0,
    flowsEvicted: 0,
    flowsExpired: 0,
  };
  private readonly sets: readonly L7RuleSet[];
  /** Each set compiled once (compiled-set.ts): the same decisions as match.ts's evaluateL7. */
  private readonly deciders: readonly L7Decider[];
  private readonly flows: FlowTable;
  private readonly budget: ReassemblyBudget;
  private readonly limits: DecoderLimits;
  private readonly fqdn: FqdnCache | undefined;
  private readonly onRecord: L7RecordSink | undefined;
  // Per-packet state the sink writes (one packet is inspected at a time).
  private pktAllowed = false;
  private pktDenied = false;
  private pktFlow: L7Flow | undefined;
  private pktCtx: Uint32Array = new Uint32Array(64);
  private pktNs = 0;
  private readonly sink: L7Sink;
  private readonly deliver: (bytes: Uint8Array, start: number, end: number) => void;
  private readonly deliverReply: (bytes: Uint8Array, start: number, end: number) => void;

  constructor(sets: readonly L7RuleSet[], fqdn: FqdnCache | undefined, options: L7DatapathOptions = {}) {
    this.sets = sets;
    this.deciders = sets.map(compileL7Set);
    this.fqdn = fqdn;
    this.onRecord = options.onRecord;
    this.limits = options.limits ?? DEFAULT_DECODER_LIMITS;
    this.budget = new ReassemblyBudget(
      options.reassemblyBytes ?? 64 * 1024 * 1024,
      options.reassemblyBytesPerFlow ?? 256 * 1024,
    );
    this.flows = new FlowTable(options.maxFlows ?? 65536, options.idleNs ?? 3600e9, (f) => {
      f.request?.release();
      f.reply?.release();
    });
    this.sink = {
      request: (req) => this.decide(req),
      carry: (allowed) => {
        if (allowed) {
          this.pktAllowed = true;
        } else {
          this.pktDenied = true;
        }
      },
    };
    this.deliver = (bytes, start, end) => {
      const f = this.pktFlow!;
      if (f.broken !== 0 || f.decoder === undefined) {
        return;
      }
      const code = f.decoder.push(bytes, start, end, this.sink);
      if (code !== DECODE_OK) {
        this.breakFlow(f, code === DECODE_TOO_LARGE ? REASON_L7_LIMIT : REASON_L7_PROTOCOL_ERROR);
      }
    };
    this.deliverReply = (bytes, start, end) => {
      const f = this.pktFlow!;
      if (f.replyReader !== undefined && f.replyReader.push(bytes, start, end) !== DECODE_OK) {
        f.replyReader = undefined; // answers are no longer readable; requests are still inspected
      }
    };
  }

  /** Counters. */
  get counters(): L7Counters {
    return { ...this.c, flowsEvicted: this.flows.evicted, flowsExpired: this.flows.expired };
  }

  /** Connections tracked now. */
  get size(): number {
    return this.flows.size;
  }

  /** Out-of-order bytes held over all connections now. */
  get reassemblyBytes(): number {
    return this.budget.used;
  }

  /** SVC_L7_INSPECT: inspect a request-direction packet; returns 0 or `verdict | reason << 8`. */
  inspect(ctx: Uint32Array, frame: Uint8Array, base: number, nowNs: number, setIndex: number): number {
    const set = this.sets[setIndex];
    if (set === undefined || set.kind === "generic") {
      return 0; // generic proxylib parsers are not modelled: the connection stays REDIRECTED
    }
    const proto = ctx[F_PROTO]!;
    let f = this.flows.get(ctx, false, nowNs);
    if (f === undefined || f.setIndex !== setIndex) {
      if (f !== undefined) {
        this.flows.remove(f); // the policy now redirects this tuple elsewhere: start over
      }
      f = this.createFlow(ctx, setIndex, set, proto, nowNs);
    }
    this.pktFlow = f;
    this.pktCtx = ctx;
    this.pktNs = nowNs;
    this.pktAllowed = false;
    this.pktDenied = false;
    const start = base + ctx[F_PAYLOAD_OFFSET]!;
    const end = start + ctx[F_PAYLOAD_LENGTH]!;
    if (proto === 17) {
      return this.inspectDatagram(f, frame, start, end);
    }
    if (proto !== 6) {
      return 0;
    }
    const flags = ctx[F_TCP_FLAGS]!;
    const seq = readSeq(frame, base + ctx[F_L4_OFFSET]!);
    const r = f.request!;
    if ((flags & TCP_SYN) !== 0) {
      r.syn(seq);
    }
    let verdict = 0;
    if (end > start) {
      if (f.broken !== 0) {
        verdict = VERDICT_DROPPED | (f.broken << 8);
      } else {
        const outcome = r.segment(seq, frame, start, end, this.deliver);
        verdict = this.segmentVerdict(f, outcome);
      }
    }
    if ((flags & TCP_RST) !== 0) {
      this.flows.remove(f);
    } else if ((flags & TCP_FIN) !== 0) {
      f.finRequest = true;
      if (f.finReply) {
        this.flows.remove(f);
      }
    }
    return verdict;
  }

  /** A reply packet of a redirected connection (conntrack REPLY): DNS answers, FIN and RST. */
  observeReply(ctx: Uint32Array, frame: Uint8Array, base: number, nowNs: number): void {
    const f = this.flows.get(ctx, true, nowNs);
    if (f === undefined) {
      return;
    }
    this.pktFlow = f;
    this.pktNs = nowNs;
    const start = base + ctx[F_PAYLOAD_OFFSET]!;
    const end = start + ctx[F_PAYLOAD_LENGTH]!;
    if (f.protocol === 17) {
      if (f.set.kind === "dns" && end > start) {
        const answer = dnsDatagramResponse(frame, start, end);
        if (answer !== undefined) {
          this.answered(f, answer);
        }
      }
      return;
    }
    const flags = ctx[F_TCP_FLAGS]!;
    const seq = readSeq(frame, base + ctx[F_L4_OFFSET]!);
    if (f.reply !== undefined) {
      if ((flags & TCP_SYN) !== 0) {
        f.reply.syn(seq);
      }
      if (end > start && f.replyReader !== undefined) {
        if (f.reply.segment(seq, frame, start, end, this.deliverReply) === SEG_LIMIT) {
          f.replyReader = undefined;
        }
      }
    }
    if ((flags & TCP_RST) !== 0) {
      this.flows.remove(f);
    } else if ((flags & TCP_FIN) !== 0) {
      f.finReply = true;
      if (f.finRequest) {
        this.flows.remove(f);
      }
    }
  }

  /** Forget every connection (the FQDN cache is kept). */
  clear(): void {
    this.flows.clear();
  }

  private createFlow(
    ctx: Uint32Array,
    setIndex: number,
    set: L7RuleSet,
    proto: number,
    nowNs: number,
  ): L7Flow {
    const f = new L7Flow(ctx, setIndex, set);
    if (proto === 6) {
      const binding = bindingFor(set.kind);
      f.request = new TcpReassembler(this.budget);
      f.decoder = binding?.requestDecoder(this.limits);
      if (binding?.replyReader !== undefined) {
        f.reply = new TcpReassembler(this.budget);
        f.replyReader = binding.replyReader(this.limits, (answer) => {
          this.answered(this.pktFlow!, answer);
        });
      }
      if (f.decoder === undefined) {
        f.broken = REASON_L7_PROTOCOL_ERROR;
      }
    }
    const before = this.flows.evicted;
    this.flows.add(f, nowNs);
    if (this.flows.evicted !== before) {
      this.c.flowTableFull++;
    }
    return f;
  }

  private segmentVerdict(f: L7Flow, outcome: number): number {
    if (outcome === SEG_BUFFERED) {
      this.c.outOfOrder++;
      return 0;
    }
    if (outcome === SEG_LIMIT) {
      this.breakFlow(f, REASON_L7_LIMIT);
      return (f.lastVerdict = VERDICT_DROPPED | (REASON_L7_LIMIT << 8));
    }
    if (outcome !== SEG_DELIVERED) {
      this.c.retransmits++;
      return f.lastVerdict;
    }
    let v = 0;
    if (f.broken !== 0) {
      v = VERDICT_DROPPED | (f.broken << 8);
    } else if (this.pktDenied) {
      v = VERDICT_DROPPED;
    } else if (this.pktAllowed) {
      v = VERDICT_FORWARDED;
    }
    f.lastVerdict = v;
    return v;
  }

  private inspectDatagram(f: L7Flow, frame: Uint8Array, start: number, end: number): number {
    if (f.set.kind !== "dns" || end <= start) {
      return 0;
    }
    const query = dnsDatagramQuery(frame, start, end);
    if (query === undefined) {
      this.c.malformed++;
      return VERDICT_DROPPED | (REASON_L7_PROTOCOL_ERROR << 8);
    }
    return this.decide(query) ? VERDICT_FORWARDED : VERDICT_DROPPED;
  }

  /** Evaluate a request of the current packet's connection; record it; remember DNS queries allowed. */
  private decide(req: L7Request): boolean {
    const f = this.pktFlow!;
    const rule = this.deciders[f.setIndex]!(req);
    const allowed = rule !== undefined; // null: a generic set, not evaluated
    this.c.requests++;
    if (allowed) {
      this.c.allowed++;
      this.pktAllowed = true;
      if (req.kind === "dns" && req.id !== undefined) {
        if (f.allowedQueries.size >= 256) {
          f.allowedQueries.delete(f.allowedQueries.keys().next().value!);
        }
        f.allowedQueries.set(req.id, this.pktNs);
      }
    } else {
      this.c.denied++;
      this.pktDenied = true;
    }
    if (req.kind === "dns") {
      f.requestCtx.set(this.pktCtx); // the answer's record names the query's endpoints
    }
    if (this.onRecord !== undefined) {
      const ctx = this.pktCtx.slice();
      const verdict = allowed ? VERDICT_FORWARDED : VERDICT_DROPPED;
      this.onRecord(requestRecord(req, verdict, ctx, this.pktNs, f.setIndex, rule ?? undefined));
      if (!allowed) {
        for (const r of deniedRecords(req, ctx, this.pktNs, f.setIndex)) {
          this.onRecord(r);
        }
      }
    }
    return allowed;
  }

  /** A DNS answer on connection `f`: learn it when its query was allowed. */
  private answered(f: L7Flow, answer: DnsAnswer): void {
    const askedNs = f.allowedQueries.get(answer.id);
    if (askedNs === undefined) {
      return; // not a query this proxy let through (or one it never saw)
    }
    f.allowedQueries.delete(answer.id);
    if (this.fqdn !== undefined && answer.learn) {
      for (const a of answer.addresses) {
        if (this.fqdn.learn(answer.query, a.address, a.ttl, this.pktNs) !== 0) {
          this.c.dnsLearned++;
        }
      }
    }
    if (this.onRecord !== undefined) {
      this.onRecord(
        dnsAnswerRecord(answer, f.requestCtx.slice(), this.pktNs, this.pktNs - askedNs, f.setIndex),
      );
    }
  }

  private breakFlow(f: L7Flow, reason: number): void {
    if (f.broken === 0) {
      f.broken = reason;
      if (reason === REASON_L7_LIMIT) {
        this.c.limited++;
      } else {
        this.c.malformed++;
      }
      f.request?.release();
    }
  }
}

/** The TCP sequence number of the segment whose TCP header starts at `l4`. */
function readSeq(frame: Uint8Array, l4: number): number {
  return ((frame[l4 + 4]! << 24) | (frame[l4 + 5]! << 16) | (frame[l4 + 6]! << 8) | frame[l4 + 7]!) >>> 0;
}
