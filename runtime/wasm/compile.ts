/**
 * @fileoverview Compiling a verified Program to a WebAssembly binary with binaryen: lay out memory,
 * generate one function per table lookup and the batch entry point `run`, validate, optimise, emit,
 * dispose.
 *
 * Module interface:
 *     import env.svc(service, slot, r1, r2, r3, r4, r5) -> r0        CALL
 *     import env.lookupJs(table, slot) -> entry                        tables without a wasm lookup
 *     export memory                                                    layout.ts
 *     export run(first, count)                                         the program over slots
 *     ctLookup(ctx, slot) (internal)                                   conntrack fast path, with a region
 * The packet parser is a second module on the same memory (parser-module.ts), built once per process.
 * The optimisation level defaults to DEFAULT_OPTIMIZE_LEVEL (bench/wasm.ts measures the levels).
 * binaryen's settings are process-wide, so they are set before every compile.
 */

import type { Program } from "../program.js";
import type { Binaryen } from "./binaryen.js";
import { loadBinaryen } from "./binaryen.js";
import { FunctionBuilder } from "./builder.js";
import { CT_LOOKUP_FUNCTION, emitCtLookup } from "./codegen-conntrack.js";
import { IMPORT_LOOKUP, IMPORT_SERVICE, emitRun } from "./codegen-program.js";
import { DEFAULT_SLOTS, planMemory } from "./layout.js";
import type { MemoryLayout } from "./layout.js";
import { planLookup } from "./lookups.js";
import { parserBinary } from "./parser-module.js";
import type { LookupPlan } from "./lookups.js";

/**
 * binaryen -O level used unless told otherwise. Measured on the ClassBench programs (bench/wasm.ts):
 * the levels run within noise of each other, O1 and above shrink the code, and O2 costs a few ms more
 * than O1 to build; O2 is binaryen's own default.
 */
export const DEFAULT_OPTIMIZE_LEVEL = 2;

/** Options of compileWasm. */
export interface WasmCompileOptions {
  /** binaryen optimize level 0..4; 0 runs no optimisation passes at all. */
  readonly optimizeLevel?: number;
  /** Context slots, i.e. packets per `run` call at most. */
  readonly slots?: number;
  /**
   * Capacity of the engine's conntrack: when given and the program calls SVC_CT_LOOKUP, the table lives
   * in the module's memory (layout.ts) and lookups take the wasm fast path (codegen-conntrack.ts).
   */
  readonly conntrackCapacity?: number;
}

/** Milliseconds spent per compile phase. */
export interface WasmCompileTimings {
  /** binaryen import (0 once loaded in this process). */
  readonly importMs: number;
  /** Planning and building the IR. */
  readonly buildMs: number;
  /** m.validate(). */
  readonly validateMs: number;
  /** m.optimize(). */
  readonly optimizeMs: number;
  /** m.emitBinary(). */
  readonly emitMs: number;
  /** Building the parser module (0 when this process already built it). */
  readonly parserMs: number;
}

/** A compiled program: the binary and what instantiating it needs. */
export interface CompiledWasm {
  /** The module binary. */
  readonly bytes: Uint8Array;
  /** The memory map. */
  readonly layout: MemoryLayout;
  /** The parser module's binary (parser-module.ts), instantiated on this module's memory. */
  readonly parser: Uint8Array;
  /** Lookup plan per table; null where the table is looked up through the JS import. */
  readonly plans: readonly (LookupPlan | null)[];
  /** Phase timings. */
  readonly timings: WasmCompileTimings;
}

/** Compiles `program` to a wasm binary (imports binaryen on first use). */
export async function compileWasm(program: Program, options: WasmCompileOptions = {}): Promise<CompiledWasm> {
  const t0 = performance.now();
  const b = await loadBinaryen();
  const t1 = performance.now();
  const m = new b.Module();
  try {
    return buildModule(b, m, program, options, t0, t1);
  } finally {
    m.dispose(); // the module lives in binaryen's heap and is never garbage-collected
  }
}

function buildModule(
  b: Binaryen,
  m: InstanceType<Binaryen["Module"]>,
  program: Program,
  options: WasmCompileOptions,
  t0: number,
  t1: number,
): CompiledWasm {
  const level = options.optimizeLevel ?? DEFAULT_OPTIMIZE_LEVEL;
  const plans = program.lookups.map(planLookup);
  const layout = planMemory(program, plans, options.slots ?? DEFAULT_SLOTS, options.conntrackCapacity);
  m.setFeatures(b.Features.MVP | b.Features.BulkMemory | b.Features.BulkMemoryOpt | b.Features.SignExt);
  m.setMemory(layout.pages, layout.pages, "memory");
  const i32 = b.i32;
  m.addFunctionImport(
    IMPORT_SERVICE,
    "env",
    IMPORT_SERVICE,
    b.createType([i32, i32, i32, i32, i32, i32, i32]),
    i32,
  );
  m.addFunctionImport(IMPORT_LOOKUP, "env", IMPORT_LOOKUP, b.createType([i32, i32]), i32);
  const lookupFunctions = plans.map((plan, t) => {
    if (plan === null) {
      return null;
    }
    const name = `lookup${t}`;
    const f = new FunctionBuilder(b, m, 1);
    f.finish(name, i32, plan.emit(f, layout.tables[t]!.arrays));
    return name;
  });
  let ctLookup: string | null = null;
  if (layout.conntrack !== null) {
    const f = new FunctionBuilder(b, m, 2);
    f.finish(CT_LOOKUP_FUNCTION, i32, emitCtLookup(f, layout.conntrack, layout.frameTimes));
    ctLookup = CT_LOOKUP_FUNCTION;
  }
  const run = new FunctionBuilder(b, m, 2);
  run.finish("run", b.none, emitRun(run, { program, layout, lookupFunctions, ctLookup }));
  m.addFunctionExport("run", "run");
  const t2 = performance.now();
  if (!m.validate()) {
    throw new Error("wasm: binaryen rejected the generated module (details on stderr)");
  }
  const t3 = performance.now();
  if (level > 0) {
    b.setOptimizeLevel(level);
    b.setShrinkLevel(0);
    m.optimize();
  }
  const t4 = performance.now();
  const bytes = m.emitBinary();
  const t5 = performance.now();
  const parser = parserBinary(b, layout);
  return {
    bytes,
    parser: parser.bytes,
    layout,
    plans,
    timings: {
      importMs: t1 - t0,
      buildMs: t2 - t1,
      validateMs: t3 - t2,
      optimizeMs: t4 - t3,
      emitMs: t5 - t4,
      parserMs: parser.buildMs,
    },
  };
}
