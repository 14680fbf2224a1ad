// The L7_RULES section body (runtime/l7/rule-set.ts): encode → decode is the identity over random rule
// sets, malformed bodies are refused with the word offset, and the engine-side reader is total.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeL7RuleSets } from "../../compiler/lower/l7-encode.js";
import { SEC_L7_RULES } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { L7DecodeError, decodeL7RuleSets, readL7RuleSets } from "../../runtime/l7/decode.js";
import { NO_INDEX, RULE_FLAGS_KNOWN } from "../../runtime/l7/rule-set.js";
import type { L7RuleSet } from "../../runtime/l7/rule-set.js";

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const text = fc.string({ unit: "grapheme", maxLength: 12 });
const origin = {
  ruleId: u32,
  index: fc.oneof(fc.nat(100), fc.constant(NO_INDEX)),
  line: fc.nat(10000),
  column: fc.nat(200),
  flags: fc.integer({ min: 0, max: RULE_FLAGS_KNOWN }),
};
const header = fc.record(
  {
    name: text,
    value: text,
    secretNamespace: text,
    secretName: text,
    mismatch: fc.constantFrom("LOG" as const, "ADD" as const, "DELETE" as const, "REPLACE" as const),
  },
  { requiredKeys: ["name"] },
);
const http = fc.record(
  { ...origin, method: text, path: text, host: text, headers: fc.array(header, { maxLength: 3 }) },
  { requiredKeys: ["ruleId", "index", "line", "column", "flags", "headers"] },
);
const kafka = fc.record(
  {
    ...origin,
    role: fc.constantFrom("produce" as const, "consume" as const),
    apiVersion: fc.nat(32767),
    clientId: text,
    topic: text,
    apiKeys: fc.array(fc.nat(33), { maxLength: 5 }),
  },
  { requiredKeys: ["ruleId", "index", "line", "column", "flags", "apiKeys"] },
);
const dns = fc.record(
  { ...origin, matchName: text, matchPattern: text, regex: text },
  { requiredKeys: ["ruleId", "index", "line", "column", "flags", "regex"] },
);
const generic = fc.record({ ...origin, pairs: fc.array(fc.tuple(text, text), { maxLength: 3 }) });
const ruleSet: fc.Arbitrary<L7RuleSet> = fc.oneof(
  fc.record({ kind: fc.constant("http" as const), rules: fc.array(http, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant("kafka" as const), rules: fc.array(kafka, { maxLength: 4 }) }),
  fc.record({ kind: fc.constant("dns" as const), rules: fc.array(dns, { maxLength: 4 }) }),
  fc.record({
    kind: fc.constant("generic" as const),
    parser: text,
    rules: fc.array(generic, { maxLength: 4 }),
  }),
);

/** A body with word `i` replaced by `w`. */
function patch(body: Uint8Array, i: number, w: number): Uint8Array {
  const out = body.slice();
  new DataView(out.buffer).setUint32(4 * i, w, true);
  return out;
}

const SAMPLE: L7RuleSet[] = [
  {
    kind: "http",
    rules: [
      { ruleId: 3, index: 0, line: 16, column: 11, flags: 0, method: "GET", path: "/path1$", headers: [] },
    ],
  },
];

describe("L7 rule set format", () => {
  it("round-trips random rule sets", () => {
    fc.assert(
      fc.property(fc.array(ruleSet, { maxLength: 5 }), (sets) => {
        expect(decodeL7RuleSets(encodeL7RuleSets(sets))).toEqual(sets);
      }),
      { numRuns: 300 },
    );
  });

  it("lays the sample out as documented", () => {
    const body = encodeL7RuleSets(SAMPLE);
    const words = Array.from(new Uint32Array(body.buffer));
    // version, 2 strings ("GET", "/path1$"), 1 set: http, no parser, 1 rule.
    expect(words.slice(0, 2)).toEqual([1, 2]);
    expect(words.slice(7)).toEqual([1, 1, 0xffffffff, 1, 3, 0, 16, 11, 0, 0, 1, 0xffffffff, 0]);
  });

  it("refuses malformed bodies with the word offset", () => {
    const body = encodeL7RuleSets(SAMPLE);
    const bad: [string, Uint8Array, RegExp][] = [
      ["odd length", body.subarray(0, 6), /not a multiple of 4/],
      ["empty", new Uint8Array(0), /word 0: body ends before the version/],
      ["version", patch(body, 0, 2), /version 2 is not 1/],
      ["truncated", body.subarray(0, body.length - 4), /body ends before/],
      ["string count", patch(body, 1, 1000), /string count 1000 does not fit/],
      ["string length", patch(body, 2, 4000), /string 0 of 4000 bytes runs past/],
      ["kind", patch(body, 8, 9), /set 0 has unknown kind 9/],
      ["string index", patch(body, 17, 7), /string 7 is out of range/],
      ["flags", patch(body, 15, 0x80), /unknown rule flags 0x80/],
      ["trailing", new Uint8Array([...body, 0, 0, 0, 0]), /1 words after the last set/],
      ["set count", patch(body, 7, 0x40000000), /set count .* does not fit/],
    ];
    for (const [name, b, re] of bad) {
      expect(() => decodeL7RuleSets(b), name).toThrow(L7DecodeError);
      expect(() => decodeL7RuleSets(b), name).toThrow(re);
    }
  });

  it("never throws on random bodies", () => {
    fc.assert(
      fc.property(fc.array(u32, { maxLength: 40 }), (words) => {
        const body = new Uint8Array(new Uint32Array([1, ...words]).buffer);
        try {
          decodeL7RuleSets(body);
        } catch (e) {
          expect(e).toBeInstanceOf(L7DecodeError);
        }
      }),
    );
  });

  it("reads a bad section as no rule sets, with the reason", () => {
    const bundle = {
      rawSections: new Map([[SEC_L7_RULES, new Uint8Array([9, 0, 0, 0])]]),
    } as unknown as Bundle;
    const r = readL7RuleSets(bundle);
    expect(r.sets).toEqual([]);
    expect(r.error).toMatch(/version 9 is not 1/);
    const none = readL7RuleSets({ rawSections: new Map() } as unknown as Bundle);
    expect(none).toEqual({ sets: [] });
  });
});
