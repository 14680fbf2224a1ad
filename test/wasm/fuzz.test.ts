// Fuzzed bundles × fuzzed contexts: every verified program, with every lookup structure that can
// represent its tables, gives the same results, counters, hit counts, service calls and final
// context on the wasm backend as in the interpreter.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  entryStride,
  keyDataOffset,
} from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { CTX_WORDS } from "../../runtime/context.js";
import { loadProgram } from "../../runtime/program.js";
import type { Program, TableAlgorithm } from "../../runtime/program.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import { bundleArbitrary, u32Arbitrary } from "../helpers/bundle-arbitrary.js";
import { runInterp, runWasm } from "./helpers.js";

const ALGORITHMS: readonly TableAlgorithm[] = ["auto", "linear", "classifier", "hash", "lpm"];

/** A context: random words, then (usually) the key fields of one entry, so lookups also hit. */
interface ContextSeed {
  readonly words: number[];
  readonly table: number;
  readonly entry: number;
  readonly jitter: number;
}

const contextSeed: fc.Arbitrary<ContextSeed> = fc.record({
  words: fc.array(u32Arbitrary, { minLength: CTX_WORDS, maxLength: CTX_WORDS }),
  table: fc.nat(),
  entry: fc.nat(),
  jitter: u32Arbitrary,
});

function buildContext(bundle: Bundle, seed: ContextSeed): Uint32Array {
  const ctx = Uint32Array.from(seed.words);
  const table = bundle.tables[seed.table % Math.max(1, bundle.tables.length)];
  if (table === undefined || table.entryCount === 0 || seed.entry % 4 === 0) {
    return ctx;
  }
  const e = seed.entry % table.entryCount;
  const stride = entryStride(table);
  table.keys.forEach((key, k) => {
    const d = e * stride + keyDataOffset(table, k);
    for (let j = 0; j < key.words; j++) {
      const v = table.entries[d + j]!;
      let word: number;
      if (key.kind === MATCH_EXACT) {
        word = v;
      } else if (key.kind === MATCH_LPM) {
        const bits = table.entries[d + key.words]! - 32 * j;
        const free = bits >= 32 ? 0 : bits <= 0 ? 0xffffffff : 0xffffffff >>> bits;
        word = (v | (seed.jitter & free)) >>> 0;
      } else if (key.kind === MATCH_RANGE) {
        const hi = table.entries[d + 1]!;
        word =
          seed.jitter % 3 === 0 ? v : seed.jitter % 3 === 1 ? hi : v + ((seed.jitter >>> 2) % (hi - v + 1));
      } else {
        word = (v | (seed.jitter & ~table.entries[d + key.words + j]!)) >>> 0;
      }
      ctx[key.field + j] = word >>> 0;
    }
  });
  return ctx;
}

function tryLoad(bytes: Uint8Array, tableAlgorithm: TableAlgorithm): Program | null {
  try {
    return loadProgram(bytes, { tableAlgorithm });
  } catch {
    return null; // "hash" and "lpm" cannot represent every table
  }
}

describe("fuzzed bundles on both backends", () => {
  for (const [name, optimizeLevel, runs] of [
    ["optimised (O2)", 2, 60],
    ["unoptimised", 0, 60],
  ] as const) {
    it(`agree, ${name}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          bundleArbitrary({ maxEntries: 12, maxInstructions: 40 }),
          fc.array(contextSeed, { minLength: 1, maxLength: 24 }),
          fc.integer({ min: 1, max: 8 }),
          async (bundle, seeds, batch) => {
            const bytes = encodeBundle(bundle);
            const contexts = seeds.map((s) => buildContext(bundle, s));
            for (const algorithm of ALGORITHMS) {
              const program = tryLoad(bytes, algorithm);
              if (program === null) {
                continue;
              }
              const wasm = await loadWasmProgram(tryLoad(bytes, algorithm)!, { optimizeLevel, slots: 8 });
              expect(runWasm(wasm, contexts, batch), algorithm).toEqual(runInterp(program, contexts));
            }
          },
        ),
        { numRuns: runs },
      );
    });
  }
});
