/**
 * @fileoverview Deterministic synthetic pod addresses, outside every avoided CIDR and every real address.
 *
 * Workload templates have no IPs, and snapshot IPs are sometimes unusable (hostNetwork pods share their
 * node's address: `ipblockstest` has 29 pods on 14 IPs), yet a packet engine needs one address per pod.
 * `assignSyntheticIps` gives pods one fresh IPv4 and one fresh IPv6 address each — only pods without
 * addresses (`"missing"`) or all pods (`"always"`) — in pod order, from the first candidate pool with
 * room: IPv4 10.244.0.0/16, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16, 10.0.0.0/8, then the whole
 * unicast space; IPv6 fd00:10:244::/64, fd00::/8, then the whole space. Addresses inside a caller's
 * avoided CIDR (policy ipBlocks, so an ipBlock never matches a pod by accident), equal to a real pod,
 * node or service address of the snapshot, or in a special-purpose block (this network, loopback,
 * link-local, multicast, reserved) are never handed out. The same inputs always give the same addresses.
 *
 * The allocator walks each pool upwards and jumps over avoided ranges (kept sorted and merged), so the
 * cost is O((pods + real addresses + avoided ranges) · log ranges), however large the ranges are.
 */

import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { cidrLast, formatCidr, formatIp, parseCidr, parseCidrOrIp, parseIp } from "../net/cidr.js";
import type { Cidr, IpFamily } from "../net/cidr.js";
import type { Pod } from "./model.js";

/** No free synthetic address is left outside the avoided ranges. */
export const S_ADDRESS_POOL_EXHAUSTED = "S4010";
/** An avoided CIDR given by the caller does not parse. */
export const S_BAD_AVOID_CIDR = "S4011";

/** Which pods get synthetic addresses: those without any, or every pod (snapshot IPs replaced). */
export type SyntheticIpMode = "missing" | "always";

/** Candidate IPv4 pools, in the order they are tried. */
export const IPV4_POOLS: readonly string[] = [
  "10.244.0.0/16",
  "100.64.0.0/10",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "10.0.0.0/8",
  "0.0.0.0/0",
];

/** Candidate IPv6 pools, in the order they are tried. */
export const IPV6_POOLS: readonly string[] = ["fd00:10:244::/64", "fd00::/8", "::/0"];

/** Blocks never used for pods: this network, loopback, link-local, multicast, reserved/broadcast. */
const SPECIAL_V4: readonly string[] = [
  "0.0.0.0/8",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "224.0.0.0/4",
  "240.0.0.0/4",
];
/** IPv6 blocks never used: ::/8 (unspecified, loopback, v4-mapped, NAT64), link-local, multicast. */
const SPECIAL_V6: readonly string[] = ["::/8", "fe80::/10", "ff00::/8"];

/** An inclusive range of addresses. */
interface Interval {
  lo: bigint;
  hi: bigint;
}

function mustParse(text: string): Cidr {
  const c = parseCidr(text);
  if (c === undefined) {
    throw new Error(`BUG: bad built-in CIDR ${text}`);
  }
  return c;
}

/** Sorted, merged (overlapping or adjacent) intervals. */
function mergeIntervals(list: Interval[]): Interval[] {
  const sorted = [...list].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && iv.lo <= last.hi + 1n) {
      if (iv.hi > last.hi) {
        last.hi = iv.hi;
      }
    } else {
      out.push({ lo: iv.lo, hi: iv.hi });
    }
  }
  return out;
}

/**
 * Hands out addresses of one family: walks the candidate pools in order, skipping avoided ranges and
 * taken addresses. Deterministic for equal inputs.
 */
export class AddressAllocator {
  /** The family handed out. */
  readonly family: IpFamily;
  private readonly pools: readonly Interval[];
  private readonly blocked: readonly Interval[];
  private readonly taken: Set<bigint>;
  private pool = 0;
  private cursor: bigint;

  /** `avoid`: CIDRs of any family (others are ignored); `taken`: addresses already in use. */
  constructor(family: IpFamily, avoid: readonly Cidr[], taken: Iterable<bigint>) {
    this.family = family;
    const own = (c: Cidr): boolean => c.family === family;
    const special = (family === 4 ? SPECIAL_V4 : SPECIAL_V6).map(mustParse);
    this.blocked = mergeIntervals(
      [...avoid.filter(own), ...special].map((c) => ({ lo: c.base, hi: cidrLast(c) })),
    );
    // Skip each pool's network address (and, for IPv4, its broadcast-style last address).
    this.pools = (family === 4 ? IPV4_POOLS : IPV6_POOLS).map(mustParse).map((c) => ({
      lo: c.base + 1n,
      hi: family === 4 ? cidrLast(c) - 1n : cidrLast(c),
    }));
    this.taken = new Set(taken);
    this.cursor = this.pools[0]!.lo;
  }

