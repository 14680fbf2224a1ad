import { describe, expect, it } from "vitest";

import { buildCluster, formatWorkload, isSnapshotKind, withNamespaces } from "../../compiler/cluster/load.js";
import type { BuildClusterOptions } from "../../compiler/cluster/load.js";
import type { Cluster, Pod } from "../../compiler/cluster/model.js";
import { Diagnostics, oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile, formatLocation } from "../../compiler/diagnostics/source.js";
import { parseObjects } from "../../compiler/input/read-objects.js";

function load(text: string, options: BuildClusterOptions = {}): { cluster: Cluster; diags: Diagnostics } {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile("x.yaml", text), diags);
  return { cluster: buildCluster(objects, diags, options), diags };
}

const lines = (d: Diagnostics): string[] => d.all.map(oneLine);
const pod = (c: Cluster, ns: string, name: string): Pod => {
  const p = c.pods.find((x) => x.namespace === ns && x.name === name);
  if (p === undefined) {
    throw new Error(`no pod ${ns}/${name}`);
  }
  return p;
};
const obj = (m: Map<string, string> | ReadonlyMap<string, string>): Record<string, string> =>
  Object.fromEntries(m);

describe("namespaces", () => {
  it("reads labels, adds kubernetes.io/metadata.name, creates referenced ones, sorts by name", () => {
    const { cluster, diags } = load(`
apiVersion: v1
kind: Namespace
metadata: {name: zeta, labels: {team: a}}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: alpha}
---
apiVersion: v1
kind: Service
metadata: {name: s, namespace: svc-only}
---
apiVersion: v1
kind: Pod
metadata: {name: q}
`);
    expect(lines(diags)).toEqual([]);
    expect([...cluster.namespaces.keys()]).toEqual(["alpha", "default", "svc-only", "zeta"]);
    const zeta = cluster.namespaces.get("zeta")!;
    expect(zeta.declared).toBe(true);
    expect(obj(zeta.labels)).toEqual({ team: "a", "kubernetes.io/metadata.name": "zeta" });
    expect(formatLocation(zeta.span!)).toBe("x.yaml:4:18");
    const alpha = cluster.namespaces.get("alpha")!;
    expect(alpha.declared).toBe(false);
    expect(obj(alpha.labels)).toEqual({ "kubernetes.io/metadata.name": "alpha" });
    expect(pod(cluster, "default", "q").namespace).toBe("default");
  });

  it("adds the caller's extra namespaces, and withNamespaces adds more later", () => {
    const { cluster } = load("kind: Namespace\nmetadata: {name: a, labels: {x: y}}\n", {
      extraNamespaces: ["b", "a"],
    });
    expect([...cluster.namespaces.keys()]).toEqual(["a", "b"]);
    expect(obj(cluster.namespaces.get("a")!.labels)).toEqual({ x: "y", "kubernetes.io/metadata.name": "a" });
    const more = withNamespaces(cluster, ["0first", "b"]);
    expect([...more.namespaces.keys()]).toEqual(["0first", "a", "b"]);
    expect(more.namespaces.get("b")).toBe(cluster.namespaces.get("b"));
    expect(cluster.namespaces.has("0first")).toBe(false);
  });

  it("replaces a wrong kubernetes.io/metadata.name label, with a warning", () => {
    const { cluster, diags } = load(
      "kind: Namespace\nmetadata:\n  name: a\n  labels: {kubernetes.io/metadata.name: b}\n",
    );
    expect(cluster.namespaces.get("a")!.labels.get("kubernetes.io/metadata.name")).toBe("a");
    expect(lines(diags)).toEqual([
      "x.yaml:4:41: warning[S4009]: label kubernetes.io/metadata.name=b differs from the namespace name 'a'; the name wins",
    ]);
  });
});

