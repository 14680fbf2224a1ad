/**
 * @fileoverview The cluster snapshot model: namespaces, endpoints (pods, including one synthesized per
 * workload template), services, nodes and Calico HostEndpoints, as the compiler needs them.
 *
 * A snapshot is read from ordinary Kubernetes YAML (`kubectl get ... -o yaml`, v1 List, multi-document
 * files, workload templates without IPs) by cluster/load.ts.
 */

import type { Span } from "../diagnostics/source.js";

/** A namespace. */
export interface Namespace {
  /** Name. */
  readonly name: string;
  /** Labels, always including kubernetes.io/metadata.name. */
  readonly labels: ReadonlyMap<string, string>;
  /** Whether a Namespace object declared it (otherwise it was only referenced). */
  readonly declared: boolean;
  /** Where it was declared. */
  readonly span?: Span;
}

/** A container port. */
export interface ContainerPort {
  /** Port name (IANA_SVC_NAME), if any. */
  readonly name?: string;
  /** Port number. */
  readonly port: number;
  /** IP protocol number (6, 17, 132). */
  readonly protocol: number;
}

/** A workload peer as np-guard names it: `ns/name[Kind]`. */
export interface Workload {
  readonly namespace: string;
  readonly name: string;
  readonly kind: string;
}

/** A pod (an endpoint). */
export interface Pod {
  /** Namespace. */
  readonly namespace: string;
  /** Pod name (for a workload template: the workload's name). */
  readonly name: string;
  /** Pod labels. */
  readonly labels: ReadonlyMap<string, string>;
  /** Addresses as written (IPv4 or IPv6 text); empty when the snapshot gave none. */
  readonly ips: readonly string[];
  /** Container ports. */
  readonly ports: readonly ContainerPort[];
  /** The workload this pod belongs to (itself, kind Pod, when it has no controller). */
  readonly workload: Workload;
  /** spec.hostNetwork. */
  readonly hostNetwork: boolean;
  /** spec.serviceAccountName (default "default"). */
  readonly serviceAccount: string;
  /** spec.nodeName, if set. */
  readonly nodeName?: string;
  /** Where the object was defined. */
  readonly span?: Span;
  /**
   * Set on the pod-shaped stand-in of a host endpoint (cluster/host-endpoints.ts): its labels are
   * the host endpoint's own (no namespace meta labels), and the lowering may give it a reserved identity.
   */
  readonly host?: HostEndpointRef;
}

/** What a host-endpoint stand-in pod is. */
export interface HostEndpointRef {
  /** Node (Cilium: every Node is one) or a Calico HostEndpoint object. */
  readonly kind: "Node" | "HostEndpoint";
  /** The node the endpoint belongs to. */
  readonly node: string;
  /** Reserved identity it must carry (Cilium: host 1 for the local node, remote-node 6 for others). */
  readonly identity?: number;
}

/** A Service port. */
export interface ServicePort {
  readonly name?: string;
  readonly port: number;
  /** Target port: number or container port name. */
  readonly targetPort: number | string;
  readonly protocol: number;
}

/** A Service. */
export interface Service {
  readonly namespace: string;
  readonly name: string;
  /** spec.selector; undefined for services without a selector. */
  readonly selector?: ReadonlyMap<string, string>;
  /** ClusterIPs. */
  readonly clusterIPs: readonly string[];
  readonly ports: readonly ServicePort[];
  readonly span?: Span;
}

/** A node. */
export interface Node {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** InternalIP / ExternalIP addresses. */
  readonly ips: readonly string[];
  /** spec.podCIDRs (else spec.podCIDR), as written: where the node's pods get addresses. */
  readonly podCidrs?: readonly string[];
  readonly span?: Span;
}

/** A Calico HostEndpoint (projectcalico.org/v3): one host interface, or all of them (`*`). */
export interface CalicoHostEndpoint {
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** spec.node. */
  readonly node: string;
  /** spec.interfaceName ("" when absent; "*" = every interface of the node). */
  readonly interfaceName: string;
  /** spec.expectedIPs, as written. */
  readonly expectedIPs: readonly string[];
  /** spec.profiles. */
  readonly profiles: readonly string[];
  readonly span?: Span;
}

/** A whole snapshot. */
export interface Cluster {
  /** Namespaces by name (declared and referenced). */
  readonly namespaces: ReadonlyMap<string, Namespace>;
  /** Pods, in a deterministic order (namespace, name). */
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  readonly nodes: readonly Node[];
  /** Calico HostEndpoints, by name (absent in hand-built snapshots = none). */
  readonly hostEndpoints?: readonly CalicoHostEndpoint[];
}
