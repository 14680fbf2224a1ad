// Real exchanges on loopback: a client sends dns-packet queries over UDP (node:dgram) and over TCP
// (node:net), a small server answers each with a dns-packet response, and every byte each side received
// is recorded. The recorded bytes are then decoded: UDP datagram by datagram, TCP pushed whole, one byte
// per push and at random splits. Node's own resolver (c-ares) is a second, independent client over UDP.
import dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
import net from "node:net";
import type { AddressInfo } from "node:net";
import * as dnsPacket from "dns-packet";
import type { Packet } from "dns-packet";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { answersFor, decodeDnsMessage } from "../../../runtime/l7/dns/message.js";
import type { DnsMessage } from "../../../runtime/l7/dns/message.js";
import {
  createDnsQueryDecoder,
  createDnsResponseReader,
  decodeDnsQuery,
} from "../../../runtime/l7/dns/stream.js";
import type { L7Request } from "../../../runtime/l7/match.js";
import { DECODE_OK } from "../../../runtime/l7/stream/decoder.js";

const NAMES: [string, "A" | "AAAA"][] = [
  ["www.example.com", "A"],
  ["Api.Example.ORG", "AAAA"],
  ["kube-dns.kube-system.svc.cluster.local", "A"],
];

/** The server's answer: a CNAME to edge.<name> and an address of the question's type. */
function answer(q: Packet): Packet {
  const question = q.questions![0]!;
  const target = `edge.${question.name}`;
  return {
    type: "response",
    id: q.id ?? 0,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: q.questions ?? [],
    answers: [
      { name: question.name, type: "CNAME", ttl: 300, data: target },
      question.type === "AAAA"
        ? { name: target, type: "AAAA", ttl: 60, data: "2001:db8::35" }
        : { name: target, type: "A", ttl: 60, data: "192.0.2.35" },
    ],
  };
}

const udpServer = dgram.createSocket("udp4");
const udpSeen: Buffer[] = []; // datagrams the server received
const tcpSeen: Buffer[] = []; // bytes the server received over TCP
const tcpServer = net.createServer((sock) => {
  let held = Buffer.alloc(0);
  sock.on("data", (d) => {
    tcpSeen.push(d);
    held = Buffer.concat([held, d]);
    while (held.length >= 2 && held.length >= 2 + held.readUInt16BE(0)) {
      const len = held.readUInt16BE(0);
      sock.write(dnsPacket.streamEncode(answer(dnsPacket.decode(held.subarray(2, 2 + len)))));
      held = held.subarray(2 + len);
    }
  });
});

beforeAll(async () => {
  udpServer.on("message", (m, from) => {
    udpSeen.push(m);
    udpServer.send(dnsPacket.encode(answer(dnsPacket.decode(m))), from.port, from.address);
  });
  await new Promise<void>((r) => udpServer.bind(0, "127.0.0.1", r));
  await new Promise<void>((r) => tcpServer.listen(0, "127.0.0.1", r));
});

afterAll(() => {
  udpServer.close();
  tcpServer.close();
});

const sentQuery = (i: number): Packet => ({
  type: "query",
  id: 0x100 + i,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ name: NAMES[i]![0], type: NAMES[i]![1] }],
});
const wantRequest = (i: number): L7Request => ({
  kind: "dns",
  name: NAMES[i]![0],
  qtype: NAMES[i]![1] === "A" ? 1 : 28,
  id: 0x100 + i,
});

/** The response facts the test server put in: id, question, CNAME target, address. */
function checkResponse(m: DnsMessage, i: number): void {
  const [name, type] = NAMES[i]!;
  expect([m.id, m.qr, m.rcode, m.questions[0]?.name]).toEqual([0x100 + i, true, 0, name]);
  const s = answersFor(m)!;
  expect(s.name).toBe(name.toLowerCase());
  expect(s.cnames).toEqual([`edge.${name}`]);
  expect(s.ttl).toBe(60);
  expect([...s.addresses[0]!]).toEqual(
    type === "A" ? [192, 0, 2, 35] : [32, 1, 13, 184, ...new Array<number>(11).fill(0), 0x35],
  );
  expect(s.learn).toBe(true);
}

