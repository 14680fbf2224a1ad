/**
 * @fileoverview IP addresses and prefixes at compile time, as 128-bit bigints in the IPv4-mapped space.
 *
 * The runtime sees every address as 128 bits with IPv4 mapped to ::ffff:a.b.c.d (runtime/context.ts),
 * so the lowering works in the same space: an IPv4 prefix a.b.c.d/n is ::ffff:a.b.c.d/(96+n). This is
 * a view over cidr.ts, which parses and prints addresses in their own family; errors are messages,
 * not throws, so front ends can turn them into diagnostics.
 */

import { formatIp as formatFamilyIp, parseIp as parseFamilyIp } from "./cidr.js";

/** A parsed prefix in the mapped 128-bit space. */
export interface Prefix {
  /** 4 or 6: the family the text was written in. */
  readonly family: 4 | 6;
  /** Network address (host bits zero) as a 128-bit value. */
  readonly addr: bigint;
  /** Prefix length in the 128-bit space (IPv4 /n is 96+n). */
  readonly len: number;
}

const V4_MAPPED = 0xffffn << 32n;
const ALL128 = (1n << 128n) - 1n;

/** Parse an address; IPv4 lands in the mapped space. */
export function parseIp(text: string): { family: 4 | 6; addr: bigint } | undefined {
  const ip = parseFamilyIp(text);
  if (ip === undefined) {
    return undefined;
  }
  return ip.family === 4 ? { family: 4, addr: V4_MAPPED | ip.value } : { family: 6, addr: ip.value };
}

/** Mask of the top `len` bits of 128. */
export function prefixMask(len: number): bigint {
  return len === 0 ? 0n : (ALL128 >> BigInt(128 - len)) << BigInt(128 - len);
}

/**
 * Parse `a.b.c.d/n` or `x::/n` (a bare address is a /32 or /128). Returns an error message when the
 * text is not a prefix or has host bits set (Kubernetes and Cilium reject those).
 */
export function parsePrefix(text: string, allowHostBits = false): Prefix | string {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (ip === undefined) {
    return `'${addrText}' is not an IPv4 or IPv6 address`;
  }
  const max = ip.family === 4 ? 32 : 128;
  let len = max;
  if (slash >= 0) {
    const lt = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(lt) || Number(lt) > max) {
      return `prefix length '/${lt}' must be 0..${max}`;
    }
    len = Number(lt);
  }
  const len128 = ip.family === 4 ? 96 + len : len;
  const masked = ip.addr & prefixMask(len128);
  if (masked !== ip.addr && !allowHostBits) {
    return `'${text}' has host bits set; did you mean ${formatPrefix({ family: ip.family, addr: masked, len: len128 })}?`;
  }
  return { family: ip.family, addr: masked, len: len128 };
}

/**
 * Whether prefix `inner` lies within prefix `outer`. Families never mix: an IPv6 prefix such as ::/0
 * covers the mapped IPv4 space numerically, but a Kubernetes or Cilium ::/0 means IPv6 only.
 */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family &&
    inner.len >= outer.len &&
    (inner.addr & prefixMask(outer.len)) === outer.addr
  );
}

/** Whether `addr` (mapped space) lies within `p`, families kept apart as in prefixContains. */
export function prefixHas(p: Prefix, addr: bigint): boolean {
  const family = addr >> 32n === 0xffffn ? 4 : 6;
  return family === p.family && (addr & prefixMask(p.len)) === p.addr;
}

/** Format an address of the mapped space (IPv4 for mapped addresses). */
export function formatIp(addr: bigint): string {
  return addr >> 32n === 0xffffn
    ? formatFamilyIp({ family: 4, value: addr & 0xffffffffn })
    : formatFamilyIp({ family: 6, value: addr });
}

/** Format a prefix in its family's notation. */
export function formatPrefix(p: Prefix): string {
  return p.family === 4 ? `${formatIp(p.addr)}/${p.len - 96}` : `${formatIp(p.addr)}/${p.len}`;
}

/** The four 32-bit words of a 128-bit value, most significant first (the context's layout). */
export function toWords(addr: bigint): [number, number, number, number] {
  return [
    Number((addr >> 96n) & 0xffffffffn),
    Number((addr >> 64n) & 0xffffffffn),
    Number((addr >> 32n) & 0xffffffffn),
    Number(addr & 0xffffffffn),
  ];
}

/** IPv4 host-order u32 of a mapped address, or undefined for a true IPv6 address. */
export function toIpv4(addr: bigint): number | undefined {
  return addr >> 32n === 0xffffn ? Number(addr & 0xffffffffn) : undefined;
}

/** The whole IPv4 space (::ffff:0.0.0.0/96) and the whole space. */
export const IPV4_ALL: Prefix = { family: 4, addr: V4_MAPPED, len: 96 };
export const IPV6_ALL: Prefix = { family: 6, addr: 0n, len: 0 };

/** Prefixes covering exactly `p` minus every prefix in `minus` (used for "cidr except ..." blocks). */
export function subtractPrefixes(p: Prefix, minus: readonly Prefix[]): Prefix[] {
  const inside = minus.filter((m) => prefixContains(p, m) || prefixContains(m, p));
  if (inside.length === 0) {
    return [p];
  }
  if (inside.some((m) => prefixContains(m, p))) {
    return [];
  }
  // Split in halves; each half keeps only the holes inside it. Depth is bounded by 128.
  const half = 1n << BigInt(127 - p.len);
  const lo: Prefix = { family: p.family, addr: p.addr, len: p.len + 1 };
  const hi: Prefix = { family: p.family, addr: p.addr | half, len: p.len + 1 };
  return [...subtractPrefixes(lo, inside), ...subtractPrefixes(hi, inside)];
}
