// The linear scan against hand-written expectations from the definition in lookup.ts, and against an
// independent naive reading of that definition on random tables.
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MATCH_EXACT, MATCH_LPM, MATCH_RANGE, MATCH_TERNARY } from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import {
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_PORT,
  F_TCP_FLAGS,
} from "../../runtime/context.js";
import { buildLinearScan } from "../../runtime/tables/linear-scan.js";
import {
  contextFor,
  ctxOf,
  ctxRecipeArb,
  ip4,
  ip6,
  lpmData,
  makeTable,
  naiveBest,
  tableArb,
} from "./table-helpers.js";

describe("linear scan", () => {
  it("returns NO_ENTRY for an empty table", () => {
    const t = makeTable([{ field: F_SRC_PORT, words: 1, kind: MATCH_RANGE }], []);
    expect(buildLinearScan(t).lookup(ctxOf({}))).toBe(NO_ENTRY);
  });

  it("matches exact keys word for word, including 4-word keys", () => {
    const a = ip6("2001:db8::1");
    const t = makeTable(
      [
        { field: F_PROTO, words: 1, kind: MATCH_EXACT },
        { field: F_DST_IP6, words: 4, kind: MATCH_EXACT },
      ],
      [
        { priority: 5, data: [[6], a] },
        { priority: 5, data: [[17], a] },
      ],
    );
    const l = buildLinearScan(t);
    expect(l.lookup(ctxOf({ [F_PROTO]: 6, [F_DST_IP6]: a }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_PROTO]: 17, [F_DST_IP6]: a }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_PROTO]: 6, [F_DST_IP6]: ip6("2001:db8::2") }))).toBe(NO_ENTRY);
    expect(l.lookup(ctxOf({ [F_PROTO]: 1, [F_DST_IP6]: a }))).toBe(NO_ENTRY);
  });

  it("picks the smallest priority, then the lowest index", () => {
    const any = [0, 0xffffffff];
    const t = makeTable(
      [{ field: F_DST_PORT, words: 1, kind: MATCH_RANGE }],
      [
        { priority: 3, data: [any] },
        { priority: 1, data: [[80, 80]] },
        { priority: 1, data: [[0, 1023]] },
        { priority: 0xffffffff, data: [any] },
      ],
    );
    const l = buildLinearScan(t);
    expect(l.lookup(ctxOf({ [F_DST_PORT]: 80 }))).toBe(1); // ties with entry 2 at priority 1
    expect(l.lookup(ctxOf({ [F_DST_PORT]: 81 }))).toBe(2);
    expect(l.lookup(ctxOf({ [F_DST_PORT]: 1024 }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_DST_PORT]: 0xffffffff }))).toBe(0);
  });

  it("treats ranges as inclusive and unsigned, including 0..0xffffffff", () => {
    const t = makeTable(
      [{ field: F_SRC_PORT, words: 1, kind: MATCH_RANGE }],
      [
        { priority: 0, data: [[0x7fffffff, 0x80000000]] },
        { priority: 1, data: [[0, 0xffffffff]] },
        { priority: 2, data: [[7, 7]] },
      ],
    );
    const l = buildLinearScan(t);
    expect(l.lookup(ctxOf({ [F_SRC_PORT]: 0x80000000 }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_SRC_PORT]: 0x7fffffff }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_SRC_PORT]: 0x80000001 }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_SRC_PORT]: 0 }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_SRC_PORT]: 0xffffffff }))).toBe(1);
  });

  it("matches IPv4 prefixes /0, /8, /31 and /32", () => {
    const t = makeTable(
      [{ field: F_DST_IP4, words: 1, kind: MATCH_LPM }],
      [
        { priority: 0, data: [lpmData(ip4("10.0.0.1"), 32)] },
        { priority: 1, data: [lpmData(ip4("10.0.0.2"), 31)] },
        { priority: 2, data: [lpmData(ip4("10.0.0.0"), 8)] },
        { priority: 3, data: [lpmData(0, 0)] },
      ],
    );
    const l = buildLinearScan(t);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.0.0.1") }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.0.0.2") }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.0.0.3") }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.0.0.4") }))).toBe(2);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.255.255.255") }))).toBe(2);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("11.0.0.0") }))).toBe(3);
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("255.255.255.255") }))).toBe(3);
  });

  it("matches IPv6 prefixes across word boundaries, /0 and /128", () => {
    const t = makeTable(
      [{ field: F_DST_IP6, words: 4, kind: MATCH_LPM }],
      [
        { priority: 0, data: [lpmData(ip6("2001:db8::1"), 128)] },
        { priority: 1, data: [lpmData(ip6("2001:db8::"), 64)] },
        { priority: 2, data: [lpmData(ip6("2001:db8:0:0:8000::"), 65)] }, // shadowed inside the /64
        { priority: 3, data: [lpmData(ip6("2001:db8::"), 33)] },
        { priority: 4, data: [lpmData(ip6("::"), 0)] },
      ],
    );
    const l = buildLinearScan(t);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8::1") }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8::2") }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8::8000:0:0:1") }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8:0:1::") }))).toBe(3);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8:7fff::") }))).toBe(3);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("2001:db8:8000::") }))).toBe(4);
    expect(l.lookup(ctxOf({ [F_DST_IP6]: ip6("ffff::") }))).toBe(4);
  });

  it("matches ternary keys under non-contiguous masks", () => {
    // SYN set and ACK clear; then anything with bit 31 and bit 0 both set.
    const t = makeTable(
      [{ field: F_TCP_FLAGS, words: 1, kind: MATCH_TERNARY }],
      [
        { priority: 0, data: [[0x02, 0x12]] },
        { priority: 1, data: [[0x80000001, 0x80000001]] },
        { priority: 2, data: [[0, 0]] },
      ],
    );
    const l = buildLinearScan(t);
    expect(l.lookup(ctxOf({ [F_TCP_FLAGS]: 0x02 }))).toBe(0);
    expect(l.lookup(ctxOf({ [F_TCP_FLAGS]: 0x12 }))).toBe(2); // SYN and ACK set, bit 31 clear
    expect(l.lookup(ctxOf({ [F_TCP_FLAGS]: 0x0b }))).toBe(0); // SYN+FIN+PSH, ACK clear
    expect(l.lookup(ctxOf({ [F_TCP_FLAGS]: 0x80000013 }))).toBe(1);
    expect(l.lookup(ctxOf({ [F_TCP_FLAGS]: 0x80000012 }))).toBe(2);
  });

  it("requires every field of a mixed key to match", () => {
    const t = makeTable(
      [
        { field: F_SRC_IP4, words: 1, kind: MATCH_LPM },
        { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
        { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
      ],
      [
        { priority: 0, data: [lpmData(ip4("192.168.0.0"), 16), [443, 443], [6, 0xff]] },
        { priority: 1, data: [lpmData(ip4("192.168.1.0"), 24), [0, 65535], [0, 0]] },
      ],
    );
    const l = buildLinearScan(t);
    const c = (src: string, port: number, proto: number): Uint32Array =>
      ctxOf({ [F_SRC_IP4]: ip4(src), [F_DST_PORT]: port, [F_PROTO]: proto });
    expect(l.lookup(c("192.168.1.9", 443, 6))).toBe(0);
    expect(l.lookup(c("192.168.1.9", 443, 17))).toBe(1);
    expect(l.lookup(c("192.168.2.9", 443, 17))).toBe(NO_ENTRY);
    expect(l.lookup(c("192.168.2.9", 444, 6))).toBe(NO_ENTRY);
    expect(l.lookup(c("192.168.1.9", 70000, 6))).toBe(NO_ENTRY);
  });

  it("agrees with the definition on random tables and contexts", () => {
    fc.assert(
      fc.property(tableArb(), fc.array(ctxRecipeArb, { minLength: 1, maxLength: 20 }), (table, recipes) => {
        const l = buildLinearScan(table);
        for (const r of recipes) {
          const ctx = contextFor(table, r);
          expect(l.lookup(ctx)).toBe(naiveBest(table, ctx));
        }
      }),
      { numRuns: 300 },
    );
  });
});
