/**
 * @fileoverview The packet-building helpers other tests rely on (test/helpers/packets.ts): address text,
 * header layouts, lengths, and checksums verified from the bytes (a correct Internet checksum sums to
 * 0xffff over the covered data; CRC32c against the RFC 3720 check value).
 */

import { describe, expect, it } from "vitest";
import {
  crc32c,
  geneve,
  icmp6Pkt,
  icmpPkt,
  ipip,
  ipv6WithExtHeaders,
  ipWords,
  parseEndpoint,
  parseIPv6Text,
  sctpPkt,
  tcpPkt,
  tcpSegment,
  toLinkType,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Folded 16-bit ones'-complement sum of `parts`, each summed as big-endian words padded to even length. */
function foldedSum(...parts: Uint8Array[]): number {
  let sum = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i += 2) {
      sum += (p[i]! << 8) | (p[i + 1] ?? 0);
    }
  }
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return sum;
}

const be16 = (v: number): Uint8Array => Uint8Array.of(v >> 8, v & 0xff);

describe("addresses", () => {
  it("endpoints with and without ports", () => {
    expect(parseEndpoint("10.0.0.1:31245")).toEqual({ ip: Uint8Array.of(10, 0, 0, 1), port: 31245 });
    expect(parseEndpoint("10.0.0.1").port).toBeUndefined();
    expect(parseEndpoint("[fd00::1]:80").port).toBe(80);
    expect(hex(parseEndpoint("fd00::1").ip)).toBe("fd000000000000000000000000000001");
  });

  it("IPv6 text forms", () => {
    expect(hex(parseIPv6Text("::"))).toBe("0".repeat(32));
    expect(hex(parseIPv6Text("::ffff:1.2.3.4"))).toBe("00000000000000000000ffff01020304");
    expect(hex(parseIPv6Text("2001:db8:0:0:1:0:0:1"))).toBe("20010db8000000000001000000000001");
    expect(hex(parseIPv6Text("1::"))).toBe("00010000000000000000000000000000");
  });

  it("rejects bad text", () => {
    expect(() => parseEndpoint("10.0.0.256")).toThrow();
    expect(() => parseEndpoint("1::2::3")).toThrow();
    expect(() => parseEndpoint("10.0.0.1:70000")).toThrow();
    expect(() => tcpPkt("10.0.0.1", "10.0.0.2:1")).toThrow(/needs a port/);
    expect(() => tcpPkt("10.0.0.1:1", "[fd00::1]:1")).toThrow(/families/);
  });

  it("context words", () => {
    expect(ipWords("10.0.0.1")).toEqual([0, 0, 0xffff, 0x0a000001]);
    expect(ipWords("fd00::1:2")).toEqual([0xfd000000, 0, 0, 0x00010002]);
  });
});

