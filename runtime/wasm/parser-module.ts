/**
 * @fileoverview The packet parser as its own wasm module, built once per process and memory map and
 * instantiated beside each program on the program's memory.
 *
 * The parser does not depend on the program: it touches only the context slots and the frame regions,
 * whose addresses depend on the slot count alone (layout.ts puts them before the counters and tables).
 * Building it into every program module would add its optimisation time — several times a small
 * program's own — to every compile, so it is a separate module that imports `env.memory` and is
 * cached by those addresses: the first `compileWasm` of a process pays for it, later ones reuse it.
 *
 *     import env.memory                                 the program's memory (initial = maximum)
 *     export parse / span / times                       codegen-parse.ts
 */

import type { Binaryen, BinaryenModule } from "./binaryen.js";
import { emitParser } from "./codegen-parse.js";
import type { MemoryLayout } from "./layout.js";

/** wasm page size. */
const PAGE = 65536;
/** Largest memory a wasm32 module may declare, in pages (4 GiB). */
const MAX_PAGES = 65536;

/**
 * binaryen -O level of the parser module. Its code is fixed, so this is paid once per process; the
 * layer functions must be inlined into the per-slot loop for the parser to be fast, which O2 does.
 */
const PARSER_OPTIMIZE_LEVEL = 2;

/** Inlining limit (binaryen size units) for the parser: above its largest layer function. */
const INLINE_MAX_SIZE = 4000;

/** The parser binary and the time it took to build. */
export interface ParserBinary {
  /** The module binary. */
  readonly bytes: Uint8Array;
  /** Milliseconds spent building, validating, optimising and emitting it (0 when cached). */
  readonly buildMs: number;
}

const cache = new Map<string, Uint8Array>();

/** The addresses the parser is built for, as a cache key. */
function keyOf(layout: MemoryLayout): string {
  const { contexts, frameOffsets, frameLengths, frameTimes, frameSpan, frameArea, frameAreaBytes } = layout;
  return [contexts, frameOffsets, frameLengths, frameTimes, frameSpan, frameArea, frameAreaBytes].join(",");
}

/** The parser module for `layout`'s slot and frame regions, built on first use and cached. */
export function parserBinary(b: Binaryen, layout: MemoryLayout): ParserBinary {
  const key = keyOf(layout);
  const cached = cache.get(key);
  if (cached !== undefined) {
    return { bytes: cached, buildMs: 0 };
  }
  const t0 = performance.now();
  const m = new b.Module();
  try {
    m.setFeatures(b.Features.MVP | b.Features.BulkMemory | b.Features.BulkMemoryOpt | b.Features.SignExt);
    // Imported memory: at least the pages up to the end of the frame area (every program's memory
    // holds them), at most a wasm32 memory's 65536 pages, so any program's memory satisfies the import.
    const pages = Math.ceil((layout.frameArea + layout.frameAreaBytes) / PAGE);
    m.setMemory(pages, MAX_PAGES, null, [], false, false, "mem");
    m.addMemoryImport("mem", "env", "memory");
    emitParser(b, m, layout);
    if (!m.validate()) {
      throw new Error("wasm: binaryen rejected the generated parser module (details on stderr)");
    }
    optimizeInlined(b, m);
    const bytes = m.emitBinary();
    cache.set(key, bytes);
    return { bytes, buildMs: performance.now() - t0 };
  } finally {
    m.dispose(); // the module lives in binaryen's heap and is never garbage-collected
  }
}

/**
 * Optimises `m` with every layer function inlined into `p_general` and that into `parse`: binaryen's
 * default limits leave most layers as calls, which cost about as much as the parsing they do. The
 * inlining limits are process-wide settings, so they are restored afterwards.
 */
function optimizeInlined(b: Binaryen, m: BinaryenModule): void {
  const always = b.getAlwaysInlineMaxSize();
  const flexible = b.getFlexibleInlineMaxSize();
  const oneCaller = b.getOneCallerInlineMaxSize();
  try {
    b.setOptimizeLevel(PARSER_OPTIMIZE_LEVEL);
    b.setShrinkLevel(0);
    b.setAlwaysInlineMaxSize(INLINE_MAX_SIZE);
    b.setFlexibleInlineMaxSize(INLINE_MAX_SIZE);
    b.setOneCallerInlineMaxSize(INLINE_MAX_SIZE);
    m.optimize();
  } finally {
    b.setAlwaysInlineMaxSize(always);
    b.setFlexibleInlineMaxSize(flexible);
    b.setOneCallerInlineMaxSize(oneCaller);
  }
}
