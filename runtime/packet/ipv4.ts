/**
 * @fileoverview IPv4 header (RFC 791): version, IHL and options, total length, fragmentation, TTL,
 * protocol and addresses.
 *
 * The header is validated before any field is written: version 4, IHL ≥ 5, total length ≥ IHL × 4 and
 * within the enclosing length, and the whole header (options included) captured. Any failure is
 * INVALID_PACKET_DROPPED. A total length beyond the capture only sets PKT_TRUNCATED (a snaplen capture):
 * lengths derived from it are clipped to the captured bytes. Bytes after the total length (Ethernet
 * padding) are ignored.
 *
 * Fragments are not reassembled. A first fragment (MF set, offset 0) is parsed on into L4; a non-first
 * fragment (offset ≠ 0) carries no L4 header, so the parser stops with F_PROTO set, no ports and no reason.
 * Options are skipped, not interpreted. The header checksum is not verified: a capture taken on the sending
 * host holds checksums the NIC had yet to fill in (checksum offload), and rejecting those would drop good
 * packets.
 */

import * as context from "../context.js";
import * as verdict from "../verdict.js";
import { setOpaquePayload } from "./l4.js";
import * as wire from "./wire.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see wire.ts).
const {
  F_DST_IP4,
  F_DST_IP6,
  F_FLAGS,
  F_FRAG_ID,
  F_FRAG_OFFSET,
  F_IP_LENGTH,
  F_IP_VERSION,
  F_L4_OFFSET,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_IP6,
  F_TTL,
  PKT_FRAGMENT,
  PKT_IP_OPTIONS,
  PKT_IPV4,
  PKT_NONFIRST_FRAGMENT,
  PKT_TRUNCATED,
} = context;
const { REASON_INVALID_PACKET_DROPPED } = verdict;
const { IPV4_MIN_HLEN, be16, be32, fits, malformed } = wire;

/** Flags-and-offset word: more-fragments bit. */
const IP_MF = 0x2000;
/** Flags-and-offset word: fragment offset in 8-byte units. */
const IP_OFFSET_MASK = 0x1fff;

/**
 * Parses the IPv4 header at `p`, inside a container ending at `end`, of a capture ending at `cap`
 * (`base` is the packet start that offsets are relative to). Returns the L4 index, or -1 when there is no
 * L4 header to read (malformed, or a non-first fragment).
 */
export function parseIPv4(
  b: Uint8Array,
  base: number,
  p: number,
  end: number,
  cap: number,
  ctx: Uint32Array,
): number {
  if (!fits(ctx, p, IPV4_MIN_HLEN, end, cap, REASON_INVALID_PACKET_DROPPED)) {
    return -1;
  }
  const vihl = b[p]!;
  const hlen = (vihl & 0x0f) << 2;
  const total = be16(b, p + 2);
  if (vihl >> 4 !== 4 || hlen < IPV4_MIN_HLEN || total < hlen || p + total > end) {
    malformed(ctx, REASON_INVALID_PACKET_DROPPED, false);
    return -1;
  }
  if (p + hlen > cap) {
    malformed(ctx, REASON_INVALID_PACKET_DROPPED, true);
    return -1;
  }

  let flags = ctx[F_FLAGS]! | PKT_IPV4;
  if (hlen > IPV4_MIN_HLEN) {
    flags |= PKT_IP_OPTIONS;
  }
  if (p + total > cap) {
    flags |= PKT_TRUNCATED;
  }
  const src = be32(b, p + 12);
  const dst = be32(b, p + 16);
  const proto = b[p + 9]!;
  ctx[F_IP_VERSION] = 4;
  ctx[F_IP_LENGTH] = total;
  ctx[F_TTL] = b[p + 8]!;
  ctx[F_PROTO] = proto;
  ctx[F_SRC_IP4] = src;
  ctx[F_DST_IP4] = dst;
  // IPv4-mapped (RFC 4291 §2.5.5.2): words 0 and 1 are already zero.
  ctx[F_SRC_IP6 + 2] = 0xffff;
  ctx[F_SRC_IP6 + 3] = src;
  ctx[F_DST_IP6 + 2] = 0xffff;
  ctx[F_DST_IP6 + 3] = dst;

  const q = p + hlen;
  ctx[F_L4_OFFSET] = q - base;
  const frag = be16(b, p + 6);
  if ((frag & (IP_MF | IP_OFFSET_MASK)) !== 0) {
    const offset = (frag & IP_OFFSET_MASK) << 3;
    ctx[F_FRAG_ID] = be16(b, p + 4);
    ctx[F_FRAG_OFFSET] = offset;
    if (offset !== 0) {
      ctx[F_FLAGS] = flags | PKT_FRAGMENT | PKT_NONFIRST_FRAGMENT;
      setOpaquePayload(ctx, base, q, p + total, cap);
      return -1;
    }
    flags |= PKT_FRAGMENT;
  }
  ctx[F_FLAGS] = flags;
  return q;
}
