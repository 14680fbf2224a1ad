/**
 * @fileoverview The wasm parser's transport and tunnel layers: one wasm function per function of
 * runtime/packet/l4.ts (TCP, UDP, SCTP, ICMP/ICMPv6) and tunnel.ts (enterTunnel, VXLAN, Geneve),
 * with the same parameters (context address first, absolute addresses after) and results. Each body
 * follows its JS original statement by statement; read those for the protocol reasons.
 */

import * as c from "../context.js";
import * as w from "../packet/wire.js";
import { REASON_CT_TRUNCATED_OR_INVALID_HEADER, REASON_INVALID_PACKET_DROPPED } from "../verdict.js";
import type { Binaryen, BinaryenModule, Expr } from "./binaryen.js";
import { requireFits } from "./codegen-parse-l3.js";
import type { ParseHelpers } from "./codegen-parse-l3.js";
import { ParseFn } from "./parse-emit.js";

/** The transport readers. */
export interface L4Parsers {
  /** parseTcp(ctx, base, q, ipEnd, cap). */
  readonly tcp: ParseFn;
  /** parseUdp(ctx, base, q, ipEnd, cap, v6) -> udpEnd or -1. */
  readonly udp: ParseFn;
  /** parseSctp(ctx, base, q, ipEnd, cap). */
  readonly sctp: ParseFn;
  /** parseIcmp(ctx, base, q, ipEnd, cap, v6). */
  readonly icmp: ParseFn;
}

const BAD_L4 = REASON_CT_TRUNCATED_OR_INVALID_HEADER;

/** Ports at `q` and PKT_HAS_L4, as every transport reader writes them. */
function portsAndL4(f: ParseFn, q: number): Expr[] {
  return [f.st(c.F_SRC_PORT, f.be16(q)), f.st(c.F_DST_PORT, f.be16(q, 2)), f.orK(c.F_FLAGS, c.PKT_HAS_L4)];
}

