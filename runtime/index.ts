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
export { L7Datapath } from "./l7/datapath/datapath.js";
export type { L7Counters, L7DatapathOptions } from "./l7/datapath/datapath.js";
export type { L7Record, L7RecordSink } from "./l7/datapath/records.js";
export { l7FlowRecord } from "./flow/hubble-l7.js";
export { FqdnCache } from "./l7/fqdn/cache.js";
export type { FqdnCacheCounters, FqdnCacheOptions, FqdnMappingView } from "./l7/fqdn/cache.js";
export { createHttpDecoder } from "./l7/http/index.js";
export { HpackDecoder } from "./l7/http/hpack.js";
export { createKafkaDecoder } from "./l7/kafka/stream.js";
export { createDnsQueryDecoder, createDnsResponseReader, decodeDnsQuery } from "./l7/dns/stream.js";
export { decodeDnsMessage, answersFor } from "./l7/dns/message.js";
export type { DnsMessage, DnsRecord } from "./l7/dns/message.js";
export { evaluateL7 } from "./l7/match.js";
export type { L7Request, HttpRequest, KafkaRequest, DnsRequest, L7Decision } from "./l7/match.js";
export {
  DECODE_OK,
  DECODE_MALFORMED,
  DECODE_TOO_LARGE,
  DECODE_COMPRESSION,
  DEFAULT_DECODER_LIMITS,
} from "./l7/stream/decoder.js";
export type { DecoderLimits, L7Sink, StreamDecoder } from "./l7/stream/decoder.js";
