/**
 * @fileoverview Packet constructors: build real frames to ask the engine a question (`sluice trace`),
 * to generate demo captures, and in tests, in the style of Calico's polprog tests:
 * `tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S" })` returns an Ethernet frame (link type 1) with a
 * correct IPv4 header checksum, correct lengths and a correct L4 checksum (TCP, UDP, ICMP, ICMPv6 with
 * the pseudo-header; SCTP with CRC32c). IPv6 endpoints are written `"[fd00::1]:80"` or `"fd00::1"`; the
 * TCP / UDP / SCTP constructors take either family, `tcp6Pkt` and friends insist on IPv6.
 *
 * Lower-level builders (`ethernet`, `ipv4`, `ipv6`, `tcpSegment`, …) are exported for malformed-packet
 * tests: build a packet, then change its bytes. Overrides such as `totalLength` or `ihl` are applied
 * before the IPv4 checksum, so a deliberately wrong header still has a right checksum. Builders throw on
 * bad input (they build what they are told, they do not police it).
 */

// ## Addresses

/** A parsed endpoint: IP address bytes (4 or 16) and an optional port. */
export interface Endpoint {
  /** 4 bytes for IPv4, 16 for IPv6. */
  readonly ip: Uint8Array;
  /** Port, when the text had one. */
  readonly port: number | undefined;
}

/** Parses `"10.0.0.1"`, `"10.0.0.1:80"`, `"fd00::1"` or `"[fd00::1]:80"`. */
export function parseEndpoint(text: string): Endpoint {
  if (text.startsWith("[")) {
    const close = text.indexOf("]");
    if (close < 0) {
      throw new Error(`bad endpoint ${text}`);
    }
    const rest = text.slice(close + 1);
    const port = rest === "" ? undefined : parsePort(rest.replace(/^:/, ""), text);
    return { ip: parseIPv6Text(text.slice(1, close)), port };
  }
  const colons = text.split(":").length - 1;
  if (colons >= 2) {
    return { ip: parseIPv6Text(text), port: undefined };
  }
  if (colons === 1) {
    const [host, port] = text.split(":") as [string, string];
    return { ip: parseIPv4Text(host), port: parsePort(port, text) };
  }
  return { ip: parseIPv4Text(text), port: undefined };
}

function parsePort(text: string, whole: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 0xffff) {
    throw new Error(`bad port in ${whole}`);
  }
  return port;
}

/** Dotted quad to 4 bytes. */
export function parseIPv4Text(text: string): Uint8Array {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`bad IPv4 address ${text}`);
  }
  return Uint8Array.from(parts.map(Number));
}

