// toFQDNs: the addresses DNS gave for names matching a selector get an FQDN identity in the ipcache
// (as Cilium's DNS proxy would insert them), so the rule allows exactly those addresses. The answers
// are given at compile time (--fqdn name=ip, or trace --to-fqdn name --to ip).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { Engine } from "../../runtime/engine/engine.js";
import { sluice } from "../helpers/cli.js";
import { tcpPkt } from "../helpers/packets.js";

const dir = mkdtempSync(join(tmpdir(), "sluice-fqdn-"));
const file = join(dir, "all.yaml");
writeFileSync(
  file,
  `apiVersion: v1
kind: Pod
metadata: { name: client, namespace: shop, labels: { app: client } }
status: { podIPs: [ { ip: 10.0.0.5 }, { ip: "fd00::5" } ] }
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: egress-fqdn, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: client } }
  egress:
    - toFQDNs: [ { matchName: api.example.com } ]
      toPorts: [ { ports: [ { port: "443", protocol: TCP } ] } ]
    - toFQDNs: [ { matchPattern: "*.cdn.example.com" } ]
      toPorts: [ { ports: [ { port: "80", protocol: TCP } ] } ]
`,
);

const answers = [
  { name: "api.example.com", ips: ["203.0.113.7"] },
  { name: "img.cdn.example.com", ips: ["203.0.113.9", "2001:db8::9"] },
  { name: "other.example.org", ips: ["203.0.113.50"] },
];

describe("toFQDNs", () => {
  const r = compile([file], { cni: "cilium", fqdnMappings: answers });
  it("compiles, warning that answers come from the compile", () => {
    expect(r.diagnostics.filter((d) => d.severity === "error").map(oneLine)).toEqual([]);
    expect(r.diagnostics.map((d) => d.id)).toContain("fqdn-not-enforced");
  });

  const cases: [string, string, number, string | number][] = [
    ["10.0.0.5", "203.0.113.7", 443, "FORWARDED"], // api.example.com on its port
    ["10.0.0.5", "203.0.113.7", 80, 133], // the right name, another port
    ["10.0.0.5", "203.0.113.9", 80, "FORWARDED"], // img.cdn.example.com matches the pattern
    ["10.0.0.5", "203.0.113.9", 443, 133],
    ["fd00::5", "2001:db8::9", 80, "FORWARDED"], // the IPv6 answer
    ["10.0.0.5", "203.0.113.50", 443, 133], // a name no selector matches
    ["10.0.0.5", "203.0.113.8", 443, 133], // an address no answer gave
  ];
  for (const [src, dst, port, want] of cases) {
    it(`${src} -> ${dst}:${port} is ${want}`, () => {
      const e = Engine.load(r.bytes);
      const host = (ip: string, p: number): string => (ip.includes(":") ? `[${ip}]:${p}` : `${ip}:${p}`);
      const res = e.process(tcpPkt(host(src, 40000), host(dst, port), { flags: "S" }));
      expect(res.verdictName === "FORWARDED" ? "FORWARDED" : res.dropReason).toBe(want);
    });
  }

  it("trace --to-fqdn: allowed when the name matches, denied when it does not", async () => {
    const base = [
      "trace",
      file,
      "--cni",
      "cilium",
      "--from",
      "shop/client",
      "--to",
      "203.0.113.7",
      "--port",
      "443",
      "--exit-code",
      "-o",
      "json",
    ];
    const ok = await sluice([...base, "--to-fqdn", "api.example.com"]);
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as { verdict: string }).verdict).toBe("ALLOWED");
    const no = await sluice([...base, "--to-fqdn", "evil.example.net"]);
    expect(no.code).toBe(1);
  });
});
