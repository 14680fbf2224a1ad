/**
 * @fileoverview Transport headers: TCP (ports, data offset, flags), UDP (ports, length), SCTP (ports of the
 * common header) and ICMP / ICMPv6 (type, code, echo identifier). Each reader validates the whole header
 * against the IP payload (`ipEnd`) and the capture (`cap`) before writing anything; a header that does not
 * fit, or whose length field is impossible, is CT_TRUNCATED_OR_INVALID_HEADER (Hubble 135, the reason
 * Cilium's conntrack gives when it cannot read the L4 header).
 *
 * On success each writes the ports (or ICMP fields), sets PKT_HAS_L4, and sets F_PAYLOAD_OFFSET /
 * F_PAYLOAD_LENGTH to the bytes after the header, clipped to the IP length (and the UDP length) and to the
 * capture. Not modelled: checksums, TCP options, SCTP chunks, the packet quoted inside ICMP errors.
 */

import * as context from "../context.js";
import * as verdict from "../verdict.js";
import * as wire from "./wire.js";

// Module-local copies of the constants: V8 folds these, but not imported bindings (see wire.ts).
const {
  F_DST_PORT,
  F_FLAGS,
  F_ICMP_CODE,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_SRC_PORT,
  F_TCP_FLAGS,
  PKT_FRAGMENT,
  PKT_HAS_L4,
} = context;
const { REASON_CT_TRUNCATED_OR_INVALID_HEADER } = verdict;
const {
  ICMPV6_ECHO_REPLY,
  ICMPV6_ECHO_REQUEST,
  ICMP_ECHO_REPLY,
  ICMP_ECHO_REQUEST,
  ICMP_HLEN,
  SCTP_HLEN,
  TCP_MIN_HLEN,
  UDP_HLEN,
  be16,
  fits,
  malformed,
} = wire;

/**
 * Sets F_PAYLOAD_OFFSET / F_PAYLOAD_LENGTH to the bytes `[q, min(dataEnd, cap))`, the data after the last
 * header read (an L4 header, or the L3 headers when the L4 header is absent or not modelled).
 */
export function setOpaquePayload(
  ctx: Uint32Array,
  base: number,
  q: number,
  dataEnd: number,
  cap: number,
): void {
  const last = dataEnd < cap ? dataEnd : cap;
  ctx[F_PAYLOAD_OFFSET] = q - base;
  ctx[F_PAYLOAD_LENGTH] = last > q ? last - q : 0;
}

/** Parses a TCP header at `q`; returns false (reason 135) when it is cut or its data offset is below 5. */
export function parseTcp(
  b: Uint8Array,
  base: number,
  q: number,
  ipEnd: number,
  cap: number,
  ctx: Uint32Array,
): boolean {
  if (!fits(ctx, q, TCP_MIN_HLEN, ipEnd, cap, REASON_CT_TRUNCATED_OR_INVALID_HEADER)) {
    return false;
  }
  const hlen = (b[q + 12]! >> 4) << 2;
  if (hlen < TCP_MIN_HLEN) {
    malformed(ctx, REASON_CT_TRUNCATED_OR_INVALID_HEADER, false);
    return false;
  }
  if (!fits(ctx, q, hlen, ipEnd, cap, REASON_CT_TRUNCATED_OR_INVALID_HEADER)) {
    return false;
  }
  ctx[F_SRC_PORT] = be16(b, q);
  ctx[F_DST_PORT] = be16(b, q + 2);
  // Byte 13 holds CWR..FIN; the NS bit (byte 12, bit 0, RFC 3540, now historic) is not kept.
  ctx[F_TCP_FLAGS] = b[q + 13]!;
  ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_HAS_L4;
  setOpaquePayload(ctx, base, q + hlen, ipEnd, cap);
  return true;
}

/**
 * Parses a UDP header at `q`; returns the end of the datagram by its length field (the IP payload end in
 * a first fragment), or -1 (reason 135) when the header is cut or the length is below 8 or past the IP
 * payload. A length of 0 is accepted under IPv6 when the payload exceeds 65535 bytes (a jumbogram,
 * RFC 2675 §4); `v6` says which IP version carries it.
 */
export function parseUdp(
  b: Uint8Array,
  base: number,
  q: number,
  ipEnd: number,
  cap: number,
  ctx: Uint32Array,
  v6: boolean,
): number {
  if (!fits(ctx, q, UDP_HLEN, ipEnd, cap, REASON_CT_TRUNCATED_OR_INVALID_HEADER)) {
    return -1;
  }
  let ulen = be16(b, q + 4);
  if (ulen === 0 && v6 && ipEnd - q > 0xffff) {
    ulen = ipEnd - q;
  }
  // A first fragment holds only part of the datagram its length counts.
  const fragment = (ctx[F_FLAGS]! & PKT_FRAGMENT) !== 0;
  if (ulen < UDP_HLEN || (q + ulen > ipEnd && !fragment)) {
    malformed(ctx, REASON_CT_TRUNCATED_OR_INVALID_HEADER, false);
    return -1;
  }
  const udpEnd = fragment ? ipEnd : q + ulen;
  ctx[F_SRC_PORT] = be16(b, q);
  ctx[F_DST_PORT] = be16(b, q + 2);
  ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_HAS_L4;
  setOpaquePayload(ctx, base, q + UDP_HLEN, udpEnd, cap);
  return udpEnd;
}

/** Parses the SCTP common header at `q`; returns false (reason 135) when it is cut. */
export function parseSctp(
  b: Uint8Array,
  base: number,
  q: number,
  ipEnd: number,
  cap: number,
  ctx: Uint32Array,
): boolean {
  if (!fits(ctx, q, SCTP_HLEN, ipEnd, cap, REASON_CT_TRUNCATED_OR_INVALID_HEADER)) {
    return false;
  }
  ctx[F_SRC_PORT] = be16(b, q);
  ctx[F_DST_PORT] = be16(b, q + 2);
  ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_HAS_L4;
  setOpaquePayload(ctx, base, q + SCTP_HLEN, ipEnd, cap);
  return true;
}

/**
 * Parses an ICMP (`v6` false) or ICMPv6 header at `q`: type, code, and the identifier of an echo request or
 * reply. Returns false (reason 135) when the 8-byte header is cut.
 */
export function parseIcmp(
  b: Uint8Array,
  base: number,
  q: number,
  ipEnd: number,
  cap: number,
  ctx: Uint32Array,
  v6: boolean,
): boolean {
  if (!fits(ctx, q, ICMP_HLEN, ipEnd, cap, REASON_CT_TRUNCATED_OR_INVALID_HEADER)) {
    return false;
  }
  const type = b[q]!;
  ctx[F_ICMP_TYPE] = type;
  ctx[F_ICMP_CODE] = b[q + 1]!;
  const echo = v6
    ? type === ICMPV6_ECHO_REQUEST || type === ICMPV6_ECHO_REPLY
    : type === ICMP_ECHO_REQUEST || type === ICMP_ECHO_REPLY;
  if (echo) {
    ctx[F_ICMP_ID] = be16(b, q + 4);
  }
  ctx[F_FLAGS] = ctx[F_FLAGS]! | PKT_HAS_L4;
  setOpaquePayload(ctx, base, q + ICMP_HLEN, ipEnd, cap);
  return true;
}