/** IPv6 text (with `::` and an optional dotted-quad tail) to 16 bytes. */
export function parseIPv6Text(text: string): Uint8Array {
  let tail = text;
  const v4Groups: number[] = [];
  if (text.includes(".")) {
    const cut = text.lastIndexOf(":");
    const q = parseIPv4Text(text.slice(cut + 1));
    v4Groups.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
    tail = text.slice(0, cut + 1);
    if (!tail.endsWith("::")) {
      tail = tail.slice(0, -1);
    }
  }
  const hexGroups = (s: string): number[] =>
    s === ""
      ? []
      : s.split(":").map((g) => {
          if (!/^[0-9a-fA-F]{1,4}$/.test(g)) {
            throw new Error(`bad IPv6 address ${text}`);
          }
          return parseInt(g, 16);
        });
  const want = 8 - v4Groups.length;
  let groups: number[];
  const dbl = tail.indexOf("::");
  if (dbl >= 0) {
    const head = hexGroups(tail.slice(0, dbl));
    const rest = hexGroups(tail.slice(dbl + 2));
    const zeros = want - head.length - rest.length;
    if (zeros < 1) {
      throw new Error(`bad IPv6 address ${text}`);
    }
    groups = [...head, ...new Array<number>(zeros).fill(0), ...rest];
  } else {
    groups = hexGroups(tail);
  }
  groups.push(...v4Groups);
  if (groups.length !== 8) {
    throw new Error(`bad IPv6 address ${text}`);
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/** Address text (`"10.0.0.1"`, `"fd00::1"`, `"[fd00::1]"`) to bytes. */
export function ipBytes(text: string): Uint8Array {
  return parseEndpoint(text).ip;
}

/** The 32-bit host-order value of a dotted quad, as the context holds it. */
export function ip4(text: string): number {
  const b = parseIPv4Text(text);
  return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
}

/** The four context words of an address: IPv6 as is, IPv4 IPv4-mapped (0, 0, 0xffff, addr). */
export function ipWords(text: string): [number, number, number, number] {
  const b = ipBytes(text);
  if (b.length === 4) {
    return [0, 0, 0xffff, ip4(text)];
  }
  const w = (i: number): number => ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
  return [w(0), w(4), w(8), w(12)];
}

// ## Bytes and checksums

/** Concatenates byte arrays. */
export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  put16(b, at, v >>> 16);
  put16(b, at + 2, v & 0xffff);
}

/** Unfolded 16-bit ones'-complement sum of `b` (odd length padded with a zero byte), plus `init`. */
function onesSum(b: Uint8Array, init = 0): number {
  let sum = init;
  for (let i = 0; i + 1 < b.length; i += 2) {
    sum += (b[i]! << 8) | b[i + 1]!;
  }
  if (b.length % 2 === 1) {
    sum += b[b.length - 1]! << 8;
  }
  return sum;
}

/** The Internet checksum (RFC 1071) of `b` with `init` added to the sum. */
export function internetChecksum(b: Uint8Array, init = 0): number {
  let sum = onesSum(b, init);
  while (sum > 0xffff) {
    sum = (sum & 0xffff) + (sum >>> 16);
  }
  return ~sum & 0xffff;
}

/** Pseudo-header sum for TCP / UDP / ICMPv6 (RFC 793, RFC 768, RFC 8200 §8.1). */
function pseudoSum(src: Uint8Array, dst: Uint8Array, proto: number, length: number): number {
  return onesSum(src) + onesSum(dst) + proto + (length >>> 16) + (length & 0xffff);
}

const CRC32C_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) {
      c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    }
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC32c (Castagnoli), the SCTP checksum (RFC 9260 Appendix A). */
export function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of b) {
    c = CRC32C_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

// ## Link layer

/** Ethernet frame options. */
export interface EthernetOptions {
  /** Source MAC, default 02:00:00:00:00:01. */
  readonly srcMac?: string;
  /** Destination MAC, default 02:00:00:00:00:02. */
  readonly dstMac?: string;
  /** One 802.1Q tag with this VLAN id. */
  readonly vlan?: number;
  /** Several tags, outermost first (QinQ: `[outer, inner]`); wins over `vlan`. */
  readonly vlans?: readonly number[];
  /** TPIDs per tag; default 0x8100 for one tag, 0x88a8 then 0x8100 for two. */
  readonly tpids?: readonly number[];
}

function macBytes(text: string): Uint8Array {
  const parts = text.split(":");
  if (parts.length !== 6) {
    throw new Error(`bad MAC ${text}`);
  }
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)));
}

/** An Ethernet II frame carrying `payload` with EtherType `etherType`, optionally VLAN-tagged. */
export function ethernet(etherType: number, payload: Uint8Array, opts: EthernetOptions = {}): Uint8Array {
  const vlans = opts.vlans ?? (opts.vlan === undefined ? [] : [opts.vlan]);
  const tpids = opts.tpids ?? (vlans.length >= 2 ? [0x88a8, ...vlans.slice(1).map(() => 0x8100)] : [0x8100]);
  const head = new Uint8Array(14 + 4 * vlans.length);
  head.set(macBytes(opts.dstMac ?? "02:00:00:00:00:02"), 0);
  head.set(macBytes(opts.srcMac ?? "02:00:00:00:00:01"), 6);
  let at = 12;
  vlans.forEach((id, i) => {
    put16(head, at, tpids[i] ?? 0x8100);
    put16(head, at + 2, id);
    at += 4;
  });
  put16(head, at, etherType);
  return concat(head, payload);
}

/** The L3 packet of an Ethernet frame (after the MACs and any 802.1Q / 802.1ad tags). */
export function stripEthernet(frame: Uint8Array): Uint8Array {
  let at = 12;
  for (;;) {
    const t = (frame[at]! << 8) | frame[at + 1]!;
    if (t !== 0x8100 && t !== 0x88a8 && t !== 0x9100) {
      return frame.slice(at + 2);
    }
    at += 4;
  }
}

