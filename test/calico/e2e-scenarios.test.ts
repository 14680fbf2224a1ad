// Calico policies end to end, in the style of Calico's BPF policy tests (felix/bpf/ut/pol_prog_test.go):
// a policy set + allowed packets + dropped packets, each with an IPv6 twin, compiled by sluice and run
// through the engine. Expectations come from calico.md §3 (tiers by order, first match, Pass to the
// next tier, the tier's default action for endpoints it selects, profiles allowing the rest).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { Engine } from "../../runtime/engine/engine.js";
import { icmp6Pkt, icmpPkt, tcpPkt, udpPkt } from "../helpers/packets.js";

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: prod, labels: { env: prod } }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: prod, labels: { app: web } }
status: { podIPs: [ { ip: 10.0.0.10 }, { ip: "fd00::10" } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: db, namespace: prod, labels: { app: db } }
spec: { containers: [ { name: redis, ports: [ { name: redis, containerPort: 6379 } ] } ] }
status: { podIPs: [ { ip: 10.0.0.20 }, { ip: "fd00::20" } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: prod, labels: { app: client } }
status: { podIPs: [ { ip: 10.0.0.30 }, { ip: "fd00::30" } ] }
`;

/** Pod addresses by name, per family. */
const IP: Record<string, [string, string]> = {
  web: ["10.0.0.10", "fd00::10"],
  db: ["10.0.0.20", "fd00::20"],
  client: ["10.0.0.30", "fd00::30"],
};

type Probe = [
  proto: "tcp" | "udp" | "icmp",
  from: string,
  to: string,
  port: number,
  expect: "FORWARDED" | number,
];

function compileCalico(policies: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "sluice-calico-"));
  writeFileSync(join(dir, "all.yaml"), CLUSTER + "\n---\n" + policies);
  const r = compile([dir], { cni: "calico" });
  expect(r.diagnostics.filter((d) => d.severity === "error").map(oneLine)).toEqual([]);
  return r.bytes!;
}

function frame(
  proto: Probe[0],
  from: string,
  to: string,
  port: number,
  v6: boolean,
  sport: number,
): Uint8Array {
  const [s, d] = [IP[from]![v6 ? 1 : 0], IP[to]![v6 ? 1 : 0]];
  const hp = (ip: string, p: number): string => (v6 ? `[${ip}]:${p}` : `${ip}:${p}`);
  if (proto === "icmp") {
    return v6
      ? icmp6Pkt(s, d, { type: port === 8 ? 128 : port, id: sport })
      : icmpPkt(s, d, { type: port, id: sport });
  }
  return proto === "tcp"
    ? tcpPkt(hp(s, sport), hp(d, port), { flags: "S" })
    : udpPkt(hp(s, sport), hp(d, port));
}

function check(policies: string, probes: Probe[]): void {
  const bytes = compileCalico(policies);
  for (const v6 of [false, true]) {
    const engine = Engine.load(bytes);
    probes.forEach(([proto, from, to, port, want], i) => {
      const r = engine.process(frame(proto, from, to, port, v6, 30000 + i), { timestampNs: 1e9 + i });
      const got = r.verdictName === "FORWARDED" ? "FORWARDED" : r.dropReason;
      expect(got, `${v6 ? "IPv6" : "IPv4"} ${proto} ${from} -> ${to}:${port}`).toBe(want);
    });
  }
}

const gnp = (name: string, body: string): string => `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: { name: ${name} }
spec:
${body}
---
`;

describe("Calico policies through the engine (v4 and v6 twins)", () => {
  it("an allow rule, and the default tier's deny for what it selects", () => {
    check(
      gnp(
        "db-from-web",
        `  selector: app == 'db'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      source: { selector: app == 'web' }
      destination: { ports: [6379] }`,
      ),
      [
        ["tcp", "web", "db", 6379, "FORWARDED"],
        ["tcp", "client", "db", 6379, 133],
        ["tcp", "web", "db", 80, 133],
        ["tcp", "db", "web", 80, "FORWARDED"], // web is not selected: the namespace profile allows
      ],
    );
  });

  it("first match wins by policy order: an earlier deny beats a later allow", () => {
    const deny = (order: number) =>
      gnp(
        "deny-client",
        `  order: ${order}\n  selector: app == 'db'\n  ingress:\n    - action: Deny\n      source: { selector: app == 'client' }`,
      );
    const allow = (order: number) =>
      gnp("allow-all", `  order: ${order}\n  selector: app == 'db'\n  ingress:\n    - action: Allow`);
    check(deny(10) + allow(20), [
      ["tcp", "client", "db", 6379, 181],
      ["tcp", "web", "db", 6379, "FORWARDED"],
    ]);
    check(deny(30) + allow(20), [["tcp", "client", "db", 6379, "FORWARDED"]]);
  });

  it("Pass leaves the tier; the next tier decides", () => {
    const tier = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: security }
spec: { order: 100 }
---
`;
    const security = gnp(
      "security-gate",
      `  tier: security
  selector: app == 'db'
  ingress:
    - action: Deny
      source: { selector: app == 'client' }
    - action: Pass`,
    );
    const app = gnp(
      "app-allow",
      `  selector: app == 'db'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination: { ports: [6379] }`,
    );
    check(tier + security + app, [
      ["tcp", "client", "db", 6379, 181],
      ["tcp", "web", "db", 6379, "FORWARDED"],
      ["tcp", "web", "db", 80, 133],
    ]);
  });

  it("a tier whose default action is Pass hands undecided traffic on", () => {
    const tier = `apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: platform }
spec: { order: 100, defaultAction: Pass }
---
`;
    const platform = gnp(
      "platform-https",
      `  tier: platform\n  selector: app == 'db'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination: { ports: [443] }`,
    );
    const app = gnp(
      "app-redis",
      `  selector: app == 'db'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination: { ports: [6379] }`,
    );
    check(tier + platform + app, [
      ["tcp", "web", "db", 443, "FORWARDED"],
      ["tcp", "web", "db", 6379, "FORWARDED"],
      ["tcp", "web", "db", 22, 133],
    ]);
  });

  it("notPorts, named ports and ICMP types", () => {
    check(
      gnp(
        "db-rules",
        `  selector: app == 'db'
  ingress:
    - action: Allow
      protocol: TCP
      destination: { notPorts: [22, 6379] }
    - action: Allow
      protocol: TCP
      destination: { ports: [redis] }
    - action: Allow
      protocol: ICMP
      icmp: { type: 8 }
    - action: Allow
      protocol: ICMPv6
      icmp: { type: 128 }`,
      ),
      [
        ["tcp", "web", "db", 80, "FORWARDED"],
        ["tcp", "web", "db", 22, 133],
        ["tcp", "web", "db", 6379, "FORWARDED"], // the named port resolves on db's container port
        ["udp", "web", "db", 6379, 133],
        ["icmp", "web", "db", 8, "FORWARDED"], // echo request (128 on IPv6)
        ["icmp", "web", "db", 13, 133], // timestamp request
      ],
    );
  });

  // One family per rule: upstream rejects IPv4 and IPv6 CIDRs in one rule.
  it("nets and notNets match pod addresses too", () => {
    check(
      gnp(
        "db-from-net",
        `  selector: app == 'db'
  ingress:
    - action: Allow
      source: { nets: [10.0.0.0/24], notNets: [10.0.0.30/32] }
    - action: Allow
      source: { nets: ["fd00::/112"], notNets: ["fd00::30/128"] }`,
      ),
      [
        ["tcp", "web", "db", 6379, "FORWARDED"],
        ["tcp", "client", "db", 6379, 133],
      ],
    );
  });

  it("staged policies are compiled but never enforced", () => {
    check(
      `apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: { name: lockdown }
spec:
  selector: app == 'db'
  ingress:
    - action: Deny
---
`,
      [["tcp", "client", "db", 6379, "FORWARDED"]],
    );
  });

  it("Kubernetes NetworkPolicy sits at order 1000 in the default tier", () => {
    const k8s = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db-allow-all, namespace: prod }
spec:
  podSelector: { matchLabels: { app: db } }
  ingress: [ {} ]
---
`;
    const before = gnp(
      "deny-client-first",
      `  order: 500\n  selector: app == 'db'\n  ingress:\n    - action: Deny\n      source: { selector: app == 'client' }`,
    );
    const after = gnp(
      "deny-client-late",
      `  order: 1500\n  selector: app == 'db'\n  ingress:\n    - action: Deny\n      source: { selector: app == 'client' }`,
    );
    check(k8s + before, [["tcp", "client", "db", 6379, 181]]);
    check(k8s + after, [["tcp", "client", "db", 6379, "FORWARDED"]]);
  });
});

describe("Calico Log rules", () => {
  it("a Log rule never decides: evaluation continues with the next rule", () => {
    check(
      gnp(
        "log-then-allow",
        `  selector: app == 'db'
  ingress:
    - action: Log
      source: { selector: app == 'client' }
    - action: Allow
      protocol: TCP
      destination: { ports: [6379] }`,
      ),
      [
        ["tcp", "client", "db", 6379, "FORWARDED"],
        ["tcp", "client", "db", 80, 133],
      ],
    );
  });
});

describe("Calico Log rules record what reaches them", () => {
  /** For each probe: verdict and whether a Log rule recorded it (Engine.takeLogHits), v4 and v6. */
  function logged(policies: string, probes: Probe[]): [string | number, boolean][] {
    const bytes = compileCalico(policies);
    const out: [string | number, boolean][][] = [false, true].map((v6) => {
      const engine = Engine.load(bytes);
      return probes.map(([proto, from, to, port], i) => {
        const r = engine.process(frame(proto, from, to, port, v6, 31000 + i), { timestampNs: 1e9 + i });
        return [r.verdictName === "FORWARDED" ? "FORWARDED" : r.dropReason, engine.takeLogHits().length > 0];
      });
    });
    expect(out[1]).toEqual(out[0]);
    return out[0]!;
  }

  it("logs a packet its Log rule reaches, not one an earlier rule decided", () => {
    const policy = gnp(
      "db",
      `  selector: app == 'db'
  ingress:
    - action: Allow
      protocol: TCP
      source: { selector: app == 'web' }
    - action: Log
      protocol: TCP
    - action: Deny
      protocol: TCP
      destination: { ports: [6379] }`,
    );
    expect(
      logged(policy, [
        ["tcp", "web", "db", 6379, "FORWARDED"], // allowed by the first rule: the Log rule is not reached
        ["tcp", "client", "db", 6379, 181], // logged, then denied
        ["tcp", "client", "db", 80, 133], // logged, then the tier's default deny
        ["udp", "client", "db", 53, 133], // the Log rule is TCP only
      ]),
    ).toEqual([
      ["FORWARDED", false],
      [181, true],
      [133, true],
      [133, false],
    ]);
  });

  it("a Log rule in a tier that passes still logs; policies after it in the tier decide", () => {
    const policies =
      `apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: security }
