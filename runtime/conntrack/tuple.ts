/**
 * @fileoverview Conntrack tuples: the key of a connection, read from a context record or from the
 * original packet embedded in an ICMP error, and the direction-independent hash the table uses.
 *
 * A tuple is (addresses, ports, protocol): the addresses are 8 consecutive words of some Uint32Array
 * from `base` (source then destination, 128 bits each, most significant word first, IPv4 as
 * ::ffff:a.b.c.d), which is exactly ctx[F_SRC_IP6..F_DST_IP6+3], so a packet's tuple is read in place;
 * the ports word is `sport << 16 | dport` and the protocol the IP protocol number. A quoted packet is
 * copied into a KEY_WORDS scratch key in the same layout (ports at K_PORTS, protocol at K_PROTO).
 * ICMP and ICMPv6 echo use the echo identifier in place of ports the way Cilium's `ct_lookup4/6` do: a
 * request carries (0, id), a reply (id, 0), so a reply's key is exactly the request's key reversed.
 * Other non-error ICMP types use ports (0, 0). Protocols without ports (GRE, ESP, ...) are keyed by
 * address pair and protocol with ports (0, 0), as a generic tracker does.
 */

import {
  F_DST_PORT,
  F_FLAGS,
  F_FRAME_LENGTH,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_PROTO,
  F_SRC_PORT,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_NONFIRST_FRAGMENT,
} from "../context.js";

/** Words in a conntrack key. */
export const KEY_WORDS = 10;
/** Key word holding `sport << 16 | dport`. */
export const K_PORTS = 8;
/** Key word holding the IP protocol. */
export const K_PROTO = 9;

/** IP protocol numbers conntrack interprets. */
export const IPPROTO_ICMP = 1;
/** TCP. */
export const IPPROTO_TCP = 6;
/** UDP. */
export const IPPROTO_UDP = 17;
/** DCCP (has ports). */
export const IPPROTO_DCCP = 33;
/** ICMPv6. */
export const IPPROTO_ICMPV6 = 58;
/** SCTP (has ports). */
export const IPPROTO_SCTP = 132;
/** UDP-Lite (has ports). */
export const IPPROTO_UDPLITE = 136;

/** contextPorts: the packet cannot be tracked (not IP, malformed, non-first fragment, L4 unread). */
export const PORTS_NONE = -1;
/** contextPorts: an ICMP/ICMPv6 error; its tuple is the quoted packet's (see tupleFromIcmpError). */
export const PORTS_ICMP_ERROR = -2;

/** Longest chain of IPv6 extension headers walked inside an ICMPv6 error (RFC 8200 lists six kinds). */
const MAX_EXT_HEADERS = 8;

/** Whether `proto` carries 16-bit source and destination ports in the first four bytes of its header. */
export function hasPorts(proto: number): boolean {
  return (
    proto === IPPROTO_TCP ||
    proto === IPPROTO_UDP ||
    proto === IPPROTO_SCTP ||
    proto === IPPROTO_UDPLITE ||
    proto === IPPROTO_DCCP
  );
}

/** Whether an ICMP (proto 1) or ICMPv6 (proto 58) type is an error that quotes the packet it is about. */
export function isIcmpError(proto: number, type: number): boolean {
  if (proto === IPPROTO_ICMP) {
    // Destination unreachable, source quench, redirect, time exceeded, parameter problem.
    return type === 3 || type === 4 || type === 5 || type === 11 || type === 12;
  }
  // Destination unreachable, packet too big, time exceeded, parameter problem.
  return proto === IPPROTO_ICMPV6 && type >= 1 && type <= 4;
}

/** The ports word for an ICMP message: echo request (0, id), echo reply (id, 0), anything else (0, 0). */
function icmpPorts(proto: number, type: number, id: number): number {
  const request = proto === IPPROTO_ICMP ? 8 : 128;
  const reply = proto === IPPROTO_ICMP ? 0 : 129;
  if (type === request) {
    return id & 0xffff;
  }
  if (type === reply) {
    return ((id & 0xffff) << 16) >>> 0;
  }
  return 0;
}

/**
 * The ports word of the packet in `ctx` (its tuple is then ctx[F_SRC_IP6..] and ctx[F_PROTO], original
 * direction = this packet's direction), or PORTS_NONE / PORTS_ICMP_ERROR.
 */
export function contextPorts(ctx: Uint32Array): number {
  const flags = ctx[F_FLAGS]!;
  if ((flags & (PKT_IPV4 | PKT_IPV6)) === 0 || (flags & (PKT_NONFIRST_FRAGMENT | PKT_MALFORMED)) !== 0) {
    return PORTS_NONE;
  }
  const proto = ctx[F_PROTO]!;
  const hasL4 = (flags & PKT_HAS_L4) !== 0;
  if (hasPorts(proto)) {
    return hasL4 ? (((ctx[F_SRC_PORT]! & 0xffff) << 16) | (ctx[F_DST_PORT]! & 0xffff)) >>> 0 : PORTS_NONE;
  }
  if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    if (!hasL4) {
      return PORTS_NONE;
    }
    const type = ctx[F_ICMP_TYPE]!;
    return isIcmpError(proto, type) ? PORTS_ICMP_ERROR : icmpPorts(proto, type, ctx[F_ICMP_ID]!);
  }
  return proto > 255 ? PORTS_NONE : 0;
}

