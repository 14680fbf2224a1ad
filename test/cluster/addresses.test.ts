import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { AddressAllocator, assignSyntheticIps } from "../../compiler/cluster/addresses.js";
import type { Pod } from "../../compiler/cluster/model.js";
import { Diagnostics, oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { cidrContains, formatIp, parseCidr, parseIp } from "../../compiler/net/cidr.js";

function mkPod(name: string, ips: readonly string[] = []): Pod {
  return {
    namespace: "default",
    name,
    labels: new Map(),
    ips,
    ports: [],
    workload: { namespace: "default", name, kind: "Pod" },
    hostNetwork: false,
    serviceAccount: "default",
  };
}

const pods = (n: number): Pod[] => Array.from({ length: n }, (_, i) => mkPod(`p${i}`));

describe("assignSyntheticIps", () => {
  it("gives each pod one IPv4 and one IPv6 address from the first pools", () => {
    const diags = new Diagnostics();
    const out = assignSyntheticIps(pods(3), diags);
    expect(out.map((p) => p.ips)).toEqual([
      ["10.244.0.1", "fd00:10:244::1"],
      ["10.244.0.2", "fd00:10:244::2"],
      ["10.244.0.3", "fd00:10:244::3"],
    ]);
    expect(diags.all).toEqual([]);
  });

  it('"missing" keeps pods that have addresses; "always" replaces them but still avoids them', () => {
    const input = [mkPod("a", ["10.244.0.2"]), mkPod("b"), mkPod("c", ["fd00:10:244::1"])];
    const missing = assignSyntheticIps(input, new Diagnostics(), { mode: "missing" });
    expect(missing.map((p) => p.ips)).toEqual([
      ["10.244.0.2"],
      ["10.244.0.1", "fd00:10:244::2"],
      ["fd00:10:244::1"],
    ]);
    expect(missing[0]).toBe(input[0]);
    const always = assignSyntheticIps(input, new Diagnostics(), { mode: "always" });
    expect(always.map((p) => p.ips)).toEqual([
      ["10.244.0.1", "fd00:10:244::2"],
      ["10.244.0.3", "fd00:10:244::3"],
      ["10.244.0.4", "fd00:10:244::4"],
    ]);
  });

  it("skips taken addresses and avoided CIDRs, moving on to later pools", () => {
    const out = assignSyntheticIps(pods(2), new Diagnostics(), {
      avoidCidrs: ["10.244.0.0/16", "100.64.0.0/10", "fd00:10:244::/64"],
      takenIps: ["172.16.0.1", "fd00::1"],
    });
    expect(out.map((p) => p.ips)).toEqual([
      ["172.16.0.2", "fd00::2"],
      ["172.16.0.3", "fd00::3"],
    ]);
  });

  it("accepts bare addresses as avoided hosts", () => {
    const out = assignSyntheticIps(pods(1), new Diagnostics(), {
      avoidCidrs: ["10.244.0.1", "fd00:10:244::1"],
    });
    expect(out[0]!.ips).toEqual(["10.244.0.2", "fd00:10:244::2"]);
  });

  it("falls back to the whole unicast space, never into special-purpose blocks", () => {
    const out = assignSyntheticIps(pods(1), new Diagnostics(), {
      avoidCidrs: [
        "10.0.0.0/8",
        "100.64.0.0/10",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "0.0.0.0/2",
        "fd00::/8",
        "::/1",
      ],
    });
    // 0.0.0.0/2 covers 1.x–63.x; the next free unicast address is 64.0.0.0 (0/8 and 127/8 are never used).
    expect(out[0]!.ips).toEqual(["64.0.0.0", "8000::"]);
  });

  it("fails clearly when /0 is avoided, and still gives the other family", () => {
    const diags = new Diagnostics();
    const out = assignSyntheticIps(pods(2), diags, { avoidCidrs: ["0.0.0.0/0"] });
    expect(out.map((p) => p.ips)).toEqual([["fd00:10:244::1"], ["fd00:10:244::2"]]);
    expect(diags.all.map(oneLine)).toEqual([
      "error[S4010]: no free IPv4 address left for synthetic pod addresses (first pod without one: default/p0)",
    ]);
    expect(diags.all[0]!.help).toContain("0.0.0.0/0");
  });

  it("reports unparsable avoided CIDRs (S4011) and ignores them", () => {
    const diags = new Diagnostics();
    const out = assignSyntheticIps(pods(1), diags, { avoidCidrs: ["10.0.0.0/33", " 10.244.0.0/24 "] });
    expect(out[0]!.ips[0]).toBe("10.244.1.0");
    expect(diags.all.map(oneLine)).toEqual([
      "error[S4011]: cannot parse '10.0.0.0/33' as a CIDR to keep synthetic pod addresses out of",
    ]);
  });

  it("is deterministic", () => {
    const opts = { mode: "always" as const, avoidCidrs: ["10.244.0.0/20"], takenIps: ["10.244.16.1"] };
    const a = assignSyntheticIps(pods(50), new Diagnostics(), opts);
    const b = assignSyntheticIps(pods(50), new Diagnostics(), opts);
    expect(a.map((p) => p.ips)).toEqual(b.map((p) => p.ips));
  });
});

describe("AddressAllocator", () => {
  /** The complement of 10.244.2.0/24 in the IPv4 space. */
  const ALL_BUT_ONE_24 = [
    "0.0.0.0/5",
    "8.0.0.0/7",
    "10.0.0.0/9",
    "10.128.0.0/10",
    "10.192.0.0/11",
    "10.224.0.0/12",
    "10.240.0.0/14",
    "10.244.0.0/23",
    "10.244.3.0/24",
    "10.244.4.0/22",
    "10.244.8.0/21",
    "10.244.16.0/20",
    "10.244.32.0/19",
    "10.244.64.0/18",
    "10.244.128.0/17",
    "10.245.0.0/16",
    "10.246.0.0/15",
    "10.248.0.0/13",
    "11.0.0.0/8",
    "12.0.0.0/6",
    "16.0.0.0/4",
    "32.0.0.0/3",
    "64.0.0.0/2",
    "128.0.0.0/1",
  ].map((t) => parseCidr(t)!);

  it("hands out every free address once, in order, then undefined", () => {
    const alloc = new AddressAllocator(4, ALL_BUT_ONE_24, [parseIp("10.244.2.7")!.value]);
    const got: string[] = [];
    for (let v = alloc.next(); v !== undefined; v = alloc.next()) {
      got.push(formatIp({ family: 4, value: v }));
    }
    expect(got).toHaveLength(255);
    expect(got.slice(0, 8)).toEqual([0, 1, 2, 3, 4, 5, 6, 8].map((i) => `10.244.2.${i}`));
    expect(got[254]).toBe("10.244.2.255");
    expect(alloc.next()).toBeUndefined();
  });

  it("ignores avoided CIDRs of the other family", () => {
    const alloc = new AddressAllocator(6, ALL_BUT_ONE_24, []);
    expect(formatIp({ family: 6, value: alloc.next()! })).toBe("fd00:10:244::1");
  });
});

describe("property: synthetic addresses avoid every avoided CIDR and never repeat", () => {
  const v4Cidr = fc
    .tuple(fc.integer({ min: 0, max: 0xffffffff }), fc.integer({ min: 0, max: 32 }))
    .map(([v, len]) => `${formatIp({ family: 4, value: BigInt(v) })}/${len}`);
  // Bias v6 prefixes towards the pools the allocator starts with, so collisions are likely.
  const v6Cidr = fc
    .tuple(
      fc.constantFrom("fd00:10:244::", "fd00::", "::", "fd00:10:244::1", "fd00:10:244::4"),
      fc.bigInt({ min: 0n, max: (1n << 16n) - 1n }),
      fc.integer({ min: 8, max: 128 }),
    )
    .map(([base, low, len]) => {
      const value = parseIp(base)!.value + low;
      return `${formatIp({ family: 6, value })}/${len}`;
    });
  const nearPool = fc
    .tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 24, max: 32 }))
    .map(([off, len]) => `${formatIp({ family: 4, value: 0x0af40000n + BigInt(off) })}/${len}`);

  it("holds for random avoid lists and taken addresses", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(v4Cidr, v6Cidr, nearPool), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 10 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom("missing" as const, "always" as const),
        (avoidCidrs, takenOffsets, n, mode) => {
          const taken = takenOffsets.map((o) => formatIp({ family: 4, value: 0x0af40000n + BigInt(o) }));
          const input = pods(n).map((p, i) =>
            i % 3 === 0 && taken[i] !== undefined ? { ...p, ips: [taken[i]] } : p,
          );
          const diags = new Diagnostics();
          const out = assignSyntheticIps(input, diags, { mode, avoidCidrs, takenIps: taken });
          const avoid = avoidCidrs.map((t) => parseCidr(t)!);
          const exhausted = new Set(diags.all.filter((d) => d.code === "S4010").map((d) => d.message));
          const fresh = out.flatMap((p, i) => (p === input[i] ? [] : p.ips));
          const realIps = new Set([...taken, ...input.flatMap((p) => p.ips)]);
          for (const text of fresh) {
            const a = parseIp(text)!;
            expect(avoid.some((c) => cidrContains(c, a))).toBe(false);
            expect(realIps.has(text)).toBe(false);
          }
          expect(new Set(fresh).size).toBe(fresh.length);
          // Every pod that needed addresses got both families, unless a family ran out (only with /0-ish avoids).
          for (let i = 0; i < out.length; i++) {
            if (out[i] !== input[i]) {
              expect(out[i]!.ips.length + exhausted.size).toBeGreaterThanOrEqual(2);
            }
          }
          expect(assignSyntheticIps(input, new Diagnostics(), { mode, avoidCidrs, takenIps: taken })).toEqual(
            out,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
