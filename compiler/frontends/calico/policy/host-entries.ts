/**
 * @fileoverview The entries Calico gives host endpoints besides policy: Felix's failsafe ports and the
 * endpoint's profiles (tigera/docs reference/host-endpoints: failsafe, connectivity, forwarded).
 *
 * - Failsafe (tier `failsafe`, ranked first): Felix keeps these ports open on every host endpoint
 *   "irrespective of the security policy" (`FailsafeInboundHostPorts` / `FailsafeOutboundHostPorts`
 *   defaults, the table of reference/host-endpoints/failsafe.mdx): inbound TCP 22, 179, 2379, 2380,
 *   6443, 6666, 6667 and UDP 68; outbound UDP 53, 67 and
 *   TCP 179, 2379, 2380, 6443, 6666, 6667. sluice uses the defaults (FelixConfiguration is not read).
 * - Profiles (tier `__PROFILE__`, ranked last, Calico's own name for profile hits in flow logs): a host
 *   endpoint whose traffic no policy decides is denied, "except for traffic allowed by failsafe rules",
 *   unless it lists `projectcalico-default-allow`. Each endpoint gets, per direction, either that
 *   profile's allow-all rule or a default-deny selection of its own.
 *
 * Both apply to traffic to and from the host endpoint's addresses only (forwarded traffic is allowed by
 * default when no applyOnForward policy applies, which sluice does not police anyway).
 */

import { LBL_HEP, LBL_HOST } from "../../../cluster/host-endpoints.js";
import type { Span } from "../../../diagnostics/source.js";
import type { KubeObject } from "../../../input/read-objects.js";
import type { Direction, PolicyEntry, PortMatch } from "../../../ir/entry.js";
import { PROTO_TCP, PROTO_UDP } from "../../../ir/entry.js";
import { eq } from "../../../ir/selector.js";
import { DEFAULT_ALLOW_PROFILE } from "./host.js";

/** Tier of the failsafe rules. */
export const FAILSAFE_TIER = "failsafe";
/** Tier of host-endpoint profiles (Calico's flow-log name). */
export const PROFILE_TIER = "__PROFILE__";

/** Felix's default failsafe ports: [protocol, port]. */
export const FAILSAFE_INBOUND: readonly (readonly [number, number])[] = [
  [PROTO_TCP, 22],
  [PROTO_UDP, 68],
  [PROTO_TCP, 179],
  [PROTO_TCP, 2379],
  [PROTO_TCP, 2380],
  [PROTO_TCP, 6443],
  [PROTO_TCP, 6666],
  [PROTO_TCP, 6667],
];
/** Felix's default outbound failsafe ports. */
export const FAILSAFE_OUTBOUND: readonly (readonly [number, number])[] = [
  [PROTO_UDP, 53],
  [PROTO_UDP, 67],
  [PROTO_TCP, 179],
  [PROTO_TCP, 2379],
  [PROTO_TCP, 2380],
  [PROTO_TCP, 6443],
  [PROTO_TCP, 6666],
  [PROTO_TCP, 6667],
];

/** Entries of one synthetic tier, with the tier name; ranks are filled in by index.ts. */
export interface HostTierEntries {
  readonly failsafe: readonly PolicyEntry[];
  readonly profiles: readonly PolicyEntry[];
}

function ports(list: readonly (readonly [number, number])[]): PortMatch[] {
  return list.map(([protocol, port]) => ({ protocol, ranges: [[port, port] as const] }));
}

/** The profile names of a HostEndpoint object (strings only; host.ts reports the rest). */
function profilesOf(o: KubeObject): string[] {
  const spec = o.node.entries.get("spec")?.value;
  const list = spec?.kind === "map" ? spec.entries.get("profiles")?.value : undefined;
  return list?.kind === "seq"
    ? list.items.flatMap((n) => (n.kind === "scalar" && typeof n.value === "string" ? [n.value] : []))
    : [];
}

function nameSpan(o: KubeObject): Span {
  const meta = o.node.entries.get("metadata")?.value;
  const name = meta?.kind === "map" ? meta.entries.get("name")?.value : undefined;
  return (name ?? o.node).span;
}

/** Failsafe and profile entries for the HostEndpoint objects `heps` (none when there are none). */
export function hostEndpointEntries(heps: readonly KubeObject[]): HostTierEntries {
  const first = heps[0];
  if (first === undefined) {
    return { failsafe: [], profiles: [] };
  }
  const span = nameSpan(first);
  const place = { tier: 0, order: 0 };
  const failsafe: PolicyEntry[] = (["ingress", "egress"] as const).map((direction: Direction) => ({
    type: "rule",
    origin: {
      dialect: "calico",
      kind: "FelixConfiguration",
      name: direction === "ingress" ? "failsafeInboundHostPorts" : "failsafeOutboundHostPorts",
      ruleIndex: 0,
      span,
      policySpan: first.node.span,
    },
    ...place,
    tierName: FAILSAFE_TIER,
    subject: eq(LBL_HOST, ""),
    direction,
    peers: [{ kind: "any" }],
    notPeers: [],
    ports: ports(direction === "ingress" ? FAILSAFE_INBOUND : FAILSAFE_OUTBOUND),
    notPorts: [],
    verdict: "allow",
  }));
  const profiles: PolicyEntry[] = [];
  for (const o of heps) {
    if (o.name === undefined) {
      continue;
    }
    const subject = eq(LBL_HEP, o.name);
    const allow = profilesOf(o).includes(DEFAULT_ALLOW_PROFILE);
    for (const direction of ["ingress", "egress"] as const) {
      const origin = { dialect: "calico" as const, span: nameSpan(o), policySpan: o.node.span };
      profiles.push(
        allow
          ? {
              type: "rule",
              origin: { ...origin, kind: "Profile", name: DEFAULT_ALLOW_PROFILE, ruleIndex: 0 },
              ...place,
              tierName: PROFILE_TIER,
              subject,
              direction,
              peers: [{ kind: "any" }],
              notPeers: [],
              ports: [],
              notPorts: [],
              verdict: "allow",
            }
          : {
              type: "select",
              origin: { ...origin, kind: "HostEndpoint", name: o.name, ruleIndex: -1 },
              ...place,
              tierName: PROFILE_TIER,
              subject,
              direction,
              defaultDeny: true,
            },
      );
    }
  }
  return { failsafe, profiles };
}
