// Queries as requests and DNS over TCP (RFC 1035 §4.2.2). Which queries become requests follows the
// miekg/dns default accept function Cilium's proxy runs (QR=1 ignored; opcode other than QUERY/NOTIFY
// NOTIMP; QDCOUNT != 1, ANCOUNT > 1, NSCOUNT > 1, ARCOUNT > 2 FORMERR). Messages are dns-packet encoded
// (streamEncode adds the length prefix); the decoders must report the input's id, first question name
// and type, whatever the split of the byte stream, and keep their buffer bounded.
import * as dnsPacket from "dns-packet";
import type { Packet } from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { DnsMessage } from "../../../runtime/l7/dns/message.js";
import { decodeDnsMessage } from "../../../runtime/l7/dns/message.js";
import {
  DNS_IGNORE,
  DNS_REJECT_FORMERR,
  DNS_REJECT_NOTIMP,
  createDnsQueryDecoder,
  createDnsResponseReader,
  decodeDnsQuery,
  dnsRequestOf,
} from "../../../runtime/l7/dns/stream.js";
import type { L7Request } from "../../../runtime/l7/match.js";
import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE } from "../../../runtime/l7/stream/decoder.js";
import { packetArb } from "./wire.js";

const query = (
  id: number,
  name: string,
  type: "A" | "AAAA" | "MX" = "A",
  extra: Partial<Packet> = {},
): Packet => ({
  type: "query",
  id,
  flags: dnsPacket.RECURSION_DESIRED,
  questions: [{ name, type }],
  ...extra,
});
const req = (id: number, name: string, qtype = 1): L7Request => ({ kind: "dns", name, qtype, id });
const concat = (parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));

/** A sink recording requests. */
function recorder(): { sink: { request(r: L7Request): boolean; carry(): void }; seen: L7Request[] } {
  const seen: L7Request[] = [];
  return {
    seen,
    sink: {
      request: (r) => {
        seen.push(r);
        return true;
      },
      carry: () => {
        throw new Error("DNS never carries");
      },
    },
  };
}

/** Push `bytes` cut at `cuts` (sorted offsets); returns the codes. */
function pushSplit(
  push: (b: Uint8Array, s: number, e: number) => number,
  bytes: Uint8Array,
  cuts: number[],
): number[] {
  const codes: number[] = [];
  let at = 0;
  for (const c of [...cuts, bytes.length]) {
    codes.push(push(bytes, at, c));
    at = c;
  }
  return codes;
}

