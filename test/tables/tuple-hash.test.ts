// The classifier with an exact-match front (tuple-hash.ts) returns the best entry by the definition
// (naiveBest, independent of every structure), on random tables and on policy-map-shaped tables; and
// it keeps the full classifier's arrays, which the WebAssembly backend ports.

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MATCH_EXACT, MATCH_RANGE, MATCH_TERNARY, type TableDef } from "../../runtime/bytecode/bundle.js";
import { Classifier, buildClassifier } from "../../runtime/tables/classifier.js";
import { buildTableLookup } from "../../runtime/tables/select.js";
import { TupleHashClassifier, buildClassifierWithTupleHash } from "../../runtime/tables/tuple-hash.js";
import {
  contextFor,
  ctxRecipeArb,
  makeTable,
  naiveBest,
  tableArb,
  type CtxRecipe,
  type Row,
} from "./table-helpers.js";

const recipesArb = fc.array(ctxRecipeArb, { minLength: 1, maxLength: 30 });

/** Policy-map shape: endpoint (exact), peer identity (ternary), protocol (ternary), port (range). */
const policyKeys = [
  { field: 48, words: 1, kind: MATCH_EXACT },
  { field: 49, words: 1, kind: MATCH_TERNARY },
  { field: 3, words: 1, kind: MATCH_TERNARY },
  { field: 15, words: 1, kind: MATCH_RANGE },
];

/** Rows mostly fixing every field (the tuple), some wildcards, some values with bits outside the mask. */
const policyRowArb: fc.Arbitrary<Row> = fc.record({
  priority: fc.constantFrom(0, 1, 2, 5, 0xffffffff),
  data: fc.tuple(
    fc.constantFrom([1], [2], [3]),
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(7, 8, 0x80000000).map((v) => [v, 0xffffffff]) },
      { weight: 1, arbitrary: fc.constant([0, 0]) },
      { weight: 1, arbitrary: fc.constant([0x100, 0xff]) }, // value outside the mask: never matches
    ),
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom([6, 0xff], [17, 0xff]) }, fc.constant([0, 0])),
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(80, 443, 0xffff).map((p) => [p, p]) },
      { weight: 1, arbitrary: fc.constantFrom([0, 0xffffffff], [80, 443], [0, 79]) },
    ),
  ),
});

function expectAgree(table: TableDef, lookup: Classifier, recipes: readonly CtxRecipe[]): void {
  for (const r of recipes) {
    const ctx = contextFor(table, r);
    expect(lookup.lookup(ctx)).toBe(naiveBest(table, ctx));
  }
}

describe("classifier with an exact-match front", () => {
  it("agrees with the definition on random tables (front forced on any tuple)", () => {
    fc.assert(
      fc.property(tableArb(4, 60, 1), recipesArb, (table, recipes) => {
        expectAgree(table, buildClassifierWithTupleHash(table, { minRows: 0, minShare: 0 }), recipes);
      }),
      { numRuns: 150 },
    );
  });

  it("agrees with the definition on policy-shaped tables", () => {
    const tableArb2 = fc
      .array(policyRowArb, { minLength: 1, maxLength: 80 })
      .map((rows) => makeTable(policyKeys, rows));
    fc.assert(
      fc.property(tableArb2, recipesArb, (table, recipes) => {
        expectAgree(table, buildClassifierWithTupleHash(table, { minRows: 0 }), recipes);
      }),
      { numRuns: 150 },
    );
  });

  it("is what auto picks for a large policy table, and keeps the full classifier's arrays", () => {
    const rows: Row[] = [];
    for (let ep = 1; ep <= 20; ep++) {
      for (let peer = 0; peer < 100; peer++) {
        rows.push({
          priority: 1,
          data: [[ep], [1000 + peer, 0xffffffff], [6, 0xff], [8000 + peer, 8000 + peer]],
        });
      }
      rows.push({ priority: 2, data: [[ep], [0, 0], [0, 0], [0, 0xffffffff]] }); // per-endpoint default
    }
    const table = makeTable(policyKeys, rows);
    const hybrid = buildTableLookup(table);
    expect(hybrid).toBeInstanceOf(TupleHashClassifier);
    expect(hybrid).toBeInstanceOf(Classifier);
    if (!(hybrid instanceof TupleHashClassifier)) {
      return;
    }
    const plain = buildClassifier(table);
    expect(hybrid.trees).toEqual(plain.trees);
    expect(hybrid.nodes).toEqual(plain.nodes);
    expect(hybrid.leaves).toEqual(plain.leaves);
    expect(hybrid.rankEntry).toEqual(plain.rankEntry);
    fc.assert(
      fc.property(recipesArb, (recipes) => {
        expectAgree(table, hybrid, recipes);
      }),
      { numRuns: 50 },
    );
  });
});
