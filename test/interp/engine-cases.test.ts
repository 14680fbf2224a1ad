// Engine fixtures: one test per test/cases/engine/*.case file (ubpf's `-- section` style).
//   -- asm      the program and tables in the text form
//   -- context  `field = value` lines (numbers, IPv4, or IPv6/IPv4 for 128-bit fields); `---` separates packets
//   -- result   one line per packet: `VERDICT REASON [rule N]` (names or numbers)
//   -- hits     `table entry count` lines checked after all packets
//   -- error    expected message fragment when the bundle must be refused
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble } from "../../compiler/text/asm.js";
import { RESULT_WORDS, exec } from "../../runtime/interp/exec.js";
import { loadProgram } from "../../runtime/program.js";
import { ENGINE_CASES as dir, engineCaseFiles, expectedResult, fillContext } from "../helpers/engine-case.js";
import { sections } from "../helpers/sections.js";

const files = engineCaseFiles();

describe("engine fixtures", () => {
  it("exist", () => {
    expect(files.length).toBeGreaterThan(5);
  });
  for (const f of files) {
    it(f, () => {
      const s = sections(readFileSync(new URL(f, dir), "utf8"));
      const asm = s.get("asm")!;
      const error = s.get("error")?.trim();
      if (error !== undefined && error !== "") {
        expect(() => loadProgram(assemble(asm, f))).toThrow(error);
        return;
      }
      const program = loadProgram(assemble(asm, f));
      const contexts = (s.get("context") ?? "").split(/^---\s*$/m);
      const results = (s.get("result") ?? "").split("\n").filter((l) => l.trim() !== "");
      expect(results.length, "one result line per context").toBe(contexts.length);
      const out = new Uint32Array(RESULT_WORDS);
      contexts.forEach((c, i) => {
        exec(program, fillContext(c), out);
        expect([...out], `packet ${i + 1}`).toEqual(expectedResult(results[i]!));
      });
      for (const line of (s.get("hits") ?? "").split("\n").filter((l) => l.trim() !== "")) {
        const [table, entry, count] = line.trim().split(/\s+/).map(Number) as [number, number, number];
        expect(program.hits[table]![entry], `hits of table ${table} entry ${entry}`).toBe(count);
      }
    });
  }
});
