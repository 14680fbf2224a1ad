/**
 * @fileoverview Fixture tests: each `test/text/cases/*.case` file holds `-- asm` source and either the
 * expected `-- disasm` listing (assemble, disassemble, compare; the listing must also reassemble to
 * the same bytes) or an `-- error` substring the AsmError message must contain (with line:col).
 * Run with UPDATE=1 to rewrite `-- disasm` sections from the current output.
 */

import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { AsmError, assemble, disassemble } from "../../compiler/text/index.js";
import { sections } from "../helpers/sections.js";

const DIR = new URL("./cases/", import.meta.url);

function trimBlankEnd(s: string): string {
  return `${s.replace(/\s+$/, "")}\n`;
}

describe("text form fixtures", () => {
  const files = readdirSync(DIR)
    .filter((f) => f.endsWith(".case"))
    .sort();
  it("has fixtures", () => {
    expect(files.length).toBeGreaterThan(0);
  });
  for (const file of files) {
    it(file, () => {
      const url = new URL(file, DIR);
      const text = readFileSync(url, "utf8");
      const cases = sections(text);
      const asm = cases.get("asm");
      expect(asm, "a case needs an -- asm section").toBeDefined();
      const source = `${file.replace(/\.case$/, "")}.sasm`;
      const error = cases.get("error");
      if (error !== undefined) {
        let caught: unknown;
        try {
          assemble(asm!, source);
        } catch (e) {
          caught = e;
        }
        expect(caught).toBeInstanceOf(AsmError);
        expect((caught as AsmError).message).toContain(error.trim());
        return;
      }
      const bytes = assemble(asm!, source);
      const listing = disassemble(bytes);
      const expected = cases.get("disasm");
      if (process.env.UPDATE === "1") {
        const at = /^-- disasm\s*$/m.exec(text)?.index ?? text.length;
        writeFileSync(url, `${trimBlankEnd(text.slice(0, at))}\n-- disasm\n${listing}`);
      } else {
        expect(expected, "a case needs -- disasm or -- error (UPDATE=1 writes -- disasm)").toBeDefined();
        expect(listing).toBe(trimBlankEnd(expected!));
      }
      expect(assemble(listing, source)).toEqual(bytes);
    });
  }
});
