/**
 * @fileoverview The fast YAML reader (compiler/yaml/fast-yaml.ts) against the `yaml` package as the
 * oracle: for every input the fast reader accepts, the located trees — values, kinds and every span —
 * must equal what the `yaml` package path builds, and that path must report no diagnostic for it.
 * Inputs: the corpus and policies/ files, generated clusters, hand-picked edge cases of the YAML
 * subset (scalars that look like numbers, booleans, nulls, flow collections, comments, documents), and
 * fast-check mutations of all of them. Inputs outside the subset must be declined (undefined), never
 * misread.
 */

import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateCluster } from "../../bench/gen-cluster.js";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import { parseFast } from "../../compiler/yaml/fast-yaml.js";
import { parseDocumentsWithYaml } from "../../compiler/yaml/located.js";
import type { LNode } from "../../compiler/yaml/located.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";

/** A located tree as plain data: spans, values, and key spans of map entries. */
function plain(n: LNode): unknown {
  switch (n.kind) {
    case "scalar":
      return [n.span.start, n.span.end, n.value];
    case "seq":
      return [n.span.start, n.span.end, n.items.map(plain)];
    default:
      return [
        n.span.start,
        n.span.end,
        [...n.entries].map(([k, v]) => [k, v.keySpan.start, v.keySpan.end, plain(v.value)]),
      ];
  }
}

/** Whether the fast reader took `text`; throws (via expect) when it took it and disagrees with the oracle. */
function agrees(name: string, text: string): boolean {
  const file = new SourceFile(name, text);
  const fast = parseFast(file);
  if (fast === undefined) {
    return false;
  }
  const diags = new Diagnostics();
  const oracle = parseDocumentsWithYaml(new SourceFile(name, text), diags);
  expect(
    diags.all.map((d) => d.message),
    `${name}: the yaml package reports a problem the fast reader missed`,
  ).toEqual([]);
  expect(fast.map(plain), name).toEqual(oracle.map(plain));
  return true;
}

const SNIPPETS = [
  'a: 1\nb:\n  c: x   # hi\n  d: [ 1, "q" ]\ne:\n- x\n-\n- { k: v }\nf:\n',
  "f:\n",
  "a:\n  - x\n  -\n",
  "a: -1\nb: 1.\nc: 0o7\nd: 1_0\ne: +.5\nf: 08\ng: 0x1F\nh: 1e3\ni: .inf\nj: -.5e1\n",
  "- a: 1\n  b: 2\n- c\n",
  "x: 1\n\n\ny: 2\n\n",
  "---\na: 1\n---\n\n---\nb: 2\n",
  "# c\na: 1\n",
  "'a''b': 1\n",
  "a: 'it''s'\n",
  'a: {"b":1}\n',
  "a: {b: c, d: [e, {f: g}]}\n",
  "a: b # c\n",
  "a: b#c\n",
  "a: http://x:80/y\n",
  "a: ~\nb: null\nc: Null\nd: NULL\ne: nULL\nf: true\ng: True\nh: TRUE\ni: tRue\nj: yes\nk: no\nl: on\n",
  "a: 123456789012345678\n",
  "- - a\n  - b\n- c\n",
  "a:\n- b\n- c\nd: e\n",
  "-   a: 1\n    b: 2\n",
  "a: [ ]\nb: { }\nc: []\nd: {}\n",
  "a: \"\"\nb: ''\n",
  "a: ?x\nb: :x\nc: -x\n",
  "a: 1.2.3\nb: 10.1.0.1\nc: 1:2\nd: fd00::1\n",
  "a: {x: 1, x: 2}\n",
  "a: 1\na: 2\n",
  "a: &x 1\nb: *x\n",
  "a: |\n  x\n",
  'a: "x\\ny"\n',
  "a: [x,\n  y]\n",
  "metadata: { name: web, namespace: shop, labels: { app: web } }\nstatus: { podIP: 10.1.0.10 }\n",
];

function inputFiles(): [string, string][] {
  const out: [string, string][] = [];
  const walk = (p: string): void => {
    for (const n of readdirSync(p)) {
      const q = join(p, n);
      if (statSync(q).isDirectory()) {
        walk(q);
      } else if (/\.(ya?ml|json)$/.test(n)) {
        out.push([q, readFileSync(q, "utf8")]);
      }
    }
  };
  walk(fileURLToPath(new URL("../../policies/", import.meta.url)));
  if (haveCorpus("")) {
    walk(corpusPath(""));
  }
  for (const dialect of ["kubernetes", "cilium"] as const) {
    const g = generateCluster({ endpoints: 60, policies: 4, rowsPerDirection: 4, dialect });
    out.push([`gen-${dialect}-cluster`, g.clusterYaml], [`gen-${dialect}-policies`, g.policyYaml]);
  }
  return out;
}

describe("fast YAML reader", () => {
  const files = inputFiles();

  it("reads every corpus, policy and generated file it accepts exactly as the yaml package does", () => {
    const taken = files.filter(([name, text]) => agrees(name, text)).length;
    expect(taken).toBeGreaterThan(0); // the generated clusters are in the subset
  });

  it("agrees on the subset's edge cases, and declines what is outside it", () => {
    const taken = SNIPPETS.filter((s, i) => agrees(`snippet ${i}`, s));
    expect(taken.length).toBeGreaterThan(10);
    // Outside the subset: anchors, block scalars, multi-line flow collections, escapes.
    for (const s of ["a: &x 1\nb: *x\n", "a: |\n  x\n", "a: [x,\n  y]\n", 'a: "x\\ny"\n']) {
      expect(parseFast(new SourceFile("outside", s)), JSON.stringify(s)).toBeUndefined();
    }
  });

  it("property: mutated inputs are read exactly as the yaml package reads them, or declined", () => {
    const pool = [...SNIPPETS, ...files.filter(([, t]) => t.length < 3000).map(([, t]) => t)];
    const pieces = [
      " ",
      "\n",
      ":",
      "-",
      "#",
      "[",
      "]",
      "{",
      "}",
      ",",
      "'",
      '"',
      "a",
      "1",
      ".",
      "  ",
      "- ",
      ": ",
      "\n  ",
      "\n- ",
      "?",
      "!",
      "&",
      "*",
      "|",
      ">",
      "0",
      "~",
      "---\n",
      "x: y\n",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...pool),
        fc.array(fc.tuple(fc.nat(), fc.nat(2), fc.constantFrom(...pieces), fc.nat(3)), {
          minLength: 1,
          maxLength: 3,
        }),
        (base, edits) => {
          let t = base;
          for (const [at0, op, piece, len] of edits) {
            const at = at0 % (t.length + 1);
            t =
              op === 0
                ? t.slice(0, at) + piece + t.slice(at)
                : op === 1
                  ? t.slice(0, at) + t.slice(at + 1 + len)
                  : t.slice(0, at) + piece + t.slice(at + 1);
          }
          agrees("mutation", t);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
