/**
 * @fileoverview The L3 part of one rule element: which peer field it uses, and the IR peers.
 *
 * Upstream rules (`rule_validation.go`, `parserules.go`; cilium.md §1.2–§1.5):
 * - One peer kind per element: two non-empty peer lists in one element are an error.
 * - A peer list that is present but empty (`fromEndpoints: []`) selects nothing.
 * - No peer list at all: the element is L4-only (any peer) when it has ports or ICMP, else it allows
 *   nothing (`ingress: [{}]`) while still making the direction default-deny.
 * - `fromCIDR: [X]` ≡ `fromCIDRSet: [{cidr: X}]`; a bare address is a /32 or /128 in `fromCIDR` only;
 *   each `except` lies inside its `cidr`, same family. Host bits are masked, with a warning.
 * - `toFQDNs` selectors become fqdn peers; the addresses they match come from DNS answers given at
 *   compile time (the runtime does not learn them from traffic yet).
 * - `fromRequires` / `toRequires` were removed in Cilium 1.19; CIDR groups, cloud groups and node
 *   selectors need data sluice does not have and are reported as unsupported.
 */

import type { Peer } from "../../ir/entry.js";
import type { FqdnSelector } from "../../ir/l7.js";
import { formatPrefix, parsePrefix, prefixContains } from "../../net/ip.js";
import type { LMap, LNode } from "../../yaml/located.js";
import {
  S_BAD_CIDR,
  S_DENY_L7,
  S_PEERS_MIXED,
  S_REQUIRES_REMOVED,
  S_UNSUPPORTED,
  W_FQDN,
  W_HOST_BITS,
  asMap,
  asString,
  checkFields,
  field,
  isNull,
  keySpan,
  seqField,
} from "./context.js";
import type { Ctx } from "./context.js";
import { parseFqdnSelector } from "./fqdn.js";
import { endpointPeer, entityPeer } from "./selectors.js";
import { servicePeers } from "./services.js";

/** Peer fields of an ingress element, and their egress names. */
const INGRESS_PEERS = ["fromEndpoints", "fromCIDR", "fromCIDRSet", "fromEntities", "fromGroups", "fromNodes"];
const EGRESS_PEERS = [
  "toEndpoints",
  "toCIDR",
  "toCIDRSet",
  "toEntities",
  "toServices",
  "toFQDNs",
  "toGroups",
  "toNodes",
];

/** Peer fields an element of `direction` may have (the FQDN field only in egress allow rules). */
export function peerFields(direction: "ingress" | "egress", deny: boolean): string[] {
  const all = direction === "ingress" ? INGRESS_PEERS : EGRESS_PEERS;
  return deny ? all.filter((f) => f !== "toFQDNs") : all;
}

/** The L3 part of an element. */
export interface ElementPeers {
  /** Whether the element names any peer field (a non-null one). */
  readonly present: boolean;
  /** Peers, OR'ed (empty = nothing). */
  readonly peers: readonly Peer[];
  /** The non-empty peer field used (for rules that depend on it, e.g. toServices with toPorts). */
  readonly kind?: string;
  /** Whether any item failed to parse (already reported). */
  readonly failed: boolean;
}

/** Parse the peers of one element `map` of `direction` (a deny element when `deny`). */
export function parsePeers(
  map: LMap,
  direction: "ingress" | "egress",
  deny: boolean,
  ctx: Ctx,
): ElementPeers {
  const requires = direction === "ingress" ? "fromRequires" : "toRequires";
  if (map.entries.has(requires)) {
    ctx.diags.error(
      S_REQUIRES_REMOVED,
      `${requires} was removed in Cilium 1.19 (deprecated in 1.17)`,
      keySpan(map, requires),
      `express the requirement in every ${direction === "ingress" ? "fromEndpoints" : "toEndpoints"} selector instead`,
    );
  }
  if (deny && direction === "egress" && map.entries.has("toFQDNs")) {
    ctx.diags.error(
      S_DENY_L7,
      "deny rules cannot use toFQDNs",
      keySpan(map, "toFQDNs"),
      "deny the addresses with toCIDR, or allow only the names you want",
    );
  }
  const fields = peerFields(direction, deny).filter((f) => !isNull(map.entries.get(f)?.value));
  const nonEmpty = fields.filter((f) => {
    const v = field(map, f);
    return v?.kind !== "seq" || v.items.length > 0;
  });
  if (nonEmpty.length > 1) {
    ctx.diags.error(
      S_PEERS_MIXED,
      `combining ${nonEmpty[0]!} and ${nonEmpty[1]!} in one rule is not supported`,
      keySpan(map, nonEmpty[1]!),
      "split them into two rules (list items); peers of different rules are OR'ed",
      [{ message: `${nonEmpty[0]!} is here`, span: keySpan(map, nonEmpty[0]!) }],
    );
    return { present: true, peers: [], failed: true };
  }
  if (fields.length === 0) {
    return { present: false, peers: [], failed: false };
  }
  // A present-but-empty list selects nothing, whatever else the element says (parserules.go).
  const empty = fields.find((f) => f !== "toFQDNs" && !nonEmpty.includes(f));
  if (empty !== undefined) {
    return { present: true, peers: [], failed: false };
  }
  if (nonEmpty.length === 0) {
    return { present: false, peers: [], failed: false }; // only `toFQDNs: []`, which upstream ignores
  }
  const kind = nonEmpty[0]!;
  const items = seqField(map, kind, ctx) ?? [];
  const peers: Peer[] = [];
  let failed = items.length === 0 && field(map, kind)?.kind !== "seq";
  for (const item of items) {
    const got = parsePeerItem(kind, item, ctx);
    if (got === undefined) {
      failed = true;
    } else {
      peers.push(...got);
    }
  }
  if (kind === "toFQDNs") {
    ctx.diags.warn(
      W_FQDN,
      "fqdn-not-enforced",
      "toFQDNs allows the addresses DNS answers gave for these names; sluice does not learn answers from traffic yet",
      keySpan(map, kind),
      "give the answers at compile time with --fqdn name=ip (trace: --to-fqdn name --to ip)",
    );
  }
  return { present: true, peers, kind, failed };
}

