/**
 * @fileoverview Host endpoints: the node-side endpoints policies can select besides pods, as pod-shaped
 * stand-ins (`Pod.host` set, namespace "", no ports) so the lowering treats them like any endpoint.
 *
 * - Cilium (host firewall, cilium.md §1.1, §1.4): every Node is one host endpoint, with the node's
 *   InternalIP/ExternalIP addresses and labels `reserved:host` plus the node's labels (what a
 *   CiliumClusterwideNetworkPolicy `nodeSelector` matches). Cilium gives node addresses identities
 *   relative to the node looking at them (pkg/identity: reserved host = 1 for its own addresses,
 *   remote-node = 6 for every other node's). sluice has one ipcache, so it picks one **local node**:
 *   the one named by the caller, else the first node in name order ("" = none: every node is remote).
 *   Its addresses are `host` (1), every other node's are `remote-node` (6); the lowering assigns them.
 * - Calico (calico.md §3.4; tigera/docs reference/host-endpoints): every HostEndpoint object is one
 *   host endpoint, with labels `reserved:host`, `reserved:hep=<name>` (keys with ':' no Calico selector
 *   can write, so they only mark the endpoint for sluice) plus its own labels — host endpoints do not
 *   inherit the node's labels — and addresses `expectedIPs`, else the addresses of its node. sluice has
 *   no interfaces: a named-interface endpoint stands for traffic to and from those addresses, as an
 *   all-interfaces (`*`) one does.
 *
 * A pod's node, for Cilium's view of `host` (`podNode`): `spec.nodeName`, else the node whose podCIDR
 * holds one of its addresses, else none (taken to be the local node: snapshots of workload templates
 * place nothing).
 *
 * Diagnostic codes (continuing load.ts's table):
 *
 * | code  | severity | id                     | meaning                                                  |
 * |-------|----------|------------------------|----------------------------------------------------------|
 * | S4014 | warning  | host-endpoint-no-address | a HostEndpoint has no expectedIPs and its node is not in the snapshot |
 * | S4015 | warning  | unknown-local-node     | the local node named is not a Node of the snapshot       |
 */

import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/source.js";
import type { KubeObject } from "../input/read-objects.js";
import { cidrContains, parseCidr, parseIp } from "../net/cidr.js";
import { get } from "../yaml/located.js";
import type { LNode } from "../yaml/located.js";
import { readStringMap } from "./fields.js";
import type { CalicoHostEndpoint, Cluster, Node, Pod } from "./model.js";

/** A HostEndpoint has no address. */
export const S_HOST_ENDPOINT_NO_ADDRESS = "S4014";
/** The requested local node does not exist. */
export const S_UNKNOWN_LOCAL_NODE = "S4015";

/** Label every host endpoint stand-in carries (a Cilium reserved label; unwritable in Calico selectors). */
export const LBL_HOST = "reserved:host";
/** Label naming a Calico HostEndpoint (its value is the object's name). */
export const LBL_HEP = "reserved:hep";

/**
 * The local node: `requested` when given ("" = none), else the first node by name; undefined = none.
 * An unknown name is reported (S4015) and means none.
 */
export function localNodeOf(
  cluster: Cluster,
  requested: string | undefined,
  diags?: Diagnostics,
): string | undefined {
  if (requested === undefined) {
    return cluster.nodes[0]?.name;
  }
  if (requested === "") {
    return undefined;
  }
  if (!cluster.nodes.some((n) => n.name === requested)) {
    diags?.warn(
      S_UNKNOWN_LOCAL_NODE,
      "unknown-local-node",
      `local node '${requested}' is not a Node of the snapshot; no node's addresses are 'host'`,
      undefined,
      `known nodes: ${cluster.nodes.map((n) => n.name).join(", ") || "none"}`,
    );
    return undefined;
  }
  return requested;
}

function hostPod(
  name: string,
  kind: "Node" | "HostEndpoint",
  node: string,
  labels: Map<string, string>,
  ips: readonly string[],
  span: Node["span"],
): Pod {
  return {
    namespace: "",
    name,
    labels,
    ips,
    ports: [],
    workload: { namespace: "", name, kind },
    hostNetwork: true,
    serviceAccount: "",
    nodeName: node,
    ...(span !== undefined ? { span } : {}),
    host: { kind, node },
  };
}

/** The strings of a list field, silently skipping what is not a string (the front end reports it). */
function quietStrings(node: LNode | undefined): string[] {
  return node?.kind === "seq"
    ? node.items.flatMap((n) => (n.kind === "scalar" && typeof n.value === "string" ? [n.value] : []))
    : [];
}

/**
 * A Calico HostEndpoint object's endpoint (`obj` has a name; `span` points at it). Values are validated
 * by the Calico front end (frontends/calico/policy/host.ts): what is not a string or an address is
 * dropped here without a report, so nothing is reported twice.
 */
export function readHostEndpoint(obj: KubeObject, span: Span, diags: Diagnostics): CalicoHostEndpoint {
  const spec = get(obj.node, "spec");
  const str = (key: string): string => {
    const v = get(spec, key);
    return v?.kind === "scalar" && typeof v.value === "string" ? v.value : "";
  };
  return {
    name: obj.name ?? "",
    labels: readStringMap(get(get(obj.node, "metadata"), "labels"), "metadata.labels", diags),
    node: str("node"),
    interfaceName: str("interfaceName"),
    expectedIPs: quietStrings(get(spec, "expectedIPs")).filter((ip) => parseIp(ip) !== undefined),
    profiles: quietStrings(get(spec, "profiles")),
    span,
  };
}

/** Cilium: one host endpoint per Node (identities are assigned by the lowering). */
export function ciliumHostEndpoints(cluster: Cluster): Pod[] {
  return cluster.nodes.map((n) =>
    hostPod(n.name, "Node", n.name, new Map([...n.labels, [LBL_HOST, ""]]), n.ips, n.span),
  );
}

/** Calico: one host endpoint per HostEndpoint object; reports those without any address (S4014). */
export function calicoHostEndpoints(cluster: Cluster, diags?: Diagnostics): Pod[] {
  const out: Pod[] = [];
  for (const h of cluster.hostEndpoints ?? []) {
    const ips =
      h.expectedIPs.length > 0 ? h.expectedIPs : (cluster.nodes.find((n) => n.name === h.node)?.ips ?? []);
    if (ips.length === 0) {
      diags?.warn(
        S_HOST_ENDPOINT_NO_ADDRESS,
        "host-endpoint-no-address",
        `HostEndpoint '${h.name}' has no expectedIPs and node '${h.node}' is not in the snapshot (or has no address): no traffic reaches it`,
        h.span,
        "add expectedIPs, or the Node object with its addresses",
      );
    }
    const labels = new Map([...h.labels, [LBL_HOST, ""], [LBL_HEP, h.name]]);
    out.push(hostPod(h.name, "HostEndpoint", h.node, labels, ips, h.span));
  }
  return out;
}

/** The node a pod runs on: nodeName, else the node whose podCIDR holds one of its addresses. */
export function podNode(cluster: Cluster, pod: Pod): string | undefined {
  if (pod.nodeName !== undefined) {
    return pod.nodeName;
  }
  for (const n of cluster.nodes) {
    for (const text of n.podCidrs ?? []) {
      const c = parseCidr(text);
      if (c === undefined) {
        continue;
      }
      if (
        pod.ips.some((t) => {
          const ip = parseIp(t);
          return ip !== undefined && cidrContains(c, ip);
        })
      ) {
        return n.name;
      }
    }
  }
  return undefined;
}
