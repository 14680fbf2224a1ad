/**
 * @fileoverview Tiny packet constructors for the conntrack tests: each builds a raw-IP frame (link type
 * 101) and fills the context record the way the packet parser will, so conntrack can be tested before
 * the parser exists. `tcp("10.0.0.1:31245", "10.0.0.2:80", "S")`, `udp("[fd00::1]:53", "[fd00::2]:5353")`,
 * `icmpEcho("10.0.0.1", "10.0.0.2", 7)`, `icmpError("10.0.0.9", "10.0.0.1", 3, 3, quotedPacket)`.
 */

import {
  createContext,
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_ETHERTYPE,
  F_FLAGS,
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
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  F_TTL,
  PKT_FRAGMENT,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_NONFIRST_FRAGMENT,
} from "../../runtime/context.js";

/** A frame and the context the parser would fill for it. */
export interface TestPacket {
  readonly ctx: Uint32Array;
  readonly frame: Uint8Array;
}

/** An address as 4 words (IPv4 mapped) plus its family. */
interface Address {
  readonly v6: boolean;
  readonly words: readonly [number, number, number, number];
}

/** Parse "10.0.0.1" or "fd00::1" (with at most one "::"). */
export function parseAddress(text: string): Address {
  if (!text.includes(":")) {
    const parts = text.split(".").map(Number);
    if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
      throw new Error(`bad IPv4 address ${text}`);
    }
    const v = ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
    return { v6: false, words: [0, 0, 0xffff, v] };
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const groups = (s: string | undefined): number[] => (s ? s.split(":").map((g) => parseInt(g, 16)) : []);
  const h = groups(head);
  const t = groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  if (all.length !== 8 || all.some((g) => !(g >= 0 && g <= 0xffff))) {
    throw new Error(`bad IPv6 address ${text}`);
  }
  const w = (i: number): number => ((all[2 * i]! << 16) | all[2 * i + 1]!) >>> 0;
  return { v6: true, words: [w(0), w(1), w(2), w(3)] };
}

