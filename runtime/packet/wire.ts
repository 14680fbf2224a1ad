/**
 * @fileoverview Wire constants and the small helpers every packet layer shares: big-endian reads from a
 * `Uint8Array`, the bounds check that turns "the header does not fit" into a drop reason, and the
 * number tables (link types, EtherTypes, IP protocols, tunnel ports, limits) the parser dispatches on.
 *
 * Reads are assembled from bytes rather than through a `DataView`: a `DataView` per call would be an
 * allocation per packet, and a `DataView` cached per underlying `ArrayBuffer` measured slower (the fast
 * path ran at 0.10–0.12 of bench/parse.ts's reference kernel through it, 0.19–0.26 with byte reads,
 * Node 20).
 * Callers check bounds before reading; the helpers do not.
 *
 * The parser modules import constants as a namespace and copy them into module-local `const`s
 * (`const { F_FLAGS } = context;`). V8 in Node 20 does not constant-fold imported bindings: each use is a
 * load through the module cell plus a hole check, and a store-heavy kernel written with imported field ids
 * measured 3–4× slower than the same kernel with local constants, which it folds to immediates.
 */

import * as context from "../context.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see above).
const { F_FLAGS, F_PARSE_REASON, PKT_MALFORMED, PKT_TRUNCATED, PKT_UNSUPPORTED } = context;

// ## Link types (pcap LINKTYPE_* numbers, tcpdump.org/linktypes.html)

/** LINKTYPE_ETHERNET: Ethernet II, 14-byte header. */
export const LINKTYPE_ETHERNET = 1;
/** LINKTYPE_RAW: raw IP, the version nibble says IPv4 or IPv6. */
export const LINKTYPE_RAW = 101;
/** LINKTYPE_LINUX_SLL: Linux cooked capture v1, 16-byte header, protocol at bytes 14–15. */
export const LINKTYPE_LINUX_SLL = 113;
/** LINKTYPE_LINUX_SLL2: Linux cooked capture v2, 20-byte header, protocol at bytes 0–1. */
export const LINKTYPE_LINUX_SLL2 = 276;

/** Ethernet II header length (two MACs and the EtherType). */
export const ETH_HLEN = 14;
/** Linux cooked capture v1 header length. */
export const SLL_HLEN = 16;
/** Linux cooked capture v2 header length. */
export const SLL2_HLEN = 20;

// ## EtherTypes (IEEE 802 numbers)

/** IPv4. */
export const ETH_P_IP = 0x0800;
/** ARP. */
export const ETH_P_ARP = 0x0806;
/** IPv6. */
export const ETH_P_IPV6 = 0x86dd;
/** 802.1Q VLAN tag (C-tag). */
export const ETH_P_8021Q = 0x8100;
/** 802.1ad service tag (S-tag, QinQ outer). */
export const ETH_P_8021AD = 0x88a8;
/** Pre-standard QinQ S-tag some switches still emit. */
export const ETH_P_QINQ1 = 0x9100;
/** Transparent Ethernet bridging: Geneve's protocol type for an inner Ethernet frame. */
export const ETH_P_TEB = 0x6558;
/** 802.1Q tag length: TCI (2 bytes) and the encapsulated EtherType (2 bytes). */
export const VLAN_HLEN = 4;
/** Tags read per Ethernet header: outer and inner (QinQ), the two the context has words for. */
export const MAX_VLAN_TAGS = 2;

// ## IP protocol numbers (IANA "Assigned Internet Protocol Numbers")

/** IPv6 hop-by-hop options (must come first, RFC 8200 §4.1). */
export const IPPROTO_HOPOPTS = 0;
/** ICMP for IPv4. */
export const IPPROTO_ICMP = 1;
/** IPv4 encapsulated in IP (RFC 2003). */
export const IPPROTO_IPIP = 4;
/** TCP. */
export const IPPROTO_TCP = 6;
/** UDP. */
export const IPPROTO_UDP = 17;
/** IPv6 encapsulated in IP (RFC 4213 for IPv4 outer, RFC 2473 for IPv6 outer). */
export const IPPROTO_IPV6 = 41;
/** IPv6 routing header. */
export const IPPROTO_ROUTING = 43;
/** IPv6 fragment header. */
export const IPPROTO_FRAGMENT = 44;
/** Authentication header (RFC 4302). */
export const IPPROTO_AH = 51;
/** ICMPv6. */
export const IPPROTO_ICMPV6 = 58;
/** IPv6 "no next header". */
export const IPPROTO_NONE = 59;
/** IPv6 destination options. */
export const IPPROTO_DSTOPTS = 60;
/** SCTP. */
export const IPPROTO_SCTP = 132;

