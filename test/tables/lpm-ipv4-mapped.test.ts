// The LPM trie's IPv4-mapped shortcut (lpm.ts): 128-bit tables mixing ::ffff:a.b.c.d prefixes with
// shorter prefixes that enclose or border ::ffff:0:0/96 and plain IPv6 prefixes answer as the
// definition (naiveBest) says, for mapped and unmapped keys.

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MATCH_LPM } from "../../runtime/bytecode/bundle.js";
import { F_DST_IP6 } from "../../runtime/context.js";
import { buildLpm } from "../../runtime/tables/lpm.js";
import { ctxOf, lpmData, makeTable, naiveBest, type Row } from "./table-helpers.js";

const v6 = [{ field: F_DST_IP6, words: 4, kind: MATCH_LPM }];

/** Address words: IPv4-mapped (RFC 4291 §2.5.5.2), near-mapped, or other IPv6. */
const addrArb: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffffffff }).map((a) => [0, 0, 0xffff, a]) },
  { weight: 2, arbitrary: fc.constantFrom(0x0a000000, 0x0a010203, 0xc0a80001).map((a) => [0, 0, 0xffff, a]) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<number[]>(
      [0, 0, 0xfffe, 0x0a000001],
      [0, 1, 0xffff, 0x0a000001],
      [0, 0, 0, 1],
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<number[]>([0xfd000010, 0, 0, 1], [0x20010db8, 0, 0xffff, 0x0a000001]),
  },
);

/** Prefix length: host routes, IPv4 subnets, the /96 itself and shorter enclosing prefixes. */
const lenArb = fc.constantFrom(0, 16, 80, 95, 96, 104, 112, 120, 127, 128);

function mask(words: readonly number[], len: number): number[] {
  return words.map((w, j) => {
    const bits = len - 32 * j;
    return bits >= 32 ? w : bits <= 0 ? 0 : (w & (0xffffffff << (32 - bits))) >>> 0;
  });
}

const rowArb: fc.Arbitrary<Row> = fc
  .tuple(addrArb, lenArb)
  .map(([a, len]) => ({ priority: 128 - len, data: [lpmData(mask(a, len), len)] }));

describe("lpm IPv4-mapped shortcut", () => {
  it("agrees with the definition for mapped and unmapped keys", () => {
    fc.assert(
      fc.property(
        fc.array(rowArb, { minLength: 1, maxLength: 60 }),
        fc.array(addrArb, { maxLength: 20 }),
        (rows, keys) => {
          const table = makeTable(v6, rows);
          const l = buildLpm(table);
          const probes = [...keys, ...rows.map((r) => r.data[0]!.slice(0, 4))];
          for (const k of probes) {
            const ctx = ctxOf({ [F_DST_IP6]: k });
            expect(l.lookup(ctx)).toBe(naiveBest(table, ctx));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("takes the shortcut on a large ipcache-like table", () => {
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      rows.push({ priority: 0, data: [lpmData([0, 0, 0xffff, (0x0a010000 + i) >>> 0], 128)] });
      rows.push({ priority: 0, data: [lpmData([0xfd000010, 0, 0, i], 128)] });
    }
    rows.push({ priority: 128, data: [lpmData([0, 0, 0, 0], 0)] });
    const table = makeTable(v6, rows);
    const l = buildLpm(table);
    expect(l.v4Field).toBe(F_DST_IP6);
    for (const a of [
      [0, 0, 0xffff, 0x0a010005],
      [0, 0, 0xffff, 0x0b000000],
      [0xfd000010, 0, 0, 7],
      [1, 2, 3, 4],
    ]) {
      const ctx = ctxOf({ [F_DST_IP6]: a });
      expect(l.lookup(ctx)).toBe(naiveBest(table, ctx));
    }
  });
});
