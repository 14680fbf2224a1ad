// Fuzz: thousands of random and mutated bundles through the loader. Each is either accepted and runs
// to a verdict on random contexts, or rejected with a LoadError: never another exception, never a hang
// (the verifier's forward-only rule bounds every run; the test also bounds wall time per case).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { LoadError } from "../../runtime/bytecode/load-error.js";
import { CTX_WORDS } from "../../runtime/context.js";
import { RESULT_WORDS, exec } from "../../runtime/interp/exec.js";
import { loadProgram } from "../../runtime/program.js";
import { bundleArbitrary } from "../helpers/bundle-arbitrary.js";

/** Load, and if accepted run on a few contexts; returns "accepted" or the LoadError code. */
function loadAndRun(bytes: Uint8Array, contexts: Uint32Array[]): string {
  let program;
  try {
    program = loadProgram(bytes);
  } catch (e) {
    if (!(e instanceof LoadError)) {
      throw new Error(`loader threw ${String(e)} instead of a LoadError`, { cause: e });
    }
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(Math.max(bytes.length, 24));
    return e.code;
  }
  const out = new Uint32Array(RESULT_WORDS);
  for (const ctx of contexts) {
    const t0 = performance.now();
    exec(program, ctx, out, () => 0);
    expect(performance.now() - t0).toBeLessThan(1000);
  }
  return "accepted";
}

const contextArb = fc.uint32Array({ minLength: CTX_WORDS, maxLength: CTX_WORDS });

describe("loader fuzz", () => {
  it("valid generated bundles load and run", () => {
    fc.assert(
      fc.property(
        bundleArbitrary(),
        fc.array(contextArb, { minLength: 1, maxLength: 4 }),
        (bundle, contexts) => {
          expect(loadAndRun(encodeBundle(bundle), contexts)).toBe("accepted");
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mutated bundles load and run, or are refused with a LoadError", () => {
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(
        bundleArbitrary(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        fc.oneof(fc.constant(-1), fc.nat()),
        fc.array(contextArb, { minLength: 1, maxLength: 2 }),
        (bundle, flips, cut, contexts) => {
          let bytes = encodeBundle(bundle);
          for (const [at, value] of flips) {
            bytes[at % bytes.length] = value;
          }
          if (cut >= 0) {
            bytes = bytes.slice(0, cut % (bytes.length + 1));
          }
          const r = loadAndRun(bytes, contexts);
          codes.set(r, (codes.get(r) ?? 0) + 1);
        },
      ),
      { numRuns: 3000 },
    );
    // The checksum catches most mutations; the property above is what matters, this only shows spread.
    expect(codes.size).toBeGreaterThan(1);
  });

  it("mutations with a recomputed checksum reach the structural checks and the verifier", async () => {
    const { crc32 } = await import("../../runtime/bytecode/crc32.js");
    const codes = new Map<string, number>();
    fc.assert(
      fc.property(
        bundleArbitrary(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.array(contextArb, { minLength: 1, maxLength: 2 }),
        (bundle, flips, contexts) => {
          const bytes = encodeBundle(bundle);
          for (const [at, value] of flips) {
            const i = 20 + (at % Math.max(1, bytes.length - 20));
            if (i < bytes.length) {
              bytes[i] = value;
            }
          }
          new DataView(bytes.buffer).setUint32(16, crc32(bytes, 20, bytes.length), true);
          const r = loadAndRun(bytes, contexts);
          codes.set(r, (codes.get(r) ?? 0) + 1);
        },
      ),
      { numRuns: 3000 },
    );
    expect(codes.get("accepted") ?? 0).toBeGreaterThan(0);
    expect(codes.size).toBeGreaterThan(5);
  });

  it("random bytes behind a valid header and checksum are refused with a LoadError", async () => {
    const { crc32 } = await import("../../runtime/bytecode/crc32.js");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 8 }),
        fc.uint8Array({ minLength: 0, maxLength: 512 }),
        (sections, tail) => {
          const bytes = new Uint8Array(24 + tail.length);
          bytes.set([0x53, 0x4c, 0x55, 0x43, 1, 0, 0, 0]);
          const view = new DataView(bytes.buffer);
          view.setUint32(12, bytes.length, true);
          bytes.set(tail, 24);
          view.setUint32(20, sections, true);
          view.setUint32(16, crc32(bytes, 20, bytes.length), true);
          expect(loadAndRun(bytes, [])).not.toBe("accepted");
        },
      ),
      { numRuns: 2000 },
    );
  });
});
