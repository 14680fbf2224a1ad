// End to end: Cilium policies + a dual-stack cluster through compile() and the Engine, as a scenario
// table in the style of Calico's policy program tests. Every probe runs twice, over IPv4 and over IPv6.
// Expected verdicts follow ../shared/reference/cilium.md: FORWARDED, POLICY_DENIED (133) when nothing
// allows, POLICY_DENY (181) when an explicit deny matches (§2.1, §2.2, §5; deny truth table of
// language.rst "Deny Policies").
import { describe, expect, it } from "vitest";
import { icmp6Pkt, icmpPkt, tcpPkt, udpPkt } from "../helpers/packets.js";
import { clusterYaml, compileFiles, runProbes } from "./helpers.js";
import type { Probe } from "./helpers.js";

/** Hosts by name: [IPv4, IPv6]. */
const HOSTS = {
  frontend: ["10.244.1.1", "fd00:10:244:1::1"],
  backend: ["10.244.1.2", "fd00:10:244:1::2"],
  other: ["10.244.1.3", "fd00:10:244:1::3"],
  devFrontend: ["10.244.2.1", "fd00:10:244:2::1"],
  node: ["192.168.1.10", "fd00:1::10"],
  world: ["8.8.8.8", "2001:db8::8"],
  ext10: ["10.1.2.3", "fd01::3"],
  svcNet: ["10.96.0.1", "fd96::1"],
  single: ["20.1.1.1", "2001:db9::1"],
  singleNext: ["20.1.1.2", "2001:db9::2"],
} as const satisfies Record<string, readonly [string, string]>;
type Host = keyof typeof HOSTS;

const CLUSTER = clusterYaml(
  [
    { name: "frontend", labels: { role: "frontend" }, ips: HOSTS.frontend, namespace: "prod" },
    {
      name: "backend",
      labels: { role: "backend" },
      ips: HOSTS.backend,
      namespace: "prod",
      ports: [{ name: "http", port: 8080 }],
    },
    { name: "other", labels: { role: "other" }, ips: HOSTS.other, namespace: "prod" },
    { name: "frontend-dev", labels: { role: "frontend" }, ips: HOSTS.devFrontend, namespace: "dev" },
  ],
  "apiVersion: v1\nkind: Service\nmetadata: {name: db, namespace: prod}\nspec: {selector: {role: backend}, ports: [{port: 5432}]}",
);

/** `src -> dst proto/port = expect`, e.g. `frontend -> backend tcp/80 = 133`; icmp is an echo request. */
type Line =
  | `${Host} -> ${Host} ${"tcp" | "udp"}/${number} = ${"FORWARDED" | 133 | 181}`
  | `${Host} -> ${Host} icmp = ${"FORWARDED" | 133 | 181}`;

let sport = 20000;

/** The IPv4 probe and its IPv6 twin for one line. */
function probes(line: Line): Probe[] {
  const m = /^(\w+) -> (\w+) (tcp|udp|icmp)(?:\/(\d+))? = (\w+)$/.exec(line);
  if (m === null) {
    throw new Error(`bad probe line: ${line}`);
  }
  const [, src, dst, proto, port, expect] = m as unknown as [
    string,
    Host,
    Host,
    string,
    string | undefined,
    string,
  ];
  const want = expect === "FORWARDED" ? "FORWARDED" : (Number(expect) as 133 | 181);
  return [0, 1].map((v) => {
    const s = HOSTS[src][v]!;
    const d = HOSTS[dst][v]!;
    const at = (ip: string, p: number): string => (v === 0 ? `${ip}:${p}` : `[${ip}]:${p}`);
    sport++;
    const frame =
      proto === "icmp"
        ? v === 0
          ? icmpPkt(s, d, { type: 8, id: sport })
          : icmp6Pkt(s, d, { type: 128, id: sport })
        : proto === "tcp"
          ? tcpPkt(at(s, sport), at(d, Number(port)), { flags: "S" })
          : udpPkt(at(s, sport), at(d, Number(port)));
    return { name: `${line}${v === 0 ? "" : " (v6)"}`, frame, expect: want };
  });
}

const cnp = (name: string, spec: string, ns = "prod"): string =>
  `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec}`;
const ccnp = (name: string, spec: string): string =>
  `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}`;
