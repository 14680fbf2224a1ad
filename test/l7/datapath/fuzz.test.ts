/**
 * @fileoverview The L7 datapath under hostile input: random and mutated payloads, random sequence
 * numbers, flags and ports on redirected connections (HTTP, gRPC, Kafka, DNS over TCP and UDP). Every
 * packet gets a defined verdict (FORWARDED, DROPPED or REDIRECTED; drops carry no reason or an L7
 * reason), nothing throws, and memory stays bounded: the out-of-order bytes held never exceed the
 * limits and the connection table never exceeds its capacity.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Engine } from "../../../runtime/engine/engine.js";
import { tcpPkt, udpPkt } from "../../../runtime/packet/craft.js";
import {
  REASON_L7_LIMIT,
  REASON_L7_PROTOCOL_ERROR,
  VERDICT_DROPPED,
  VERDICT_FORWARDED,
  VERDICT_REDIRECTED,
} from "../../../runtime/verdict.js";
import { compileFiles } from "../../cilium/helpers.js";
import { SERVER_CLIENT_CLUSTER, serverIngressPolicy } from "../../helpers/l7-policy.js";

const CLUSTER = SERVER_CLIENT_CLUSTER;

const POLICY = `${serverIngressPolicy(`    - ports: [{port: "80", protocol: TCP}]
      rules: {http: [{method: GET, path: "/public/.*"}]}
    - ports: [{port: "9092", protocol: TCP}]
      rules: {kafka: [{role: produce, topic: orders}]}
`)}---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: dns, namespace: default}
spec:
  endpointSelector: {matchLabels: {role: client}}
  egress:
  - toEndpoints: [{matchLabels: {app: server}}]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules: {dns: [{matchPattern: "*.example.com"}]}
  - toFQDNs: [{matchPattern: "*.example.com"}]
`;

const bundle = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": POLICY }).bytes!;

const enc = new TextEncoder();
const SEEDS = [
  enc.encode("GET /public/a HTTP/1.1\r\nHost: s\r\nContent-Length: 5\r\n\r\nhello"),
  enc.encode("POST /x HTTP/1.1\r\nHost: s\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
  enc.encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00"),
  Uint8Array.of(0, 0, 0, 20, 0, 3, 0, 1, 0, 0, 0, 7, 0, 2, 104, 105, 0, 0, 0, 1, 0, 6, 111, 114),
  Uint8Array.of(
    0,
    29,
    0,
    1,
    1,
    0,
    0,
    1,
    0,
    0,
    0,
    0,
    0,
    0,
    3,
    119,
    119,
    119,
    7,
    101,
    120,
    97,
    109,
    112,
    108,
    101,
    3,
    99,
    111,
    109,
    0,
    0,
    1,
    0,
    1,
  ),
];

const payload = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom(...SEEDS),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    )
    .map(([seed, edits]) => {
      const b = seed.slice();
      for (const [at, v] of edits) {
        if (b.length > 0) {
          b[at % b.length] = v;
        }
      }
      return b;
    }),
  fc
    .tuple(fc.constantFrom(...SEEDS), fc.nat())
    .map(([seed, cut]) => seed.subarray(0, cut % (seed.length + 1))),
);

const packet = fc.record({
  port: fc.constantFrom(80, 9092, 53),
  udp: fc.boolean(),
  sport: fc.integer({ min: 40000, max: 40007 }),
  seq: fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: 0xffffffff })),
  flags: fc.constantFrom("S", "A", "PA", "FA", "R"),
  reply: fc.boolean(),
  data: payload,
});

describe("L7 datapath fuzz", () => {
  it("every packet gets a defined verdict; buffers and the connection table stay bounded", () => {
    fc.assert(
      fc.property(fc.array(packet, { minLength: 1, maxLength: 60 }), (pkts) => {
        const e = Engine.load(bundle, {
          l7: { maxFlows: 4, reassemblyBytes: 2000, reassemblyBytesPerFlow: 600 },
          onL7Record: () => undefined,
        });
        const next = new Map<number, number>();
        let now = 1e9;
        for (const p of pkts) {
          const client = `10.244.0.12:${p.sport}`;
          const server = p.port === 53 ? `10.244.0.10:53` : `10.244.0.10:${p.port}`;
          const seq = p.seq >= 0 ? p.seq : (next.get(p.sport) ?? 1);
          next.set(p.sport, (seq + p.data.length) >>> 0);
          const frame =
            p.udp && p.port === 53
              ? p.reply
                ? udpPkt(server, client, { payload: p.data })
                : udpPkt(client, server, { payload: p.data })
              : p.reply
                ? tcpPkt(server, client, { flags: p.flags, seq, payload: p.data })
                : tcpPkt(client, server, { flags: p.flags, seq, payload: p.data });
          const r = e.process(frame, { timestampNs: (now += 1e6) });
          expect([VERDICT_FORWARDED, VERDICT_DROPPED, VERDICT_REDIRECTED]).toContain(r.verdict);
          if (r.verdict === VERDICT_DROPPED) {
            expect([0, 133, REASON_L7_PROTOCOL_ERROR, REASON_L7_LIMIT]).toContain(r.dropReason);
          }
          expect(e.l7!.reassemblyBytes).toBeLessThanOrEqual(2000);
          expect(e.l7!.size).toBeLessThanOrEqual(4);
        }
      }),
      { numRuns: 120 },
    );
  });
});