describe("decodeDnsQuery / dnsRequestOf (Cilium's proxy: miekg/dns defaultMsgAcceptFunc + ServeDNS)", () => {
  const cases: [string, Packet, L7Request | number][] = [
    ["an A query", query(7, "Www.Example.com"), req(7, "Www.Example.com")],
    [
      "with an EDNS OPT record",
      query(8, "a.b", "AAAA", {
        additionals: [
          {
            type: "OPT",
            name: ".",
            udpPayloadSize: 4096,
            extendedRcode: 0,
            ednsVersion: 0,
            flags: 0,
            flag_do: false,
            options: [],
          },
        ],
      }),
      req(8, "a.b", 28),
    ],
    ["NOTIFY (opcode 4) passes", query(9, "zone.example", "A", { flags: 4 << 11 }), req(9, "zone.example")],
    ["QR=1 is ignored", { ...query(1, "a.b"), type: "response" }, DNS_IGNORE],
    ["opcode STATUS (2) is NOTIMP", query(1, "a.b", "A", { flags: 2 << 11 }), DNS_REJECT_NOTIMP],
    ["opcode UPDATE (5) is NOTIMP", query(1, "a.b", "A", { flags: 5 << 11 }), DNS_REJECT_NOTIMP],
    ["QDCOUNT 0 is FORMERR", { type: "query", id: 1, questions: [] }, DNS_REJECT_FORMERR],
    [
      "QDCOUNT 2 is FORMERR",
      {
        type: "query",
        id: 1,
        questions: [
          { name: "a", type: "A" },
          { name: "b", type: "A" },
        ],
      },
      DNS_REJECT_FORMERR,
    ],
    [
      "ANCOUNT 2 is FORMERR",
      query(1, "a", "A", {
        answers: [
          { name: "a", type: "A", data: "192.0.2.1" },
          { name: "a", type: "A", data: "192.0.2.2" },
        ],
      }),
      DNS_REJECT_FORMERR,
    ],
  ];
  for (const [what, p, want] of cases) {
    it(what, () => {
      const b = dnsPacket.encode(p);
      expect(decodeDnsQuery(b, 0, b.length)).toEqual(want);
      expect(dnsRequestOf(decodeDnsMessage(b, 0, b.length) as DnsMessage)).toEqual(want);
    });
  }

  it("ignores a header shorter than 12 bytes and answers FORMERR to a body that does not decode", () => {
    const b = dnsPacket.encode(query(1, "a.example"));
    expect(decodeDnsQuery(b, 0, 11)).toBe(DNS_IGNORE);
    expect(decodeDnsQuery(b, 0, b.length - 1)).toBe(DNS_REJECT_FORMERR);
    expect(decodeDnsQuery(b, 0, 12)).toBe(DNS_REJECT_FORMERR);
  });

  it("agrees with dnsRequestOf on random messages", () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const b = dnsPacket.encode(p);
        expect(decodeDnsQuery(b, 0, b.length)).toEqual(
          dnsRequestOf(decodeDnsMessage(b, 0, b.length) as DnsMessage),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe("createDnsQueryDecoder (TCP)", () => {
  const sent = [
    query(1, "a.example"),
    query(2, "Mixed.Case.Example", "AAAA"),
    query(0xffff, "mx.example", "MX"),
  ];
  const bytes = concat(sent.map((p) => dnsPacket.streamEncode(p)));
  const want = [req(1, "a.example"), req(2, "Mixed.Case.Example", 28), req(0xffff, "mx.example", 15)];

  it("decodes queries pushed whole, one byte at a time and split at random", () => {
    const whole = recorder();
    expect(createDnsQueryDecoder().push(bytes, 0, bytes.length, whole.sink)).toBe(DECODE_OK);
    expect(whole.seen).toEqual(want);

    const bytewise = recorder();
    const d = createDnsQueryDecoder();
    for (let i = 0; i < bytes.length; i++) {
      expect(d.push(bytes, i, i + 1, bytewise.sink)).toBe(DECODE_OK);
    }
    expect(bytewise.seen).toEqual(want);
    expect(d.buffered).toBe(0);

    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })), (cuts) => {
        const r = recorder();
        const dd = createDnsQueryDecoder();
        const codes = pushSplit(
          (b, s, e) => dd.push(b, s, e, r.sink),
          bytes,
          cuts.sort((x, y) => x - y),
        );
        expect(codes.every((c) => c === DECODE_OK)).toBe(true);
        expect(r.seen).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("reports a request only when its last byte arrives", () => {
    const r = recorder();
    const d = createDnsQueryDecoder();
    const one = dnsPacket.streamEncode(sent[0]!);
    d.push(one, 0, one.length - 1, r.sink);
    expect(r.seen).toEqual([]);
    d.push(one, one.length - 1, one.length, r.sink);
    expect(r.seen).toEqual([want[0]]);
  });

  it("ends decoding on a message the proxy would not forward, with the proxy's answer", () => {
    const r = recorder();
    const d = createDnsQueryDecoder();
    const bad = dnsPacket.streamEncode(query(0x4242, "x", "A", { flags: 2 << 11 }));
    const all = concat([dnsPacket.streamEncode(sent[0]!), bad, dnsPacket.streamEncode(sent[1]!)]);
    expect(d.push(all, 0, all.length, r.sink)).toBe(DECODE_MALFORMED);
    expect(r.seen).toEqual([want[0]]);
    expect([d.rejectAction, d.rejectId]).toEqual([DNS_REJECT_NOTIMP, 0x4242]);
    expect(d.push(all, 0, all.length, r.sink)).toBe(DECODE_MALFORMED); // sticky
    expect(r.seen.length).toBe(1);

    const empty = createDnsQueryDecoder();
    expect(empty.push(new Uint8Array([0, 0]), 0, 2, r.sink)).toBe(DECODE_MALFORMED);
    expect([empty.rejectAction, empty.rejectId]).toEqual([DNS_IGNORE, -1]);
  });

  it("refuses a message longer than maxMessageBytes before buffering it", () => {
    const d = createDnsQueryDecoder({ maxHeaderBytes: 1024, maxMessageBytes: 40 });
    const long = dnsPacket.streamEncode(query(1, "a-rather-long-name-for-a-small-limit.example"));
    expect(d.push(long, 0, 3, recorder().sink)).toBe(DECODE_TOO_LARGE);
    expect(d.buffered).toBeLessThanOrEqual(42);
  });

  it("never throws and stays bounded on random and mutated streams", () => {
    const limit = 300;
    const streamArb = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc
        .tuple(fc.array(packetArb, { minLength: 1, maxLength: 4 }), fc.array(fc.tuple(fc.nat(), fc.nat(255))))
        .map(([ps, edits]) => {
          const b = concat(ps.map((p) => dnsPacket.streamEncode(p)));
          for (const [at, v] of edits) {
            b[at % b.length] = v;
          }
          return b;
        }),
    );
    fc.assert(
      fc.property(streamArb, fc.array(fc.nat()), (b, cutsRaw) => {
        const d = createDnsQueryDecoder({ maxHeaderBytes: 1024, maxMessageBytes: limit });
        const cuts = [...new Set(cutsRaw.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
        const codes = pushSplit(
          (x, s, e) => {
            const c = d.push(x, s, e, recorder().sink);
            expect(d.buffered).toBeLessThanOrEqual(limit + 2);
            return c;
          },
          b,
          cuts,
        );
        expect(codes.every((c) => c === DECODE_OK || c === DECODE_MALFORMED || c === DECODE_TOO_LARGE)).toBe(
          true,
        );
      }),
      { numRuns: 1000 },
    );
  });
});

describe("createDnsResponseReader (TCP)", () => {
  const responses: Packet[] = [
    {
      type: "response",
      id: 1,
      flags: dnsPacket.RECURSION_AVAILABLE,
      questions: [{ name: "a.example", type: "A" }],
      answers: [{ name: "a.example", type: "A", ttl: 30, data: "192.0.2.1" }],
    },
    { type: "response", id: 2, flags: 3, questions: [{ name: "nx.example", type: "AAAA" }] },
  ];
  const bytes = concat(responses.map((p) => dnsPacket.streamEncode(p)));

  it("hands over each response whatever the split", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 })), (cuts) => {
        const got: DnsMessage[] = [];
        const r = createDnsResponseReader({ maxHeaderBytes: 0, maxMessageBytes: 65535 }, (m) => got.push(m));
        const codes = pushSplit(
          (b, s, e) => r.push(b, s, e),
          bytes,
          cuts.sort((x, y) => x - y),
        );
        expect(codes.every((c) => c === DECODE_OK)).toBe(true);
        expect(got.map((m) => [m.id, m.qr, m.rcode, m.questions[0]?.name, m.answers.length])).toEqual([
          [1, true, 0, "a.example", 1],
          [2, true, 3, "nx.example", 0],
        ]);
        expect([...got[0]!.answers[0]!.address!]).toEqual([192, 0, 2, 1]);
      }),
      { numRuns: 200 },
    );
  });

  it("ends reading on a response that does not decode", () => {
    const r = createDnsResponseReader({ maxHeaderBytes: 0, maxMessageBytes: 65535 }, () => undefined);
    const bad = new Uint8Array([0, 14, 0, 1, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12]);
    expect(r.push(bad, 0, bad.length)).toBe(DECODE_MALFORMED);
    expect(r.error).toBe(3); // DNS_ERR_BAD_POINTER
  });
});
