/**
 * @fileoverview The fast path: the one packet shape that dominates traffic, parsed in straight-line code.
 * Untagged Ethernet II, then IPv4 without options and not a fragment or IPv6 whose next header is the L4
 * header, then TCP or UDP to a port that is not a tunnel port, all headers captured, all lengths sane.
 *
 * It writes each word the parser owns exactly once, instead of zeroing them all and filling some: stores
 * dominate the parse cost (bench/parse.ts), and the layered path does each twice. Any packet that is not
 * exactly this shape returns false before a word is written, and parse.ts runs the general path, so the
 * fast path needs no error handling: it only has to agree with the general path on the packets it accepts,
 * which test/packet/fast.test.ts checks over the fuzz corpus.
 */

import * as context from "../context.js";
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
  F_FRAME_LENGTH,
  F_ICMP_CODE,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_IP_LENGTH,
  F_IP_VERSION,
  F_L3_OFFSET,
  F_L4_OFFSET,
  F_LINK_TYPE,
  F_OUTER_DST_IP6,
  F_OUTER_SRC_IP6,
  F_PARSE_REASON,
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
  F_VLAN_INNER,
  F_VLAN_OUTER,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_TRUNCATED,
} = context;
const {
  ETH_HLEN,
  ETH_P_IP,
  ETH_P_IPV6,
  GENEVE_PORT,
  IPPROTO_TCP,
  IPPROTO_UDP,
  IPV4_MIN_HLEN,
  IPV6_HLEN,
  LINKTYPE_ETHERNET,
  TCP_MIN_HLEN,
  UDP_HLEN,
  VXLAN_PORT,
  VXLAN_PORT_LINUX,
  be16,
  be32,
} = wire;

/** The smallest frame the fast path takes: Ethernet, IPv4, UDP. */
const MIN_FAST_FRAME = ETH_HLEN + IPV4_MIN_HLEN + UDP_HLEN;

/**
 * Parses an Ethernet frame `b[base, cap)` of the fast-path shape into `ctx`, writing every parser-owned
 * word (the same set parse.ts resets); returns false, having written nothing, for any other packet.
 * `base` and `cap` must be integral with `0 <= base <= cap <= b.length`.
 */