describe("UDP exchange (node:dgram)", () => {
  it("decodes the queries the server received and the responses the client received", async () => {
    const client = dgram.createSocket("udp4");
    const port = udpServer.address().port;
    const got: Buffer[] = [];
    const done = new Promise<void>((r) =>
      client.on("message", (m) => {
        got.push(m);
        if (got.length === NAMES.length) {
          r();
        }
      }),
    );
    udpSeen.length = 0;
    for (let i = 0; i < NAMES.length; i++) {
      client.send(dnsPacket.encode(sentQuery(i)), port, "127.0.0.1");
    }
    await done;
    client.close();
    const requests = udpSeen.map((d) => decodeDnsQuery(d, 0, d.length));
    expect(
      requests.sort((a, b) => (a as L7Request & { id: number }).id - (b as L7Request & { id: number }).id),
    ).toEqual(NAMES.map((_, i) => wantRequest(i)));
    for (const d of got) {
      const m = decodeDnsMessage(d, 0, d.length) as DnsMessage;
      checkResponse(m, m.id - 0x100);
    }
  });

  it("decodes what Node's resolver (c-ares) sends, as dns-packet does", async () => {
    const resolver = new Resolver({ timeout: 2000, tries: 1 });
    resolver.setServers([`127.0.0.1:${udpServer.address().port}`]);
    udpSeen.length = 0;
    expect(await resolver.resolve4("Cares.Example.NET")).toEqual(["192.0.2.35"]);
    const d = udpSeen[0]!;
    const oracle = dnsPacket.decode(d);
    expect(decodeDnsQuery(d, 0, d.length)).toEqual({
      kind: "dns",
      name: oracle.questions![0]!.name,
      qtype: 1,
      id: oracle.id,
    });
  });
});

describe("TCP exchange (node:net)", () => {
  let up = Buffer.alloc(0);
  let down = Buffer.alloc(0);

  beforeAll(async () => {
    tcpSeen.length = 0;
    const port = (tcpServer.address() as AddressInfo).port;
    const sock = net.connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const want = NAMES.reduce((n, _, i) => n + dnsPacket.streamEncode(answer(sentQuery(i))).length, 0);
    await new Promise<void>((resolve, reject) => {
      sock.on("error", reject);
      sock.on("data", (d) => {
        chunks.push(d);
        if (Buffer.concat(chunks).length >= want) {
          resolve();
        }
      });
      sock.on("connect", () => {
        // Two queries in one write, the third split across two writes.
        sock.write(
          Buffer.concat([dnsPacket.streamEncode(sentQuery(0)), dnsPacket.streamEncode(sentQuery(1))]),
        );
        const third = dnsPacket.streamEncode(sentQuery(2));
        sock.write(third.subarray(0, 5));
        setTimeout(() => sock.write(third.subarray(5)), 20);
      });
    });
    sock.destroy();
    up = Buffer.concat(tcpSeen);
    down = Buffer.concat(chunks);
  });

  const splits = (len: number): fc.Arbitrary<number[]> =>
    fc.uniqueArray(fc.integer({ min: 1, max: len - 1 })).map((c) => c.sort((a, b) => a - b));

  it("decodes the client's stream whole, byte by byte and at random splits", () => {
    const want = NAMES.map((_, i) => wantRequest(i));
    const run = (cuts: number[]): L7Request[] => {
      const seen: L7Request[] = [];
      const d = createDnsQueryDecoder();
      const sink = { request: (r: L7Request) => seen.push(r) > 0, carry: () => undefined };
      let at = 0;
      for (const c of [...cuts, up.length]) {
        expect(d.push(up, at, c, sink)).toBe(DECODE_OK);
        at = c;
      }
      return seen;
    };
    expect(run([])).toEqual(want);
    expect(run(Array.from({ length: up.length - 1 }, (_, i) => i + 1))).toEqual(want);
    fc.assert(
      fc.property(splits(up.length), (cuts) => {
        expect(run(cuts)).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });

  it("decodes the server's stream whole, byte by byte and at random splits", () => {
    const run = (cuts: number[]): DnsMessage[] => {
      const got: DnsMessage[] = [];
      const r = createDnsResponseReader({ maxHeaderBytes: 0, maxMessageBytes: 65535 }, (m) => got.push(m));
      let at = 0;
      for (const c of [...cuts, down.length]) {
        expect(r.push(down, at, c)).toBe(DECODE_OK);
        at = c;
      }
      return got;
    };
    for (const cuts of [[], Array.from({ length: down.length - 1 }, (_, i) => i + 1)]) {
      const got = run(cuts);
      expect(got.length).toBe(3);
      got.forEach((m, i) => {
        checkResponse(m, i);
      });
    }
    fc.assert(
      fc.property(splits(down.length), (cuts) => {
        expect(run(cuts).map((m) => m.id)).toEqual([0x100, 0x101, 0x102]);
      }),
      { numRuns: 100 },
    );
  });
});
