// Lookup structures large enough to leave the paths small fuzzed tables take: a multi-level LPM trie
// (IPv4 and IPv6, with exact fields in front), an exact hash with long probe chains, the linear scan's
// memory loop, and a classifier over mixed key kinds — each compiled to wasm and compared with the
// interpreter on lookups that hit and miss.
import { describe, expect, it } from "vitest";
import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  MATCH_TERNARY,
  entryStride,
} from "../../runtime/bytecode/bundle.js";
import type { KeyField, TableDef } from "../../runtime/bytecode/bundle.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { lookupBundle, rng } from "./batch-helpers.js";
import * as op from "../../runtime/bytecode/opcodes.js";
import {
  F_DST_IP6,
  F_DST_PORT,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_PORT,
  createContext,
} from "../../runtime/context.js";
import { loadProgram } from "../../runtime/program.js";
import type { TableAlgorithm } from "../../runtime/program.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import { runInterp, runWasm } from "./helpers.js";

/** xorshift32: reproducible pseudo-random words. */
/** One table, and a program: lookup, hit, count, then verdict / reason / rule from the action. */
function bundleOf(keys: KeyField[], rows: number[][]): Uint8Array {
  const table: TableDef = {
    name: 0,
    flags: 0,
    keys,
    actionWords: 1,
    entryCount: rows.length,
    entries: new Uint32Array(rows.length * entryStride({ keys, actionWords: 1 })),
  };
  table.entries.set(rows.flat());
  const bundle = lookupBundle(table);
  return encodeBundle(bundle);
}

/** The action part of a row: verdict, rule id, flags, one data word. */
function action(i: number): number[] {
  return [1 + (i % 3), i, 0, 1000 + i];
}

async function agree(bytes: Uint8Array, algorithm: TableAlgorithm, contexts: Uint32Array[]): Promise<string> {
  const program = loadProgram(bytes, { tableAlgorithm: algorithm });
  const wasm = await loadWasmProgram(loadProgram(bytes, { tableAlgorithm: algorithm }));
  const interp = runInterp(program, contexts);
  expect(runWasm(wasm, contexts)).toEqual(interp);
  expect(interp.results.some((r) => r[2] !== op.NO_ENTRY)).toBe(true); // some lookups hit
  expect(interp.results.some((r) => r[2] === op.NO_ENTRY)).toBe(true); // and some miss
  return program.lookups[0]!.algorithm;
}

describe("large lookup structures on both backends", () => {
  it("LPM trie, IPv4 behind an exact port, 3000 prefixes", async () => {
    const next = rng(7);
    const rows: number[][] = [];
    for (let i = 0; i < 3000; i++) {
      const len = 8 + (next() % 25);
      const addr = (next() & (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)) >>> 0;
      rows.push([32 - len, i % 4, addr, len, ...action(i)]);
    }
    const keys: KeyField[] = [
      { field: F_DST_PORT, words: 1, kind: MATCH_EXACT },
      { field: F_SRC_IP4, words: 1, kind: MATCH_LPM },
    ];
    const contexts = Array.from({ length: 3000 }, (_, i) => {
      const c = createContext();
      const row = rows[next() % rows.length]!;
      c[F_DST_PORT] = next() % 5;
      c[F_SRC_IP4] = i % 3 === 0 ? next() : (row[2]! | (next() >>> row[3]!)) >>> 0;
      return c;
    });
    expect(await agree(bundleOf(keys, rows), "auto", contexts)).toBe("lpm");
  });

  it("LPM trie, IPv6, 2000 prefixes sharing a /32", async () => {
    const next = rng(11);
    const rows: number[][] = [];
    for (let i = 0; i < 2000; i++) {
      const len = 32 + (next() % 97);
      const words = [0x20010db8, next(), next(), next()].map((w, j) => {
        const bits = len - 32 * j;
        return bits >= 32 ? w : bits <= 0 ? 0 : (w & (0xffffffff << (32 - bits))) >>> 0;
      });
      rows.push([128 - len, ...words, len, ...action(i)]);
    }
    const keys: KeyField[] = [{ field: F_DST_IP6, words: 4, kind: MATCH_LPM }];
    const contexts = Array.from({ length: 3000 }, (_, i) => {
      const c = createContext();
      const row = rows[next() % rows.length]!;
      c.set(i % 4 === 0 ? [0x20010db9, next(), next(), next()] : row.slice(1, 5), F_DST_IP6); // 2001:db9::/32 misses
      if (i % 2 === 1) {
        c[F_DST_IP6 + 3] = next(); // host bits of the longer prefixes
      }
      return c;
    });
    expect(await agree(bundleOf(keys, rows), "auto", contexts)).toBe("lpm");
  });

  it("exact hash with duplicate keys and crowded probe chains, 4000 entries", async () => {
    const next = rng(3);
    const rows: number[][] = [];
    for (let i = 0; i < 4000; i++) {
      rows.push([next() % 4, next() % 1500, next() % 3, ...action(i)]);
    }
    const keys: KeyField[] = [
      { field: F_SRC_PORT, words: 1, kind: MATCH_EXACT },
      { field: F_PROTO, words: 1, kind: MATCH_EXACT },
    ];
    const contexts = Array.from({ length: 4000 }, () => {
      const c = createContext();
      c[F_SRC_PORT] = next() % 2000;
      c[F_PROTO] = next() % 4;
      return c;
    });
    expect(await agree(bundleOf(keys, rows), "auto", contexts)).toBe("hash");
  });

  for (const algorithm of ["linear", "classifier"] as const) {
    it(`${algorithm}: ranges, ternary and lpm mixed, 600 entries`, async () => {
      const next = rng(5);
      const rows: number[][] = [];
      for (let i = 0; i < 600; i++) {
        const len = next() % 33;
        const lo = next() % 60000;
        const mask = [0, 0xff, 0xf0][next() % 3]!;
        rows.push([
          next() % 50,
          (next() & (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0)) >>> 0,
          len,
          lo,
          lo + (next() % 3000),
          (next() & mask) >>> 0,
          mask,
          ...action(i),
        ]);
      }
      const keys: KeyField[] = [
        { field: F_SRC_IP4, words: 1, kind: MATCH_LPM },
        { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
        { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
      ];
      const contexts = Array.from({ length: 3000 }, () => {
        const c = createContext();
        const row = rows[next() % rows.length]!;
        c[F_SRC_IP4] = (row[1]! | (next() >>> row[2]!)) >>> 0;
        c[F_DST_PORT] = row[3]! + (next() % 3500);
        c[F_PROTO] = next() % 256;
        return c;
      });
      expect(await agree(bundleOf(keys, rows), algorithm, contexts)).toBe(algorithm);
    });
  }
});
