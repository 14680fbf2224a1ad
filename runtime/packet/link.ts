/**
 * @fileoverview Link layer: Ethernet II, raw IP, Linux cooked captures (SLL, SLL2) and 802.1Q / 802.1ad
 * VLAN tags. Each function reads the link header, writes F_ETHERTYPE (and the VLAN words for the outermost
 * frame), and returns the absolute index of the L3 header, or -1 after recording a drop reason.
 *
 * Not modelled: 802.3 length frames with LLC/SNAP (their "EtherType" is below 0x0600 and gets
 * UNSUPPORTED_L3_PROTOCOL like any unknown type), more than two VLAN tags, MPLS, PPPoE.
 */

import * as context from "../context.js";
import * as verdict from "../verdict.js";
import * as wire from "./wire.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see wire.ts).
const { F_ETHERTYPE, F_FLAGS, F_VLAN_INNER, F_VLAN_OUTER, PKT_VLAN } = context;
const { REASON_INVALID_PACKET_DROPPED, REASON_UNSUPPORTED_L3_PROTOCOL } = verdict;
const {
  ETH_HLEN,
  ETH_P_8021AD,
  ETH_P_8021Q,
  ETH_P_IP,
  ETH_P_IPV6,
  ETH_P_QINQ1,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  MAX_VLAN_TAGS,
  SLL2_HLEN,
  SLL_HLEN,
  UNBOUNDED,
  VLAN_HLEN,
  be16,
  fits,
  malformed,
  unsupported,
} = wire;

/**
 * Reads the link header of a captured frame `b[base, cap)` of link type `linkType`; returns the L3 index or
 * -1. A header cut by the capture is INVALID_PACKET_DROPPED; an unknown link type is UNSUPPORTED_L3_PROTOCOL.
 */
export function parseLinkHeader(
  b: Uint8Array,
  base: number,
  cap: number,
  linkType: number,
  ctx: Uint32Array,
): number {
  const end = cap + UNBOUNDED;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return parseEthernet(b, base, end, cap, ctx, true);
    case LINKTYPE_RAW:
      return parseRawIp(b, base, cap, ctx);
    case LINKTYPE_LINUX_SLL:
      if (!fits(ctx, base, SLL_HLEN, end, cap, REASON_INVALID_PACKET_DROPPED)) {
        return -1;
      }
      return parseTags(b, base + SLL_HLEN, be16(b, base + 14), end, cap, ctx, true);
    case LINKTYPE_LINUX_SLL2:
      if (!fits(ctx, base, SLL2_HLEN, end, cap, REASON_INVALID_PACKET_DROPPED)) {
        return -1;
      }
      return parseTags(b, base + SLL2_HLEN, be16(b, base), end, cap, ctx, true);
    default:
      unsupported(ctx, REASON_UNSUPPORTED_L3_PROTOCOL);
      return -1;
  }
}

/**
 * Reads an Ethernet II header at `p` (with up to two VLAN tags); returns the L3 index or -1. `outer` says
 * whether this is the wire's frame (VLAN ids recorded) or one inside a tunnel (tags skipped, not recorded).
 */
export function parseEthernet(
  b: Uint8Array,
  p: number,
  end: number,
  cap: number,
  ctx: Uint32Array,
  outer: boolean,
): number {
  if (!fits(ctx, p, ETH_HLEN, end, cap, REASON_INVALID_PACKET_DROPPED)) {
    return -1;
  }
  return parseTags(b, p + ETH_HLEN, be16(b, p + 12), end, cap, ctx, outer);
}

/**
 * Follows VLAN tags from EtherType `etype` whose header ends at `p`; writes F_ETHERTYPE (the type after the
 * tags) and, for the outer frame, F_VLAN_OUTER / F_VLAN_INNER and PKT_VLAN. Returns the L3 index or -1.
 * A third tag is left as the EtherType 0x8100 and so reaches the caller's unsupported-type path.
 */
function parseTags(
  b: Uint8Array,
  p: number,
  etype: number,
  end: number,
  cap: number,
  ctx: Uint32Array,
  outer: boolean,
): number {
  let tags = 0;
  while ((etype === ETH_P_8021Q || etype === ETH_P_8021AD || etype === ETH_P_QINQ1) && tags < MAX_VLAN_TAGS) {
    if (!fits(ctx, p, VLAN_HLEN, end, cap, REASON_INVALID_PACKET_DROPPED)) {
      return -1;
    }
    if (outer) {
      // The VLAN id is the low 12 bits of the TCI; priority and DEI are not kept.
      ctx[tags === 0 ? F_VLAN_OUTER : F_VLAN_INNER] = be16(b, p) & 0x0fff;
      ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_VLAN;
    }
    etype = be16(b, p + 2);
    p += VLAN_HLEN;
    tags++;
  }
  ctx[F_ETHERTYPE] = etype;
  return p;
}

/** Raw IP (link type 101): the version nibble picks the EtherType. Returns `base` or -1. */
function parseRawIp(b: Uint8Array, base: number, cap: number, ctx: Uint32Array): number {
  if (base >= cap) {
    malformed(ctx, REASON_INVALID_PACKET_DROPPED, true);
    return -1;
  }
  const version = b[base]! >> 4;
  if (version === 4) {
    ctx[F_ETHERTYPE] = ETH_P_IP;
  } else if (version === 6) {
    ctx[F_ETHERTYPE] = ETH_P_IPV6;
  } else {
    unsupported(ctx, REASON_UNSUPPORTED_L3_PROTOCOL);
    return -1;
  }
  return base;
}
