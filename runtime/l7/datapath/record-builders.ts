/**
 * @fileoverview Builds the L7 records (records.ts) of requests, of the answers the proxy gives denied
 * requests, and of DNS answers — the field values Hubble shows for Cilium's proxies: the HTTP url is
 * `http://<host><path>`, the Kafka api key by name, DNS names with their trailing dot.
 */

import { KAFKA_TOPIC_AUTHORIZATION_FAILED, kafkaKeyName } from "../kafka.js";
import type { L7AnyRule, L7Request } from "../match.js";
import { VERDICT_DROPPED, VERDICT_FORWARDED } from "../../verdict.js";
import type { DnsAnswer } from "./protocols.js";
import type { L7Record } from "./records.js";

/** DNS RCODE the proxy answers a refused query with (RFC 1035 §4.1.1: 5 = Refused). */
const DNS_REFUSED = 5;
/** HTTP status the proxy answers a denied request with. */
const HTTP_FORBIDDEN = 403;

/** Names of common DNS record types (RFC 1035, RFC 3596, RFC 2782). */
const DNS_TYPES: Readonly<Record<number, string>> = {
  1: "A",
  2: "NS",
  5: "CNAME",
  6: "SOA",
  12: "PTR",
  15: "MX",
  16: "TXT",
  28: "AAAA",
  33: "SRV",
  65: "HTTPS",
  255: "ANY",
};

/** The name of DNS type `t` (`TYPE<n>` otherwise, RFC 3597 §5). */
export function dnsTypeName(t: number): string {
  return DNS_TYPES[t] ?? `TYPE${t}`;
}

function dotted(name: string): string {
  return name.endsWith(".") ? name : `${name}.`;
}

function body(req: L7Request, code: number): Pick<L7Record, "http" | "kafka" | "dns"> {
  switch (req.kind) {
    case "http":
      return {
        http: {
          code,
          method: req.method,
          url: `http://${req.host}${req.path}`,
          protocol: req.protocol ?? "HTTP/1.1",
          headers: req.headers.map(([key, value]) => ({ key, value })),
        },
      };
    case "kafka":
      return {
        kafka: {
          error_code: code,
          api_version: req.apiVersion,
          api_key: kafkaKeyName(req.apiKey),
          correlation_id: req.correlationId ?? 0,
          topic: req.topics[0] ?? "",
        },
      };
    case "dns":
      return {
        dns: {
          query: dotted(req.name),
          ips: [],
          ttl: 0,
          cnames: [],
          observation_source: "proxy",
          rcode: code,
          qtypes: req.qtype === undefined ? [] : [dnsTypeName(req.qtype)],
          rrtypes: [],
        },
      };
  }
}

/** The REQUEST record of `req`. */
export function requestRecord(
  req: L7Request,
  verdict: number,
  ctx: Uint32Array,
  timestampNs: number,
  ruleSet: number,
  rule: L7AnyRule | undefined,
): L7Record {
  return {
    type: "REQUEST",
    verdict,
    timestampNs,
    ctx,
    ruleSet,
    ...(rule !== undefined && verdict === VERDICT_FORWARDED ? { rule } : {}),
    ...body(req, 0),
  };
}

/** The RESPONSE records the proxy's own answer to a denied `req` gives. */
export function deniedRecords(
  req: L7Request,
  ctx: Uint32Array,
  timestampNs: number,
  ruleSet: number,
): L7Record[] {
  const code =
    req.kind === "http"
      ? HTTP_FORBIDDEN
      : req.kind === "kafka"
        ? KAFKA_TOPIC_AUTHORIZATION_FAILED
        : DNS_REFUSED;
  return [
    {
      type: "RESPONSE",
      verdict: VERDICT_DROPPED,
      timestampNs,
      ctx,
      ruleSet,
      latencyNs: 0,
      ...body(req, code),
    },
  ];
}

/** The RESPONSE record of a DNS answer the proxy let through. */
export function dnsAnswerRecord(
  answer: DnsAnswer,
  ctx: Uint32Array,
  timestampNs: number,
  latencyNs: number,
  ruleSet: number,
): L7Record {
  const ttls = answer.addresses.map((a) => a.ttl);
  return {
    type: "RESPONSE",
    verdict: VERDICT_FORWARDED,
    timestampNs,
    ctx,
    ruleSet,
    latencyNs,
    dns: {
      query: dotted(answer.query),
      ips: answer.addresses.map((a) => a.text),
      ttl: ttls.length === 0 ? 0 : Math.min(...ttls),
      cnames: answer.cnames.map(dotted),
      observation_source: "proxy",
      rcode: answer.rcode,
      qtypes: answer.qtype === undefined ? [] : [dnsTypeName(answer.qtype)],
      rrtypes: answer.rrtypes.map(dnsTypeName),
    },
  };
}
