/**
 * @fileoverview Shared pieces of the Calico policy front end: diagnostic codes (their table is in
 * index.ts), the per-policy context, and typed readers for located YAML nodes that report what they
 * cannot use and return undefined, so a caller can carry on with the rest of a policy.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import type { KubeObject } from "../../../input/read-objects.js";
import type { LMap, LNode, LScalar } from "../../../yaml/located.js";

// ## Diagnostic codes

/** Unknown field (shared with the Kubernetes and Cilium front ends). */
export const S_UNKNOWN_FIELD = "S2001";
/** Field of the wrong type (shared). */
export const S_WRONG_TYPE = "S2002";
/** Object without metadata.name (shared). */
export const S_MISSING_NAME = "S2003";
/** Resource name that upstream's name patterns reject. */
export const S_BAD_NAME = "S2301";
/** A GlobalNetworkPolicy-only field in a namespaced policy. */
export const S_GLOBAL_ONLY_FIELD = "S2302";
/** A list or string longer than the CRD allows. */
export const S_TOO_LONG = "S2303";
/** A value outside its enumeration (action, types, stagedAction, defaultAction, ipVersion, hints). */
export const S_BAD_ENUM = "S2304";
/** A required field is missing (rule action, HostEndpoint node, service name). */
export const S_MISSING_FIELD = "S2305";
/** A duplicate list entry (types, HTTP methods, performance hints). */
export const S_DUPLICATE_ENTRY = "S2306";
/** Selector syntax error (the span points into the selector string). */
export const S_BAD_SELECTOR = "S3301";
/** global() where it is not allowed. */
export const S_GLOBAL_SELECTOR = "S3302";
/** A policy names a tier that does not exist. */
export const S_UNKNOWN_TIER = "S3303";
/** A built-in tier declared with the wrong order or default action. */
export const S_BUILTIN_TIER = "S3304";
/** Bad protocol / notProtocol. */
export const S_BAD_PROTOCOL = "S3305";
/** Bad port or port range. */
export const S_BAD_PORT = "S3306";
/** Ports without protocol TCP, UDP or SCTP. */
export const S_PORTS_NEED_PROTOCOL = "S3307";
/** Bad ICMP match (code without type, out of range, protocol or IP version mismatch). */
export const S_BAD_ICMP = "S3308";
/** Bad CIDR, IPv4/IPv6 mix, CIDR family against ipVersion, notNets with a /0. */
export const S_BAD_CIDR = "S3309";
/** `services` misuse. */
export const S_BAD_SERVICES = "S3310";
/** `http` misuse. */
export const S_BAD_HTTP = "S3311";
/** doNotTrack / preDNAT / applyOnForward combination upstream rejects. */
export const S_HOST_FLAGS = "S3312";
/** stagedAction Delete with spec fields set. */
export const S_STAGED_DELETE = "S3313";
/** Invalid HostEndpoint. */
export const S_BAD_HOST_ENDPOINT = "S3314";
/** The same object declared twice. */
export const S_DUPLICATE_OBJECT = "S3315";
/** A selector reads service-account labels, which the cluster model lacks (warning). */
export const W_SA_LABELS = "W3301";
/** HostEndpoints are parsed but not modelled (warning). */
export const W_HOST_ENDPOINTS = "W3302";
/** doNotTrack / preDNAT / applyOnForward: host-endpoint behaviour is not modelled (warning). */
export const W_HOST_POLICY = "W3303";
/** `services` names no Service of the inputs (warning). */
export const W_UNKNOWN_SERVICE = "W3304";
/** `services` names a Service without a selector (warning). */
export const W_SERVICE_NO_SELECTOR = "W3305";
/** Source-port matches cannot be expressed in the IR yet (warning). */
export const W_SOURCE_PORTS = "W3306";
/** CIDR matches on the subject side cannot be expressed in the IR yet (warning). */
export const W_SUBJECT_NETS = "W3307";

// ## Context

/** Where a policy comes from: what its selectors are scoped to. */
export interface PolicyScope {
  /** Object kind as written (NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy, ...). */
  readonly kind: string;
  /** Namespace of a namespaced policy; "" for a global one. */
  readonly namespace: string;
  /** Whether the kind is global (GlobalNetworkPolicy, StagedGlobalNetworkPolicy). */
  readonly global: boolean;
}

/** State of one policy object's compilation. */
export interface Ctx {
  readonly diags: Diagnostics;
  /** Every input object (Services are looked up here). */
  readonly objects: readonly KubeObject[];
  readonly scope: PolicyScope;
}

// ## Readers

/** Whether a node is absent or an explicit null. */
export function isNull(n: LNode | undefined): n is undefined {
  return n === undefined || (n.kind === "scalar" && n.value === null);
}

