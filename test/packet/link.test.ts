/**
 * @fileoverview Link layer: Ethernet II, raw IP, Linux SLL and SLL2, VLAN / QinQ tags, ARP, unknown
 * EtherTypes and link types, truncated link headers, and the offset / length window into a larger buffer.
 * Expected words are written from the frames built here (header sizes: Ethernet 14, tag 4, SLL 16, SLL2 20,
 * IPv4 20, IPv6 40, TCP 20, UDP 8).
 */

import { describe, expect, it } from "vitest";
import {
  PKT_ARP,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_TRUNCATED,
  PKT_UNSUPPORTED,
  PKT_VLAN,
} from "../../runtime/context.js";
import { concat, ethernet, tcpPkt, toLinkType, udpPkt } from "../helpers/packets.js";
import { type Expected, expectContext, parseFrame } from "./expect.js";

const SRC = 0x0a000001;
const DST = 0x0a000002;

/** The words of `tcpPkt("10.0.0.1:31245", "10.0.0.2:80", {flags: "S"})` with its IPv4 header at `l3`. */
function tcpV4At(l3: number, extra: Expected = {}): Expected {
  return {
    flags: PKT_IPV4 | PKT_HAS_L4,
    ethertype: 0x0800,
    ip_version: 4,
    proto: 6,
    src_ip4: SRC,
    dst_ip4: DST,
    src_ip6: [0, 0, 0xffff, SRC],
    dst_ip6: [0, 0, 0xffff, DST],
    src_port: 31245,
    dst_port: 80,
    tcp_flags: 0x02,
    l3_offset: l3,
    l4_offset: l3 + 20,
    payload_offset: l3 + 40,
    frame_length: l3 + 40,
    ttl: 64,
    link_type: 1,
    ip_length: 40,
    ...extra,
  };
}

const syn = (): Uint8Array => tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S" });

describe("link types", () => {
  it("Ethernet II (1)", () => {
    expectContext(parseFrame(syn()), tcpV4At(14));
  });

  it("raw IP (101), IPv4 by the version nibble", () => {
    expectContext(parseFrame(toLinkType(syn(), 101), 101), tcpV4At(0, { link_type: 101 }));
  });

  it("raw IP (101), IPv6 by the version nibble", () => {
    const f = toLinkType(udpPkt("[fd00::1]:5353", "[fd00::2]:53"), 101);
    expectContext(parseFrame(f, 101), {
      flags: PKT_IPV6 | PKT_HAS_L4,
      ethertype: 0x86dd,
      ip_version: 6,
      proto: 17,
      src_ip6: [0xfd000000, 0, 0, 1],
      dst_ip6: [0xfd000000, 0, 0, 2],
      src_port: 5353,
      dst_port: 53,
      l3_offset: 0,
      l4_offset: 40,
      payload_offset: 48,
      frame_length: 48,
      ttl: 64,
      link_type: 101,
      ip_length: 48,
    });
  });

  it("Linux SLL (113): 16-byte header, protocol at bytes 14-15", () => {
    expectContext(parseFrame(toLinkType(syn(), 113), 113), tcpV4At(16, { link_type: 113 }));
  });

  it("Linux SLL2 (276): 20-byte header, protocol at bytes 0-1", () => {
    expectContext(parseFrame(toLinkType(syn(), 276), 276), tcpV4At(20, { link_type: 276 }));
  });

  it("an unknown link type is UNSUPPORTED_L3_PROTOCOL", () => {
    expectContext(parseFrame(syn(), 228), {
      flags: PKT_UNSUPPORTED,
      frame_length: 54,
      parse_reason: 139,
      link_type: 228,
    });
  });

  it("raw IP with version 5 is UNSUPPORTED_L3_PROTOCOL", () => {
    const f = toLinkType(syn(), 101);
    f[0] = 0x55;
    expectContext(parseFrame(f, 101), {
      flags: PKT_UNSUPPORTED,
      frame_length: 40,
      parse_reason: 139,
      link_type: 101,
    });
  });
});

describe("VLAN tags", () => {
  it("one 802.1Q tag", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlan: 100 });
    expectContext(parseFrame(f), tcpV4At(18, { flags: PKT_IPV4 | PKT_HAS_L4 | PKT_VLAN, vlan_outer: 100 }));
  });

  it("QinQ: 802.1ad outer and 802.1Q inner", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlans: [10, 20] });
    expect([f[12], f[13], f[16], f[17]]).toEqual([0x88, 0xa8, 0x81, 0x00]);
    expectContext(
      parseFrame(f),
      tcpV4At(22, { flags: PKT_IPV4 | PKT_HAS_L4 | PKT_VLAN, vlan_outer: 10, vlan_inner: 20 }),
    );
  });

  it("QinQ with the pre-standard 0x9100 outer TPID", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlans: [7, 8], tpids: [0x9100, 0x8100] });
    expectContext(
      parseFrame(f),
      tcpV4At(22, { flags: PKT_IPV4 | PKT_HAS_L4 | PKT_VLAN, vlan_outer: 7, vlan_inner: 8 }),
    );
  });

  it("keeps only the 12-bit VLAN id of the TCI (priority and DEI dropped)", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlan: 0xf064 });
    expectContext(parseFrame(f), tcpV4At(18, { flags: PKT_IPV4 | PKT_HAS_L4 | PKT_VLAN, vlan_outer: 100 }));
  });

  it("tags in an SLL capture stay in-band and are read the same way", () => {
    const f = toLinkType(tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlan: 5 }), 113);
    expectContext(
      parseFrame(f, 113),
      tcpV4At(20, { flags: PKT_IPV4 | PKT_HAS_L4 | PKT_VLAN, vlan_outer: 5, link_type: 113 }),
    );
  });

  it("a third tag is left as EtherType 0x8100: UNSUPPORTED_L3_PROTOCOL", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlans: [1, 2, 3] });
    expectContext(parseFrame(f), {
      flags: PKT_VLAN | PKT_UNSUPPORTED,
      ethertype: 0x8100,
      vlan_outer: 1,
      vlan_inner: 2,
      l3_offset: 22,
      frame_length: 66,
      parse_reason: 139,
      link_type: 1,
    });
  });

  it("a tag cut by the capture is INVALID_PACKET_DROPPED, truncated", () => {
    const f = tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S", vlan: 9 });
    expectContext(parseFrame(f, 1, 0, 16), {
      flags: PKT_MALFORMED | PKT_TRUNCATED,
      frame_length: 16,
      parse_reason: 134,
      link_type: 1,
    });
  });
});