describe("pods", () => {
  const text = `
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web, tier: "1"}
spec:
  serviceAccountName: web-sa
  nodeName: node-a
  hostNetwork: true
  containers:
  - name: c1
    ports:
    - {name: http, containerPort: 8080}
    - {containerPort: 53, protocol: UDP}
  - name: c2
    ports:
    - {name: sctp, containerPort: 9, protocol: SCTP}
status:
  podIP: 10.0.0.9
  podIPs: [{ip: 10.0.0.5}, {ip: "fd00::5"}]
`;

  it("reads labels, ports, hostNetwork, service account, node and IPs", () => {
    const { cluster, diags } = load(text);
    expect(lines(diags)).toEqual([]);
    const p = pod(cluster, "shop", "web-1");
    expect(obj(p.labels)).toEqual({ app: "web", tier: "1" });
    expect(p.ports).toEqual([
      { name: "http", port: 8080, protocol: 6 },
      { port: 53, protocol: 17 },
      { name: "sctp", port: 9, protocol: 132 },
    ]);
    expect(p.hostNetwork).toBe(true);
    expect(p.serviceAccount).toBe("web-sa");
    expect(p.nodeName).toBe("node-a");
    expect(p.ips).toEqual(["10.0.0.5", "fd00::5"]);
    expect(p.workload).toEqual({ namespace: "shop", name: "web-1", kind: "Pod" });
    expect(formatLocation(p.span!)).toBe("x.yaml:5:9");
  });

  it("falls back to status.podIP and defaults the service account", () => {
    const { cluster } = load("kind: Pod\nmetadata: {name: a}\nstatus: {podIP: 10.1.1.1}\n");
    const p = pod(cluster, "default", "a");
    expect(p.ips).toEqual(["10.1.1.1"]);
    expect(p.serviceAccount).toBe("default");
    expect(p.hostNetwork).toBe(false);
    expect("nodeName" in p).toBe(false);
  });

  it("uses the deprecated spec.serviceAccount when serviceAccountName is absent", () => {
    const { cluster } = load("kind: Pod\nmetadata: {name: a}\nspec: {serviceAccount: old}\n");
    expect(pod(cluster, "default", "a").serviceAccount).toBe("old");
  });

  it("keeps Succeeded and Failed pods (np-guard ignores the phase)", () => {
    const { cluster } = load("kind: Pod\nmetadata: {name: done}\nstatus: {phase: Succeeded}\n");
    expect(cluster.pods.map((p) => p.name)).toEqual(["done"]);
  });

  it("skips virt-launcher pods", () => {
    const { cluster, diags } = load(
      "kind: Pod\nmetadata: {name: virt-launcher-vm1-abcde}\n---\nkind: Pod\nmetadata: {name: b}\n",
    );
    expect(cluster.pods.map((p) => p.name)).toEqual(["b"]);
    expect(lines(diags)).toEqual([]);
  });

  it("sorts pods by namespace, then name", () => {
    const { cluster } = load(
      ["b/x", "a/y", "b/a", "a/z"]
        .map((s) => `kind: Pod\nmetadata: {namespace: ${s.split("/")[0]}, name: ${s.split("/")[1]}}`)
        .join("\n---\n"),
    );
    expect(cluster.pods.map((p) => `${p.namespace}/${p.name}`)).toEqual(["a/y", "a/z", "b/a", "b/x"]);
  });

  it("reports bad fields and keeps the rest of the pod", () => {
    const { cluster, diags } = load(`
kind: Pod
metadata:
  name: a
  labels: {n: 1, b: true, e: , l: [x]}
spec:
  hostNetwork: "yes"
  containers:
  - ports:
    - {containerPort: 70000}
    - {containerport: 80}
    - {containerPort: 81, protocol: tcp}
    - {containerPort: 82, protocol: TCP}
status:
  podIPs: [{ip: 10.0.0.300}, {ip: 10.0.0.3}]
`);
    const p = pod(cluster, "default", "a");
    expect(obj(p.labels)).toEqual({ n: "1", b: "true", e: "" });
    expect(p.ports).toEqual([{ port: 82, protocol: 6 }]);
    expect(p.hostNetwork).toBe(false);
    expect(p.ips).toEqual(["10.0.0.3"]);
    expect(lines(diags)).toEqual([
      'x.yaml:5:15: warning[S4004]: metadata.labels.n is not a string; read as "1"',
      'x.yaml:5:21: warning[S4004]: metadata.labels.b is not a string; read as "true"',
      "x.yaml:5:35: warning[S4003]: metadata.labels.l should be a string; ignored",
      "x.yaml:10:23: warning[S4005]: containerPort must be a port number 1-65535; entry skipped",
      "x.yaml:11:8: warning[S4005]: containerPort is missing; entry skipped",
      "x.yaml:12:37: warning[S4006]: protocol must be TCP, UDP or SCTP; entry skipped",
      "x.yaml:7:16: warning[S4003]: spec.hostNetwork should be true or false; ignored",
      "x.yaml:15:17: warning[S4007]: status.podIPs[].ip '10.0.0.300' is not an IP address; dropped",
    ]);
    expect(diags.all.find((d) => d.code === "S4005" && d.help !== undefined)?.help).toBe(
      "field names are case-sensitive: write containerPort, not containerport",
    );
  });
});

