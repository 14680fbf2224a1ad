// What "auto" picks for each kind of table, and which forced algorithms build or throw.
import { describe, expect, it } from "vitest";

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  MATCH_TERNARY,
  type KeyField,
} from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import { F_DST_IP4, F_DST_PORT, F_META0, F_PROTO } from "../../runtime/context.js";
import { buildTableLookup, type TableAlgorithm } from "../../runtime/tables/select.js";
import { ctxOf, ip4, lpmData, makeTable, type Row } from "./table-helpers.js";

const exactKeys: KeyField[] = [
  { field: F_META0, words: 1, kind: MATCH_EXACT },
  { field: F_DST_PORT, words: 1, kind: MATCH_EXACT },
];
const lpmKeys: KeyField[] = [{ field: F_DST_IP4, words: 1, kind: MATCH_LPM }];
const mixedKeys: KeyField[] = [
  { field: F_DST_IP4, words: 1, kind: MATCH_LPM },
  { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
  { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
];

const exactRows = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ priority: 0, data: [[i], [80]] }));
const routes = (n: number, consistent: boolean): Row[] =>
  Array.from({ length: n }, (_, i) => {
    const len = 8 + (i % 25);
    const addr = (ip4(`10.${i & 255}.${(i * 7) & 255}.${(i * 13) & 255}`) & ((-1 << (32 - len)) | 0)) >>> 0;
    return { priority: consistent ? 32 - len : i, data: [lpmData(addr, len)] };
  });
const mixedRows = (n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({
    priority: i,
    data: [lpmData(ip4(`10.${i & 255}.0.0`), 16), [i, i + 10], [6, 0xff]],
  }));

describe("buildTableLookup", () => {
  it("auto: an empty table always misses", () => {
    const l = buildTableLookup(makeTable(mixedKeys, []));
    expect(l.algorithm).toBe("empty");
    expect(l.lookup(ctxOf({ [F_DST_PORT]: 1 }))).toBe(NO_ENTRY);
  });

  it("auto: all-exact keys get the hash, whatever the size", () => {
    expect(buildTableLookup(makeTable(exactKeys, exactRows(3))).algorithm).toBe("hash");
    const l = buildTableLookup(makeTable(exactKeys, exactRows(500)));
    expect(l.algorithm).toBe("hash");
    expect(l.lookup(ctxOf({ [F_META0]: 42, [F_DST_PORT]: 80 }))).toBe(42);
  });

  it("auto: tiny tables that are not all-exact get the linear scan", () => {
    expect(buildTableLookup(makeTable(mixedKeys, mixedRows(8))).algorithm).toBe("linear");
    expect(buildTableLookup(makeTable(lpmKeys, routes(8, true))).algorithm).toBe("linear");
  });

  it("auto: one lpm field with longest-prefix priorities gets the trie", () => {
    const l = buildTableLookup(makeTable(lpmKeys, routes(200, true)));
    expect(l.algorithm).toBe("lpm");
  });

  it("auto: lpm priorities that contradict the prefix length fall back to the classifier", () => {
    const rows = routes(200, true);
    rows.push({ priority: 0, data: [lpmData(ip4("10.0.0.0"), 8)] }); // a /8 outranking the longer routes inside it
    const l = buildTableLookup(makeTable(lpmKeys, rows));
    expect(l.algorithm).toBe("classifier");
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.0.7.13") }))).toBe(200);
  });

  it("auto: mixed keys get the classifier", () => {
    const l = buildTableLookup(makeTable(mixedKeys, mixedRows(100)));
    expect(l.algorithm).toBe("classifier");
    expect(l.lookup(ctxOf({ [F_DST_IP4]: ip4("10.5.1.1"), [F_DST_PORT]: 12, [F_PROTO]: 6 }))).toBe(5);
  });

  it("forces any algorithm that can represent the table", () => {
    const cases: [TableAlgorithm, KeyField[], Row[]][] = [
      ["linear", mixedKeys, mixedRows(50)],
      ["classifier", exactKeys, exactRows(5)],
      ["classifier", lpmKeys, routes(50, false)],
      ["hash", exactKeys, exactRows(5)],
      ["lpm", lpmKeys, routes(5, true)],
    ];
    for (const [algorithm, keys, rows] of cases) {
      expect(buildTableLookup(makeTable(keys, rows), { algorithm }).algorithm).toBe(algorithm);
    }
  });

  it("throws a plain Error when a forced algorithm cannot represent the table", () => {
    expect(() => buildTableLookup(makeTable(mixedKeys, mixedRows(5)), { algorithm: "hash" })).toThrow(Error);
    expect(() => buildTableLookup(makeTable(mixedKeys, mixedRows(5)), { algorithm: "lpm" })).toThrow(Error);
    expect(() => buildTableLookup(makeTable(lpmKeys, routes(200, false)), { algorithm: "lpm" })).toThrow(
      Error,
    );
    expect(() => buildTableLookup(makeTable(exactKeys, []), { algorithm: "lpm" })).toThrow(Error);
  });
});
