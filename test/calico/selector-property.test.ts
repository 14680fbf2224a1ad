/**
 * @fileoverview Property tests over random selector trees (fast-check):
 * - the canonical string parses back to the same tree and string;
 * - the same tree written with random blanks, quote styles, spellings (`startswith`, `notin`), redundant
 *   parentheses, `!!` pairs, shuffled and repeated set members and trailing commas parses to it too;
 * - `toIR()` evaluated by the IR's `matches` agrees with `matches()` on random label maps (also with a
 *   key mapping);
 * - label restrictions hold for every label map the selector matches.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ALL_NODE, labelValue, setNode } from "../../compiler/frontends/calico/selector/ast.js";
import type { CalicoNode, CompareKind } from "../../compiler/frontends/calico/selector/ast.js";
import {
  CalicoSelector,
  canonicalString,
  parseSelector,
} from "../../compiler/frontends/calico/selector/index.js";
import { matches } from "../../compiler/ir/selector.js";

/** Labels, including words that are operators after a label and the prefixes of has(/all(/global(. */
const LABELS = [
  "a",
  "b",
  "c",
  "in",
  "not",
  "has",
  "all",
  "global",
  "contains",
  "starts",
  "k8s-app",
  "x.y/z_1",
];
/** Values, including both quotes (never together: a literal cannot hold its own quote). */
const VALUES = ["", "a", "ab", "ba", "b", 'say "hi"', "it's", "é", "😀", " x ", "a\nb", "{},()&&||!"];

const label = fc.oneof(fc.constantFrom(...LABELS), fc.stringMatching(/^[a-zA-Z0-9_./-]{1,12}$/));
const value = fc.oneof(
  fc.constantFrom(...VALUES),
  fc.string({ maxLength: 6 }).map((s) => s.replaceAll("'", "")),
  fc.string({ unit: "binary", maxLength: 4 }).map((s) => s.replaceAll('"', "")),
);
const COMPARE: readonly CompareKind[] = ["eq", "ne", "contains", "startsWith", "endsWith"];

const leaf: fc.Arbitrary<CalicoNode> = fc.oneof(
  fc.constant(ALL_NODE),
  fc.constant<CalicoNode>({ kind: "global" }),
  label.map((l): CalicoNode => ({ kind: "has", label: l })),
  fc
    .tuple(fc.constantFrom(...COMPARE), label, value)
    .map(([kind, l, v]): CalicoNode => ({ kind, label: l, value: v })),
  fc
    .tuple(fc.constantFrom("in" as const, "notIn" as const), label, fc.array(value, { maxLength: 4 }))
    .map(([kind, l, vs]) => setNode(kind, l, vs)),
);

/** Canonical-shaped trees: n-ary and/or with ≥ 2 operands, no `not` directly under a `not`. */
const { node } = fc.letrec<{ node: CalicoNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthIdentifier: "selector" },
    leaf,
    tie("node")
      .filter((n) => n.kind !== "not")
      .map((operand): CalicoNode => ({ kind: "not", operand })),
    fc
      .array(tie("node"), { minLength: 2, maxLength: 4 })
      .map((operands): CalicoNode => ({ kind: "and", operands })),
    fc
      .array(tie("node"), { minLength: 2, maxLength: 4 })
      .map((operands): CalicoNode => ({ kind: "or", operands })),
  ),
}));

/** Random choices for the noisy printer, taken in turn from a fixed list. */
class Choices {
  private readonly seq: readonly number[];
  private i = 0;

  constructor(seq: readonly number[]) {
    this.seq = seq;
  }

  pick<T>(xs: readonly T[]): T {
    const n = this.seq[this.i++ % this.seq.length] ?? 0;
    return xs[n % xs.length]!;
  }
}

const BLANKS = ["", " ", "\t", "  "];
const BLANKS1 = [" ", "\t", " \t "];