/** The EtherType of an Ethernet frame's L3 packet (after tags). */
export function etherTypeOf(frame: Uint8Array): number {
  let at = 12;
  for (;;) {
    const t = (frame[at]! << 8) | frame[at + 1]!;
    if (t !== 0x8100 && t !== 0x88a8 && t !== 0x9100) {
      return t;
    }
    at += 4;
  }
}

/**
 * The same packet under another pcap link type: 1 returns the frame, 101 its L3 packet, 113 a Linux
 * cooked (SLL) header + everything after the Ethernet MACs' EtherType field (tags stay in-band), 276 the
 * SLL2 header likewise.
 */
export function toLinkType(frame: Uint8Array, linkType: 1 | 101 | 113 | 276): Uint8Array {
  const proto = (frame[12]! << 8) | frame[13]!;
  const rest = frame.slice(14);
  switch (linkType) {
    case 1:
      return frame.slice();
    case 101:
      return stripEthernet(frame);
    case 113: {
      // packet type 0 (to us), ARPHRD_ETHER 1, address length 6, address (8 bytes), protocol.
      const h = new Uint8Array(16);
      put16(h, 2, 1);
      put16(h, 4, 6);
      h.set(frame.subarray(6, 12), 6);
      put16(h, 14, proto);
      return concat(h, rest);
    }
    case 276: {
      // protocol, reserved, interface index 2, ARPHRD_ETHER 1, packet type 0, address length 6, address.
      const h = new Uint8Array(20);
      put16(h, 0, proto);
      put32(h, 4, 2);
      put16(h, 8, 1);
      h[11] = 6;
      h.set(frame.subarray(6, 12), 12);
      return concat(h, rest);
    }
  }
}

// ## IP

/** IPv4 header options and deliberate errors. */
export interface Ipv4Options {
  /** TTL, default 64. */
  readonly ttl?: number;
  /** Identification, default 0. */
  readonly id?: number;
  /** Don't-fragment bit. */
  readonly df?: boolean;
  /** More-fragments bit. */
  readonly mf?: boolean;
  /** Fragment offset in bytes (a multiple of 8). */
  readonly fragOffset?: number;
  /** Options bytes, zero-padded to a multiple of 4. */
  readonly options?: Uint8Array;
  /** Type of service byte. */
  readonly tos?: number;
  /** Total length written instead of the real one. */
  readonly totalLength?: number;
  /** IHL written instead of the real one (4-byte units). */
  readonly ihl?: number;
  /** Version nibble written instead of 4. */
  readonly version?: number;
}

/** An IPv4 packet (header with a correct checksum, then `payload`). */
export function ipv4(
  src: string,
  dst: string,
  proto: number,
  payload: Uint8Array,
  opts: Ipv4Options = {},
): Uint8Array {
  const optLen = opts.options ? (opts.options.length + 3) & ~3 : 0;
  const h = new Uint8Array(20 + optLen);
  const hlen = h.length;
  h[0] = ((opts.version ?? 4) << 4) | (opts.ihl ?? hlen >> 2);
  h[1] = opts.tos ?? 0;
  put16(h, 2, opts.totalLength ?? hlen + payload.length);
  put16(h, 4, opts.id ?? 0);
  const frag = (opts.df ? 0x4000 : 0) | (opts.mf ? 0x2000 : 0) | ((opts.fragOffset ?? 0) >> 3);
  put16(h, 6, frag);
  h[8] = opts.ttl ?? 64;
  h[9] = proto;
  h.set(parseIPv4Text(src), 12);
  h.set(parseIPv4Text(dst), 16);
  if (opts.options) {
    h.set(opts.options, 20);
  }
  put16(h, 10, internetChecksum(h));
  return concat(h, payload);
}

/** IPv6 header fields and deliberate errors. */
export interface Ipv6Options {
  /** Hop limit, default 64. */
  readonly hopLimit?: number;
  /** Payload length written instead of the real one. */
  readonly payloadLength?: number;
  /** Version nibble written instead of 6. */
  readonly version?: number;
  /** Traffic class. */
  readonly trafficClass?: number;
  /** Flow label (20 bits). */
  readonly flowLabel?: number;
}

