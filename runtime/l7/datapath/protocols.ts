/**
 * @fileoverview Binds the L7 rule-set kinds to their decoders: which stream decoder reads a TCP
 * connection's requests, which reader (if any) its replies, and DNS over UDP datagrams. The datapath
 * (datapath.ts) knows only these functions.
 */

import { answersFor, decodeDnsMessage } from "../dns/message.js";
import type { DnsMessage } from "../dns/message.js";
import { createDnsQueryDecoder, createDnsResponseReader, decodeDnsQuery } from "../dns/stream.js";
import { createHttpDecoder } from "../http/index.js";
import { createKafkaDecoder } from "../kafka/stream.js";
import type { DnsRequest } from "../match.js";
import type { L7RuleSet } from "../rule-set.js";
import type { DecoderLimits, StreamDecoder } from "../stream/decoder.js";
import { addressBytesToString } from "../../packet/describe.js";
import type { ReplyReader } from "./flow-table.js";

/** What a DNS response contributes: the query, its outcome, and the addresses with their TTL. */
export interface DnsAnswer {
  readonly id: number;
  /** The question name (as written, without the trailing dot). */
  readonly query: string;
  readonly qtype: number | undefined;
  readonly rcode: number;
  /** Whether Cilium learns from it (NOERROR with addresses on a well-formed CNAME chain). */
  readonly learn: boolean;
  /** Addresses answering the name (CNAME chains followed), 4 or 16 bytes, with the set's TTL (s) and text. */
  readonly addresses: readonly {
    readonly address: Uint8Array;
    readonly ttl: number;
    readonly text: string;
  }[];
  /** CNAME targets on the way. */
  readonly cnames: readonly string[];
  /** Types of the answer records. */
  readonly rrtypes: readonly number[];
}

/** How a TCP connection of a rule-set kind is read. */
export interface ProtocolBinding {
  /** The decoder of the request direction. */
  requestDecoder(limits: DecoderLimits): StreamDecoder;
  /** The reader of the reply direction, when the datapath needs replies (DNS answers). */
  replyReader?(limits: DecoderLimits, onAnswer: (answer: DnsAnswer) => void): ReplyReader;
}

/** A decoded response as the datapath needs it (Cilium maps every address to the question name with the chain's lowest TTL). */
function answerOf(msg: DnsMessage): DnsAnswer | undefined {
  if (!msg.qr) {
    return undefined;
  }
  const q = msg.questions[0];
  const found = answersFor(msg);
  const ttl = found?.ttl ?? 0;
  return {
    id: msg.id,
    query: q?.name ?? "",
    qtype: q?.type,
    rcode: msg.rcode,
    learn: found?.learn ?? false,
    addresses: (found?.addresses ?? []).map((address) => ({
      address,
      ttl,
      text: addressBytesToString(address),
    })),
    cnames: found?.cnames ?? [],
    rrtypes: msg.answers.map((a) => a.type),
  };
}

const HTTP: ProtocolBinding = { requestDecoder: (limits) => createHttpDecoder(limits) };
const KAFKA: ProtocolBinding = { requestDecoder: (limits) => createKafkaDecoder(limits) };
const DNS: ProtocolBinding = {
  requestDecoder: (limits) => createDnsQueryDecoder(limits),
  replyReader: (limits, onAnswer) =>
    createDnsResponseReader(limits, (msg) => {
      const a = answerOf(msg);
      if (a !== undefined) {
        onAnswer(a);
      }
    }),
};

/** The binding of a rule-set kind; undefined for generic (proxylib) sets, which are not modelled. */
export function bindingFor(kind: L7RuleSet["kind"]): ProtocolBinding | undefined {
  switch (kind) {
    case "http":
      return HTTP;
    case "kafka":
      return KAFKA;
    case "dns":
      return DNS;
    case "generic":
      return undefined;
  }
}

/** A DNS query datagram as a request, or undefined when it is not a decodable query. */
export function dnsDatagramQuery(bytes: Uint8Array, start: number, end: number): DnsRequest | undefined {
  const req = decodeDnsQuery(bytes, start, end);
  return typeof req === "number" ? undefined : req;
}

/** A DNS response datagram's answer set, or undefined when it is not a decodable response. */
export function dnsDatagramResponse(bytes: Uint8Array, start: number, end: number): DnsAnswer | undefined {
  const msg = decodeDnsMessage(bytes, start, end);
  return typeof msg === "number" ? undefined : answerOf(msg);
}
