/**
 * @fileoverview Fuzzing `parsePacket` with 1,000,000 seeded random and mutated frames: valid frames from
 * the packet helpers (every layer, tunnel and link type) with bytes overwritten, truncated at every length,
 * spliced, under random link types and windows, plus pure noise. For each parse it checks:
 * - no exception, and the words the parser does not own are untouched;
 * - every field is in its range (offsets within the frame, ports 16 bits, reasons from the documented set…)
 *   and the flags agree with the fields (PKT_IPV4 ⇔ version 4 with mapped addresses, PKT_TUNNEL ⇔ a
 *   tunnel kind, a reason ⇔ PKT_MALFORMED or PKT_UNSUPPORTED, …);
 * - the reset is complete: a context full of garbage parses to the same words as a clean one;
 * - the fast path agrees with the general path on every Ethernet frame;
 * - bytes outside the `offset`/`length` window are never read (same result with different surroundings).
 */

import { describe, expect, it } from "vitest";
import * as context from "../../runtime/context.js";
import { parseGeneral, parsePacket } from "../../runtime/packet/parse.js";
import {
  concat,
  ethernet,
  geneve,
  icmp6Pkt,
  icmpPkt,
  ipip,
  ipv4,
  ipv4Fragment,
  ipv6,
  ipv6WithExtHeaders,
  sctpPkt,
  tcpPkt,
  tcpSegment,
  toLinkType,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";
import * as expectations from "./expect.js";

// Local copies: the checks run 1M times, and imported bindings (rewritten by vitest into module-object
// property reads) would dominate the run.
const {
  CTX_WORDS,
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_ETHERTYPE,
  F_FLAGS,
  F_FRAG_OFFSET,
  F_FRAME_LENGTH,
  F_ICMP_CODE,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_IP_LENGTH,
  F_IP_VERSION,
  F_L3_OFFSET,
  F_L4_OFFSET,
  F_LINK_TYPE,
  F_OUTER_DST_IP6,
  F_OUTER_SRC_IP6,
  F_PARSE_REASON,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  F_TTL,
  F_TUNNEL_TYPE,
  F_TUNNEL_VNI,
  F_VLAN_INNER,
  F_VLAN_OUTER,
  PKT_ARP,
  PKT_FRAGMENT,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_NONFIRST_FRAGMENT,
  PKT_REPLY,
  PKT_TRUNCATED,
  PKT_TUNNEL,
  PKT_UNSUPPORTED,
} = context;
const { NOT_OWNED, SENTINEL } = expectations;

/** Iterations; the acceptance bar is 1,000,000 frames in well under 20 s. */
const ITERATIONS = 1_000_000;
/** Fixed seed: a failure reproduces. */
const SEED = 0x5eed_c0de;

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Valid frames covering every modelled layer, as [link type, bytes]. */
function seeds(): [number, Uint8Array][] {
  const tcp4 = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "SA", payload: new Uint8Array(20).fill(3) });
  const udp6 = udpPkt("[fd00::1]:5353", "[fd00::2]:53", { payload: new Uint8Array(9) });
  const eth: Uint8Array[] = [
    tcp4,
    tcpPkt("[fd00::1]:1", "[fd00::2]:2", { flags: "PA", payload: new Uint8Array(5), vlan: 9 }),
    tcpPkt("10.0.0.1:1", "10.0.0.2:2", { vlans: [10, 20], tcpOptions: new Uint8Array(12).fill(1) }),
    udpPkt("10.0.0.1:53", "10.0.0.2:5353", { payload: new Uint8Array(30) }),
    udp6,
    sctpPkt("10.0.0.1:1000", "10.0.0.2:2000", { payload: new Uint8Array(16) }),
    sctpPkt("[fd00::1]:1000", "[fd00::2]:2000"),
    icmpPkt("10.0.0.1", "10.0.0.2", { id: 5, payload: new Uint8Array(8) }),
    icmpPkt("10.0.0.1", "10.0.0.2", { type: 3, code: 4, payload: new Uint8Array(28) }),
    icmp6Pkt("fd00::1", "fd00::2", { type: 129, id: 6 }),
    icmp6Pkt("fd00::1", "fd00::2", { type: 135 }),
    ethernet(0x0806, new Uint8Array(28)),
    ethernet(0x88cc, new Uint8Array(30)),
    ethernet(
      0x0800,
      ipv4("10.0.0.1", "10.0.0.2", 6, tcpSegment("10.0.0.1:1", "10.0.0.2:2"), {
        options: new Uint8Array(12),
      }),
    ),
    ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 47, new Uint8Array(12))),
    ipv4Fragment("10.0.0.1", "10.0.0.2", 17, new Uint8Array(24), { offset: 0, more: true, id: 1 }),
    ipv4Fragment("10.0.0.1", "10.0.0.2", 17, new Uint8Array(24), { offset: 1480, more: false, id: 1 }),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 0 }, { type: 43, length: 24 }, { type: 60 }],
      6,
      tcpSegment("[fd00::1]:1", "[fd00::2]:2"),
    ),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [
        { type: 51, length: 24 },
        { type: 44, fragment: { offset: 0, more: true, id: 9 } },
      ],
      17,
      new Uint8Array(16),
    ),
    ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 44, fragment: { offset: 8, more: false, id: 9 } }],
      6,
      new Uint8Array(16),
    ),
    ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 50, new Uint8Array(24))),
    ethernet(
      0x86dd,
      ipv6("fd00::1", "fd00::2", 0, concat(new Uint8Array([17, 0, 0, 0, 0, 0, 0, 0]), new Uint8Array(16)), {
        payloadLength: 0,
      }),
    ),
    vxlan("192.168.0.1", "192.168.0.2", 100, tcp4),
    vxlan("fd01::1", "fd01::2", 7, udp6, { dstPort: 8472 }),
    vxlan("192.168.0.1", "192.168.0.2", 100, ethernet(0x0806, new Uint8Array(28))),
    geneve("192.168.0.1", "192.168.0.2", 10, tcp4, { options: new Uint8Array([0, 0, 0x80, 1, 0, 0, 0, 12]) }),
    geneve("fd01::1", "fd01::2", 11, udp6, { innerIp: true }),
    ipip("192.168.0.1", "192.168.0.2", tcp4),
    ipip("192.168.0.1", "192.168.0.2", udp6),
    ipip("fd01::1", "fd01::2", udp6),
    ipip("fd01::1", "fd01::2", tcp4),
    ipip("192.168.0.1", "192.168.0.2", vxlan("172.16.0.1", "172.16.0.2", 3, tcp4)),
    vxlan("1.1.1.1", "2.2.2.2", 1, vxlan("3.3.3.3", "4.4.4.4", 2, vxlan("5.5.5.5", "6.6.6.6", 3, tcp4))),
  ];
  const out: [number, Uint8Array][] = [];
  for (const f of eth) {
    out.push([1, f]);
    for (const lt of [101, 113, 276] as const) {
      out.push([lt, toLinkType(f, lt)]);
    }
  }
  return out;
}