/** An IPv6 packet: fixed header with next header `nextHeader`, then `payload`. */
export function ipv6(
  src: string,
  dst: string,
  nextHeader: number,
  payload: Uint8Array,
  opts: Ipv6Options = {},
): Uint8Array {
  const h = new Uint8Array(40);
  const tc = opts.trafficClass ?? 0;
  put32(h, 0, (((opts.version ?? 6) << 28) | (tc << 20) | (opts.flowLabel ?? 0)) >>> 0);
  put16(h, 4, opts.payloadLength ?? payload.length);
  h[6] = nextHeader;
  h[7] = opts.hopLimit ?? 64;
  h.set(parseIPv6Text(src.replace(/^\[|\]$/g, "")), 8);
  h.set(parseIPv6Text(dst.replace(/^\[|\]$/g, "")), 24);
  return concat(h, payload);
}

/** An IPv4 or IPv6 packet, by the address family of `src`. */
export function ipPacket(
  src: string,
  dst: string,
  proto: number,
  payload: Uint8Array,
  opts: Ipv4Options & Ipv6Options = {},
): Uint8Array {
  const sa = parseEndpoint(src).ip;
  const da = parseEndpoint(dst).ip;
  if (sa.length !== da.length) {
    throw new Error(`address families differ: ${src} ${dst}`);
  }
  if (sa.length === 4) {
    return ipv4(ipText(sa), ipText(da), proto, payload, opts);
  }
  return ipv6(ipText(sa), ipText(da), proto, payload, { ...opts, hopLimit: opts.hopLimit ?? opts.ttl ?? 64 });
}

/** Canonical-enough text of 4 or 16 address bytes (full IPv6 groups), for re-parsing. */
function ipText(b: Uint8Array): string {
  if (b.length === 4) {
    return Array.from(b).join(".");
  }
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    g.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  }
  return g.join(":");
}

// ## L4

/** TCP flags as letters or a number: S SYN, A ACK, F FIN, R RST, P PSH, U URG. */
export type TcpFlagSpec = "S" | "SA" | "A" | "FA" | "R" | "RA" | "PA" | "F" | number;

/** The TCP flags byte for a spec. */
export function tcpFlagBits(spec: TcpFlagSpec): number {
  if (typeof spec === "number") {
    return spec;
  }
  const bits: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10, U: 0x20 };
  let v = 0;
  for (const ch of spec) {
    v |= bits[ch] ?? 0;
  }
  return v;
}

/** TCP header fields. */
export interface TcpOptions {
  /** Flags, default "S". */
  readonly flags?: TcpFlagSpec;
  /** Payload bytes. */
  readonly payload?: Uint8Array;
  /** Sequence number. */
  readonly seq?: number;
  /** Acknowledgement number. */
  readonly ack?: number;
  /** Window, default 65535. */
  readonly window?: number;
  /** TCP options, zero-padded to a multiple of 4. */
  readonly tcpOptions?: Uint8Array;
  /** Data offset written instead of the real one (4-byte units). */
  readonly dataOffset?: number;
}

/** A TCP segment from `src` to `dst` (endpoints with ports) with a correct checksum. */
export function tcpSegment(src: string, dst: string, opts: TcpOptions = {}): Uint8Array {
  const s = endpointWithPort(src);
  const d = endpointWithPort(dst);
  const optLen = opts.tcpOptions ? (opts.tcpOptions.length + 3) & ~3 : 0;
  const payload = opts.payload ?? new Uint8Array(0);
  const seg = new Uint8Array(20 + optLen + payload.length);
  put16(seg, 0, s.port);
  put16(seg, 2, d.port);
  put32(seg, 4, opts.seq ?? 1);
  put32(seg, 8, opts.ack ?? 0);
  seg[12] = (opts.dataOffset ?? (20 + optLen) >> 2) << 4;
  seg[13] = tcpFlagBits(opts.flags ?? "S");
  put16(seg, 14, opts.window ?? 0xffff);
  if (opts.tcpOptions) {
    seg.set(opts.tcpOptions, 20);
  }
  seg.set(payload, 20 + optLen);
  put16(seg, 16, internetChecksum(seg, pseudoSum(s.ip, d.ip, 6, seg.length)));
  return seg;
}

