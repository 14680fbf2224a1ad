/**
 * @fileoverview Host-endpoint matters: HostEndpoint objects and the GlobalNetworkPolicy flags
 * `doNotTrack`, `preDNAT`, `applyOnForward` (`validateHostEndpointSpec`,
 * `validateGlobalNetworkPolicySpec`; calico.md §3.1, §3.4).
 *
 * HostEndpoints are endpoints of the cluster model (cluster/host-endpoints.ts: their expectedIPs, else
 * their node's addresses); host-entries.ts adds the failsafe and profile entries Calico gives them.
 * What sluice enforces of the flags (tigera/docs reference/host-endpoints summary, pre-DNAT,
 * forwarded), on traffic to and from a host endpoint's addresses:
 * - untracked (`doNotTrack`) policy runs first, after the failsafe ports, in both directions; its Allow
 *   is final (it skips pre-DNAT and normal policy), Deny drops, and nothing undecided is dropped (no
 *   end-of-tier drop: Felix renders it for normal policy only). Not modelled: statelessness — sluice
 *   still tracks the connection, so replies pass without an untracked rule for them.
 * - pre-DNAT policy (ingress only) runs next, the same way (Allow skips normal policy, no default drop).
 *   Not modelled: DNAT itself (a NodePort packet is judged as host traffic).
 * - normal policy, then the endpoint's profiles (default deny unless `projectcalico-default-allow`).
 * - `applyOnForward` and the forwarded-traffic reach of untracked and pre-DNAT policy are not enforced:
 *   forwarded packets get one policy stage per direction, the workload's.
 * Each limit is stated in a `host-policy-approximated` warning on the policy.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { KubeObject } from "../../../input/read-objects.js";
import type { Direction } from "../../../ir/entry.js";
import { parseIp } from "../../../net/ip.js";
import type { LMap } from "../../../yaml/located.js";
import {
  S_BAD_HOST_ENDPOINT,
  S_BAD_NAME,
  S_HOST_FLAGS,
  S_MISSING_NAME,
  W_HOST_ENDPOINTS,
  W_HOST_POLICY,
  asMap,
  asStringNode,
  boolField,
  checkFields,
  field,
  keySpan,
  mapField,
  nameSpan,
  seqField,
  stringField,
} from "./context.js";
import { readPort, readProtocol, supportsPorts } from "./ports.js";

/** Where a GlobalNetworkPolicy runs at host endpoints: before conntrack, before DNAT, or normally. */
export type HostStage = "untracked" | "preDNAT";

/** What the host flags mean for compiling a GlobalNetworkPolicy. */
export interface HostFlags {
  /** Untracked (doNotTrack) or pre-DNAT policy: applies at host endpoints only, before normal policy. */
  readonly stage?: HostStage;
  /** Check the (possibly defaulted) types against preDNAT. */
  readonly checkTypes?: (types: ReadonlySet<Direction>, egressRules: number) => void;
}

/** Read and check `doNotTrack`, `preDNAT`, `applyOnForward` of a GlobalNetworkPolicy spec. */
export function readHostFlags(spec: LMap, o: KubeObject, diags: Diagnostics): HostFlags {
  const doNotTrack = boolField(spec, "doNotTrack", diags);
  const preDNAT = boolField(spec, "preDNAT", diags);
  const applyOnForward = boolField(spec, "applyOnForward", diags);
  if (doNotTrack && preDNAT) {
    diags.error(
      S_HOST_FLAGS,
      "preDNAT and doNotTrack cannot both be true",
      keySpan(spec, "preDNAT"),
      "write two policies: one untracked, one pre-DNAT",
    );
  }
  if ((doNotTrack || preDNAT) && !applyOnForward) {
    diags.error(
      S_HOST_FLAGS,
      "applyOnForward must be true if either preDNAT or doNotTrack is true",
      keySpan(spec, doNotTrack ? "doNotTrack" : "preDNAT"),
      "add applyOnForward: true",
    );
  }
  const egress = field(spec, "egress");
  if (preDNAT && egress?.kind === "seq" && egress.items.length > 0) {
    diags.error(
      S_HOST_FLAGS,
      "preDNAT policy cannot have any egress rules",
      keySpan(spec, "egress"),
      "pre-DNAT policy is ingress only",
    );
  }
  const name = `${o.kind} '${o.name ?? ""}'`;
  if (doNotTrack) {
    diags.warn(
      W_HOST_POLICY,
      "host-policy-approximated",
      `${name} is untracked (doNotTrack): sluice enforces it first at its host endpoints' addresses, its Allow skipping all other policy, but statefully — the connection is tracked, so replies pass without an untracked rule allowing them (Calico needs one), and traffic forwarded through the host endpoint is not policed by it`,
      keySpan(spec, "doNotTrack"),
      "allow the reply direction explicitly, as Calico requires",
    );
  } else if (preDNAT) {
    diags.warn(
      W_HOST_POLICY,
      "host-policy-approximated",
      `${name} is pre-DNAT: sluice enforces it on traffic to its host endpoints' addresses before normal policy (Allow skips normal policy, nothing undecided is dropped), but does not DNAT — a NodePort packet is judged as host traffic — and traffic forwarded to workloads through the host endpoint is not policed by it`,
      keySpan(spec, "preDNAT"),
    );
  } else if (applyOnForward) {
    diags.warn(
      W_HOST_POLICY,
      "host-policy-approximated",
      "applyOnForward: the policy is enforced on traffic to and from its host endpoints' addresses; traffic forwarded through the host endpoint (to or from workloads, or between host interfaces) is not policed by it: the program has one policy stage per direction, at the workload",
      keySpan(spec, "applyOnForward"),
    );
  }
  const stage: HostStage | undefined = doNotTrack ? "untracked" : preDNAT ? "preDNAT" : undefined;
  return {
    ...(stage !== undefined ? { stage } : {}),
    checkTypes: (types, egressRules) => {
      if (preDNAT && types.has("egress") && egressRules === 0) {
        diags.error(
          S_HOST_FLAGS,
          "preDNAT policy cannot have 'Egress' type",
          keySpan(spec, "types"),
          "remove Egress from types",
        );
      }
    },
  };
}