spec: { order: 100 }
---
` +
      gnp(
        "security.audit",
        `  tier: security
  order: 1
  selector: app == 'db'
  ingress:
    - action: Log
    - action: Pass`,
      ) +
      gnp(
        "allow-web",
        `  selector: app == 'db'
  ingress:
    - action: Allow
      source: { selector: app == 'web' }`,
      );
    expect(
      logged(policies, [
        ["tcp", "web", "db", 6379, "FORWARDED"],
        ["tcp", "client", "db", 6379, 133],
      ]),
    ).toEqual([
      ["FORWARDED", true],
      [133, true],
    ]);
  });
});

describe("trace across Calico tiers", () => {
  it("shows the ordered chain: the pass in tier security, then the allow in tier default", async () => {
    const { trace } = await import("../../compiler/analysis/trace.js");
    const bytes = compileCalico(
      `apiVersion: projectcalico.org/v3
kind: Tier
metadata: { name: security }
spec: { order: 100 }
---
` +
        gnp(
          "security-gate",
          `  tier: security\n  selector: app == 'db'\n  ingress:\n    - action: Deny\n      source: { selector: app == 'client' }\n    - action: Pass`,
        ) +
        gnp(
          "app-allow",
          `  selector: app == 'db'\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination: { ports: [6379] }`,
        ),
    );
    const t = trace(bytes, { from: "prod/web", to: "prod/db", protocol: "tcp", port: 6379 });
    expect(t.verdict).toBe("ALLOWED");
    const chain = t.ingress.rules.map((r) => [
      r.tier,
      r.name,
      r.ruleIndex,
      r.action,
      r.decided,
      r.passed ?? false,
    ]);
    expect(chain[0]).toEqual(["security", "security-gate", 1, "pass", false, true]);
    expect(chain.find((c) => c[4] === true)).toEqual(["default", "app-allow", 0, "allow", true, false]);
  });
});
