/**
 * @fileoverview Evaluate one L7 request against one rule set, as Cilium's proxies do (cilium.md §1.6,
 * §1.9, §1.10): the request is allowed when any rule matches; within a rule every given field must
 * match. `trace` uses this today; the L7 datapath will use it for reassembled requests.
 *
 * - HTTP: `method`, `path` (with the query string) and `host` are RE2 regexes over the whole value
 *   (re2.ts); a header condition without value needs the header, with a value the exact value; a
 *   condition with a mismatch action (LOG, ADD, DELETE, REPLACE) never fails the rule. A value kept in
 *   a secret is unknown here: the condition uses the inline value if any, else does not match.
 *   Denied: HTTP 403 "Access denied".
 * - Kafka: api key in the rule's keys (a role is expanded already), exact version and client id; a
 *   topic constrains only api keys that carry topics, and every topic of the request must be allowed
 *   by some rule; a rule with a topic never allows a topic-carrying request whose topics are absent
 *   or unreadable (upstream `pkg/kafka/policy.go` Rule.Matches). Denied: error
 *   TOPIC_AUTHORIZATION_FAILED (29).
 * - DNS: the rule's anchored regex over the lower-cased name with a trailing dot. Denied: REFUSED.
 * - Generic proxylib rules are not evaluated (their parsers are not modelled): such sets answer
 *   "not evaluated".
 * A wildcard rule (RULE_WILDCARD) matches every request of its kind.
 */

import { KAFKA_TOPIC_AUTHORIZATION_FAILED, KAFKA_TOPIC_KEY_SET } from "./kafka.js";
import { compileAnchored, compileFullMatch } from "./re2.js";
import { RULE_WILDCARD } from "./rule-set.js";
import type { L7DnsRule, L7HttpRule, L7KafkaRule, L7RuleSet } from "./rule-set.js";

/** An HTTP request. */
export interface HttpRequest {
  readonly kind: "http";
  readonly method: string;
  /** `:path`, query string included. */
  readonly path: string;
  /** `:authority` / Host. */
  readonly host: string;
  /** Headers as (name, value). */
  readonly headers: readonly (readonly [string, string])[];
  /** "HTTP/1.0", "HTTP/1.1" or "HTTP/2" when decoded from the wire. */
  readonly protocol?: string;
  /** HTTP/2 stream id when decoded from HTTP/2. */
  readonly streamId?: number;
}

/** A Kafka request header. */
export interface KafkaRequest {
  readonly kind: "kafka";
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly clientId: string;
  /** Topics the request names (may be empty). */
  readonly topics: readonly string[];
  /** Correlation id when decoded from the wire. */
  readonly correlationId?: number;
  /** Nonzero when the request names topics the decoder could not read (topic ids, "all topics", unknown versions). */
  readonly topicsUnresolved?: number;
}

/** A DNS query. */
export interface DnsRequest {
  readonly kind: "dns";
  readonly name: string;
  /** Query type (1 A, 28 AAAA, ...) when decoded from the wire. */
  readonly qtype?: number;
  /** DNS message id when decoded from the wire. */
  readonly id?: number;
}

/** A request an L7 proxy sees. */
export type L7Request = HttpRequest | KafkaRequest | DnsRequest;

/** A rule of any set. */
export type L7AnyRule = L7RuleSet["rules"][number];

/** The outcome of one request against one set. */
export interface L7Decision {
  /** allowed, denied, or not evaluated (generic parsers). */
  readonly decision: "allowed" | "denied" | "not-evaluated";
  /** The rule that allowed it (the first matching; for Kafka topics, the one for the first topic). */
  readonly rule?: L7AnyRule;
  /** What the proxy answers a denied request with. */
  readonly response?: string;
  /** Rules that could not be evaluated (regexes without a JS equivalent, secrets). */
  readonly notes: readonly string[];
}

/** The answer a proxy of `kind` gives a denied request. */
export function deniedResponse(kind: L7RuleSet["kind"]): string {
  switch (kind) {
    case "http":
      return "HTTP 403 Access denied";
    case "kafka":
      return `Kafka error ${KAFKA_TOPIC_AUTHORIZATION_FAILED} TOPIC_AUTHORIZATION_FAILED`;
    case "dns":
      return "DNS REFUSED";
    case "generic":
      return "request refused by the proxylib parser";
  }
}

function regexMatches(source: string | undefined, value: string, notes: string[]): boolean {
  if (source === undefined) {
    return true;
  }
  const c = compileFullMatch(source);
  if (!c.ok) {
    notes.push(c.error);
    return false;
  }
  return c.re.test(value);
}