const LINK_TYPES = [1, 1, 1, 101, 113, 276];
const REASONS = new Set([0, 134, 135, 139, 142, 170]);
const L4_PROTOS = new Set([1, 6, 17, 58, 132]);
const KNOWN_FLAGS = 0x1fff & ~PKT_REPLY;

/** The first invariant `ctx` breaks for a window of `len` bytes parsed as `linkType`, or "". */
function violation(ctx: Uint32Array, len: number, linkType: number): string {
  const w = (i: number): number => ctx[i]!;
  const flags = w(F_FLAGS);
  const reason = w(F_PARSE_REASON);
  for (let k = 0; k < NOT_OWNED.length; k++) {
    if (w(NOT_OWNED[k]!) !== SENTINEL) {
      return `unowned word ${NOT_OWNED[k]} written`;
    }
  }
  if (w(F_FRAME_LENGTH) !== len || w(F_LINK_TYPE) !== linkType >>> 0) {
    return "frame_length / link_type";
  }
  if (w(F_L3_OFFSET) > len || w(F_L4_OFFSET) > len || w(F_PAYLOAD_OFFSET) + w(F_PAYLOAD_LENGTH) > len) {
    return "offset past the frame";
  }
  if (w(F_L4_OFFSET) !== 0 && w(F_L4_OFFSET) < w(F_L3_OFFSET)) {
    return "L4 before L3";
  }
  if ((flags & PKT_HAS_L4) !== 0 && w(F_PAYLOAD_OFFSET) < w(F_L4_OFFSET)) {
    return "payload before L4";
  }
  const v = w(F_IP_VERSION);
  if (v !== 0 && v !== 4 && v !== 6) {
    return "ip_version";
  }
  if (
    w(F_PROTO) > 255 ||
    w(F_TCP_FLAGS) > 255 ||
    w(F_ICMP_TYPE) > 255 ||
    w(F_ICMP_CODE) > 255 ||
    w(F_TTL) > 255
  ) {
    return "byte field out of range";
  }
  if (w(F_SRC_PORT) > 0xffff || w(F_DST_PORT) > 0xffff || w(F_ICMP_ID) > 0xffff || w(F_ETHERTYPE) > 0xffff) {
    return "16-bit field out of range";
  }
  if (
    w(F_VLAN_OUTER) > 4095 ||
    w(F_VLAN_INNER) > 4095 ||
    w(F_TUNNEL_TYPE) > 4 ||
    w(F_TUNNEL_VNI) > 0xffffff
  ) {
    return "vlan / tunnel out of range";
  }
  if (w(F_FRAG_OFFSET) > 65528 || w(F_FRAG_OFFSET) % 8 !== 0) {
    return "frag_offset";
  }
  if (w(F_IP_LENGTH) > Math.max(65575, len)) {
    return "ip_length";
  }
  if (!REASONS.has(reason) || (flags & ~KNOWN_FLAGS) !== 0) {
    return "unknown reason or flag";
  }
  const malformed = (flags & PKT_MALFORMED) !== 0;
  const unsupported = (flags & PKT_UNSUPPORTED) !== 0;
  if ((reason !== 0) !== (malformed || unsupported) || (malformed && unsupported)) {
    return "reason vs MALFORMED / UNSUPPORTED";
  }
  if (
    (malformed && reason !== 134 && reason !== 135) ||
    (unsupported && reason !== 139 && reason !== 142 && reason !== 170)
  ) {
    return "reason of the wrong class";
  }
  if (
    (flags & PKT_HAS_L4) !== 0 &&
    (!L4_PROTOS.has(w(F_PROTO)) || reason === 135 || reason === 139 || reason === 142)
  ) {
    return "HAS_L4 inconsistent";
  }
  if (
    (flags & PKT_HAS_L4) === 0 &&
    (w(F_SRC_PORT) | w(F_DST_PORT) | w(F_TCP_FLAGS) | w(F_ICMP_TYPE) | w(F_ICMP_ID)) !== 0
  ) {
    return "L4 fields without HAS_L4";
  }
  if ((flags & PKT_NONFIRST_FRAGMENT) !== 0 && ((flags & PKT_FRAGMENT) === 0 || (flags & PKT_HAS_L4) !== 0)) {
    return "non-first fragment flags";
  }
  const v4 = (flags & PKT_IPV4) !== 0;
  const v6 = (flags & PKT_IPV6) !== 0;
  if ((v4 && v6) || v4 !== (v === 4) || v6 !== (v === 6)) {
    return "IP version flags";
  }
  if (
    v4 &&
    (w(F_SRC_IP6) !== 0 ||
      w(F_SRC_IP6 + 2) !== 0xffff ||
      w(F_SRC_IP6 + 3) !== w(F_SRC_IP4) ||
      w(F_DST_IP6 + 3) !== w(F_DST_IP4))
  ) {
    return "IPv4-mapped addresses";
  }
  if (!v4 && (w(F_SRC_IP4) !== 0 || w(F_DST_IP4) !== 0)) {
    return "IPv4 addresses without IPv4";
  }
  if (((flags & PKT_TUNNEL) !== 0) !== (w(F_TUNNEL_TYPE) !== 0)) {
    return "TUNNEL vs tunnel_type";
  }
  if (
    (flags & PKT_TUNNEL) === 0 &&
    (w(F_TUNNEL_VNI) | w(F_OUTER_SRC_IP6 + 3) | w(F_OUTER_DST_IP6 + 3)) !== 0
  ) {
    return "outer words without a tunnel";
  }
  if ((flags & PKT_ARP) !== 0 && (w(F_ETHERTYPE) !== 0x0806 || reason !== 0)) {
    return "ARP";
  }
  if ((flags & PKT_TRUNCATED) !== 0 && len === 0 && reason === 0) {
    return "truncated empty frame without reason";
  }
  return "";
}