/** Parse "10.0.0.1:80" or "[fd00::1]:80". */
function parseEndpoint(text: string): { addr: Address; port: number } {
  const m = /^\[(.+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) {
    throw new Error(`bad endpoint ${text}`);
  }
  return { addr: parseAddress(m[1]!), port: Number(m[2]) };
}

/** TCP flags from tcpdump-style letters: S SYN, F FIN, R RST, P PSH, U URG, E ECE, W CWR, "." or A ACK. */
export function tcpFlags(text: string): number {
  const bits: Record<string, number> = { F: 1, S: 2, R: 4, P: 8, ".": 16, A: 16, U: 32, E: 64, W: 128 };
  let f = 0;
  for (const c of text) {
    const b = bits[c];
    if (b === undefined) {
      throw new Error(`bad TCP flag ${c}`);
    }
    f |= b;
  }
  return f;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
}

/** Build an IP packet around `l4` (header + payload bytes) and the context for it. */
function ipPacket(
  src: Address,
  dst: Address,
  proto: number,
  l4: Uint8Array,
  l4HeaderLength: number,
): TestPacket {
  if (src.v6 !== dst.v6) {
    throw new Error("address families differ");
  }
  const ipLen = src.v6 ? 40 : 20;
  const frame = new Uint8Array(ipLen + l4.length);
  if (src.v6) {
    frame[0] = 0x60;
    put16(frame, 4, l4.length);
    frame[6] = proto;
    frame[7] = 64;
    for (let i = 0; i < 4; i++) {
      put32(frame, 8 + 4 * i, src.words[i]!);
      put32(frame, 24 + 4 * i, dst.words[i]!);
    }
  } else {
    frame[0] = 0x45;
    put16(frame, 2, frame.length);
    frame[8] = 64;
    frame[9] = proto;
    put32(frame, 12, src.words[3]);
    put32(frame, 16, dst.words[3]);
  }
  frame.set(l4, ipLen);
  const ctx = createContext();
  ctx[F_FLAGS] = (src.v6 ? PKT_IPV6 : PKT_IPV4) | PKT_HAS_L4;
  ctx[F_ETHERTYPE] = src.v6 ? 0x86dd : 0x0800;
  ctx[F_IP_VERSION] = src.v6 ? 6 : 4;
  ctx[F_PROTO] = proto;
  if (!src.v6) {
    ctx[F_SRC_IP4] = src.words[3];
    ctx[F_DST_IP4] = dst.words[3];
  }
  ctx.set(src.words, F_SRC_IP6);
  ctx.set(dst.words, F_DST_IP6);
  ctx[F_L3_OFFSET] = 0;
  ctx[F_L4_OFFSET] = ipLen;
  ctx[F_PAYLOAD_OFFSET] = ipLen + l4HeaderLength;
  ctx[F_PAYLOAD_LENGTH] = l4.length - l4HeaderLength;
  ctx[F_FRAME_LENGTH] = frame.length;
  ctx[F_TTL] = 64;
  ctx[F_LINK_TYPE] = 101;
  ctx[F_IP_LENGTH] = frame.length;
  return { ctx, frame };
}

/** A TCP segment without payload; `flags` as in tcpFlags(). */
export function tcp(src: string, dst: string, flags: string): TestPacket {
  const s = parseEndpoint(src);
  const d = parseEndpoint(dst);
  const l4 = new Uint8Array(20);
  put16(l4, 0, s.port);
  put16(l4, 2, d.port);
  l4[12] = 5 << 4;
  l4[13] = tcpFlags(flags);
  const p = ipPacket(s.addr, d.addr, 6, l4, 20);
  p.ctx[F_SRC_PORT] = s.port;
  p.ctx[F_DST_PORT] = d.port;
  p.ctx[F_TCP_FLAGS] = tcpFlags(flags);
  return p;
}

/** A UDP datagram with `payload` bytes of zeros. */
export function udp(src: string, dst: string, payload = 0): TestPacket {
  const s = parseEndpoint(src);
  const d = parseEndpoint(dst);
  const l4 = new Uint8Array(8 + payload);
  put16(l4, 0, s.port);
  put16(l4, 2, d.port);
  put16(l4, 4, l4.length);
  const p = ipPacket(s.addr, d.addr, 17, l4, 8);
  p.ctx[F_SRC_PORT] = s.port;
  p.ctx[F_DST_PORT] = d.port;
  return p;
}

/** An ICMP (IPv4) or ICMPv6 message of any type with an 8-byte header and `body` after it. */
export function icmp(
  src: string,
  dst: string,
  type: number,
  code: number,
  rest: number,
  body: Uint8Array,
): TestPacket {
  const s = parseAddress(src);
  const d = parseAddress(dst);
  const l4 = new Uint8Array(8 + body.length);
  l4[0] = type;
  l4[1] = code;
  put32(l4, 4, rest);
  l4.set(body, 8);
  const p = ipPacket(s, d, s.v6 ? 58 : 1, l4, 8);
  p.ctx[F_ICMP_TYPE] = type;
  p.ctx[F_ICMP_CODE] = code;
  return p;
}

/** An echo request (or reply) with identifier `id`. */
export function icmpEcho(src: string, dst: string, id: number, reply = false): TestPacket {
  const v6 = parseAddress(src).v6;
  const type = v6 ? (reply ? 129 : 128) : reply ? 0 : 8;
  const p = icmp(src, dst, type, 0, (id << 16) | 1, new Uint8Array(8));
  p.ctx[F_ICMP_ID] = id;
  return p;
}

/**
 * An ICMP error from `src` to `dst` quoting `quoted` (its IP header and the first `quoteL4Bytes` bytes of
 * its L4 header, 8 by default as RFC 792 routers send).
 */
export function icmpError(
  src: string,
  dst: string,
  type: number,
  code: number,
  quoted: TestPacket,
  quoteL4Bytes = 8,
): TestPacket {
  const body = quoted.frame.subarray(
    0,
    Math.min(quoted.frame.length, quoted.ctx[F_L4_OFFSET]! + quoteL4Bytes),
  );
  return icmp(src, dst, type, code, 0, body);
}

/** The same packet as a non-first fragment: no ports, no L4 header. */
export function nonFirstFragment(p: TestPacket): TestPacket {
  const ctx = p.ctx.slice();
  ctx[F_FLAGS] = (ctx[F_FLAGS]! & ~PKT_HAS_L4) | PKT_FRAGMENT | PKT_NONFIRST_FRAGMENT;
  ctx[F_FRAG_OFFSET] = 1480;
  ctx[F_SRC_PORT] = 0;
  ctx[F_DST_PORT] = 0;
  ctx[F_TCP_FLAGS] = 0;
  return { ctx, frame: p.frame };
}
