/**
 * @fileoverview L7 flow records: what the L7 datapath reports per request and per response, in the
 * shape of Hubble's `l7` object (cilium.md §7.2: `l7{type, latency_ns, http | kafka | dns}`); the flow
 * builder (runtime/flow/hubble.ts) wraps them into `Type: "L7"` flows with the packet's endpoints.
 *
 * Like Cilium's proxy, the datapath reports each request (type REQUEST) with its verdict and, for a
 * denied one, the answer the proxy gives in its place (type RESPONSE: HTTP 403, Kafka error 29, DNS
 * REFUSED); DNS answers seen on allowed queries are reported as RESPONSE with their addresses and TTL.
 */

import type { L7AnyRule } from "../match.js";

/** Hubble's `l7.http`. */
export interface L7HttpRecord {
  readonly code: number;
  readonly method: string;
  readonly url: string;
  readonly protocol: string;
  readonly headers: readonly { readonly key: string; readonly value: string }[];
}

/** Hubble's `l7.kafka`. */
export interface L7KafkaRecord {
  readonly error_code: number;
  readonly api_version: number;
  readonly api_key: string;
  readonly correlation_id: number;
  readonly topic: string;
}

/** Hubble's `l7.dns`. */
export interface L7DnsRecord {
  readonly query: string;
  readonly ips: readonly string[];
  readonly ttl: number;
  readonly cnames: readonly string[];
  readonly observation_source: "proxy";
  readonly rcode: number;
  readonly qtypes: readonly string[];
  readonly rrtypes: readonly string[];
}

/** One L7 event. */
export interface L7Record {
  /** REQUEST or RESPONSE. */
  readonly type: "REQUEST" | "RESPONSE";
  /** VERDICT_FORWARDED or VERDICT_DROPPED. */
  readonly verdict: number;
  /** Time of the packet that completed the request or response, ns. */
  readonly timestampNs: number;
  /** Copy of that packet's context, oriented as the request (source = client). */
  readonly ctx: Uint32Array;
  /** Rule set index the connection was redirected to. */
  readonly ruleSet: number;
  /** The L7 rule that allowed the request, if any. */
  readonly rule?: L7AnyRule;
  /** For a response: time since its request, ns. */
  readonly latencyNs?: number;
  readonly http?: L7HttpRecord;
  readonly kafka?: L7KafkaRecord;
  readonly dns?: L7DnsRecord;
}

/** Receives L7 records. */
export type L7RecordSink = (record: L7Record) => void;