describe("workloads and owners", () => {
  it("groups pods by their controller owner reference", () => {
    const { cluster } = load(`
kind: Pod
metadata:
  name: rs-pod-1
  namespace: n
  ownerReferences:
  - {kind: ConfigMap, name: not-controller}
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web-7d4, controller: true}
---
kind: Pod
metadata:
  name: ds-pod
  namespace: kube-system
  ownerReferences: [{kind: DaemonSet, name: calico-node, controller: true}]
---
kind: Pod
metadata:
  name: lonely
  ownerReferences: [{kind: ReplicaSet, name: rs, controller: false}]
`);
    expect(cluster.pods.map((p) => formatWorkload(p.workload))).toEqual([
      "default/lonely[Pod]",
      "kube-system/calico-node[DaemonSet]",
      "n/web-7d4[ReplicaSet]",
    ]);
  });

  it("treats a Node owner (static pod) as no owner", () => {
    const { cluster } = load(`
kind: Pod
metadata:
  name: kube-apiserver-n1
  namespace: kube-system
  ownerReferences: [{apiVersion: v1, kind: Node, name: n1, controller: true}]
`);
    expect(formatWorkload(cluster.pods[0]!.workload)).toBe("kube-system/kube-apiserver-n1[Pod]");
  });

  it("gives an owner reference without kind the kind Pod and the owner's name (corpus quirk)", () => {
    const { cluster } = load(`
kind: Pod
metadata:
  name: a-1
  ownerReferences: [{name: a-owner, controller: true}]
---
kind: Pod
metadata:
  name: a-2
  ownerReferences: [{name: a-owner, controller: true}]
`);
    expect(new Set(cluster.pods.map((p) => formatWorkload(p.workload)))).toEqual(
      new Set(["default/a-owner[Pod]"]),
    );
    expect(cluster.pods).toHaveLength(2);
  });

  it("reports a controller owner reference without name", () => {
    const { cluster, diags } = load(
      "kind: Pod\nmetadata:\n  name: a\n  ownerReferences: [{kind: ReplicaSet, controller: true}]\n",
    );
    expect(formatWorkload(cluster.pods[0]!.workload)).toBe("default/a[Pod]");
    expect(lines(diags)).toEqual([
      "x.yaml:4:21: warning[S4012]: controller owner reference has no name; the pod is its own workload",
    ]);
  });

  it("synthesizes one pod per workload object from its template", () => {
    const kinds = ["Deployment", "ReplicaSet", "StatefulSet", "DaemonSet", "Job"];
    const docs = kinds.map(
      (k) => `apiVersion: ${k === "Job" ? "batch/v1" : "apps/v1"}
kind: ${k}
metadata: {name: ${k.toLowerCase()}, namespace: w}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: ${k.toLowerCase()}}}
    spec:
      serviceAccountName: sa-${k.toLowerCase()}
      containers: [{name: c, ports: [{containerPort: 80, name: http}]}]`,
    );
    docs.push(`apiVersion: v1
kind: ReplicationController
metadata: {name: rc}
spec:
  template:
    metadata: {labels: {app: rc}}
    spec: {hostNetwork: true, containers: [{name: c}]}`);
    docs.push(`apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: w}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        metadata: {labels: {app: cron}}
        spec: {containers: [{name: c, ports: [{containerPort: 9000, protocol: UDP}]}]}`);
    const { cluster, diags } = load(docs.join("\n---\n"));
    expect(lines(diags)).toEqual([]);
    expect(cluster.pods.map((p) => formatWorkload(p.workload))).toEqual([
      "default/rc[ReplicationController]",
      "w/daemonset[DaemonSet]",
      "w/deployment[Deployment]",
      "w/job[Job]",
      "w/nightly[CronJob]",
      "w/replicaset[ReplicaSet]",
      "w/statefulset[StatefulSet]",
    ]);
    const dep = pod(cluster, "w", "deployment");
    expect(obj(dep.labels)).toEqual({ app: "deployment" });
    expect(dep.ports).toEqual([{ name: "http", port: 80, protocol: 6 }]);
    expect(dep.serviceAccount).toBe("sa-deployment");
    expect(dep.ips).toHaveLength(2); // synthetic (mode "missing")
    expect(pod(cluster, "default", "rc").hostNetwork).toBe(true);
    const cron = pod(cluster, "w", "nightly");
    expect(obj(cron.labels)).toEqual({ app: "cron" });
    expect(cron.ports).toEqual([{ port: 9000, protocol: 17 }]);
  });

  it("warns about a workload without template and still creates its pod", () => {
    const { cluster, diags } = load(
      "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec: {schedule: x}\n",
    );
    expect(formatWorkload(cluster.pods[0]!.workload)).toBe("default/c[CronJob]");
    expect(cluster.pods[0]!.labels.size).toBe(0);
    expect(lines(diags)).toEqual([
      "x.yaml:3:18: warning[S4008]: CronJob 'default/c' has no spec.jobTemplate.spec.template; its pod has no labels or ports",
    ]);
  });

  it("keeps a Pod and a workload of the same name apart", () => {
    const { cluster } = load(
      "kind: Pod\nmetadata: {name: x}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
    );
    expect(cluster.pods.map((p) => formatWorkload(p.workload))).toEqual([
      "default/x[Deployment]",
      "default/x[Pod]",
    ]);
  });
});

