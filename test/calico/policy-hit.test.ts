// Calico PolicyHit reporting: `sluice trace` lists each direction's hits (the Pass rules that handed the
// packet on, then the rule that decided) and `sluice replay --summary` counts packets per rule and
// action, both in the form Calico's flow logs print (`policies` field, parsed upstream by
// lma `PolicyHitFromFlowLogPolicyString`, e.g. "0|__PROFILE__|__PROFILE__.kns.namespace1|allow|0"):
// matchIndex|tier|[namespace/]tier.name|action|ruleIndex, with ruleIndex -1 for a tier's end-of-tier
// action. Expected hits follow Calico's evaluation (calico.md §3.4): Pass leaves the tier, the next
// tier's first matching rule decides, a tier that selects the endpoint and decides nothing denies.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writePcap } from "../../runtime/pcap/writer.js";
import { sluice } from "../helpers/cli.js";
import { tcpPkt } from "../helpers/packets.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-policyhit-"));
const files = {
  "cluster.yaml": `apiVersion: v1
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
kind: Node
metadata: {name: node-1}
status: {addresses: [{type: InternalIP, address: 192.168.1.1}]}
---
apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-eth0, labels: {host-endpoint: ingress}}
spec: {node: node-1, interfaceName: eth0, expectedIPs: [192.168.1.1]}
`,
  "policy.yaml": `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: p1}
spec:
  tier: security
  selector: app == 'web'
  ingress:
  - action: Pass
    source: {nets: [8.8.8.0/24]}
  - action: Pass
    source: {nets: ["2001:db8::/64"]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: np-web, namespace: prod}
spec:
  selector: app == 'web'
  ingress:
  - action: Allow
    protocol: TCP
    destination: {ports: [80]}
`,
};
for (const [name, text] of Object.entries(files)) {
  writeFileSync(join(dir, name), text);
}
const paths = [join(dir, "cluster.yaml"), join(dir, "policy.yaml")];

interface Hit {
  readonly matchIndex: number;
  readonly tier: string;
  readonly name: string;
  readonly namespace?: string;
  readonly ruleIndex: number;
  readonly action: string;
  readonly flowLog: string;
}

async function traceJson(
  from: string,
  to: string,
  port: number,
): Promise<{ verdict: string; ingress: { policyHits?: Hit[] } }> {
  const r = await sluice([
    "trace",
    ...paths,
    "--from",
    from,
    "--to",
    to,
    "--port",
    String(port),
    "-o",
    "json",
  ]);
  expect(r.err).toBe("");
  return JSON.parse(r.out) as { verdict: string; ingress: { policyHits?: Hit[] } };
}

describe("Calico PolicyHit", () => {
  it("trace: a Pass in tier security, then the allow of the default tier (IPv4 and IPv6)", async () => {
    // p1's rule 0 passes the IPv4 net, rule 1 the IPv6 one.
    for (const [src, rule] of [
      ["8.8.8.8", 0],
      ["2001:db8::8", 1],
    ] as const) {
      const t = await traceJson(src, "prod/web", 80);
      expect(t.verdict).toBe("ALLOWED");
      expect(t.ingress.policyHits!.map((h) => h.flowLog)).toEqual([
        `0|security|security.p1|pass|${rule}`,
        "1|default|prod/default.np-web|allow|0",
      ]);
      expect(t.ingress.policyHits![1]).toMatchObject({
        tier: "default",
        name: "np-web",
        namespace: "prod",
        ruleIndex: 0,
        action: "allow",
      });
    }
  });

  it("trace: the end of tier security denies what it does not pass (ruleIndex -1)", async () => {
    const t = await traceJson("1.2.3.4", "prod/web", 80);
    expect(t.verdict).toBe("DENIED");
    expect(t.ingress.policyHits!.map((h) => h.flowLog)).toEqual(["0|security|security.p1|deny|-1"]);
  });

  it("trace text prints the hits", async () => {
    const r = await sluice([
      "trace",
      ...paths,
      "--from",
      "8.8.8.8",
      "--to",
      "prod/web",
      "--port",
      "80",
      "--color",
      "never",
    ]);
    expect(r.out).toContain("    policy hit 0|security|security.p1|pass|0\n");
    expect(r.out).toContain("    policy hit 1|default|prod/default.np-web|allow|0\n");
  });

  it("trace to a host endpoint: failsafe port 22 allowed, port 80 denied by its default deny", async () => {
    const ssh = await sluice([
      "trace",
      ...paths,
      "--from",
      "8.8.8.8",
      "--to",
      "hostendpoint/node-1-eth0",
      "--port",
      "22",
      "-o",
      "json",
    ]);
    const a = JSON.parse(ssh.out) as {
      verdict: string;
      ingress: { rules: { tier: string; decided: boolean }[] };
    };
    expect(a.verdict).toBe("ALLOWED");
    expect(a.ingress.rules.find((x) => x.decided)?.tier).toBe("failsafe");
    const http = await sluice([
      "trace",
      ...paths,
      "--from",
      "8.8.8.8",
      "--to",
      "192.168.1.1",
      "--port",
      "80",
      "-o",
      "json",
    ]);
    const b = JSON.parse(http.out) as {
      verdict: string;
      ingress: { rules: { kind: string; name: string; decided: boolean }[] };
    };
    expect(b.verdict).toBe("DENIED");
    expect(b.ingress.rules.find((x) => x.decided)).toMatchObject({
      kind: "HostEndpoint",
      name: "node-1-eth0",
    });
  });

  it("replay --summary counts hits per rule and action", async () => {
    const pkts = [
      tcpPkt("8.8.8.8:40000", "10.244.1.10:80", { flags: "S" }),
      tcpPkt("1.2.3.4:40001", "10.244.1.10:80", { flags: "S" }),
      tcpPkt("8.8.8.9:40002", "10.244.1.10:80", { flags: "S" }),
    ];
    const capture = join(dir, "c.pcap");
    writeFileSync(
      capture,
      writePcap(
        { linkType: 1 },
        pkts.map((data, i) => ({ data, tsSec: 1_700_000_000 + i })),
      ),
    );
    const r = await sluice(["replay", capture, ...paths, "--summary"]);
    expect(r.out).toContain("policy hits (Calico PolicyHit: tier|name|action|ruleIndex)\n");
    expect(r.out).toMatch(/\n\s+2 {2}security\|security\.p1\|pass\|0\n/);
    expect(r.out).toMatch(/\n\s+2 {2}default\|prod\/default\.np-web\|allow\|0\n/);
    expect(r.out).toMatch(/\n\s+1 {2}security\|security\.p1\|deny\|-1\n/);
  });
});
