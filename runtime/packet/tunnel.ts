/**
 * @fileoverview Decapsulation: VXLAN (RFC 7348) and Geneve (RFC 8926) over UDP, and IP-in-IP (protocol 4,
 * RFC 2003) / IPv6-in-IP (protocol 41, RFC 2473 and RFC 4213). Policy sees the inner packet, so entering a
 * tunnel moves the current addresses to F_OUTER_SRC_IP6 / F_OUTER_DST_IP6, records the kind and VNI, and
 * clears every L3/L4 word for the inner headers to fill.
 *
 * With nesting, each decapsulation overwrites the tunnel words, so they describe the tunnel header that
 * immediately encloses the policed packet. The VLAN words keep the wire frame's tags: tags of an inner
 * Ethernet frame are skipped. A tunnel header that is cut, or has a bad version or flag, is
 * INVALID_PACKET_DROPPED; a Geneve protocol type other than Ethernet, IPv4 or IPv6 is
 * UNSUPPORTED_L3_PROTOCOL. Not modelled: Geneve option semantics (skipped by length), the Geneve O (control)
 * bit, VXLAN-GPE / GBP extensions, GRE, and tunnels inside fragmented outer packets (policed as the outer
 * packet, see parse.ts).
 */

import * as context from "../context.js";
import * as verdict from "../verdict.js";
import { parseEthernet } from "./link.js";
import * as wire from "./wire.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see wire.ts).
const {
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_ETHERTYPE,
  F_FLAGS,
  F_FRAG_ID,
  F_FRAG_OFFSET,
  F_ICMP_CODE,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_IP_LENGTH,
  F_IP_VERSION,
  F_L3_OFFSET,
  F_L4_OFFSET,
  F_OUTER_DST_IP6,
  F_OUTER_SRC_IP6,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  F_TTL,
  F_TUNNEL_TYPE,
  F_TUNNEL_VNI,
  PKT_TUNNEL,
  PKT_VLAN,
  TUN_GENEVE,
  TUN_VXLAN,
} = context;
const { REASON_INVALID_PACKET_DROPPED } = verdict;
const { ETH_P_TEB, GENEVE_HLEN, VXLAN_FLAG_I, VXLAN_HLEN, be16, be24, fits, malformed } = wire;

/**
 * Enters a tunnel of kind `kind` (TUN_*) with VNI `vni`: copies the current addresses to the outer words,
 * zeroes the L3/L4 words (F_ETHERTYPE..F_PAYLOAD_LENGTH, F_FRAG_OFFSET..F_TTL, F_IP_LENGTH) and keeps only
 * PKT_VLAN among the flags, adding PKT_TUNNEL. Explicit stores: `copyWithin` and `fill` calls cost more
 * than a whole fast-path parse (bench/parse.ts).
 */
