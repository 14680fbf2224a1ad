/**
 * @fileoverview Every capture length of a few frames: a frame cut inside a link, VLAN, IP, extension or
 * tunnel header is INVALID_PACKET_DROPPED (134), cut inside an L4 header CT_TRUNCATED_OR_INVALID_HEADER
 * (135), both with PKT_MALFORMED | PKT_TRUNCATED; cut inside the payload it is only PKT_TRUNCATED, reason 0.
 * The header boundaries are listed by hand from each frame's construction.
 */

import { describe, expect, it } from "vitest";
import {
  F_FLAGS,
  F_FRAME_LENGTH,
  F_PARSE_REASON,
  PKT_MALFORMED,
  PKT_TRUNCATED,
} from "../../runtime/context.js";
import {
  geneve,
  ipv6WithExtHeaders,
  tcpPkt,
  tcpSegment,
  toLinkType,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";
import { parseFrame } from "./expect.js";

interface Case {
  readonly name: string;
  readonly frame: Uint8Array;
  readonly linkType: number;
  /** Header regions as [end offset, reason when cut before it], in order; after the last comes payload. */
  readonly regions: readonly (readonly [number, number])[];
}

const inner = (): Uint8Array =>
  tcpPkt("10.0.0.1:1", "10.0.0.2:2", { flags: "A", payload: new Uint8Array(4) });

const CASES: readonly Case[] = [
  {
    name: "Ethernet / IPv4 / TCP + 4 payload bytes",
    frame: inner(),
    linkType: 1,
    regions: [
      [14, 134],
      [34, 134],
      [54, 135],
    ],
  },
  {
    name: "802.1Q / IPv6 / UDP + 3 bytes",
    frame: udpPkt("[fd00::1]:1", "[fd00::2]:2", { vlan: 4, payload: new Uint8Array(3) }),
    linkType: 1,
    regions: [
      [14, 134],
      [18, 134],
      [58, 134],
      [66, 135],
    ],
  },
  {
    name: "SLL2 / IPv4 / TCP",
    frame: toLinkType(inner(), 276),
    linkType: 276,
    regions: [
      [20, 134],
      [40, 134],
      [60, 135],
    ],
  },
  {
    name: "IPv6 + hop-by-hop + destination options / TCP",
    frame: ipv6WithExtHeaders(
      "fd00::1",
      "fd00::2",
      [{ type: 0 }, { type: 60, length: 16 }],
      6,
      tcpSegment("[fd00::1]:1", "[fd00::2]:2"),
    ),
    linkType: 1,
    regions: [
      [14, 134],
      [54, 134],
      [62, 134],
      [78, 134],
      [98, 135],
    ],
  },
  {
    name: "VXLAN / Ethernet / IPv4 / TCP",
    frame: vxlan("192.168.0.1", "192.168.0.2", 1, inner()),
    linkType: 1,
    regions: [
      [14, 134],
      [34, 134],
      [42, 135],
      [50, 134],
      [64, 134],
      [84, 134],
      [104, 135],
    ],
  },
  {
    name: "Geneve with 8 bytes of options / Ethernet / IPv4 / TCP",
    frame: geneve("192.168.0.1", "192.168.0.2", 1, inner(), { options: new Uint8Array(8) }),
    linkType: 1,
    regions: [
      [14, 134],
      [34, 134],
      [42, 135],
      [58, 134],
      [72, 134],
      [92, 134],
      [112, 135],
    ],
  },
];

describe("truncation at every length", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const headerEnd = c.regions[c.regions.length - 1]![0];
      const got: string[] = [];
      const want: string[] = [];
      for (let n = 0; n <= c.frame.length; n++) {
        const ctx = parseFrame(c.frame, c.linkType, 0, n);
        const flags = ctx[F_FLAGS]!;
        const reason = ctx[F_PARSE_REASON]!;
        got.push(`${n}: ${reason} ${flags & (PKT_MALFORMED | PKT_TRUNCATED)} ${ctx[F_FRAME_LENGTH]}`);
        let expReason = 0;
        let expFlags = n < c.frame.length ? PKT_TRUNCATED : 0;
        if (n < headerEnd) {
          expReason = c.regions.find(([end]) => n < end)![1];
          expFlags = PKT_MALFORMED | PKT_TRUNCATED;
        }
        want.push(`${n}: ${expReason} ${expFlags} ${n}`);
      }
      expect(got).toEqual(want);
    });
  }
});
