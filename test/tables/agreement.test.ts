// Property tests: every structure returns what the linear scan returns, on random tables (every kind
// and width, priorities with ties) and contexts aimed at the entries' corners.

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { MATCH_EXACT, MATCH_LPM, type TableDef } from "../../runtime/bytecode/bundle.js";
import { buildClassifier } from "../../runtime/tables/classifier.js";
import { buildExactHash } from "../../runtime/tables/exact-hash.js";
import { buildLinearScan } from "../../runtime/tables/linear-scan.js";
import type { TableLookup } from "../../runtime/tables/lookup.js";
import { tryBuildLpm } from "../../runtime/tables/lpm.js";
import { buildTableLookup } from "../../runtime/tables/select.js";
import {
  assignFields,
  contextFor,
  ctxRecipeArb,
  fieldDataArb,
  makeTable,
  rowsArb,
  tableArb,
  type CtxRecipe,
  type FieldShape,
} from "./table-helpers.js";

const recipesArb = fc.array(ctxRecipeArb, { minLength: 1, maxLength: 30 });

function expectAgree(table: TableDef, recipes: readonly CtxRecipe[], lookups: readonly TableLookup[]): void {
  const oracle = buildLinearScan(table);
  for (const r of recipes) {
    const ctx = contextFor(table, r);
    const want = oracle.lookup(ctx);
    for (const l of lookups) {
      expect({ algorithm: l.algorithm, entry: l.lookup(ctx) }).toEqual({
        algorithm: l.algorithm,
        entry: want,
      });
    }
  }
}

/** Tables with one lpm field (1 or 4 words) and up to two exact fields. */
function lpmTableArb(consistent: boolean, maxEntries: number): fc.Arbitrary<TableDef> {
  const shapes = fc.tuple(
    fc.constantFrom(1, 4),
    fc.array(fc.constantFrom(1, 4), { maxLength: 2 }),
    fc.nat(2),
  );
  return shapes.chain(([lpmWords, exactWords, lpmAt]) => {
    const exact: FieldShape[] = exactWords.map((words) => ({ kind: MATCH_EXACT, words }));
    const list: FieldShape[] = [...exact];
    list.splice(Math.min(lpmAt, list.length), 0, { kind: MATCH_LPM, words: lpmWords });
    const keys = assignFields(list);
    const lpmIndex = keys.findIndex((k) => k.kind === MATCH_LPM);
    // Exact values from a tiny pool, so several entries share them and their prefixes nest.
    const small = fc.array(fc.constantFrom(0, 1, 0xffffffff), { minLength: 4, maxLength: 4 });
    const data = fc.tuple(
      ...keys.map((k) => (k.kind === MATCH_EXACT ? small.map((w) => w.slice(0, k.words)) : fieldDataArb(k))),
    );
    const row = fc.record({ priority: fc.nat(6), data });
    return fc.array(row, { maxLength: maxEntries, size: "max" }).map((rows) =>
      makeTable(
        keys,
        rows.map((r) => ({
          priority: consistent ? 1000 - r.data[lpmIndex]![lpmWords]! : r.priority,
          data: r.data,
        })),
      ),
    );
  });
}

describe("every structure agrees with the linear scan", () => {
  it("classifier and auto, on random general tables", () => {
    fc.assert(
      fc.property(tableArb(), recipesArb, (table, recipes) => {
        expectAgree(table, recipes, [buildClassifier(table), buildTableLookup(table)]);
      }),
      { numRuns: 400 },
    );
  });

  it("classifier with tiny leaves, tiny budgets and forced partitions, on bigger tables", () => {
    fc.assert(
      fc.property(tableArb(4, 150, 30), recipesArb, (table, recipes) => {
        expectAgree(table, recipes, [
          buildClassifier(table),
          buildClassifier(table, { leafRules: 1 }),
          buildClassifier(table, { leafRules: 2, budgetCopies: 1, budgetFixed: 0 }),
          buildClassifier(table, { leafRules: 1, maxTrees: 1, spaceFactor: 64 }),
          buildClassifier(table, { partitionMinRules: 4, maxTrees: 4, smallFraction: 1 / 16 }),
        ]);
      }),
      { numRuns: 150 },
    );
  });

  it("hash, on all-exact tables with duplicate keys", () => {
    const keys = fc
      .array(fc.constantFrom(1, 4), { minLength: 1, maxLength: 3 })
      .map((ws) => assignFields(ws.map((words) => ({ kind: MATCH_EXACT, words }))));
    const tables = keys.chain((k) => rowsArb(k, 60).map((rows) => makeTable(k, rows)));
    fc.assert(
      fc.property(tables, recipesArb, (table, recipes) => {
        expectAgree(table, recipes, [buildExactHash(table), buildTableLookup(table), buildClassifier(table)]);
      }),
      { numRuns: 300 },
    );
  });

  it("lpm, on tables whose priorities follow the prefix length", () => {
    fc.assert(
      fc.property(lpmTableArb(true, 80), recipesArb, (table, recipes) => {
        const lpm = tryBuildLpm(table);
        expect(typeof lpm).not.toBe("string");
        if (typeof lpm !== "string") {
          expectAgree(table, recipes, [lpm, buildTableLookup(table), buildClassifier(table)]);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("lpm or its refusal, on tables with arbitrary priorities", () => {
    fc.assert(
      fc.property(lpmTableArb(false, 30), recipesArb, (table, recipes) => {
        const lpm = tryBuildLpm(table);
        const lookups = [buildTableLookup(table)];
        if (typeof lpm !== "string") {
          lookups.push(lpm);
        }
        expectAgree(table, recipes, lookups);
      }),
      { numRuns: 300 },
    );
  });
});