  /** The blocked interval holding `a`, if any (binary search). */
  private blockedAt(a: bigint): Interval | undefined {
    let lo = 0;
    let hi = this.blocked.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const iv = this.blocked[mid]!;
      if (a < iv.lo) {
        hi = mid - 1;
      } else if (a > iv.hi) {
        lo = mid + 1;
      } else {
        return iv;
      }
    }
    return undefined;
  }

  /** The next free address, or undefined when every pool is exhausted. */
  next(): bigint | undefined {
    while (this.pool < this.pools.length) {
      const range = this.pools[this.pool]!;
      let a = this.cursor;
      while (a <= range.hi) {
        const blk = this.blockedAt(a);
        if (blk !== undefined) {
          a = blk.hi + 1n;
        } else if (this.taken.has(a)) {
          a++;
        } else {
          this.taken.add(a);
          this.cursor = a + 1n;
          return a;
        }
      }
      this.pool++;
      const nextPool = this.pools[this.pool];
      if (nextPool !== undefined) {
        this.cursor = nextPool.lo;
      }
    }
    return undefined;
  }
}

/** Options of `assignSyntheticIps`. */
export interface SyntheticIpOptions {
  /** Which pods get addresses (default "missing"). */
  readonly mode?: SyntheticIpMode;
  /** CIDRs (or bare addresses) no synthetic address may fall in. */
  readonly avoidCidrs?: readonly string[];
  /** Addresses in use elsewhere (node and service IPs); pods' own snapshot IPs are added. */
  readonly takenIps?: Iterable<string>;
}

/** Parse the avoided CIDRs, reporting (S4011) and dropping bad ones. */
export function parseAvoidCidrs(texts: readonly string[], diags: Diagnostics): Cidr[] {
  const out: Cidr[] = [];
  for (const t of texts) {
    const c = parseCidrOrIp(t.trim());
    if (c === undefined) {
      diags.error(S_BAD_AVOID_CIDR, `cannot parse '${t}' as a CIDR to keep synthetic pod addresses out of`);
    } else {
      out.push(c);
    }
  }
  return out;
}

function takenValues(texts: Iterable<string>, family: IpFamily): bigint[] {
  const out: bigint[] = [];
  for (const t of texts) {
    const a = parseIp(t);
    if (a?.family === family) {
      out.push(a.value);
    }
  }
  return out;
}

/**
 * Give pods synthetic addresses (one IPv4, one IPv6 each): with mode "missing" only pods without
 * addresses, with "always" every pod (replacing its snapshot addresses). Pods keep their order; an
 * exhausted family is reported once (S4010) and those pods get what is left.
 */
export function assignSyntheticIps(
  pods: readonly Pod[],
  diags: Diagnostics,
  options: SyntheticIpOptions = {},
): Pod[] {
  const mode = options.mode ?? "missing";
  const avoid = parseAvoidCidrs(options.avoidCidrs ?? [], diags);
  // The allocators are made when the first pod needs an address: parsing every taken address is the
  // costly part for a large snapshot whose pods all have addresses (BENCHMARKS.md, compile time).
  let allocators: AddressAllocator[] | undefined;
  const exhausted = new Set<IpFamily>();
  return pods.map((pod) => {
    if (mode === "missing" && pod.ips.length > 0) {
      return pod;
    }
    if (allocators === undefined) {
      const taken = [...(options.takenIps ?? []), ...pods.flatMap((p) => p.ips)];
      allocators = ([4, 6] as const).map((f) => new AddressAllocator(f, avoid, takenValues(taken, f)));
    }
    const ips: string[] = [];
    for (const alloc of allocators) {
      const v = exhausted.has(alloc.family) ? undefined : alloc.next();
      if (v !== undefined) {
        ips.push(formatIp({ family: alloc.family, value: v }));
      } else if (!exhausted.has(alloc.family)) {
        exhausted.add(alloc.family);
        const shown = avoid.filter((c) => c.family === alloc.family).map(formatCidr);
        diags.error(
          S_ADDRESS_POOL_EXHAUSTED,
          `no free IPv${alloc.family} address left for synthetic pod addresses (first pod without one: ${pod.namespace}/${pod.name})`,
          undefined,
          `the avoided CIDRs (${shown.slice(0, 4).join(", ")}${shown.length > 4 ? ", …" : ""}) leave no room; narrow them`,
        );
      }
    }
    return { ...pod, ips };
  });
}
