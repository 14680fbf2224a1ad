/**
 * @fileoverview Decapsulation: VXLAN (4789, 8472), Geneve (options, Ethernet and IP protocol types), IPIP,
 * IPv6-in-IPv4 / IPv6 and IPv4-in-IPv6, nesting up to the depth limit, fragmented outer packets, and
 * malformed tunnel headers and inner packets.
 *
 * Outer IPv4 + UDP + VXLAN is 14 + 20 + 8 + 8 = 50 bytes, so an inner Ethernet frame starts at 50 and its
 * L3 header at 64; with an IPv6 outer header it is 70 and 84.
 */

import { describe, it } from "vitest";
import {
  PKT_ARP,
  PKT_FRAGMENT,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_TRUNCATED,
  PKT_TUNNEL,
  PKT_UNSUPPORTED,
  PKT_VLAN,
} from "../../runtime/context.js";
import {
  concat,
  ethernet,
  geneve,
  ipip,
  ipv4,
  ipv4Fragment,
  tcpPkt,
  udpDatagram,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";
import { type Expected, expectContext, parseFrame } from "./expect.js";

const OUT_A = [0, 0, 0xffff, 0xc0a80001]; // 192.168.0.1
const OUT_B = [0, 0, 0xffff, 0xc0a80002]; // 192.168.0.2
const OUT6_A = [0xfd010000, 0, 0, 1];
const OUT6_B = [0xfd010000, 0, 0, 2];

const innerTcp = (): Uint8Array => tcpPkt("10.0.0.1:1234", "10.0.0.2:80", { flags: "S" });
const innerUdp6 = (): Uint8Array => udpPkt("[fd00::1]:5000", "[fd00::2]:53", { payload: new Uint8Array(3) });

/** Inner 10.0.0.1:1234 > 10.0.0.2:80 SYN with its IPv4 header at `l3`. */
function innerTcpWords(l3: number, extra: Expected): Expected {
  return {
    flags: PKT_IPV4 | PKT_HAS_L4 | PKT_TUNNEL,
    ethertype: 0x0800,
    ip_version: 4,
    proto: 6,
    src_ip4: 0x0a000001,
    dst_ip4: 0x0a000002,
    src_ip6: [0, 0, 0xffff, 0x0a000001],
    dst_ip6: [0, 0, 0xffff, 0x0a000002],
    src_port: 1234,
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

/** Inner [fd00::1]:5000 > [fd00::2]:53 UDP with 3 payload bytes, IPv6 header at `l3`. */
function innerUdp6Words(l3: number, extra: Expected): Expected {
  return {
    flags: PKT_IPV6 | PKT_HAS_L4 | PKT_TUNNEL,
    ethertype: 0x86dd,
    ip_version: 6,
    proto: 17,
    src_ip6: [0xfd000000, 0, 0, 1],
    dst_ip6: [0xfd000000, 0, 0, 2],
    src_port: 5000,
    dst_port: 53,
    l3_offset: l3,
    l4_offset: l3 + 40,
    payload_offset: l3 + 48,
    payload_length: 3,
    frame_length: l3 + 51,
    ttl: 64,
    link_type: 1,
    ip_length: 51,
    ...extra,
  };
}

describe("VXLAN", () => {
  it("UDP 4789, inner Ethernet/IPv4/TCP; VNI and outer addresses recorded", () => {
    const f = vxlan("192.168.0.1", "192.168.0.2", 100, innerTcp());
    expectContext(
      parseFrame(f),
      innerTcpWords(64, { tunnel_type: 1, tunnel_vni: 100, outer_src_ip6: OUT_A, outer_dst_ip6: OUT_B }),
    );
  });

  it("UDP 8472 (Linux / Flannel), IPv6 outer, inner IPv6/UDP, 24-bit VNI", () => {
    const f = vxlan("fd01::1", "fd01::2", 0xabcdef, innerUdp6(), { dstPort: 8472 });
    expectContext(
      parseFrame(f),
      innerUdp6Words(84, {
        tunnel_type: 1,
        tunnel_vni: 0xabcdef,
        outer_src_ip6: OUT6_A,
        outer_dst_ip6: OUT6_B,
      }),
    );
  });

  it("inner ARP", () => {
    const f = vxlan("192.168.0.1", "192.168.0.2", 100, ethernet(0x0806, new Uint8Array(28)));
    expectContext(parseFrame(f), {
      flags: PKT_ARP | PKT_TUNNEL,
      ethertype: 0x0806,
      l3_offset: 64,
      frame_length: 92,
      tunnel_type: 1,
      tunnel_vni: 100,
      outer_src_ip6: OUT_A,
      outer_dst_ip6: OUT_B,
      link_type: 1,
    });
  });

  it("the outer VLAN tag is kept; tags of the inner frame are skipped, not recorded", () => {
    const inner = tcpPkt("10.0.0.1:1234", "10.0.0.2:80", { flags: "S", vlan: 77 });
    const f = vxlan("192.168.0.1", "192.168.0.2", 5, inner, { vlan: 12 });
    expectContext(
      parseFrame(f),
      innerTcpWords(72, {
        flags: PKT_IPV4 | PKT_HAS_L4 | PKT_TUNNEL | PKT_VLAN,
        vlan_outer: 12,
        tunnel_type: 1,
        tunnel_vni: 5,
        outer_src_ip6: OUT_A,
        outer_dst_ip6: OUT_B,
      }),
    );
  });

  it("I flag clear: INVALID_PACKET_DROPPED, not decapsulated", () => {
    const f = vxlan("192.168.0.1", "192.168.0.2", 100, innerTcp(), { flags: 0 });
    expectContext(parseFrame(f), {
      flags: PKT_IPV4 | PKT_HAS_L4 | PKT_MALFORMED,
      ethertype: 0x0800,
      ip_version: 4,
      proto: 17,
      src_ip4: 0xc0a80001,
      dst_ip4: 0xc0a80002,
      src_ip6: OUT_A,
      dst_ip6: OUT_B,
      src_port: 49152,
      dst_port: 4789,
      l3_offset: 14,
      l4_offset: 34,
      payload_offset: 42,
      payload_length: 62,
      frame_length: 104,
      ttl: 64,
      parse_reason: 134,
      link_type: 1,
      ip_length: 90,
    });
  });

  it("VXLAN header longer than the UDP datagram: INVALID_PACKET_DROPPED", () => {
    const f = udpPkt("192.168.0.1:49152", "192.168.0.2:4789", { payload: Uint8Array.of(8, 0, 0, 0) });
    expectContext(parseFrame(f), {
      flags: PKT_IPV4 | PKT_HAS_L4 | PKT_MALFORMED,
      ethertype: 0x0800,
      ip_version: 4,
      proto: 17,
      src_ip4: 0xc0a80001,
      dst_ip4: 0xc0a80002,
      src_ip6: OUT_A,
      dst_ip6: OUT_B,
      src_port: 49152,
      dst_port: 4789,
      l3_offset: 14,
      l4_offset: 34,
      payload_offset: 42,
      payload_length: 4,
      frame_length: 46,
      ttl: 64,
      parse_reason: 134,
      link_type: 1,
      ip_length: 32,
    });
  });

  it("inner Ethernet header longer than the datagram: INVALID_PACKET_DROPPED inside the tunnel", () => {
    const f = vxlan("192.168.0.1", "192.168.0.2", 100, new Uint8Array(10));
    expectContext(parseFrame(f), {
      flags: PKT_TUNNEL | PKT_MALFORMED,
      frame_length: 60,
      tunnel_type: 1,
      tunnel_vni: 100,
      outer_src_ip6: OUT_A,
      outer_dst_ip6: OUT_B,
      parse_reason: 134,
      link_type: 1,
    });
  });

  it("inner IPv4 total length beyond the datagram: malformed, not truncated", () => {
    const inner = ethernet(
      0x0800,
      ipv4("10.0.0.1", "10.0.0.2", 17, udpDatagram("10.0.0.1:1", "10.0.0.2:2"), { totalLength: 60 }),
    );
    const f = vxlan("192.168.0.1", "192.168.0.2", 100, inner);
    expectContext(parseFrame(f), {
      flags: PKT_TUNNEL | PKT_MALFORMED,
      ethertype: 0x0800,
      l3_offset: 64,
      frame_length: 92,
      tunnel_type: 1,
      tunnel_vni: 100,
      outer_src_ip6: OUT_A,
      outer_dst_ip6: OUT_B,
      parse_reason: 134,
      link_type: 1,
    });
  });

  it("capture cut inside the inner TCP header: CT_TRUNCATED_OR_INVALID_HEADER, truncated", () => {
    const f = vxlan("192.168.0.1", "192.168.0.2", 100, innerTcp());
    expectContext(
      parseFrame(f, 1, 0, 90),
      innerTcpWords(64, {
        flags: PKT_IPV4 | PKT_TUNNEL | PKT_MALFORMED | PKT_TRUNCATED,
        src_port: 0,
        dst_port: 0,
        tcp_flags: 0,
        payload_offset: 0,
        frame_length: 90,
        tunnel_type: 1,
        tunnel_vni: 100,
        outer_src_ip6: OUT_A,
        outer_dst_ip6: OUT_B,
        parse_reason: 135,
      }),
    );
  });

  it("a first fragment of a VXLAN packet is not decapsulated: policed as outer UDP", () => {
    const full = vxlan("192.168.0.1", "192.168.0.2", 100, innerTcp());
    const udp = full.subarray(34, 34 + 32);
    const f = ipv4Fragment("192.168.0.1", "192.168.0.2", 17, udp, { offset: 0, more: true, id: 44 });
    expectContext(parseFrame(f), {
      flags: PKT_IPV4 | PKT_HAS_L4 | PKT_FRAGMENT,
      ethertype: 0x0800,
      ip_version: 4,
      proto: 17,
      src_ip4: 0xc0a80001,
      dst_ip4: 0xc0a80002,
      src_ip6: OUT_A,
      dst_ip6: OUT_B,
      src_port: 49152,
      dst_port: 4789,
      l3_offset: 14,
      l4_offset: 34,
      payload_offset: 42,
      payload_length: 24,
      frame_length: 66,
      frag_id: 44,
      ttl: 64,
      link_type: 1,
      ip_length: 52,
    });
  });
});

describe("Geneve", () => {
  it("protocol 0x6558 (Ethernet) with 8 bytes of options", () => {
    const opts = Uint8Array.of(0, 0, 0x80, 1, 0, 0, 0, 12);
    const f = geneve("192.168.0.1", "192.168.0.2", 0xa, innerTcp(), { options: opts });
    expectContext(
      parseFrame(f),
      innerTcpWords(72, { tunnel_type: 2, tunnel_vni: 0xa, outer_src_ip6: OUT_A, outer_dst_ip6: OUT_B }),
    );
  });

  it("protocol 0x0800: the inner IPv4 packet follows the header directly", () => {
    const f = geneve("192.168.0.1", "192.168.0.2", 0xb, innerTcp(), { innerIp: true });
    expectContext(
      parseFrame(f),
      innerTcpWords(50, { tunnel_type: 2, tunnel_vni: 0xb, outer_src_ip6: OUT_A, outer_dst_ip6: OUT_B }),
    );
  });

  it("protocol 0x86dd over an IPv6 outer header", () => {
    const f = geneve("fd01::1", "fd01::2", 7, innerUdp6(), { innerIp: true });
    expectContext(
      parseFrame(f),
      innerUdp6Words(70, { tunnel_type: 2, tunnel_vni: 7, outer_src_ip6: OUT6_A, outer_dst_ip6: OUT6_B }),
    );
  });

  it("an unknown protocol type is decapsulated, then UNSUPPORTED_L3_PROTOCOL", () => {
    const f = geneve("192.168.0.1", "192.168.0.2", 3, new Uint8Array(20), { protocol: 0x88cc });
    expectContext(parseFrame(f), {
      flags: PKT_TUNNEL | PKT_UNSUPPORTED,
      ethertype: 0x88cc,
      l3_offset: 50,
      frame_length: 70,
      tunnel_type: 2,
      tunnel_vni: 3,
      outer_src_ip6: OUT_A,
      outer_dst_ip6: OUT_B,
      parse_reason: 139,
      link_type: 1,
    });
  });

  const outerUdp = (payloadLength: number, frameLength: number): Expected => ({
    flags: PKT_IPV4 | PKT_HAS_L4 | PKT_MALFORMED,
    ethertype: 0x0800,
    ip_version: 4,
    proto: 17,
    src_ip4: 0xc0a80001,
    dst_ip4: 0xc0a80002,
    src_ip6: OUT_A,
    dst_ip6: OUT_B,
    src_port: 49152,
    dst_port: 6081,
    l3_offset: 14,
    l4_offset: 34,
    payload_offset: 42,
    payload_length: payloadLength,
    frame_length: frameLength,
    ttl: 64,
    parse_reason: 134,
    link_type: 1,
    ip_length: frameLength - 14,
  });

  it("version 1: INVALID_PACKET_DROPPED, not decapsulated", () => {
    const f = geneve("192.168.0.1", "192.168.0.2", 1, innerTcp(), { version: 1 });
    expectContext(parseFrame(f), outerUdp(62, 104));
  });

  it("options longer than the datagram: INVALID_PACKET_DROPPED", () => {
    const f = geneve("192.168.0.1", "192.168.0.2", 1, new Uint8Array(0));
    f[42] = 0x3f; // 63 words of options, none present
    expectContext(parseFrame(f), outerUdp(8, 50));
  });

  it("header cut by the capture: INVALID_PACKET_DROPPED, truncated", () => {
    const f = geneve("192.168.0.1", "192.168.0.2", 1, innerTcp());
    const w = outerUdp(4, 46);
    expectContext(parseFrame(f, 1, 0, 46), {
      ...w,
      flags: PKT_IPV4 | PKT_HAS_L4 | PKT_MALFORMED | PKT_TRUNCATED,
      ip_length: 90,
    });
  });
});

describe("IP in IP", () => {
  it("IPv4 in IPv4 (protocol 4)", () => {
    const f = ipip("192.168.0.1", "192.168.0.2", innerTcp());
    expectContext(
      parseFrame(f),
      innerTcpWords(34, { tunnel_type: 3, outer_src_ip6: OUT_A, outer_dst_ip6: OUT_B }),
    );
  });

  it("IPv6 in IPv4 (protocol 41)", () => {
    const f = ipip("192.168.0.1", "192.168.0.2", innerUdp6());
    expectContext(
      parseFrame(f),
      innerUdp6Words(34, { tunnel_type: 4, outer_src_ip6: OUT_A, outer_dst_ip6: OUT_B }),
    );
  });

  it("IPv6 in IPv6 (next header 41)", () => {
    const f = ipip("fd01::1", "fd01::2", innerUdp6());
    expectContext(
      parseFrame(f),
      innerUdp6Words(54, { tunnel_type: 4, outer_src_ip6: OUT6_A, outer_dst_ip6: OUT6_B }),
    );
  });

  it("IPv4 in IPv6 (next header 4) is reported as TUN_IPIP", () => {
    const f = ipip("fd01::1", "fd01::2", innerTcp());
    expectContext(
      parseFrame(f),
      innerTcpWords(54, { tunnel_type: 3, outer_src_ip6: OUT6_A, outer_dst_ip6: OUT6_B }),
    );
  });

  it("an inner IPv4 header with a bad IHL is malformed", () => {
    const inner = innerTcp();
    inner[14] = 0x44;
    const f = ipip("192.168.0.1", "192.168.0.2", inner);
    expectContext(parseFrame(f), {
      flags: PKT_TUNNEL | PKT_MALFORMED,
      ethertype: 0x0800,
      l3_offset: 34,
      frame_length: 74,
      tunnel_type: 3,
      outer_src_ip6: OUT_A,
      outer_dst_ip6: OUT_B,
      parse_reason: 134,
      link_type: 1,
    });
  });

  it("a fragmented IPIP packet is not decapsulated: proto 4, no L4, no reason", () => {
    const f = ipv4Fragment("192.168.0.1", "192.168.0.2", 4, innerTcp().subarray(14, 38), {
      offset: 0,
      more: true,
      id: 8,
    });
    expectContext(parseFrame(f), {
      flags: PKT_IPV4 | PKT_FRAGMENT,
      ethertype: 0x0800,
      ip_version: 4,
      proto: 4,
      src_ip4: 0xc0a80001,
      dst_ip4: 0xc0a80002,
      src_ip6: OUT_A,
      dst_ip6: OUT_B,
      l3_offset: 14,
      l4_offset: 34,
      payload_offset: 34,
      payload_length: 24,
      frame_length: 58,
      frag_id: 8,
      ttl: 64,
      link_type: 1,
      ip_length: 44,
    });
  });
});

describe("nesting", () => {
  it("VXLAN in IPIP: two levels, tunnel words from the inner (VXLAN) tunnel", () => {
    const mid = vxlan("172.16.0.1", "172.16.0.2", 42, innerTcp());
    const f = ipip("192.168.0.1", "192.168.0.2", mid);
    expectContext(
      parseFrame(f),
      innerTcpWords(84, {
        tunnel_type: 1,
        tunnel_vni: 42,
        outer_src_ip6: [0, 0, 0xffff, 0xac100001],
        outer_dst_ip6: [0, 0, 0xffff, 0xac100002],
      }),
    );
  });

  it("a third VXLAN level is ENCAPSULATION_TRAFFIC_IS_PROHIBITED, seen as its UDP header", () => {
    const l3 = vxlan("172.16.0.1", "172.16.0.2", 3, innerTcp());
    const l2 = vxlan("172.17.0.1", "172.17.0.2", 2, l3);
    const f = vxlan("192.168.0.1", "192.168.0.2", 1, l2);
    expectContext(parseFrame(f), {
      flags: PKT_IPV4 | PKT_HAS_L4 | PKT_TUNNEL | PKT_UNSUPPORTED,
      ethertype: 0x0800,
      ip_version: 4,
      proto: 17,
      src_ip4: 0xac100001,
      dst_ip4: 0xac100002,
      src_ip6: [0, 0, 0xffff, 0xac100001],
      dst_ip6: [0, 0, 0xffff, 0xac100002],
      src_port: 49152,
      dst_port: 4789,
      l3_offset: 114,
      l4_offset: 134,
      payload_offset: 142,
      payload_length: 62,
      frame_length: 204,
      ttl: 64,
      tunnel_type: 1,
      tunnel_vni: 2,
      outer_src_ip6: [0, 0, 0xffff, 0xac110001],
      outer_dst_ip6: [0, 0, 0xffff, 0xac110002],
      parse_reason: 170,
      link_type: 1,
      ip_length: 90,
    });
  });

  it("a third IPIP level is ENCAPSULATION_TRAFFIC_IS_PROHIBITED", () => {
    const f = ipip(
      "192.168.0.1",
      "192.168.0.2",
      ipip("172.17.0.1", "172.17.0.2", ipip("172.16.0.1", "172.16.0.2", innerTcp())),
    );
    expectContext(parseFrame(f), {
      flags: PKT_IPV4 | PKT_TUNNEL | PKT_UNSUPPORTED,
      ethertype: 0x0800,
      ip_version: 4,
      proto: 4,
      src_ip4: 0xac100001,
      dst_ip4: 0xac100002,
      src_ip6: [0, 0, 0xffff, 0xac100001],
      dst_ip6: [0, 0, 0xffff, 0xac100002],
      l3_offset: 54,
      l4_offset: 74,
      payload_offset: 74,
      payload_length: 40,
      frame_length: 114,
      ttl: 64,
      tunnel_type: 3,
      outer_src_ip6: [0, 0, 0xffff, 0xac110001],
      outer_dst_ip6: [0, 0, 0xffff, 0xac110002],
      parse_reason: 170,
      link_type: 1,
      ip_length: 60,
    });
  });

  it("the outer frame's payload truncation does not leak into a complete inner packet", () => {
    const f = concat(vxlan("192.168.0.1", "192.168.0.2", 100, innerTcp()));
    // Claim 4 more outer bytes than captured: the outer IP is cut, the inner packet is whole.
    f[17] = f[17]! + 4;
    f[39] = f[39]! + 4;
    expectContext(
      parseFrame(f),
      innerTcpWords(64, { tunnel_type: 1, tunnel_vni: 100, outer_src_ip6: OUT_A, outer_dst_ip6: OUT_B }),
    );
  });
});
