/**
 * @fileoverview Property: for every valid bundle, `assemble(disassemble(bytes))` gives back the same
 * bytes, and the listing is a fixed point (disassembling the reassembled bytes prints it again).
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBundle } from "../../runtime/bytecode/decode.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { verifyProgram } from "../../runtime/bytecode/verify.js";
import { assemble, disassemble } from "../../compiler/text/index.js";
import { bundleArbitrary } from "../helpers/bundle-arbitrary.js";

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

describe("text form round trip", () => {
  it("generated bundles are valid", () => {
    fc.assert(
      fc.property(bundleArbitrary(), (bundle) => {
        const decoded = decodeBundle(encodeBundle(bundle));
        verifyProgram(decoded.bundle, decoded.insnOffset);
      }),
      { numRuns: 300 },
    );
  });

  it("assemble(disassemble(b)) is b, byte for byte", () => {
    fc.assert(
      fc.property(bundleArbitrary(), fc.boolean(), (bundle, annotate) => {
        const bytes = encodeBundle(bundle);
        const text = disassemble(bytes, { annotate });
        const back = assemble(text, "roundtrip.sasm");
        if (!sameBytes(back, bytes)) {
          expect.fail(`bytes differ after a round trip; listing:\n${text}`);
        }
        expect(disassemble(back, { annotate })).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
