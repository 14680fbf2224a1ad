/**
 * @fileoverview Test-side DNS wire helpers: fast-check arbitraries for messages in dns-packet's shape, a
 * name-compressing encoder (dns-packet 5.6 writes every name in full, so compression pointers need their
 * own encoder; each compressed message is checked against dns-packet's decoder before it is used), and
 * expected values computed from the input by RFC 1035 §4.1 bit positions.
 */
import type { Answer, Packet, Question } from "dns-packet";
import fc from "fast-check";

/** Label characters dns-packet round-trips unchanged (it splits names on "." and writes UTF-8). */
const LABEL_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_";
const LABEL_UNIT = fc.constantFrom(
  ...Array.from({ length: LABEL_CHARS.length }, (_, i) => LABEL_CHARS.charAt(i)),
);

/** A label of 1..63 safe characters (mostly short, like real names). */
export const labelArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: LABEL_UNIT, minLength: 1, maxLength: 12 }) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: LABEL_UNIT, minLength: 40, maxLength: 63 }),
  },
);

/** Wire length of a dotted name: length bytes + label bytes + the root byte (RFC 1035 §3.1). */
export function wireLength(name: string): number {
  return name === "" ? 1 : name.split(".").reduce((n, l) => n + l.length + 1, 1);
}

/** A name of 0..5 labels whose wire form fits 255 octets; "" is the root. */
export const nameArb = fc
  .array(labelArb, { minLength: 0, maxLength: 5 })
  .map((ls) => ls.join("."))
  .filter((n) => wireLength(n) <= 255);

/** Names sharing suffixes, so that compression has something to point at. */
const relatedNameArb = fc
  .tuple(fc.constantFrom("", "www", "api", "a.b"), fc.constantFrom("example.com", "svc.cluster.local", "COM"))
  .map(([h, d]) => (h === "" ? d : `${h}.${d}`));

const anyNameArb = fc.oneof(nameArb, relatedNameArb);

const ipv4Arb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join("."));
const ipv6Arb = fc
  .array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
  .map((w) => w.map((x) => x.toString(16)).join(":"));

/** A question with a common QTYPE. */
export const questionArb: fc.Arbitrary<Question> = fc.record({
  name: anyNameArb,
  type: fc.constantFrom("A", "AAAA", "CNAME", "MX", "TXT", "ANY") as fc.Arbitrary<Question["type"]>,
  class: fc.constantFrom("IN", "CH"),
});

const ttlArb = fc.oneof(fc.nat(86400), fc.constant(0xffffffff));

/** An A, AAAA, CNAME, TXT or MX answer. */
export const answerArb: fc.Arbitrary<Answer> = fc.oneof(
  fc.record({ type: fc.constant("A" as const), name: anyNameArb, ttl: ttlArb, data: ipv4Arb }),
  fc.record({ type: fc.constant("AAAA" as const), name: anyNameArb, ttl: ttlArb, data: ipv6Arb }),
  fc.record({ type: fc.constant("CNAME" as const), name: anyNameArb, ttl: ttlArb, data: anyNameArb }),
  fc.record({
    type: fc.constant("TXT" as const),
    name: anyNameArb,
    ttl: ttlArb,
    data: fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant("MX" as const),
    name: anyNameArb,
    ttl: ttlArb,
    data: fc.record({ preference: fc.nat(0xffff), exchange: anyNameArb }),
  }),
);

/** A message: id, 15 flag bits, QR from `type`, 0..3 questions, 0..6 answers. */
export const packetArb = fc.record({
  type: fc.constantFrom("query" as const, "response" as const),
  id: fc.nat(0xffff),
  flags: fc.nat(0x7fff),
  questions: fc.array(questionArb, { maxLength: 3 }),
  answers: fc.array(answerArb, { maxLength: 6 }),
});