const BACKEND = "  endpointSelector: {matchLabels: {role: backend}}";
const FRONTEND = "  endpointSelector: {matchLabels: {role: frontend}}";

interface Scenario {
  readonly name: string;
  readonly policy: string;
  readonly lines: readonly Line[];
}

const SCENARIOS: readonly Scenario[] = [
  {
    name: "L3+L4 allow (corpus l3_l4_combined): peer AND port, namespace-scoped, egress untouched",
    policy: cnp(
      "l4",
      `${BACKEND}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n    toPorts: [{ports: [{port: '80', protocol: TCP}]}]`,
    ),
    lines: [
      "frontend -> backend tcp/80 = FORWARDED",
      "frontend -> backend tcp/81 = 133",
      "frontend -> backend udp/80 = 133",
      "other -> backend tcp/80 = 133",
      "devFrontend -> backend tcp/80 = 133",
      "world -> backend tcp/80 = 133",
      "backend -> world tcp/443 = FORWARDED",
    ],
  },
  {
    name: "deny truth table: L3 allow + L4 deny on 80 ⇒ 80 denied, 81 and ping allowed",
    policy: cnp(
      "t1",
      `${BACKEND}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n  ingressDeny:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}]}]`,
    ),
    lines: [
      "frontend -> backend tcp/80 = 181",
      "frontend -> backend tcp/81 = FORWARDED",
      "frontend -> backend icmp = FORWARDED",
      "other -> backend tcp/80 = 181",
      "other -> backend tcp/81 = 133",
    ],
  },
  {
    name: "deny truth table: L4 allow on 80 + L3 deny of one peer ⇒ that peer denied on every port",
    policy: cnp(
      "t2",
      `${BACKEND}\n  ingress:\n  - toPorts: [{ports: [{port: '80', protocol: TCP}]}]\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]`,
    ),
    lines: [
      "frontend -> backend tcp/80 = 181",
      "frontend -> backend tcp/81 = 181",
      "other -> backend tcp/80 = FORWARDED",
      "other -> backend tcp/81 = 133",
    ],
  },
  {
    name: "deny truth table: an L3 deny beats an L3+L4+L7 allow of the same peer",
    policy: cnp(
      "t3",
      `${BACKEND}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n    toPorts: [{ports: [{port: '80', protocol: TCP}], rules: {http: [{method: GET}]}}]\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]`,
    ),
    lines: ["frontend -> backend tcp/80 = 181", "other -> backend tcp/80 = 133"],
  },
  {
    name: "deny in a CCNP beats an allow-all in a CNP, across namespaces",
    policy: [
      cnp("allow-all", `${BACKEND}\n  ingress:\n  - fromEntities: [all]`),
      ccnp(
        "deny-frontends",
        "  endpointSelector: {}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]",
      ),
    ].join("\n---\n"),
    lines: [
      "frontend -> backend tcp/80 = 181",
      "devFrontend -> backend tcp/80 = 181",
      "other -> backend tcp/80 = FORWARDED",
      "world -> backend tcp/80 = FORWARDED",
    ],
  },
  {
    name: "deny in a CNP beats a Kubernetes NetworkPolicy allow",
    policy: [
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow, namespace: prod}\nspec:\n  podSelector: {matchLabels: {role: backend}}\n  ingress: [{}]",
      cnp("deny", `${BACKEND}\n  ingressDeny:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]`),
    ].join("\n---\n"),
    lines: ["frontend -> backend tcp/80 = 181", "other -> backend tcp/80 = FORWARDED"],
  },
  {
    name: "egress: toEntities all + egressDeny world ⇒ world denied, the cluster allowed",
    policy: cnp(
      "egress-deny",
      `${FRONTEND}\n  egress:\n  - toEntities: [all]\n  egressDeny:\n  - toEntities: [world]`,
    ),
    lines: [
      "frontend -> world tcp/443 = 181",
      "frontend -> backend tcp/80 = FORWARDED",
      "frontend -> node tcp/10250 = FORWARDED",
    ],
  },
  {
    // node-1 is the local node (the only one) and the pods are local to it: the local host reaches
    // local pods whatever the policy (allow-localhost, cilium.md §2.1); test/cilium/host.test.ts has
    // a remote node, which world does not match.
    name: "fromEntities world: outside addresses only, not pods; the local host by allow-localhost",
    policy: cnp("world", `${BACKEND}\n  ingress:\n  - fromEntities: [world]`),
    lines: [
      "world -> backend tcp/80 = FORWARDED",
      "ext10 -> backend tcp/80 = FORWARDED",
      "frontend -> backend tcp/80 = 133",
      "node -> backend tcp/80 = FORWARDED",
    ],
  },
  {
    name: "fromEntities cluster: every pod and node, not world",
    policy: cnp("cluster", `${BACKEND}\n  ingress:\n  - fromEntities: [cluster]`),
    lines: [
      "frontend -> backend tcp/80 = FORWARDED",
      "devFrontend -> backend tcp/80 = FORWARDED",
      "node -> backend tcp/80 = FORWARDED",
      "world -> backend tcp/80 = 133",
    ],
  },
  {
    name: "corpus from_world_deny: CCNP world deny beats the all allow",
    policy: ccnp(
      "external-lockdown",
      "  endpointSelector: {}\n  ingressDeny:\n  - fromEntities: [world]\n  ingress:\n  - fromEntities: [all]",
    ),
    lines: [
      "world -> backend tcp/80 = 181",
      "world -> frontend udp/53 = 181",
      "frontend -> backend tcp/80 = FORWARDED",
      "node -> backend tcp/80 = FORWARDED",
    ],
  },
  {
    name: "toCIDR / toCIDRSet with except: outside addresses only, never pods",
    policy: cnp(
      "cidr",
      `${FRONTEND}\n  egress:\n  - toCIDR: [20.1.1.1, "2001:db9::1"]\n  - toCIDRSet:\n    - {cidr: 10.0.0.0/8, except: [10.96.0.0/12]}\n    - {cidr: "fd00::/8", except: ["fd96::/16"]}`,
    ),
    lines: [
      "frontend -> single tcp/80 = FORWARDED",
      "frontend -> singleNext tcp/80 = 133",
      "frontend -> ext10 tcp/80 = FORWARDED",
      "frontend -> ext10 udp/53 = FORWARDED",
      "frontend -> svcNet tcp/443 = 133",
      "frontend -> backend tcp/80 = 133",
      "frontend -> world tcp/80 = 133",
    ],
  },
  {
    name: "port range 80-444 (corpus l4_port_range): any peer, TCP only",
    policy: cnp(
      "range",
      `${FRONTEND}\n  egress:\n  - toPorts: [{ports: [{port: '80', endPort: 444, protocol: TCP}]}]`,
    ),
    lines: [
      "frontend -> world tcp/80 = FORWARDED",
      "frontend -> world tcp/200 = FORWARDED",
      "frontend -> backend tcp/444 = FORWARDED",
      "frontend -> world tcp/79 = 133",
      "frontend -> world tcp/445 = 133",
      "frontend -> world udp/80 = 133",
      "frontend -> world icmp = 133",
    ],
  },
  {
    name: "named ports resolve on the destination's container ports (ingress and egress)",
    policy: [
      cnp(
        "named-in",
        `${BACKEND}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n    toPorts: [{ports: [{port: http, protocol: TCP}]}]`,
      ),
      cnp(
        "named-out",
        `${FRONTEND}\n  egress:\n  - toEndpoints: [{matchLabels: {role: backend}}]\n    toPorts: [{ports: [{port: HTTP}]}]`,
      ),
    ].join("\n---\n"),
    lines: [
      "frontend -> backend tcp/8080 = FORWARDED",
      "frontend -> backend tcp/80 = 133",
      "frontend -> backend udp/8080 = 133",
    ],
  },
  {
    name: "enableDefaultDeny ingress false: allows add nothing to deny, unmatched traffic passes",
    policy: cnp(
      "no-dd",
      `${BACKEND}\n  enableDefaultDeny: {ingress: false}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n    toPorts: [{ports: [{port: '80', protocol: TCP}]}]\n  ingressDeny:\n  - fromEntities: [world]`,
    ),
    lines: [
      "frontend -> backend tcp/80 = FORWARDED",
      "other -> backend tcp/81 = FORWARDED",
      "world -> backend tcp/80 = 181",
    ],
  },
  {
    name: "several rules select one endpoint: default deny if any of them wants it",
    policy: [
      cnp(
        "no-dd",
        `${BACKEND}\n  enableDefaultDeny: {ingress: false}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]`,
      ),
      cnp(
        "dd",
        `${BACKEND}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: other}}]\n    toPorts: [{ports: [{port: '81', protocol: TCP}]}]`,
      ),
    ].join("\n---\n"),
    lines: [
      "frontend -> backend tcp/80 = FORWARDED",
      "other -> backend tcp/81 = FORWARDED",
      "other -> backend tcp/80 = 133",
      "world -> backend tcp/80 = 133",
    ],
  },
  {
    name: "CNP scoping: peers default to the policy namespace; {} is the namespace's pods",
    policy: cnp("scoped", `${BACKEND}\n  ingress:\n  - fromEndpoints: [{}]`),
    lines: [
      "frontend -> backend tcp/80 = FORWARDED",
      "other -> backend tcp/80 = FORWARDED",
      "devFrontend -> backend tcp/80 = 133",
      "node -> backend tcp/80 = FORWARDED", // allow-localhost
    ],
  },
  {
    name: "CNP scoping: a namespace-label selector reaches other namespaces",
    policy: cnp(
      "ns-labels",
      `${BACKEND}\n  ingress:\n  - fromEndpoints: [{matchLabels: {io.cilium.k8s.namespace.labels.team: dev}}]`,
    ),
    lines: ["devFrontend -> backend tcp/80 = FORWARDED", "frontend -> backend tcp/80 = 133"],
  },
  {
    name: "CCNP scoping: peers in every namespace; {} is every pod, not world",
    policy: ccnp(
      "cluster-scoped",
      "  endpointSelector: {matchLabels: {role: backend}}\n  ingress:\n  - fromEndpoints: [{matchLabels: {role: frontend}}]\n  - fromEndpoints: [{}]\n    toPorts: [{ports: [{port: '9090', protocol: TCP}]}]",
    ),
    lines: [
      "frontend -> backend tcp/80 = FORWARDED",
      "devFrontend -> backend tcp/80 = FORWARDED",
      "other -> backend tcp/80 = 133",
      "other -> backend tcp/9090 = FORWARDED",
      "world -> backend tcp/9090 = 133",
      "node -> backend tcp/9090 = FORWARDED", // allow-localhost
    ],
  },
  {
    name: "ICMP echo (corpus icmp): type 8 / 128 allowed, everything else denied",
    policy: cnp(
      "icmp",
      `${FRONTEND}\n  egress:\n  - icmps: [{fields: [{type: 8, family: IPv4}, {type: 128, family: IPv6}]}]`,
    ),
    lines: [
      "frontend -> world icmp = FORWARDED",
      "frontend -> world tcp/80 = 133",
      "frontend -> backend udp/53 = 133",
    ],
  },
  {
    name: "toServices: the Service's backend pods",
    policy: cnp(
      "svc",
      `${FRONTEND}\n  egress:\n  - toServices: [{k8sService: {serviceName: db, namespace: prod}}]`,
    ),
    lines: [
      "frontend -> backend tcp/5432 = FORWARDED",
      "frontend -> other tcp/5432 = 133",
      "frontend -> world tcp/5432 = 133",
    ],
  },
];

