/**
 * @fileoverview The FQDN cache: which answers it keeps, the identity each learned address gets from the
 * selectors its names match (cilium.md §1.6 pattern semantics), TTL expiry, the per-name address cap.
 */

import { describe, expect, it } from "vitest";
import { F_DST_IP4, F_DST_IP6, F_IP_VERSION, createContext } from "../../../runtime/context.js";
import { FqdnCache } from "../../../runtime/l7/fqdn/cache.js";
import type { FqdnMetadata } from "../../../runtime/metadata.js";

// matchName api.example.com and matchPattern *.example.com, as the Cilium front end compiles them.
const META: FqdnMetadata = {
  selectors: [
    { label: "fqdn:api.example.com", regex: "^api[.]example[.]com[.]$" },
    { label: "fqdn:*.example.com", regex: "^[-a-zA-Z0-9_]*[.]example[.]com[.]$" },
  ],
  identities: [
    { selectors: [0], family: 4, id: 16777300 },
    { selectors: [1], family: 4, id: 16777301 },
    { selectors: [0, 1], family: 4, id: 16777302 },
    { selectors: [1], family: 6, id: 16777303 },
  ],
};

const S = 1e9;

function dst4(ip: string): Uint32Array {
  const ctx = createContext();
  ctx[F_IP_VERSION] = 4;
  const p = ip.split(".").map(Number);
  ctx[F_DST_IP4] = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  return ctx;
}

describe("FqdnCache", () => {
  it("gives an address the identity of the selectors its name matches", () => {
    const c = new FqdnCache(META);
    expect(c.learn("www.example.com", Uint8Array.of(192, 0, 2, 1), 60, 0)).toBe(16777301);
    expect(c.learn("API.Example.com.", Uint8Array.of(192, 0, 2, 2), 60, 0)).toBe(16777302);
    expect(c.lookup(dst4("192.0.2.1"), false, 1)).toBe(16777301);
    expect(c.lookup(dst4("192.0.2.2"), false, 1)).toBe(16777302);
    expect(c.lookup(dst4("192.0.2.3"), false, 1)).toBe(0);
  });

  it("keeps nothing for names no selector matches (`*.example.com` does not match example.com)", () => {
    const c = new FqdnCache(META);
    expect(c.learn("example.com", Uint8Array.of(192, 0, 2, 9), 60, 0)).toBe(0);
    expect(c.learn("a.b.example.com", Uint8Array.of(192, 0, 2, 9), 60, 0)).toBe(0);
    expect(c.counters.unselected).toBe(2);
    expect(c.size).toBe(0);
  });

  it("unions the names of one address, and falls back to the largest planned subset", () => {
    const c = new FqdnCache(META);
    const ip6 = new Uint8Array(16);
    ip6[0] = 0x20;
    ip6[1] = 0x01;
    ip6[2] = 0x0d;
    ip6[3] = 0xb8;
    ip6[15] = 1;
    expect(c.learn("www.example.com", ip6, 60, 0)).toBe(16777303);
    // api.example.com matches both selectors; {0,1} has no IPv6 identity: {1} is the largest planned.
    expect(c.learn("api.example.com", ip6, 60, 0)).toBe(16777303);
    expect(c.counters.approximated).toBe(1);
    const ctx = createContext();
    ctx[F_IP_VERSION] = 6;
    ctx[F_DST_IP6] = 0x20010db8;
    ctx[F_DST_IP6 + 3] = 1;
    expect(c.lookup(ctx, false, 0)).toBe(16777303);
  });

  it("expires a mapping after its TTL, or the TTL floor", () => {
    const c = new FqdnCache(META);
    c.learn("www.example.com", Uint8Array.of(192, 0, 2, 1), 30, 0);
    expect(c.lookup(dst4("192.0.2.1"), false, 30 * S)).toBe(16777301);
    expect(c.lookup(dst4("192.0.2.1"), false, 30 * S + 1)).toBe(0);
    expect(c.counters.expired).toBe(1);
    const floor = new FqdnCache(META, { minTtlSeconds: 3600 });
    floor.learn("www.example.com", Uint8Array.of(192, 0, 2, 1), 30, 0);
    expect(floor.lookup(dst4("192.0.2.1"), false, 600 * S)).toBe(16777301);
  });

  it("keeps at most maxIpsPerName addresses per name, dropping the one expiring soonest", () => {
    const c = new FqdnCache(META, { maxIpsPerName: 2 });
    c.learn("www.example.com", Uint8Array.of(192, 0, 2, 1), 10, 0);
    c.learn("www.example.com", Uint8Array.of(192, 0, 2, 2), 100, 0);
    c.learn("www.example.com", Uint8Array.of(192, 0, 2, 3), 50, 0);
    expect(c.counters.capped).toBe(1);
    expect(c.lookup(dst4("192.0.2.1"), false, 1)).toBe(0);
    expect(c.lookup(dst4("192.0.2.2"), false, 1)).toBe(16777301);
    expect(c.lookup(dst4("192.0.2.3"), false, 1)).toBe(16777301);
  });
});
