// The upstream example policies of ../shared/corpus/cilium: each compiles (the host lock-down example
// is rejected as written, as its README row says, and compiles once its placeholder port is removed),
// and each does what the README's "Expected behaviour" table says, through the Engine.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { formatLocation } from "../../compiler/diagnostics/source.js";
import { icmp6Pkt, icmpPkt, tcpPkt, udpPkt } from "../helpers/packets.js";
import { clusterYaml, compileFiles, frontend, runProbes } from "./helpers.js";
import type { Probe } from "./helpers.js";

const root = fileURLToPath(new URL("../../../shared/corpus/cilium/", import.meta.url));
const present = existsSync(root);
if (!present) {
  console.warn(`notice: ${root} is absent; the Cilium corpus tests are skipped`);
}
const files = present
  ? readdirSync(root)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
  : [];
const read = (f: string): string => readFileSync(`${root}${f}`, "utf8");
const LOCKDOWN = "examples__policies__host__lock-down-ingress.yaml";

/** Pods the examples select, all in namespace default (the examples name none). */
const CLUSTER = clusterYaml([
  { name: "my-service", labels: { app: "myService" }, ips: ["10.244.0.10", "fd00:10:244::10"] },
  { name: "backend", labels: { role: "backend" }, ips: ["10.244.0.11", "fd00:10:244::11"] },
  { name: "frontend", labels: { role: "frontend" }, ips: ["10.244.0.12", "fd00:10:244::12"] },
  { name: "kafka", labels: { app: "kafka" }, ips: ["10.244.0.13", "fd00:10:244::13"] },
  { name: "empire-hq", labels: { app: "empire-hq" }, ips: ["10.244.0.14", "fd00:10:244::14"] },
  { name: "door", labels: { app: "cc-door-mgr" }, ips: ["10.244.0.15", "fd00:10:244::15"] },
  { name: "terminal", labels: { app: "public-terminal" }, ips: ["10.244.0.16", "fd00:10:244::16"] },
  { name: "alliance", labels: { org: "alliance" }, ips: ["10.244.0.17", "fd00:10:244::17"] },
  {
    name: "coredns",
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ips: ["10.244.0.20", "fd00:10:244::20"],
  },
]);
const IP: Readonly<Record<string, string>> = {
  svc: "10.244.0.10",
  backend: "10.244.0.11",
  frontend: "10.244.0.12",
  kafka: "10.244.0.13",
  hq: "10.244.0.14",
  door: "10.244.0.15",
  terminal: "10.244.0.16",
  alliance: "10.244.0.17",
  dns: "10.244.0.20",
};
/** The IPv6 twin of a pod address. */
const v6 = (ip: string): string => `fd00:10:244::${ip.split(".")[3]!}`;

let sport = 40000;
/** `tcp src dst port expect` probes (with the IPv6 twin when both ends are pods). */
function tcp(src: string, dst: string, port: number, expect: Probe["expect"], twin = true): Probe[] {
  const out: Probe[] = [
    {
      name: `tcp ${src} -> ${dst}:${port}`,
      frame: tcpPkt(`${src}:${++sport}`, `${dst}:${port}`, { flags: "S" }),
      expect,
    },
  ];
  if (twin && src.startsWith("10.244.") && dst.startsWith("10.244.")) {
    out.push({
      name: `tcp [${v6(src)}] -> [${v6(dst)}]:${port}`,
      frame: tcpPkt(`[${v6(src)}]:${++sport}`, `[${v6(dst)}]:${port}`, { flags: "S" }),
      expect,
    });
  }
  return out;
}

