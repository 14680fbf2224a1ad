/**
 * @fileoverview L7 rule sets as the bundle carries them: the body of the L7_RULES section (kind 6) and
 * the decoded values the proxy side (trace now, the L7 datapath later) evaluates requests against.
 *
 * A policy row whose action is a redirect names one rule set by index. A set is what Cilium's proxy
 * holds for one (endpoint, direction, peer identity, port): the L7 rules of every allow rule on that
 * key, merged (cilium.md §2.3). A request is allowed when any rule of the set matches it.
 *
 * Body layout, all u32 little-endian; a string is an index into the body's string table, NO_STR = none:
 *
 *     version            L7_FORMAT_VERSION
 *     string count S     then S strings: byte length, UTF-8 bytes zero-padded to a multiple of 4
 *     set count N        then N sets:
 *       kind             L7_HTTP | L7_KAFKA | L7_DNS | L7_GENERIC
 *       parser           string: the proxylib parser name (generic), else NO_STR
 *       rule count R     then R rules:
 *         rule id        source-map rule id of the IR rule it came from
 *         index          0-based index in that rule's L7 list, NO_INDEX for a merged-in wildcard
 *         line, column   1-based position of the L7 rule in its file (0 = unknown)
 *         flags          RULE_WILDCARD | RULE_FROM_L4 | RULE_IMPLICIT
 *         then by kind:
 *         http           method, path, host (strings: RE2 sources as written, unanchored),
 *                        header count H, H × (name, value, secret namespace, secret name: strings,
 *                        mismatch: 0 none, 1 LOG, 2 ADD, 3 DELETE, 4 REPLACE)
 *         kafka          role (0 none, 1 produce, 2 consume), api version (NO_VALUE = any),
 *                        client id, topic (strings), key count K, K api keys (empty = every key)
 *         dns            match name, match pattern, regex (strings; the regex is anchored already)
 *         generic        pair count P, P × (key, value) strings
 *
 * The section is not verified at load, so the decoder (decode.ts) checks every count and index
 * against the body length and refuses a malformed body as a whole.
 */

/** Format version: the first word of the body. */
export const L7_FORMAT_VERSION = 1;
/** Set kind: HTTP (and gRPC). */
export const L7_HTTP = 1;
/** Set kind: Kafka. */
export const L7_KAFKA = 2;
/** Set kind: DNS. */
export const L7_DNS = 3;
/** Set kind: generic proxylib parser (`l7proto`). */
export const L7_GENERIC = 4;
/** String index meaning "absent". */
export const NO_STR = 0xffffffff;
/** Rule index of a wildcard merged in from an L4-only rule or `ensureWildcard`. */
export const NO_INDEX = 0xffffffff;
/** Numeric field meaning "absent" (Kafka api version). */
export const NO_VALUE = 0xffffffff;

/** Rule flag: the rule matches every request (its fields are ignored). */
export const RULE_WILDCARD = 1 << 0;
/** Rule flag: merged in because an L4-only allow has the same peer and port (§2.3). */
export const RULE_FROM_L4 = 1 << 1;
/** Rule flag: added by `ensureWildcard` (the direction is not default-deny). */
export const RULE_IMPLICIT = 1 << 2;
/** All rule flags this version defines. */
export const RULE_FLAGS_KNOWN = RULE_WILDCARD | RULE_FROM_L4 | RULE_IMPLICIT;

/** Header mismatch actions by their number in the body (index 0 = none). */
export const MISMATCH_ACTIONS = [undefined, "LOG", "ADD", "DELETE", "REPLACE"] as const;

/** Where a rule of a set came from. */
export interface L7RuleOrigin {
  /** Source-map rule id (IR entry) the rule belongs to. */
  readonly ruleId: number;
  /** Index in that entry's L7 list; NO_INDEX for a merged-in wildcard. */
  readonly index: number;
  /** 1-based line of the L7 rule (0 = unknown). */
  readonly line: number;
  /** 1-based column of the L7 rule (0 = unknown). */
  readonly column: number;
  /** RULE_* bits. */
  readonly flags: number;
}

/** A header condition of an HTTP rule. */
export interface L7Header {
  /** Header name. */
  readonly name: string;
  /** Exact value; absent = presence. */
  readonly value?: string;
  /** Secret namespace. */
  readonly secretNamespace?: string;
  /** Secret name (the value is the fallback). */
  readonly secretName?: string;
  /** Mismatch action; absent = a mismatch fails the rule. */
  readonly mismatch?: "LOG" | "ADD" | "DELETE" | "REPLACE";
}

/** An HTTP rule in a set. */
export interface L7HttpRule extends L7RuleOrigin {
  /** RE2 source over the whole method. */
  readonly method?: string;
  /** RE2 source over the whole path (query string included). */
  readonly path?: string;
  /** RE2 source over the whole authority. */
  readonly host?: string;
  /** Header conditions. */
  readonly headers: readonly L7Header[];
}

/** A Kafka rule in a set. */
export interface L7KafkaRule extends L7RuleOrigin {
  /** Role as written. */
  readonly role?: "produce" | "consume";
  /** Exact api version. */
  readonly apiVersion?: number;
  /** Exact client id. */
  readonly clientId?: string;
  /** Exact topic. */
  readonly topic?: string;
  /** Allowed api keys; empty = every key. */
  readonly apiKeys: readonly number[];
}

/** A DNS rule in a set. */
export interface L7DnsRule extends L7RuleOrigin {
  /** Literal name as written. */
  readonly matchName?: string;
  /** Pattern as written. */
  readonly matchPattern?: string;
  /** Anchored regex over the lower-cased name with its trailing dot ("" for a wildcard). */
  readonly regex: string;
}

/** A generic proxylib rule in a set. */
export interface L7GenericRule extends L7RuleOrigin {
  /** Key/value pairs, as written. */
  readonly pairs: readonly (readonly [string, string])[];
}

/** One rule set. */
export type L7RuleSet =
  | { readonly kind: "http"; readonly rules: readonly L7HttpRule[] }
  | { readonly kind: "kafka"; readonly rules: readonly L7KafkaRule[] }
  | { readonly kind: "dns"; readonly rules: readonly L7DnsRule[] }
  | { readonly kind: "generic"; readonly parser: string; readonly rules: readonly L7GenericRule[] };

/** Kind numbers by name. */
export const L7_KIND_NUMBERS: Readonly<Record<L7RuleSet["kind"], number>> = {
  http: L7_HTTP,
  kafka: L7_KAFKA,
  dns: L7_DNS,
  generic: L7_GENERIC,
};