/** A UDP datagram with a correct checksum (0xffff when the sum is 0, RFC 768). */
export function udpDatagram(src: string, dst: string, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const s = endpointWithPort(src);
  const d = endpointWithPort(dst);
  const dg = new Uint8Array(8 + payload.length);
  put16(dg, 0, s.port);
  put16(dg, 2, d.port);
  put16(dg, 4, dg.length);
  dg.set(payload, 8);
  put16(dg, 6, internetChecksum(dg, pseudoSum(s.ip, d.ip, 17, dg.length)) || 0xffff);
  return dg;
}

/** An SCTP packet: common header (verification tag `vtag`) and `payload` chunks, CRC32c checksum. */
export function sctpPacket(
  src: string,
  dst: string,
  payload: Uint8Array = new Uint8Array(0),
  vtag = 1,
): Uint8Array {
  const s = endpointWithPort(src);
  const d = endpointWithPort(dst);
  const p = new Uint8Array(12 + payload.length);
  put16(p, 0, s.port);
  put16(p, 2, d.port);
  put32(p, 4, vtag);
  p.set(payload, 12);
  // The CRC is stored in little-endian byte order (RFC 9260 Appendix A).
  const crc = crc32c(p);
  p[8] = crc & 0xff;
  p[9] = (crc >>> 8) & 0xff;
  p[10] = (crc >>> 16) & 0xff;
  p[11] = crc >>> 24;
  return p;
}

/** ICMP / ICMPv6 message fields. */
export interface IcmpOptions {
  /** Type; default 8 (ICMP echo request) or 128 (ICMPv6 echo request). */
  readonly type?: number;
  /** Code, default 0. */
  readonly code?: number;
  /** Identifier (bytes 4–5), default 0. */
  readonly id?: number;
  /** Sequence (bytes 6–7), default 0. */
  readonly seq?: number;
  /** Data after the 8-byte header. */
  readonly payload?: Uint8Array;
}

/** An ICMP (IPv4 addresses) or ICMPv6 (IPv6 addresses, pseudo-header checksum) message. */
export function icmpMessage(src: string, dst: string, opts: IcmpOptions = {}): Uint8Array {
  const s = parseEndpoint(src).ip;
  const d = parseEndpoint(dst).ip;
  const v6 = s.length === 16;
  const payload = opts.payload ?? new Uint8Array(0);
  const m = new Uint8Array(8 + payload.length);
  m[0] = opts.type ?? (v6 ? 128 : 8);
  m[1] = opts.code ?? 0;
  put16(m, 4, opts.id ?? 0);
  put16(m, 6, opts.seq ?? 0);
  m.set(payload, 8);
  put16(m, 2, internetChecksum(m, v6 ? pseudoSum(s, d, 58, m.length) : 0));
  return m;
}

function endpointWithPort(text: string): { ip: Uint8Array; port: number } {
  const e = parseEndpoint(text);
  if (e.port === undefined) {
    throw new Error(`endpoint needs a port: ${text}`);
  }
  return { ip: e.ip, port: e.port };
}

function hostOf(text: string): string {
  return ipText(parseEndpoint(text).ip);
}

// ## Whole frames

/** Frame-level options every constructor accepts. */
export interface FrameOptions extends EthernetOptions {
  /** IPv4 TTL / IPv6 hop limit. */
  readonly ttl?: number;
  /** IPv4 identification. */
  readonly id?: number;
}

/** Ethernet frame around an IP packet, EtherType from the packet's version nibble. */
function frameOf(ip: Uint8Array, opts: EthernetOptions): Uint8Array {
  return ethernet(ip[0]! >> 4 === 6 ? 0x86dd : 0x0800, ip, opts);
}

function ipOpts(opts: FrameOptions): Ipv4Options & Ipv6Options {
  return {
    ...(opts.ttl === undefined ? {} : { ttl: opts.ttl, hopLimit: opts.ttl }),
    ...(opts.id === undefined ? {} : { id: opts.id }),
  };
}

/** A TCP packet: `tcpPkt("10.0.0.1:31245", "10.0.0.2:80", { flags: "S" })`; IPv6 with `"[fd00::1]:80"`. */
export function tcpPkt(src: string, dst: string, opts: TcpOptions & FrameOptions = {}): Uint8Array {
  return frameOf(ipPacket(hostOf(src), hostOf(dst), 6, tcpSegment(src, dst, opts), ipOpts(opts)), opts);
}

