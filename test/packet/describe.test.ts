/**
 * @fileoverview Text helpers: RFC 5952 IPv6 text (its §4 rules and §5 IPv4-mapped form), dotted quads,
 * TCP flags, protocol / EtherType / tunnel / link-type / flag names, and the one-line summary.
 */

import { describe, expect, it } from "vitest";
import {
  F_DST_IP6,
  F_OUTER_SRC_IP6,
  F_SRC_IP6,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_MALFORMED,
  PKT_REPLY,
  TUN_GENEVE,
} from "../../runtime/context.js";
import {
  ethertypeName,
  ip4ToString,
  ip6ToString,
  ipToString,
  linkTypeName,
  packetFlagsToString,
  protoName,
  summarizeContext,
  tcpFlagsToString,
  tunnelTypeName,
} from "../../runtime/packet/describe.js";
import {
  ethernet,
  icmp6Pkt,
  ipv4,
  ipv4Fragment,
  ipWords,
  tcpPkt,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";
import { parseFrame } from "./expect.js";

describe("ip4ToString", () => {
  it("prints host-order words as dotted quads", () => {
    expect(ip4ToString(0x0a000001)).toBe("10.0.0.1");
    expect(ip4ToString(0xffffffff)).toBe("255.255.255.255");
    expect(ip4ToString(0)).toBe("0.0.0.0");
    expect(ip4ToString(-1)).toBe("255.255.255.255");
  });
});

describe("ip6ToString (RFC 5952)", () => {
  const cases: [number[], string][] = [
    [[0, 0, 0, 0], "::"],
    [[0, 0, 0, 1], "::1"],
    [[0x20010db8, 0, 0, 1], "2001:db8::1"],
    // §4.2.2: a single zero group is not shortened.
    [[0x20010db8, 0, 0x00010001, 0x00010001], "2001:db8::1:1:1:1"],
    [[0x20010db8, 0x00000001, 0x00010001, 0x00010001], "2001:db8:0:1:1:1:1:1"],
    // §4.2.3: the longest run is shortened; of equal runs, the first.
    [[0x20010db8, 0, 0x00010000, 0x00000001], "2001:db8::1:0:0:1"],
    [[0x20010000, 0x00000001, 0, 0x00000001], "2001:0:0:1::1"],
    // §4.3: lower case; §4.1: no leading zeros.
    [[0xfe800000, 0, 0xaabbccdd, 0xeeff0012], "fe80::aabb:ccdd:eeff:12"],
    [[0x00010000, 0, 0, 0], "1::"],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    // §5: IPv4-mapped addresses as a dotted quad (the context's form for IPv4).
    [[0, 0, 0xffff, 0xc0000201], "192.0.2.1"],
    // IPv4-compatible (deprecated) and other embeddings stay hexadecimal.
    [[0, 0, 0, 0xc0000201], "::c000:201"],
  ];
  for (const [words, text] of cases) {
    it(text, () => {
      expect(ip6ToString(words)).toBe(text);
    });
  }

  it("ipToString reads a 4-word field of a context", () => {
    const ctx = parseFrame(tcpPkt("[2001:db8::a]:1", "[2001:db8::b]:2"));
    expect(ipToString(ctx, F_SRC_IP6)).toBe("2001:db8::a");
    expect(ipToString(ctx, F_DST_IP6)).toBe("2001:db8::b");
    const v4 = parseFrame(tcpPkt("10.0.0.1:1", "10.0.0.2:2"));
    expect(ipToString(v4, F_SRC_IP6)).toBe("10.0.0.1");
  });

  it("round-trips the helper's address words", () => {
    for (const a of ["fd00::1", "2001:db8:1:2:3:4:5:6", "::ffff:10.1.2.3", "fe80::1:0:0:0"]) {
      expect(ip6ToString(ipWords(a))).toBe(a === "::ffff:10.1.2.3" ? "10.1.2.3" : a);
    }
  });
});

describe("names", () => {
  it("TCP flags as names and in tcpdump letters", () => {
    expect(tcpFlagsToString(0x12)).toBe("SYN|ACK");
    expect(tcpFlagsToString(0x12, true)).toBe("S.");
    expect(tcpFlagsToString(0x18, true)).toBe("P.");
    expect(tcpFlagsToString(0x11)).toBe("FIN|ACK");
    expect(tcpFlagsToString(0xc0)).toBe("ECE|CWR");
    expect(tcpFlagsToString(0)).toBe("none");
    expect(tcpFlagsToString(0, true)).toBe("none");
  });

  it("protocols, EtherTypes, tunnels, link types", () => {
    expect([protoName(6), protoName(17), protoName(58), protoName(132), protoName(253)]).toEqual([
      "TCP",
      "UDP",
      "ICMPv6",
      "SCTP",
      "proto-253",
    ]);
    expect([
      ethertypeName(0x0800),
      ethertypeName(0x86dd),
      ethertypeName(0x0806),
      ethertypeName(0x88cc),
    ]).toEqual(["IPv4", "IPv6", "ARP", "0x88cc"]);
    expect([tunnelTypeName(0), tunnelTypeName(TUN_GENEVE), tunnelTypeName(9)]).toEqual([
      "none",
      "geneve",
      "tunnel-9",
    ]);
    expect([linkTypeName(1), linkTypeName(276), linkTypeName(42)]).toEqual([
      "EN10MB",
      "LINUX_SLL2",
      "linktype-42",
    ]);
  });

  it("PKT_* flags", () => {
    expect(packetFlagsToString(PKT_IPV4 | PKT_HAS_L4)).toBe("ipv4|l4");
    expect(packetFlagsToString(PKT_MALFORMED | PKT_REPLY | 0x10000)).toBe("malformed|reply|0x10000");
    expect(packetFlagsToString(0)).toBe("none");
  });
});

describe("summarizeContext", () => {
  it("TCP over IPv4 and IPv6", () => {
    expect(summarizeContext(parseFrame(tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S" })))).toBe(
      "10.0.0.1:31245 > 10.0.0.2:80 TCP [S]",
    );
    expect(summarizeContext(parseFrame(tcpPkt("[fd00::1]:1", "[fd00::2]:443", { flags: "SA" })))).toBe(
      "[fd00::1]:1 > [fd00::2]:443 TCP [S.]",
    );
  });

  it("ICMPv6, fragments, tunnels, drops", () => {
    expect(summarizeContext(parseFrame(icmp6Pkt("fd00::1", "fd00::2", { id: 7 })))).toBe(
      "fd00::1 > fd00::2 ICMPv6 type 128 code 0 id 7",
    );
    const frag = ipv4Fragment("10.0.0.1", "10.0.0.2", 17, new Uint8Array(8), {
      offset: 8,
      more: false,
      id: 1,
    });
    expect(summarizeContext(parseFrame(frag))).toBe("10.0.0.1 > 10.0.0.2 UDP (fragment)");
    const tunnelled = parseFrame(
      vxlan("192.168.0.1", "192.168.0.2", 100, udpPkt("10.0.0.1:1", "10.0.0.2:2")),
    );
    expect(ipToString(tunnelled, F_OUTER_SRC_IP6)).toBe("192.168.0.1");
    expect(summarizeContext(tunnelled)).toBe(
      "10.0.0.1:1 > 10.0.0.2:2 UDP (vxlan vni 100 192.168.0.1 > 192.168.0.2)",
    );
    const gre = ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 47, new Uint8Array(4)));
    expect(summarizeContext(parseFrame(gre))).toBe("10.0.0.1 > 10.0.0.2 GRE DROP UNKNOWN_L4_PROTOCOL");
    expect(summarizeContext(parseFrame(ethernet(0x0806, new Uint8Array(28))))).toBe("ARP");
    expect(summarizeContext(parseFrame(ethernet(0x88cc, new Uint8Array(28))))).toBe(
      "0x88cc DROP UNSUPPORTED_L3_PROTOCOL",
    );
  });
});
