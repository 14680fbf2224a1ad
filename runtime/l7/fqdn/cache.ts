/**
 * @fileoverview The FQDN cache: addresses learned from DNS answers on allowed DNS flows, each with the
 * names it answered and when each mapping expires, and the identity the program gives the address
 * (SVC_IPCACHE_LOOKUP) — what Cilium's DNS proxy and FQDN name manager maintain (cilium.md §1.6).
 *
 * - A name is matched against the bundle's toFQDNs selectors (anchored regexes over the lower-cased
 *   name with a trailing dot). Answers for names no selector matches are not kept: no policy could use
 *   them.
 * - An address's identity is the one of the union of the selector sets of its live names, per address
 *   family; when the bundle did not plan that exact set (compiler/lower/fqdn-identities.ts), the largest
 *   planned subset is used and `approximated` counts it: fewer allows, never more.
 * - A mapping lives for max(TTL, minTtlSeconds) from the answer (Cilium's --tofqdns-min-ttl, default 0
 *   = the record's TTL). Each name keeps at most maxIpsPerName addresses (Cilium's
 *   --tofqdns-endpoint-max-ip-per-hostname, default 50); beyond it the mapping that expires soonest goes.
 *   Expiry is lazy: looked up addresses drop their expired names then.
 * - Lookups cost one Map probe (IPv4 by number, IPv6 by a 4-word string) and nothing when the cache is
 *   empty.
 */

import { F_DST_IP4, F_DST_IP6, F_IP_VERSION, F_SRC_IP4, F_SRC_IP6 } from "../../context.js";
import type { FqdnMetadata } from "../../metadata.js";
import { addressBytesToString } from "../../packet/describe.js";
import { compileAnchored } from "../re2.js";

/** Options of the cache. */
export interface FqdnCacheOptions {
  /** Lower bound of a mapping's lifetime, seconds (default 0). */
  readonly minTtlSeconds?: number;
  /** Addresses kept per name (default 50). */
  readonly maxIpsPerName?: number;
  /** Addresses kept in all (default 65536); beyond it new answers are not learned. */
  readonly maxAddresses?: number;
}

/** Counters of the cache. */
export interface FqdnCacheCounters {
  /** Address mappings learned (new or refreshed). */
  learned: number;
  /** Answers not kept because no selector matches the name. */
  unselected: number;
  /** Mappings removed because their name reached maxIpsPerName. */
  capped: number;
  /** Mappings expired. */
  expired: number;
  /** Answers not kept because the cache holds maxAddresses. */
  full: number;
  /** Addresses given a planned subset's identity because their exact selector set had none. */
  approximated: number;
}

/** One learned address. */
interface AddressEntry {
  readonly family: 4 | 6;
  /** Key in its family's map. */
  readonly key: number | string;
  readonly text: string;
  /** Name → expiry (ns). */
  readonly names: Map<string, number>;
  /** Identity for the live names (0 = none). */
  identity: number;
  /** Soonest expiry of its names. */
  soonest: number;
}

/** A learned mapping, for listings. */
export interface FqdnMappingView {
  readonly ip: string;
  readonly name: string;
  readonly expiresNs: number;
  readonly identity: number;
}

/** The cache. */
export class FqdnCache {
  /** Counters. */
  readonly counters: FqdnCacheCounters = {
    learned: 0,
    unselected: 0,
    capped: 0,
    expired: 0,
    full: 0,
    approximated: 0,
  };
  private readonly selectors: { readonly re: RegExp | undefined }[];
  private readonly setIdentity = new Map<string, number>();
  private readonly planned: FqdnMetadata["identities"];
  private readonly v4 = new Map<number, AddressEntry>();
  private readonly v6 = new Map<string, AddressEntry>();
  /** Name → its addresses' keys. */
  private readonly byName = new Map<string, Set<AddressEntry>>();
  private readonly minTtlNs: number;
  private readonly maxIpsPerName: number;
  private readonly maxAddresses: number;

  constructor(meta: FqdnMetadata, options: FqdnCacheOptions = {}) {
    this.selectors = meta.selectors.map((s) => {
      const c = compileAnchored(s.regex);
      return { re: c.ok ? c.re : undefined };
    });
    this.planned = meta.identities;
    for (const p of meta.identities) {
      this.setIdentity.set(`${p.family}|${p.selectors.join(",")}`, p.id);
    }
    this.minTtlNs = (options.minTtlSeconds ?? 0) * 1e9;
    this.maxIpsPerName = options.maxIpsPerName ?? 50;
    this.maxAddresses = options.maxAddresses ?? 65536;
  }

  /** Number of learned addresses. */
  get size(): number {
    return this.v4.size + this.v6.size;
  }

