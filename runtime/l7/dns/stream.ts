/**
 * @fileoverview DNS queries as policy requests, and DNS over TCP (RFC 1035 §4.2.2: each message behind a
 * 2-byte big-endian length) for both directions of a connection. UDP needs no framing: one datagram is one
 * message, so the datapath calls `decodeDnsQuery` (or `decodeDnsMessage` + `dnsRequestOf`) per datagram.
 *
 * Which queries become requests follows Cilium's DNS proxy, a miekg/dns server (cilium/dns fork) with the
 * library's default accept function (`defaultMsgAcceptFunc`, acceptfunc.go), checked on the header before
 * the body is decoded, then `ServeDNS` (pkg/fqdn/dnsproxy/proxy.go), which policy-checks
 * `request.Question[0].Name`:
 *   - QR=1 (a response on the query side): ignored, nothing is answered          → DNS_IGNORE
 *   - OPCODE other than QUERY (0) or NOTIFY (4): answered NOTIMP                  → DNS_REJECT_NOTIMP
 *   - QDCOUNT ≠ 1, ANCOUNT > 1, NSCOUNT > 1 or ARCOUNT > 2: answered FORMERR      → DNS_REJECT_FORMERR
 *   - header shorter than 12 bytes: ignored ("let client hang")                   → DNS_IGNORE
 *   - the body does not decode (or its question is missing): answered FORMERR    → DNS_REJECT_FORMERR
 *   - otherwise the first question is the request: name, qtype and id           → DNS_ACCEPT
 * NOTIFY passes the accept function, so it is a request like a QUERY, as in Cilium.
 *
 * Over TCP the proxy answers FORMERR/NOTIMP on the same connection and keeps reading; the datapath instead
 * sees a message that reaches no request as `DECODE_MALFORMED` (its bytes are never forwarded, and since a
 * packet verdict cannot split a segment, the rest of the connection gets the datapath's defined verdict).
 * `rejectAction` and `rejectId` say what the proxy would have answered, for a synthesized reply.
 */

import type { DnsRequest } from "../match.js";
import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE, DEFAULT_DECODER_LIMITS } from "../stream/decoder.js";
import type { DecoderLimits, L7Sink, StreamDecoder } from "../stream/decoder.js";
import { DNS_CURSOR, decodeDnsMessage, readDnsName, skipDnsRecords } from "./message.js";
import type { DnsMessage } from "./message.js";

/** Query check: the query is a request. (Numbers are miekg/dns MsgAcceptAction's.) */
export const DNS_ACCEPT = 0;
/** Query check: the proxy answers FORMERR (RCODE 1). */
export const DNS_REJECT_FORMERR = 1;
/** Query check: the proxy drops the message without an answer. */
export const DNS_IGNORE = 2;
/** Query check: the proxy answers NOTIMP (RCODE 4). */
export const DNS_REJECT_NOTIMP = 3;

/** Names of the DNS_ACCEPT / DNS_REJECT_* / DNS_IGNORE actions, by number. */
export const DNS_ACTION_NAMES: readonly string[] = ["accept", "formerr", "ignore", "notimp"];

// DNS over TCP carries at most 65535 bytes per message (the 16-bit length prefix).
const TCP_MAX_MESSAGE = 0xffff;

/** The accept function's verdict on the 12-byte header at `start` (miekg/dns defaultMsgAcceptFunc). */
export function dnsHeaderAction(bytes: Uint8Array, start: number, end: number): number {
  if (end - start < 12) {
    return DNS_IGNORE;
  }
  const hi = bytes[start + 2]!;
  if ((hi & 0x80) !== 0) {
    return DNS_IGNORE;
  }
  const opcode = (hi >> 3) & 0xf;
  if (opcode !== 0 && opcode !== 4) {
    return DNS_REJECT_NOTIMP;
  }
  const qd = (bytes[start + 4]! << 8) | bytes[start + 5]!;
  const an = (bytes[start + 6]! << 8) | bytes[start + 7]!;
  const ns = (bytes[start + 8]! << 8) | bytes[start + 9]!;
  const ar = (bytes[start + 10]! << 8) | bytes[start + 11]!;
  return qd !== 1 || an > 1 || ns > 1 || ar > 2 ? DNS_REJECT_FORMERR : DNS_ACCEPT;
}

