/**
 * @fileoverview `icmps: [{fields: [{family, type}]}]` → ICMP port clauses (upstream `icmp.go`,
 * cilium.md §1.8).
 *
 * `family` is IPv4 (the default) or IPv6; `type` is 0–255 or the CamelCase name of a type of that
 * family. Each field becomes a clause on protocol 1 or 58 with the type; the code is not matched. At
 * most 40 fields per rule.
 */

import { PROTO_ICMP, PROTO_ICMPV6 } from "../../ir/entry.js";
import type { PortMatch } from "../../ir/entry.js";
import type { LNode } from "../../yaml/located.js";
import { S_BAD_ICMP, S_TOO_MANY, asMap, checkFields, field, seqField, stringField } from "./context.js";
import type { Ctx } from "./context.js";

/** Most fields one ICMP rule may list (upstream `maxICMPFields`). */
export const MAX_ICMP_FIELDS = 40;

/** ICMPv4 type names (upstream `icmpIpv4TypeNameToCode`). */
export const ICMP4_TYPES: ReadonlyMap<string, number> = new Map([
  ["EchoReply", 0],
  ["DestinationUnreachable", 3],
  ["Redirect", 5],
  ["Echo", 8],
  ["EchoRequest", 8],
  ["RouterAdvertisement", 9],
  ["RouterSelection", 10],
  ["TimeExceeded", 11],
  ["ParameterProblem", 12],
  ["Timestamp", 13],
  ["TimestampReply", 14],
  ["Photuris", 40],
  ["ExtendedEchoRequest", 42],
  ["ExtendedEchoReply", 43],
]);

/** ICMPv6 type names (upstream `icmpIpv6TypeNameToCode`). */
export const ICMP6_TYPES: ReadonlyMap<string, number> = new Map([
  ["DestinationUnreachable", 1],
  ["PacketTooBig", 2],
  ["TimeExceeded", 3],
  ["ParameterProblem", 4],
  ["EchoRequest", 128],
  ["EchoReply", 129],
  ["MulticastListenerQuery", 130],
  ["MulticastListenerReport", 131],
  ["MulticastListenerDone", 132],
  ["RouterSolicitation", 133],
  ["RouterAdvertisement", 134],
  ["NeighborSolicitation", 135],
  ["NeighborAdvertisement", 136],
  ["RedirectMessage", 137],
  ["RouterRenumbering", 138],
  ["ICMPNodeInformationQuery", 139],
  ["ICMPNodeInformationResponse", 140],
  ["InverseNeighborDiscoverySolicitation", 141],
  ["InverseNeighborDiscoveryAdvertisement", 142],
  ["HomeAgentAddressDiscoveryRequest", 144],
  ["HomeAgentAddressDiscoveryReply", 145],
  ["MobilePrefixSolicitation", 146],
  ["MobilePrefixAdvertisement", 147],
  ["DuplicateAddressRequestCodeSuffix", 157],
  ["DuplicateAddressConfirmationCodeSuffix", 158],
  ["ExtendedEchoRequest", 160],
  ["ExtendedEchoReply", 161],
]);

/** The type number of a `type` node for `family`, or undefined (reported). */
function icmpType(node: LNode, family: "IPv4" | "IPv6", ctx: Ctx): number | undefined {
  const v = node.kind === "scalar" ? node.value : undefined;
  const numeric =
    typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  if (numeric !== undefined) {
    if (!Number.isInteger(numeric) || numeric < 0 || numeric > 255) {
      ctx.diags.error(S_BAD_ICMP, `ICMP type ${String(v)} is out of range`, node.span, "types are 0-255");
      return undefined;
    }
    return numeric;
  }
  const names = family === "IPv6" ? ICMP6_TYPES : ICMP4_TYPES;
  const t = typeof v === "string" ? names.get(v) : undefined;
  if (t === undefined) {
    const other = family === "IPv6" ? ICMP4_TYPES : ICMP6_TYPES;
    ctx.diags.error(
      S_BAD_ICMP,
      `ICMP type ${String(v)} not found in ${family}`,
      node.span,
      typeof v === "string" && other.has(v)
        ? `${v} is an ${family === "IPv6" ? "IPv4" : "IPv6"} type: set family accordingly`
        : `use a number or one of ${[...names.keys()].join(", ")}`,
    );
  }
  return t;
}

/** Clauses of one `icmps` item, or undefined when it is malformed (reported). */
export function parseIcmpRule(node: LNode, ctx: Ctx): PortMatch[] | undefined {
  const map = asMap(node, "an ICMP rule", ctx);
  if (map === undefined) {
    return undefined;
  }
  checkFields(map, ["fields"], "ICMP rule", ctx);
  const fields = seqField(map, "fields", ctx) ?? [];
  if (fields.length > MAX_ICMP_FIELDS) {
    ctx.diags.error(
      S_TOO_MANY,
      `too many ICMP fields (${fields.length}), the max is ${MAX_ICMP_FIELDS}`,
      field(map, "fields")!.span,
      "split them over several ICMP rules",
    );
    return undefined;
  }
  const out: PortMatch[] = [];
  let ok = true;
  for (const f of fields) {
    const fm = asMap(f, "an ICMP field", ctx);
    if (fm === undefined) {
      ok = false;
      continue;
    }
    checkFields(fm, ["family", "type"], "ICMP field", ctx);
    const fam = stringField(fm, "family", ctx) ?? "IPv4";
    const family = fam === "" ? "IPv4" : fam;
    if (family !== "IPv4" && family !== "IPv6") {
      ctx.diags.error(S_BAD_ICMP, `wrong family: ${family}`, field(fm, "family")!.span, "use IPv4 or IPv6");
      ok = false;
      continue;
    }
    const typeNode = field(fm, "type");
    if (typeNode === undefined) {
      ctx.diags.error(S_BAD_ICMP, "an ICMP field needs a type", fm.span, "add type: 8 (or EchoRequest)");
      ok = false;
      continue;
    }
    const type = icmpType(typeNode, family, ctx);
    if (type === undefined) {
      ok = false;
      continue;
    }
    out.push({
      protocol: family === "IPv6" ? PROTO_ICMPV6 : PROTO_ICMP,
      ranges: [],
      icmpType: type,
      span: f.span,
    });
  }
  return ok ? out : undefined;
}
