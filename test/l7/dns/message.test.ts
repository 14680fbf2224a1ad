// decodeDnsMessage against dns-packet: random messages encoded by dns-packet (names in full) and by the
// compressing encoder of wire.ts (checked with dns-packet's decoder first) must decode to the input:
// header bits by RFC 1035 §4.1.1, questions, answers with names, types, TTLs, A/AAAA addresses and CNAME
// targets. Then presentation-format escapes (RFC 1035 §5.1, as miekg/dns prints them) and answersFor's
// CNAME-chain rules, which follow Cilium's dnsproxy.ExtractMsgDetails.
import * as dnsPacket from "dns-packet";
import type { Answer, Question } from "dns-packet";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { answersFor, decodeDnsMessage } from "../../../runtime/l7/dns/message.js";
import type { DnsMessage } from "../../../runtime/l7/dns/message.js";
import {
  canonicalIp6,
  classNumber,
  encodeCompressed,
  expectedHeader,
  ip6Text,
  packetArb,
  typeNumber,
} from "./wire.js";

function decoded(bytes: Uint8Array): DnsMessage {
  const m = decodeDnsMessage(bytes, 0, bytes.length);
  if (typeof m === "number") {
    throw new Error(`decode failed with ${m}`);
  }
  return m;
}

/** dns-packet writes the root as "." and we return ""; other names are the input as given. */
const bare = (n: string): string => (n === "." ? "" : n);

function expectMatches(
  m: DnsMessage,
  p: { type: string; id: number; flags: number; questions: Question[]; answers: Answer[] },
): void {
  expect(m).toMatchObject(expectedHeader(p));
  expect(m.complete).toBe(true);
  expect(m.questions).toEqual(
    p.questions.map((q) => ({ name: bare(q.name), type: typeNumber(q.type), class: classNumber(q.class) })),
  );
  expect(m.answers.length).toBe(p.answers.length);
  p.answers.forEach((a, i) => {
    const r = m.answers[i]!;
    if (a.type === "OPT") {
      throw new Error("not generated");
    }
    expect([r.name, r.type, r.class, r.ttl]).toEqual([bare(a.name), typeNumber(a.type), 1, a.ttl]);
    if (a.type === "A") {
      expect(r.address && [...r.address].join(".")).toBe(a.data);
    } else if (a.type === "AAAA") {
      expect(r.address?.length).toBe(16);
      expect(ip6Text(r.address!)).toBe(canonicalIp6(a.data));
    } else {
      expect(r.address).toBeNull();
    }
    expect(r.target).toBe(a.type === "CNAME" ? bare(a.data) : null);
  });
}

describe("decodeDnsMessage against dns-packet", () => {
  it("decodes random messages as dns-packet encoded them", () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const bytes = dnsPacket.encode(p);
        expectMatches(decoded(bytes), p);
      }),
      { numRuns: 400 },
    );
  });

  it("decodes random messages with compressed names", () => {
    fc.assert(
      fc.property(packetArb, (p) => {
        const bytes = encodeCompressed(p);
        // The oracle first: dns-packet reads the compressed bytes back as the input.
        const back = dnsPacket.decode(Buffer.from(bytes));
        expect(back.questions?.map((q) => q.name)).toEqual(p.questions.map((q) => q.name || "."));
        expectMatches(decoded(bytes), p);
      }),
      { numRuns: 400 },
    );
  });

  it("compresses at least sometimes (the property above is not vacuous)", () => {
    const p = {
      type: "response" as const,
      id: 7,
      flags: 0,
      questions: [{ name: "www.example.com", type: "A" as const }],
      answers: [{ name: "www.example.com", type: "CNAME" as const, ttl: 5, data: "edge.example.com" }],
    };
    const bytes = encodeCompressed(p);
    expect(bytes.length).toBeLessThan(dnsPacket.encode(p).length);
    expectMatches(decoded(bytes), p);
  });
});

/** A query whose question name is the raw wire bytes `name` (labels + root). */
function rawQuery(name: number[]): Uint8Array {
  return new Uint8Array([0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...name, 0, 1, 0, 1]);
}