/**
 * The request a query datagram or TCP message `bytes[start, end)` makes: the first question's name (as
 * decoded by message.ts), QTYPE and the message id; or the DNS_* action when the proxy would not forward
 * it. Decodes only the question and walks the other records (no message object is built).
 */
export function decodeDnsQuery(bytes: Uint8Array, start: number, end: number): DnsRequest | number {
  const action = dnsHeaderAction(bytes, start, end);
  if (action !== DNS_ACCEPT) {
    return action;
  }
  const name = readDnsName(bytes, start, start + 12, end, true);
  if (name === null) {
    return DNS_REJECT_FORMERR;
  }
  const p = DNS_CURSOR.pos + 4;
  if (p > end) {
    return DNS_REJECT_FORMERR;
  }
  const an = (bytes[start + 6]! << 8) | bytes[start + 7]!;
  const ns = (bytes[start + 8]! << 8) | bytes[start + 9]!;
  const ar = (bytes[start + 10]! << 8) | bytes[start + 11]!;
  // The header allows at most 4 further records; they must decode as in decodeDnsMessage.
  if (skipDnsRecords(bytes, start, p, end, an + ns + ar) < 0) {
    return DNS_REJECT_FORMERR;
  }
  const id = (bytes[start]! << 8) | bytes[start + 1]!;
  return { kind: "dns", name, qtype: (bytes[p - 4]! << 8) | bytes[p - 3]!, id };
}

/** The request a decoded query makes, or the DNS_* action (same rules as decodeDnsQuery). */
export function dnsRequestOf(msg: DnsMessage): DnsRequest | number {
  if (msg.qr) {
    return DNS_IGNORE;
  }
  if (msg.opcode !== 0 && msg.opcode !== 4) {
    return DNS_REJECT_NOTIMP;
  }
  const q = msg.questions[0];
  if (msg.qdcount !== 1 || msg.ancount > 1 || msg.nscount > 1 || msg.arcount > 2 || q === undefined) {
    return DNS_REJECT_FORMERR;
  }
  return { kind: "dns", name: q.name, qtype: q.type, id: msg.id };
}

/**
 * Length-prefix framing: hands each whole message to `onMessage` (straight from the pushed bytes when a
 * message lies inside one push, else from its own buffer, at most min(maxMessageBytes, 65535) bytes).
 */
class DnsTcpFramer {
  /** Largest message accepted, bytes. */
  private readonly max: number;
  private readonly onMessage: (bytes: Uint8Array, start: number, end: number) => number;
  private buf = new Uint8Array(0);
  /** Body length of the message being buffered; -1 while reading the length prefix. */
  private want = -1;
  /** Bytes of the prefix (want < 0) or of the body held. */
  private have = 0;
  private prefixHi = 0;
  /** Sticky DECODE_* code after a failure. */
  failed = DECODE_OK;

  constructor(limits: DecoderLimits, onMessage: (bytes: Uint8Array, start: number, end: number) => number) {
    this.max = Math.min(limits.maxMessageBytes, TCP_MAX_MESSAGE);
    this.onMessage = onMessage;
  }

  /** Bytes held for an incomplete message (prefix included). */
  get buffered(): number {
    return this.want < 0 ? this.have : this.have + 2;
  }