/** Defines the transport readers (l4.ts). Parameters: ctx=0, base=1, q=2, ipEnd=3, cap=4 (v6=5). */
export function defineL4(b: Binaryen, m: BinaryenModule, h: ParseHelpers): L4Parsers {
  const [BASE, Q, IPEND, CAP, V6] = [1, 2, 3, 4, 5];
  const opaqueFrom = (f: ParseFn, start: Expr, dataEnd: Expr): Expr =>
    f.run(h.opaque, [f.get(0), f.get(BASE), start, dataEnd, f.get(CAP)]);

  const tcp = new ParseFn(b, m, "p_tcp", 5, b.none);
  const thl = tcp.local();
  tcp.define([
    requireFits(tcp, h, Q, w.TCP_MIN_HLEN, IPEND, CAP, BAD_L4),
    tcp.set(thl, m.i32.shl(m.i32.shr_u(tcp.u8(Q, 12), tcp.i32(4)), tcp.i32(2))),
    tcp.when(tcp.lt(tcp.get(thl), tcp.i32(w.TCP_MIN_HLEN)), [
      tcp.run(h.malformed, [tcp.get(0), tcp.i32(BAD_L4), tcp.i32(0)]),
      tcp.ret(),
    ]),
    tcp.when(
      m.i32.eqz(
        tcp.call(h.fits, [
          tcp.get(0),
          tcp.add(tcp.get(Q), tcp.get(thl)),
          tcp.get(IPEND),
          tcp.get(CAP),
          tcp.i32(BAD_L4),
        ]),
      ),
      [tcp.ret()],
    ),
    ...portsAndL4(tcp, Q),
    tcp.st(c.F_TCP_FLAGS, tcp.u8(Q, 13)),
    opaqueFrom(tcp, tcp.add(tcp.get(Q), tcp.get(thl)), tcp.get(IPEND)),
  ]);

  const udp = new ParseFn(b, m, "p_udp", 6, b.i32);
  const ulen = udp.local();
  const frag = udp.local();
  const udpEnd = udp.local();
  udp.define([
    requireFits(udp, h, Q, w.UDP_HLEN, IPEND, CAP, BAD_L4),
    udp.set(ulen, udp.be16(Q, 4)),
    // A zero length under IPv6 with more than 65535 bytes of payload is a jumbogram (RFC 2675 §4).
    udp.when(
      udp.all(
        udp.eqK(udp.get(ulen), 0),
        udp.get(V6),
        udp.gt(udp.sub(udp.get(IPEND), udp.get(Q)), udp.i32(0xffff)),
      ),
      [udp.set(ulen, udp.sub(udp.get(IPEND), udp.get(Q)))],
    ),
    udp.set(frag, udp.neK(udp.andK(udp.ld(c.F_FLAGS), c.PKT_FRAGMENT), 0)),
    udp.when(
      udp.any(
        udp.lt(udp.get(ulen), udp.i32(w.UDP_HLEN)),
        udp.all(udp.gt(udp.add(udp.get(Q), udp.get(ulen)), udp.get(IPEND)), m.i32.eqz(udp.get(frag))),
      ),
      [udp.run(h.malformed, [udp.get(0), udp.i32(BAD_L4), udp.i32(0)]), udp.fail()],
    ),
    udp.set(udpEnd, m.select(udp.get(frag), udp.get(IPEND), udp.add(udp.get(Q), udp.get(ulen)))),
    ...portsAndL4(udp, Q),
    opaqueFrom(udp, udp.addK(Q, w.UDP_HLEN), udp.get(udpEnd)),
    udp.ret(udp.get(udpEnd)),
  ]);

  const sctp = new ParseFn(b, m, "p_sctp", 5, b.none);
  sctp.define([
    requireFits(sctp, h, Q, w.SCTP_HLEN, IPEND, CAP, BAD_L4),
    ...portsAndL4(sctp, Q),
    opaqueFrom(sctp, sctp.addK(Q, w.SCTP_HLEN), sctp.get(IPEND)),
  ]);

  const icmp = new ParseFn(b, m, "p_icmp", 6, b.none);
  const type = icmp.local();
  const isType = (k: number): Expr => icmp.eqK(icmp.get(type), k);
  icmp.define([
    requireFits(icmp, h, Q, w.ICMP_HLEN, IPEND, CAP, BAD_L4),
    icmp.set(type, icmp.u8(Q)),
    icmp.st(c.F_ICMP_TYPE, icmp.get(type)),
    icmp.st(c.F_ICMP_CODE, icmp.u8(Q, 1)),
    icmp.when(
      m.select(
        icmp.get(V6),
        icmp.any(isType(w.ICMPV6_ECHO_REQUEST), isType(w.ICMPV6_ECHO_REPLY)),
        icmp.any(isType(w.ICMP_ECHO_REQUEST), isType(w.ICMP_ECHO_REPLY)),
      ),
      [icmp.st(c.F_ICMP_ID, icmp.be16(Q, 4))],
    ),
    icmp.orK(c.F_FLAGS, c.PKT_HAS_L4),
    opaqueFrom(icmp, icmp.addK(Q, w.ICMP_HLEN), icmp.get(IPEND)),
  ]);
  return { tcp, udp, sctp, icmp };
}

/** The tunnel readers. */
export interface TunnelParsers {
  /** enterTunnel(ctx, kind, vni). */
  readonly enter: ParseFn;
  /** parseVxlan(ctx, x, udpEnd, cap) -> inner L3 or -1. */
  readonly vxlan: ParseFn;
  /** parseGeneve(ctx, x, udpEnd, cap) -> inner L3 or -1. */
  readonly geneve: ParseFn;
}

/** Words enterTunnel zeroes (tunnel.ts). */
const TUNNEL_CLEARED = [
  c.F_ETHERTYPE,
  c.F_IP_VERSION,
  c.F_PROTO,
  c.F_SRC_IP4,
  c.F_DST_IP4,
  c.F_SRC_IP6,
  c.F_SRC_IP6 + 1,
  c.F_SRC_IP6 + 2,
  c.F_SRC_IP6 + 3,
  c.F_DST_IP6,
  c.F_DST_IP6 + 1,
  c.F_DST_IP6 + 2,
  c.F_DST_IP6 + 3,
  c.F_SRC_PORT,
  c.F_DST_PORT,
  c.F_TCP_FLAGS,
  c.F_ICMP_TYPE,
  c.F_ICMP_CODE,
  c.F_ICMP_ID,
  c.F_L3_OFFSET,
  c.F_L4_OFFSET,
  c.F_PAYLOAD_OFFSET,
  c.F_PAYLOAD_LENGTH,
  c.F_FRAG_OFFSET,
  c.F_FRAG_ID,
  c.F_TTL,
  c.F_IP_LENGTH,
];