/** A UDP packet. */
export function udpPkt(
  src: string,
  dst: string,
  opts: { readonly payload?: Uint8Array } & FrameOptions = {},
): Uint8Array {
  return frameOf(
    ipPacket(hostOf(src), hostOf(dst), 17, udpDatagram(src, dst, opts.payload), ipOpts(opts)),
    opts,
  );
}

/** An SCTP packet. */
export function sctpPkt(
  src: string,
  dst: string,
  opts: { readonly payload?: Uint8Array } & FrameOptions = {},
): Uint8Array {
  return frameOf(
    ipPacket(hostOf(src), hostOf(dst), 132, sctpPacket(src, dst, opts.payload), ipOpts(opts)),
    opts,
  );
}

/** An ICMP packet between IPv4 hosts: `icmpPkt("10.0.0.1", "10.0.0.2", { type: 8, id: 7 })`. */
export function icmpPkt(src: string, dst: string, opts: IcmpOptions & FrameOptions = {}): Uint8Array {
  requireFamily(src, 4);
  return frameOf(ipPacket(src, dst, 1, icmpMessage(src, dst, opts), ipOpts(opts)), opts);
}

/** An ICMPv6 packet between IPv6 hosts (type default 128, echo request). */
export function icmp6Pkt(src: string, dst: string, opts: IcmpOptions & FrameOptions = {}): Uint8Array {
  requireFamily(src, 16);
  return frameOf(ipPacket(src, dst, 58, icmpMessage(src, dst, opts), ipOpts(opts)), opts);
}

/** tcpPkt for IPv6 endpoints only (the `-v6` twin). */
export function tcp6Pkt(src: string, dst: string, opts: TcpOptions & FrameOptions = {}): Uint8Array {
  requireFamily(src, 16);
  return tcpPkt(src, dst, opts);
}

/** udpPkt for IPv6 endpoints only. */
export function udp6Pkt(
  src: string,
  dst: string,
  opts: { readonly payload?: Uint8Array } & FrameOptions = {},
): Uint8Array {
  requireFamily(src, 16);
  return udpPkt(src, dst, opts);
}

/** sctpPkt for IPv6 endpoints only. */
export function sctp6Pkt(
  src: string,
  dst: string,
  opts: { readonly payload?: Uint8Array } & FrameOptions = {},
): Uint8Array {
  requireFamily(src, 16);
  return sctpPkt(src, dst, opts);
}

function requireFamily(text: string, len: 4 | 16): void {
  if (parseEndpoint(text).ip.length !== len) {
    throw new Error(`expected an IPv${len === 4 ? 4 : 6} endpoint: ${text}`);
  }
}

// ## Fragments and extension headers

/** An IPv4 fragment carrying `data` (a slice of the L4 datagram) at byte `offset` (multiple of 8). */
export function ipv4Fragment(
  src: string,
  dst: string,
  proto: number,
  data: Uint8Array,
  opts: { readonly offset: number; readonly more: boolean; readonly id: number } & FrameOptions,
): Uint8Array {
  return frameOf(
    ipv4(src, dst, proto, data, { id: opts.id, mf: opts.more, fragOffset: opts.offset, ttl: opts.ttl ?? 64 }),
    opts,
  );
}

/** One IPv6 extension header for ipv6WithExtHeaders. */
export interface Ipv6Ext {
  /** Header kind: 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination options (or any number). */
  readonly type: number;
  /** Total header length in bytes (multiple of 8; AH multiple of 4); default 8, fragment always 8. */
  readonly length?: number;
  /** Fragment header fields (type 44). */
  readonly fragment?: { readonly offset: number; readonly more: boolean; readonly id: number };
}

/** The bytes of an extension-header chain ending in `proto`. */
export function ipv6ExtChain(exts: readonly Ipv6Ext[], proto: number): Uint8Array {
  return concat(
    ...exts.map((e, i) => {
      const next = exts[i + 1]?.type ?? proto;
      const len = e.type === 44 ? 8 : (e.length ?? 8);
      const h = new Uint8Array(len);
      h[0] = next;
      if (e.type === 44) {
        const f = e.fragment ?? { offset: 0, more: false, id: 0 };
        put16(h, 2, (f.offset & 0xfff8) | (f.more ? 1 : 0));
        put32(h, 4, f.id);
      } else if (e.type === 51) {
        h[1] = len / 4 - 2;
      } else {
        h[1] = len / 8 - 1;
      }
      return h;
    }),
  );
}