/** What each example must do (README "Expected behaviour"). */
const EXPECTED: Readonly<Record<string, () => Probe[]>> = {
  "examples__policies__l4__l3_l4_combined.yaml": () => [
    ...tcp(IP.frontend!, IP.backend!, 80, "FORWARDED"),
    ...tcp(IP.frontend!, IP.backend!, 81, 133),
    ...tcp(IP.svc!, IP.backend!, 80, 133),
    ...tcp(IP.backend!, "8.8.8.8", 443, "FORWARDED"),
  ],
  "examples__policies__l4__l4_port_range.yaml": () => [
    ...tcp(IP.svc!, "8.8.8.8", 80, "FORWARDED"),
    ...tcp(IP.svc!, IP.backend!, 444, "FORWARDED"),
    ...tcp(IP.svc!, "8.8.8.8", 445, 133),
    { name: "udp dns", frame: udpPkt(`${IP.svc!}:5353`, `${IP.dns!}:53`), expect: 133 },
  ],
  "examples__policies__l3__cidr__cidr.yaml": () => [
    ...tcp(IP.svc!, "20.1.1.1", 443, "FORWARDED"),
    ...tcp(IP.svc!, "10.1.2.3", 8080, "FORWARDED"),
    ...tcp(IP.svc!, "10.96.0.1", 443, 133),
    ...tcp(IP.svc!, IP.backend!, 80, 133, false),
  ],
  "examples__policies__l3__entities__from_world_deny.yaml": () => [
    ...tcp("8.8.8.8", IP.backend!, 80, 181),
    {
      name: "world6",
      frame: tcpPkt("[2001:db8::1]:999", `[${v6(IP.backend!)}]:80`, { flags: "S" }),
      expect: 181,
    },
    ...tcp(IP.frontend!, IP.backend!, 80, "FORWARDED"),
    ...tcp("192.168.1.10", IP.backend!, 80, "FORWARDED"),
  ],
  "examples__policies__l4__icmp.yaml": () => [
    { name: "echo", frame: icmpPkt(IP.svc!, "8.8.8.8", { type: 8, id: 1 }), expect: "FORWARDED" },
    { name: "echo6", frame: icmp6Pkt(v6(IP.svc!), "2001:db8::8", { type: 128, id: 1 }), expect: "FORWARDED" },
    { name: "timestamp", frame: icmpPkt(IP.svc!, "8.8.8.8", { type: 13, id: 2 }), expect: 133 },
    ...tcp(IP.svc!, "8.8.8.8", 80, 133),
  ],
  "examples__policies__l7__http__http.yaml": () => [
    ...tcp("8.8.8.8", IP.svc!, 80, "REDIRECTED"),
    ...tcp(IP.frontend!, IP.svc!, 80, "REDIRECTED"),
    ...tcp(IP.frontend!, IP.svc!, 81, 133),
  ],
  "examples__policies__l7__kafka__kafka-role.yaml": () => [
    ...tcp(IP.hq!, IP.kafka!, 9092, "REDIRECTED"),
    ...tcp(IP.hq!, IP.kafka!, 9093, 133),
    ...tcp(IP.frontend!, IP.kafka!, 9092, 133),
  ],
  "examples__policies__l7__dns__dns.yaml": () => [
    { name: "dns udp", frame: udpPkt(`${IP.alliance!}:5353`, `${IP.dns!}:53`), expect: "REDIRECTED" },
    {
      name: "dns udp6",
      frame: udpPkt(`[${v6(IP.alliance!)}]:5353`, `[${v6(IP.dns!)}]:53`),
      expect: "REDIRECTED",
    },
    ...tcp(IP.alliance!, IP.dns!, 53, "REDIRECTED"),
    // toFQDNs allows the addresses DNS answers name; sluice has learned none.
    ...tcp(IP.alliance!, "104.198.14.52", 80, 133),
  ],
  "examples__kubernetes-grpc__cc-door-ingress-security.yaml": () => [
    ...tcp(IP.terminal!, IP.door!, 50051, "REDIRECTED"),
    ...tcp(IP.frontend!, IP.door!, 50051, 133),
    ...tcp(IP.terminal!, IP.door!, 50052, 133),
  ],
};

describe.skipIf(!present)("Cilium corpus", () => {
  it("holds the ten README examples", () => {
    expect(files).toHaveLength(10);
    expect(files.filter((f) => f !== LOCKDOWN && EXPECTED[f] === undefined)).toEqual([]);
  });

  for (const f of files.filter((f) => f !== LOCKDOWN)) {
    it(`${f} compiles without errors and behaves as the README says`, () => {
      const r = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": read(f) });
      expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
      expect(runProbes(r, EXPECTED[f]!())).toEqual([]);
    });
  }

  it(`${LOCKDOWN} is rejected as written: the placeholder port does not parse`, () => {
    const r = frontend(read(LOCKDOWN), {}, LOCKDOWN);
    expect(
      r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code} ${formatLocation(d.span!)}`),
    ).toEqual([`S3202 ${LOCKDOWN}:26:15`]);
  });

  it(`${LOCKDOWN} without the placeholder: a host policy from remote-node and health, and L4-only ports`, () => {
    const text = read(LOCKDOWN).replace(
      /\n\s*- port: "REMOVE_ME_AFTER_DOUBLE_CHECKING_PORTS"\n\s*protocol: TCP/,
      "",
    );
    const r = frontend(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.rules.map((e) => e.peers.length)).toEqual([2, 1]);
    expect(r.rules[1]!.peers).toEqual([{ kind: "any" }]);
    expect(r.rules[1]!.ports.map((p) => `${p.protocol}/${p.ranges[0]![0]}`)).toEqual([
      "6/6443",
      "6/22",
      "6/2379",
      "6/4240",
      "17/8472",
    ]);
    expect(compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": text }).bundle).toBeDefined();
  });
});
