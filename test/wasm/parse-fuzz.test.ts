/**
 * @fileoverview Fuzzing the wasm packet parser against runtime/packet/parse.ts: whole contexts equal
 * word for word (test/wasm/parse-helpers.ts) over about 85,000 frames — the crafted frames of every
 * layer with bytes overwritten (mostly in the headers), cut short, and under the wrong link type,
 * from a seeded generator, then fast-check batches of mutated and random frames, shrunk to the
 * smallest failing batch when one differs.
 */

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { passthroughBundle } from "../../runtime/engine/passthrough.js";
import { loadProgram } from "../../runtime/program.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import type { WasmProgram } from "../../runtime/wasm/index.js";
import { compareBatch, craftedByLinkType, newResult, packBatch } from "./parse-helpers.js";

let wasm: WasmProgram;

beforeAll(async () => {
  wasm = await loadWasmProgram(loadProgram(passthroughBundle()));
});

const SEEDS = craftedByLinkType();
const LINK_TYPES = [1, 101, 113, 276];

/** A small deterministic PRNG (splitmix32), so a failure names a reproducible frame. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x9e3779b9) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 16), 0x21f0aaad);
    t = Math.imul(t ^ (t >>> 15), 0x735a2d97);
    return (t ^ (t >>> 15)) >>> 0;
  };
}

/** `frame` with `muts` [position, byte] overwrites (positions modulo the length) and cut to `cut` bytes. */
function mutate(frame: Uint8Array, muts: readonly (readonly [number, number])[], cut: number): Uint8Array {
  const out = frame.slice(0, Math.min(frame.length, cut));
  for (const [pos, byte] of muts) {
    if (out.length > 0) {
      out[pos % out.length] = byte;
    }
  }
  return out;
}

describe("wasm parser fuzz", () => {
  it("64,000 seeded mutations of the crafted frames", () => {
    const next = prng(0x5eed);
    const result = newResult();
    for (let round = 0; round < 64; round++) {
      const [lt, frames] = SEEDS[round % SEEDS.length]!;
      const batch: Uint8Array[] = [];
      for (let i = 0; i < 1000; i++) {
        const seed = frames[next() % frames.length]!;
        const muts: [number, number][] = [];
        const count = next() % 5;
        for (let k = 0; k < count; k++) {
          // Three in four overwrites land in the first 96 bytes, where the headers are.
          const pos = next() % 4 === 0 ? next() : next() % 96;
          muts.push([pos, next() & 0xff]);
        }
        const cut = next() % 3 === 0 ? next() % (seed.length + 1) : seed.length;
        batch.push(mutate(seed, muts, cut));
      }
      // One round in eight under a link type the frames were not made for.
      const asLt = round % 8 === 7 ? LINK_TYPES[next() % LINK_TYPES.length]! : lt;
      compareBatch(wasm, packBatch(batch, round % 3), asLt, result);
    }
    expect(result.mismatches).toEqual([]);
    expect(result.frames).toBe(64_000);
  });

  it("fast-check: batches of mutated and random frames", () => {
    const mutated = fc
      .record({
        lt: fc.nat(SEEDS.length - 1),
        seed: fc.nat(),
        muts: fc.array(fc.tuple(fc.nat(127), fc.nat(255)), { maxLength: 4 }),
        cut: fc.option(fc.nat(300), { nil: undefined }),
      })
      .map(({ lt, seed, muts, cut }) => {
        const frames = SEEDS[lt]![1];
        const frame = frames[seed % frames.length]!;
        return mutate(frame, muts, cut ?? frame.length);
      });
    const random = fc.uint8Array({ maxLength: 160 });
    let frames = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...LINK_TYPES),
        fc.array(fc.oneof({ arbitrary: mutated, weight: 4 }, { arbitrary: random, weight: 1 }), {
          minLength: 50,
          maxLength: 200,
          size: "max",
        }),
        fc.nat(7),
        (lt, batch, gap) => {
          const result = compareBatch(wasm, packBatch(batch, gap), lt);
          frames += result.frames;
          expect(result.mismatches).toEqual([]);
        },
      ),
      { numRuns: 160, seed: 0x51c3 },
    );
    expect(frames).toBeGreaterThan(16_000);
  });
});
