/**
 * @fileoverview The grammar's `File` production describes whole listings: every fixture source and
 * listing, and every generated listing, parses from `File` to the last character. (The assembler
 * itself reads line by line from the per-block line productions; this keeps the two in agreement.)
 */

import { readFileSync, readdirSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { disassemble } from "../../compiler/text/index.js";
import { grammarParser } from "../../compiler/text/syntax.js";
import { bundleArbitrary } from "../helpers/bundle-arbitrary.js";

function parsesWhole(text: string): boolean {
  const ast = grammarParser().getAST(text, "File");
  return ast.text.length === text.length && ast.errors.length === 0;
}

describe("grammar.ebnf", () => {
  const dir = new URL("./cases/", import.meta.url);
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".case"))) {
    it(`File accepts the listings of ${file}`, () => {
      const text = readFileSync(new URL(file, dir), "utf8");
      for (const [, name, body] of text.matchAll(/^-- (asm|disasm)\n([\s\S]*?)(?=^-- |(?![\s\S]))/gm)) {
        const listing = `${body!.replace(/\s+$/, "")}\n`;
        expect(parsesWhole(listing), `${file} -- ${name!}`).toBe(true);
      }
    });
  }

  it("File accepts generated listings", () => {
    fc.assert(
      fc.property(bundleArbitrary({ maxEntries: 3, maxInstructions: 12 }), (bundle) => {
        const text = disassemble(encodeBundle(bundle), { annotate: true });
        expect(parsesWhole(text), text).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it("File rejects a body line in the wrong block", () => {
    expect(parsesWhole(".program\n    6 -> FORWARDED\n")).toBe(false);
  });
});
