/**
 * @fileoverview Lowering to sluice's selector IR, evaluation edge cases (missing label vs empty value,
 * own-property lookup, code point order of set members) and the generated grammar being up to date.
 */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareCodePoints } from "../../compiler/frontends/calico/selector/ast.js";
import { parseSelector } from "../../compiler/frontends/calico/selector/index.js";
import { matches } from "../../compiler/ir/selector.js";
import type { Selector } from "../../compiler/ir/selector.js";
import { GRAMMAR_OUTPUT, generateGrammarSource } from "../../scripts/gen-calico-grammar.js";

const ir = (text: string, mapKey?: (k: string) => string): Selector => parseSelector(text).toIR(mapKey);

describe("toIR", () => {
  it.each<[string, Selector]>([
    ["", { op: "all" }],
    ["all()", { op: "all" }],
    ["global()", { op: "all" }],
    ["has(a)", { op: "has", key: "a" }],
    ["a == 'x'", { op: "eq", key: "a", value: "x" }],
    ["a != 'x'", { op: "not", arg: { op: "eq", key: "a", value: "x" } }],
    ["a contains 'x'", { op: "contains", key: "a", value: "x" }],
    ["a starts with 'x'", { op: "starts", key: "a", value: "x" }],
    ["a ends with 'x'", { op: "ends", key: "a", value: "x" }],
    ["a in {'y', 'x', 'y'}", { op: "in", key: "a", values: ["x", "y"] }],
    ["a not in {'x'}", { op: "not", arg: { op: "in", key: "a", values: ["x"] } }],
    ["a in {}", { op: "none" }],
    ["a not in {}", { op: "all" }],
    ["!all()", { op: "none" }],
    ["!(!has(a))", { op: "has", key: "a" }],
    [
      "(has(a) && has(b)) && has(c)",
      {
        op: "and",
        args: [
          { op: "has", key: "a" },
          { op: "has", key: "b" },
          { op: "has", key: "c" },
        ],
      },
    ],
    ["has(a) || all()", { op: "all" }],
    ["has(a) && all()", { op: "has", key: "a" }],
  ])("%j", (text, want) => {
    expect(ir(text)).toEqual(want);
  });

  it("renames keys with mapKey", () => {
    const ns = (k: string): string => (k.startsWith("pcns.") ? `ns-label:${k.slice(5)}` : k);
    expect(ir("pcns.team == 'a' && !has(app)", ns)).toEqual({
      op: "and",
      args: [
        { op: "eq", key: "ns-label:team", value: "a" },
        { op: "not", arg: { op: "has", key: "app" } },
      ],
    });
  });
});

describe("evaluation edge cases", () => {
  it("tells a missing label from an empty value", () => {
    const sel = parseSelector("a == ''");
    expect(sel.matches({ a: "" })).toBe(true);
    expect(sel.matches({})).toBe(false);
    expect(parseSelector("a != ''").matches({})).toBe(true);
    expect(parseSelector("has(a)").matches({ a: "" })).toBe(true);
    expect(parseSelector("a starts with ''").matches({ a: "x" })).toBe(true);
    expect(parseSelector("a starts with ''").matches({})).toBe(false);
    expect(matches(ir("a != ''"), new Map())).toBe(true);
  });

  it("reads own properties only", () => {
    expect(parseSelector("has(constructor)").matches({})).toBe(false);
    expect(parseSelector("toString != 'x'").matches({})).toBe(true);
    const parsed = JSON.parse('{"__proto__": "x"}') as Record<string, string>;
    expect(parseSelector("__proto__ == 'x'").matches(parsed)).toBe(true);
  });

  it("compares strings byte-wise and case-sensitively", () => {
    expect(parseSelector("a contains 'B'").matches({ a: "abc" })).toBe(false);
    expect(parseSelector("a ends with '😀'").matches({ a: "x😀" })).toBe(true);
  });

  it("sorts set members by code point, as Go sorts UTF-8 strings", () => {
    expect(compareCodePoints("\u{1F600}", "\uFF21")).toBeGreaterThan(0);
    expect(compareCodePoints("a", "ab")).toBeLessThan(0);
    expect(parseSelector("a in {'\u{1F600}', '\uFF21', 'Z', 'a'}").toString()).toBe(
      'a in {"Z", "a", "\uFF21", "\u{1F600}"}',
    );
  });

  it("flags global() for the policy front end", () => {
    expect(parseSelector("global()").usesGlobal()).toBe(true);
    expect(parseSelector("has(a) || !(global() && has(b))").usesGlobal()).toBe(true);
    expect(parseSelector("has(global)").usesGlobal()).toBe(false);
  });
});

describe("grammar.generated.ts", () => {
  it("is what scripts/gen-calico-grammar.ts generates from selector.ne", async () => {
    expect(readFileSync(GRAMMAR_OUTPUT, "utf8")).toBe(await generateGrammarSource());
  });
});
