/**
 * @fileoverview IPv6 header (RFC 8200) and its extension headers: hop-by-hop options (0), routing (43),
 * fragment (44), destination options (60) and the authentication header (51, RFC 4302). The walk stops at
 * the first other next-header value, which becomes F_PROTO.
 *
 * At most MAX_IPV6_EXT_HEADERS are walked; a longer chain, a hop-by-hop header anywhere but first, an
 * extension header running past the payload length, or one cut by the capture is INVALID_PACKET_DROPPED.
 * Options inside the headers are skipped, not interpreted (a Jumbo Payload option is not read: a payload
 * length of 0 with a hop-by-hop header is taken as a jumbogram whose length is what was captured).
 *
 * A fragment header with offset ≠ 0 ends the walk: the packet is a non-first fragment, F_PROTO is the
 * fragment header's next header, and there are no ports. An atomic fragment (offset 0, M clear,
 * RFC 6946) is not a fragment. ESP (50) is opaque: its next header is encrypted.
 */

import * as context from "../context.js";
import * as verdict from "../verdict.js";
import { setOpaquePayload } from "./l4.js";
import * as wire from "./wire.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see wire.ts).
const {
  F_DST_IP6,
  F_FLAGS,
  F_FRAG_ID,
  F_FRAG_OFFSET,
  F_IP_LENGTH,
  F_IP_VERSION,
  F_L4_OFFSET,
  F_PROTO,
  F_SRC_IP6,
  F_TTL,
  PKT_FRAGMENT,
  PKT_IP_OPTIONS,
  PKT_IPV6,
  PKT_NONFIRST_FRAGMENT,
  PKT_TRUNCATED,
} = context;
const { REASON_INVALID_PACKET_DROPPED } = verdict;
const {
  IPPROTO_AH,
  IPPROTO_DSTOPTS,
  IPPROTO_FRAGMENT,
  IPPROTO_HOPOPTS,
  IPPROTO_ROUTING,
  IPV6_EXT_MIN_LEN,
  IPV6_HLEN,
  MAX_IPV6_EXT_HEADERS,
  be16,
  be32,
  fits,
  malformed,
} = wire;

/** Fragment header offset-and-flags word: offset in 8-byte units in the top 13 bits. */
const IP6_OFFSET_MASK = 0xfff8;
/** Fragment header offset-and-flags word: more-fragments bit. */
const IP6_MF = 0x0001;

/**
 * Parses the IPv6 header at `p` and its extension headers, inside a container ending at `end`, of a capture
 * ending at `cap`. Returns the L4 index, or -1 when there is no L4 header to read (malformed, or a
 * non-first fragment).
 */
export function parseIPv6(
  b: Uint8Array,
  base: number,
  p: number,
  end: number,
  cap: number,
  ctx: Uint32Array,
): number {
  if (!fits(ctx, p, IPV6_HLEN, end, cap, REASON_INVALID_PACKET_DROPPED)) {
    return -1;
  }
  const plen = be16(b, p + 4);
  let nh = b[p + 6]!;
  // Jumbogram (RFC 2675): payload length 0 and a hop-by-hop header; the enclosing data is the packet.
  const ipEnd = plen === 0 && nh === IPPROTO_HOPOPTS ? Math.min(end, cap) : p + IPV6_HLEN + plen;
  if (b[p]! >> 4 !== 6 || ipEnd > end) {
    malformed(ctx, REASON_INVALID_PACKET_DROPPED, false);
    return -1;
  }

  let flags = ctx[F_FLAGS]! | PKT_IPV6;
  if (ipEnd > cap) {
    flags |= PKT_TRUNCATED;
  }
  ctx[F_IP_VERSION] = 6;
  ctx[F_IP_LENGTH] = ipEnd - p;
  ctx[F_TTL] = b[p + 7]!;
  // Unrolled: a loop here measured slower than the eight loads.
  ctx[F_SRC_IP6] = be32(b, p + 8);
  ctx[F_SRC_IP6 + 1] = be32(b, p + 12);
  ctx[F_SRC_IP6 + 2] = be32(b, p + 16);
  ctx[F_SRC_IP6 + 3] = be32(b, p + 20);
  ctx[F_DST_IP6] = be32(b, p + 24);
  ctx[F_DST_IP6 + 1] = be32(b, p + 28);
  ctx[F_DST_IP6 + 2] = be32(b, p + 32);
  ctx[F_DST_IP6 + 3] = be32(b, p + 36);

  ctx[F_FLAGS] = flags;

  let q = p + IPV6_HLEN;
  for (let count = 0; isExtensionHeader(nh); count++) {
    if (count === MAX_IPV6_EXT_HEADERS || (nh === IPPROTO_HOPOPTS && count !== 0)) {
      malformed(ctx, REASON_INVALID_PACKET_DROPPED, false);
      return -1;
    }
    ctx[F_FLAGS] = ctx[F_FLAGS] | PKT_IP_OPTIONS;
    if (!fits(ctx, q, IPV6_EXT_MIN_LEN, ipEnd, cap, REASON_INVALID_PACKET_DROPPED)) {
      return -1;
    }
    const next = b[q]!;
    let hlen: number;
    if (nh === IPPROTO_FRAGMENT) {
      const word = be16(b, q + 2);
      const offset = word & IP6_OFFSET_MASK;
      if (offset !== 0 || (word & IP6_MF) !== 0) {
        ctx[F_FRAG_ID] = be32(b, q + 4);
        ctx[F_FRAG_OFFSET] = offset;
        ctx[F_FLAGS] = ctx[F_FLAGS] | PKT_FRAGMENT;
        if (offset !== 0) {
          ctx[F_FLAGS] = ctx[F_FLAGS] | PKT_NONFIRST_FRAGMENT;
          ctx[F_PROTO] = next;
          ctx[F_L4_OFFSET] = q + IPV6_EXT_MIN_LEN - base;
          setOpaquePayload(ctx, base, q + IPV6_EXT_MIN_LEN, ipEnd, cap);
          return -1;
        }
      }
      hlen = IPV6_EXT_MIN_LEN;
    } else if (nh === IPPROTO_AH) {
      // AH "Payload Len" counts 4-byte units minus 2 (RFC 4302 §2.2).
      hlen = (b[q + 1]! + 2) << 2;
    } else {
      // "Hdr Ext Len" counts 8-byte units not including the first 8 (RFC 8200 §4.3).
      hlen = (b[q + 1]! + 1) << 3;
    }
    if (!fits(ctx, q, hlen, ipEnd, cap, REASON_INVALID_PACKET_DROPPED)) {
      return -1;
    }
    q += hlen;
    nh = next;
  }
  ctx[F_PROTO] = nh;
  ctx[F_L4_OFFSET] = q - base;
  return q;
}

/** Whether `nh` is an extension header the walk steps over. */
function isExtensionHeader(nh: number): boolean {
  return (
    nh === IPPROTO_HOPOPTS ||
    nh === IPPROTO_ROUTING ||
    nh === IPPROTO_DSTOPTS ||
    nh === IPPROTO_FRAGMENT ||
    nh === IPPROTO_AH
  );
}