describe("presentation format of label bytes (RFC 1035 §5.1; miekg/dns escapes)", () => {
  const cases: [string, number[], string][] = [
    ["a dot inside a label", [3, 0x61, 0x2e, 0x62, 3, 0x63, 0x6f, 0x6d, 0], "a\\.b.com"],
    ["NUL and 0xff", [2, 0x00, 0xff, 0], "\\000\\255"],
    ["control and DEL", [2, 0x1f, 0x7f, 0], "\\031\\127"],
    ["latin1 byte 0xe9", [3, 0x63, 0xe9, 0x74, 0], "c\\233t"],
    ["space, quote, backslash", [3, 0x20, 0x22, 0x5c, 0], '\\ \\"\\\\'],
    ["@ ; ( ) '", [5, 0x40, 0x3b, 0x28, 0x29, 0x27, 0], "\\@\\;\\(\\)\\'"],
    ["case kept, - and _ plain", [5, 0x57, 0x77, 0x2d, 0x5f, 0x5a, 0], "Ww-_Z"],
    ["root", [0], ""],
  ];
  for (const [what, wire, name] of cases) {
    it(what, () => {
      expect(decoded(rawQuery(wire)).questions[0]!.name).toBe(name);
    });
  }
});

/** A response for `qname` with `answers` (dns-packet-encoded). */
function response(qname: string, answers: Answer[], rcode = 0): DnsMessage {
  return decoded(
    dnsPacket.encode({
      type: "response",
      id: 1,
      flags: rcode,
      questions: [{ name: qname, type: "A" }],
      answers,
    }),
  );
}

describe("answersFor (Cilium dnsproxy.ExtractMsgDetails + the daemon's cache update)", () => {
  it("maps every address of the chain to the question name, TTL = lowest of the chain", () => {
    const s = answersFor(
      response("WWW.Example.com", [
        { name: "www.example.com", type: "CNAME", ttl: 300, data: "Edge.CDN.net" },
        { name: "edge.cdn.net", type: "CNAME", ttl: 120, data: "pop1.cdn.net" },
        { name: "pop1.cdn.net", type: "A", ttl: 60, data: "192.0.2.7" },
        { name: "POP1.cdn.net", type: "AAAA", ttl: 90, data: "2001:db8::7" },
      ]),
    )!;
    expect(s.name).toBe("www.example.com");
    expect(s.addresses.map((a) => (a.length === 4 ? [...a].join(".") : ip6Text(a)))).toEqual([
      "192.0.2.7",
      canonicalIp6("2001:db8::7"),
    ]);
    expect(s.ttls).toEqual([60, 90]);
    expect(s.ttl).toBe(60);
    expect(s.cnames).toEqual(["Edge.CDN.net", "pop1.cdn.net"]);
    expect(s.learn).toBe(true);
  });

  it("counts CNAME TTLs in the collapsed TTL", () => {
    const s = answersFor(
      response("a.example", [
        { name: "a.example", type: "CNAME", ttl: 10, data: "b.example" },
        { name: "b.example", type: "A", ttl: 600, data: "198.51.100.1" },
      ]),
    )!;
    expect([s.ttl, s.ttls]).toEqual([10, [600]]);
  });

  it("learns nothing when an answer is owned by a name outside the chain", () => {
    expect(
      answersFor(
        response("a.example", [
          { name: "a.example", type: "A", ttl: 5, data: "192.0.2.1" },
          { name: "evil.example", type: "A", ttl: 5, data: "192.0.2.2" },
        ]),
      ),
    ).toBeNull();
    // Out of order: the A record comes before the CNAME that would lead to it.
    expect(
      answersFor(
        response("a.example", [
          { name: "b.example", type: "A", ttl: 5, data: "192.0.2.1" },
          { name: "a.example", type: "CNAME", ttl: 5, data: "b.example" },
        ]),
      ),
    ).toBeNull();
  });

  it("learns only from NOERROR responses with an address", () => {
    expect(answersFor(response("a.example", [], 3))!.learn).toBe(false);
    expect(
      answersFor(response("a.example", [{ name: "a.example", type: "A", ttl: 5, data: "192.0.2.1" }], 2))!
        .learn,
    ).toBe(false);
    expect(
      answersFor(response("a.example", [{ name: "a.example", type: "CNAME", ttl: 5, data: "b" }])),
    ).toMatchObject({ learn: false, ttl: 5, cnames: ["b"] });
    const query = decoded(
      dnsPacket.encode({ type: "query", id: 1, questions: [{ name: "a.example", type: "A" }] }),
    );
    expect(answersFor(query)).toMatchObject({ learn: false, ttl: 0xffffffff, addresses: [] });
  });

  it("returns null without a question", () => {
    expect(answersFor(decoded(dnsPacket.encode({ type: "response", id: 1, questions: [] })))).toBeNull();
  });
});
