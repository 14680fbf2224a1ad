// compiler/lint: shadowed-rule and allow-overridden-by-deny under each dialect's precedence
// (Kubernetes union, Cilium deny-wins, Calico first match), with the notes pointing at covering rules.
import { describe, expect, it } from "vitest";
import { at, found, lintYaml } from "./helpers.js";

const WEB_NP = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
`;

describe("shadowed-rule (L0004)", () => {
  it("kubernetes: a rule covered by the union of other allows is redundant; of duplicates, the later", () => {
    const l = lintYaml(`${WEB_NP}    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8000, endPort: 8100 } ]
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8080 } ]
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 9090 } ]
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 9090 } ]
`);
    expect(found(l, "shadowed-rule")).toEqual([
      {
        code: "L0004",
        severity: "warning",
        at: at(l, "from:", 1),
        message:
          "ingress rule 1 of NetworkPolicy shop/web is redundant: other rules for the same endpoints already cover every peer and port it matches",
        notes: [`covered by ingress rule 0 of NetworkPolicy shop/web @ ${at(l, "from:", 0)}`],
      },
      {
        code: "L0004",
        severity: "warning",
        at: at(l, "from:", 3),
        message:
          "ingress rule 3 of NetworkPolicy shop/web is redundant: other rules for the same endpoints already cover every peer and port it matches",
        notes: [`covered by ingress rule 2 of NetworkPolicy shop/web @ ${at(l, "from:", 2)}`],
      },
    ]);
  });

  it("kubernetes: coverage spans policies and needs every port and peer", () => {
    const l = lintYaml(`${WEB_NP}    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8080 }, { port: 53, protocol: UDP } ]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: all-tcp, namespace: shop }
spec:
  podSelector: {}
  ingress:
    - from: [ { namespaceSelector: {} } ]
      ports: [ { protocol: TCP } ]
`);
    expect(found(l, "shadowed-rule")).toEqual([]); // UDP 53 is only allowed by the first rule
    const l2 = lintYaml(`${WEB_NP}    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8080 } ]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: all-tcp, namespace: shop }
spec:
  podSelector: {}
  ingress:
    - from: [ { namespaceSelector: {} } ]
      ports: [ { protocol: TCP } ]
`);
    const f = found(l2, "shadowed-rule");
    expect(f.map((x) => x.at)).toEqual([at(l2, "from:", 0)]);
    expect(f[0]!.notes).toEqual([
      `covered by ingress rule 0 of NetworkPolicy shop/all-tcp @ ${at(l2, "from:", 1)}`,
    ]);
  });

  it("cilium: a deny covered by another deny is redundant; an allow partly denied, partly allowed too", () => {
    const l = lintYaml(
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "8080", endPort: 8090, protocol: TCP } ] } ]
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "8000", endPort: 8085, protocol: TCP } ] } ]
  ingressDeny:
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "8000", endPort: 8079, protocol: TCP } ] } ]
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "8010", protocol: TCP } ] } ]
`,
      "cilium",
    );
    const f = found(l, "shadowed-rule");
    expect(f.map((x) => [x.at, x.message.split(" is ")[0]])).toEqual([
      [at(l, "fromEndpoints", 1), "ingress rule 1 of CiliumNetworkPolicy shop/web"],
      [at(l, "fromEndpoints", 3), "ingressDeny rule 1 of CiliumNetworkPolicy shop/web"],
    ]);
    expect(f[1]!.notes).toEqual([
      `covered by ingressDeny rule 0 of CiliumNetworkPolicy shop/web @ ${at(l, "fromEndpoints", 2)}`,
    ]);
    expect(f[0]!.notes).toEqual([
      `covered by ingress rule 0 of CiliumNetworkPolicy shop/web @ ${at(l, "fromEndpoints", 0)}`,
      `covered by ingressDeny rule 0 of CiliumNetworkPolicy shop/web @ ${at(l, "fromEndpoints", 2)}`,
    ]);
    expect(found(l, "allow-overridden-by-deny")).toEqual([]);
  });

  it("calico: first match in policy order; earlier rules of any action shadow later ones", () => {
    const l = lintYaml(
      `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  selector: app == 'web'
  order: 10
  ingress:
    - action: Deny
      protocol: TCP
      source: { selector: app == 'client' }
    - action: Allow
      protocol: TCP
      source: { selector: app == 'client' }
      destination: { ports: [8080] }
    - action: Allow
      protocol: UDP
      source: { selector: app == 'client' }
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: { name: later, namespace: shop }
spec:
  selector: app == 'web'
  order: 20
  ingress:
    - action: Allow
      protocol: UDP
      source: { selector: app == 'client' }
      destination: { ports: [53] }
    - action: Allow
      protocol: UDP
      destination: { ports: [53] }
`,
      "calico",
    );
    const f = found(l, "shadowed-rule");
    expect(f.map((x) => [x.code, x.at, x.message, x.notes])).toEqual([
      [
        "L0004",
        at(l, "action:", 1),
        "ingress rule 1 of NetworkPolicy shop/web is shadowed: earlier rules match everything it matches, so it never decides",
        [`shadowed by ingress rule 0 of NetworkPolicy shop/web @ ${at(l, "action:", 0)}`],
      ],
      [
        "L0004",
        at(l, "action:", 3),
        "ingress rule 0 of NetworkPolicy shop/later is shadowed: earlier rules match everything it matches, so it never decides",
        [`shadowed by ingress rule 2 of NetworkPolicy shop/web @ ${at(l, "action:", 2)}`],
      ],
    ]);
  });
});

describe("allow-overridden-by-deny (L0005)", () => {
  it("cilium: an allow whose whole space is denied, with notes at the denies", () => {
    const l = lintYaml(
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "8080", protocol: TCP } ] } ]
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "9090", protocol: TCP } ] } ]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: lockdown, namespace: shop }
spec:
  endpointSelector: {}
  ingressDeny:
    - fromEndpoints: [ { matchLabels: { app: client } } ]
      toPorts: [ { ports: [ { port: "8000", endPort: 8100, protocol: TCP } ] } ]
`,
      "cilium",
    );
    expect(found(l, "allow-overridden-by-deny")).toEqual([
      {
        code: "L0005",
        severity: "warning",
        at: at(l, "fromEndpoints", 0),
        message:
          "ingress rule 0 of CiliumNetworkPolicy shop/web allows nothing: deny rules for the same endpoints deny everything it allows",
        notes: [
          `denied by ingressDeny rule 0 of CiliumNetworkPolicy shop/lockdown @ ${at(l, "fromEndpoints", 2)}`,
        ],
      },
    ]);
    expect(found(l, "shadowed-rule")).toEqual([]);
  });

  it("is not reported when the deny covers only some of the allow's peers", () => {
    const l = lintYaml(
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEndpoints: [ { matchLabels: { io.kubernetes.pod.namespace: shop } } ]
  ingressDeny:
    - fromEndpoints: [ { matchLabels: { app: client } } ]
`,
      "cilium",
    );
    expect(found(l, "allow-overridden-by-deny")).toEqual([]);
  });
});
