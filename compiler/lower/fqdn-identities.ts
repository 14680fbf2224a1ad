/**
 * @fileoverview Identities for addresses learned from DNS answers (toFQDNs), planned at compile time.
 *
 * Cilium labels an address a DNS answer gave with `fqdn:<selector>` for every toFQDNs selector whose
 * pattern matches the answered name, and gives each distinct label set its own identity. Policy rows
 * key on peer identities, so every label set an address can get at run time needs its identity — and
 * its rows — in the bundle. sluice allocates:
 *   - the set of each address given at compile time (`--fqdn name=ip`),
 *   - every single selector, per address family,
 *   - every combination of selectors when there are at most ALL_SUBSETS_UP_TO of them, else every pair
 *     when there are at most PAIRS_UP_TO (an address answering two names, or a name matched by a
 *     matchName and a matchPattern at once, is common; three-way overlaps of many selectors are not).
 * At run time the FQDN cache (runtime/l7/fqdn) gives a learned address the identity of its exact set,
 * or, when that set was not allocated, the identity of the largest allocated subset — fewer allows,
 * never more, since toFQDNs selectors only allow (cilium.md §2.2: deny has no FQDN form) — and counts it.
 */

import { parseIp } from "../net/ip.js";
import type { PolicyEntry } from "../ir/entry.js";
import type { IdentityAllocator } from "./identities.js";

/** With this many selectors or fewer, every combination gets an identity (2^n − 1 per family). */
export const ALL_SUBSETS_UP_TO = 5;
/** With this many selectors or fewer, every pair gets an identity. */
export const PAIRS_UP_TO = 16;

/** A DNS answer given at compile time: `name` resolved to `ips`. */
export interface FqdnMappingInput {
  readonly name: string;
  readonly ips: readonly string[];
}

/** One toFQDNs selector as the runtime matches names against it. */
export interface FqdnSelectorPlan {
  /** `fqdn:<matchName or matchPattern>`. */
  readonly label: string;
  /** Anchored regex over the lower-cased name with its trailing dot. */
  readonly regex: string;
}

/** The plan: selectors, the allocation keys of each planned set, and the given addresses. */
export interface FqdnPlan {
  readonly selectors: readonly FqdnSelectorPlan[];
  /** Allocation key → (selector indexes, family). */
  readonly sets: ReadonlyMap<string, { readonly selectors: readonly number[]; readonly family: 4 | 6 }>;
  /** Given address → allocation key. */
  readonly given: ReadonlyMap<bigint, string>;
}

/** The allocation key of a selector set and family. */
function setKey(selectors: readonly FqdnSelectorPlan[], indexes: readonly number[], family: 4 | 6): string {
  return `${indexes.map((i) => selectors[i]!.regex).join("\u0000")}|${family}`;
}

/** Non-empty index subsets of 0..n-1 to allocate, each sorted ascending. */
function plannedSubsets(n: number): number[][] {
  const out: number[][] = [];
  if (n <= ALL_SUBSETS_UP_TO) {
    for (let mask = 1; mask < 1 << n; mask++) {
      out.push([...Array(n).keys()].filter((i) => (mask & (1 << i)) !== 0));
    }
    return out;
  }
  for (let i = 0; i < n; i++) {
    out.push([i]);
  }
  if (n <= PAIRS_UP_TO) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        out.push([i, j]);
      }
    }
  }
  return out;
}

/** Plan the FQDN identities of `entries` and request them from `alloc`. */
export function planFqdnIdentities(
  entries: readonly PolicyEntry[],
  mappings: readonly FqdnMappingInput[],
  alloc: IdentityAllocator,
): FqdnPlan {
  const byRegex = new Map<string, string>();
  for (const e of entries) {
    for (const p of e.type === "rule" ? e.peers : []) {
      if (p.kind === "fqdn") {
        byRegex.set(
          p.selector.regex,
          `fqdn:${p.selector.matchName ?? p.selector.matchPattern ?? p.selector.regex}`,
        );
      }
    }
  }
  const selectors = [...byRegex.keys()].sort().map((regex) => ({ regex, label: byRegex.get(regex)! }));
  const sets = new Map<string, { selectors: readonly number[]; family: 4 | 6 }>();
  const request = (indexes: readonly number[], family: 4 | 6): string => {
    const key = setKey(selectors, indexes, family);
    if (!sets.has(key)) {
      const world = family === 4 ? "world-ipv4" : "world-ipv6";
      const labels = new Map<string, string>([
        ...indexes.map((i) => [selectors[i]!.label, ""] as [string, string]),
        ["reserved:world", ""],
        [`reserved:${world}`, ""],
      ]);
      alloc.requestFqdn(key, labels);
      sets.set(key, { selectors: indexes, family });
    }
    return key;
  };
  for (const subset of plannedSubsets(selectors.length)) {
    request(subset, 4);
    request(subset, 6);
  }
  const given = new Map<bigint, string>();
  for (const m of mappings) {
    const lower = m.name.toLowerCase();
    const name = lower.endsWith(".") ? lower : `${lower}.`;
    const matched = selectors.flatMap((s, i) => (new RegExp(s.regex).test(name) ? [i] : []));
    if (matched.length === 0) {
      continue;
    }
    for (const ip of m.ips) {
      const a = parseIp(ip);
      if (a !== undefined) {
        given.set(a.addr, request(matched, a.family === 4 ? 4 : 6));
      }
    }
  }
  return { selectors, sets, given };
}
