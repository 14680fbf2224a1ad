/**
 * @fileoverview Shared pieces of the Cilium front end: diagnostic codes, the options, the per-policy
 * context, and typed readers for located YAML nodes that report what they cannot use.
 *
 * The codes are listed with their meaning in cilium-policy.ts's header table; every reader here reports
 * on the offending node's span and returns undefined, so a caller can carry on with the rest of a rule.
 */

import type { Diagnostics } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/source.js";
import type { KubeObject } from "../../input/read-objects.js";
import type { LMap, LNode } from "../../yaml/located.js";

// ## Diagnostic codes

/** Unknown field (shared with the Kubernetes front end). */
export const S_UNKNOWN_FIELD = "S2001";
/** Field of the wrong type. */
export const S_WRONG_TYPE = "S2002";
/** Policy without metadata.name. */
export const S_MISSING_NAME = "S2003";
/** Neither `spec` nor `specs`. */
export const S_EMPTY_POLICY = "S2201";
/** Not exactly one of endpointSelector / nodeSelector. */
export const S_SUBJECT = "S2202";
/** nodeSelector in a namespaced CiliumNetworkPolicy. */
export const S_NODE_SELECTOR_CNP = "S2203";
/** A rule without ingress, ingressDeny, egress or egressDeny. */
export const S_NO_DIRECTION = "S2204";
/** fromRequires / toRequires (removed in Cilium 1.19). */
export const S_REQUIRES_REMOVED = "S2205";
/** A field the selected Cilium schema no longer has (kafka, l7proto, l7 under 1.20). */
export const S_REMOVED_IN_VERSION = "S2206";
/** A port that is missing or not a string. */
export const S_PORT_FIELD = "S2207";
/** Too many ports (> 40) or ICMP fields (> 40). */
export const S_TOO_MANY = "S2208";
/** Peer kinds mixed in one rule. */
export const S_PEERS_MIXED = "S3201";
/** Bad port or endPort. */
export const S_BAD_PORT = "S3202";
/** Bad protocol. */
export const S_BAD_PROTOCOL = "S3203";
/** Bad CIDR or except. */
export const S_BAD_CIDR = "S3204";
/** Unknown entity. */
export const S_BAD_ENTITY = "S3205";
/** Bad ICMP field, or icmps with toPorts. */
export const S_BAD_ICMP = "S3206";
/** L7 rules where they cannot apply. */
export const S_L7_PLACEMENT = "S3207";
/** L7 rules or toFQDNs in a deny rule. */
export const S_DENY_L7 = "S3208";
/** A regular expression that RE2 rejects. */
export const S_BAD_REGEX = "S3209";
/** Bad Kafka rule. */
export const S_BAD_KAFKA = "S3210";
/** Bad FQDN selector or DNS rule. */
export const S_BAD_FQDN = "S3211";
/** Bad HTTP header match. */
export const S_BAD_HEADER = "S3212";
/** Bad toServices entry. */
export const S_BAD_SERVICE = "S3213";
/** toServices together with toPorts. */
export const S_SERVICE_PORTS = "S3214";
/** A construct sluice does not support (CIDR groups, cloud groups, node selectors). */
export const S_UNSUPPORTED = "S3215";
/** L7 rules in a host policy. */
export const S_HOST_L7 = "S3216";
/** TLS, SNI or listener misuse. */
export const S_TLS = "S3217";
/** Bad `log` value. */
export const S_BAD_LOG = "S3218";
/** A Cilium policy in a compile for another CNI. */
export const S_WRONG_CNI = "S3219";
/** toServices names no Service of the inputs (warning). */
export const W_UNKNOWN_SERVICE = "W3201";
/** toServices names a Service without a selector (warning). */
export const W_SERVICE_NO_SELECTOR = "W3202";
/** toFQDNs is parsed but not enforced (warning). */
export const W_FQDN = "W3203";
/** L7 rules are parsed but enforced as L4 allows (warning). */
export const W_L7 = "W3204";
/** A CNP endpointSelector names another namespace (warning). */
export const W_SUBJECT_NAMESPACE = "W3205";
/** Mutual authentication is not enforced (warning). */
export const W_AUTH = "W3206";
/** A CIDR with host bits set (warning). */
export const W_HOST_BITS = "W3207";
/** A toPorts entry without ports allows nothing (warning). */
export const W_EMPTY_PORT_RULE = "W3208";

// ## Options and context

/** The Cilium policy schema sluice reads: ≤ 1.19 (with Kafka) or 1.20 (HTTP and DNS L7 only). */
export type CiliumVersion = "1.19" | "1.20";

/** Where Cilium policies land in evaluation order. */
export interface CiliumPlacement {
  readonly tier: number;
  readonly tierName: string;
  readonly order: number;
}

