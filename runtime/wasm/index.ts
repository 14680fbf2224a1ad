/**
 * @fileoverview The WebAssembly backend: a verified Program compiled with binaryen.js (imported
 * lazily, only here) into a module that runs the program and its table lookups over context slots in
 * linear memory, one call per batch, beside a second module on the same memory that parses the
 * batch's frames into those slots (codegen-parse.ts). `Engine.loadAsync(bundle, { backend: "wasm" })` is the usual
 * way in; this module is for tools, tests and benchmarks that drive a Program directly.
 */

export { compileWasm, DEFAULT_OPTIMIZE_LEVEL } from "./compile.js";
export type { CompiledWasm, WasmCompileOptions, WasmCompileTimings } from "./compile.js";
export { WasmProgram, loadWasmProgram } from "./instance.js";
export type { WasmInstantiateTimings, WasmMemory, WasmParserView, WasmServiceHandler } from "./instance.js";
export {
  CTX_BYTES,
  DEFAULT_SLOTS,
  FRAME_AREA_EXTRA,
  FRAME_BYTES_PER_SLOT,
  SLOT_RESULT_WORDS,
} from "./layout.js";
export type { MemoryLayout, TableRegion } from "./layout.js";
