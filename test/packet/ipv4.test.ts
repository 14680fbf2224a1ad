/**
 * @fileoverview IPv4: options, TTL, total length (padding, snaplen truncation), fragments (first,
 * middle, last), unknown protocols, and each malformed header class. Frames are Ethernet (L3 at 14).
 */

import { describe, it } from "vitest";
import {
  PKT_FRAGMENT,
  PKT_HAS_L4,
  PKT_IP_OPTIONS,
  PKT_IPV4,
  PKT_MALFORMED,
  PKT_NONFIRST_FRAGMENT,
  PKT_TRUNCATED,
  PKT_UNSUPPORTED,
} from "../../runtime/context.js";
import { ethernet, ipv4, ipv4Fragment, tcpPkt, tcpSegment, udpDatagram } from "../helpers/packets.js";
import { type Expected, expectContext, parseFrame } from "./expect.js";

const A = 0xc0a80a01; // 192.168.10.1
const B = 0xc0a80a02; // 192.168.10.2

/** IPv4 words for 192.168.10.1 > 192.168.10.2 at L3 offset 14 with the given protocol and lengths. */
function v4(proto: number, ipLength: number, extra: Expected): Expected {
  return {
    ethertype: 0x0800,
    ip_version: 4,
    proto,
    src_ip4: A,
    dst_ip4: B,
    src_ip6: [0, 0, 0xffff, A],
    dst_ip6: [0, 0, 0xffff, B],
    l3_offset: 14,
    ttl: 64,
    link_type: 1,
    ip_length: ipLength,
    ...extra,
  };
}

const seg = (opts = {}): Uint8Array =>
  tcpSegment("192.168.10.1:1000", "192.168.10.2:2000", { flags: "PA", ...opts });

describe("IPv4 header", () => {
  it("TTL and a payload", () => {
    const f = tcpPkt("192.168.10.1:1000", "192.168.10.2:2000", {
      flags: "PA",
      ttl: 3,
      payload: new Uint8Array(7),
    });
    expectContext(
      parseFrame(f),
      v4(6, 47, {
        flags: PKT_IPV4 | PKT_HAS_L4,
        ttl: 3,
        src_port: 1000,
        dst_port: 2000,
        tcp_flags: 0x18,
        l4_offset: 34,
        payload_offset: 54,
        payload_length: 7,
        frame_length: 61,
      }),
    );
  });

  it("options: IHL 6 puts L4 at 38 and sets PKT_IP_OPTIONS", () => {
    const f = ethernet(
      0x0800,
      ipv4("192.168.10.1", "192.168.10.2", 6, seg(), { options: Uint8Array.of(1, 1, 1, 0) }),
    );
    expectContext(
      parseFrame(f),
      v4(6, 44, {
        flags: PKT_IPV4 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        src_port: 1000,
        dst_port: 2000,
        tcp_flags: 0x18,
        l4_offset: 38,
        payload_offset: 58,
        frame_length: 58,
      }),
    );
  });

  it("options: the maximum IHL 15 (40 bytes of options)", () => {
    const f = ethernet(
      0x0800,
      ipv4("192.168.10.1", "192.168.10.2", 6, seg(), { options: new Uint8Array(40).fill(1) }),
    );
    expectContext(
      parseFrame(f),
      v4(6, 80, {
        flags: PKT_IPV4 | PKT_HAS_L4 | PKT_IP_OPTIONS,
        src_port: 1000,
        dst_port: 2000,
        tcp_flags: 0x18,
        l4_offset: 74,
        payload_offset: 94,
        frame_length: 94,
      }),
    );
  });

  it("DF alone is not a fragment", () => {
    const f = ethernet(0x0800, ipv4("192.168.10.1", "192.168.10.2", 6, seg(), { df: true, id: 77 }));
    expectContext(
      parseFrame(f),
      v4(6, 40, {
        flags: PKT_IPV4 | PKT_HAS_L4,
        src_port: 1000,
        dst_port: 2000,
        tcp_flags: 0x18,
        l4_offset: 34,
        payload_offset: 54,
        frame_length: 54,
      }),
    );
  });

  it("a total length beyond the capture (snaplen) sets PKT_TRUNCATED only, payload counts captured bytes", () => {
    const f = tcpPkt("192.168.10.1:1000", "192.168.10.2:2000", { flags: "PA", payload: new Uint8Array(100) });
    expectContext(
      parseFrame(f, 1, 0, 74),
      v4(6, 140, {
        flags: PKT_IPV4 | PKT_HAS_L4 | PKT_TRUNCATED,
        src_port: 1000,
        dst_port: 2000,
        tcp_flags: 0x18,
        l4_offset: 34,
        payload_offset: 54,
        payload_length: 20,
        frame_length: 74,
      }),
    );
  });

  it("an unknown protocol (GRE, 47) is UNKNOWN_L4_PROTOCOL, payload after the IP header", () => {
    const f = ethernet(0x0800, ipv4("192.168.10.1", "192.168.10.2", 47, new Uint8Array(4)));
    expectContext(
      parseFrame(f),
      v4(47, 24, {
        flags: PKT_IPV4 | PKT_UNSUPPORTED,
        l4_offset: 34,
        payload_offset: 34,
        payload_length: 4,
        frame_length: 38,
        parse_reason: 142,
      }),
    );
  });

  it("ICMPv6 (58) inside IPv4 is UNKNOWN_L4_PROTOCOL", () => {
    const f = ethernet(0x0800, ipv4("192.168.10.1", "192.168.10.2", 58, new Uint8Array(8)));
    expectContext(
      parseFrame(f),
      v4(58, 28, {
        flags: PKT_IPV4 | PKT_UNSUPPORTED,
        l4_offset: 34,
        payload_offset: 34,
        payload_length: 8,
        frame_length: 42,
        parse_reason: 142,
      }),
    );
  });
});