/** Interface names: up to 15 of `[a-zA-Z0-9_.-]`, or `*` (`interfaceRegex`). */
const INTERFACE = /^[a-zA-Z0-9_.-]{1,15}$/;
/** DNS subdomain (`nameRegex`). */
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function checkEndpointPorts(spec: LMap, diags: Diagnostics): void {
  for (const n of seqField(spec, "ports", diags) ?? []) {
    const m = asMap(n, "a HostEndpoint port", diags);
    if (m === undefined) {
      continue;
    }
    checkFields(m, ["name", "protocol", "port"], "HostEndpoint port", diags);
    const name = field(m, "name");
    if (name !== undefined) {
      const p = readPort(name, diags);
      if (p !== undefined && p.kind !== "named") {
        diags.error(S_BAD_HOST_ENDPOINT, "a HostEndpoint port name must be a name", name.span);
      }
    }
    const proto = readProtocol(m, "protocol", diags);
    if (proto !== undefined && !supportsPorts(proto.num)) {
      diags.error(
        S_BAD_HOST_ENDPOINT,
        "EndpointPort protocol does not support ports",
        proto.span,
        "use TCP, UDP or SCTP",
      );
    }
    const port = field(m, "port");
    if (port !== undefined) {
      const p = readPort(port, diags);
      if (p !== undefined && (p.kind !== "range" || p.min !== p.max)) {
        diags.error(S_BAD_HOST_ENDPOINT, "a HostEndpoint port is one port number", port.span);
      }
    }
  }
}

/** The profile whose rules allow everything (kube-controllers' auto host endpoints use it). */
export const DEFAULT_ALLOW_PROFILE = "projectcalico-default-allow";

/** Check a HostEndpoint; profiles other than the default-allow one are reported as not modelled. */
export function checkHostEndpoint(o: KubeObject, diags: Diagnostics): void {
  if (o.name === undefined) {
    diags.error(S_MISSING_NAME, "HostEndpoint without metadata.name", o.node.span, "add metadata.name");
  }
  if (o.name !== undefined && (o.name.length > 253 || !SUBDOMAIN.test(o.name))) {
    diags.error(
      S_BAD_NAME,
      `invalid HostEndpoint name '${o.name}'`,
      nameSpan(o.node),
      "use a lower-case DNS subdomain name",
    );
  }
  const spec = mapField(o.node, "spec", diags) ?? {
    kind: "map" as const,
    span: o.node.span,
    entries: new Map(),
  };
  checkFields(
    spec,
    ["node", "interfaceName", "expectedIPs", "profiles", "ports"],
    "HostEndpoint spec",
    diags,
  );
  const node = stringField(spec, "node", diags) ?? "";
  const iface = stringField(spec, "interfaceName", diags) ?? "";
  const ips = seqField(spec, "expectedIPs", diags) ?? [];
  if (node === "") {
    diags.error(S_BAD_HOST_ENDPOINT, "no node has been specified", spec.span, "add node: <node name>");
  }
  if (iface === "" && ips.length === 0) {
    diags.error(
      S_BAD_HOST_ENDPOINT,
      "no interface or expected IPs have been specified",
      spec.span,
      "add interfaceName: eth0 or expectedIPs: [...]",
    );
  }
  if (iface !== "" && iface !== "*" && !INTERFACE.test(iface)) {
    diags.error(
      S_BAD_HOST_ENDPOINT,
      `invalid interface name '${iface}'`,
      keySpan(spec, "interfaceName"),
      "interface names are up to 15 of a-z A-Z 0-9 _ . -",
    );
  }
  for (const ip of ips) {
    const s = asStringNode(ip, "an expected IP", diags);
    if (s !== undefined && parseIp(s.value as string) === undefined) {
      diags.error(S_BAD_HOST_ENDPOINT, `'${String(s.value)}' is not an IP address`, ip.span);
    }
  }
  for (const p of seqField(spec, "profiles", diags) ?? []) {
    const s = asStringNode(p, "a profile name", diags);
    if (s !== undefined && s.value !== DEFAULT_ALLOW_PROFILE) {
      diags.warn(
        W_HOST_ENDPOINTS,
        "host-endpoint-profile-not-modelled",
        `Profile objects are not read: profile '${String(s.value)}' allows nothing here, so traffic no policy decides is denied`,
        p.span,
        `only ${DEFAULT_ALLOW_PROFILE} is known (it allows everything)`,
      );
    }
  }
  checkEndpointPorts(spec, diags);
}
