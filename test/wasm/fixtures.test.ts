// The engine fixtures (test/cases/engine/*.case) on the wasm backend: every program compiled with
// binaryen must give the fixture's results and hit counts, and exactly what the interpreter gives.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble } from "../../compiler/text/asm.js";
import { loadProgram } from "../../runtime/program.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import { ENGINE_CASES as dir, engineCaseFiles, expectedResult, fillContext } from "../helpers/engine-case.js";
import { sections } from "../helpers/sections.js";
import { runInterp, runWasm } from "./helpers.js";

// A refused bundle never reaches a backend: fixtures that expect a load error do not apply here.
const runnable = engineCaseFiles().filter(
  (f) =>
    (sections(readFileSync(new URL(f, dir), "utf8"))
      .get("error")
      ?.trim() ?? "") === "",
);

describe("engine fixtures on the wasm backend", () => {
  for (const f of runnable) {
    const s = sections(readFileSync(new URL(f, dir), "utf8"));
    it(f, async () => {
      const bytes = assemble(s.get("asm")!, f);
      const contexts = (s.get("context") ?? "").split(/^---\s*$/m).map(fillContext);
      const expected = (s.get("result") ?? "")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map(expectedResult);
      for (const optimizeLevel of [0, 2]) {
        const wasm = await loadWasmProgram(loadProgram(bytes), { optimizeLevel });
        const got = runWasm(wasm, contexts, 1, true);
        expect(got.results).toEqual(expected);
        expect(got).toEqual(runInterp(loadProgram(bytes), contexts, true));
        for (const line of (s.get("hits") ?? "").split("\n").filter((l) => l.trim() !== "")) {
          const [table, entry, count] = line.trim().split(/\s+/).map(Number) as [number, number, number];
          expect(got.hits[table]![entry], `hits of table ${table} entry ${entry}`).toBe(count);
        }
      }
    });
  }
});
