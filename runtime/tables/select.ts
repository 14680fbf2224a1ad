/**
 * @fileoverview Choosing and building the lookup structure for a table.
 *
 * "auto" picks from the table's contents: an empty table gets a structure that always misses;
 * all-exact keys get the hash (one probe, the best entry per key resolved at build time); one lpm
 * field (plus exact fields) whose priorities agree with "longest prefix wins" gets the trie; tiny
 * tables get the linear scan, which at a handful of entries is as fast as any tree and costs nothing
 * to build; everything else gets the classifier, which for large tables made mostly of exact-valued
 * rows (the policy-map shape) gets an exact-match front in the interpreter (tuple-hash.ts); a forced
 * "classifier" is always the plain one. Forcing an algorithm that cannot represent the table throws a
 * plain Error. Every structure returns what the linear scan returns (lookup.ts).
 */

import type { TableDef } from "../bytecode/bundle.js";
import { NO_ENTRY } from "../bytecode/opcodes.js";
import { buildClassifier } from "./classifier.js";
import { buildExactHash, exactHashApplies } from "./exact-hash.js";
import { buildLinearScan } from "./linear-scan.js";
import type { TableLookup } from "./lookup.js";
import { buildLpm, tryBuildLpm } from "./lpm.js";
import { buildClassifierWithTupleHash } from "./tuple-hash.js";

/** Algorithms `buildTableLookup` accepts. */
export type TableAlgorithm = "auto" | "linear" | "hash" | "lpm" | "classifier";

/** Options of `buildTableLookup`. */
export interface BuildTableLookupOptions {
  /** Structure to build; "auto" (the default) chooses from the table's contents. */
  readonly algorithm?: TableAlgorithm;
}

/**
 * Tables with at most this many entries use the linear scan under "auto" (when not all-exact): a
 * handful of entries is one classifier leaf anyway, and the scan costs nothing to build.
 */
export const LINEAR_MAX_ENTRIES = 8;

/** The lookup for an empty table: every key misses. */
const EMPTY: TableLookup = {
  algorithm: "empty",
  lookup: () => NO_ENTRY,
};

/** Builds the lookup structure for `table` (see the file overview for what "auto" picks). */
export function buildTableLookup(table: TableDef, options: BuildTableLookupOptions = {}): TableLookup {
  const algorithm = options.algorithm ?? "auto";
  switch (algorithm) {
    case "linear":
      return buildLinearScan(table);
    case "hash":
      return buildExactHash(table);
    case "lpm":
      return buildLpm(table);
    case "classifier":
      return buildClassifier(table);
    case "auto":
      return buildAuto(table);
  }
  throw new Error(`unknown table algorithm ${String(algorithm)}`);
}

function buildAuto(table: TableDef): TableLookup {
  if (table.entryCount === 0) {
    return EMPTY;
  }
  if (exactHashApplies(table)) {
    return buildExactHash(table);
  }
  if (table.entryCount <= LINEAR_MAX_ENTRIES) {
    return buildLinearScan(table);
  }
  const lpm = tryBuildLpm(table);
  return typeof lpm === "string" ? buildClassifierWithTupleHash(table) : lpm;
}
