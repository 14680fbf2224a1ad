// Calico HostEndpoints end to end: GlobalNetworkPolicies selecting host endpoints by their labels,
// the failsafe ports, the default deny of a host endpoint no policy selects, the default-allow profile,
// untracked (doNotTrack) and pre-DNAT policy ordering — through compile() and the Engine, each probe
// over IPv4 and its IPv6 twin. Expected verdicts come from the Calico documentation (tigera/docs
// calico/reference/host-endpoints: overview, failsafe, pre-dnat, forwarded, summary) and calico.md
// §3.4: "if there is no security policy for that endpoint, Calico will default to denying traffic
// to/from that endpoint, except for traffic that is allowed by the failsafe rules"; "if a packet is
// explicitly allowed by untracked policy, it skips over any pre-DNAT and normal policy"; "if a packet
// is explicitly allowed by pre-DNAT policy, it skips over any normal policy"; pre-DNAT has "no
// 'default drop' semantic". Drops of no-decision are POLICY_DENIED (133), explicit Deny rules 181.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import type { CompileResult } from "../../compiler/compile.js";
import { Engine } from "../../runtime/engine/engine.js";
import { tcpPkt, udpPkt } from "../helpers/packets.js";

const HOSTS = {
  web: ["10.244.1.10", "fd00:10:244:1::10"],
  hep: ["192.168.1.1", "fd00:1::1"],
  hepAll: ["192.168.1.2", "fd00:1::2"],
  world: ["8.8.8.8", "2001:db8::8"],
  other: ["1.2.3.4", "2001:db8::4"],
} as const satisfies Record<string, readonly [string, string]>;
type Host = keyof typeof HOSTS;
type Line = `${Host} -> ${Host} ${"tcp" | "udp"}/${number} = ${"FORWARDED" | 133 | 181}`;