/** What the header fields must decode to (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD). */
export function expectedHeader(p: { type: string; id: number; flags: number }): Record<string, unknown> {
  const f = p.flags | (p.type === "response" ? 0x8000 : 0);
  return {
    id: p.id,
    qr: p.type === "response",
    opcode: (f >> 11) & 0xf,
    aa: (f & 0x400) !== 0,
    tc: (f & 0x200) !== 0,
    rd: (f & 0x100) !== 0,
    ra: (f & 0x80) !== 0,
    ad: (f & 0x20) !== 0,
    cd: (f & 0x10) !== 0,
    rcode: f & 0xf,
  };
}

const TYPE_NUMBERS: Record<string, number> = { A: 1, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, ANY: 255 };
const CLASS_NUMBERS: Record<string, number> = { IN: 1, CH: 3 };

/** The RR type number of a dns-packet type name (RFC 1035 §3.2.2, RFC 3596). */
export function typeNumber(t: string): number {
  return TYPE_NUMBERS[t]!;
}

/** The class number of a dns-packet class name (RFC 1035 §3.2.4). */
export function classNumber(c: string | undefined): number {
  return CLASS_NUMBERS[c ?? "IN"]!;
}

/** An IPv6 address in one canonical text form (the WHATWG URL parser's RFC 5952 serialisation). */
export function canonicalIp6(text: string): string {
  return new URL(`http://[${text}]`).hostname;
}

/** 16 address bytes as IPv6 text (then canonicalised). */
export function ip6Text(b: Uint8Array): string {
  const w: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    w.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  }
  return canonicalIp6(w.join(":"));
}

/** Encode `p` with every name compressed against earlier names (RFC 1035 §4.1.4). */
export function encodeCompressed(p: Packet & { questions: Question[]; answers: Answer[] }): Uint8Array {
  const out: number[] = [];
  const seen = new Map<string, number>();
  const u16 = (v: number): void => {
    out.push((v >> 8) & 0xff, v & 0xff);
  };
  const name = (n: string): void => {
    const labels = n === "" || n === "." ? [] : n.split(".");
    for (let i = 0; i < labels.length; i++) {
      const suffix = labels.slice(i).join(".");
      const at = seen.get(suffix);
      if (at !== undefined) {
        u16(0xc000 | at);
        return;
      }
      if (out.length < 0x3fff) {
        seen.set(suffix, out.length);
      }
      const bytes = Buffer.from(labels[i]!, "latin1");
      out.push(bytes.length, ...bytes);
    }
    out.push(0);
  };
  u16(p.id ?? 0);
  u16(((p.flags ?? 0) & 0x7fff) | (p.type === "response" ? 0x8000 : 0));
  u16(p.questions.length);
  u16(p.answers.length);
  u16(0);
  u16(0);
  for (const q of p.questions) {
    name(q.name);
    u16(typeNumber(q.type));
    u16(classNumber(q.class));
  }
  for (const a of p.answers) {
    name(a.name);
    u16(typeNumber(a.type));
    u16(1);
    const ttl = "ttl" in a ? (a.ttl ?? 0) : 0;
    u16(ttl >>> 16);
    u16(ttl & 0xffff);
    const lenAt = out.length;
    u16(0);
    if (a.type === "A") {
      out.push(...a.data.split(".").map(Number));
    } else if (a.type === "AAAA") {
      // ipv6Arb writes all eight groups, so a split is a full parse.
      for (const g of a.data.split(":")) {
        u16(parseInt(g, 16));
      }
    } else if (a.type === "CNAME") {
      name(a.data);
    } else if (a.type === "MX") {
      u16(a.data.preference ?? 0);
      name(a.data.exchange);
    } else if (a.type === "TXT") {
      // RFC 1035 §3.3.14: one or more <character-string>s, each a length byte and its bytes.
      for (const t of [a.data].flat()) {
        const b = Buffer.from(t);
        out.push(b.length, ...b);
      }
    }
    const rdlen = out.length - lenAt - 2;
    out[lenAt] = rdlen >> 8;
    out[lenAt + 1] = rdlen & 0xff;
  }
  return new Uint8Array(out);
}