/** `node` as some selector text that must parse to it (see the file overview). */
function noisy(n: CalicoNode, c: Choices, top: boolean): string {
  const ws = (): string => c.pick(BLANKS);
  const quote = (v: string): string =>
    v.includes('"') ? `'${v}'` : v.includes("'") ? `"${v}"` : c.pick([`"${v}"`, `'${v}'`]);
  let text: string;
  switch (n.kind) {
    case "all":
    case "global":
      text = `${n.kind}(${ws()})`;
      break;
    case "has":
      text = `has(${ws()}${n.label}${ws()})`;
      break;
    case "eq":
    case "ne":
      text = `${n.label}${ws()}${n.kind === "eq" ? "==" : "!="}${ws()}${quote(n.value)}`;
      break;
    case "contains":
      text = `${n.label}${c.pick(BLANKS1)}contains${ws()}${quote(n.value)}`;
      break;
    case "startsWith":
    case "endsWith": {
      const word = n.kind === "startsWith" ? "starts" : "ends";
      text = `${n.label}${c.pick(BLANKS1)}${word}${c.pick(BLANKS)}with${ws()}${quote(n.value)}`;
      break;
    }
    case "in":
    case "notIn": {
      const op = n.kind === "in" ? "in" : c.pick(["not in", "notin", "not \t in"]);
      const members = c.pick([0, 1, 2]) === 0 ? [...n.values].reverse() : [...n.values];
      if (members.length > 0 && c.pick([false, true])) {
        members.push(members[0]!);
      }
      const comma = members.length > 0 && c.pick([false, true]) ? "," : "";
      const list = members.map(quote).join(`${ws()},${ws()}`);
      text = `${n.label}${c.pick(BLANKS1)}${op}${ws()}{${ws()}${list}${comma}${ws()}}`;
      break;
    }
    case "not":
      text = `!${ws()}${noisy(n.operand, c, false)}`;
      break;
    case "and":
    case "or": {
      const body = n.operands
        .map((o) => noisy(o, c, false))
        .join(`${ws()}${n.kind === "and" ? "&&" : "||"}${ws()}`);
      text = top && c.pick([false, true]) ? body : `(${ws()}${body}${ws()})`;
      break;
    }
  }
  if (c.pick([0, 1, 2, 3]) === 0) {
    text = `(${ws()}${text}${ws()})`;
  }
  if (!top && c.pick([0, 1, 2, 3]) === 0) {
    text = `!!${ws()}${text}`;
  }
  return top ? `${ws()}${text}${ws()}` : text;
}

const labelMap = fc.dictionary(
  fc.constantFrom(...LABELS),
  fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 3 })),
  { maxKeys: 6 },
);

describe("Calico selector properties", () => {
  it("canonical strings re-parse to the same tree and string", () => {
    fc.assert(
      fc.property(node, (n) => {
        const text = canonicalString(n);
        const sel = parseSelector(text);
        expect(sel.root).toEqual(n);
        expect(sel.toString()).toBe(text);
        expect(parseSelector(sel.toString()).uniqueId()).toBe(new CalicoSelector(n).uniqueId());
      }),
      { numRuns: 500 },
    );
  });

  it("noisy spellings of a tree parse to its canonical form", () => {
    fc.assert(
      fc.property(node, fc.array(fc.nat(), { minLength: 64, maxLength: 64 }), (n, seq) => {
        const text = noisy(n, new Choices(seq), true);
        expect(parseSelector(text).toString()).toBe(canonicalString(n));
      }),
      { numRuns: 500 },
    );
  });

  it("toIR() agrees with matches() on random label maps", () => {
    fc.assert(
      fc.property(node, fc.array(labelMap, { minLength: 1, maxLength: 8 }), (n, maps) => {
        const sel = new CalicoSelector(n);
        const ir = sel.toIR();
        const prefixed = sel.toIR((k) => `calico/${k}`);
        for (const labels of maps) {
          const want = sel.matches(labels);
          expect(matches(ir, new Map(Object.entries(labels)))).toBe(want);
          const moved = new Map(Object.entries(labels).map(([k, v]) => [`calico/${k}`, v] as const));
          expect(matches(prefixed, moved)).toBe(want);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("label restrictions hold for every matching label map", () => {
    fc.assert(
      fc.property(node, fc.array(labelMap, { minLength: 1, maxLength: 8 }), (n, maps) => {
        const sel = new CalicoSelector(n);
        const restrictions = sel.labelRestrictions();
        for (const labels of maps.filter((m) => sel.matches(m))) {
          for (const [key, r] of restrictions) {
            const v = labelValue(labels, key);
            if (r.mustBePresent) {
              expect(v).toBeDefined();
            }
            if (r.mustBeAbsent) {
              expect(v).toBeUndefined();
            }
            if (r.mustHaveOneOfValues !== null) {
              expect(r.mustHaveOneOfValues).toContain(v);
            }
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
