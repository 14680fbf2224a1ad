/**
 * @fileoverview Host-endpoint matters: HostEndpoint objects and the GlobalNetworkPolicy flags
 * `doNotTrack`, `preDNAT`, `applyOnForward` (`validateHostEndpointSpec`,
 * `validateGlobalNetworkPolicySpec`; calico.md §3.1, §3.4).
 *
 * sluice's cluster model has workload endpoints (pods) only. HostEndpoints are checked and reported
 * once as not modelled. Untracked (`doNotTrack`) and pre-DNAT policies apply at host endpoints only,
 * so they are checked but produce no entries; `applyOnForward` only changes host-endpoint handling of
 * forwarded traffic, so it is ignored. Both are stated in a `host-policy-not-modelled` warning.
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

/** What the host flags mean for compiling a GlobalNetworkPolicy. */
export interface HostFlags {
  /** The policy applies at host endpoints only: check it, emit nothing. */
  readonly hostOnly: boolean;
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
  if (doNotTrack || preDNAT) {
    diags.warn(
      W_HOST_POLICY,
      "host-policy-not-modelled",
      `${o.kind} '${o.name ?? ""}' is ${doNotTrack ? "untracked (doNotTrack)" : "pre-DNAT"} policy, which applies at host endpoints only; sluice models workload endpoints, so it is checked but not enforced`,
      keySpan(spec, doNotTrack ? "doNotTrack" : "preDNAT"),
    );
  } else if (applyOnForward) {
    diags.warn(
      W_HOST_POLICY,
      "host-policy-not-modelled",
      "applyOnForward only changes how host endpoints treat forwarded traffic; host endpoints are not modelled, so it is ignored",
      keySpan(spec, "applyOnForward"),
    );
  }
  return {
    hostOnly: doNotTrack || preDNAT,
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

/** Check a HostEndpoint; warn once per compile (`warned`) that host endpoints are not modelled. */
export function checkHostEndpoint(o: KubeObject, diags: Diagnostics, warned: boolean): void {
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
    asStringNode(p, "a profile name", diags);
  }
  checkEndpointPorts(spec, diags);
  if (!warned) {
    diags.warn(
      W_HOST_ENDPOINTS,
      "host-endpoints-not-modelled",
      "HostEndpoints are checked but not modelled: policy at host interfaces (host, forwarded, untracked and pre-DNAT traffic) is not enforced",
      o.node.span,
    );
  }
}
