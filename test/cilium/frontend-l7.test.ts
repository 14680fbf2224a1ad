// The Cilium front end's IR for toServices and L7 rules, and the schema-version option. Expectations
// come from ../shared/reference/cilium.md (sections cited per block) and upstream pkg/policy/api.
import { describe, expect, it } from "vitest";
import { errors, frontend, peerText, portText } from "./helpers.js";

const cnp = (spec: string, ns = "prod"): string =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: ${ns}}\nspec:\n${spec}`;

describe("toServices", () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: db, namespace: data, labels: {tier: storage}}
spec: {selector: {app: postgres}, ports: [{port: 5432}]}
---
`;
  it("k8sService → the Service's backend pods in its namespace", () => {
    const r = frontend(
      `${svc}${cnp("  endpointSelector: {}\n  egress:\n  - toServices: [{k8sService: {serviceName: db, namespace: data}}]")}`,
    );
    expect(r.rules[0]!.peers.map(peerText)).toEqual([
      'io.kubernetes.pod.namespace == "data" && app == "postgres"',
    ]);
  });

  it("k8sServiceSelector matches Services by their labels; an empty namespace matches any", () => {
    const r = frontend(
      `${svc}${cnp("  endpointSelector: {}\n  egress:\n  - toServices: [{k8sServiceSelector: {selector: {matchLabels: {tier: storage}}}}]")}`,
    );
    expect(r.rules[0]!.peers.map(peerText)).toEqual([
      'io.kubernetes.pod.namespace == "data" && app == "postgres"',
    ]);
  });

  it("an unknown Service is reported and allows nothing", () => {
    const r = frontend(
      cnp("  endpointSelector: {}\n  egress:\n  - toServices: [{k8sService: {serviceName: nope}}]"),
    );
    expect(r.rules).toEqual([]);
    expect(r.diagnostics.map((d) => d.id)).toEqual(["unknown-service"]);
  });
});

