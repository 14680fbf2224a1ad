/**
 * @fileoverview `sluice/runtime`: load verified bundles and run packets through them. Imports nothing
 * from the compiler or the CLI.
 */

export { Engine } from "./engine/engine.js";
export type {
  BatchResults,
  EngineCounters,
  EngineOptions,
  PacketBatch,
  PacketEvent,
  PacketResult,
  ProcessOptions,
  Tuple,
} from "./engine/engine.js";
export { LoadError, LOAD_ERROR_CODES } from "./bytecode/load-error.js";
export type { LoadErrorCode } from "./bytecode/load-error.js";
export { decodeBundle } from "./bytecode/decode.js";
export { encodeBundle } from "./bytecode/encode.js";
export type { Bundle, KeyField, SourceMapEntry, TableDef } from "./bytecode/bundle.js";
export { loadProgram } from "./program.js";
export type { LoadOptions, Program, TableAlgorithm } from "./program.js";
export { exec } from "./interp/exec.js";
export { parsePacket } from "./packet/parse.js";
export * as craft from "./packet/craft.js";
export { Conntrack } from "./conntrack/conntrack.js";
export {
  CaptureReader,
  CaptureError,
  PcapWriter,
  PcapngWriter,
  openCaptureFile,
  captureFromStdin,
  readCapture,
} from "./pcap/index.js";
export { HubbleFlowBuilder } from "./flow/hubble.js";
export type { HubbleFlow, HubbleRecord } from "./flow/hubble.js";
export { readMetadata } from "./metadata.js";
export type { BundleMetadata } from "./metadata.js";
export * from "./verdict.js";
export * as context from "./context.js";
export * as opcodes from "./bytecode/opcodes.js";
