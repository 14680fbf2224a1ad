/**
 * @fileoverview The packet parser: reads one captured frame and fills the parser's words of a context
 * record (runtime/context.ts). `parsePacket` drives the layers (link.ts, ipv4.ts, ipv6.ts, l4.ts,
 * tunnel.ts); this file owns the order they run in, tunnel nesting, and which words are reset.
 *
 * ## Words written
 * Every call writes words 0–39 (F_FLAGS through F_OUTER_DST_IP6), F_PARSE_REASON (41), F_LINK_TYPE (43)
 * and F_IP_LENGTH (44): each is the parsed value, or 0 when the packet has no such field (the general
 * path zeroes them all first, the fast path writes each once). It never touches F_DIRECTION (40),
 * F_CT_STATE (42), the reserved words 45–47 or the META words 48–63, and never sets PKT_REPLY.
 * - Offsets (F_L3_OFFSET, F_L4_OFFSET, F_PAYLOAD_OFFSET) count from the packet start `offset`, so they
 *   index the packet the program sees, not `frame`. F_L4_OFFSET is set whenever the IP headers were read,
 *   even when no L4 header follows (unknown protocol, non-first fragment); the payload words then cover
 *   the bytes after the IP headers.
 * - L3 and L4 words describe the innermost packet; F_TUNNEL_* and F_OUTER_* the tunnel around it.
 * - F_FRAG_ID and F_FRAG_OFFSET are set only for fragments (PKT_FRAGMENT); an unfragmented IPv4 packet's
 *   identification is not kept.
 * - When a header fails, the words of the headers read before it stay filled (an IPv6 fixed header
 *   counts as read before its extension headers), and the failing header adds only its offset and the
 *   PKT_MALFORMED / PKT_TRUNCATED bits: every field comes from a header that was fully read.
 *
 * ## Drop reasons (F_PARSE_REASON; 0 when the packet parsed)
 * - 134 INVALID_PACKET_DROPPED (PKT_MALFORMED): a link, VLAN, IPv4, IPv6, extension or tunnel header that
 *   is cut by the capture (also PKT_TRUNCATED) or contradicts its container; IPv4 version ≠ 4, IHL < 5,
 *   total length < header length or beyond the enclosing length; IPv6 version ≠ 6 or payload beyond the
 *   enclosing length; more than 8 extension headers or hop-by-hop not first; VXLAN without the I flag;
 *   Geneve version ≠ 0.
 * - 135 CT_TRUNCATED_OR_INVALID_HEADER (PKT_MALFORMED): the TCP, UDP, SCTP or ICMP header is cut
 *   (also PKT_TRUNCATED) or impossible (TCP data offset < 5, UDP length < 8 or past the IP payload).
 * - 139 UNSUPPORTED_L3_PROTOCOL (PKT_UNSUPPORTED): unknown link type, EtherType, raw-IP version or Geneve
 *   protocol type; F_ETHERTYPE holds the unknown type.
 * - 142 UNKNOWN_L4_PROTOCOL (PKT_UNSUPPORTED): an IP protocol other than TCP, UDP, SCTP, ICMP (in IPv4),
 *   ICMPv6 (in IPv6), 4 and 41; includes ESP and IPv6 "no next header". Ports are 0; the payload words
 *   cover the bytes after the IP headers.
 * - 170 ENCAPSULATION_TRAFFIC_IS_PROHIBITED (PKT_UNSUPPORTED): a tunnel nested deeper than
 *   MAX_TUNNEL_DEPTH (2) decapsulations.
 * ARP is recognised (PKT_ARP, F_ETHERTYPE 0x0806, F_L3_OFFSET) with no reason and no further parsing.
 * A non-first fragment gets no reason either: whether it may pass is the policy's call (Cilium drops an
 * untracked fragment no L3-only rule allows with IP_FRAGMENTATION_NOT_SUPPORTED, 157; cilium.md §4.3).
 * PKT_TRUNCATED without a reason means only payload is missing: the IP length runs past the capture (a
 * snaplen capture), and F_PAYLOAD_LENGTH counts the captured bytes.
 *
 * ## Modelled and not
 * Modelled: link types 1, 101, 113, 276; two VLAN tags (0x8100, 0x88a8, 0x9100); ARP; IPv4 with options
 * and fragments; IPv6 with hop-by-hop, routing, fragment, destination-options and AH headers; TCP, UDP,
 * SCTP, ICMP, ICMPv6; VXLAN (UDP 4789, 8472), Geneve (UDP 6081), IPIP and IPv6-in-IP up to two levels.
 * Not modelled: fragment reassembly (a non-first fragment has F_PROTO but no ports, and later layers are
 * not read; a fragmented outer packet is not decapsulated, so a tunnel in fragments is policed as its
 * outer packet), checksums, TCP options, ICMP error payloads, GRE, MPLS, PPPoE, LLC/SNAP, more than two
 * VLAN tags. IPv4-in-IPv6 (next header 4) is reported as TUN_IPIP: the context has no separate kind.
 */

