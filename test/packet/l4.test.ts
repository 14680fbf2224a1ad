/**
 * @fileoverview Transport headers over IPv4 and IPv6 (twins): TCP flags, data offset and payload; UDP
 * length; SCTP ports; ICMP / ICMPv6 echo and non-echo; every cut or impossible L4 header.
 */

import { describe, it } from "vitest";
import { PKT_HAS_L4, PKT_IPV4, PKT_IPV6, PKT_MALFORMED, PKT_TRUNCATED } from "../../runtime/context.js";
import {
  ethernet,
  icmp6Pkt,
  icmpPkt,
  ipPacket,
  sctpPkt,
  tcpPkt,
  tcpSegment,
  udpDatagram,
  udpPkt,
} from "../helpers/packets.js";
import { type Expected, expectContext, parseFrame } from "./expect.js";

/** The two address families with their L4 offset in an Ethernet frame and their L3 words. */
const FAMILIES = [
  {
    name: "IPv4",
    a: "10.1.1.1",
    b: "10.2.2.2",
    ep: (ip: string, port: number) => `${ip}:${port}`,
    l4: 34,
    words: {
      flags: PKT_IPV4,
      ethertype: 0x0800,
      ip_version: 4,
      src_ip4: 0x0a010101,
      dst_ip4: 0x0a020202,
      src_ip6: [0, 0, 0xffff, 0x0a010101],
      dst_ip6: [0, 0, 0xffff, 0x0a020202],
    },
  },
  {
    name: "IPv6",
    a: "2001:db8::a",
    b: "2001:db8::b",
    ep: (ip: string, port: number) => `[${ip}]:${port}`,
    l4: 54,
    words: {
      flags: PKT_IPV6,
      ethertype: 0x86dd,
      ip_version: 6,
      src_ip6: [0x20010db8, 0, 0, 0xa],
      dst_ip6: [0x20010db8, 0, 0, 0xb],
    },
  },
] as const;

