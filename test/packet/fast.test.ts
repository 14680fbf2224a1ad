/**
 * @fileoverview The fast path (runtime/packet/fast.ts): which frames it takes, that it writes nothing when
 * it declines, and that on the frames it takes it produces exactly the general path's words. The fuzz test
 * repeats the comparison over a million mutated frames.
 */

import { describe, expect, it } from "vitest";
import { CTX_WORDS } from "../../runtime/context.js";
import { parseFastPath } from "../../runtime/packet/fast.js";
import { parseGeneral } from "../../runtime/packet/parse.js";
import {
  ethernet,
  geneve,
  icmpPkt,
  ipv4,
  ipv4Fragment,
  ipv6,
  ipv6WithExtHeaders,
  sctpPkt,
  tcpPkt,
  tcpSegment,
  udpPkt,
  vxlan,
} from "../helpers/packets.js";
import { SENTINEL } from "./expect.js";

const TAKEN: [string, Uint8Array][] = [
  ["IPv4/TCP", tcpPkt("10.0.0.1:1", "10.0.0.2:2", { flags: "S" })],
  [
    "IPv4/TCP with options and payload",
    tcpPkt("10.0.0.1:1", "10.0.0.2:2", { tcpOptions: new Uint8Array(8), payload: new Uint8Array(9) }),
  ],
  ["IPv4/UDP", udpPkt("10.0.0.1:1", "10.0.0.2:2", { payload: new Uint8Array(3) })],
  [
    "IPv4/UDP, DF set",
    ethernet(0x0800, ipv4("10.0.0.1", "10.0.0.2", 17, Uint8Array.of(0, 1, 0, 2, 0, 8, 0, 0), { df: true })),
  ],
  ["IPv6/TCP", tcpPkt("[fd00::1]:1", "[fd00::2]:2", { flags: "SA", payload: new Uint8Array(4) })],
  ["IPv6/UDP", udpPkt("[fd00::1]:1", "[fd00::2]:2")],
  [
    "IPv4/TCP with Ethernet padding",
    new Uint8Array([...tcpPkt("10.0.0.1:1", "10.0.0.2:2"), 0, 0, 0, 0, 0, 0]),
  ],
];

const DECLINED: [string, Uint8Array][] = [
  ["VLAN tag", tcpPkt("10.0.0.1:1", "10.0.0.2:2", { vlan: 3 })],
  [
    "IPv4 options",
    ethernet(
      0x0800,
      ipv4("10.0.0.1", "10.0.0.2", 6, tcpSegment("10.0.0.1:1", "10.0.0.2:2"), { options: new Uint8Array(4) }),
    ),
  ],
  [
    "IPv4 first fragment",
    ipv4Fragment("10.0.0.1", "10.0.0.2", 6, tcpSegment("10.0.0.1:1", "10.0.0.2:2"), {
      offset: 0,
      more: true,
      id: 1,
    }),
  ],
  [
    "IPv4 non-first fragment",
    ipv4Fragment("10.0.0.1", "10.0.0.2", 6, new Uint8Array(24), { offset: 8, more: false, id: 1 }),
  ],
  [
    "IPv6 extension header",
    ipv6WithExtHeaders("fd00::1", "fd00::2", [{ type: 60 }], 6, tcpSegment("[fd00::1]:1", "[fd00::2]:2")),
  ],
  [
    "IPv6 payload length 0",
    ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 17, new Uint8Array(8), { payloadLength: 0 })),
  ],
  ["VXLAN port", vxlan("10.0.0.1", "10.0.0.2", 1, tcpPkt("10.1.0.1:1", "10.1.0.2:2"))],
  [
    "VXLAN Linux port",
    vxlan("10.0.0.1", "10.0.0.2", 1, tcpPkt("10.1.0.1:1", "10.1.0.2:2"), { dstPort: 8472 }),
  ],
  ["Geneve port", geneve("10.0.0.1", "10.0.0.2", 1, tcpPkt("10.1.0.1:1", "10.1.0.2:2"))],
  ["SCTP", sctpPkt("10.0.0.1:1", "10.0.0.2:2")],
  ["ICMP", icmpPkt("10.0.0.1", "10.0.0.2")],
  ["ARP", ethernet(0x0806, new Uint8Array(28))],
  ["TCP data offset 4", tcpPkt("10.0.0.1:1", "10.0.0.2:2", { dataOffset: 4 })],
  [
    "UDP length past the IP payload",
    (() => {
      const f = udpPkt("10.0.0.1:1", "10.0.0.2:2");
      f[39] = 9;
      return f;
    })(),
  ],
];

function fresh(): Uint32Array {
  return new Uint32Array(CTX_WORDS).fill(SENTINEL);
}

describe("fast path", () => {
  for (const [name, f] of TAKEN) {
    it(`takes ${name} and matches the general path`, () => {
      const fast = fresh();
      const general = fresh();
      expect(parseFastPath(f, 0, f.length, fast)).toBe(true);
      parseGeneral(f, 0, f.length, 1, general);
      expect(Array.from(fast)).toEqual(Array.from(general));
    });
  }

  for (const [name, f] of DECLINED) {
    it(`declines ${name} without writing`, () => {
      const ctx = fresh();
      expect(parseFastPath(f, 0, f.length, ctx)).toBe(false);
      expect(Array.from(ctx)).toEqual(Array.from(fresh()));
    });
  }

  it("declines a frame whose L4 header is cut, and takes one cut in the payload", () => {
    const f = tcpPkt("10.0.0.1:1", "10.0.0.2:2", { payload: new Uint8Array(10) });
    expect(parseFastPath(f, 0, 53, fresh())).toBe(false);
    const fast = fresh();
    const general = fresh();
    expect(parseFastPath(f, 0, 58, fast)).toBe(true);
    parseGeneral(f, 0, 58, 1, general);
    expect(Array.from(fast)).toEqual(Array.from(general));
  });
});
