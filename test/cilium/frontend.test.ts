// The Cilium front end's IR, construct by construct. Expectations come from
// ../shared/reference/cilium.md (sections cited per block) and upstream pkg/policy/api, not from output.
import { describe, expect, it } from "vitest";
import { errors, frontend, peerText, portText } from "./helpers.js";

const cnp = (spec: string, ns = "prod"): string =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: ${ns}}\nspec:\n${spec}`;
const ccnp = (spec: string): string =>
  `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: p}\nspec:\n${spec}`;
const NS = 'io.kubernetes.pod.namespace == "prod"';

describe("a rule with an invalid subject", () => {
  it("still has its elements checked, and emits nothing", () => {
    const r = frontend(cnp("  ingress:\n  - fromEntities: [World]"));
    expect(errors(r)).toEqual(["S2202", "S3205"]);
    expect(r.entries).toEqual([]);
  });
});

describe("subjects and namespace scoping (§1.1, §1.11)", () => {
  it("a CNP selects endpoints of its own namespace; source prefixes are dropped", () => {
    const r = frontend(
      cnp("  endpointSelector: {matchLabels: {'k8s:app': web, 'any:tier': front}}\n  ingress: [{}]"),
    );
    expect(errors(r)).toEqual([]);
    expect(r.selects.map((s) => peerText({ kind: "endpoints", selector: s.subject }))).toEqual([
      `${NS} && app == "web" && tier == "front"`,
    ]);
  });

  it("a CNP endpointSelector naming another namespace with k8s: is replaced (AddMatch), with a warning", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {matchLabels: {'k8s:io.kubernetes.pod.namespace': other, app: web}}\n  ingress: [{}]",
      ),
    );
    expect(r.diagnostics.map((d) => d.id)).toEqual(["endpoint-selector-namespace"]);
    expect(peerText({ kind: "endpoints", selector: r.selects[0]!.subject })).toBe(`${NS} && app == "web"`);
  });

  it("a CCNP endpointSelector is used as is; {} selects every endpoint", () => {
    const r = frontend(ccnp("  endpointSelector: {}\n  ingress: [{}]"));
    expect(peerText({ kind: "endpoints", selector: r.selects[0]!.subject })).toBe("all()");
  });

  it("CNP peers get the policy namespace unless they name one or select by namespace labels", () => {
    const r = frontend(
      cnp(`  endpointSelector: {}
  ingress:
  - fromEndpoints:
    - {matchLabels: {app: a}}
    - {matchLabels: {'k8s:io.kubernetes.pod.namespace': kube-system, app: b}}
    - {matchLabels: {'io.cilium.k8s.namespace.labels.team': blue}}
    - {}
    - {matchLabels: {'reserved:host': ''}}`),
    );
    expect(r.rules[0]!.peers.map(peerText)).toEqual([
      `${NS} && app == "a"`,
      'io.kubernetes.pod.namespace == "kube-system" && app == "b"',
      'io.cilium.k8s.namespace.labels.team == "blue"',
      NS,
      'reserved:host == ""',
    ]);
  });

  it("CCNP peers get 'has a namespace' (so {} is every pod, not world); reserved selectors are left alone", () => {
    const r = frontend(
      ccnp(`  endpointSelector: {}
  egress:
  - toEndpoints:
    - {}
    - {matchLabels: {app: a}}
    - {matchExpressions: [{key: 'reserved:world', operator: Exists}]}`),
    );
    expect(r.rules[0]!.peers.map(peerText)).toEqual([
      "has(io.kubernetes.pod.namespace)",
      'has(io.kubernetes.pod.namespace) && app == "a"',
      "has(reserved:world)",
    ]);
  });

  it("a CCNP whose subject is reserved:init does not restrict peers to pods", () => {
    const r = frontend(
      ccnp(
        "  endpointSelector: {matchLabels: {'reserved:init': ''}}\n  egress:\n  - toEndpoints: [{matchLabels: {app: a}}]",
      ),
    );
    expect(r.rules[0]!.peers.map(peerText)).toEqual(['app == "a"']);
  });

  it("a CCNP nodeSelector is a subject over reserved:host and node labels", () => {
    const r = frontend(
      ccnp(
        "  nodeSelector: {matchLabels: {type: ingress-worker}}\n  ingress:\n  - fromEntities: [remote-node]",
      ),
    );
    expect(peerText({ kind: "endpoints", selector: r.selects[0]!.subject })).toBe(
      'reserved:host == "" && type == "ingress-worker"',
    );
  });
});

describe("entities (§1.4, entity.go)", () => {
  const peersOf = (entity: string): string[] =>
    frontend(cnp(`  endpointSelector: {}\n  egress:\n  - toEntities: [${entity}]`)).rules[0]!.peers.map(
      peerText,
    );

  it("all is every peer; world is the world identities; host etc. their reserved label", () => {
    expect(peersOf("all")).toEqual(["any"]);
    expect(peersOf("world")).toEqual([
      'reserved:world == "" || reserved:world-ipv4 == "" || reserved:world-ipv6 == ""',
    ]);
    expect(peersOf("world-ipv6")).toEqual(['reserved:world-ipv6 == ""']);
    for (const e of [
      "host",
      "remote-node",
      "kube-apiserver",
      "ingress",
      "health",
      "init",
      "unmanaged",
      "none",
    ]) {
      expect(peersOf(e)).toEqual([`reserved:${e} == ""`]);
    }
  });

  it("cluster is the in-cluster reserved identities plus every endpoint of the local cluster", () => {
    expect(peersOf("cluster")).toEqual([
      ["host", "remote-node", "init", "ingress", "health", "unmanaged", "kube-apiserver"]
        .map((n) => `reserved:${n} == ""`)
        .concat(['io.cilium.k8s.policy.cluster == "default"'])
        .join(" || "),
    ]);
  });

  it("entities are not namespace-scoped", () => {
    expect(peersOf("host")).toEqual(['reserved:host == ""']);
  });
});

describe("CIDR peers (§1.5)", () => {
  it("toCIDR takes prefixes and bare addresses; toCIDRSet has excepts", () => {
    const r = frontend(
      cnp(`  endpointSelector: {}
  egress:
  - toCIDR: [20.1.1.1, "2001:db8::/32"]
  - toCIDRSet:
    - cidr: 10.0.0.0/8
      except: [10.96.0.0/12]`),
    );
    expect(r.rules.map((e) => e.peers.map(peerText))).toEqual([
      ["20.1.1.1/32", "2001:db8::/32"],
      ["10.0.0.0/8 except 10.96.0.0/12"],
    ]);
    expect(r.rules.every((e) => e.ports.length === 0)).toBe(true);
  });

  it("host bits are masked with a warning", () => {
    const r = frontend(cnp("  endpointSelector: {}\n  egress:\n  - toCIDR: [10.1.2.3/8]"));
    expect(r.rules[0]!.peers.map(peerText)).toEqual(["10.0.0.0/8"]);
    expect(r.diagnostics.map((d) => d.id)).toEqual(["cidr-host-bits"]);
  });
});

describe("elements: presence, emptiness, verdicts, default deny (§1.1–§1.3, §2.1)", () => {
  it("no peer field + ports = any peer; no peer field and no ports = nothing (but still default deny)", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}]}]\n  - {}",
      ),
    );
    expect(r.rules.map((e) => e.peers.map(peerText))).toEqual([["any"]]);
    expect(r.selects.map((s) => [s.direction, s.defaultDeny])).toEqual([["ingress", true]]);
  });

  it("a present but empty peer list selects nothing", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  ingress:\n  - fromEndpoints: []\n    toPorts: [{ports: [{port: '80'}]}]",
      ),
    );
    expect(r.rules).toEqual([]);
    expect(r.selects).toHaveLength(1);
  });

  it("ingressDeny / egressDeny are deny rules and make the direction default-deny", () => {
    const r = frontend(cnp("  endpointSelector: {}\n  egressDeny:\n  - toEntities: [host]"));
    expect(r.rules.map((e) => [e.direction, e.verdict])).toEqual([["egress", "deny"]]);
    expect(r.selects.map((s) => [s.direction, s.defaultDeny])).toEqual([["egress", true]]);
  });

  it("enableDefaultDeny turns a direction's default deny off; directions without rules get no selection", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  enableDefaultDeny: {ingress: false, egress: true}\n  ingress:\n  - fromEntities: [world]",
      ),
    );
    expect(r.selects.map((s) => [s.direction, s.defaultDeny])).toEqual([["ingress", false]]);
  });

  it("specs: each rule compiles on its own, with its own selection", () => {
    const r = frontend(`apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: multi, namespace: prod}