/** A namespace with one pod, a node, and two host endpoints: eth0 of node-1 and all of node-2's. */
const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: prod, labels: {app: web}}
spec: {nodeName: node-1, containers: [{name: c}]}
status: {podIPs: [{ip: 10.244.1.10}, {ip: "fd00:10:244:1::10"}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-1}
status: {addresses: [{type: InternalIP, address: 192.168.1.1}, {type: InternalIP, address: "fd00:1::1"}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-2}
status: {addresses: [{type: InternalIP, address: 192.168.1.2}, {type: InternalIP, address: "fd00:1::2"}]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-eth0, labels: {host-endpoint: ingress, env: prod}}
spec: {node: node-1, interfaceName: eth0, expectedIPs: [192.168.1.1, "fd00:1::1"]}
`;
/** node-2's all-interfaces host endpoint, with the default-allow profile (addresses from its Node). */
const HEP_ALL = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-2-all, labels: {host-endpoint: worker}}
spec: {node: node-2, interfaceName: "*", profiles: [projectcalico-default-allow]}
`;

function gnp(name: string, body: string): string {
  return `apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: ${name}}\nspec:\n${body}`;
}

function compileAll(files: Readonly<Record<string, string>>): CompileResult {
  const dir = mkdtempSync(join(tmpdir(), "sluice-hep-"));
  try {
    const paths = Object.entries(files).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
    return compile(paths, { cni: "calico" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let sport = 41000;

function check(policy: string, lines: readonly Line[]): string[] {
  const r = compileAll({ "cluster.yaml": CLUSTER + "---\n" + HEP_ALL, "policy.yaml": policy });
  if (r.bytes === undefined) {
    throw new Error(r.diagnostics.map((d) => `${d.code} ${d.message}`).join("\n"));
  }
  const engine = Engine.load(r.bytes);
  const failures: string[] = [];
  let t = 1e9;
  for (const line of lines) {
    const m = /^(\w+) -> (\w+) (tcp|udp)\/(\d+) = (\w+)$/.exec(line)!;
    const [, src, dst, proto, port, expect] = m as unknown as [string, Host, Host, string, string, string];
    for (const v of [0, 1] as const) {
      const hp = (ip: string, p: number): string => (v === 1 ? `[${ip}]:${p}` : `${ip}:${p}`);
      const s = hp(HOSTS[src][v], ++sport);
      const d = hp(HOSTS[dst][v], Number(port));
      const frame = proto === "tcp" ? tcpPkt(s, d, { flags: "S" }) : udpPkt(s, d);
      const res = engine.process(frame, { timestampNs: (t += 1e6) });
      const got = res.verdictName === "FORWARDED" ? "FORWARDED" : String(res.dropReason);
      if (got !== expect) {
        failures.push(`${line} (IPv${v === 0 ? 4 : 6}): got ${res.verdictName} ${res.dropReasonName ?? ""}`);
      }
    }
  }
  return failures;
}

/** A placeholder policy on nothing, so every scenario compiles under Calico. */
const NOTHING = gnp("nothing", "  selector: app == 'none'\n  ingress: [{action: Allow}]");

const SCENARIOS: readonly { name: string; policy: string; lines: readonly Line[] }[] = [
  {
    name: "no policy: a host endpoint denies both ways except the failsafe ports; pods are unaffected",
    policy: NOTHING,
    lines: [
      "world -> hep tcp/80 = 133",
      "world -> hep tcp/22 = FORWARDED",
      "world -> hep udp/68 = FORWARDED",
      "world -> hep tcp/6443 = FORWARDED",
      "world -> hep udp/53 = 133",
      "hep -> world udp/53 = FORWARDED",
      "hep -> world tcp/2379 = FORWARDED",
      "hep -> world tcp/443 = 133",
      "hep -> world tcp/22 = 133",
      "world -> web tcp/80 = FORWARDED",
      "world -> hepAll tcp/80 = FORWARDED",
      "hepAll -> world tcp/443 = FORWARDED",
    ],
  },
  {
    name: "GNP ingress on the host endpoint's labels: allow from one net, end of tier denies the rest",
    policy: gnp(
      "hep-in",
      "  selector: host-endpoint == 'ingress'\n  ingress:\n  - action: Allow\n    protocol: TCP\n    source: {nets: [8.8.8.8/32]}\n    destination: {ports: [80]}\n  - action: Allow\n    protocol: TCP\n    source: {nets: ['2001:db8::8/128']}\n    destination: {ports: [80]}",
    ),
    lines: [
      "world -> hep tcp/80 = FORWARDED",
      "other -> hep tcp/80 = 133",
      "world -> hep tcp/81 = 133",
      "other -> hep tcp/22 = FORWARDED",
      "hep -> world tcp/443 = 133",
      "world -> web tcp/80 = FORWARDED",
    ],
  },
  {
    name: "GNP egress on the host endpoint; an explicit Deny is POLICY_DENY",
    policy: gnp(
      "hep-out",
      "  selector: has(host-endpoint)\n  types: [Egress]\n  egress:\n  - action: Deny\n    protocol: TCP\n    destination: {ports: [25]}\n  - action: Allow",
    ),
    lines: [
      "hep -> world tcp/443 = FORWARDED",
      "hep -> world tcp/25 = 181",
      "hepAll -> world tcp/25 = 181",
      "world -> hep tcp/80 = 133",
      "world -> hepAll tcp/80 = FORWARDED",
    ],
  },
  {
    name: "selector all() selects host endpoints and pods alike; a NetworkPolicy never selects a host endpoint",
    policy: [
      gnp(
        "all-in",
        "  selector: all()\n  ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [80]}",
      ),
      "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: np, namespace: prod}\nspec:\n  selector: all()\n  ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [8080]}",
    ].join("\n---\n"),
    lines: [
      "world -> hep tcp/80 = FORWARDED",
      "world -> web tcp/80 = FORWARDED",
      "world -> hep tcp/81 = 133",
      "world -> web tcp/81 = 133",
      "world -> web tcp/8080 = FORWARDED",
      "world -> hep tcp/8080 = 133",
      "world -> hepAll tcp/81 = 133",
    ],
  },
  {
    name: "host endpoints are peers: a pod admits the host endpoint by its labels",
    policy: [
      gnp(
        "web-in",
        "  selector: app == 'web'\n  ingress:\n  - action: Allow\n    source: {selector: host-endpoint == 'ingress'}",
      ),
      gnp(
        "hep-out",
        "  selector: host-endpoint == 'ingress'\n  types: [Egress]\n  egress: [{action: Allow}]",
      ),
    ].join("\n---\n"),
    lines: ["hep -> web tcp/80 = FORWARDED", "hepAll -> web tcp/80 = 133", "world -> web tcp/80 = 133"],
  },
  {
    name: "untracked policy runs first: its Deny drops, its Allow skips normal policy; failsafe still wins",
    policy: [
      gnp(
        "ip-protect",
        "  selector: host-endpoint == 'ingress'\n  order: 0\n  doNotTrack: true\n  applyOnForward: true\n  types: [Ingress]\n  ingress:\n  - action: Deny\n    source: {nets: [1.2.3.4/32]}\n  - action: Deny\n    source: {nets: ['2001:db8::4/128']}\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [11211]}",
      ),
      gnp(
        "normal",
        "  selector: host-endpoint == 'ingress'\n  order: 10\n  ingress:\n  - action: Deny\n    protocol: TCP\n    destination: {ports: [11211]}\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [80]}",
      ),
    ].join("\n---\n"),
    lines: [
      "other -> hep tcp/80 = 181",
      "world -> hep tcp/80 = FORWARDED",
      "world -> hep tcp/11211 = FORWARDED",
      "other -> hep tcp/11211 = 181",
      "world -> hep tcp/443 = 133",
      "other -> hep tcp/22 = FORWARDED",
      "other -> web tcp/80 = FORWARDED",
    ],
  },
  {
    name: "pre-DNAT policy: Deny drops, Allow skips normal policy, nothing undecided is dropped by it",
    policy: [
      gnp(
        "pre",
        "  selector: has(host-endpoint)\n  order: 0\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - action: Deny\n    source: {nets: [1.2.3.4/32]}\n  - action: Deny\n    source: {nets: ['2001:db8::4/128']}\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [30080]}",
      ),
      gnp(
        "normal",
        "  selector: has(host-endpoint)\n  order: 10\n  ingress:\n  - action: Allow\n    protocol: TCP\n    destination: {ports: [80]}",
      ),
    ].join("\n---\n"),
    lines: [
      "other -> hep tcp/80 = 181",
      "world -> hep tcp/80 = FORWARDED",
      "world -> hep tcp/30080 = FORWARDED",
      "world -> hep tcp/443 = 133",
      "other -> hepAll tcp/443 = 181",
      "world -> hepAll tcp/30080 = FORWARDED",
      "world -> hepAll tcp/443 = 133",
      "other -> web tcp/80 = FORWARDED",
    ],
  },
  {
    name: "untracked before pre-DNAT before normal, across tiers",
    policy: [
      "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}",
      gnp(
        "security.pre",
        "  tier: security\n  selector: host-endpoint == 'ingress'\n  preDNAT: true\n  applyOnForward: true\n  ingress:\n  - action: Deny\n    protocol: TCP\n    destination: {ports: [8443]}",
      ),
      gnp(
        "untracked",
        "  selector: host-endpoint == 'ingress'\n  doNotTrack: true\n  applyOnForward: true\n  types: [Ingress]\n  ingress:\n  - action: Allow\n    protocol: TCP\n    source: {nets: [8.8.8.8/32]}\n    destination: {ports: [8443]}\n  - action: Allow\n    protocol: TCP\n    source: {nets: ['2001:db8::8/128']}\n    destination: {ports: [8443]}",
      ),
      gnp("normal", "  selector: host-endpoint == 'ingress'\n  ingress: [{action: Allow}]"),
    ].join("\n---\n"),
    lines: [
      "world -> hep tcp/8443 = FORWARDED",
      "other -> hep tcp/8443 = 181",
      "other -> hep tcp/80 = FORWARDED",
    ],
  },
];

describe("Calico host endpoints (IPv4 and IPv6)", () => {
  for (const s of SCENARIOS) {
    it(s.name, () => {
      expect(check(s.policy, s.lines)).toEqual([]);
    });
  }

  it("reports what is approximated, and nothing about host endpoints being unmodelled", () => {
    const r = compileAll({
      "cluster.yaml": CLUSTER,
      "policy.yaml": gnp(
        "u",
        "  selector: has(host-endpoint)\n  doNotTrack: true\n  applyOnForward: true\n  ingress: [{action: Allow}]",
      ),
    });
    expect(r.diagnostics.map((d) => d.id ?? d.code)).toEqual(["host-policy-approximated"]);
    expect(r.diagnostics[0]!.message).toMatch(/replies pass without an untracked rule/);
  });

  it("a host endpoint without any address is reported", () => {
    const r = compileAll({
      "cluster.yaml":
        "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: lost}\nspec: {node: nowhere, interfaceName: eth0}\n",
      "policy.yaml": NOTHING,
    });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["S4014"]);
  });
});
