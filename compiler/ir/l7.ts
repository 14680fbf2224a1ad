/**
 * @fileoverview L7 rule sets: what a proxy checks on a connection an IR rule allows at L4 (Cilium's
 * `toPorts[].rules`; ../shared/reference/cilium.md §1.6, §1.9, §1.10).
 *
 * One rule set hangs off one RuleEntry (`RuleEntry.l7`) and applies to that entry's peers × ports. A
 * request (an HTTP request, a Kafka request, a DNS query) is allowed when **any** rule of the set
 * matches it; within one rule every given field must match, and an absent field matches anything, so
 * an empty rule (`{}`) is the L7 wildcard. A set with no rules allows no request. Denied requests are
 * answered, not dropped: HTTP 403, DNS REFUSED, Kafka an error response.
 *
 * - HTTP: `method`, `path` and `host` are RE2 regular expressions matched against the **whole** value
 *   (`httpRegexSource` anchors them): `:method`, `:path` including the query string, `:authority`.
 *   gRPC has no rule type of its own: a gRPC call is an HTTP/2 `POST` to `/<package>.<Service>/<Method>`,
 *   so a gRPC rule is an HTTP rule with `method: POST` and that path.
 * - Kafka (Cilium ≤ 1.19): a role is already expanded into its API keys; `topic` only constrains
 *   requests whose API key carries topics (`KAFKA_TOPIC_KEYS`), and a request naming several topics
 *   needs every one of them allowed.
 * - DNS: each rule is a name or a pattern, compiled to an anchored regular expression over the
 *   lower-cased query name with its trailing dot. `toFQDNs` selectors have the same shape.
 * - Generic (Cilium ≤ 1.19 `l7proto` + `l7`): key/value rules for a named proxylib parser, kept as written.
 *
 * `implicitWildcard` records Cilium's `ensureWildcard` (`pkg/policy/l4.go`, issue #38676): when the
 * rule's direction is not default-deny, an allow-all rule is added so the L7 rules do not deny traffic
 * that would otherwise be allowed.
 */

import type { Span } from "../diagnostics/source.js";
import { KAFKA_KEY_NAMES, KAFKA_TOPIC_KEY_SET } from "../../runtime/l7/kafka.js";

/** Fields every rule set has. */
interface L7Base {
  /** An allow-all rule is implied (the direction is not default-deny). */
  readonly implicitWildcard: boolean;
  /** Span of the `rules` block, for diagnostics. */
  readonly span?: Span;
}

/** A header condition of an HTTP rule. */
export interface HttpHeaderMatch {
  /** Header name (case-insensitive on the wire). */
  readonly name: string;
  /** Exact value; absent = the header must be present. */
  readonly value?: string;
  /** A Kubernetes secret holding the value (the value is the fallback when the secret is missing). */
  readonly secret?: { readonly namespace?: string; readonly name: string };
  /** What to do on mismatch; absent = the rule does not match. With an action the rule still matches. */
  readonly mismatch?: "LOG" | "ADD" | "DELETE" | "REPLACE";
}

/** One HTTP rule; absent fields match anything. */
export interface HttpRule {
  /** RE2 regex over the whole method. */
  readonly method?: string;
  /** RE2 regex over the whole `:path`, query string included. */
  readonly path?: string;
  /** RE2 regex over the whole `:authority` (Host). */
  readonly host?: string;
  /** Header conditions, all of which must hold. */
  readonly headers: readonly HttpHeaderMatch[];
  /** Span of the rule. */
  readonly span?: Span;
}

/** One Kafka rule (Cilium ≤ 1.19); absent fields match anything. */
export interface KafkaRule {
  /** The role as written (lower-cased), if the rule named one. */
  readonly role?: "produce" | "consume";
  /** Allowed API keys (role expanded); empty = every key. */
  readonly apiKeys: readonly number[];
  /** Exact API version. */
  readonly apiVersion?: number;
  /** Exact client id. */
  readonly clientId?: string;
  /** Exact topic. */
  readonly topic?: string;
  /** Span of the rule. */
  readonly span?: Span;
}

/** One DNS name rule or FQDN selector: a literal name or a wildcard pattern. */
export interface DnsRule {
  /** The literal name as written. */
  readonly matchName?: string;
  /** The pattern as written. */
  readonly matchPattern?: string;
  /** Anchored regex source over the lower-cased name with a trailing dot. */
  readonly regex: string;
  /** Span of the rule. */
  readonly span?: Span;
}

/** A `toFQDNs` selector: the same shape as a DNS rule. */
export type FqdnSelector = DnsRule;

/** HTTP (and gRPC) rules. */
export interface HttpRules extends L7Base {
  readonly kind: "http";
  readonly rules: readonly HttpRule[];
}

/** Kafka rules. */
export interface KafkaRules extends L7Base {
  readonly kind: "kafka";
  readonly rules: readonly KafkaRule[];
}

/** DNS proxy rules. */
export interface DnsRules extends L7Base {
  readonly kind: "dns";
  readonly rules: readonly DnsRule[];
}

/** Generic proxylib rules (`l7proto` + `l7`). */
export interface GenericL7Rules extends L7Base {
  readonly kind: "generic";
  /** Parser name (`l7proto`). */
  readonly proto: string;
  /** Key/value rules, as written. */
  readonly rules: readonly Readonly<Record<string, string>>[];
}

/** One L7 rule set: exactly one protocol per set. */
export type L7Rules = HttpRules | KafkaRules | DnsRules | GenericL7Rules;

/** The regex an HTTP field compiles to: the whole value must match (Envoy's `safe_regex` semantics). */
export function httpRegexSource(field: string): string {
  return `^(?:${field})$`;
}

/** Kafka API key names, indexed by key number (upstream `kafka.go` `APIKeyMap`, 0–33); owned by the runtime. */
export const KAFKA_API_KEYS: readonly string[] = KAFKA_KEY_NAMES;

/** API keys each Kafka role expands to (upstream `GetAPIKeys`). */
export const KAFKA_ROLE_KEYS: Readonly<Record<"produce" | "consume", readonly number[]>> = {
  // produce, metadata, apiversions
  produce: [0, 3, 18],
  // fetch, offsets, metadata, offsetcommit, offsetfetch, findcoordinator, joingroup, heartbeat,
  // leavegroup, syncgroup, apiversions
  consume: [1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18],
};

/** API keys whose requests carry topics (upstream `kafka.go`); `topic` is ignored for the others. */
export const KAFKA_TOPIC_KEYS: ReadonlySet<number> = KAFKA_TOPIC_KEY_SET;
