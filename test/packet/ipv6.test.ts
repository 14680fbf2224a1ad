/**
 * @fileoverview IPv6: the fixed header, extension headers (hop-by-hop, routing, destination options, AH,
 * fragment), fragments, jumbograms, the walk bound, and malformed headers. Frames are Ethernet (L3 at 14,
 * extension headers from 54).
 */

import { describe, it } from "vitest";
import {
  PKT_FRAGMENT,
  PKT_HAS_L4,
  PKT_IP_OPTIONS,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_NONFIRST_FRAGMENT,
  PKT_TRUNCATED,
  PKT_UNSUPPORTED,
} from "../../runtime/context.js";
import {
  concat,
  ethernet,
  type Ipv6Ext,
  ipv6,
  ipv6ExtChain,
  ipv6WithExtHeaders,
  tcpPkt,
  tcpSegment,
  udpDatagram,
} from "../helpers/packets.js";
import { type Expected, expectContext, parseFrame } from "./expect.js";

const S6 = [0xfd000000, 0, 0, 1];
const D6 = [0xfd000000, 0, 0, 2];

/** IPv6 words for fd00::1 > fd00::2 at L3 offset 14. */
function v6(proto: number, ipLength: number, extra: Expected): Expected {
  return {
    ethertype: 0x86dd,
    ip_version: 6,
    proto,
    src_ip6: S6,
    dst_ip6: D6,
    l3_offset: 14,
    ttl: 64,
    link_type: 1,
    ip_length: ipLength,
    ...extra,
  };
}

const seg = (): Uint8Array => tcpSegment("[fd00::1]:1000", "[fd00::2]:2000", { flags: "S" });
const withExts = (exts: readonly Ipv6Ext[], proto = 6, l4 = seg()): Uint8Array =>
  ipv6WithExtHeaders("fd00::1", "fd00::2", exts, proto, l4);
const tcpWords = { src_port: 1000, dst_port: 2000, tcp_flags: 0x02 };

describe("IPv6 header", () => {
  it("TCP, no extension headers", () => {
    const f = tcpPkt("[fd00::1]:31245", "[fd00::2]:80", {
      flags: "SA",
      payload: new Uint8Array(4),
      ttl: 255,
    });
    expectContext(
      parseFrame(f),
      v6(6, 64, {
        flags: PKT_IPV6 | PKT_HAS_L4,
        src_port: 31245,
        dst_port: 80,
        tcp_flags: 0x12,
        l4_offset: 54,
        payload_offset: 74,
        payload_length: 4,
        frame_length: 78,
        ttl: 255,
      }),
    );
  });

  it("full 128-bit addresses, most significant word first", () => {
    const f = tcpPkt("[2001:db8:1:2:3:4:5:6]:1", "[fe80::aabb:ccdd:eeff:1122]:2", { flags: "S" });
    expectContext(
      parseFrame(f),
      v6(6, 60, {
        flags: PKT_IPV6 | PKT_HAS_L4,
        src_ip6: [0x20010db8, 0x00010002, 0x00030004, 0x00050006],
        dst_ip6: [0xfe800000, 0, 0xaabbccdd, 0xeeff1122],
        src_port: 1,
        dst_port: 2,
        tcp_flags: 0x02,
        l4_offset: 54,
        payload_offset: 74,
        frame_length: 74,
      }),
    );
  });

  it("a payload length beyond the capture sets PKT_TRUNCATED only", () => {
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 6, seg(), { payloadLength: 1000 }));
    expectContext(
      parseFrame(f),
      v6(6, 1040, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_TRUNCATED,
        ...tcpWords,
        l4_offset: 54,
        payload_offset: 74,
        frame_length: 74,
      }),
    );
  });

  it("ESP (50) is opaque: UNKNOWN_L4_PROTOCOL", () => {
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 50, new Uint8Array(16)));
    expectContext(
      parseFrame(f),
      v6(50, 56, {
        flags: PKT_IPV6 | PKT_UNSUPPORTED,
        l4_offset: 54,
        payload_offset: 54,
        payload_length: 16,
        frame_length: 70,
        parse_reason: 142,
      }),
    );
  });

  it("no next header (59) is UNKNOWN_L4_PROTOCOL", () => {
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 59, new Uint8Array(0)));
    expectContext(
      parseFrame(f),
      v6(59, 40, {
        flags: PKT_IPV6 | PKT_UNSUPPORTED,
        l4_offset: 54,
        payload_offset: 54,
        frame_length: 54,
        parse_reason: 142,
      }),
    );
  });

  it("ICMP for IPv4 (1) inside IPv6 is UNKNOWN_L4_PROTOCOL", () => {
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 1, new Uint8Array(8)));
    expectContext(
      parseFrame(f),
      v6(1, 48, {
        flags: PKT_IPV6 | PKT_UNSUPPORTED,
        l4_offset: 54,
        payload_offset: 54,
        payload_length: 8,
        frame_length: 62,
        parse_reason: 142,
      }),
    );
  });

  it("a jumbogram (payload length 0, hop-by-hop first) takes its length from the capture", () => {
    const body = concat(
      ipv6ExtChain([{ type: 0 }], 17),
      udpDatagram("[fd00::1]:7", "[fd00::2]:9", Uint8Array.of(1, 2, 3, 4)),
    );
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 0, body, { payloadLength: 0 }));
    expectContext(
      parseFrame(f),
      v6(17, 60, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        src_port: 7,
        dst_port: 9,
        l4_offset: 62,
        payload_offset: 70,
        payload_length: 4,
        frame_length: 74,
      }),
    );
  });

  it("payload length 0 without hop-by-hop leaves no room for TCP: CT_TRUNCATED_OR_INVALID_HEADER", () => {
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 6, seg(), { payloadLength: 0 }));
    expectContext(
      parseFrame(f),
      v6(6, 40, { flags: PKT_IPV6 | PKT_MALFORMED, l4_offset: 54, frame_length: 74, parse_reason: 135 }),
    );
  });
});