function be32(frame: Uint8Array, at: number): number {
  return ((frame[at]! << 24) | (frame[at + 1]! << 16) | (frame[at + 2]! << 8) | frame[at + 3]!) >>> 0;
}

/**
 * Write the tuple of the packet an ICMP/ICMPv6 error quotes (as that packet travelled) into `key`,
 * reading `frame` from frameBase + ctx[F_PAYLOAD_OFFSET] (the first byte after the 8-byte ICMP header;
 * context offsets count from the packet's first byte at `frameBase`) for at most ctx[F_PAYLOAD_LENGTH]
 * bytes, and never past the packet (F_FRAME_LENGTH) or the buffer. Returns false, never throws, when the
 * quote is too short or malformed, is a non-first fragment, or is itself an ICMP error (RFC 1122 3.2.2:
 * no errors about errors).
 */
export function tupleFromIcmpError(
  ctx: Uint32Array,
  frame: Uint8Array,
  key: Uint32Array,
  frameBase = 0,
): boolean {
  const start = frameBase + ctx[F_PAYLOAD_OFFSET]!;
  const end = Math.min(frame.length, frameBase + ctx[F_FRAME_LENGTH]!, start + ctx[F_PAYLOAD_LENGTH]!);
  const outer = ctx[F_PROTO]!;
  let l4: number;
  let proto: number;
  if (outer === IPPROTO_ICMP) {
    if (start + 20 > end || frame[start]! >> 4 !== 4) {
      return false;
    }
    const ihl = (frame[start]! & 0x0f) * 4;
    const fragOffset = ((frame[start + 6]! & 0x1f) << 8) | frame[start + 7]!;
    if (ihl < 20 || fragOffset !== 0) {
      return false;
    }
    proto = frame[start + 9]!;
    key[0] = 0;
    key[1] = 0;
    key[2] = 0xffff;
    key[3] = be32(frame, start + 12);
    key[4] = 0;
    key[5] = 0;
    key[6] = 0xffff;
    key[7] = be32(frame, start + 16);
    l4 = start + ihl;
  } else if (outer === IPPROTO_ICMPV6) {
    if (start + 40 > end || frame[start]! >> 4 !== 6) {
      return false;
    }
    for (let i = 0; i < 4; i++) {
      key[i] = be32(frame, start + 8 + 4 * i);
      key[4 + i] = be32(frame, start + 24 + 4 * i);
    }
    proto = frame[start + 6]!;
    l4 = start + 40;
    let hops = 0;
    for (;;) {
      if (proto === 0 || proto === 43 || proto === 60 || proto === 51) {
        // Hop-by-hop, routing, destination options: (len + 1) * 8 bytes; AH: (len + 2) * 4 bytes.
        if (l4 + 2 > end) {
          return false;
        }
        const len = proto === 51 ? (frame[l4 + 1]! + 2) * 4 : (frame[l4 + 1]! + 1) * 8;
        proto = frame[l4]!;
        l4 += len;
      } else if (proto === 44) {
        if (l4 + 8 > end || (((frame[l4 + 2]! << 8) | frame[l4 + 3]!) & 0xfff8) !== 0) {
          return false;
        }
        proto = frame[l4]!;
        l4 += 8;
      } else {
        break;
      }
      if (++hops > MAX_EXT_HEADERS) {
        return false;
      }
    }
  } else {
    return false;
  }
  let ports = 0;
  if (hasPorts(proto)) {
    if (l4 + 4 > end) {
      return false;
    }
    ports = be32(frame, l4);
  } else if (proto === IPPROTO_ICMP || proto === IPPROTO_ICMPV6) {
    if (l4 + 8 > end || isIcmpError(proto, frame[l4]!)) {
      return false;
    }
    ports = icmpPorts(proto, frame[l4]!, (frame[l4 + 4]! << 8) | frame[l4 + 5]!);
  }
  key[K_PORTS] = ports;
  key[K_PROTO] = proto;
  return true;
}

/**
 * Hash of one endpoint: a weighted sum of the address words and port (odd multipliers, so each word maps
 * one-to-one) finished with a xorshift-multiply mix. Half the cost of murmur3 rounds over five words with
 * the same probe lengths on sequential addresses and ports.
 */
function hashEndpoint(a0: number, a1: number, a2: number, a3: number, port: number): number {
  let h =
    (Math.imul(a0, 0x9e3779b1) +
      Math.imul(a1, 0x85ebca77) +
      Math.imul(a2, 0xc2b2ae3d) +
      Math.imul(a3, 0x27d4eb2f) +
      Math.imul(port, 0x165667b1)) |
    0;
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  h = Math.imul(h, 0x297a2d39);
  return h ^ (h >>> 15);
}

/**
 * Hash of a tuple (addresses words[base..base+7]) that is the same for the tuple and its reverse: the
 * two endpoints are hashed apart and added (commutative), then mixed with the protocol and finalised
 * with murmur3's fmix32. One probe sequence therefore finds a connection from either direction.
 * Returns a signed 32-bit integer.
 */
export function hashTuple(words: Uint32Array, base: number, ports: number, proto: number): number {
  const a = hashEndpoint(words[base]!, words[base + 1]!, words[base + 2]!, words[base + 3]!, ports >>> 16);
  const b = hashEndpoint(
    words[base + 4]!,
    words[base + 5]!,
    words[base + 6]!,
    words[base + 7]!,
    ports & 0xffff,
  );
  let h = (a + b) ^ Math.imul(proto, 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
