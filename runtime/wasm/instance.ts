/**
 * @fileoverview A compiled program, instantiated: the memory with the tables written in, typed-array
 * views of the context slots and results, and `run(first, count)` — one JS→wasm call per batch.
 *
 * The instance owns the counters: `program` is the loaded Program with `counters` and `hits`
 * replaced by Float64Array views over linear memory, so the interpreter (which the engine still uses
 * for traced packets), `resetCounters` and `Engine.counters()` all see the numbers the wasm code
 * increments. Memory never grows (layout.ts), so the views stay valid.
 *
 * The packet parser (parser-module.ts) is a second instance on the same memory; `parser` holds its
 * exports and the views batch.ts fills.
 *
 * Services: CALL in wasm calls `onService(service, slot, regs, ctx)`, where `regs` holds r1..r5 and
 * `ctx` is the slot's context view; its return value becomes r0. The engine sets it to its own
 * service switch (conntrack, log); the default answers 0 like interp/exec.ts's NO_SERVICES.
 */

import type { ConntrackMemory } from "../conntrack/region.js";
import type { Program } from "../program.js";
import { tcpTransitionTable } from "./codegen-conntrack-parts.js";
import { compileWasm } from "./compile.js";
import type { CompiledWasm, WasmCompileOptions } from "./compile.js";
import { CTX_BYTES, SLOT_RESULT_WORDS, fillMemory } from "./layout.js";
import type { MemoryLayout } from "./layout.js";

/** The slice of the WebAssembly JS API used here (the project's lib settings do not declare it). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: object };
}

/** A linear memory as the JS API exposes it. */
export interface WasmMemory {
  /** The memory's bytes; stable here, since the memory never grows. */
  readonly buffer: ArrayBuffer;
}

const WASM = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;

/** Compiled parser modules by binary: the binary is cached per process (parser-module.ts), so is this. */
const parserModules = new WeakMap<Uint8Array, object>();

/** The WebAssembly.Module of parser binary `bytes`. */
function parserModule(bytes: Uint8Array): object {
  let module = parserModules.get(bytes);
  if (module === undefined) {
    module = new WASM.Module(bytes);
    parserModules.set(bytes, module);
  }
  return module;
}

/** A CALL from wasm: the slot it runs for, r1..r5 in `regs`, the slot's context; returns r0. */
export type WasmServiceHandler = (
  service: number,
  slot: number,
  regs: Uint32Array,
  ctx: Uint32Array,
) => number;

/** The parser exports (codegen-parse.ts) and views of the regions they use (layout.ts). */
export interface WasmParserView {
  /** parse(first, count, lo, flen, linkType): slots' frames (in `area`) into their contexts. */
  readonly parse: (first: number, count: number, lo: number, flen: number, linkType: number) => void;
  /** span(first, count, flen, limit) -> slots from `first` whose frames fit `limit` bytes. */
  readonly span: (first: number, count: number, flen: number, limit: number) => number;
  /** times(count): per-slot times with NaN replaced by the previous time. */
  readonly times: (count: number) => void;
  /** Frame offset per slot. */
  readonly offsets: Uint32Array;
  /** Frame length per slot. */
  readonly lengths: Uint32Array;
  /** Packet time per slot (ns). */
  readonly timesNs: Float64Array;
  /** lo, hi written by `span`. */
  readonly spanBounds: Uint32Array;
  /** The time carried into and out of `times`. */
  readonly carriedNs: Float64Array;
  /** The frame area. */
  readonly area: Uint8Array;
}

/** Milliseconds to instantiate: compile the binary, instantiate, write the tables. */
export interface WasmInstantiateTimings {
  /** new WebAssembly.Module. */
  readonly moduleMs: number;
  /** new WebAssembly.Instance plus writing the tables into memory. */
  readonly instanceMs: number;
}

/** The program running in WebAssembly. */
export class WasmProgram {
  /** The program, with counters and hits backed by linear memory. */
  readonly program: Program;
  /** The compiled module and its memory map. */
  readonly compiled: CompiledWasm;
  /** The memory map. */
  readonly layout: MemoryLayout;
  /** The instance's memory. */
  readonly memory: WasmMemory;
  /** Context view per slot (CTX_WORDS words each); fill these, then `run`. */
  readonly contexts: readonly Uint32Array[];
  /** Results: verdict, reason, rule id at 3 * slot. */
  readonly results: Uint32Array;
  /** The carry record (META words handed from packet to packet; layout.ts). */
  readonly carry: Uint32Array;
  /** The packet parser in wasm. */
  readonly parser: WasmParserView;
  /** Instantiation timings. */
  readonly timings: WasmInstantiateTimings;
  /**
   * The region of this memory the engine's Conntrack must store its table in (pass it to the
   * Conntrack constructor), so that CALL SVC_CT_LOOKUP takes the wasm fast path; undefined when the
   * program has none (compiled without conntrackCapacity, or never looks connections up).
   */
  readonly conntrackMemory: ConntrackMemory | undefined;
  /** CALL handler (see the file overview). */
  onService: WasmServiceHandler = () => 0;
  private readonly runExport: (first: number, count: number) => void;
  private readonly regs = new Uint32Array(16);

