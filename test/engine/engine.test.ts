// The engine on real frames: pass-through mode, a compiled Kubernetes policy (v4/v6 twins), conntrack
// letting replies through, malformed packets, and processBatch agreeing with process.
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { Engine } from "../../runtime/engine/engine.js";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ipv4Fragment, tcpPkt, udpPkt } from "../helpers/packets.js";

const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { team: shop } }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
spec: { containers: [ { name: c, ports: [ { name: http, containerPort: 8080 } ] } ] }
status: { podIPs: [ { ip: 10.1.0.10 }, { ip: "fd00::10" } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: shop, labels: { app: client } }
status: { podIPs: [ { ip: 10.1.0.20 }, { ip: "fd00::20" } ] }
---
apiVersion: v1
kind: Pod
metadata: { name: intruder, namespace: shop, labels: { app: other } }
status: { podIPs: [ { ip: 10.1.0.30 }, { ip: "fd00::30" } ] }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-from-client, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: http } ]
`;

function compileText(text: string): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "sluice-"));
  writeFileSync(join(dir, "all.yaml"), text);
  const r = compile([dir], { cni: "spec" });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return r.bytes!;
}

const bundle = compileText(CLUSTER);

describe("engine without a bundle", () => {
  it("forwards every well-formed packet and tracks connections", () => {
    const e = Engine.load();
    const syn = e.process(tcpPkt("10.0.0.1:1000", "10.0.0.2:80", { flags: "S" }), { timestampNs: 1e9 });
    expect([syn.verdictName, syn.ctStateName]).toEqual(["FORWARDED", "new"]);
    const synack = e.process(tcpPkt("10.0.0.2:80", "10.0.0.1:1000", { flags: "SA" }), { timestampNs: 1.1e9 });
    expect([synack.verdictName, synack.ctStateName, synack.isReply]).toEqual(["FORWARDED", "reply", true]);
  });
  it("drops a truncated frame with the parser's reason, without throwing", () => {
    const e = Engine.load();
    const frame = tcpPkt("10.0.0.1:1000", "10.0.0.2:80").subarray(0, 20);
    const r = e.process(frame);
    expect([r.verdictName, r.dropReasonName]).toEqual(["DROPPED", "INVALID_PACKET_DROPPED"]);
    expect(e.counters().dropReasons).toEqual({ INVALID_PACKET_DROPPED: 1 });
  });
});

describe("engine with a Kubernetes policy", () => {
  for (const [family, web, client, intruder] of [
    ["IPv4", "10.1.0.10", "10.1.0.20", "10.1.0.30"],
    ["IPv6", "[fd00::10]", "[fd00::20]", "[fd00::30]"],
  ] as const) {
    it(`${family}: client reaches web's named port, nobody else, no other port`, () => {
      const e = Engine.load(bundle);
      const ok = e.process(tcpPkt(`${client}:40000`, `${web}:8080`, { flags: "S" }), { timestampNs: 1e9 });
      expect([ok.verdictName, ok.ruleId]).toEqual(["FORWARDED", 1]);
      const reply = e.process(tcpPkt(`${web}:8080`, `${client}:40000`, { flags: "SA" }), {
        timestampNs: 1.001e9,
      });
      expect([reply.verdictName, reply.ctStateName]).toEqual(["FORWARDED", "reply"]);
      const wrongPort = e.process(tcpPkt(`${client}:40001`, `${web}:80`, { flags: "S" }), {
        timestampNs: 1.002e9,
      });
      expect([wrongPort.verdictName, wrongPort.dropReasonName, wrongPort.ruleId]).toEqual([
        "DROPPED",
        "POLICY_DENIED",
        0,
      ]);
      const intruderPkt = e.process(tcpPkt(`${intruder}:40000`, `${web}:8080`, { flags: "S" }), {
        timestampNs: 1.003e9,
      });
      expect(intruderPkt.verdictName).toBe("DROPPED");
      const udp = e.process(udpPkt(`${client}:5000`, `${web}:8080`), { timestampNs: 1.004e9 });
      expect(udp.verdictName).toBe("DROPPED");
      // Unselected pods are not isolated: anything may reach the client.
      const toClient = e.process(tcpPkt(`${intruder}:40000`, `${client}:22`, { flags: "S" }), {
        timestampNs: 1.005e9,
      });
      expect(toClient.verdictName).toBe("FORWARDED");
      expect(e.counters().verdicts).toEqual({ FORWARDED: 3, DROPPED: 3 });
    });
  }

  it("processBatch gives the same answers as process, in one buffer", () => {
    const frames = [
      tcpPkt("10.1.0.20:40000", "10.1.0.10:8080", { flags: "S" }),
      tcpPkt("10.1.0.30:40000", "10.1.0.10:8080", { flags: "S" }),
      tcpPkt("10.1.0.10:8080", "10.1.0.20:40000", { flags: "SA" }),
      udpPkt("10.1.0.20:5000", "10.1.0.10:8080"),
    ];
    const one = Engine.load(bundle);
    const expected = frames.map((f, i) => one.process(f, { timestampNs: 1e9 + i }));
    const buf = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
    const offsets = new Uint32Array(frames.length);
    const lengths = new Uint32Array(frames.length);
    let at = 0;
    frames.forEach((f, i) => {
      buf.set(f, at);
      offsets[i] = at;
      lengths[i] = f.length;
      at += f.length;
    });
    const results = { verdicts: new Uint8Array(4), reasons: new Uint16Array(4), rules: new Uint32Array(4) };
    Engine.load(bundle).processBatch(
      { frames: buf, offsets, lengths, timestampsNs: Float64Array.from([0, 1, 2, 3], (i) => 1e9 + i) },
      results,
    );
    expect([...results.verdicts]).toEqual(expected.map((r) => r.verdict));
    expect([...results.reasons]).toEqual(expected.map((r) => r.dropReason));
    expect([...results.rules]).toEqual(expected.map((r) => r.ruleId ?? 0xffffffff));
  });
});

describe("non-first fragments (Cilium's model: no ports, so only port-less rules can allow them)", () => {
  const fragment = (src: string, dst: string): Uint8Array =>
    ipv4Fragment(src, dst, 6, new Uint8Array(64), { offset: 1480, more: false, id: 7 });

  it("a policy with ports cannot allow one: dropped as IP_FRAGMENTATION_NOT_SUPPORTED", () => {
    const r = Engine.load(bundle).process(fragment("10.1.0.20", "10.1.0.10"));
    expect([r.verdictName, r.dropReasonName]).toEqual(["DROPPED", "IP_FRAGMENTATION_NOT_SUPPORTED"]);
  });

  it("an L3-only allow (no ports) lets it through", () => {
    const l3only = compileText(CLUSTER.replace("      ports: [ { port: http } ]\n", ""));
    const r = Engine.load(l3only).process(fragment("10.1.0.20", "10.1.0.10"));
    expect(r.verdictName).toBe("FORWARDED");
    // Not from the allowed peer: still dropped, with the fragment reason.
    const other = Engine.load(l3only).process(fragment("10.1.0.30", "10.1.0.10"));
    expect(other.dropReasonName).toBe("IP_FRAGMENTATION_NOT_SUPPORTED");
  });

  it("an unselected destination takes fragments like any packet", () => {
    expect(Engine.load(bundle).process(fragment("10.1.0.30", "10.1.0.20")).verdictName).toBe("FORWARDED");
  });
});