describe("kinds and API groups", () => {
  it("ignores other kinds and same-named kinds of other API groups", () => {
    const { cluster, diags } = load(`
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: knative}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cm}
---
apiVersion: extensions/v1beta1
kind: Deployment
metadata: {name: old}
spec: {template: {metadata: {labels: {a: b}}}}
`);
    expect(lines(diags)).toEqual([]);
    expect(cluster.services).toEqual([]);
    expect(cluster.pods.map((p) => formatWorkload(p.workload))).toEqual(["default/old[Deployment]"]);
  });

  it("isSnapshotKind accepts objects without apiVersion", () => {
    const file = new SourceFile("x.yaml", "");
    const node = { kind: "map" as const, span: { file, start: 0, end: 0 }, entries: new Map() };
    expect(isSnapshotKind({ kind: "Pod", node, file })).toBe(true);
    expect(isSnapshotKind({ kind: "Pod", apiVersion: "v1", node, file })).toBe(true);
    expect(isSnapshotKind({ kind: "Pod", apiVersion: "example.com/v1", node, file })).toBe(false);
    expect(isSnapshotKind({ kind: "Job", apiVersion: "batch/v1", node, file })).toBe(true);
    expect(isSnapshotKind({ kind: "Secret", node, file })).toBe(false);
  });
});

describe("names and duplicates", () => {
  it("reports a duplicate object with a note pointing at the first", () => {
    const { cluster, diags } = load(`
kind: Pod
metadata: {name: a, namespace: n, labels: {v: "1"}}
---
kind: Pod
metadata: {namespace: n, name: a, labels: {v: "2"}}
---
kind: Pod
metadata: {name: a, namespace: other}
---
kind: Namespace
metadata: {name: n}
---
kind: Namespace
metadata: {name: n}
`);
    expect(cluster.pods.map((p) => `${p.namespace}/${p.name}=${p.labels.get("v") ?? ""}`)).toEqual([
      "n/a=1",
      "other/a=",
    ]);
    expect(lines(diags)).toEqual([
      "x.yaml:6:32: error[S4002]: duplicate Pod 'n/a'; this one is ignored",
      "x.yaml:15:18: error[S4002]: duplicate Namespace 'n'; this one is ignored",
    ]);
    const note = diags.all[0]!.notes![0]!;
    expect(note.message).toBe("first defined here");
    expect(formatLocation(note.span!)).toBe("x.yaml:3:18");
  });

  it("treats a missing namespace as default when looking for duplicates", () => {
    const { diags } = load(
      "kind: Pod\nmetadata: {name: a}\n---\nkind: Pod\nmetadata: {name: a, namespace: default}\n",
    );
    expect(diags.all.map((d) => d.code)).toEqual(["S4002"]);
  });

  it("reports objects without a string name", () => {
    const { cluster, diags } = load(
      "kind: Pod\nmetadata: {namespace: n}\n---\nkind: Pod\nmetadata: {name: 42}\n",
    );
    expect(cluster.pods).toEqual([]);
    expect(lines(diags)).toEqual([
      "x.yaml:2:11: error[S4001]: Pod has no metadata.name; skipped",
      "x.yaml:5:18: error[S4001]: Pod has a metadata.name that is not a string; skipped",
    ]);
  });
});