/** Whether a header condition holds for `req` (header names compare case-insensitively); reasons it cannot be evaluated go to `notes`. */
export function headerMatches(h: L7HttpRule["headers"][number], req: HttpRequest, notes: string[]): boolean {
  if (h.mismatch !== undefined) {
    return true;
  }
  const name = h.name.toLowerCase();
  let present = false;
  for (const [n, v] of req.headers) {
    if (n.length === name.length && n.toLowerCase() === name) {
      present = true;
      if (h.value !== undefined && v === h.value) {
        return true;
      }
    }
  }
  if (h.value === undefined) {
    if (h.secretName !== undefined) {
      notes.push(`header '${h.name}' compares with secret ${h.secretName}, whose value is not known here`);
      return false;
    }
    return present;
  }
  return false;
}

function httpMatches(rule: L7HttpRule, req: HttpRequest, notes: string[]): boolean {
  if (
    !regexMatches(rule.method, req.method, notes) ||
    !regexMatches(rule.path, req.path, notes) ||
    !regexMatches(rule.host, req.host, notes)
  ) {
    return false;
  }
  for (const h of rule.headers) {
    if (!headerMatches(h, req, notes)) {
      return false;
    }
  }
  return true;
}

function isWildcard(r: { readonly flags: number }): boolean {
  return (r.flags & RULE_WILDCARD) !== 0;
}

function kafkaBase(rule: L7KafkaRule, req: KafkaRequest): boolean {
  return (
    (rule.apiKeys.length === 0 || rule.apiKeys.includes(req.apiKey)) &&
    (rule.apiVersion === undefined || rule.apiVersion === req.apiVersion) &&
    (rule.clientId === undefined || rule.clientId === req.clientId)
  );
}

/** The first rule allowing `req` with topic `topic` (undefined: only rules without a topic qualify). */
function kafkaRuleFor(
  rules: readonly L7KafkaRule[],
  req: KafkaRequest,
  topic: string | undefined,
  anyTopic: boolean,
): L7KafkaRule | undefined {
  for (const r of rules) {
    if (isWildcard(r) || (kafkaBase(r, req) && (anyTopic || r.topic === undefined || r.topic === topic))) {
      return r;
    }
  }
  return undefined;
}

/** The Kafka rule that allows `req` (the first, for the first topic), or undefined. */
export function evalKafka(rules: readonly L7KafkaRule[], req: KafkaRequest): L7KafkaRule | undefined {
  if (!KAFKA_TOPIC_KEY_SET.has(req.apiKey)) {
    return kafkaRuleFor(rules, req, undefined, true);
  }
  if (req.topics.length === 0 || (req.topicsUnresolved ?? 0) !== 0) {
    // A rule with a topic matches only when the topic is in the request (upstream Rule.Matches).
    return kafkaRuleFor(rules, req, undefined, false);
  }
  let first: L7KafkaRule | undefined;
  for (const t of req.topics) {
    const r = kafkaRuleFor(rules, req, t, false);
    if (r === undefined) {
      return undefined;
    }
    first ??= r;
  }
  return first;
}

function dnsMatches(rule: L7DnsRule, name: string, notes: string[]): boolean {
  const c = compileAnchored(rule.regex);
  if (!c.ok) {
    notes.push(c.error);
    return false;
  }
  return c.re.test(name);
}

/** The DNS name a rule regex runs over: lower-cased, with a trailing dot. */
export function dnsRuleName(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
}

/** Evaluate `req` against `set`. */
export function evaluateL7(set: L7RuleSet, req: L7Request): L7Decision {
  const notes: string[] = [];
  if (set.kind === "generic") {
    notes.push(`the '${set.parser}' proxylib parser is not modelled`);
    return { decision: "not-evaluated", notes };
  }
  let rule: L7AnyRule | undefined;
  if (set.kind !== req.kind) {
    notes.push(`the ${set.kind} proxy cannot parse a ${req.kind} request`);
  } else if (set.kind === "http") {
    for (const r of set.rules) {
      if (isWildcard(r) || httpMatches(r, req as HttpRequest, notes)) {
        rule = r;
        break;
      }
    }
  } else if (set.kind === "kafka") {
    rule = evalKafka(set.rules, req as KafkaRequest);
  } else {
    const name = dnsRuleName((req as DnsRequest).name);
    for (const r of set.rules) {
      if (isWildcard(r) || dnsMatches(r, name, notes)) {
        rule = r;
        break;
      }
    }
  }
  return rule === undefined
    ? { decision: "denied", response: deniedResponse(set.kind), notes }
    : { decision: "allowed", rule, notes };
}