export function parseFastPath(b: Uint8Array, base: number, cap: number, ctx: Uint32Array): boolean {
  if (cap - base < MIN_FAST_FRAME) {
    return false;
  }
  const p = base + ETH_HLEN;
  const etype = be16(b, base + 12);
  let q: number;
  let ipEnd: number;
  let proto: number;
  if (etype === ETH_P_IP) {
    // Version 4 with IHL 5 (no options); MF clear and offset 0 (not a fragment); DF may be set.
    if (b[p] !== 0x45 || (be16(b, p + 6) & 0x3fff) !== 0) {
      return false;
    }
    const total = be16(b, p + 2);
    if (total < IPV4_MIN_HLEN) {
      return false;
    }
    q = p + IPV4_MIN_HLEN;
    ipEnd = p + total;
    proto = b[p + 9]!;
  } else if (etype === ETH_P_IPV6) {
    if (cap - p < IPV6_HLEN + UDP_HLEN || b[p]! >> 4 !== 6) {
      return false;
    }
    const plen = be16(b, p + 4);
    // Payload length 0 is a jumbogram or malformed: the general path decides.
    if (plen === 0) {
      return false;
    }
    q = p + IPV6_HLEN;
    ipEnd = q + plen;
    proto = b[p + 6]!;
  } else {
    return false;
  }

  const avail = ipEnd < cap ? ipEnd : cap;
  let payload: number;
  let dataEnd: number;
  let tcpFlags = 0;
  if (proto === IPPROTO_TCP) {
    if (q + TCP_MIN_HLEN > avail) {
      return false;
    }
    const hlen = (b[q + 12]! >> 4) << 2;
    if (hlen < TCP_MIN_HLEN || q + hlen > avail) {
      return false;
    }
    payload = q + hlen;
    dataEnd = avail;
    tcpFlags = b[q + 13]!;
  } else if (proto === IPPROTO_UDP) {
    if (q + UDP_HLEN > avail) {
      return false;
    }
    const ulen = be16(b, q + 4);
    const dport = be16(b, q + 2);
    if (
      ulen < UDP_HLEN ||
      q + ulen > ipEnd ||
      dport === VXLAN_PORT ||
      dport === VXLAN_PORT_LINUX ||
      dport === GENEVE_PORT
    ) {
      return false;
    }
    payload = q + UDP_HLEN;
    dataEnd = q + ulen < cap ? q + ulen : cap;
  } else {
    return false;
  }

  // Accepted: write every parser-owned word once, in id order.
  const truncated = ipEnd > cap ? PKT_TRUNCATED : 0;
  if (etype === ETH_P_IP) {
    const src = be32(b, p + 12);
    const dst = be32(b, p + 16);
    ctx[F_FLAGS] = PKT_IPV4 | PKT_HAS_L4 | truncated;
    ctx[F_ETHERTYPE] = ETH_P_IP;
    ctx[F_IP_VERSION] = 4;
    ctx[F_PROTO] = proto;
    ctx[F_SRC_IP4] = src;
    ctx[F_DST_IP4] = dst;
    ctx[F_SRC_IP6] = 0;
    ctx[F_SRC_IP6 + 1] = 0;
    ctx[F_SRC_IP6 + 2] = 0xffff;
    ctx[F_SRC_IP6 + 3] = src;
    ctx[F_DST_IP6] = 0;
    ctx[F_DST_IP6 + 1] = 0;
    ctx[F_DST_IP6 + 2] = 0xffff;
    ctx[F_DST_IP6 + 3] = dst;
  } else {
    ctx[F_FLAGS] = PKT_IPV6 | PKT_HAS_L4 | truncated;
    ctx[F_ETHERTYPE] = ETH_P_IPV6;
    ctx[F_IP_VERSION] = 6;
    ctx[F_PROTO] = proto;
    ctx[F_SRC_IP4] = 0;
    ctx[F_DST_IP4] = 0;
    ctx[F_SRC_IP6] = be32(b, p + 8);
    ctx[F_SRC_IP6 + 1] = be32(b, p + 12);
    ctx[F_SRC_IP6 + 2] = be32(b, p + 16);
    ctx[F_SRC_IP6 + 3] = be32(b, p + 20);
    ctx[F_DST_IP6] = be32(b, p + 24);
    ctx[F_DST_IP6 + 1] = be32(b, p + 28);
    ctx[F_DST_IP6 + 2] = be32(b, p + 32);
    ctx[F_DST_IP6 + 3] = be32(b, p + 36);
  }
  ctx[F_SRC_PORT] = be16(b, q);
  ctx[F_DST_PORT] = be16(b, q + 2);
  ctx[F_TCP_FLAGS] = tcpFlags;
  ctx[F_ICMP_TYPE] = 0;
  ctx[F_ICMP_CODE] = 0;
  ctx[F_ICMP_ID] = 0;
  ctx[F_L3_OFFSET] = ETH_HLEN;
  ctx[F_L4_OFFSET] = q - base;
  ctx[F_PAYLOAD_OFFSET] = payload - base;
  ctx[F_PAYLOAD_LENGTH] = dataEnd > payload ? dataEnd - payload : 0;
  ctx[F_FRAME_LENGTH] = cap - base;
  ctx[F_VLAN_OUTER] = 0;
  ctx[F_VLAN_INNER] = 0;
  ctx[F_FRAG_OFFSET] = 0;
  ctx[F_FRAG_ID] = 0;
  // IPv4 TTL is byte 8, IPv6 hop limit byte 7.
  ctx[F_TTL] = b[etype === ETH_P_IP ? p + 8 : p + 7]!;
  ctx[F_TUNNEL_TYPE] = 0;
  ctx[F_TUNNEL_VNI] = 0;
  ctx[F_OUTER_SRC_IP6] = 0;
  ctx[F_OUTER_SRC_IP6 + 1] = 0;
  ctx[F_OUTER_SRC_IP6 + 2] = 0;
  ctx[F_OUTER_SRC_IP6 + 3] = 0;
  ctx[F_OUTER_DST_IP6] = 0;
  ctx[F_OUTER_DST_IP6 + 1] = 0;
  ctx[F_OUTER_DST_IP6 + 2] = 0;
  ctx[F_OUTER_DST_IP6 + 3] = 0;
  ctx[F_PARSE_REASON] = 0;
  ctx[F_LINK_TYPE] = LINKTYPE_ETHERNET;
  ctx[F_IP_LENGTH] = ipEnd - p;
  return true;
}