/** Defines enterTunnel, parseVxlan and parseGeneve (tunnel.ts); `ethernet` is parseEthernet. */
export function defineTunnels(
  b: Binaryen,
  m: BinaryenModule,
  h: ParseHelpers,
  ethernet: ParseFn,
): TunnelParsers {
  const BAD = REASON_INVALID_PACKET_DROPPED;
  const enter = new ParseFn(b, m, "p_enter_tunnel", 3, b.none);
  enter.define([
    ...[0, 1, 2, 3].flatMap((k) => [
      enter.st(c.F_OUTER_SRC_IP6 + k, enter.ld(c.F_SRC_IP6 + k)),
      enter.st(c.F_OUTER_DST_IP6 + k, enter.ld(c.F_DST_IP6 + k)),
    ]),
    enter.st(c.F_FLAGS, m.i32.or(enter.andK(enter.ld(c.F_FLAGS), c.PKT_VLAN), enter.i32(c.PKT_TUNNEL))),
    ...TUNNEL_CLEARED.map((word) => enter.stK(word, 0)),
    enter.st(c.F_TUNNEL_TYPE, enter.get(1)),
    enter.st(c.F_TUNNEL_VNI, enter.get(2)),
  ]);

  // parseVxlan(ctx=0, x=1, udpEnd=2, cap=3)
  const [X, UEND, CAP] = [1, 2, 3];
  const vx = new ParseFn(b, m, "p_vxlan", 4, b.i32);
  vx.define([
    requireFits(vx, h, X, w.VXLAN_HLEN, UEND, CAP, BAD),
    vx.when(m.i32.eqz(vx.andK(vx.u8(X), w.VXLAN_FLAG_I)), [
      vx.run(h.malformed, [vx.get(0), vx.i32(BAD), vx.i32(0)]),
      vx.fail(),
    ]),
    vx.run(enter, [vx.get(0), vx.i32(c.TUN_VXLAN), vx.be24(X, 4)]),
    vx.ret(vx.call(ethernet, [vx.get(0), vx.addK(X, w.VXLAN_HLEN), vx.get(UEND), vx.get(CAP), vx.i32(0)])),
  ]);

  const gn = new ParseFn(b, m, "p_geneve", 4, b.i32);
  const first = gn.local();
  const hlen = gn.local();
  const ptype = gn.local();
  const inner = gn.local();
  gn.define([
    requireFits(gn, h, X, w.GENEVE_HLEN, UEND, CAP, BAD),
    gn.set(first, gn.u8(X)),
    gn.when(gn.neK(m.i32.shr_u(gn.get(first), gn.i32(6)), 0), [
      gn.run(h.malformed, [gn.get(0), gn.i32(BAD), gn.i32(0)]),
      gn.fail(),
    ]),
    gn.set(hlen, gn.add(gn.i32(w.GENEVE_HLEN), m.i32.shl(gn.andK(gn.get(first), 0x3f), gn.i32(2)))),
    gn.when(
      m.i32.eqz(
        gn.call(h.fits, [gn.get(0), gn.add(gn.get(X), gn.get(hlen)), gn.get(UEND), gn.get(CAP), gn.i32(BAD)]),
      ),
      [gn.fail()],
    ),
    gn.set(ptype, gn.be16(X, 2)),
    gn.run(enter, [gn.get(0), gn.i32(c.TUN_GENEVE), gn.be24(X, 4)]),
    gn.set(inner, gn.add(gn.get(X), gn.get(hlen))),
    gn.when(gn.eqK(gn.get(ptype), w.ETH_P_TEB), [
      gn.ret(gn.call(ethernet, [gn.get(0), gn.get(inner), gn.get(UEND), gn.get(CAP), gn.i32(0)])),
    ]),
    gn.st(c.F_ETHERTYPE, gn.get(ptype)),
    gn.ret(gn.get(inner)),
  ]);
  return { enter, vxlan: vx, geneve: gn };
}