/** Options of the Cilium front end. */
export interface CiliumOptions {
  /** Schema version: "1.19" (default) accepts Kafka rules, "1.20" reports them. */
  readonly ciliumVersion?: CiliumVersion;
  /** Every input object of the compile: toServices looks Services up here. */
  readonly objects?: readonly KubeObject[];
  /** Evaluation placement (default tier 0 "default", order 0). */
  readonly placement?: CiliumPlacement;
}

/** How peer endpoint selectors are scoped (cilium.md §1.11). */
export type Scope =
  /** CiliumNetworkPolicy: selectors without a namespace key get this namespace. */
  | { readonly kind: "namespace"; readonly namespace: string }
  /** CiliumClusterwideNetworkPolicy: selectors get "has a namespace" unless the subject is init. */
  | { readonly kind: "cluster"; readonly matchesInit: boolean };

/** State of one policy object's compilation. */
export interface Ctx {
  readonly diags: Diagnostics;
  readonly version: CiliumVersion;
  readonly objects: readonly KubeObject[];
  /** Namespace of a CiliumNetworkPolicy; undefined for a clusterwide policy. */
  readonly namespace: string | undefined;
  /** Whether the current rule is a host policy (nodeSelector). */
  hostPolicy: boolean;
  /** Peer selector scoping of the current rule. */
  scope: Scope;
  /** Whether the l7-not-enforced warning was given for this policy. */
  l7Warned: boolean;
}

// ## Readers

/** Whether a node is absent or an explicit null. */
export function isNull(n: LNode | undefined): n is undefined {
  return n === undefined || (n.kind === "scalar" && n.value === null);
}

/** Report fields of `map` not in `allowed` (with a suggestion for case slips). */
export function checkFields(map: LMap, allowed: readonly string[], where: string, ctx: Ctx): void {
  for (const [k, { keySpan }] of map.entries) {
    if (!allowed.includes(k)) {
      const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase());
      ctx.diags.error(
        S_UNKNOWN_FIELD,
        `unknown field '${k}' in ${where}`,
        keySpan,
        near !== undefined ? `did you mean '${near}'?` : `allowed: ${allowed.join(", ")}`,
      );
    }
  }
}

/** A field's value node, if present and not null. */
export function field(map: LMap, key: string): LNode | undefined {
  const v = map.entries.get(key)?.value;
  return isNull(v) ? undefined : v;
}

/** A field's key span (for diagnostics about the field as a whole). */
export function keySpan(map: LMap, key: string): Span {
  return map.entries.get(key)?.keySpan ?? map.span;
}

/** A list field: undefined when absent or null, the items otherwise (reported when not a list). */
export function seqField(map: LMap, key: string, ctx: Ctx): readonly LNode[] | undefined {
  const v = field(map, key);
  if (v === undefined) {
    return undefined;
  }
  if (v.kind !== "seq") {
    ctx.diags.error(S_WRONG_TYPE, `${key} must be a list`, v.span, `write ${key}: [ ... ]`);
    return undefined;
  }
  return v.items;
}

/** A mapping node (reported when not a mapping). */
export function asMap(n: LNode, what: string, ctx: Ctx): LMap | undefined {
  if (n.kind !== "map") {
    ctx.diags.error(
      S_WRONG_TYPE,
      `${what} must be a mapping`,
      n.span,
      "write it as key: value lines (or {key: value})",
    );
    return undefined;
  }
  return n;
}

/** A string scalar (reported when another type). */
export function asString(n: LNode, what: string, ctx: Ctx): string | undefined {
  if (n.kind !== "scalar" || typeof n.value !== "string") {
    ctx.diags.error(S_WRONG_TYPE, `${what} must be a string`, n.span, `quote it: "${scalarText(n)}"`);
    return undefined;
  }
  return n.value;
}

/** A string field: undefined when absent (or reported when not a string). */
export function stringField(map: LMap, key: string, ctx: Ctx): string | undefined {
  const v = field(map, key);
  return v === undefined ? undefined : asString(v, key, ctx);
}

/** A boolean field: undefined when absent (or reported when not a boolean). */
export function boolField(map: LMap, key: string, ctx: Ctx): boolean | undefined {
  const v = field(map, key);
  if (v === undefined) {
    return undefined;
  }
  if (v.kind !== "scalar" || typeof v.value !== "boolean") {
    ctx.diags.error(
      S_WRONG_TYPE,
      `${key} must be true or false`,
      v.span,
      `write ${key}: true or ${key}: false (unquoted)`,
    );
    return undefined;
  }
  return v.value;
}

/** The source text of a node (for messages). */
export function scalarText(n: LNode): string {
  return n.span.file.text.slice(n.span.start, n.span.end).trim();
}
