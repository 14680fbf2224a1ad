/**
 * @fileoverview IP addresses and prefixes at compile time, as 128-bit bigints in the IPv4-mapped space.
 *
 * The runtime sees every address as 128 bits with IPv4 mapped to ::ffff:a.b.c.d (runtime/context.ts),
 * so the compiler works in the same space: an IPv4 prefix a.b.c.d/n is ::ffff:a.b.c.d/(96+n). Parsing
 * is strict (no leading zeros in dotted quads, at most one "::") and errors are messages, not throws,
 * so front ends can turn them into diagnostics.
 */

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

function parseV4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) {
    return undefined;
  }
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255) {
      return undefined;
    }
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

function parseV6(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) {
    return undefined;
  }
  const halves = text.split("::");
  if (halves.length > 2) {
    return undefined;
  }
  const groups = (s: string): bigint[] | undefined => {
    if (s === "") {
      return [];
    }
    const out: bigint[] = [];
    const parts = s.split(":");
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (i === parts.length - 1 && p.includes(".")) {
        const v4 = parseV4(p);
        if (v4 === undefined) {
          return undefined;
        }
        out.push(v4 >> 16n, v4 & 0xffffn);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
        out.push(BigInt(`0x${p}`));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || tail === undefined) {
    return undefined;
  }
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) {
    return undefined;
  }
  let v = 0n;
  for (const g of [...head, ...new Array<bigint>(missing).fill(0n), ...tail]) {
    v = (v << 16n) | g;
  }
  return v;
}

/** Parse an address; IPv4 lands in the mapped space. */
export function parseIp(text: string): { family: 4 | 6; addr: bigint } | undefined {
  const v4 = parseV4(text);
  if (v4 !== undefined) {
    return { family: 4, addr: V4_MAPPED | v4 };
  }
  const v6 = parseV6(text);
  return v6 === undefined ? undefined : { family: 6, addr: v6 };
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

/** Whether prefix `inner` lies within prefix `outer`. */
export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return inner.len >= outer.len && (inner.addr & prefixMask(outer.len)) === outer.addr;
}

/** Whether `addr` lies within `p`. */
export function prefixHas(p: Prefix, addr: bigint): boolean {
  return (addr & prefixMask(p.len)) === p.addr;
}

/** Format an address of the mapped space (IPv4 for mapped addresses). */
export function formatIp(addr: bigint): string {
  if (addr >> 32n === 0xffffn) {
    const v = Number(addr & 0xffffffffn);
    return [24, 16, 8, 0].map((s) => (v >>> s) & 255).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) {
    groups.push(Number((addr >> BigInt(16 * i)) & 0xffffn));
  }
  // RFC 5952: compress the longest run (>= 2) of zero groups, the first on ties.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) {
      j++;
    }
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) {
    return hex.join(":");
  }
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
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
