/**
 * @fileoverview Program: a bundle that passed the decoder and the verifier, pre-decoded for execution,
 * with a lookup structure built for each table and its counters allocated.
 *
 * `loadProgram` is the only way to get one, so nothing unverified ever executes. Both backends
 * execute a Program: the interpreter (interp/exec.ts) reads the pre-decoded instruction arrays, the
 * WASM backend compiles them.
 */

import { actionOffset, entryStride } from "./bytecode/bundle.js";
import type { Bundle } from "./bytecode/bundle.js";
import { decodeBundle } from "./bytecode/decode.js";
import { LoadError } from "./bytecode/load-error.js";
import { verifyProgram } from "./bytecode/verify.js";
import type { TableLookup } from "./tables/lookup.js";
import { buildTableLookup } from "./tables/select.js";

/** How tables get their lookup structure. */
export type TableAlgorithm = "auto" | "linear" | "hash" | "lpm" | "classifier";

/** Options for loadProgram. */
export interface LoadOptions {
  /** Lookup structure for every table: "auto" (chosen per table) or one forced, e.g. "linear" for the baseline. */
  readonly tableAlgorithm?: TableAlgorithm;
}

/** A verified, executable program. */
export interface Program {
  /** The decoded bundle (tables, strings, source map). */
  readonly bundle: Bundle;
  /** Number of instructions. */
  readonly length: number;
  /** Opcode per instruction. */
  readonly op: Uint8Array;
  /** dst register per instruction. */
  readonly dst: Uint8Array;
  /** src register per instruction. */
  readonly src: Uint8Array;
  /** Signed offset per instruction. */
  readonly off: Int32Array;
  /** Immediate per instruction. */
  readonly imm: Uint32Array;
  /** Lookup structure per table. */
  readonly lookups: readonly TableLookup[];
  /** Packed entries per table (the bundle's arrays). */
  readonly tableEntries: readonly Uint32Array[];
  /** Entry stride per table, in words. */
  readonly tableStride: Int32Array;
  /** Offset of the action (verdict word) inside an entry, per table. */
  readonly tableActionOffset: Int32Array;
  /** Entry count per table. */
  readonly tableSize: Uint32Array;
  /** Program counters (COUNT), as doubles so they never wrap. */
  readonly counters: Float64Array;
  /** Hit counts per table entry (HIT). */
  readonly hits: readonly Float64Array[];
}

/** Build a Program from an already verified bundle. */
function prepare(bundle: Bundle, options: LoadOptions): Program {
  const { insns, counterNames } = bundle.program;
  const length = insns.length / 2;
  const op = new Uint8Array(length);
  const dst = new Uint8Array(length);
  const src = new Uint8Array(length);
  const off = new Int32Array(length);
  const imm = new Uint32Array(length);
  for (let pc = 0; pc < length; pc++) {
    const w0 = insns[2 * pc]!;
    op[pc] = w0 & 0xff;
    dst[pc] = (w0 >>> 8) & 0xf;
    src[pc] = (w0 >>> 12) & 0xf;
    off[pc] = w0 >> 16;
    imm[pc] = insns[2 * pc + 1]!;
  }
  const algorithm = options.tableAlgorithm ?? "auto";
  const lookups = bundle.tables.map((t) => buildTableLookup(t, { algorithm }));
  return {
    bundle,
    length,
    op,
    dst,
    src,
    off,
    imm,
    lookups,
    tableEntries: bundle.tables.map((t) => t.entries),
    tableStride: Int32Array.from(bundle.tables.map((t) => entryStride(t))),
    tableActionOffset: Int32Array.from(bundle.tables.map((t) => actionOffset(t))),
    tableSize: Uint32Array.from(bundle.tables.map((t) => t.entryCount)),
    counters: new Float64Array(counterNames.length),
    hits: bundle.tables.map((t) => new Float64Array(t.entryCount)),
  };
}

/**
 * Decode, verify and prepare bundle bytes. Throws LoadError for any bad input, and nothing else:
 * an unexpected failure inside is reported as a LoadError too, so a hostile bundle cannot surface
 * as an arbitrary exception.
 */
export function loadProgram(bytes: Uint8Array, options: LoadOptions = {}): Program {
  const { bundle, insnOffset } = decodeBundle(bytes);
  verifyProgram(bundle, insnOffset);
  try {
    return prepare(bundle, options);
  } catch (e) {
    if (e instanceof LoadError) {
      throw e;
    }
    throw new LoadError("bad-table", 0, `could not build lookup structures: ${(e as Error).message}`);
  }
}

/** Zero every counter and hit count of `program`. */
export function resetCounters(program: Program): void {
  program.counters.fill(0);
  for (const h of program.hits) {
    h.fill(0);
  }
}
