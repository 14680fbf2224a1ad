// The LPM trie's IPv4-mapped shortcut in the wasm lookup (lookup-lpm.ts): 128-bit tables mixing
// ::ffff:a.b.c.d prefixes with prefixes that enclose or border ::ffff:0:0/96 (/0, /80, /95, /96) and
// plain IPv6 prefixes, compiled to wasm and compared with the interpreter and with the definition
// (naiveBest) on mapped, near-mapped and unmapped keys.
import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MATCH_LPM, entryStride } from "../../runtime/bytecode/bundle.js";
import type { KeyField, TableDef } from "../../runtime/bytecode/bundle.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { lookupBundle } from "./batch-helpers.js";
import { F_DST_IP6, createContext } from "../../runtime/context.js";
import { loadProgram } from "../../runtime/program.js";
import { Lpm } from "../../runtime/tables/lpm.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import { naiveBest } from "../tables/table-helpers.js";
import { runInterp, runWasm } from "./helpers.js";

const KEYS: KeyField[] = [{ field: F_DST_IP6, words: 4, kind: MATCH_LPM }];

/** A row: priority, address words, prefix length, action (verdict, rule id, flags, data word). */
function row(addr: readonly number[], len: number, i: number): number[] {
  return [128 - len, ...mask(addr, len), len, 1 + (i % 3), i, 0, 1000 + i];
}

/** `words` with the bits past `len` cleared. */
function mask(words: readonly number[], len: number): number[] {
  return words.map((w, j) => {
    const bits = len - 32 * j;
    return bits >= 32 ? w : bits <= 0 ? 0 : (w & (0xffffffff << (32 - bits))) >>> 0;
  });
}

/** The table of `rows`, and a program: lookup, hit, count, then verdict / data / entry index. */
function tableOf(rows: readonly number[][]): { table: TableDef; bytes: Uint8Array } {
  const table: TableDef = {
    name: 0,
    flags: 0,
    keys: KEYS,
    actionWords: 1,
    entryCount: rows.length,
    entries: new Uint32Array(rows.length * entryStride({ keys: KEYS, actionWords: 1 })),
  };
  table.entries.set(rows.flat());
  const bundle = lookupBundle(table);
  return { table, bytes: encodeBundle(bundle) };
}

/**
 * Compiles `rows` with the LPM trie on both backends and checks every key against the interpreter
 * and the definition; returns the trie's shortcut level (0 when it has none).
 */
async function check(rows: readonly number[][], keys: readonly (readonly number[])[]): Promise<number> {
  const { table, bytes } = tableOf(rows);
  const program = loadProgram(bytes, { tableAlgorithm: "lpm" });
  const lpm = program.lookups[0];
  expect(lpm).toBeInstanceOf(Lpm);
  const wasm = await loadWasmProgram(loadProgram(bytes, { tableAlgorithm: "lpm" }));
  const contexts = keys.map((k) => {
    const c = createContext();
    c.set(k, F_DST_IP6);
    return c;
  });
  const interp = runInterp(program, contexts);
  expect(runWasm(wasm, contexts)).toEqual(interp);
  expect(interp.results.map((r) => r[2])).toEqual(contexts.map((c) => naiveBest(table, c)));
  return lpm instanceof Lpm ? lpm.v4Level : 0;
}

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
      [0, 0, 0xffff0000, 0],
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<number[]>([0xfd000010, 0, 0, 1], [0x20010db8, 0, 0xffff, 0x0a000001]),
  },
);

/** Prefix length: the enclosing /0, /80, /95, /96, IPv4 subnets and host routes. */
const lenArb = fc.constantFrom(0, 16, 80, 95, 96, 104, 112, 120, 127, 128);

describe("wasm lpm IPv4-mapped shortcut", () => {
  it("agrees with the interpreter and the definition on random tables", async () => {
    let shortcuts = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(addrArb, lenArb), { minLength: 1, maxLength: 60 }),
        fc.array(addrArb, { maxLength: 20 }),
        async (prefixes, keys) => {
          const rows = prefixes.map(([a, len], i) => row(a, len, i));
          // Each prefix's own address and its neighbours in the low word, plus the random keys.
          const probes = [
            ...keys,
            ...prefixes.flatMap(([a]) => [a, [a[0]!, a[1]!, a[2]!, (a[3]! ^ 0xff) >>> 0]]),
          ];
          if ((await check(rows, probes)) > 0) {
            shortcuts++;
          }
        },
      ),
      { numRuns: 60 },
    );
    expect(shortcuts).toBeGreaterThan(0); // the generated walk did start at the shortcut
  });

  it("agrees on a wide-rooted ipcache-like table with /0, /80, /96 and /104 prefixes", async () => {
    const rows: number[][] = [];
    const keys: number[][] = [];
    // 1055 prefixes: just over the 1024 from which the first level is 16 bits wide. Keys probe every
    // third pair (the naive oracle scans every row per key).
    for (let i = 0; i < 520; i++) {
      const a = [0, 0, 0xffff, (0x0a010000 + 7 * i) >>> 0];
      rows.push(row(a, 128, rows.length));
      if (i % 50 === 0) {
        rows.push(row(a, 120, rows.length)); // 350 addresses apart: a distinct /120 each time
      }
      rows.push(row([0xfd000010, 0, 0, i], 128, rows.length));
      if (i % 3 === 0) {
        keys.push(a, [0, 0, 0xffff, (0x0a010000 + 7 * i + 3) >>> 0], [0xfd000010, 0, 0, i]);
      }
    }
    for (const [a, len] of [
      [[0, 0, 0, 0], 0],
      [[0, 0, 0, 0], 80],
      [[0, 0, 0xffff, 0], 96],
      [[0, 0, 0xffff, 0x0b000000], 104],
    ] as const) {
      rows.push(row(a, len, rows.length));
    }
    keys.push(
      [0, 0, 0xffff, 0x0b0000ff], // the /104
      [0, 0, 0xffff, 0x0c000001], // only the /96 and shorter
      [0, 0, 0xfffe, 0x0a010000], // the /80, not mapped
      [0, 1, 0xffff, 0x0a010000], // the /0 only
      [0x20010db8, 0, 0xffff, 0x0a010000],
    );
    // The 16-bit first level reads words 0 and half of 1: the shortcut skips 11 of 15 levels.
    expect(await check(rows, keys)).toBe(11);
  });
});
