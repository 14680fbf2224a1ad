/**
 * @fileoverview DNS inspection and FQDN learning end to end (cilium.md §1.6): a frontend may resolve
 * `*.example.com` through kube-dns and connect to `api.example.com` on 443 (toFQDNs). Before an answer
 * was seen the address is plain world and denied; a query the DNS rules do not allow is dropped and
 * answered REFUSED; an allowed query's answer teaches the FQDN cache, and the next connection to the
 * answered address is allowed until the TTL runs out. DNS messages are built with dns-packet (an
 * independent encoder); UDP and TCP transports, IPv4 (A) and IPv6 (AAAA), both backends.
 */

import dnsPacket from "dns-packet";
import { describe, expect, it } from "vitest";
import { Engine } from "../../../runtime/engine/engine.js";
import type { L7Record } from "../../../runtime/l7/datapath/records.js";
import { tcpPkt, udpPkt } from "../../../runtime/packet/craft.js";
import { clusterYaml, compileFiles } from "../../cilium/helpers.js";
import { Conversation, verdictOf } from "../../helpers/tcp-conversation.js";

const CLUSTER = clusterYaml([
  { name: "frontend", labels: { role: "frontend" }, ips: ["10.244.0.12", "fd00:10:244::12"] },
  {
    name: "coredns",
    namespace: "kube-system",
    labels: { "k8s-app": "kube-dns" },
    ips: ["10.244.0.20", "fd00:10:244::20"],
  },
]);

const POLICY = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: fqdn, namespace: default}
spec:
  endpointSelector: {matchLabels: {role: frontend}}
  egress:
  - toEndpoints: [{matchLabels: {k8s-app: kube-dns, io.kubernetes.pod.namespace: kube-system}}]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules:
        dns: [{matchPattern: "*.example.com"}]
  - toFQDNs: [{matchName: api.example.com}]
    toPorts: [{ports: [{port: "443", protocol: TCP}]}]
`;

const bundle = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": POLICY }).bytes!;

const FAMILIES = [
  { name: "IPv4", client: "10.244.0.12", dns: "10.244.0.20", target: "203.0.113.10", type: "A" as const },
  {
    name: "IPv6",
    client: "fd00:10:244::12",
    dns: "fd00:10:244::20",
    target: "2001:db8::10",
    type: "AAAA" as const,
  },
];

const at = (ip: string, port: number): string => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);

function query(id: number, name: string, type: "A" | "AAAA"): Uint8Array {
  return dnsPacket.encode({
    type: "query",
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
  });
}

function answer(id: number, name: string, type: "A" | "AAAA", ip: string, ttl: number): Uint8Array {
  return dnsPacket.encode({
    type: "response",
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: [{ type, name }],
    answers: [{ type, name, ttl, data: ip }],
  });
}

function refusedAnswer(id: number, name: string, type: "A" | "AAAA"): Uint8Array {
  return dnsPacket.encode({ type: "response", id, flags: 5, questions: [{ type, name }] });
}

describe.each(FAMILIES)("DNS rules and toFQDNs learning ($name)", ({ client, dns, target, type }) => {
  describe.each(["interp", "wasm"] as const)("backend %s", (backend) => {
    it("learns answers of allowed UDP queries; the answered address is allowed until its TTL ends", async () => {
      const records: L7Record[] = [];
      const e = await Engine.loadAsync(bundle, { backend, onL7Record: (r) => records.push(r) });
      let now = 1e9;
      const run = (frame: Uint8Array): string => verdictOf(e.process(frame, { timestampNs: (now += 1e6) }));
      const syn = (sport: number): string => run(tcpPkt(at(client, sport), at(target, 443), { flags: "S" }));
      expect(syn(50000)).toBe("DROPPED POLICY_DENIED");

      expect(run(udpPkt(at(client, 33000), at(dns, 53), { payload: query(7, "evil.org", type) }))).toBe(
        "DROPPED",
      );
      expect(
        run(udpPkt(at(client, 33001), at(dns, 53), { payload: query(8, "api.example.com", type) })),
      ).toBe("FORWARDED");
      expect(
        run(
          udpPkt(at(dns, 53), at(client, 33001), { payload: answer(8, "api.example.com", type, target, 60) }),
        ),
      ).toBe("FORWARDED");
      expect(e.counters().l7).toMatchObject({ requests: 2, allowed: 1, denied: 1, dnsLearned: 1 });
      expect(syn(50001)).toBe("FORWARDED");
      now += 61e9;
      expect(syn(50002)).toBe("DROPPED POLICY_DENIED");

      const dnsRecords = records.map(
        (r) => `${r.type} ${r.verdict} ${r.dns?.query} ${r.dns?.rcode} ${r.dns?.ips.join(",")}`,
      );
      expect(dnsRecords).toEqual([
        "REQUEST 2 evil.org. 0 ",
        "RESPONSE 2 evil.org. 5 ",
        "REQUEST 1 api.example.com. 0 ",
        `RESPONSE 1 api.example.com. 0 ${target}`,
      ]);
    });

    it("does not learn answers to queries it refused, nor unmatched names", async () => {
      const e = await Engine.loadAsync(bundle, { backend });
      let now = 1e9;
      const run = (frame: Uint8Array): string => verdictOf(e.process(frame, { timestampNs: (now += 1e6) }));
      // www.example.com is allowed by the DNS rule but no toFQDNs selector names it.
      run(udpPkt(at(client, 33010), at(dns, 53), { payload: query(9, "www.example.com", type) }));
      run(
        udpPkt(at(dns, 53), at(client, 33010), { payload: answer(9, "www.example.com", type, target, 60) }),
      );
      expect(e.fqdnCache!.size).toBe(0);
      expect(run(tcpPkt(at(client, 50010), at(target, 443), { flags: "S" }))).toBe("DROPPED POLICY_DENIED");
      // A refused answer for an allowed query teaches nothing either.
      run(udpPkt(at(client, 33011), at(dns, 53), { payload: query(10, "api.example.com", type) }));
      run(udpPkt(at(dns, 53), at(client, 33011), { payload: refusedAnswer(10, "api.example.com", type) }));
      expect(e.fqdnCache!.size).toBe(0);
    });

    it("inspects DNS over TCP (length-prefixed) and learns from the TCP answer", async () => {
      const e = await Engine.loadAsync(bundle, { backend });
      const c = new Conversation(e, client, 41000, dns, 53);
      c.handshake();
      const framed = (m: Uint8Array): Uint8Array => {
        const out = new Uint8Array(m.length + 2);
        out[0] = m.length >> 8;
        out[1] = m.length & 255;
        out.set(m, 2);
        return out;
      };
      const q = framed(query(11, "api.example.com", type));
      expect(verdictOf(c.send(q.subarray(0, 5)))).toBe("REDIRECTED");
      expect(verdictOf(c.send(q.subarray(5)))).toBe("FORWARDED");
      c.reply(framed(answer(11, "api.example.com", type, target, 300)));
      expect(e.fqdnCache!.mappings().map((m) => `${m.name} ${m.ip}`)).toHaveLength(1);
      const r = e.process(tcpPkt(at(client, 50020), at(target, 443), { flags: "S" }), {
        timestampNs: c.nowNs + 1e6,
      });
      expect(verdictOf(r)).toBe("FORWARDED");
    });
  });
});
