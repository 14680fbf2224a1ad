// The engine fixtures (test/cases/engine/*.case) on the wasm backend: every program compiled with
// binaryen must give the fixture's results and hit counts, and exactly what the interpreter gives.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { assemble } from "../../compiler/text/asm.js";
import { parseIp, toWords } from "../../compiler/net/ip.js";
import { NO_RULE } from "../../runtime/bytecode/opcodes.js";
import { contextField, contextFieldByName, createContext } from "../../runtime/context.js";
import { loadProgram } from "../../runtime/program.js";
import { dropReasonByName, verdictByName } from "../../runtime/verdict.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import { runInterp, runWasm } from "./helpers.js";

const dir = new URL("../cases/engine/", import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".case"))
  .sort();

function sections(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^-- (\w+)\s*$/.exec(line);
    if (m) {
      if (name !== undefined) {
        out.set(name, body.join("\n"));
      }
      name = m[1]!;
      body = [];
    } else if (name !== undefined) {
      body.push(line);
    }
  }
  if (name !== undefined) {
    out.set(name, body.join("\n"));
  }
  return out;
}

function fillContext(text: string): Uint32Array {
  const ctx = createContext();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) {
      continue;
    }
    const [name, value] = line.split("=").map((s) => s.trim()) as [string, string];
    const f = contextFieldByName(name) ?? contextField(Number(name));
    if (f === undefined) {
      throw new Error(`unknown field ${name}`);
    }
    if (f.words === 4) {
      ctx.set(toWords(parseIp(value)!.addr), f.id);
    } else if (value.includes(".")) {
      ctx[f.id] = Number(parseIp(value)!.addr & 0xffffffffn);
    } else {
      ctx[f.id] = Number(value) >>> 0;
    }
  }
  return ctx;
}

function expectedResult(line: string): number[] {
  const [v, r, ruleWord, ruleNum] = line.trim().split(/\s+/);
  return [
    verdictByName(v!) ?? Number(v),
    dropReasonByName(r ?? "0") ?? Number(r ?? 0),
    ruleWord === "rule" ? Number(ruleNum) : NO_RULE,
  ];
}

describe("engine fixtures on the wasm backend", () => {
  for (const f of files) {
    const s = sections(readFileSync(new URL(f, dir), "utf8"));
    const error = s.get("error")?.trim();
    it.skipIf(error !== undefined && error !== "")(f, async () => {
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