/** Report fields of `map` not in `allowed` (with a suggestion for case slips or a better home). */
export function checkFields(
  map: LMap,
  allowed: readonly string[],
  where: string,
  diags: Diagnostics,
  elsewhere: Readonly<Record<string, string>> = {},
): void {
  for (const [k, { keySpan }] of map.entries) {
    if (allowed.includes(k)) {
      continue;
    }
    const home = elsewhere[k];
    if (home !== undefined) {
      diags.error(S_GLOBAL_ONLY_FIELD, `'${k}' is not a field of ${where}`, keySpan, home);
      continue;
    }
    const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase());
    diags.error(
      S_UNKNOWN_FIELD,
      `unknown field '${k}' in ${where}`,
      keySpan,
      near !== undefined ? `did you mean '${near}'?` : `allowed: ${allowed.join(", ")}`,
    );
  }
}

/** A field's value node, if present and not null. */
export function field(map: LMap, key: string): LNode | undefined {
  const v = map.entries.get(key)?.value;
  return isNull(v) ? undefined : v;
}

/** A field's key span, or the map's span when absent. */
export function keySpan(map: LMap, key: string): Span {
  return map.entries.get(key)?.keySpan ?? map.span;
}

/** A mapping node (reported when not a mapping). */
export function asMap(n: LNode, what: string, diags: Diagnostics): LMap | undefined {
  if (n.kind !== "map") {
    diags.error(S_WRONG_TYPE, `${what} must be a mapping`, n.span, "write it as key: value lines");
    return undefined;
  }
  return n;
}

/** A mapping field: undefined when absent or not a mapping (reported). */
export function mapField(map: LMap, key: string, diags: Diagnostics): LMap | undefined {
  const v = field(map, key);
  return v === undefined ? undefined : asMap(v, key, diags);
}

/** A list field: [] when absent or null, undefined when not a list (reported). */
export function seqField(map: LMap, key: string, diags: Diagnostics): readonly LNode[] | undefined {
  const v = field(map, key);
  if (v === undefined) {
    return [];
  }
  if (v.kind !== "seq") {
    diags.error(S_WRONG_TYPE, `${key} must be a list`, v.span, `write ${key}: [ ... ]`);
    return undefined;
  }
  return v.items;
}

/** A string scalar node (reported when another type). */
export function asStringNode(n: LNode, what: string, diags: Diagnostics): LScalar | undefined {
  if (n.kind !== "scalar" || typeof n.value !== "string") {
    diags.error(S_WRONG_TYPE, `${what} must be a string`, n.span, "quote it");
    return undefined;
  }
  return n;
}

/** A string field's scalar: undefined when absent (or reported when not a string). */
export function stringNode(map: LMap, key: string, diags: Diagnostics): LScalar | undefined {
  const v = field(map, key);
  return v === undefined ? undefined : asStringNode(v, key, diags);
}

/** A string field's value: undefined when absent (or reported when not a string). */
export function stringField(map: LMap, key: string, diags: Diagnostics): string | undefined {
  const v = stringNode(map, key, diags);
  return v === undefined ? undefined : (v.value as string);
}

/** A boolean field: false when absent (reported when not a boolean). */
export function boolField(map: LMap, key: string, diags: Diagnostics): boolean {
  const v = field(map, key);
  if (v === undefined) {
    return false;
  }
  if (v.kind !== "scalar" || typeof v.value !== "boolean") {
    diags.error(S_WRONG_TYPE, `${key} must be true or false`, v.span, `write ${key}: true (unquoted)`);
    return false;
  }
  return v.value;
}

/** A number field: undefined when absent (reported when not a number). */
export function numberField(map: LMap, key: string, diags: Diagnostics): number | undefined {
  const v = field(map, key);
  if (v === undefined) {
    return undefined;
  }
  if (v.kind !== "scalar" || typeof v.value !== "number" || !Number.isFinite(v.value)) {
    diags.error(S_WRONG_TYPE, `${key} must be a number`, v.span, `write e.g. ${key}: 100 (unquoted)`);
    return undefined;
  }
  return v.value;
}

/** Report a list longer than `max` (CRD `MaxItems`); true when within the limit. */
export function checkMaxItems(
  items: readonly LNode[],
  max: number,
  what: string,
  span: Span,
  diags: Diagnostics,
): boolean {
  if (items.length <= max) {
    return true;
  }
  diags.error(
    S_TOO_LONG,
    `${what} has ${items.length} entries; at most ${max} are allowed`,
    span,
    "split it into several rules or policies",
  );
  return false;
}

/** The span of an object's `metadata.name` value, else of the object. */
export function nameSpan(node: LMap): Span {
  const meta = node.entries.get("metadata")?.value;
  const name = meta?.kind === "map" ? meta.entries.get("name")?.value : undefined;
  return (name ?? meta ?? node).span;
}