describe("L7 rules (§1.9, §1.10, §1.6)", () => {
  it("HTTP rules keep regexes as written; headers split into name and value", () => {
    const r = frontend(
      cnp(`  endpointSelector: {}
  ingress:
  - toPorts:
    - ports: [{port: '80', protocol: TCP}]
      rules:
        http:
        - {method: GET, path: "/path1$"}
        - method: PUT
          path: "/path2$"
          headers: ['X-My-Header: true', 'X-Present']
          headerMatches: [{name: X-Token, value: abc, mismatch: LOG}]
        - {}`),
    );
    const l7 = r.rules[0]!.l7!;
    expect(l7.kind).toBe("http");
    expect(
      l7.kind === "http" &&
        l7.rules.map(({ method, path, host, headers }) => ({ method, path, host, headers })),
    ).toEqual([
      { method: "GET", path: "/path1$", host: undefined, headers: [] },
      {
        method: "PUT",
        path: "/path2$",
        host: undefined,
        headers: [
          { name: "X-My-Header", value: "true" },
          { name: "X-Present" },
          { name: "X-Token", value: "abc", mismatch: "LOG" },
        ],
      },
      { method: undefined, path: undefined, host: undefined, headers: [] },
    ]);
    expect(l7.implicitWildcard).toBe(false);
    expect(r.diagnostics.map((d) => d.id)).toEqual([]); // L7 rules are inspected by the L7 datapath
  });

  it("each toPorts entry with L7 rules gets its own entry; entries without L7 share one", () => {
    const r = frontend(
      cnp(`  endpointSelector: {}
  ingress:
  - fromEntities: [world]
    toPorts:
    - ports: [{port: '80', protocol: TCP}]
      rules: {http: [{path: /a}]}
    - ports: [{port: '443', protocol: TCP}]
    - ports: [{port: '8080', protocol: TCP}]
      rules: {http: [{path: /b}]}`),
    );
    expect(r.rules.map((e) => [e.ports.map(portText).join(","), e.l7?.kind ?? "-"])).toEqual([
      ["6/443", "-"],
      ["6/80", "http"],
      ["6/8080", "http"],
    ]);
  });

  it("gRPC is HTTP POST /package.Service/Method", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '50051', protocol: TCP}], rules: {http: [{method: POST, path: /cloudcity.DoorManager/GetName}]}}]",
      ),
    );
    const l7 = r.rules[0]!.l7!;
    expect(l7.kind === "http" && l7.rules[0]).toMatchObject({
      method: "POST",
      path: "/cloudcity.DoorManager/GetName",
    });
  });

  it("Kafka roles expand to their API keys (kafka.go GetAPIKeys); apiKey names map to numbers", () => {
    const r = frontend(
      cnp(`  endpointSelector: {}
  ingress:
  - toPorts:
    - ports: [{port: '9092', protocol: TCP}]
      rules:
        kafka:
        - {role: Produce, topic: deathstar-plans}
        - {role: consume}
        - {apiKey: fetch, apiVersion: '2', clientID: c1}`),
    );
    const l7 = r.rules[0]!.l7!;
    expect(l7.kind === "kafka" && l7.rules.map((k) => ({ ...k, span: undefined }))).toEqual([
      { role: "produce", apiKeys: [0, 3, 18], topic: "deathstar-plans" },
      { role: "consume", apiKeys: [1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18] },
      { apiKeys: [1], apiVersion: 2, clientId: "c1" },
    ]);
  });

  it("DNS rules compile names and patterns to anchored regexes; ANY port 53 is allowed", () => {
    const r = frontend(
      cnp(`  endpointSelector: {}
  egress:
  - toEndpoints: [{matchLabels: {'k8s:io.kubernetes.pod.namespace': kube-system, 'k8s:k8s-app': kube-dns}}]
    toPorts:
    - ports: [{port: '53', protocol: ANY}]
      rules:
        dns: [{matchName: Cilium.io}, {matchPattern: '*.cilium.io'}]`),
    );
    const l7 = r.rules[0]!.l7!;
    expect(l7.kind === "dns" && l7.rules.map((d) => d.regex)).toEqual([
      "^cilium[.]io[.]$",
      "^[-a-z0-9_]*[.]cilium[.]io[.]$",
    ]);
    expect(r.rules[0]!.ports.map(portText)).toEqual(["6/53", "17/53", "132/53"]);
  });

  it("with default deny off, L7 rule sets carry the implicit wildcard (ensureWildcard)", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  enableDefaultDeny: {ingress: false}\n  ingress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{path: /x}]}}]",
      ),
    );
    expect(r.rules[0]!.l7!.implicitWildcard).toBe(true);
  });

  it("generic l7proto rules are kept as written (≤ 1.19)", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '6379', protocol: TCP}], rules: {l7proto: r2d2, l7: [{cmd: READ}]}}]",
      ),
    );
    expect(r.rules[0]!.l7).toMatchObject({ kind: "generic", proto: "r2d2", rules: [{ cmd: "READ" }] });
  });

  it("toFQDNs becomes an fqdn peer, and the warning says answers must be given", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  egress:\n  - toFQDNs: [{matchName: cilium.io}]\n    toPorts: [{ports: [{port: '80', protocol: TCP}]}]",
      ),
    );
    expect(r.rules.map((e) => e.peers.map(peerText))).toEqual([["fqdn cilium.io"]]);
    expect(r.selects).toHaveLength(1);
    expect(r.diagnostics.map((d) => d.id)).toEqual(["fqdn-not-enforced"]);
  });
});

describe("ciliumVersion", () => {
  it("1.20 still reads HTTP and DNS rules", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{path: /a}]}}]",
      ),
      { ciliumVersion: "1.20" },
    );
    expect(errors(r)).toEqual([]);
    expect(r.rules[0]!.l7?.kind).toBe("http");
  });

  const kafka = cnp(
    "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '9092', protocol: TCP}], rules: {kafka: [{role: produce}]}}]",
  );
  it("1.19 (the default) accepts Kafka rules; 1.20 reports them", () => {
    expect(errors(frontend(kafka))).toEqual([]);
    expect(errors(frontend(kafka, { ciliumVersion: "1.20" }))).toEqual(["S2206"]);
  });
});
