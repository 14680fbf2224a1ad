// The exact-match hash: hits, misses, duplicate keys resolved by priority then index, 4-word keys,
// dense colliding keys, and refusal of non-exact tables.
import { describe, expect, it } from "vitest";

import { MATCH_EXACT, MATCH_RANGE } from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import { F_DST_IP6, F_DST_PORT, F_META0, F_PROTO } from "../../runtime/context.js";
import { buildExactHash } from "../../runtime/tables/exact-hash.js";
import { ctxOf, ip6, makeTable } from "./table-helpers.js";

describe("exact hash", () => {
  const identityPort = [
    { field: F_META0, words: 1, kind: MATCH_EXACT },
    { field: F_DST_PORT, words: 1, kind: MATCH_EXACT },
    { field: F_PROTO, words: 1, kind: MATCH_EXACT },
  ];

  it("finds each key and misses everything else", () => {
    const t = makeTable(identityPort, [
      { priority: 0, data: [[1000], [80], [6]] },
      { priority: 0, data: [[1000], [443], [6]] },
      { priority: 0, data: [[0xffffffff], [0], [0]] },
      { priority: 0, data: [[0], [0], [0]] },
    ]);
    const h = buildExactHash(t);
    const c = (id: number, port: number, proto: number): Uint32Array =>
      ctxOf({ [F_META0]: id, [F_DST_PORT]: port, [F_PROTO]: proto });
    expect(h.algorithm).toBe("hash");
    expect(h.lookup(c(1000, 80, 6))).toBe(0);
    expect(h.lookup(c(1000, 443, 6))).toBe(1);
    expect(h.lookup(c(0xffffffff, 0, 0))).toBe(2);
    expect(h.lookup(c(0, 0, 0))).toBe(3);
    expect(h.lookup(c(1000, 80, 17))).toBe(NO_ENTRY);
    expect(h.lookup(c(1001, 80, 6))).toBe(NO_ENTRY);
    expect(h.lookup(c(80, 1000, 6))).toBe(NO_ENTRY);
  });

  it("keeps the best of duplicate keys: smallest priority, then lowest index", () => {
    const t = makeTable(identityPort, [
      { priority: 5, data: [[7], [53], [17]] },
      { priority: 2, data: [[7], [53], [17]] },
      { priority: 2, data: [[7], [53], [17]] },
      { priority: 9, data: [[8], [53], [17]] },
      { priority: 9, data: [[8], [53], [17]] },
    ]);
    const h = buildExactHash(t);
    expect(h.lookup(ctxOf({ [F_META0]: 7, [F_DST_PORT]: 53, [F_PROTO]: 17 }))).toBe(1);
    expect(h.lookup(ctxOf({ [F_META0]: 8, [F_DST_PORT]: 53, [F_PROTO]: 17 }))).toBe(3);
  });

  it("compares every word of 4-word keys", () => {
    const a = ip6("2001:db8::1");
    const t = makeTable(
      [{ field: F_DST_IP6, words: 4, kind: MATCH_EXACT }],
      [
        { priority: 0, data: [a] },
        { priority: 0, data: [ip6("2001:db8::2")] },
      ],
    );
    const h = buildExactHash(t);
    expect(h.lookup(ctxOf({ [F_DST_IP6]: a }))).toBe(0);
    expect(h.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8::2") }))).toBe(1);
    expect(h.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db9::1") }))).toBe(NO_ENTRY);
    expect(h.lookup(ctxOf({ [F_DST_IP6]: ip6("::1") }))).toBe(NO_ENTRY);
  });

  it("survives dense keys that collide in the low bits (10,000 entries)", () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({ priority: 0, data: [[i << 16], [i & 1], [6]] }));
    const h = buildExactHash(makeTable(identityPort, rows));
    for (let i = 0; i < 10_000; i += 7) {
      expect(h.lookup(ctxOf({ [F_META0]: i << 16, [F_DST_PORT]: i & 1, [F_PROTO]: 6 }))).toBe(i);
      expect(h.lookup(ctxOf({ [F_META0]: i << 16, [F_DST_PORT]: (i & 1) ^ 1, [F_PROTO]: 6 }))).toBe(NO_ENTRY);
    }
  });

  it("misses everything in an empty table", () => {
    const h = buildExactHash(makeTable(identityPort, []));
    expect(h.lookup(ctxOf({}))).toBe(NO_ENTRY);
  });

  it("refuses tables with a non-exact key field", () => {
    const t = makeTable([{ field: F_DST_PORT, words: 1, kind: MATCH_RANGE }], []);
    expect(() => buildExactHash(t)).toThrow(Error);
  });
});
