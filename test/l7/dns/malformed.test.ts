// Hostile and broken messages: compression pointer loops (self, mutual, back to the run's own start),
// forward pointers, pointers past the end, names over 255 octets (also when reached through pointers),
// labels over 63, truncation at every length. RFC 1035 §3.1 and §4.1.4 give the limits; every case must
// end in its defined code, without an exception or a hang. Then fuzzing: random and mutated messages never
// make decodeDnsMessage or decodeDnsQuery throw.
import * as dnsPacket from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DNS_ERR_BAD_LABEL,
  DNS_ERR_BAD_POINTER,
  DNS_ERR_BAD_RDATA,
  DNS_ERR_NAME_TOO_LONG,
  DNS_ERR_SHORT_HEADER,
  DNS_ERR_TRUNCATED,
  decodeDnsMessage,
} from "../../../runtime/l7/dns/message.js";
import { decodeDnsQuery } from "../../../runtime/l7/dns/stream.js";
import { encodeCompressed, packetArb } from "./wire.js";

/** Header with the given counts, then `body`. */
function msg(counts: [number, number, number, number], body: number[]): Uint8Array {
  const [qd, an, ns, ar] = counts;
  return new Uint8Array([0x12, 0x34, 0x81, 0x80, 0, qd, 0, an, 0, ns, 0, ar, ...body]);
}
const Q_TAIL = [0, 1, 0, 1]; // QTYPE A, QCLASS IN
const decode = (b: Uint8Array): unknown => decodeDnsMessage(b, 0, b.length);
const label = (n: number, c = 0x61): number[] => [n, ...new Array<number>(n).fill(c)];

describe("compression pointers (RFC 1035 §4.1.4)", () => {
  it("rejects a pointer to itself", () => {
    expect(decode(msg([1, 0, 0, 0], [0xc0, 12, ...Q_TAIL]))).toBe(DNS_ERR_BAD_POINTER);
  });

  it("rejects a pointer back to the start of its own run of labels (a loop through labels)", () => {
    // 12: "a" then a pointer to 12: each pass adds a label, a naive decoder loops until the length limit.
    expect(decode(msg([1, 0, 0, 0], [1, 0x61, 0xc0, 12, ...Q_TAIL]))).toBe(DNS_ERR_BAD_POINTER);
  });

  it("rejects a forward pointer and a pointer past the end", () => {
    expect(decode(msg([1, 0, 0, 0], [0xc0, 20, ...Q_TAIL, 0, 0, 0, 0, 1, 0x61, 0]))).toBe(
      DNS_ERR_BAD_POINTER,
    );
    expect(decode(msg([1, 0, 0, 0], [0xc0, 0xff, ...Q_TAIL]))).toBe(DNS_ERR_BAD_POINTER);
    expect(decode(msg([1, 0, 0, 0], [0xff, 0xff, ...Q_TAIL]))).toBe(DNS_ERR_BAD_POINTER);
  });

  it("rejects mutual pointers", () => {
    // Question at 12: "a" + pointer to the answer owner at 22, which points back to 12. Any cycle needs a
    // pointer that does not go strictly backwards; it is rejected where it is met.
    const body = [1, 0x61, 0xc0, 22, ...Q_TAIL, 0, 0, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4];
    expect(decode(msg([1, 1, 0, 0], body))).toBe(DNS_ERR_BAD_POINTER);
    // No question: the answer owner at 12 is "a" + pointer to 18, which points back to 12.
    const body2 = [1, 0x61, 0xc0, 18, 0, 0, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4];
    expect(decode(msg([0, 1, 0, 0], body2))).toBe(DNS_ERR_BAD_POINTER);
  });

  it("follows a chain of backward pointers", () => {
    // 12: "com" root; 21: "example" + ptr 12 (in answer owner); CNAME target: "www" + ptr 21's name.
    const b = dnsPacket.encode({
      type: "response",
      id: 1,
      questions: [{ name: "com", type: "A" }],
      answers: [{ name: "example.com", type: "CNAME", ttl: 1, data: "www.example.com" }],
    });
    const m = decode(encodeCompressed(dnsPacket.decode(b) as Parameters<typeof encodeCompressed>[0]));
    expect(m).toMatchObject({ answers: [{ name: "example.com", target: "www.example.com" }] });
  });

  it("rejects a pointer cut off by the end of the message", () => {
    expect(decode(msg([1, 0, 0, 0], [0xc0]))).toBe(DNS_ERR_TRUNCATED);
  });
});

describe("name and label limits (RFC 1035 §3.1)", () => {
  it("accepts 255 octets and rejects 256", () => {
    // 3 × 63-byte labels + one of 61: 3·64 + 62 + 1 = 255.
    const ok = [...label(63), ...label(63), ...label(63), ...label(61), 0];
    expect(decode(msg([1, 0, 0, 0], [...ok, ...Q_TAIL]))).toMatchObject({ questions: [{ type: 1 }] });
    const long = [...label(63), ...label(63), ...label(63), ...label(62), 0];
    expect(decode(msg([1, 0, 0, 0], [...long, ...Q_TAIL]))).toBe(DNS_ERR_NAME_TOO_LONG);
  });

  it("counts octets reached through pointers", () => {
    // Question 1 at 12: 3 × 63 (193 octets); question 2: a 63-byte label + pointer to 12 = 257 octets.
    const q1 = [...label(63), ...label(63), ...label(63), 0, ...Q_TAIL];
    expect(decode(msg([2, 0, 0, 0], [...q1, ...label(63, 0x62), 0xc0, 12, ...Q_TAIL]))).toBe(
      DNS_ERR_NAME_TOO_LONG,
    );
    expect(decode(msg([2, 0, 0, 0], [...q1, ...label(61, 0x62), 0xc0, 12, ...Q_TAIL]))).toMatchObject({
      questions: [{}, { type: 1 }],
    });
  });

  it("rejects label length bytes 64..191 (label > 63, reserved and extended label types)", () => {
    for (const b of [0x40, 0x41, 0x7f, 0x80, 0xbf]) {
      expect(decode(msg([1, 0, 0, 0], [b, ...new Array<number>(70).fill(0x61), 0, ...Q_TAIL]))).toBe(
        DNS_ERR_BAD_LABEL,
      );
    }
  });
});

