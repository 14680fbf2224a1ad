// Cilium host endpoints end to end: the `host` / `remote-node` entities and host-firewall policies
// (CiliumClusterwideNetworkPolicy nodeSelector), through compile() and the Engine, each probe over IPv4
// and its IPv6 twin. Expected verdicts follow ../shared/reference/cilium.md: reserved identities host = 1
// (the local node, including host-network pods) and remote-node = 6 (§1.4, §3.1); a nodeSelector rule
// selects only host endpoints and an endpointSelector rule never does (upstream `matchesSubject`);
// a host endpoint no host policy selects is not policed; in Kubernetes mode the local host may always
// reach local endpoints unless a deny says otherwise (§2.1 `--allow-localhost`, deny-preferred insert).
// The local node is the first node by name (node-a); web runs there (podCIDR), db on node-b (nodeName).
import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { lowerToBundle } from "../../compiler/lower/lower.js";
import type { LoweredMetadata } from "../../compiler/lower/lower.js";
import { readMetadata } from "../../runtime/metadata.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { Engine } from "../../runtime/engine/engine.js";
import { icmp6Pkt, icmpPkt, tcpPkt, udpPkt } from "../helpers/packets.js";
import { compileFiles } from "./helpers.js";

/** Hosts: [IPv4, IPv6]. */
const HOSTS = {
  web: ["10.244.1.10", "fd00:10:244:1::10"],
  db: ["10.244.2.10", "fd00:10:244:2::10"],
  nodeA: ["192.168.1.1", "fd00:1::1"],
  nodeB: ["192.168.1.2", "fd00:1::2"],
  world: ["8.8.8.8", "2001:db8::8"],
} as const satisfies Record<string, readonly [string, string]>;
type Host = keyof typeof HOSTS;

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec: {containers: [{name: c}]}
status: {podIPs: [{ip: 10.244.1.10}, {ip: "fd00:10:244:1::10"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: prod, labels: {app: db}}
spec: {nodeName: node-b, containers: [{name: c}]}
status: {podIPs: [{ip: 10.244.2.10}, {ip: "fd00:10:244:2::10"}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-a, labels: {role: ingress, kubernetes.io/hostname: node-a}}
spec: {podCIDRs: [10.244.1.0/24, "fd00:10:244:1::/64"]}
status: {addresses: [{type: InternalIP, address: 192.168.1.1}, {type: InternalIP, address: "fd00:1::1"}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-b, labels: {role: worker, kubernetes.io/hostname: node-b}}
status: {addresses: [{type: InternalIP, address: 192.168.1.2}, {type: InternalIP, address: "fd00:1::2"}]}
`;

type Verdict = "FORWARDED" | 133 | 181;
type Line =
  `${Host} -> ${Host} ${"tcp" | "udp"}/${number} = ${Verdict}` | `${Host} -> ${Host} icmp = ${Verdict}`;

function cnp(name: string, body: string): string {
  return `apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: ${name}, namespace: prod}\nspec:\n${body}`;
}
function ccnp(name: string, body: string): string {
  return `apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${body}`;
}

let sport = 30000;

/** Run `lines` (and their IPv6 twins) on a fresh engine; the failures as text. */
function check(bytes: Uint8Array, lines: readonly Line[]): string[] {
  const engine = Engine.load(bytes);
  const failures: string[] = [];
  let t = 1e9;
  for (const line of lines) {
    const m = /^(\w+) -> (\w+) (tcp|udp|icmp)(?:\/(\d+))? = (\w+)$/.exec(line)!;
    const [, src, dst, proto, port, expect] = m as unknown as [string, Host, Host, string, string, string];
    for (const v of [0, 1] as const) {
      const s = HOSTS[src][v];
      const d = HOSTS[dst][v];
      const hp = (ip: string, p: number): string => (v === 1 ? `[${ip}]:${p}` : `${ip}:${p}`);
      const frame =
        proto === "icmp"
          ? v === 1
            ? icmp6Pkt(s, d, { type: 128, code: 0, id: 1 })
            : icmpPkt(s, d, { type: 8, code: 0, id: 1 })
          : proto === "tcp"
            ? tcpPkt(hp(s, ++sport), hp(d, Number(port)), { flags: "S" })
            : udpPkt(hp(s, ++sport), hp(d, Number(port)));
      const r = engine.process(frame, { timestampNs: (t += 1e6) });
      const got = r.verdictName === "FORWARDED" ? "FORWARDED" : String(r.dropReason);
      if (got !== expect) {
        failures.push(`${line} (IPv${v === 0 ? 4 : 6}): got ${r.verdictName} ${r.dropReasonName ?? ""}`);
      }
    }
  }
  return failures;
}

function compiled(policy: string): Uint8Array {
  const r = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": policy });
  if (r.bytes === undefined) {
    throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  }
  return r.bytes;
}

const WEB = "  endpointSelector: {matchLabels: {app: web}}";
const DB = "  endpointSelector: {matchLabels: {app: db}}";

const SCENARIOS: readonly { name: string; policy: string; lines: readonly Line[] }[] = [
  {
    name: "toEntities host: the local node's addresses only",
    policy: cnp("to-host", `${WEB}\n  egress:\n  - toEntities: [host]`),
    lines: [
      "web -> nodeA tcp/10250 = FORWARDED",
      "web -> nodeA icmp = FORWARDED",
      "web -> nodeB tcp/10250 = 133",
      "web -> db tcp/80 = 133",
      "web -> world tcp/443 = 133",
    ],
  },
  {
    name: "toEntities remote-node: every other node's addresses",
    policy: cnp("to-remote", `${WEB}\n  egress:\n  - toEntities: [remote-node]`),
    lines: [
      "web -> nodeB tcp/10250 = FORWARDED",
      "web -> nodeA tcp/10250 = 133",
      "web -> world udp/53 = 133",
    ],
  },
  {
    name: "a pod on another node sees the local node as a remote node",
    policy: cnp(
      "db-out",
      `${DB}\n  egress:\n  - toEntities: [remote-node]\n  - toEntities: [host]\n    toPorts: [{ports: [{port: '9', protocol: TCP}]}]`,
    ),
    lines: [
      "db -> nodeA tcp/10250 = FORWARDED",
      "db -> nodeA tcp/9 = FORWARDED",
      "db -> world tcp/443 = 133",
    ],
  },
  {
    name: "fromEntities world: the local host still reaches local pods (allow-localhost); other nodes do not",
    policy: cnp("world", `${WEB}\n  ingress:\n  - fromEntities: [world]`),
    lines: [
      "world -> web tcp/80 = FORWARDED",
      "nodeA -> web tcp/80 = FORWARDED",
      "nodeB -> web tcp/80 = 133",
      "db -> web tcp/80 = 133",
    ],
  },
  {
    name: "allow-localhost is only for local endpoints: a pod on node-b does not admit node-a",
    policy: cnp("db-in", `${DB}\n  ingress:\n  - fromEndpoints: [{matchLabels: {app: web}}]`),
    lines: ["web -> db tcp/5432 = FORWARDED", "nodeA -> db tcp/5432 = 133", "world -> db tcp/5432 = 133"],
  },
  {
    name: "an explicit deny of the host beats allow-localhost",
    policy: cnp(
      "deny-host",
      `${WEB}\n  ingressDeny:\n  - fromEntities: [host]\n  ingress:\n  - fromEntities: [all]`,
    ),
    lines: [
      "nodeA -> web tcp/80 = 181",
      "world -> web tcp/80 = FORWARDED",
      "nodeB -> web tcp/80 = FORWARDED",
    ],
  },
  {
    name: "host firewall on the local node: remote nodes in, port 22 from anywhere, pods not",
    policy: ccnp(
      "host-fw",
      "  nodeSelector: {matchLabels: {role: ingress}}\n  ingress:\n  - fromEntities: [remote-node]\n  - toPorts: [{ports: [{port: '22', protocol: TCP}]}]",
    ),
    lines: [
      "nodeB -> nodeA tcp/80 = FORWARDED",
      "world -> nodeA tcp/22 = FORWARDED",
      "world -> nodeA tcp/80 = 133",
      "world -> nodeA udp/22 = 133",
      "web -> nodeA tcp/80 = 133",
      "db -> nodeA tcp/22 = FORWARDED",
      "world -> nodeB tcp/80 = FORWARDED",
      "nodeA -> world tcp/443 = FORWARDED",
      "world -> web tcp/80 = FORWARDED",
    ],
  },
  {
    name: "host firewall on another node: it sees the local node as a remote node",
    policy: ccnp(
      "worker-fw",
      "  nodeSelector: {matchLabels: {role: worker}}\n  ingress:\n  - fromEntities: [remote-node]\n    toPorts: [{ports: [{port: '10250', protocol: TCP}]}]\n  - fromEntities: [host]\n    toPorts: [{ports: [{port: '9', protocol: TCP}]}]",
    ),
    lines: [
      "nodeA -> nodeB tcp/10250 = FORWARDED",
      "nodeA -> nodeB tcp/9 = 133",
      "world -> nodeB tcp/10250 = 133",
      "world -> nodeA tcp/80 = FORWARDED",
    ],
  },
  {
    name: "host firewall egress: toEntities world only",
    policy: ccnp(
      "egress-fw",
      "  nodeSelector: {matchLabels: {role: ingress}}\n  egress:\n  - toEntities: [world]",
    ),
    lines: [
      "nodeA -> world tcp/443 = FORWARDED",
      "nodeA -> nodeB tcp/10250 = 133",
      "nodeA -> db tcp/5432 = 133",
      "nodeB -> world tcp/443 = FORWARDED",
    ],
  },
  {
    name: "an endpointSelector {} CCNP selects every pod but no host endpoint",
    policy: ccnp("all-pods", "  endpointSelector: {}\n  ingress:\n  - fromEntities: [world]"),
    lines: [
      "world -> web tcp/80 = FORWARDED",
      "world -> db tcp/80 = FORWARDED",
      "web -> db tcp/80 = 133",
      "world -> nodeA tcp/80 = FORWARDED",
      "web -> nodeB tcp/80 = FORWARDED",
    ],
  },
  {
    name: "a nodeSelector {} host policy with a deny: every node, explicit deny wins over allow",
    policy: ccnp(
      "all-nodes",
      "  nodeSelector: {}\n  ingress:\n  - fromEntities: [all]\n  ingressDeny:\n  - fromEntities: [world]\n    toPorts: [{ports: [{port: '6443', protocol: TCP}]}]",
    ),
    lines: [
      "world -> nodeA tcp/6443 = 181",
      "world -> nodeB tcp/6443 = 181",
      "world -> nodeA tcp/80 = FORWARDED",
      "web -> nodeB tcp/6443 = FORWARDED",
    ],
  },
];

describe("Cilium host endpoints: entities and host policies (IPv4 and IPv6)", () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      expect(check(compiled(s.policy), s.lines)).toEqual([]);
    });
  }

  it("a CNP with nodeSelector is rejected (host policies are clusterwide)", () => {
    const r = compileFiles({
      "cluster.yaml": CLUSTER,
      "policy.yaml": cnp("bad", "  nodeSelector: {}\n  ingress: [{}]"),
    });
    expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code)).toEqual(["S2203"]);
  });
});

describe("the local node", () => {
  /** Lower the compile of `policy` again with `localNode`. */
  function relowered(policy: string, localNode: string): Uint8Array {
    const r = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": policy });
    const bundle = lowerToBundle(
      r.cluster!,
      r.entries,
      { model: "cilium", cni: "cilium", filterLabels: true, localNode },
      new Diagnostics(),
    );
    return encodeBundle(bundle);
  }

  const policy = cnp(
    "to-host",
    `${WEB}\n  egress:\n  - toEntities: [host]\n  - toEntities: [remote-node]\n    toPorts: [{ports: [{port: '7', protocol: TCP}]}]`,
  );

  it("defaults to the first node by name", () => {
    expect(check(compiled(policy), ["web -> nodeA tcp/80 = FORWARDED", "web -> nodeB tcp/80 = 133"])).toEqual(
      [],
    );
  });

  it("can be another node: its addresses become host, node-a's remote-node, and web is remote", () => {
    // web runs on node-a, now remote: its `host` is node-a, whose addresses sluice cannot tell from other
    // remote nodes, so the host rule matches nothing there; node-b is remote-node from web's node.
    expect(
      check(relowered(policy, "node-b"), [
        "web -> nodeB tcp/7 = FORWARDED",
        "web -> nodeB tcp/80 = 133",
        "web -> nodeA tcp/7 = FORWARDED",
      ]),
    ).toEqual([]);
  });

  it("can be none: every node is a remote node", () => {
    expect(
      check(relowered(policy, ""), [
        "web -> nodeA tcp/7 = FORWARDED",
        "web -> nodeB tcp/7 = FORWARDED",
        "web -> nodeB tcp/80 = 133",
        "web -> world tcp/80 = 133",
      ]),
    ).toEqual([]);
  });

  it("the metadata lists the host endpoints: node-a is host (1), node-b remote-node (6)", () => {
    const meta = readMetadata(Engine.load(compiled(policy)).program.bundle) as LoweredMetadata;
    expect(meta.localNode).toBe("node-a");
    expect(meta.hostEndpoints.map((h) => [h.name, h.identity, h.local])).toEqual([
      ["node/node-a", 1, true],
      ["node/node-b", 6, false],
    ]);
  });
});