describe("Cilium policies end to end (compile + Engine, IPv4 and IPv6)", () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      const r = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": s.policy });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(runProbes(r, s.lines.flatMap(probes))).toEqual([]);
    });
  }
});

// Upstream `GetCIDRLabels` gives CIDR identities `reserved:world-ipv4` / `reserved:world-ipv6` in
// dual-stack and maps a /0 prefix to the world identity itself: an address under a policy CIDR is still
// matched by the world-ipv4 / world-ipv6 entities.
describe("CIDR identities and the world entities", () => {
  it("toEntities world-ipv4 also covers addresses inside a policy CIDR", () => {
    const policy = cnp(
      "world4",
      `${FRONTEND}\n  egress:\n  - toCIDR: [8.8.8.0/24]\n    toPorts: [{ports: [{port: '80', protocol: TCP}]}]\n  - toEntities: [world-ipv4]\n    toPorts: [{ports: [{port: '443', protocol: TCP}]}]`,
    );
    const r = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": policy });
    const frame = tcpPkt(`${HOSTS.frontend[0]}:1000`, `${HOSTS.world[0]}:443`, { flags: "S" });
    expect(runProbes(r, [{ name: "world-ipv4 entity to 8.8.8.8:443", frame, expect: "FORWARDED" }])).toEqual(
      [],
    );
  });
});