/** An IPv6 frame whose fixed header is followed by `exts`, then `l4` (bytes of protocol `proto`). */
export function ipv6WithExtHeaders(
  src: string,
  dst: string,
  exts: readonly Ipv6Ext[],
  proto: number,
  l4: Uint8Array,
  opts: FrameOptions = {},
): Uint8Array {
  const first = exts[0]?.type ?? proto;
  return frameOf(
    ipv6(hostOf(src), hostOf(dst), first, concat(ipv6ExtChain(exts, proto), l4), ipOpts(opts)),
    opts,
  );
}

// ## Tunnels

/** Outer-header options for tunnel constructors. */
export interface TunnelOptions extends FrameOptions {
  /** Outer UDP source port, default 49152. */
  readonly srcPort?: number;
  /** Outer UDP destination port (VXLAN 4789, Geneve 6081 by default). */
  readonly dstPort?: number;
}

/** VXLAN (flags I) from `outerSrc` to `outerDst` carrying the Ethernet frame `inner`. */
export function vxlan(
  outerSrc: string,
  outerDst: string,
  vni: number,
  inner: Uint8Array,
  opts: TunnelOptions & { readonly flags?: number } = {},
): Uint8Array {
  const h = new Uint8Array(8);
  h[0] = opts.flags ?? 0x08;
  put32(h, 4, (vni << 8) >>> 0);
  return udpTunnel(outerSrc, outerDst, opts.dstPort ?? 4789, concat(h, inner), opts);
}

/**
 * Geneve carrying the Ethernet frame `inner` (protocol type 0x6558), or its IP packet with `innerIp`
 * (protocol type 0x0800 / 0x86dd); `options` (a multiple of 4 bytes) go after the fixed header.
 */
export function geneve(
  outerSrc: string,
  outerDst: string,
  vni: number,
  inner: Uint8Array,
  opts: TunnelOptions & {
    readonly options?: Uint8Array;
    readonly innerIp?: boolean;
    readonly protocol?: number;
    readonly version?: number;
  } = {},
): Uint8Array {
  const options = opts.options ?? new Uint8Array(0);
  if (options.length % 4 !== 0) {
    throw new Error("Geneve options must be a multiple of 4 bytes");
  }
  const body = opts.innerIp ? stripEthernet(inner) : inner;
  const ptype = opts.protocol ?? (opts.innerIp ? etherTypeOf(inner) : 0x6558);
  const h = new Uint8Array(8);
  h[0] = ((opts.version ?? 0) << 6) | (options.length >> 2);
  put16(h, 2, ptype);
  put32(h, 4, (vni << 8) >>> 0);
  return udpTunnel(outerSrc, outerDst, opts.dstPort ?? 6081, concat(h, options, body), opts);
}

function udpTunnel(
  outerSrc: string,
  outerDst: string,
  dstPort: number,
  payload: Uint8Array,
  opts: TunnelOptions,
): Uint8Array {
  const s = ipText(ipBytes(outerSrc));
  const d = ipText(ipBytes(outerDst));
  const v6 = ipBytes(outerSrc).length === 16;
  const ep = (ip: string, port: number): string => (v6 ? `[${ip}]:${port}` : `${ip}:${port}`);
  const dg = udpDatagram(ep(s, opts.srcPort ?? 49152), ep(d, dstPort), payload);
  return frameOf(ipPacket(s, d, 17, dg, ipOpts(opts)), opts);
}

/**
 * IP-in-IP: the IP packet of the Ethernet frame `inner` inside an outer IPv4 or IPv6 header, protocol 4
 * for an inner IPv4 packet and 41 for IPv6 (or `protocol`).
 */
export function ipip(
  outerSrc: string,
  outerDst: string,
  inner: Uint8Array,
  opts: FrameOptions & { readonly protocol?: number } = {},
): Uint8Array {
  const ip = stripEthernet(inner);
  const proto = opts.protocol ?? (ip[0]! >> 4 === 6 ? 41 : 4);
  return frameOf(ipPacket(hostOf(outerSrc), hostOf(outerDst), proto, ip, ipOpts(opts)), opts);
}