describe("ARP and other EtherTypes", () => {
  const arp = new Uint8Array(28).fill(0x11);

  it("ARP is recognised, not parsed, no drop reason", () => {
    expectContext(parseFrame(ethernet(0x0806, arp)), {
      flags: PKT_ARP,
      ethertype: 0x0806,
      l3_offset: 14,
      frame_length: 42,
      link_type: 1,
    });
  });

  it("ARP behind a VLAN tag and in SLL2", () => {
    expectContext(parseFrame(ethernet(0x0806, arp, { vlan: 3 })), {
      flags: PKT_ARP | PKT_VLAN,
      ethertype: 0x0806,
      vlan_outer: 3,
      l3_offset: 18,
      frame_length: 46,
      link_type: 1,
    });
    expectContext(parseFrame(toLinkType(ethernet(0x0806, arp), 276), 276), {
      flags: PKT_ARP,
      ethertype: 0x0806,
      l3_offset: 20,
      frame_length: 48,
      link_type: 276,
    });
  });

  it("an unknown EtherType (LLDP) is UNSUPPORTED_L3_PROTOCOL with the type kept", () => {
    expectContext(parseFrame(ethernet(0x88cc, new Uint8Array(20))), {
      flags: PKT_UNSUPPORTED,
      ethertype: 0x88cc,
      l3_offset: 14,
      frame_length: 34,
      parse_reason: 139,
      link_type: 1,
    });
  });

  it("an 802.3 length field (LLC) is UNSUPPORTED_L3_PROTOCOL", () => {
    expectContext(parseFrame(ethernet(0x0026, new Uint8Array(38))), {
      flags: PKT_UNSUPPORTED,
      ethertype: 0x0026,
      l3_offset: 14,
      frame_length: 52,
      parse_reason: 139,
      link_type: 1,
    });
  });
});

describe("truncated link headers", () => {
  const cases: [string, number, number][] = [
    ["Ethernet, 13 of 14 bytes", 1, 13],
    ["Ethernet, empty", 1, 0],
    ["raw IP, empty", 101, 0],
    ["SLL, 15 of 16 bytes", 113, 15],
    ["SLL2, 19 of 20 bytes", 276, 19],
  ];
  for (const [name, linkType, len] of cases) {
    it(`${name}: INVALID_PACKET_DROPPED, truncated`, () => {
      const full = toLinkType(syn(), linkType as 1 | 101 | 113 | 276);
      expectContext(parseFrame(full, linkType, 0, len), {
        flags: PKT_MALFORMED | PKT_TRUNCATED,
        frame_length: len,
        parse_reason: 134,
        link_type: linkType,
      });
    });
  }
});

describe("the packet window", () => {
  it("offsets are relative to `offset`, and bytes outside the window are not read", () => {
    const junk = new Uint8Array(100).fill(0xee);
    const buf = concat(junk, syn(), junk);
    expectContext(parseFrame(buf, 1, 100, 54), tcpV4At(14));
  });

  it("Ethernet padding after the IP total length is ignored", () => {
    const f = concat(syn(), new Uint8Array(6));
    expectContext(parseFrame(f), tcpV4At(14, { frame_length: 60 }));
  });

  it("clips a length past the buffer, and treats a negative or NaN window as empty", () => {
    const f = syn();
    expectContext(parseFrame(f, 1, 0, 1000), tcpV4At(14));
    expectContext(parseFrame(f, 1, 10, -5), {
      flags: PKT_MALFORMED | PKT_TRUNCATED,
      parse_reason: 134,
      link_type: 1,
    });
    expectContext(parseFrame(f, 1, Number.NaN, 54), tcpV4At(14));
    expectContext(parseFrame(f, 1, 500, 54), {
      flags: PKT_MALFORMED | PKT_TRUNCATED,
      parse_reason: 134,
      link_type: 1,
    });
  });

  it("rounds a fractional window down", () => {
    const buf = concat(new Uint8Array(3), syn());
    expectContext(parseFrame(buf, 1, 3.7, 54.9), tcpV4At(14));
  });
});