  push(bytes: Uint8Array, start: number, end: number): number {
    if (this.failed !== DECODE_OK) {
      return this.failed;
    }
    let i = start;
    while (i < end) {
      if (this.want < 0) {
        let len: number;
        if (this.have === 0) {
          if (end - i < 2) {
            this.prefixHi = bytes[i]!;
            this.have = 1;
            return DECODE_OK;
          }
          len = (bytes[i]! << 8) | bytes[i + 1]!;
          i += 2;
          if (len <= end - i && len <= this.max) {
            const rc = this.onMessage(bytes, i, i + len);
            if (rc !== DECODE_OK) {
              return (this.failed = rc);
            }
            i += len;
            continue;
          }
        } else {
          len = (this.prefixHi << 8) | bytes[i]!;
          i++;
        }
        if (len > this.max) {
          return (this.failed = DECODE_TOO_LARGE);
        }
        this.want = len;
        this.have = 0;
        if (this.buf.length < len) {
          this.buf = new Uint8Array(len);
        }
      }
      const buf = this.buf;
      const stop = Math.min(end, i + this.want - this.have);
      let h = this.have;
      while (i < stop) {
        buf[h++] = bytes[i++]!;
      }
      this.have = h;
      if (h === this.want) {
        this.want = -1;
        this.have = 0;
        const rc = this.onMessage(buf, 0, h);
        if (rc !== DECODE_OK) {
          return (this.failed = rc);
        }
      }
    }
    return DECODE_OK;
  }
}

/** The client → server decoder of a DNS-over-TCP connection, with what the proxy would answer a reject. */
export interface DnsQueryDecoder extends StreamDecoder {
  /** DNS_* action of the message that ended decoding (DNS_ACCEPT while decoding goes on). */
  readonly rejectAction: number;
  /** ID of that message (-1 when its header was incomplete). */
  readonly rejectId: number;
  /** Bytes held for an incomplete message (bounded by min(maxMessageBytes, 65535) + 2). */
  readonly buffered: number;
}

class DnsQueryStream implements DnsQueryDecoder {
  rejectAction = DNS_ACCEPT;
  rejectId = -1;
  private sink: L7Sink | null = null;
  private readonly framer: DnsTcpFramer;

  constructor(limits: DecoderLimits) {
    this.framer = new DnsTcpFramer(limits, (bytes, start, end) => this.message(bytes, start, end));
  }

  get buffered(): number {
    return this.framer.buffered;
  }

  push(bytes: Uint8Array, start: number, end: number, sink: L7Sink): number {
    this.sink = sink;
    return this.framer.push(bytes, start, end);
  }

  private message(bytes: Uint8Array, start: number, end: number): number {
    const req = decodeDnsQuery(bytes, start, end);
    if (typeof req === "number") {
      this.rejectAction = req;
      this.rejectId = end - start >= 2 ? (bytes[start]! << 8) | bytes[start + 1]! : -1;
      return DECODE_MALFORMED;
    }
    this.sink!.request(req);
    return DECODE_OK;
  }
}

/** A client → server DNS-over-TCP decoder: each whole query is one `sink.request` (see the file comment). */
export function createDnsQueryDecoder(limits: DecoderLimits = DEFAULT_DECODER_LIMITS): DnsQueryDecoder {
  return new DnsQueryStream(limits);
}

/** The server → client side of a DNS-over-TCP connection. */
export interface DnsResponseReader {
  /** Consume `bytes[start, end)`; returns a DECODE_* code (sticky after a failure). */
  push(bytes: Uint8Array, start: number, end: number): number;
  /** DNS_ERR_* code of the message that ended decoding (0 while decoding goes on). */
  readonly error: number;
  /** Bytes held for an incomplete message. */
  readonly buffered: number;
}

/**
 * A server → client DNS-over-TCP reader: `onMessage` gets each decoded message (whatever its QR bit; use
 * `answersFor(msg).learn`). A message that does not decode ends reading with DECODE_MALFORMED: Cilium's
 * proxy fails the exchange (its client cannot unpack it), answers SERVFAIL and learns nothing.
 */
export function createDnsResponseReader(
  limits: DecoderLimits,
  onMessage: (msg: DnsMessage) => void,
): DnsResponseReader {
  let error = 0;
  const framer = new DnsTcpFramer(limits, (bytes, start, end) => {
    const msg = decodeDnsMessage(bytes, start, end);
    if (typeof msg === "number") {
      error = msg;
      return DECODE_MALFORMED;
    }
    onMessage(msg);
    return DECODE_OK;
  });
  return {
    push: (bytes, start, end) => framer.push(bytes, start, end),
    get error() {
      return error;
    },
    get buffered() {
      return framer.buffered;
    },
  };
}
