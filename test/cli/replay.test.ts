// `sluice replay` end to end, in-process: a capture written with the project's pcap writer (and, when
// present, a corpus capture) through the engine, printed as Hubble JSON lines and as compact lines.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sluice } from "../helpers/cli.js";
import { SHOP_YAML, writeShopFixture } from "../helpers/shop.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";

const { capture, policy } = writeShopFixture();

describe("sluice replay", () => {
  it("without policies forwards every packet and marks the reply", async () => {
    const r = await sluice(["replay", capture, "-o", "json"]);
    expect(r.code).toBe(0);
    const flows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { flow: Record<string, unknown>; time: string });
    expect(flows.map((f) => f.flow.verdict)).toEqual(["FORWARDED", "FORWARDED", "FORWARDED"]);
    expect(flows.map((f) => f.flow.is_reply)).toEqual([false, true, false]);
    expect(flows[0]!.time).toBe("2023-11-14T22:13:20.123456789Z");
    expect(flows[0]!.flow.IP).toEqual({ source: "10.1.0.20", destination: "10.1.0.10", ipVersion: "IPv4" });
    expect(flows[0]!.flow.l4).toEqual({
      TCP: { source_port: 40000, destination_port: 8080, flags: { SYN: true } },
    });
    expect(flows[2]!.flow.l4).toEqual({ UDP: { source_port: 5353, destination_port: 53 } });
  });

  it("with policies drops what they deny, with Hubble's drop reason and the pods' names", async () => {
    const r = await sluice(["replay", capture, policy, "--cni", "spec", "-o", "json"]);
    const flows = r.out
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { flow: Record<string, unknown> });
    expect(flows.map((f) => f.flow.verdict)).toEqual(["FORWARDED", "FORWARDED", "DROPPED"]);
    expect(flows[2]!.flow.drop_reason_desc).toBe("POLICY_DENIED");
    expect(flows[2]!.flow.event_type).toEqual({ type: 1, sub_type: 133 });
    expect(flows[0]!.flow.ingress_allowed_by).toEqual([
      { name: "web", namespace: "shop", kind: "NetworkPolicy" },
    ]);
    expect((flows[0]!.flow.destination as { pod_name: string }).pod_name).toBe("web");
  });

  it("compact lines read like hubble observe's", async () => {
    const r = await sluice(["replay", capture, policy, "--cni", "spec", "--color", "never"]);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(
      /^Nov 14 22:13:20\.123: shop\/client:40000 \(ID:\d+\) -> shop\/web:8080 \(ID:\d+\) to-endpoint FORWARDED \(TCP Flags: SYN\)$/,
    );
    expect(lines[1]).toMatch(
      /^Nov 14 22:13:20\.223: shop\/client:40000 \(ID:\d+\) <- shop\/web:8080 \(ID:\d+\) to-endpoint FORWARDED/,
    );
    expect(lines[2]).toMatch(/10\.1\.0\.30:5353 .*-> shop\/web:53 .*Policy denied DROPPED \(UDP\)$/);
  });

  it("--summary counts verdicts, drop reasons and rule hits", async () => {
    const r = await sluice(["replay", capture, policy, "--cni", "spec", "--summary"]);
    expect(r.out).toMatch(/packets\s+3 /);
    expect(r.out).toMatch(/FORWARDED\s+2/);
    expect(r.out).toMatch(/POLICY_DENIED\s+1/);
    expect(r.out).toMatch(/NetworkPolicy shop\/web ingress allow/);
  });

  it.skipIf(!haveCorpus("pcaps"))(
    "reads a corpus pcapng (two interfaces) without a single drop",
    async () => {
      const r = await sluice(["replay", corpusPath("pcaps/ndpi_kafka.pcapng"), "--summary"]);
      expect(r.out).toMatch(/packets\s+41 /);
      expect(r.out).toMatch(/FORWARDED\s+41/);
    },
  );
});

describe("sluice replay with Calico Log rules", () => {
  // A Log rule logs the packet and falls through to the next rule (calico.md: Log "records and continues").
  const gnp = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: log-web}
spec:
  selector: app == 'web'
  types: [Ingress]
  ingress:
  - action: Log
    protocol: TCP
  - action: Allow
    protocol: TCP
    destination: {ports: [8080]}
`;
  it("prints Felix's packet log line for a logged packet and counts it in the summary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sluice-log-"));
    const cluster = join(dir, "cluster.yaml");
    writeFileSync(cluster, SHOP_YAML.split("---\napiVersion: networking")[0]!);
    const pol = join(dir, "gnp.yaml");
    writeFileSync(pol, gnp);
    const r = await sluice(["replay", capture, cluster, pol, "--cni", "calico", "--color", "never"]);
    const lines = r.out.trim().split("\n");
    // The SYN to web:8080 is logged, then allowed; the UDP packet matches neither rule (tier default deny).
    expect(lines.filter((l) => l.startsWith("calico-packet:"))).toEqual([
      expect.stringMatching(
        /^calico-packet: SRC=10\.1\.0\.20 DST=10\.1\.0\.10 PROTO=TCP SPT=40000 DPT=8080 \(GlobalNetworkPolicy log-web ingress log/,
      ),
    ]);
    const summary = await sluice(["replay", capture, cluster, pol, "--cni", "calico", "--summary"]);
    expect(summary.out).toContain("Calico Log rule hits (packets logged)");
    expect(summary.out).toMatch(/\n\s+1 {2}GlobalNetworkPolicy log-web ingress log/);
  });
});