describe("records", () => {
  const rr = (type: number, rdata: number[]): number[] => [
    0xc0,
    12,
    0,
    type,
    0,
    1,
    0,
    0,
    0,
    60,
    0,
    rdata.length,
    ...rdata,
  ];
  const q = [1, 0x61, 0, ...Q_TAIL];

  it("requires A and AAAA rdata of exactly 4 and 16 bytes", () => {
    expect(decode(msg([1, 1, 0, 0], [...q, ...rr(1, [1, 2, 3])]))).toBe(DNS_ERR_BAD_RDATA);
    expect(decode(msg([1, 1, 0, 0], [...q, ...rr(1, [1, 2, 3, 4, 5])]))).toBe(DNS_ERR_BAD_RDATA);
    expect(decode(msg([1, 1, 0, 0], [...q, ...rr(28, new Array<number>(15).fill(0))]))).toBe(
      DNS_ERR_BAD_RDATA,
    );
  });

  it("requires a CNAME target to end with its rdata", () => {
    expect(decode(msg([1, 1, 0, 0], [...q, ...rr(5, [1, 0x62, 0, 9])]))).toBe(DNS_ERR_BAD_RDATA);
    expect(decode(msg([1, 1, 0, 0], [...q, ...rr(5, [1, 0x62])]))).toBe(DNS_ERR_TRUNCATED);
    expect(decode(msg([1, 1, 0, 0], [...q, ...rr(5, [0xc0, 12])]))).toMatchObject({
      answers: [{ target: "a" }],
    });
  });

  it("rejects an rdlength past the end, in every section", () => {
    const cut = [0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2];
    expect(decode(msg([1, 1, 0, 0], [...q, ...cut]))).toBe(DNS_ERR_TRUNCATED);
    expect(decode(msg([1, 0, 1, 0], [...q, ...cut]))).toBe(DNS_ERR_TRUNCATED);
    expect(decode(msg([1, 0, 0, 1], [...q, ...cut]))).toBe(DNS_ERR_TRUNCATED);
  });
});

describe("truncation", () => {
  const full = dnsPacket.encode({
    type: "response",
    id: 9,
    questions: [{ name: "www.example.com", type: "A" }],
    answers: [
      { name: "www.example.com", type: "CNAME", ttl: 5, data: "e.example.net" },
      { name: "e.example.net", type: "A", ttl: 5, data: "192.0.2.1" },
    ],
    authorities: [{ name: "example.net", type: "NS", ttl: 5, data: "ns.example.net" }],
    additionals: [{ name: "ns.example.net", type: "A", ttl: 5, data: "192.0.2.53" }],
  });
  // Entry boundaries, from RFC 1035 §4.1: header 12, question 17+4, records name + 10 + rdata.
  const q1 = 12 + 17 + 4;
  const a1 = q1 + 17 + 10 + 15;
  const a2 = a1 + 15 + 10 + 4;
  const ns1 = a2 + 13 + 10 + 16;
  const boundaries = new Set([12, q1, a1, a2, ns1]);

  it("gives a defined outcome at every length", () => {
    expect(decode(full)).toMatchObject({
      complete: true,
      answers: [{}, {}],
      authorityCount: 1,
      additionalCount: 1,
    });
    for (let n = 0; n < full.length; n++) {
      const r = decodeDnsMessage(full, 0, n);
      if (n < 12) {
        expect(r).toBe(DNS_ERR_SHORT_HEADER);
      } else if (boundaries.has(n)) {
        expect(r).toMatchObject({ complete: false });
      } else {
        expect(r).toBe(DNS_ERR_TRUNCATED);
      }
    }
  });

  it("keeps the entries before a boundary (miekg/dns tolerates short messages)", () => {
    expect(decodeDnsMessage(full, 0, a1)).toMatchObject({
      questions: [{ name: "www.example.com" }],
      answers: [{}],
    });
    expect(decodeDnsMessage(full, 0, 12)).toMatchObject({
      qdcount: 1,
      ancount: 2,
      questions: [],
      answers: [],
    });
  });
});

describe("fuzz", () => {
  const check = (b: Uint8Array): void => {
    const m = decodeDnsMessage(b, 0, b.length);
    expect(typeof m === "number" ? m >= 1 && m <= 6 : m.questions.length <= m.qdcount).toBe(true);
    const q = decodeDnsQuery(b, 0, b.length);
    expect(typeof q === "number" ? q >= 1 && q <= 3 : q.kind === "dns").toBe(true);
  };

  it("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        check(b);
      }),
      { numRuns: 3000 },
    );
  });

  it("never throws on mutated messages", () => {
    const mutated = fc
      .tuple(packetArb, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }), fc.nat())
      .map(([p, edits, cut]) => {
        const b = encodeCompressed(p);
        for (const [at, v] of edits) {
          b[at % b.length] = v;
        }
        return b.subarray(0, b.length - (cut % 4));
      });
    fc.assert(
      fc.property(mutated, (b) => {
        check(b);
      }),
      { numRuns: 3000 },
    );
  });
});