describe("layouts and checksums", () => {
  it("IPv4/TCP: lengths, header checksum, TCP checksum with the pseudo-header", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "SA", payload: Uint8Array.of(1, 2, 3) });
    expect(f.length).toBe(57);
    expect(hex(f.subarray(12, 14))).toBe("0800");
    expect(hex(f.subarray(16, 18))).toBe("002b"); // total length 43
    expect(foldedSum(f.subarray(14, 34))).toBe(0xffff);
    const tcp = f.subarray(34);
    expect(tcp[13]).toBe(0x12);
    expect(foldedSum(f.subarray(26, 34), be16(6), be16(tcp.length), tcp)).toBe(0xffff);
  });

  it("IPv6/UDP: payload length and UDP checksum with the pseudo-header", () => {
    const f = udpPkt("[fd00::1]:53", "[fd00::2]:5353", { payload: Uint8Array.of(9, 9, 9) });
    expect(hex(f.subarray(18, 20))).toBe("000b");
    const udp = f.subarray(54);
    expect(hex(udp.subarray(4, 6))).toBe("000b");
    expect(foldedSum(f.subarray(22, 54), be16(17), be16(udp.length), udp)).toBe(0xffff);
  });

  it("ICMP and ICMPv6 checksums", () => {
    const v4 = icmpPkt("10.0.0.1", "10.0.0.2", { id: 7, seq: 1, payload: new Uint8Array(5).fill(0xab) });
    expect(foldedSum(v4.subarray(34))).toBe(0xffff);
    const v6 = icmp6Pkt("fd00::1", "fd00::2", { id: 7 });
    const m = v6.subarray(54);
    expect(foldedSum(v6.subarray(22, 54), be16(58), be16(m.length), m)).toBe(0xffff);
  });

  it("CRC32c check value and SCTP's little-endian placement", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    const f = sctpPkt("10.0.0.1:1000", "10.0.0.2:2000");
    const p = new Uint8Array(f.subarray(34));
    const stored = (p[8]! | (p[9]! << 8) | (p[10]! << 16) | (p[11]! << 24)) >>> 0;
    p.fill(0, 8, 12);
    expect(stored).toBe(crc32c(p));
  });

  it("TCP flag letters", () => {
    const flags = (spec: Parameters<typeof tcpSegment>[2]): number =>
      tcpSegment("10.0.0.1:1", "10.0.0.2:2", spec)[13]!;
    expect([
      flags({ flags: "S" }),
      flags({ flags: "A" }),
      flags({ flags: "FA" }),
      flags({ flags: "R" }),
    ]).toEqual([0x02, 0x10, 0x11, 0x04]);
  });

  it("VXLAN and Geneve headers", () => {
    const inner = tcpPkt("10.0.0.1:1", "10.0.0.2:2");
    const vx = vxlan("192.168.0.1", "192.168.0.2", 0x123456, inner);
    expect(hex(vx.subarray(36, 38))).toBe("12b5"); // 4789
    expect(hex(vx.subarray(42, 50))).toBe("0800000012345600");
    const gn = geneve("192.168.0.1", "192.168.0.2", 10, inner, { options: new Uint8Array(4) });
    expect(hex(gn.subarray(36, 38))).toBe("17c1"); // 6081
    expect(hex(gn.subarray(42, 50))).toBe("0100655800000a00");
    expect(foldedSum(gn.subarray(14, 34))).toBe(0xffff);
  });

  it("IPIP picks protocol 4 or 41 from the inner packet", () => {
    expect(ipip("1.1.1.1", "2.2.2.2", tcpPkt("10.0.0.1:1", "10.0.0.2:2"))[23]).toBe(4);
    expect(ipip("1.1.1.1", "2.2.2.2", tcpPkt("[fd00::1]:1", "[fd00::2]:2"))[23]).toBe(41);
    expect(ipip("fd01::1", "fd01::2", tcpPkt("10.0.0.1:1", "10.0.0.2:2"))[20]).toBe(4);
  });

  it("extension header chains", () => {
    const f = ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 0 }, { type: 51, length: 24 }, { type: 60, length: 16 }],
      6,
      new Uint8Array(0),
    );
    expect(f[20]).toBe(0); // first: hop-by-hop
    expect(hex(f.subarray(54, 56))).toBe("3300"); // next AH, 8 bytes
    expect(hex(f.subarray(62, 64))).toBe("3c04"); // next dest-opts, AH length (24 / 4) - 2
    expect(hex(f.subarray(86, 88))).toBe("0601"); // next TCP, 16 bytes
  });

  it("link-type conversions", () => {
    const f = tcpPkt("10.0.0.1:1", "10.0.0.2:2");
    expect(toLinkType(f, 101)[0]).toBe(0x45);
    const sll = toLinkType(f, 113);
    expect([sll.length, hex(sll.subarray(14, 16)), sll[16]]).toEqual([56, "0800", 0x45]);
    const sll2 = toLinkType(f, 276);
    expect([sll2.length, hex(sll2.subarray(0, 2)), sll2[20]]).toEqual([60, "0800", 0x45]);
  });
});