/** The peers of one item of peer field `kind`, or undefined (reported). */
function parsePeerItem(kind: string, item: LNode, ctx: Ctx): Peer[] | undefined {
  switch (kind) {
    case "fromEndpoints":
    case "toEndpoints":
      return asMap(item, "an endpoint selector", ctx) === undefined ? undefined : [endpointPeer(item, ctx)];
    case "fromCIDR":
    case "toCIDR": {
      const text = asString(item, "a CIDR", ctx);
      const peer = text === undefined ? undefined : cidrPeer(text, [], item, true, ctx);
      return peer === undefined ? undefined : [peer];
    }
    case "fromCIDRSet":
    case "toCIDRSet": {
      const peer = cidrRulePeer(item, ctx);
      return peer === undefined ? undefined : [peer];
    }
    case "fromEntities":
    case "toEntities": {
      const peer = entityPeer(item, ctx);
      return peer === undefined ? undefined : [peer];
    }
    case "toServices":
      return servicePeers(item, ctx);
    case "toFQDNs": {
      const sel: FqdnSelector | undefined = parseFqdnSelector(item, "toFQDNs entry", ctx);
      return sel === undefined ? undefined : [{ kind: "fqdn", selector: sel, span: item.span }];
    }
    default:
      ctx.diags.error(
        S_UNSUPPORTED,
        `${kind} is not supported by sluice (${kind.endsWith("Groups") ? "cloud provider groups" : "node identities need enable-node-selector-labels"})`,
        item.span,
        kind.endsWith("Groups")
          ? "use toCIDR with the group's addresses"
          : "use the remote-node or host entity",
      );
      return undefined;
  }
}

/** A CIDR text → canonical prefix text, or undefined (reported). */
function parseCidr(text: string, node: LNode, bareAllowed: boolean, ctx: Ctx): string | undefined {
  if (!text.includes("/") && !bareAllowed) {
    ctx.diags.error(
      S_BAD_CIDR,
      `'${text}' is not a CIDR prefix`,
      node.span,
      `write ${text}/32 (or /128 for IPv6)`,
    );
    return undefined;
  }
  const p = parsePrefix(text, true);
  if (typeof p === "string") {
    ctx.diags.error(S_BAD_CIDR, `unable to parse CIDR: ${p}`, node.span, "write a prefix such as 10.0.0.0/8");
    return undefined;
  }
  const canonical = formatPrefix(p);
  if (typeof parsePrefix(text) === "string") {
    // Go's netip.ParsePrefix accepts host bits; Cilium uses the masked prefix.
    ctx.diags.warn(
      W_HOST_BITS,
      "cidr-host-bits",
      `${text} has host bits set; Cilium uses ${canonical}`,
      node.span,
      `write ${canonical}`,
    );
  }
  return canonical;
}

/** A CIDR peer from a cidr and excepts. */
function cidrPeer(
  text: string,
  except: string[],
  node: LNode,
  bareAllowed: boolean,
  ctx: Ctx,
): Peer | undefined {
  const cidr = parseCidr(text, node, bareAllowed, ctx);
  return cidr === undefined ? undefined : { kind: "cidr", cidr, except, span: node.span };
}

/** One fromCIDRSet / toCIDRSet item. */
function cidrRulePeer(item: LNode, ctx: Ctx): Peer | undefined {
  const map = asMap(item, "a CIDR rule", ctx);
  if (map === undefined) {
    return undefined;
  }
  checkFields(map, ["cidr", "except", "cidrGroupRef", "cidrGroupSelector"], "CIDR rule", ctx);
  for (const g of ["cidrGroupRef", "cidrGroupSelector"]) {
    if (map.entries.has(g)) {
      ctx.diags.error(
        S_UNSUPPORTED,
        `${g} is not supported by sluice (CiliumCIDRGroup objects are not read)`,
        keySpan(map, g),
        "write the group's CIDRs as cidr entries",
      );
      return undefined;
    }
  }
  const cidrNode = field(map, "cidr");
  const text = cidrNode === undefined ? undefined : asString(cidrNode, "cidr", ctx);
  if (text === undefined) {
    if (cidrNode === undefined) {
      ctx.diags.error(S_BAD_CIDR, "a CIDR rule needs a cidr", map.span, "add cidr: 10.0.0.0/8");
    }
    return undefined;
  }
  const cidr = parseCidr(text, cidrNode!, false, ctx);
  if (cidr === undefined) {
    return undefined;
  }
  const outer = parsePrefix(cidr);
  const except: string[] = [];
  for (const e of seqField(map, "except", ctx) ?? []) {
    const et = asString(e, "an except entry", ctx);
    const inner = et === undefined ? undefined : parseCidr(et, e, false, ctx);
    if (inner === undefined) {
      continue;
    }
    const ip = parsePrefix(inner);
    if (typeof outer !== "string" && typeof ip !== "string" && !prefixContains(outer, ip)) {
      ctx.diags.error(
        S_BAD_CIDR,
        `allow CIDR prefix ${cidr} does not contain exclude CIDR prefix ${inner}`,
        e.span,
        "remove the except or widen the cidr",
        [{ message: "the cidr", span: cidrNode!.span }],
      );
      continue;
    }
    except.push(inner);
  }
  return { kind: "cidr", cidr, except, span: item.span };
}