  /**
   * Learn that `name` resolved to `address` (4 or 16 bytes) for `ttlSeconds`, at `nowNs`. Returns the
   * identity the address has afterwards (0 when not kept).
   */
  learn(name: string, address: Uint8Array, ttlSeconds: number, nowNs: number): number {
    const key = dnsKey(name);
    if (!this.selectorsOf(key).some((x) => x)) {
      this.counters.unselected++;
      return 0;
    }
    const family = address.length === 4 ? 4 : 6;
    const mapKey = family === 4 ? v4Number(address) : v6Key(address);
    let entry = typeof mapKey === "number" ? this.v4.get(mapKey) : this.v6.get(mapKey);
    if (entry === undefined) {
      if (this.size >= this.maxAddresses) {
        this.counters.full++;
        return 0;
      }
      const text = addressBytesToString(address);
      entry = { family, key: mapKey, text, names: new Map(), identity: 0, soonest: Infinity };
      if (typeof mapKey === "number") {
        this.v4.set(mapKey, entry);
      } else {
        this.v6.set(mapKey, entry);
      }
    }
    const expiry = nowNs + Math.max(ttlSeconds * 1e9, this.minTtlNs);
    entry.names.set(key, Math.max(expiry, entry.names.get(key) ?? 0));
    let owners = this.byName.get(key);
    if (owners === undefined) {
      owners = new Set();
      this.byName.set(key, owners);
    }
    owners.add(entry);
    this.counters.learned++;
    if (owners.size > this.maxIpsPerName) {
      this.evictSoonest(key, owners, entry);
    }
    this.refresh(entry, nowNs);
    return entry.identity;
  }

  /** The FQDN identity of the packet's destination (`source` false) or source address; 0 = none. */
  lookup(ctx: Uint32Array, source: boolean, nowNs: number): number {
    let entry: AddressEntry | undefined;
    if (ctx[F_IP_VERSION] === 4) {
      if (this.v4.size === 0) {
        return 0;
      }
      entry = this.v4.get(ctx[source ? F_SRC_IP4 : F_DST_IP4]!);
    } else {
      if (this.v6.size === 0) {
        return 0;
      }
      const w = source ? F_SRC_IP6 : F_DST_IP6;
      entry = this.v6.get(`${ctx[w]},${ctx[w + 1]},${ctx[w + 2]},${ctx[w + 3]}`);
    }
    if (entry === undefined) {
      return 0;
    }
    if (nowNs > entry.soonest) {
      this.refresh(entry, nowNs);
    }
    return entry.identity;
  }

  /** Every live mapping (for listings and tests). */
  mappings(): FqdnMappingView[] {
    const out: FqdnMappingView[] = [];
    for (const e of [...this.v4.values(), ...this.v6.values()]) {
      for (const [name, expiresNs] of e.names) {
        out.push({ ip: e.text, name, expiresNs, identity: e.identity });
      }
    }
    return out;
  }

  /** Which selectors match the lower-cased, dot-terminated name. */
  private selectorsOf(key: string): boolean[] {
    return this.selectors.map((s) => s.re !== undefined && s.re.test(key));
  }

  /** Drop expired names of `entry` and recompute its identity; forget it when no name is left. */
  private refresh(entry: AddressEntry, nowNs: number): void {
    let soonest = Infinity;
    const union = new Set<number>();
    for (const [name, expiry] of entry.names) {
      if (expiry < nowNs) {
        entry.names.delete(name);
        this.byName.get(name)?.delete(entry);
        this.counters.expired++;
        continue;
      }
      soonest = Math.min(soonest, expiry);
      this.selectorsOf(name).forEach((m, i) => {
        if (m) {
          union.add(i);
        }
      });
    }
    entry.soonest = soonest;
    if (entry.names.size === 0) {
      this.forget(entry);
      entry.identity = 0;
      return;
    }
    entry.identity = this.identityFor(
      [...union].sort((a, b) => a - b),
      entry.family,
    );
  }

  /** The identity of a selector set, or of its largest planned subset. */
  private identityFor(set: readonly number[], family: 4 | 6): number {
    const exact = this.setIdentity.get(`${family}|${set.join(",")}`);
    if (exact !== undefined) {
      return exact;
    }
    this.counters.approximated++;
    let best = 0;
    let bestSize = 0;
    for (const p of this.planned) {
      if (p.family === family && p.selectors.length > bestSize && p.selectors.every((i) => set.includes(i))) {
        best = p.id;
        bestSize = p.selectors.length;
      }
    }
    return best;
  }

  private evictSoonest(name: string, owners: Set<AddressEntry>, keep: AddressEntry): void {
    let victim: AddressEntry | undefined;
    for (const e of owners) {
      if (e !== keep && (victim === undefined || e.names.get(name)! < victim.names.get(name)!)) {
        victim = e;
      }
    }
    if (victim !== undefined) {
      victim.names.delete(name);
      owners.delete(victim);
      this.counters.capped++;
      victim.soonest = 0; // recomputed on its next lookup
      if (victim.names.size === 0) {
        this.forget(victim);
      }
    }
  }

  private forget(entry: AddressEntry): void {
    if (typeof entry.key === "number") {
      this.v4.delete(entry.key);
    } else {
      this.v6.delete(entry.key);
    }
  }
}

/** A DNS name as selectors see it: lower-cased with a trailing dot. */
function dnsKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith(".") ? lower : `${lower}.`;
}

function v4Number(a: Uint8Array): number {
  return ((a[0]! << 24) | (a[1]! << 16) | (a[2]! << 8) | a[3]!) >>> 0;
}

/** The key the context's four IPv6 words give (big-endian words, as the parser stores them). */
function v6Key(a: Uint8Array): string {
  const w = (i: number): number => ((a[i]! << 24) | (a[i + 1]! << 16) | (a[i + 2]! << 8) | a[i + 3]!) >>> 0;
  return `${w(0)},${w(4)},${w(8)},${w(12)}`;
}