describe("fuzz", () => {
  it(`${ITERATIONS.toLocaleString("en")} random and mutated frames`, () => {
    const rnd = prng(SEED);
    const pool = seeds();
    const buf = new Uint8Array(4096);
    const other = new Uint8Array(4096);
    const dirty = new Uint32Array(CTX_WORDS);
    const clean = new Uint32Array(CTX_WORDS);
    const general = new Uint32Array(CTX_WORDS);
    const moved = new Uint32Array(CTX_WORDS);
    const failures: string[] = [];
    let parsed = 0;

    const owned = new Uint8Array(CTX_WORDS).fill(1);
    for (const i of NOT_OWNED) {
      owned[i] = 0;
    }
    const blank = new Uint32Array(CTX_WORDS).map((_, i) => (owned[i] ? 0 : SENTINEL));
    const differs = (a: Uint32Array, b: Uint32Array): boolean => {
      for (let i = 0; i < CTX_WORDS; i++) {
        if (a[i] !== b[i]) {
          return true;
        }
      }
      return false;
    };

    const check = (offset: number, len: number, linkType: number, note: string): void => {
      parsed++;
      for (let i = 0; i < CTX_WORDS; i++) {
        dirty[i] = owned[i] ? rnd() : SENTINEL;
      }
      clean.set(blank);
      let bad: string;
      try {
        parsePacket(buf, offset, len, linkType, dirty);
        parsePacket(buf, offset, len, linkType, clean);
        bad = violation(dirty, len, linkType);
        if (bad === "" && differs(dirty, clean)) {
          bad = "reset incomplete: garbage context parsed differently";
        }
        if (bad === "" && linkType === 1) {
          general.set(blank);
          parseGeneral(buf, offset, offset + len, linkType, general);
          if (differs(general, clean)) {
            bad = "fast path disagrees with the general path";
          }
        }
        if (bad === "" && (parsed & 7) === 0) {
          // Same packet, different surroundings: the window must be all that is read.
          other.fill(rnd() & 0xff);
          other.set(buf.subarray(offset, offset + len), 100);
          moved.set(blank);
          parsePacket(other, 100, len, linkType, moved);
          for (const f of [F_L3_OFFSET, F_FLAGS, F_PARSE_REASON, F_SRC_PORT, F_PAYLOAD_LENGTH, F_IP_LENGTH]) {
            if (moved[f] !== clean[f]) {
              bad = "result depends on bytes outside the window";
            }
          }
        }
      } catch (e) {
        bad = `threw ${String(e)}`;
      }
      if (bad !== "" && failures.length < 5) {
        const hex = Buffer.from(buf.subarray(offset, offset + len)).toString("hex");
        failures.push(`${bad} [${note}, link ${linkType}, len ${len}] ${hex}`);
      }
    };

    // Every seed truncated at every length, under its own link type.
    for (const [lt, f] of pool) {
      for (let n = 0; n <= f.length; n++) {
        buf.set(f, 0);
        check(0, n, lt, "truncated seed");
      }
    }

    while (parsed < ITERATIONS) {
      const [seedLt, f] = pool[rnd() % pool.length]!;
      const offset = rnd() % 64;
      buf.fill(rnd() & 0xff, 0, offset);
      buf.set(f, offset);
      let len = f.length;
      let lt = seedLt;
      const kind = rnd() % 8;
      if (kind <= 2) {
        // Overwrite 1-4 bytes, biased to the headers.
        const n = 1 + (rnd() % 4);
        for (let k = 0; k < n; k++) {
          const span = rnd() % 2 === 0 ? Math.min(len, 120) : len;
          if (span > 0) {
            buf[offset + (rnd() % span)] = rnd() & 0xff;
          }
        }
      } else if (kind === 3) {
        len = rnd() % (len + 1);
      } else if (kind === 4) {
        // Splice: insert random bytes somewhere.
        const at = rnd() % (len + 1);
        const n = 1 + (rnd() % 8);
        buf.copyWithin(offset + at + n, offset + at, offset + len);
        for (let k = 0; k < n; k++) {
          buf[offset + at + k] = rnd() & 0xff;
        }
        len += n;
      } else if (kind === 5) {
        lt = rnd() % 4 === 0 ? rnd() % 300 : LINK_TYPES[rnd() % LINK_TYPES.length]!;
      } else if (kind === 6) {
        len = rnd() % 200;
        for (let k = 0; k < len; k++) {
          buf[offset + k] = rnd() & 0xff;
        }
      } else {
        // Mutate and truncate.
        buf[offset + (rnd() % len)] = rnd() & 0xff;
        len = rnd() % (len + 1);
      }
      buf.fill(rnd() & 0xff, offset + len, offset + len + 64);
      check(offset, len, lt, `mutation ${kind}`);
    }

    expect(failures).toEqual([]);
    expect(parsed).toBeGreaterThanOrEqual(ITERATIONS);
  });
});
