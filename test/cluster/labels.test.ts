import { describe, expect, it } from "vitest";

import {
  LBL_CLUSTER,
  LBL_NAMESPACE,
  LBL_SERVICE_ACCOUNT,
  NS_LABEL_PREFIX,
  endpointLabels,
  identityLabels,
  isIdentityLabel,
  podEndpointLabels,
} from "../../compiler/cluster/labels.js";
import type { Cluster, Namespace, Pod } from "../../compiler/cluster/model.js";
import { and, eq, matches, not } from "../../compiler/ir/selector.js";

const ns: Namespace = {
  name: "shop",
  labels: new Map([
    ["kubernetes.io/metadata.name", "shop"],
    ["team", "blue"],
  ]),
  declared: true,
};

const pod: Pod = {
  namespace: "shop",
  name: "web-1",
  labels: new Map([
    ["app", "web"],
    ["pod-template-hash", "7d4"],
    [LBL_NAMESPACE, "spoofed"],
  ]),
  ips: [],
  ports: [],
  workload: { namespace: "shop", name: "web", kind: "Deployment" },
  hostNetwork: false,
  serviceAccount: "web-sa",
};

describe("endpointLabels", () => {
  it("adds namespace, namespace labels, service account and cluster meta labels", () => {
    expect(Object.fromEntries(endpointLabels(pod, ns))).toEqual({
      app: "web",
      "pod-template-hash": "7d4",
      "io.kubernetes.pod.namespace": "shop",
      "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name": "shop",
      "io.cilium.k8s.namespace.labels.team": "blue",
      "io.cilium.k8s.policy.serviceaccount": "web-sa",
      "io.cilium.k8s.policy.cluster": "default",
    });
  });

  it("exports the key constants", () => {
    expect([LBL_NAMESPACE, NS_LABEL_PREFIX, LBL_SERVICE_ACCOUNT, LBL_CLUSTER]).toEqual([
      "io.kubernetes.pod.namespace",
      "io.cilium.k8s.namespace.labels.",
      "io.cilium.k8s.policy.serviceaccount",
      "io.cilium.k8s.policy.cluster",
    ]);
  });

  it("lets one selector express a namespaceSelector AND podSelector", () => {
    const sel = and(eq(NS_LABEL_PREFIX + "team", "blue"), eq("app", "web"));
    expect(matches(sel, endpointLabels(pod, ns))).toBe(true);
    expect(matches(not(eq(NS_LABEL_PREFIX + "team", "red")), endpointLabels(pod, ns))).toBe(true);
  });

  it("podEndpointLabels looks the namespace up in the cluster", () => {
    const cluster: Cluster = { namespaces: new Map([["shop", ns]]), pods: [pod], services: [], nodes: [] };
    expect(podEndpointLabels(cluster, pod)).toEqual(endpointLabels(pod, ns));
    const orphan = { ...pod, namespace: "gone" };
    expect(podEndpointLabels(cluster, orphan).get(NS_LABEL_PREFIX + "kubernetes.io/metadata.name")).toBe(
      "gone",
    );
  });
});

describe("identityLabels (Cilium's default label filter)", () => {
  it.each([
    ["app", true],
    ["io.kubernetes.pod.namespace", true],
    ["io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name", true],
    ["io.cilium.k8s.namespace.labels.team", true],
    ["io.cilium.k8s.policy.serviceaccount", true],
    ["io.cilium.k8s.policy.cluster", true],
    ["app.kubernetes.io/name", true],
    ["reserved:host", true],
    ["io.kubernetes.pod.name", false],
    ["io.kubernetes.container.name", false],
    ["kubernetes.io/metadata.name", false],
    ["kubernetes.io/hostname", false],
    ["statefulset.kubernetes.io/pod-name", false],
    ["apps.kubernetes.io/pod-index", false],
    ["batch.kubernetes.io/job-completion-index", false],
    ["batch.kubernetes.io/controller-uid", false],
    ["beta.kubernetes.io/arch", false],
    ["failure-domain.beta.kubernetes.io/zone", false],
    ["k8s.io/foo", false],
    ["pod-template-hash", false],
    ["pod-template-generation", false],
    ["controller-revision-hash", false],
    ["controller-uid", false],
    ["annotation.kubernetes.io/config.seen", false],
    ["etcd_node", false],
    // Kept by Cilium's defaults (users add `!job-name` themselves if they want).
    ["job-name", true],
    ["batch.kubernetes.io/job-name", true],
    ["topology.kubernetes.io/zone", true],
    // Upstream test keys: anchored at the start, and `.` escaped.
    ["ioXkubernetes", true],
    ["kubernetes.io.foo", false],
  ])("%s → %s", (key, kept) => {
    expect(isIdentityLabel(key)).toBe(kept);
  });

  it("filters an endpoint label map", () => {
    expect([...identityLabels(endpointLabels(pod, ns)).keys()]).toEqual([
      "app",
      "io.kubernetes.pod.namespace",
      "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name",
      "io.cilium.k8s.namespace.labels.team",
      "io.cilium.k8s.policy.serviceaccount",
      "io.cilium.k8s.policy.cluster",
    ]);
  });
});