import * as context from "../context.js";
import * as verdict from "../verdict.js";
import { parseFastPath } from "./fast.js";
import { parseIPv4 } from "./ipv4.js";
import { parseIPv6 } from "./ipv6.js";
import { parseIcmp, parseSctp, parseTcp, parseUdp, setOpaquePayload } from "./l4.js";
import { parseLinkHeader } from "./link.js";
import { enterTunnel, parseGeneve, parseVxlan } from "./tunnel.js";
import * as wire from "./wire.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see wire.ts).
const {
  F_DST_PORT,
  F_ETHERTYPE,
  F_FLAGS,
  F_FRAME_LENGTH,
  F_IP_LENGTH,
  F_L3_OFFSET,
  F_LINK_TYPE,
  F_PARSE_REASON,
  F_PROTO,
  PKT_ARP,
  PKT_FRAGMENT,
  TUN_IP6IP6,
  TUN_IPIP,
} = context;
const {
  REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED,
  REASON_UNKNOWN_L4_PROTOCOL,
  REASON_UNSUPPORTED_L3_PROTOCOL,
} = verdict;
const {
  ETH_P_ARP,
  ETH_P_IP,
  ETH_P_IPV6,
  GENEVE_PORT,
  IPPROTO_ICMP,
  IPPROTO_ICMPV6,
  IPPROTO_IPIP,
  IPPROTO_IPV6,
  IPPROTO_SCTP,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINKTYPE_ETHERNET,
  MAX_TUNNEL_DEPTH,
  UDP_HLEN,
  UNBOUNDED,
  VXLAN_PORT,
  VXLAN_PORT_LINUX,
  unsupported,
} = wire;

/**
 * Parses the packet `frame[offset, offset + length)` captured with pcap link type `linkType` into `ctx`.
 * Never throws and never allocates; out-of-range `offset` / `length` are clipped to `frame`. Common
 * Ethernet/IP/TCP-or-UDP frames take the straight-line fast path (fast.ts); the rest the layered one.
 */
export function parsePacket(
  frame: Uint8Array,
  offset: number,
  length: number,
  linkType: number,
  ctx: Uint32Array,
): void {
  const flen = frame.length;
  let base = offset;
  let cap = offset + length;
  // Integral, in range: the usual case, kept free of Math calls (they showed in profiles).
  if ((offset | 0) === offset && (length | 0) === length && offset >= 0 && length >= 0 && cap <= flen) {
    if (linkType === LINKTYPE_ETHERNET && parseFastPath(frame, base, cap, ctx)) {
      return;
    }
  } else {
    base = offset > 0 ? Math.min(Math.floor(offset), flen) : 0;
    cap = length > 0 ? Math.min(flen, base + Math.floor(length)) : base;
  }
  parseGeneral(frame, base, cap, linkType, ctx);
}

/**
 * The layered parser, for every packet: zeroes the owned words, then runs link, L3, L4 and tunnel layers.
 * `base`/`cap` are already clipped to `frame`. Exported for the fast-path differential test.
 */
