// The LPM trie on IPv4 and IPv6 (/0 to /32 and /128, word boundaries, IPv4-mapped), dense and sparse
// sets, exact fields in front of the prefix, and refusal of priorities that contradict "longest wins".
import { describe, expect, it } from "vitest";

import { MATCH_EXACT, MATCH_LPM, MATCH_RANGE } from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import { F_DST_IP4, F_DST_IP6, F_DST_PORT, F_META0, F_SRC_IP6 } from "../../runtime/context.js";
import { buildLpm, tryBuildLpm } from "../../runtime/tables/lpm.js";
import { ctxOf, ip4, ip6, lpmData, makeTable, type Row } from "./table-helpers.js";

const v4 = [{ field: F_DST_IP4, words: 1, kind: MATCH_LPM }];
const v6 = [{ field: F_DST_IP6, words: 4, kind: MATCH_LPM }];

/** A row whose priority follows the prefix length (longer = better). */
function route(words: number | readonly number[], len: number, maxBits = 32): Row {
  return { priority: maxBits - len, data: [lpmData(words, len)] };
}

describe("lpm trie", () => {
  it("finds the longest IPv4 prefix, /0 through /32", () => {
    const t = makeTable(v4, [
      route(0, 0),
      route(ip4("10.0.0.0"), 8),
      route(ip4("10.1.0.0"), 16),
      route(ip4("10.1.2.0"), 24),
      route(ip4("10.1.2.3"), 32),
      route(ip4("192.168.0.0"), 16),
      route(ip4("10.1.2.128"), 25),
    ]);
    const l = buildLpm(t);
    const at = (a: string): number => l.lookup(ctxOf({ [F_DST_IP4]: ip4(a) }));
    expect(l.algorithm).toBe("lpm");
    expect(at("10.1.2.3")).toBe(4);
    expect(at("10.1.2.4")).toBe(3);
    expect(at("10.1.2.127")).toBe(3);
    expect(at("10.1.2.128")).toBe(6);
    expect(at("10.1.2.255")).toBe(6);
    expect(at("10.1.3.0")).toBe(2);
    expect(at("10.255.0.1")).toBe(1);
    expect(at("192.168.255.255")).toBe(5);
    expect(at("192.169.0.0")).toBe(0);
    expect(at("0.0.0.0")).toBe(0);
    expect(at("255.255.255.255")).toBe(0);
  });

  it("misses outside every prefix when there is no default route", () => {
    const l = buildLpm(makeTable(v4, [route(ip4("10.0.0.0"), 8), route(ip4("10.0.0.1"), 32)]));
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("11.0.0.1") }))).toBe(NO_ENTRY);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("9.255.255.255") }))).toBe(NO_ENTRY);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.0.0.1") }))).toBe(1);
  });

  it("handles thousands of /24 and /32 routes (wide first level, trie nodes and lists)", () => {
    // 10.x.y.0/24 for x < 8, y < 256 at entry 2 * (256x + y); 10.x.y.7/32 for even y right after.
    const rows: Row[] = [];
    const net = new Map<string, number>();
    const host = new Map<string, number>();
    for (let x = 0; x < 8; x++) {
      for (let y = 0; y < 256; y++) {
        net.set(`${x}.${y}`, rows.length);
        rows.push(route(ip4(`10.${x}.${y}.0`), 24));
        if (y % 2 === 0) {
          host.set(`${x}.${y}`, rows.length);
          rows.push(route(ip4(`10.${x}.${y}.7`), 32));
        }
      }
    }
    rows.push(route(ip4("172.16.0.0"), 12));
    const l = buildLpm(makeTable(v4, rows));
    const at = (a: string): number => l.lookup(ctxOf({ [F_DST_IP4]: ip4(a) }));
    for (let x = 0; x < 8; x++) {
      for (let y = 0; y < 256; y += 5) {
        expect(at(`10.${x}.${y}.7`)).toBe(y % 2 === 0 ? host.get(`${x}.${y}`) : net.get(`${x}.${y}`));
        expect(at(`10.${x}.${y}.8`)).toBe(net.get(`${x}.${y}`));
      }
    }
    expect(at("10.8.0.7")).toBe(NO_ENTRY);
    expect(at("172.31.255.255")).toBe(rows.length - 1);
    expect(at("172.32.0.0")).toBe(NO_ENTRY);
  });

  it("finds the longest IPv6 prefix, /0 through /128, across word boundaries", () => {
    const t = makeTable(v6, [
      route(ip6("::"), 0, 128),
      route(ip6("2001:db8::"), 32, 128),
      route(ip6("2001:db8:0:1::"), 64, 128),
      route(ip6("2001:db8:0:1:8000::"), 65, 128),
      route(ip6("2001:db8:0:1::1"), 128, 128),
      route(ip6("::ffff:10.0.0.0"), 104, 128), // IPv4-mapped 10.0.0.0/8
      route(ip6("2001:db8:0:1::"), 127, 128),
    ]);
    const l = buildLpm(t);
    const at = (a: string): number => l.lookup(ctxOf({ [F_DST_IP6]: ip6(a) }));
    expect(at("2001:db8:0:1::1")).toBe(4);
    expect(at("2001:db8:0:1::")).toBe(6);
    expect(at("2001:db8:0:1::2")).toBe(2);
    expect(at("2001:db8:0:1:8000::1")).toBe(3);
    expect(at("2001:db8:0:1:7fff::")).toBe(2);
    expect(at("2001:db8:0:2::")).toBe(1);
    expect(at("2001:db8:ffff::")).toBe(1);
    expect(at("2001:db9::")).toBe(0);
    expect(at("::ffff:10.1.2.3")).toBe(5);
    expect(at("::ffff:11.1.2.3")).toBe(0);
  });

  it("keeps sparse /128 host routes small", () => {
    const rows = Array.from({ length: 3000 }, (_, i) =>
      route([0x20010db8, 0, i * 0x10001, (i * 2654435761) >>> 0], 128, 128),
    );
    const l = buildLpm(makeTable(v6, rows));
    expect(l.trie.length).toBeLessThan(3000 * 64);
    for (let i = 0; i < 3000; i += 13) {
      const a = [0x20010db8, 0, i * 0x10001, (i * 2654435761) >>> 0];
      expect(l.lookup(ctxOf({ [F_DST_IP6]: a }))).toBe(i);
      expect(l.lookup(ctxOf({ [F_DST_IP6]: [a[0]!, a[1]!, a[2]!, (a[3]! ^ 1) >>> 0] }))).toBe(NO_ENTRY);
    }
  });

  it("puts exact fields in front of the prefix, so each exact value has its own routes", () => {
    const keys = [
      { field: F_META0, words: 1, kind: MATCH_EXACT },
      { field: F_SRC_IP6, words: 4, kind: MATCH_LPM },
    ];
    const t = makeTable(keys, [
      { priority: 128, data: [[1], lpmData(ip6("::"), 0)] },
      { priority: 64, data: [[1], lpmData(ip6("fd00::"), 64)] },
      { priority: 64, data: [[2], lpmData(ip6("fd00::"), 64)] },
      { priority: 0, data: [[2], lpmData(ip6("fd00::5"), 128)] },
    ]);
    const l = buildLpm(t);
    const at = (id: number, a: string): number => l.lookup(ctxOf({ [F_META0]: id, [F_SRC_IP6]: ip6(a) }));
    expect(at(1, "fd00::5")).toBe(1);
    expect(at(1, "fd01::")).toBe(0);
    expect(at(2, "fd00::5")).toBe(3);
    expect(at(2, "fd00::6")).toBe(2);
    expect(at(2, "fd01::")).toBe(NO_ENTRY);
    expect(at(3, "fd00::5")).toBe(NO_ENTRY);
  });

  it("keeps the best of identical prefixes", () => {
    const t = makeTable(v4, [
      { priority: 9, data: [lpmData(ip4("10.0.0.0"), 8)] },
      { priority: 3, data: [lpmData(ip4("10.0.0.0"), 8)] },
      { priority: 3, data: [lpmData(ip4("10.0.0.0"), 8)] },
    ]);
    expect(buildLpm(t).lookup(ctxOf({ [F_DST_IP4]: ip4("10.9.9.9") }))).toBe(1);
  });

  it("refuses priorities where a shorter prefix beats a longer one inside it", () => {
    const t = makeTable(v4, [
      { priority: 0, data: [lpmData(ip4("10.0.0.0"), 8)] },
      { priority: 5, data: [lpmData(ip4("10.1.0.0"), 16)] },
    ]);
    expect(typeof tryBuildLpm(t)).toBe("string");
    expect(() => buildLpm(t)).toThrow(Error);
    // Disjoint prefixes may have any priorities.
    const ok = makeTable(v4, [
      { priority: 0, data: [lpmData(ip4("10.0.0.0"), 8)] },
      { priority: 5, data: [lpmData(ip4("11.1.0.0"), 16)] },
    ]);
    expect(typeof tryBuildLpm(ok)).not.toBe("string");
  });

  it("refuses tables that are not one lpm field plus exact fields", () => {
    const two = makeTable([...v4, { field: F_SRC_IP6, words: 4, kind: MATCH_LPM }], []);
    const range = makeTable([...v4, { field: F_DST_PORT, words: 1, kind: MATCH_RANGE }], []);
    expect(() => buildLpm(two)).toThrow(Error);
    expect(() => buildLpm(range)).toThrow(Error);
  });
});
