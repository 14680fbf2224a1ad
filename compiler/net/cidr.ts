/**
 * @fileoverview IPv4/IPv6 addresses and CIDR prefixes as bigints: parse, format, contain, overlap.
 *
 * Addresses are held as unsigned integers (32 bits for IPv4, 128 for IPv6) so ranges, containment and
 * "next free address" arithmetic are one comparison each. Parsing follows Go's `net.ParseIP` /
 * `net.ParseCIDR`, which is what the Kubernetes API server validates with: dotted-quad IPv4 without
 * leading zeros, RFC 4291 IPv6 text (one `::`, optional dotted IPv4 tail), no zone (`%eth0`).
 * Formatting is canonical (RFC 5952 for IPv6: lower case, longest zero run compressed).
 */

/** An address family: 4 or 6. */
export type IpFamily = 4 | 6;

/** A parsed IP address. */
export interface IpAddress {
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The address as an unsigned integer. */
  readonly value: bigint;
}

/** A CIDR prefix with its host bits cleared. */
export interface Cidr {
  /** 4 or 6. */
  readonly family: IpFamily;
  /** The network (first) address. */
  readonly base: bigint;
  /** Prefix length, 0..32 or 0..128. */
  readonly prefix: number;
}

/** Address width in bits of a family. */
export function familyBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** The largest address of a family (all ones). */
export function maxAddress(family: IpFamily): bigint {
  return (1n << BigInt(familyBits(family))) - 1n;
}

/** Parse dotted-quad IPv4 text (no leading zeros, as Go ≥ 1.17 requires). */
export function parseIpv4(text: string): bigint | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) {
    return undefined;
  }
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) {
      return undefined;
    }
    const n = Number(p);
    if (n > 255) {
      return undefined;
    }
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

/** Parse a run of `:`-separated IPv6 groups (each 1–4 hex digits; the last may be dotted IPv4). */
function parseGroups(text: string, allowV4Tail: boolean): number[] | undefined {
  if (text === "") {
    return [];
  }
  const parts = text.split(":");
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (i === parts.length - 1 && allowV4Tail && p.includes(".")) {
      const v4 = parseIpv4(p);
      if (v4 === undefined) {
        return undefined;
      }
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      continue;
    }
    if (!/^[0-9a-fA-F]{1,4}$/.test(p)) {
      return undefined;
    }
    out.push(parseInt(p, 16));
  }
  return out;
}

/** Parse IPv6 text (RFC 4291 §2.2; zones are rejected). */
export function parseIpv6(text: string): bigint | undefined {
  if (text.includes("%")) {
    return undefined;
  }
  const dbl = text.indexOf("::");
  let groups: number[];
  if (dbl < 0) {
    const g = parseGroups(text, true);
    if (g?.length !== 8) {
      return undefined;
    }
    groups = g;
  } else {
    if (text.indexOf("::", dbl + 1) >= 0) {
      return undefined;
    }
    const head = parseGroups(text.slice(0, dbl), false);
    const tail = parseGroups(text.slice(dbl + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) {
      return undefined;
    }
    groups = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  let v = 0n;
  for (const g of groups) {
    v = (v << 16n) | BigInt(g);
  }
  return v;
}

/** Parse an IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | undefined {
  if (text.includes(":")) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { family: 4, value };
}

/** Canonical text of an address (dotted quad; RFC 5952 for IPv6). */
export function formatIp(addr: IpAddress): string {
  if (addr.family === 4) {
    const v = addr.value;
    return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join(".");
  }
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) {
    groups.push(Number((addr.value >> BigInt(i * 16)) & 0xffffn));
  }
  // Longest run of two or more zero groups; the first one on a tie (RFC 5952 §4.2.3).
  let bestStart = -1;
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
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) {
    return hex(groups);
  }
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** The netmask of a prefix length, as an integer. */
function maskOf(family: IpFamily, prefix: number): bigint {
  const bits = familyBits(family);
  return ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

/** Parse `address/length`; returns the prefix (host bits cleared) and the address as written. */
export function parsePrefix(text: string): { readonly cidr: Cidr; readonly address: IpAddress } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) {
    return undefined;
  }
  const address = parseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  if (address === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(lenText)) {
    return undefined;
  }
  const prefix = Number(lenText);
  if (prefix > familyBits(address.family)) {
    return undefined;
  }
  return {
    cidr: { family: address.family, base: address.value & maskOf(address.family, prefix), prefix },
    address,
  };
}

/** Parse `address/length` (host bits are cleared, as `net.ParseCIDR` does). */
export function parseCidr(text: string): Cidr | undefined {
  return parsePrefix(text)?.cidr;
}

/** Parse a CIDR, or a bare address as a host prefix (/32 or /128). */
export function parseCidrOrIp(text: string): Cidr | undefined {
  if (text.includes("/")) {
    return parseCidr(text);
  }
  const a = parseIp(text);
  return a === undefined ? undefined : { family: a.family, base: a.value, prefix: familyBits(a.family) };
}

/** Canonical `address/length` text. */
export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.base })}/${c.prefix}`;
}

/** Last address of a prefix. */
export function cidrLast(c: Cidr): bigint {
  return c.base | (maxAddress(c.family) >> BigInt(c.prefix));
}

/** Whether `addr` lies inside `c` (same family only). */
export function cidrContains(c: Cidr, addr: IpAddress): boolean {
  return c.family === addr.family && addr.value >= c.base && addr.value <= cidrLast(c);
}

/** Whether two prefixes share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.base <= cidrLast(b) && b.base <= cidrLast(a);
}
