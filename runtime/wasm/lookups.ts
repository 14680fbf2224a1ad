/**
 * @fileoverview Which code each table's lookup becomes: a plan per lookup structure, naming the
 * arrays to copy into linear memory and the generator of `lookup(ctx) -> entry`.
 *
 * Every structure tables/select.ts builds has a port: the exact hash, the LPM trie, the classifier,
 * the linear scan, and the empty table (a constant miss). A lookup of any other kind (a structure
 * added later, or one an embedder supplies) has no plan: the program then calls it through an
 * imported JS function (`lookupJs(table, slot)`), which is correct but pays a wasm→JS call per lookup.
 */

import { NO_ENTRY } from "../bytecode/opcodes.js";
import { Classifier } from "../tables/classifier.js";
import { ExactHash } from "../tables/exact-hash.js";
import type { TableLookup } from "../tables/lookup.js";
import { Lpm } from "../tables/lpm.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import { planClassifier } from "./lookup-classifier.js";
import { planExactHash } from "./lookup-hash.js";
import { isLinearScan, planLinearScan } from "./lookup-linear.js";
import { planLpm } from "./lookup-lpm.js";

/** How one table's lookup is compiled. */
export interface LookupPlan {
  /** Algorithm name of the structure (as TableLookup.algorithm). */
  readonly algorithm: string;
  /** Arrays the generated code reads, copied into linear memory in this order. */
  readonly arrays: readonly Int32Array[];
  /**
   * Statements of the body of `lookup(ctx: i32) -> i32` (parameter 0 is the context's byte
   * address), ending in a return; `at` holds the byte offset of each array.
   */
  emit(f: FunctionBuilder, at: readonly number[]): Expr[];
}

const EMPTY_PLAN: LookupPlan = {
  algorithm: "empty",
  arrays: [],
  emit: (f) => [f.m.return(f.i32(NO_ENTRY))],
};

/** The plan for `lookup`, or null when it has no wasm port and must be called in JS. */
export function planLookup(lookup: TableLookup): LookupPlan | null {
  if (lookup instanceof ExactHash) {
    return planExactHash(lookup);
  }
  if (lookup instanceof Lpm) {
    return planLpm(lookup);
  }
  if (lookup instanceof Classifier) {
    return planClassifier(lookup);
  }
  if (isLinearScan(lookup)) {
    return planLinearScan(lookup);
  }
  if (lookup.algorithm === "empty") {
    return EMPTY_PLAN;
  }
  return null;
}