describe("services", () => {
  it("reads selector, cluster IPs and ports", () => {
    const { cluster, diags } = load(`
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  selector: {app: web}
  clusterIP: 10.96.0.10
  clusterIPs: [10.96.0.10, "fd00:96::a"]
  ports:
  - {name: http, port: 80, targetPort: 8080}
  - {name: named, port: 81, targetPort: http-alt, protocol: UDP}
  - {port: 82}
---
apiVersion: v1
kind: Service
metadata: {name: headless}
spec: {clusterIP: None, selector: {}}
---
apiVersion: v1
kind: Service
metadata: {name: old}
spec: {clusterIP: 10.96.0.11, ports: [{port: 53, targetPort: "5353", protocol: SCTP}]}
`);
    expect(cluster.services.map((s) => `${s.namespace}/${s.name}`)).toEqual([
      "default/headless",
      "default/old",
      "shop/web",
    ]);
    const web = cluster.services[2]!;
    expect(obj(web.selector!)).toEqual({ app: "web" });
    expect(web.clusterIPs).toEqual(["10.96.0.10", "fd00:96::a"]);
    expect(web.ports).toEqual([
      { name: "http", port: 80, targetPort: 8080, protocol: 6 },
      { name: "named", port: 81, targetPort: "http-alt", protocol: 17 },
      { port: 82, targetPort: 82, protocol: 6 },
    ]);
    const headless = cluster.services[0]!;
    expect(headless.clusterIPs).toEqual([]);
    expect("selector" in headless).toBe(false);
    expect(cluster.services[1]!.clusterIPs).toEqual(["10.96.0.11"]);
    expect(cluster.services[1]!.ports).toEqual([{ port: 53, targetPort: 5353, protocol: 132 }]);
    expect(lines(diags)).toEqual([
      'x.yaml:22:62: warning[S4005]: targetPort "5353" is a quoted number; read as 5353',
    ]);
  });
});

describe("nodes", () => {
  it("reads labels and InternalIP/ExternalIP addresses", () => {
    const { cluster, diags } = load(`
apiVersion: v1
kind: Node
metadata: {name: n2, labels: {kubernetes.io/hostname: n2}}
status:
  addresses:
  - {type: InternalIP, address: 192.168.1.2}
  - {type: Hostname, address: n2}
  - {type: ExternalIP, address: 203.0.113.2}
  - {type: InternalIP, address: "2001:db8::2"}
---
apiVersion: v1
kind: Node
metadata: {name: n1, namespace: ignored}
`);
    expect(lines(diags)).toEqual([]);
    expect(cluster.nodes.map((n) => n.name)).toEqual(["n1", "n2"]);
    const n2 = cluster.nodes[1]!;
    expect(obj(n2.labels)).toEqual({ "kubernetes.io/hostname": "n2" });
    expect(n2.ips).toEqual(["192.168.1.2", "203.0.113.2", "2001:db8::2"]);
    expect(cluster.namespaces.has("ignored")).toBe(false);
  });
});

describe("synthetic addresses through buildCluster", () => {
  const text = `
kind: Pod
metadata: {name: real}
status: {podIP: 10.244.0.1}
---
kind: Pod
metadata: {name: host, namespace: b}
spec: {hostNetwork: true}
status: {podIP: 192.168.1.2}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: dep}
---
apiVersion: v1
kind: Node
metadata: {name: n}
status: {addresses: [{type: InternalIP, address: 10.244.0.2}]}
---
apiVersion: v1
kind: Service
metadata: {name: s}
spec: {clusterIP: 10.244.0.3}
`;

  it('"missing" fills only pods without addresses, avoiding real pod, node and service IPs', () => {
    const { cluster } = load(text);
    expect(cluster.pods.map((p) => `${p.name} ${p.ips.join(" ")}`)).toEqual([
      "host 192.168.1.2",
      "dep 10.244.0.4 fd00:10:244::1",
      "real 10.244.0.1",
    ]);
  });

  it('"always" replaces every pod\'s addresses, in pod order', () => {
    const { cluster } = load(text, { syntheticIps: "always", avoidCidrs: ["10.244.0.0/30"] });
    expect(cluster.pods.map((p) => `${p.name} ${p.ips.join(" ")}`)).toEqual([
      "host 10.244.0.4 fd00:10:244::1",
      "dep 10.244.0.5 fd00:10:244::2",
      "real 10.244.0.6 fd00:10:244::3",
    ]);
  });

  it("is deterministic", () => {
    const a = load(text, { syntheticIps: "always" }).cluster;
    const b = load(text, { syntheticIps: "always" }).cluster;
    expect(a.pods.map((p) => p.ips)).toEqual(b.pods.map((p) => p.ips));
  });
});