for (const fam of FAMILIES) {
  const l3 = fam.l4 - 14;
  /** Words of a packet of protocol `proto` whose L4 section is `l4Len` bytes. */
  const base = (proto: number, l4Len: number, extra: Expected): Expected => ({
    ...fam.words,
    flags: fam.words.flags | PKT_HAS_L4,
    proto,
    l3_offset: 14,
    l4_offset: fam.l4,
    frame_length: fam.l4 + l4Len,
    ttl: 64,
    link_type: 1,
    ip_length: l3 + l4Len,
    ...extra,
  });
  const src = fam.ep(fam.a, 40000);
  const dst = fam.ep(fam.b, 443);

  describe(`TCP over ${fam.name}`, () => {
    const flagCases: [string, Parameters<typeof tcpPkt>[2], number][] = [
      ["SYN", { flags: "S" }, 0x02],
      ["SYN-ACK", { flags: "SA" }, 0x12],
      ["ACK", { flags: "A" }, 0x10],
      ["FIN-ACK", { flags: "FA" }, 0x11],
      ["RST", { flags: "R" }, 0x04],
      ["all eight bits", { flags: 0xff }, 0xff],
    ];
    for (const [name, opts, bits] of flagCases) {
      it(`flags ${name}`, () => {
        expectContext(
          parseFrame(tcpPkt(src, dst, opts)),
          base(6, 20, { src_port: 40000, dst_port: 443, tcp_flags: bits, payload_offset: fam.l4 + 20 }),
        );
      });
    }

    it("options (data offset 8) and a payload", () => {
      const f = tcpPkt(src, dst, {
        flags: "PA",
        tcpOptions: new Uint8Array(12).fill(1),
        payload: new Uint8Array(5),
      });
      expectContext(
        parseFrame(f),
        base(6, 37, {
          src_port: 40000,
          dst_port: 443,
          tcp_flags: 0x18,
          payload_offset: fam.l4 + 32,
          payload_length: 5,
        }),
      );
    });

    it("data offset below 5: CT_TRUNCATED_OR_INVALID_HEADER", () => {
      const f = tcpPkt(src, dst, { dataOffset: 4 });
      expectContext(
        parseFrame(f),
        base(6, 20, { flags: fam.words.flags | PKT_MALFORMED, parse_reason: 135 }),
      );
    });

    it("data offset past the IP payload: CT_TRUNCATED_OR_INVALID_HEADER, not truncated", () => {
      const f = tcpPkt(src, dst, { dataOffset: 15 });
      expectContext(
        parseFrame(f),
        base(6, 20, { flags: fam.words.flags | PKT_MALFORMED, parse_reason: 135 }),
      );
    });

    it("options cut by the capture: CT_TRUNCATED_OR_INVALID_HEADER, truncated", () => {
      const f = tcpPkt(src, dst, { tcpOptions: new Uint8Array(20) });
      expectContext(
        parseFrame(f, 1, 0, fam.l4 + 30),
        base(6, 40, {
          flags: fam.words.flags | PKT_MALFORMED | PKT_TRUNCATED,
          frame_length: fam.l4 + 30,
          parse_reason: 135,
        }),
      );
    });

    it("fixed header cut by the capture (10 of 20 bytes)", () => {
      expectContext(
        parseFrame(tcpPkt(src, dst), 1, 0, fam.l4 + 10),
        base(6, 20, {
          flags: fam.words.flags | PKT_MALFORMED | PKT_TRUNCATED,
          frame_length: fam.l4 + 10,
          parse_reason: 135,
        }),
      );
    });

    it("an IP length too short for the TCP header: CT_TRUNCATED_OR_INVALID_HEADER, not truncated", () => {
      const l4 = tcpSegment(src, dst);
      const ip = ipPacket(
        fam.a,
        fam.b,
        6,
        l4,
        fam.name === "IPv4" ? { totalLength: 30 } : { payloadLength: 10 },
      );
      expectContext(
        parseFrame(ethernet(fam.words.ethertype, ip)),
        base(6, 20, { flags: fam.words.flags | PKT_MALFORMED, ip_length: l3 + 10, parse_reason: 135 }),
      );
    });
  });

  describe(`UDP over ${fam.name}`, () => {
    it("ports and payload", () => {
      const f = udpPkt(src, dst, { payload: new Uint8Array(12) });
      expectContext(
        parseFrame(f),
        base(17, 20, { src_port: 40000, dst_port: 443, payload_offset: fam.l4 + 8, payload_length: 12 }),
      );
    });

    it("a UDP length shorter than the IP payload bounds the payload", () => {
      const dg = udpDatagram(src, dst, new Uint8Array(4));
      const ip = ipPacket(fam.a, fam.b, 17, new Uint8Array([...dg, 9, 9, 9]));
      expectContext(
        parseFrame(ethernet(fam.words.ethertype, ip)),
        base(17, 15, { src_port: 40000, dst_port: 443, payload_offset: fam.l4 + 8, payload_length: 4 }),
      );
    });

    it("UDP length below 8: CT_TRUNCATED_OR_INVALID_HEADER", () => {
      const f = udpPkt(src, dst, { payload: new Uint8Array(4) });
      f[fam.l4 + 4] = 0;
      f[fam.l4 + 5] = 7;
      expectContext(
        parseFrame(f),
        base(17, 12, { flags: fam.words.flags | PKT_MALFORMED, parse_reason: 135 }),
      );
    });

    it("UDP length past the IP payload: CT_TRUNCATED_OR_INVALID_HEADER", () => {
      const f = udpPkt(src, dst, { payload: new Uint8Array(4) });
      f[fam.l4 + 5] = 13;
      expectContext(
        parseFrame(f),
        base(17, 12, { flags: fam.words.flags | PKT_MALFORMED, parse_reason: 135 }),
      );
    });

    it("header cut by the capture (7 of 8 bytes)", () => {
      expectContext(
        parseFrame(udpPkt(src, dst), 1, 0, fam.l4 + 7),
        base(17, 8, {
          flags: fam.words.flags | PKT_MALFORMED | PKT_TRUNCATED,
          frame_length: fam.l4 + 7,
          parse_reason: 135,
        }),
      );
    });
  });

  describe(`SCTP over ${fam.name}`, () => {
    it("ports from the common header", () => {
      const f = sctpPkt(src, dst, { payload: new Uint8Array(16) });
      expectContext(
        parseFrame(f),
        base(132, 28, { src_port: 40000, dst_port: 443, payload_offset: fam.l4 + 12, payload_length: 16 }),
      );
    });

    it("common header cut by the capture (11 of 12 bytes)", () => {
      expectContext(
        parseFrame(sctpPkt(src, dst), 1, 0, fam.l4 + 11),
        base(132, 12, {
          flags: fam.words.flags | PKT_MALFORMED | PKT_TRUNCATED,
          frame_length: fam.l4 + 11,
          parse_reason: 135,
        }),
      );
    });
  });

  const v6 = fam.name === "IPv6";
  const icmp = (opts: Parameters<typeof icmpPkt>[2]): Uint8Array =>
    v6 ? icmp6Pkt(fam.a, fam.b, opts) : icmpPkt(fam.a, fam.b, opts);
  const proto = v6 ? 58 : 1;
  const echoRequest = v6 ? 128 : 8;
  const echoReply = v6 ? 129 : 0;

  describe(`${v6 ? "ICMPv6" : "ICMP"} over ${fam.name}`, () => {
    it("echo request: type, code, identifier", () => {
      const f = icmp({ type: echoRequest, id: 0x4242, seq: 7, payload: new Uint8Array(56) });
      expectContext(
        parseFrame(f),
        base(proto, 64, {
          icmp_type: echoRequest,
          icmp_id: 0x4242,
          payload_offset: fam.l4 + 8,
          payload_length: 56,
        }),
      );
    });

    it("echo reply: identifier kept", () => {
      const f = icmp({ type: echoReply, id: 1292 });
      expectContext(
        parseFrame(f),
        base(proto, 8, { icmp_type: echoReply, icmp_id: 1292, payload_offset: fam.l4 + 8 }),
      );
    });

    it("non-echo (destination unreachable): type and code, identifier bytes ignored", () => {
      const unreachable = v6 ? 1 : 3;
      const f = icmp({ type: unreachable, code: 4, id: 0x1234, payload: new Uint8Array(28) });
      expectContext(
        parseFrame(f),
        base(proto, 36, {
          icmp_type: unreachable,
          icmp_code: 4,
          payload_offset: fam.l4 + 8,
          payload_length: 28,
        }),
      );
    });

    it("header cut by the capture (7 of 8 bytes)", () => {
      expectContext(
        parseFrame(icmp({}), 1, 0, fam.l4 + 7),
        base(proto, 8, {
          flags: fam.words.flags | PKT_MALFORMED | PKT_TRUNCATED,
          frame_length: fam.l4 + 7,
          parse_reason: 135,
        }),
      );
    });
  });
}
