/**
 * @fileoverview Public surface of the capture module: the streaming pcap/pcapng reader, its async
 * helpers, the writers, the error type, and the format constants.
 */

export { CAPTURE_ERROR_CODES, CaptureError, type CaptureErrorCode } from "./capture-error.js";
export * from "./format.js";
export {
  CaptureReader,
  type CaptureFormat,
  type CaptureInterface,
  type CapturedPacket,
  type CaptureReaderOptions,
} from "./reader.js";
export {
  captureFromStdin,
  DEFAULT_READ_CHUNK_BYTES,
  openCaptureFile,
  readCapture,
  type CaptureStreamOptions,
} from "./stream.js";
export { TimestampResolution } from "./timestamp.js";
export {
  concatBytes,
  PcapngWriter,
  PcapWriter,
  writePcap,
  writePcapng,
  type ChunkSink,
  type PacketToWrite,
  type PcapngInterfaceOptions,
  type PcapngWriterOptions,
  type PcapWriterOptions,
} from "./writer.js";
