/**
 * @fileoverview CaptureError: why a capture stream was refused, with a stable code and where.
 *
 * Every problem the reader finds in the bytes is a CaptureError; nothing else escapes `CaptureReader`.
 * `offset` is the byte offset in the whole stream (not in the chunk that was pushed) of the structure
 * that is wrong: the file header, the record or block, or for `bad-option` the option itself. The
 * message helpers at the end are shared by the decoders.
 */

import { PCAP_MAGIC_KUZNETSOV } from "./format.js";

/** Every code a CaptureError can carry, with what it means. */
export const CAPTURE_ERROR_CODES = {
  "bad-magic": "the first 4 bytes are neither a pcap magic number nor a pcapng section header block",
  "bad-header": "pcap file header or pcapng section header is malformed (version, byte-order magic)",
  "bad-block-length":
    "pcapng block length too short, not a multiple of 4, over the limit, mismatched " +
    "with its trailing copy, or too short for the fields and data it announces",
  "bad-option": "a pcapng option runs past its block, or has the wrong size for its code",
  "unknown-interface": "a packet names an interface no interface description block has defined",
  "oversize-record": "a packet's captured length exceeds the snaplen or the reader's packet size limit",
  truncated: "the input ended inside a header, record or block",
} as const;

/** A stable capture error code. */
export type CaptureErrorCode = keyof typeof CAPTURE_ERROR_CODES;

/** A capture stream could not be read past this point. */
export class CaptureError extends Error {
  /** Stable code. */
  readonly code: CaptureErrorCode;
  /** Byte offset in the whole stream of the structure that is wrong. */
  readonly offset: number;

  constructor(code: CaptureErrorCode, offset: number, message: string) {
    super(message);
    this.name = "CaptureError";
    this.code = code;
    this.offset = offset;
  }
}

/** Explains an unrecognised magic number, with a hint for the usual mistakes. */
export function describeBadMagic(buf: Uint8Array, pos: number, magic: number): string {
  const bytes = Array.from(buf.subarray(pos, pos + 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
  let hint = "";
  if (buf[pos] === 0x1f && buf[pos + 1] === 0x8b) {
    hint = "; it looks gzip-compressed, decompress it first";
  } else if (magic === PCAP_MAGIC_KUZNETSOV || magic === swap32(PCAP_MAGIC_KUZNETSOV)) {
    hint = "; it is Kuznetsov's modified pcap, which is not supported";
  }
  return (
    `capture: first bytes ${bytes} at offset 0 are not a pcap magic number (a1b2c3d4 or a1b23c4d, ` +
    `either byte order) or a pcapng section header (0a 0d 0d 0a)${hint}`
  );
}

/** Reverses the bytes of a u32. */
function swap32(n: number): number {
  return (((n & 0xff) << 24) | ((n & 0xff00) << 8) | ((n >>> 8) & 0xff00) | (n >>> 24)) >>> 0;
}

/** Eight hex digits. */
export function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}
