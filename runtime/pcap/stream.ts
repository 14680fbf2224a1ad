/**
 * @fileoverview Async convenience over CaptureReader: read packets from any async iterable of bytes,
 * a file, or standard input, streaming with node:fs (never the whole capture in memory).
 *
 * As with CaptureReader, a yielded packet's `data` is a view that is valid only until the generator is
 * resumed; copy it to keep it. Breaking out of the loop closes the underlying file stream.
 */

import { createReadStream } from "node:fs";

import { CaptureReader, type CapturedPacket, type CaptureReaderOptions } from "./reader.js";

/**
 * Read size for files and stdin: 256 KiB, large enough that per-chunk overhead is negligible next to
 * parsing, small enough that a straddling record costs little to stitch and memory stays flat.
 */
export const DEFAULT_READ_CHUNK_BYTES = 256 * 1024;

/** Options for the file and stdin helpers. */
export interface CaptureStreamOptions extends CaptureReaderOptions {
  /** Bytes per read (default DEFAULT_READ_CHUNK_BYTES). */
  readonly highWaterMark?: number;
}

/** Yields the packets of a capture arriving as chunks; throws CaptureError on malformed or truncated input. */
export async function* readCapture(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: CaptureReaderOptions = {},
): AsyncGenerator<CapturedPacket, void, undefined> {
  const reader = new CaptureReader(options);
  for await (const chunk of source) {
    reader.push(chunk);
    for (let p = reader.next(); p !== undefined; p = reader.next()) {
      yield p;
    }
  }
  reader.end();
}

/** Yields the packets of a capture file, read in `highWaterMark`-sized chunks. */
export function openCaptureFile(
  path: string,
  options: CaptureStreamOptions = {},
): AsyncGenerator<CapturedPacket, void, undefined> {
  const stream = createReadStream(path, { highWaterMark: options.highWaterMark ?? DEFAULT_READ_CHUNK_BYTES });
  return readCapture(stream as AsyncIterable<Uint8Array>, options);
}

/** Yields the packets of a capture piped to standard input (`tcpdump -w - | sluice …`). */
export function captureFromStdin(
  options: CaptureReaderOptions = {},
): AsyncGenerator<CapturedPacket, void, undefined> {
  return readCapture(process.stdin as AsyncIterable<Uint8Array>, options);
}