  constructor(program: Program, compiled: CompiledWasm) {
    const t0 = performance.now();
    const module = new WASM.Module(compiled.bytes);
    const t1 = performance.now();
    const layout = compiled.layout;
    const regs = this.regs;
    const imports = {
      env: {
        svc: (service: number, slot: number, r1: number, r2: number, r3: number, r4: number, r5: number) => {
          regs[1] = r1;
          regs[2] = r2;
          regs[3] = r3;
          regs[4] = r4;
          regs[5] = r5;
          return this.onService(service, slot, regs, this.contexts[slot]!) | 0;
        },
        lookupJs: (table: number, slot: number) => program.lookups[table]!.lookup(this.contexts[slot]!) | 0,
      },
    };
    const instance = new WASM.Instance(module, imports);
    const exports = instance.exports as { memory: WasmMemory; run: (first: number, count: number) => void };
    this.memory = exports.memory;
    this.runExport = exports.run;
    const buffer = this.memory.buffer;
    const parserInstance = new WASM.Instance(parserModule(compiled.parser), {
      env: { memory: exports.memory },
    });
    const px = parserInstance.exports as Pick<WasmParserView, "parse" | "span" | "times">;
    this.parser = {
      parse: px.parse,
      span: px.span,
      times: px.times,
      offsets: new Uint32Array(buffer, layout.frameOffsets, layout.slots),
      lengths: new Uint32Array(buffer, layout.frameLengths, layout.slots),
      timesNs: new Float64Array(buffer, layout.frameTimes, layout.slots),
      spanBounds: new Uint32Array(buffer, layout.frameSpan, 2),
      carriedNs: new Float64Array(buffer, layout.frameSpan + 8, 1),
      area: new Uint8Array(buffer, layout.frameArea, layout.frameAreaBytes),
    };
    fillMemory(buffer, program, compiled.plans, layout);
    const ct = layout.conntrack;
    if (ct !== null) {
      const table = tcpTransitionTable();
      new Uint16Array(buffer, ct.tcpTable, table.length).set(table);
    }
    this.conntrackMemory = ct === null ? undefined : { buffer, byteOffset: ct.base, capacity: ct.capacity };
    const counters = new Float64Array(buffer, layout.counters, layout.counterCount);
    counters.set(program.counters);
    const hits = program.bundle.tables.map((table, t) => {
      const view = new Float64Array(buffer, layout.tables[t]!.hits, table.entryCount);
      view.set(program.hits[t]!);
      return view;
    });
    this.program = { ...program, counters, hits };
    this.compiled = compiled;
    this.layout = layout;
    this.contexts = Array.from(
      { length: layout.slots },
      (_, s) => new Uint32Array(buffer, layout.contexts + CTX_BYTES * s, CTX_BYTES / 4),
    );
    this.results = new Uint32Array(buffer, layout.results, SLOT_RESULT_WORDS * layout.slots);
    this.carry = new Uint32Array(buffer, layout.carry, CTX_BYTES / 4);
    this.timings = { moduleMs: t1 - t0, instanceMs: performance.now() - t1 };
  }

  /** Slots available per `run` call. */
  get slots(): number {
    return this.layout.slots;
  }

  /** Runs the program on slots first .. first+count-1 (one wasm call); results land in `results`. */
  run(first: number, count: number): void {
    this.runExport(first, count);
  }

  /** Copies the carried META words from the carry record into `ctx` (for running a slot outside `run`). */
  carryIn(ctx: Uint32Array): void {
    for (const w of this.layout.carried) {
      ctx[w] = this.carry[w]!;
    }
  }

  /** Copies the carried META words of `ctx` back into the carry record. */
  carryOut(ctx: Uint32Array): void {
    for (const w of this.layout.carried) {
      this.carry[w] = ctx[w]!;
    }
  }
}

/** Compiles `program` with binaryen and instantiates it. */
export async function loadWasmProgram(
  program: Program,
  options: WasmCompileOptions = {},
): Promise<WasmProgram> {
  return new WasmProgram(program, await compileWasm(program, options));
}
