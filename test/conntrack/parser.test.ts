import { describe, expect, it } from "vitest";

import {
  createContext,
  CT_ESTABLISHED,
  CT_NEW,
  CT_RELATED,
  CT_REPLY,
  F_FLAGS,
  PKT_REPLY,
} from "../../runtime/context.js";
import { Conntrack } from "../../runtime/conntrack/index.js";
import { parsePacket } from "../../runtime/packet/parse.js";
import { icmp6Pkt, icmpPkt, stripEthernet, tcpPkt, udpPkt } from "../helpers/packets.js";

// The same contract end to end: frames from the shared packet builder, contexts from the real parser
// (Ethernet, link type 1), offsets relative to a packet placed inside a larger buffer.

const S = 1e9;
const T0 = 1000 * S;
const BASE = 37;

/** Parse `frame` placed at BASE inside a larger buffer and run conntrack on it. */
function run(
  ct: Conntrack,
  frame: Uint8Array,
  now: number,
  commit = true,
): { state: number; reply: boolean } {
  const buffer = new Uint8Array(BASE + frame.length + 16).fill(0xaa);
  buffer.set(frame, BASE);
  const ctx = createContext();
  parsePacket(buffer, BASE, frame.length, 1, ctx);
  const state = ct.lookup(ctx, buffer, now, BASE);
  if (commit && state === CT_NEW) {
    expect(ct.create(ctx, now)).toBe(0);
  }
  return { state, reply: (ctx[F_FLAGS]! & PKT_REPLY) !== 0 };
}

/** The IP packet inside an Ethernet frame, cut to its IP header + 8 bytes as routers quote it. */
function quote(frame: Uint8Array): Uint8Array {
  const ip = stripEthernet(frame);
  const ihl = ip[0]! >> 4 === 4 ? (ip[0]! & 15) * 4 : 40;
  return ip.slice(0, ihl + 8);
}

describe("conntrack on parsed frames", () => {
  it("TCP handshake and an ICMP port-unreachable, IPv4", () => {
    const ct = new Conntrack();
    expect(run(ct, tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S" }), T0).state).toBe(CT_NEW);
    expect(run(ct, tcpPkt("10.0.0.2:80", "10.0.0.1:31245", { flags: "SA" }), T0)).toEqual({
      state: CT_REPLY,
      reply: true,
    });
    expect(run(ct, tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "A" }), T0).state).toBe(CT_ESTABLISHED);
    const dns = udpPkt("10.0.0.1:40000", "10.0.0.3:53");
    run(ct, dns, T0);
    const err = icmpPkt("10.0.0.3", "10.0.0.1", { type: 3, code: 3, payload: quote(dns) });
    expect(run(ct, err, T0 + S, false)).toEqual({ state: CT_RELATED, reply: true });
  });

  it("ICMPv6 packet-too-big quoting a TCP segment, IPv6", () => {
    const ct = new Conntrack();
    const syn = tcpPkt("[fd00::1]:31245", "[fd00::2]:443", { flags: "S" });
    run(ct, syn, T0);
    const err = icmp6Pkt("2001:db8::1", "fd00::1", { type: 2, code: 0, payload: quote(syn) });
    expect(run(ct, err, T0 + S, false)).toEqual({ state: CT_RELATED, reply: true });
    const echo = icmp6Pkt("fd00::1", "fd00::2", { type: 128, id: 9 });
    expect(run(ct, echo, T0).state).toBe(CT_NEW);
    expect(run(ct, icmp6Pkt("fd00::2", "fd00::1", { type: 129, id: 9 }), T0).state).toBe(CT_REPLY);
  });
});
