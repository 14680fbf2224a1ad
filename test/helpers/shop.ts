// The small "shop" fixture the CLI tests share: two pods, a NetworkPolicy letting the client reach
// web on TCP 8080, and a three-packet capture (client SYN to web:8080, web's SYN-ACK, an unrelated pod's
// UDP to web:53).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PcapWriter } from "../../runtime/pcap/index.js";
import { tcpPkt, udpPkt } from "./packets.js";

/** The cluster snapshot and the policy, as YAML. */
export const SHOP_YAML = `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
status: { podIP: 10.1.0.10 }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: shop, labels: { app: client } }
status: { podIP: 10.1.0.20 }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
    - from: [ { podSelector: { matchLabels: { app: client } } } ]
      ports: [ { port: 8080 } ]
`;

/** Write the fixture to a fresh temp directory; returns the capture and policy file paths. */
export function writeShopFixture(): { dir: string; capture: string; policy: string } {
  const dir = mkdtempSync(join(tmpdir(), "sluice-shop-"));
  const capture = join(dir, "three.pcap");
  const writer = new PcapWriter({ linkType: 1, precision: "ns" });
  writer.write({
    data: tcpPkt("10.1.0.20:40000", "10.1.0.10:8080", { flags: "S" }),
    tsSec: 1_700_000_000,
    tsNsec: 123456789,
  });
  writer.write({
    data: tcpPkt("10.1.0.10:8080", "10.1.0.20:40000", { flags: "SA" }),
    tsSec: 1_700_000_000,
    tsNsec: 223456789,
  });
  writer.write({ data: udpPkt("10.1.0.30:5353", "10.1.0.10:53"), tsSec: 1_700_000_001, tsNsec: 0 });
  writeFileSync(capture, writer.toBytes());
  const policy = join(dir, "policy.yaml");
  writeFileSync(policy, SHOP_YAML);
  return { dir, capture, policy };
}