export function parseGeneral(
  frame: Uint8Array,
  base: number,
  cap: number,
  linkType: number,
  ctx: Uint32Array,
): void {
  resetParsedWords(ctx);
  // Dispatch on the value the context records (a Uint32Array store wraps any number to uint32).
  const lt = linkType >>> 0;
  ctx[F_FRAME_LENGTH] = cap - base;
  ctx[F_LINK_TYPE] = lt;

  let p = parseLinkHeader(frame, base, cap, lt, ctx);
  // `end` is the length-field bound of the current L3 packet: none on the wire, the tunnel's otherwise.
  let end = cap + UNBOUNDED;
  for (let depth = 0; p >= 0; depth++) {
    ctx[F_L3_OFFSET] = p - base;
    const etype = ctx[F_ETHERTYPE]!;
    let q: number;
    if (etype === ETH_P_IP) {
      q = parseIPv4(frame, base, p, end, cap, ctx);
    } else if (etype === ETH_P_IPV6) {
      q = parseIPv6(frame, base, p, end, cap, ctx);
    } else {
      if (etype === ETH_P_ARP) {
        ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_ARP;
      } else {
        unsupported(ctx, REASON_UNSUPPORTED_L3_PROTOCOL);
      }
      return;
    }
    if (q < 0) {
      return;
    }

    const ipEnd = p + ctx[F_IP_LENGTH]!;
    const v6 = etype === ETH_P_IPV6;
    const proto = ctx[F_PROTO]!;
    switch (proto) {
      case IPPROTO_TCP:
        parseTcp(frame, base, q, ipEnd, cap, ctx);
        return;
      case IPPROTO_UDP: {
        const udpEnd = parseUdp(frame, base, q, ipEnd, cap, ctx, v6);
        const port = ctx[F_DST_PORT]!;
        if (udpEnd < 0 || (ctx[F_FLAGS]! & PKT_FRAGMENT) !== 0) {
          return;
        }
        if (port !== VXLAN_PORT && port !== VXLAN_PORT_LINUX && port !== GENEVE_PORT) {
          return;
        }
        if (depth === MAX_TUNNEL_DEPTH) {
          unsupported(ctx, REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED);
          return;
        }
        const x = q + UDP_HLEN;
        p =
          port === GENEVE_PORT
            ? parseGeneve(frame, x, udpEnd, cap, ctx)
            : parseVxlan(frame, x, udpEnd, cap, ctx);
        end = udpEnd;
        continue;
      }
      case IPPROTO_SCTP:
        parseSctp(frame, base, q, ipEnd, cap, ctx);
        return;
      case IPPROTO_ICMP:
      case IPPROTO_ICMPV6:
        if (v6 === (proto === IPPROTO_ICMPV6)) {
          parseIcmp(frame, base, q, ipEnd, cap, ctx, v6);
          return;
        }
        break;
      case IPPROTO_IPIP:
      case IPPROTO_IPV6:
        // The inner header of a fragmented tunnel packet is incomplete: police the outer packet, L3 only.
        if ((ctx[F_FLAGS]! & PKT_FRAGMENT) !== 0) {
          setOpaquePayload(ctx, base, q, ipEnd, cap);
          return;
        }
        if (depth === MAX_TUNNEL_DEPTH) {
          setOpaquePayload(ctx, base, q, ipEnd, cap);
          unsupported(ctx, REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED);
          return;
        }
        enterTunnel(ctx, proto === IPPROTO_IPIP ? TUN_IPIP : TUN_IP6IP6, 0);
        ctx[F_ETHERTYPE] = proto === IPPROTO_IPIP ? ETH_P_IP : ETH_P_IPV6;
        p = q;
        end = ipEnd;
        continue;
      default:
        break;
    }
    setOpaquePayload(ctx, base, q, ipEnd, cap);
    unsupported(ctx, REASON_UNKNOWN_L4_PROTOCOL);
    return;
  }
}

/**
 * Zeroes the words the parser owns: 0 up to F_DIRECTION, F_PARSE_REASON, F_LINK_TYPE, F_IP_LENGTH.
 * Unrolled stores: `fill(0, 0, 40)` measured slower than a whole fast-path parse, and a store loop about as
 * slow (bench/parse.ts, Node 20); a cached Float64Array alias halves the stores but allocates whenever the
 * caller switches contexts, so it is not used.
 */
function resetParsedWords(ctx: Uint32Array): void {
  // Words 0..39: F_FLAGS through the last word of F_OUTER_DST_IP6 (F_DIRECTION is 40).
  ctx[0] = 0;
  ctx[1] = 0;
  ctx[2] = 0;
  ctx[3] = 0;
  ctx[4] = 0;
  ctx[5] = 0;
  ctx[6] = 0;
  ctx[7] = 0;
  ctx[8] = 0;
  ctx[9] = 0;
  ctx[10] = 0;
  ctx[11] = 0;
  ctx[12] = 0;
  ctx[13] = 0;
  ctx[14] = 0;
  ctx[15] = 0;
  ctx[16] = 0;
  ctx[17] = 0;
  ctx[18] = 0;
  ctx[19] = 0;
  ctx[20] = 0;
  ctx[21] = 0;
  ctx[22] = 0;
  ctx[23] = 0;
  ctx[24] = 0;
  ctx[25] = 0;
  ctx[26] = 0;
  ctx[27] = 0;
  ctx[28] = 0;
  ctx[29] = 0;
  ctx[30] = 0;
  ctx[31] = 0;
  ctx[32] = 0;
  ctx[33] = 0;
  ctx[34] = 0;
  ctx[35] = 0;
  ctx[36] = 0;
  ctx[37] = 0;
  ctx[38] = 0;
  ctx[39] = 0;
  ctx[F_PARSE_REASON] = 0;
  ctx[F_LINK_TYPE] = 0;
  ctx[F_IP_LENGTH] = 0;
}