specs:
- endpointSelector: {matchLabels: {app: a}}
  ingress: [{fromEntities: [world]}]
- endpointSelector: {matchLabels: {app: b}}
  enableDefaultDeny: {egress: false}
  egress: [{toEntities: [world]}]`);
    expect(errors(r)).toEqual([]);
    expect(
      r.selects.map(
        (s) => `${s.direction} ${s.defaultDeny} ${peerText({ kind: "endpoints", selector: s.subject })}`,
      ),
    ).toEqual([`ingress true ${NS} && app == "a"`, `egress false ${NS} && app == "b"`]);
  });

  it("origins name the dialect, kind, namespace, policy and rule index", () => {
    const r = frontend(
      cnp("  endpointSelector: {}\n  ingress:\n  - fromEntities: [world]\n  - fromEntities: [host]"),
    );
    expect(
      r.rules.map((e) => [
        e.origin.dialect,
        e.origin.kind,
        e.origin.namespace,
        e.origin.name,
        e.origin.ruleIndex,
      ]),
    ).toEqual([
      ["cilium", "CiliumNetworkPolicy", "prod", "p", 0],
      ["cilium", "CiliumNetworkPolicy", "prod", "p", 1],
    ]);
    expect(r.rules.every((e) => e.tier === 0 && e.order === 0)).toBe(true);
  });
});

describe("ports (§1.7)", () => {
  const portsOf = (ports: string): string[] =>
    frontend(cnp(`  endpointSelector: {}\n  ingress:\n  - toPorts: [{ports: ${ports}}]`)).rules.flatMap((e) =>
      e.ports.map(portText),
    );

  it("protocol defaults to ANY = TCP, UDP and SCTP (not ICMP)", () => {
    expect(portsOf("[{port: '53'}]")).toEqual(["6/53", "17/53", "132/53"]);
  });

  it("port 0 is every port of the protocol; endPort makes a range", () => {
    expect(portsOf("[{port: '0', protocol: UDP}, {port: '80', endPort: 444, protocol: TCP}]")).toEqual([
      "17/*",
      "6/80-444",
    ]);
  });

  it("named ports are lower-cased IANA names; numbers parse like Go ParseUint base 0", () => {
    expect(
      portsOf(
        "[{port: HTTP-Alt, protocol: TCP}, {port: '010', protocol: TCP}, {port: '1_000', protocol: TCP}]",
      ),
    ).toEqual(["6/http-alt", "6/8", "6/1000"]);
  });

  it("ICMP fields become ICMP / ICMPv6 type clauses, by number or name", () => {
    const r = frontend(
      cnp(
        "  endpointSelector: {}\n  egress:\n  - icmps: [{fields: [{type: 8}, {type: EchoRequest, family: IPv6}, {type: '0', family: IPv4}]}]",
      ),
    );
    expect(r.rules[0]!.ports.map(portText)).toEqual(["icmp1/8", "icmp58/128", "icmp1/0"]);
    expect(r.rules[0]!.peers.map(peerText)).toEqual(["any"]);
  });

  it("a toPorts entry without ports allows nothing (and does not mean every port)", () => {
    const r = frontend(
      cnp("  endpointSelector: {}\n  ingress:\n  - fromEntities: [world]\n    toPorts: [{}]"),
    );
    expect(r.rules).toEqual([]);
    expect(r.diagnostics.map((d) => d.id)).toEqual(["empty-port-rule"]);
  });

  it("deny rules take ports and ICMP like allow rules", () => {
    const r = frontend(
      cnp("  endpointSelector: {}\n  ingressDeny:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}]}]"),
    );
    expect(r.rules.map((e) => [e.verdict, e.peers.map(peerText), e.ports.map(portText)])).toEqual([
      ["deny", ["any"], ["6/80"]],
    ]);
  });
});