export function enterTunnel(ctx: Uint32Array, kind: number, vni: number): void {
  ctx[F_OUTER_SRC_IP6] = ctx[F_SRC_IP6]!;
  ctx[F_OUTER_SRC_IP6 + 1] = ctx[F_SRC_IP6 + 1]!;
  ctx[F_OUTER_SRC_IP6 + 2] = ctx[F_SRC_IP6 + 2]!;
  ctx[F_OUTER_SRC_IP6 + 3] = ctx[F_SRC_IP6 + 3]!;
  ctx[F_OUTER_DST_IP6] = ctx[F_DST_IP6]!;
  ctx[F_OUTER_DST_IP6 + 1] = ctx[F_DST_IP6 + 1]!;
  ctx[F_OUTER_DST_IP6 + 2] = ctx[F_DST_IP6 + 2]!;
  ctx[F_OUTER_DST_IP6 + 3] = ctx[F_DST_IP6 + 3]!;
  ctx[F_FLAGS] = (ctx[F_FLAGS]! & PKT_VLAN) | PKT_TUNNEL;
  ctx[F_ETHERTYPE] = 0;
  ctx[F_IP_VERSION] = 0;
  ctx[F_PROTO] = 0;
  ctx[F_SRC_IP4] = 0;
  ctx[F_DST_IP4] = 0;
  ctx[F_SRC_IP6] = 0;
  ctx[F_SRC_IP6 + 1] = 0;
  ctx[F_SRC_IP6 + 2] = 0;
  ctx[F_SRC_IP6 + 3] = 0;
  ctx[F_DST_IP6] = 0;
  ctx[F_DST_IP6 + 1] = 0;
  ctx[F_DST_IP6 + 2] = 0;
  ctx[F_DST_IP6 + 3] = 0;
  ctx[F_SRC_PORT] = 0;
  ctx[F_DST_PORT] = 0;
  ctx[F_TCP_FLAGS] = 0;
  ctx[F_ICMP_TYPE] = 0;
  ctx[F_ICMP_CODE] = 0;
  ctx[F_ICMP_ID] = 0;
  ctx[F_L3_OFFSET] = 0;
  ctx[F_L4_OFFSET] = 0;
  ctx[F_PAYLOAD_OFFSET] = 0;
  ctx[F_PAYLOAD_LENGTH] = 0;
  ctx[F_FRAG_OFFSET] = 0;
  ctx[F_FRAG_ID] = 0;
  ctx[F_TTL] = 0;
  ctx[F_IP_LENGTH] = 0;
  ctx[F_TUNNEL_TYPE] = kind;
  ctx[F_TUNNEL_VNI] = vni;
}

/**
 * Decapsulates the VXLAN header at `x` (the UDP payload, ending at `udpEnd`); returns the inner frame's L3
 * index with F_ETHERTYPE set, or -1. The I flag must be set: without it the VNI is not valid (RFC 7348 §5)
 * and Linux drops the packet.
 */
export function parseVxlan(b: Uint8Array, x: number, udpEnd: number, cap: number, ctx: Uint32Array): number {
  if (!fits(ctx, x, VXLAN_HLEN, udpEnd, cap, REASON_INVALID_PACKET_DROPPED)) {
    return -1;
  }
  if ((b[x]! & VXLAN_FLAG_I) === 0) {
    malformed(ctx, REASON_INVALID_PACKET_DROPPED, false);
    return -1;
  }
  enterTunnel(ctx, TUN_VXLAN, be24(b, x + 4));
  return parseEthernet(b, x + VXLAN_HLEN, udpEnd, cap, ctx, false);
}

/**
 * Decapsulates the Geneve header at `x` (ending at `udpEnd`), skipping its options; returns the inner L3
 * index with F_ETHERTYPE set (the protocol type, or the inner frame's EtherType for 0x6558), or -1.
 * Version must be 0 (RFC 8926 §3.4: unknown versions are dropped).
 */
export function parseGeneve(b: Uint8Array, x: number, udpEnd: number, cap: number, ctx: Uint32Array): number {
  if (!fits(ctx, x, GENEVE_HLEN, udpEnd, cap, REASON_INVALID_PACKET_DROPPED)) {
    return -1;
  }
  const first = b[x]!;
  if (first >> 6 !== 0) {
    malformed(ctx, REASON_INVALID_PACKET_DROPPED, false);
    return -1;
  }
  // Opt Len counts 4-byte words of options after the fixed header.
  const hlen = GENEVE_HLEN + ((first & 0x3f) << 2);
  if (!fits(ctx, x, hlen, udpEnd, cap, REASON_INVALID_PACKET_DROPPED)) {
    return -1;
  }
  const ptype = be16(b, x + 2);
  enterTunnel(ctx, TUN_GENEVE, be24(b, x + 4));
  const inner = x + hlen;
  if (ptype === ETH_P_TEB) {
    return parseEthernet(b, inner, udpEnd, cap, ctx, false);
  }
  // Any other protocol type reaches the caller's unknown-EtherType path (UNSUPPORTED_L3_PROTOCOL).
  ctx[F_ETHERTYPE] = ptype;
  return inner;
}
