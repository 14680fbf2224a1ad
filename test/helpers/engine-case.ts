// Reading engine fixtures (test/cases/engine/*.case): the list of files, `-- context` lines into
// context records, and `-- result` lines into [verdict, reason, rule].
import { readdirSync } from "node:fs";
import { parseIp, toWords } from "../../compiler/net/ip.js";
import { NO_RULE } from "../../runtime/bytecode/opcodes.js";
import { contextField, contextFieldByName, createContext } from "../../runtime/context.js";
import { dropReasonByName, verdictByName } from "../../runtime/verdict.js";

/** The fixture folder. */
export const ENGINE_CASES = new URL("../cases/engine/", import.meta.url);

/** Fixture file names, sorted. */
export function engineCaseFiles(): string[] {
  return readdirSync(ENGINE_CASES)
    .filter((f) => f.endsWith(".case"))
    .sort();
}

/** One `-- context` block (`field = value` lines; numbers, IPv4, or addresses for 128-bit fields). */
export function fillContext(text: string): Uint32Array {
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

/** One `-- result` line: `VERDICT REASON [rule N]`, names or numbers. */
export function expectedResult(line: string): [number, number, number] {
  const [v, r, ruleWord, ruleNum] = line.trim().split(/\s+/);
  return [
    verdictByName(v!) ?? Number(v),
    dropReasonByName(r ?? "0") ?? Number(r ?? 0),
    ruleWord === "rule" ? Number(ruleNum) : NO_RULE,
  ];
}
