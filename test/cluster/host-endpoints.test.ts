// Host endpoints in the cluster snapshot: Node podCIDRs, Calico HostEndpoint objects, the local node,
// a pod's node, and the pod-shaped stand-ins the lowering treats as endpoints (Cilium: one per Node with
// `reserved:host` and the node's labels; Calico: one per HostEndpoint with its own labels, addresses
// from expectedIPs else its node — tigera/docs reference/host-endpoints/objects).
import { describe, expect, it } from "vitest";
import {
  LBL_HEP,
  LBL_HOST,
  calicoHostEndpoints,
  ciliumHostEndpoints,
  localNodeOf,
  podNode,
} from "../../compiler/cluster/host-endpoints.js";
import { podEndpointLabels } from "../../compiler/cluster/labels.js";
import { buildCluster } from "../../compiler/cluster/load.js";
import type { Cluster, Pod } from "../../compiler/cluster/model.js";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import { parseObjects } from "../../compiler/input/read-objects.js";

const SNAPSHOT = `apiVersion: v1
kind: Node
metadata: {name: node-b, labels: {zone: b}}
spec: {podCIDR: 10.244.2.0/24}
status: {addresses: [{type: InternalIP, address: 192.168.1.2}, {type: Hostname, address: node-b}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {zone: a}}
spec: {podCIDRs: [10.244.1.0/24, "fd00:10:244:1::/64"]}
status: {addresses: [{type: InternalIP, address: 192.168.1.1}, {type: ExternalIP, address: "2001:db8::1"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: placed, namespace: prod}
spec: {nodeName: node-b}
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata: {name: by-cidr, namespace: prod}
status: {podIPs: [{ip: "fd00:10:244:1::7"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: nowhere, namespace: prod}
status: {podIP: 10.9.9.9}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: b-eth0, labels: {role: edge}}
spec: {node: node-b, interfaceName: eth0, expectedIPs: [10.0.0.2, not-an-ip], profiles: [projectcalico-default-allow]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: a-all}
spec: {node: node-a, interfaceName: "*"}
---
apiVersion: example.com/v1
kind: HostEndpoint
metadata: {name: not-calico}
`;

function load(text: string): { cluster: Cluster; diags: Diagnostics } {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile("x.yaml", text), diags);
  return { cluster: buildCluster(objects, diags), diags };
}

const byName = (pods: readonly Pod[], name: string): Pod => pods.find((p) => p.name === name)!;

describe("snapshot", () => {
  const { cluster, diags } = load(SNAPSHOT);

  it("reads nodes sorted by name with addresses and podCIDR(s), silently dropping bad expectedIPs", () => {
    expect(diags.all).toEqual([]);
    expect(cluster.nodes.map((n) => [n.name, n.ips, n.podCidrs])).toEqual([
      ["node-a", ["192.168.1.1", "2001:db8::1"], ["10.244.1.0/24", "fd00:10:244:1::/64"]],
      ["node-b", ["192.168.1.2"], ["10.244.2.0/24"]],
    ]);
  });

  it("reads projectcalico.org HostEndpoints only, sorted by name", () => {
    expect(
      cluster.hostEndpoints!.map((h) => [
        h.name,
        h.node,
        h.interfaceName,
        h.expectedIPs,
        h.profiles,
        Object.fromEntries(h.labels),
      ]),
    ).toEqual([
      ["a-all", "node-a", "*", [], [], {}],
      ["b-eth0", "node-b", "eth0", ["10.0.0.2"], ["projectcalico-default-allow"], { role: "edge" }],
    ]);
  });

  it("keeps synthetic pod addresses off HostEndpoint addresses", () => {
    const { cluster: c } = load(
      "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {node: n, expectedIPs: [10.244.0.1]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\n",
    );
    expect(c.pods[0]!.ips).not.toContain("10.244.0.1");
  });
});

describe("the local node and a pod's node", () => {
  const { cluster } = load(SNAPSHOT);

  it("local node: the first by name by default, a named one, none for ''; an unknown name is reported", () => {
    expect(localNodeOf(cluster, undefined)).toBe("node-a");
    expect(localNodeOf(cluster, "node-b")).toBe("node-b");
    expect(localNodeOf(cluster, "")).toBeUndefined();
    const diags = new Diagnostics();
    expect(localNodeOf(cluster, "node-z", diags)).toBeUndefined();
    expect(diags.all.map((d) => d.code)).toEqual(["S4015"]);
    expect(localNodeOf({ ...cluster, nodes: [] }, undefined)).toBeUndefined();
  });

  it("a pod's node: nodeName first, else the node whose podCIDR holds an address, else none", () => {
    expect(podNode(cluster, byName(cluster.pods, "placed"))).toBe("node-b");
    expect(podNode(cluster, byName(cluster.pods, "by-cidr"))).toBe("node-a");
    expect(podNode(cluster, byName(cluster.pods, "nowhere"))).toBeUndefined();
  });
});

describe("host endpoint stand-ins", () => {
  const { cluster } = load(SNAPSHOT);

  it("Cilium: one per node, labels reserved:host + the node's, no namespace meta labels", () => {
    const hosts = ciliumHostEndpoints(cluster);
    expect(hosts.map((h) => [h.name, h.namespace, h.ips, h.host])).toEqual([
      ["node-a", "", ["192.168.1.1", "2001:db8::1"], { kind: "Node", node: "node-a" }],
      ["node-b", "", ["192.168.1.2"], { kind: "Node", node: "node-b" }],
    ]);
    expect(Object.fromEntries(podEndpointLabels(cluster, hosts[0]!))).toEqual({ zone: "a", [LBL_HOST]: "" });
  });

  it("Calico: one per HostEndpoint, expectedIPs else the node's addresses, its own labels", () => {
    const hosts = calicoHostEndpoints(cluster);
    expect(hosts.map((h) => [h.name, h.ips, h.workload.kind])).toEqual([
      ["a-all", ["192.168.1.1", "2001:db8::1"], "HostEndpoint"],
      ["b-eth0", ["10.0.0.2"], "HostEndpoint"],
    ]);
    expect(Object.fromEntries(podEndpointLabels(cluster, hosts[1]!))).toEqual({
      role: "edge",
      [LBL_HOST]: "",
      [LBL_HEP]: "b-eth0",
    });
  });

  it("Calico: a HostEndpoint without expectedIPs whose node is unknown has no address (S4014)", () => {
    const { cluster: c } = load(
      "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {node: gone, interfaceName: eth0}\n",
    );
    const diags = new Diagnostics();
    expect(calicoHostEndpoints(c, diags)[0]!.ips).toEqual([]);
    expect(diags.all.map((d) => d.code)).toEqual(["S4014"]);
  });
});