// ## Header sizes and limits

/** Minimum IPv4 header (IHL 5). */
export const IPV4_MIN_HLEN = 20;
/** Fixed IPv6 header. */
export const IPV6_HLEN = 40;
/** Smallest IPv6 extension header (every kind is a multiple of 8 bytes, RFC 8200 §4). */
export const IPV6_EXT_MIN_LEN = 8;
/**
 * Extension headers walked before giving up. RFC 8200 §4.1 recommends each header at most once (destination
 * options twice), so a legitimate chain has at most 7; the bound keeps a crafted chain from looping.
 */
export const MAX_IPV6_EXT_HEADERS = 8;
/** TCP header without options (data offset 5). */
export const TCP_MIN_HLEN = 20;
/** UDP header. */
export const UDP_HLEN = 8;
/** SCTP common header: ports, verification tag, checksum (RFC 9260 §3.1). */
export const SCTP_HLEN = 12;
/** ICMP and ICMPv6 header: type, code, checksum and the 4-byte rest-of-header (RFC 792, RFC 4443). */
export const ICMP_HLEN = 8;

/** ICMP echo reply. */
export const ICMP_ECHO_REPLY = 0;
/** ICMP echo request. */
export const ICMP_ECHO_REQUEST = 8;
/** ICMPv6 echo request. */
export const ICMPV6_ECHO_REQUEST = 128;
/** ICMPv6 echo reply. */
export const ICMPV6_ECHO_REPLY = 129;

// ## Tunnels

/** IANA VXLAN port (RFC 7348). */
export const VXLAN_PORT = 4789;
/** VXLAN port of the Linux kernel default and Flannel / Cilium. */
export const VXLAN_PORT_LINUX = 8472;
/** IANA Geneve port (RFC 8926). */
export const GENEVE_PORT = 6081;
/** VXLAN header length. */
export const VXLAN_HLEN = 8;
/** VXLAN flags byte: the I bit says the VNI is valid (RFC 7348 §5). */
export const VXLAN_FLAG_I = 0x08;
/** Geneve fixed header length; options follow (RFC 8926 §3.4). */
export const GENEVE_HLEN = 8;
/**
 * Decapsulations per packet. Two covers an overlay inside an underlay tunnel (VXLAN in IPIP); a third level
 * is refused (ENCAPSULATION_TRAFFIC_IS_PROHIBITED) rather than policed as its outer UDP header, so nesting
 * cannot hide a packet from policy.
 */
export const MAX_TUNNEL_DEPTH = 2;

/**
 * Slack added to the capture end to stand for "no length field bounds this header": an Ethernet or cooked
 * frame has no length of its own, so only the capture limits it. Larger than any IP length (65535 + 40).
 */
export const UNBOUNDED = 0x20000;

// ## Reads (callers have checked `i + width <= end`)

/** Big-endian 16-bit value at `b[i]`. */
export function be16(b: Uint8Array, i: number): number {
  return (b[i]! << 8) | b[i + 1]!;
}

/** Big-endian 24-bit value at `b[i]` (VXLAN and Geneve VNI). */
export function be24(b: Uint8Array, i: number): number {
  return (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
}

/**
 * Big-endian 32-bit value at `b[i]` as an int32: stores into a `Uint32Array` wrap it to the unsigned value,
 * and staying int32 keeps V8 from boxing addresses above 2^31 as doubles.
 */
export function be32(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

// ## Verdicts of the parser

/** Records a malformed header: sets the reason, PKT_MALFORMED, and PKT_TRUNCATED when the capture ended. */
export function malformed(ctx: Uint32Array, reason: number, truncated: boolean): void {
  ctx[F_PARSE_REASON] = reason;
  ctx[F_FLAGS] = ctx[F_FLAGS]! | (truncated ? PKT_MALFORMED | PKT_TRUNCATED : PKT_MALFORMED);
}

/** Records a well-formed header the parser does not model: sets the reason and PKT_UNSUPPORTED. */
export function unsupported(ctx: Uint32Array, reason: number): void {
  ctx[F_PARSE_REASON] = reason;
  ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_UNSUPPORTED;
}

/**
 * Whether `n` header bytes at `p` fit both the enclosing length (`end`, from a length field) and the capture
 * (`cap`). When not, records `reason`: past `end` the header contradicts its container (malformed); inside
 * `end` but past `cap` the capture stopped early (malformed and truncated).
 */
export function fits(
  ctx: Uint32Array,
  p: number,
  n: number,
  end: number,
  cap: number,
  reason: number,
): boolean {
  const need = p + n;
  if (need <= end && need <= cap) {
    return true;
  }
  malformed(ctx, reason, need <= end);
  return false;
}
