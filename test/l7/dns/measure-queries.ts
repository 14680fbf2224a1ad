// Measures DNS query decoding throughput on one core (a script, not a test: `npx tsx
// test/l7/dns/measure-queries.ts`). Small A query for "www.example.com" as dns-packet encodes it
// (33 bytes; the name cache hits): UDP datagrams through decodeDnsQuery, and back-to-back DNS-over-TCP messages through the
// stream decoder (64 queries per push, like a segment of pipelined queries); and 65536 distinct
// names, so that every name misses the cache. The goal is >= 3 M/s.
import * as dnsPacket from "dns-packet";
import type { L7Request } from "../../../runtime/l7/match.js";
import { createDnsQueryDecoder, decodeDnsQuery } from "../../../runtime/l7/dns/stream.js";

const query = new Uint8Array(
  dnsPacket.encode({
    type: "query",
    id: 0x1234,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: "A", name: "www.example.com" }],
  }),
);

function rate(label: string, perRound: number, round: () => number): void {
  for (let i = 0; i < 20; i++) {
    round(); // warm up the JIT
  }
  const rounds = 200;
  let check = 0;
  // CPU time as well as wall time: on a shared machine the wall clock also counts other processes.
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    check += round();
  }
  const wallNs = Number(process.hrtime.bigint() - t0);
  const c1 = process.cpuUsage(c0);
  const cpuNs = (c1.user + c1.system) * 1000;
  const n = perRound * rounds;
  const m = (ns: number): string => `${(n / (ns / 1e9) / 1e6).toFixed(2)} M/s (${(ns / n).toFixed(0)} ns)`;
  console.log(`${label}: ${m(cpuNs)} per CPU time, ${m(wallNs)} per wall time [check ${check}]`);
}

// UDP: one datagram, one query.
const N = 10_000;
rate("UDP decodeDnsQuery", N, () => {
  let n = 0;
  for (let i = 0; i < N; i++) {
    const r = decodeDnsQuery(query, 0, query.length);
    if (typeof r !== "number") {
      n += r.qtype ?? 0;
    }
  }
  return n;
});

// UDP, every name different (65536 names > the 4096-slot name cache): the cache-miss cost.
const distinct = Array.from(
  { length: 65536 },
  (_, i) =>
    new Uint8Array(
      dnsPacket.encode({ type: "query", id: i, questions: [{ type: "A", name: `host${i}.example.com` }] }),
    ),
);
let k = 0;
rate("UDP decodeDnsQuery, distinct names", N, () => {
  let n = 0;
  for (let i = 0; i < N; i++) {
    const d = distinct[k++ & 0xffff]!;
    const r = decodeDnsQuery(d, 0, d.length);
    if (typeof r !== "number") {
      n += r.qtype ?? 0;
    }
  }
  return n;
});

// TCP: 64 length-prefixed queries per push.
const PER_PUSH = 64;
const seg = new Uint8Array(PER_PUSH * (query.length + 2));
for (let i = 0; i < PER_PUSH; i++) {
  const o = i * (query.length + 2);
  seg[o] = query.length >> 8;
  seg[o + 1] = query.length & 0xff;
  seg.set(query, o + 2);
}
let seen = 0;
const sink = {
  request(req: L7Request): boolean {
    seen += req.kind === "dns" ? 1 : 0;
    return true;
  },
  carry(): void {},
};
const dec = createDnsQueryDecoder();
rate("TCP stream decoder", Math.floor(N / PER_PUSH) * PER_PUSH, () => {
  const before = seen;
  for (let i = 0; i < N / PER_PUSH; i++) {
    dec.push(seg, 0, seg.length, sink);
  }
  return seen - before;
});