describe("IPv4 fragments", () => {
  const dg = udpDatagram("192.168.10.1:4000", "192.168.10.2:53", new Uint8Array(100).fill(7));

  it("first fragment (MF, offset 0): ports read, PKT_FRAGMENT, id kept", () => {
    const f = ipv4Fragment("192.168.10.1", "192.168.10.2", 17, dg.subarray(0, 24), {
      offset: 0,
      more: true,
      id: 0x1234,
    });
    expectContext(
      parseFrame(f),
      v4(17, 44, {
        flags: PKT_IPV4 | PKT_HAS_L4 | PKT_FRAGMENT,
        src_port: 4000,
        dst_port: 53,
        l4_offset: 34,
        payload_offset: 42,
        payload_length: 16,
        frame_length: 58,
        frag_id: 0x1234,
      }),
    );
  });

  it("middle fragment (MF, offset 24): no L4, ports 0, offset in bytes", () => {
    const f = ipv4Fragment("192.168.10.1", "192.168.10.2", 17, dg.subarray(24, 64), {
      offset: 24,
      more: true,
      id: 0x1234,
    });
    expectContext(
      parseFrame(f),
      v4(17, 60, {
        flags: PKT_IPV4 | PKT_FRAGMENT | PKT_NONFIRST_FRAGMENT,
        l4_offset: 34,
        payload_offset: 34,
        payload_length: 40,
        frame_length: 74,
        frag_offset: 24,
        frag_id: 0x1234,
      }),
    );
  });

  it("last fragment (MF clear, offset 64)", () => {
    const f = ipv4Fragment("192.168.10.1", "192.168.10.2", 17, dg.subarray(64), {
      offset: 64,
      more: false,
      id: 0xffff,
    });
    expectContext(
      parseFrame(f),
      v4(17, 64, {
        flags: PKT_IPV4 | PKT_FRAGMENT | PKT_NONFIRST_FRAGMENT,
        l4_offset: 34,
        payload_offset: 34,
        payload_length: 44,
        frame_length: 78,
        frag_offset: 64,
        frag_id: 0xffff,
      }),
    );
  });

  it("the largest fragment offset (8191 × 8)", () => {
    const f = ipv4Fragment("192.168.10.1", "192.168.10.2", 6, new Uint8Array(8), {
      offset: 65528,
      more: false,
      id: 1,
    });
    expectContext(
      parseFrame(f),
      v4(6, 28, {
        flags: PKT_IPV4 | PKT_FRAGMENT | PKT_NONFIRST_FRAGMENT,
        l4_offset: 34,
        payload_offset: 34,
        payload_length: 8,
        frame_length: 42,
        frag_offset: 65528,
        frag_id: 1,
      }),
    );
  });

  it("a first fragment whose TCP header is split (tiny fragment, RFC 1858) is CT_TRUNCATED_OR_INVALID_HEADER", () => {
    const f = ipv4Fragment("192.168.10.1", "192.168.10.2", 6, seg().subarray(0, 8), {
      offset: 0,
      more: true,
      id: 5,
    });
    expectContext(
      parseFrame(f),
      v4(6, 28, {
        flags: PKT_IPV4 | PKT_FRAGMENT | PKT_MALFORMED,
        l4_offset: 34,
        frame_length: 42,
        frag_id: 5,
        parse_reason: 135,
      }),
    );
  });
});

describe("malformed IPv4 headers: INVALID_PACKET_DROPPED", () => {
  const bad = (opts: Parameters<typeof ipv4>[4]): Uint8Array =>
    ethernet(0x0800, ipv4("192.168.10.1", "192.168.10.2", 6, seg(), opts));
  const malformed = (frameLength: number, truncated = false): Expected => ({
    flags: truncated ? PKT_MALFORMED | PKT_TRUNCATED : PKT_MALFORMED,
    ethertype: 0x0800,
    l3_offset: 14,
    frame_length: frameLength,
    parse_reason: 134,
    link_type: 1,
  });

  it("IHL below 5", () => {
    expectContext(parseFrame(bad({ ihl: 4 })), malformed(54));
  });

  it("version 6 under EtherType 0x0800", () => {
    expectContext(parseFrame(bad({ version: 6 })), malformed(54));
  });

  it("total length below the header length", () => {
    expectContext(parseFrame(bad({ totalLength: 19 })), malformed(54));
    expectContext(parseFrame(bad({ totalLength: 0 })), malformed(54));
  });

  it("total length below the header length with options (IHL 6, total 22)", () => {
    expectContext(parseFrame(bad({ options: Uint8Array.of(1, 1, 1, 0), totalLength: 22 })), malformed(58));
  });

  it("fixed header cut by the capture", () => {
    expectContext(parseFrame(bad({}), 1, 0, 33), malformed(33, true));
  });

  it("options cut by the capture (IHL 15, 30 bytes captured)", () => {
    expectContext(parseFrame(bad({ options: new Uint8Array(40) }), 1, 0, 44), malformed(44, true));
  });

  it("IHL larger than a short total length is the length error, not truncation", () => {
    expectContext(parseFrame(bad({ ihl: 15, totalLength: 40 })), malformed(54));
  });
});