describe("IPv6 extension headers", () => {
  it("hop-by-hop, destination options (16 bytes), routing, then TCP", () => {
    const f = withExts([{ type: 0 }, { type: 60, length: 16 }, { type: 43 }]);
    expectContext(
      parseFrame(f),
      v6(6, 92, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        ...tcpWords,
        l4_offset: 86,
        payload_offset: 106,
        frame_length: 106,
      }),
    );
  });

  it("AH (length in 4-byte units minus 2)", () => {
    const f = withExts([{ type: 51, length: 24 }]);
    expectContext(
      parseFrame(f),
      v6(6, 84, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        ...tcpWords,
        l4_offset: 78,
        payload_offset: 98,
        frame_length: 98,
      }),
    );
  });

  it("eight headers are walked", () => {
    const f = withExts(Array.from({ length: 8 }, () => ({ type: 60 })));
    expectContext(
      parseFrame(f),
      v6(6, 124, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        ...tcpWords,
        l4_offset: 118,
        payload_offset: 138,
        frame_length: 138,
      }),
    );
  });

  it("a ninth header overruns the walk: INVALID_PACKET_DROPPED", () => {
    const f = withExts(Array.from({ length: 9 }, () => ({ type: 60 })));
    expectContext(
      parseFrame(f),
      v6(0, 132, { flags: PKT_IPV6 | PKT_IP_OPTIONS | PKT_MALFORMED, frame_length: 146, parse_reason: 134 }),
    );
  });

  it("hop-by-hop after another header: INVALID_PACKET_DROPPED", () => {
    const f = withExts([{ type: 60 }, { type: 0 }]);
    expectContext(
      parseFrame(f),
      v6(0, 76, { flags: PKT_IPV6 | PKT_IP_OPTIONS | PKT_MALFORMED, frame_length: 90, parse_reason: 134 }),
    );
  });

  it("a header longer than the payload length: INVALID_PACKET_DROPPED, not truncated", () => {
    const dst = new Uint8Array(8);
    dst[0] = 6;
    dst[1] = 1; // 16 bytes claimed, 8 present
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 60, dst));
    expectContext(
      parseFrame(f),
      v6(0, 48, { flags: PKT_IPV6 | PKT_IP_OPTIONS | PKT_MALFORMED, frame_length: 62, parse_reason: 134 }),
    );
  });

  it("a header cut by the capture: INVALID_PACKET_DROPPED, truncated", () => {
    const f = withExts([{ type: 0 }, { type: 60, length: 16 }, { type: 43 }]);
    expectContext(
      parseFrame(f, 1, 0, 60),
      v6(0, 92, {
        flags: PKT_IPV6 | PKT_IP_OPTIONS | PKT_MALFORMED | PKT_TRUNCATED,
        frame_length: 60,
        parse_reason: 134,
      }),
    );
  });
});

describe("IPv6 fragments", () => {
  it("first fragment: ports read, 32-bit id kept", () => {
    const f = withExts([{ type: 44, fragment: { offset: 0, more: true, id: 0xdeadbeef } }]);
    expectContext(
      parseFrame(f),
      v6(6, 68, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_IP_OPTIONS | PKT_FRAGMENT,
        ...tcpWords,
        l4_offset: 62,
        payload_offset: 82,
        frame_length: 82,
        frag_id: 0xdeadbeef,
      }),
    );
  });

  it("non-first fragment: the walk stops, proto from the fragment header, no ports", () => {
    const f = withExts(
      [{ type: 0 }, { type: 44, fragment: { offset: 1448, more: false, id: 9 } }],
      17,
      new Uint8Array(30),
    );
    expectContext(
      parseFrame(f),
      v6(17, 86, {
        flags: PKT_IPV6 | PKT_IP_OPTIONS | PKT_FRAGMENT | PKT_NONFIRST_FRAGMENT,
        l4_offset: 70,
        payload_offset: 70,
        payload_length: 30,
        frame_length: 100,
        frag_offset: 1448,
        frag_id: 9,
      }),
    );
  });

  it("an atomic fragment (offset 0, M clear) is not a fragment", () => {
    const f = withExts([{ type: 44, fragment: { offset: 0, more: false, id: 3 } }]);
    expectContext(
      parseFrame(f),
      v6(6, 68, {
        flags: PKT_IPV6 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        ...tcpWords,
        l4_offset: 62,
        payload_offset: 82,
        frame_length: 82,
      }),
    );
  });
});

describe("malformed IPv6 headers: INVALID_PACKET_DROPPED", () => {
  it("version 4 under EtherType 0x86dd", () => {
    const f = ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 6, seg(), { version: 4 }));
    expectContext(parseFrame(f), {
      flags: PKT_MALFORMED,
      ethertype: 0x86dd,
      l3_offset: 14,
      frame_length: 74,
      parse_reason: 134,
      link_type: 1,
    });
  });

  it("fixed header cut by the capture", () => {
    const f = tcpPkt("[fd00::1]:1", "[fd00::2]:2");
    expectContext(parseFrame(f, 1, 0, 53), {
      flags: PKT_MALFORMED | PKT_TRUNCATED,
      ethertype: 0x86dd,
      l3_offset: 14,
      frame_length: 53,
      parse_reason: 134,
      link_type: 1,
    });
  });
});
