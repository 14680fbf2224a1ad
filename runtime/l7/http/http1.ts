/**
 * @fileoverview The HTTP/1.1 request-stream decoder (RFC 9112): finds each request head in the
 * client→server bytes, hands the request to the sink when the head ends, and frames the body
 * (Content-Length, chunked with extensions and trailers, the tunnel after CONNECT) so its bytes are
 * carried with that request's answer. Pipelined requests in one push and requests split at any byte
 * both work. Only an incomplete head is buffered (at most `maxHeaderBytes`); bodies are never held.
 *
 * A head that arrives whole inside one push is parsed in place (the common case, no copy). A head that
 * is split is copied into the head buffer and parsed once its CRLF CRLF has arrived, so one-byte pushes
 * cost O(n). The outcome for a given byte sequence does not depend on how it is split: a head longer
 * than the limit is TOO_LARGE unless a malformed byte comes first within the limit, which is MALFORMED.
 */

import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE } from "../stream/decoder.js";
import type { DecoderLimits, L7Sink, StreamDecoder } from "../stream/decoder.js";
import { CHAR_CLASS, CLASS_HEX, CLASS_TCHAR, CLASS_VALUE, HEAD_MALFORMED, Http1Head } from "./http1-head.js";

// Decoder states. Per-byte states (chunk lines, trailers) are handled in `framing`.
const S_HEAD = 0;
const S_BODY = 1;
const S_CHUNK_SIZE = 2;
const S_CHUNK_EXT = 3;
const S_CHUNK_SIZE_LF = 4;
const S_CHUNK_DATA = 5;
const S_CHUNK_DATA_CR = 6;
const S_CHUNK_DATA_LF = 7;
const S_TRAILER_START = 8;
const S_TRAILER_NAME = 9;
const S_TRAILER_VALUE = 10;
const S_TRAILER_LF = 11;
const S_END_LF = 12;
const S_TUNNEL = 13;

/** Largest chunk size accepted: 2^48 bytes keeps `size * 16 + digit` exact in a double. */
const MAX_CHUNK_SIZE = 2 ** 48;

/** HTTP/1.1 request decoder for one client→server direction. */
export class Http1Decoder implements StreamDecoder {
  /** Set by `push` when an `Upgrade: h2c` request's message has ended: the index of the next byte. */
  switchAt = -1;
  private code = DECODE_OK;
  private state = S_HEAD;
  private readonly cap: number;
  /** Incomplete head bytes (allocated on first split head). */
  private hbuf: Uint8Array | undefined;
  private hlen = 0;
  private readonly head = new Http1Head();
  /** Answer of the request whose body is being carried. */
  private answer = false;
  /** Body bytes consumed in this push not yet reported with `carry`. */
  private pendingCarry = false;
  /** Content-Length bytes or chunk bytes still to come. */
  private remaining = 0;
  /** Hex digits of the chunk size so far. */
  private digits = 0;
  /** Bytes of the current chunk-size line, or of the trailer section (bounded by `cap`). */
  private lineBytes = 0;
  private h2c = false;

  /** A decoder whose heads may be `limits.maxHeaderBytes` long. */
  constructor(limits: DecoderLimits) {
    this.cap = limits.maxHeaderBytes;
  }

  /** Bytes held for an incomplete head (for tests and accounting). */
  get bufferedBytes(): number {
    return this.hlen;
  }

  /** See StreamDecoder.push. Stops early (DECODE_OK, `switchAt` set) after an h2c upgrade request. */
  push(bytes: Uint8Array, start: number, end: number, sink: L7Sink): number {
    if (this.code !== DECODE_OK) {
      return this.code;
    }
    let i = start;
    while (i < end) {
      const state = this.state;
      if (state === S_HEAD) {
        i = this.headBytes(bytes, i, end, sink);
      } else if (state === S_BODY || state === S_CHUNK_DATA) {
        const n = Math.min(this.remaining, end - i);
        i += n;
        this.remaining -= n;
        this.pendingCarry = true;
        if (this.remaining === 0) {
          if (state === S_CHUNK_DATA) {
            this.state = S_CHUNK_DATA_CR;
          } else {
            i = this.messageEnd(i, sink);
          }
        }
      } else if (state === S_TUNNEL) {
        i = end;
        this.pendingCarry = true;
      } else {
        this.pendingCarry = true;
        i = this.framing(bytes, i, end, sink);
      }
      if (i < 0) {
        return this.fail(-i, sink);
      }
      if (this.switchAt >= 0) {
        break;
      }
    }
    this.flush(sink);
    return DECODE_OK;
  }

  private fail(code: number, sink: L7Sink): number {
    this.flush(sink);
    this.code = code;
    this.hbuf = undefined;
    this.hlen = 0;
    return code;
  }

  private flush(sink: L7Sink): void {
    if (this.pendingCarry) {
      this.pendingCarry = false;
      sink.carry(this.answer);
    }
  }

  /** Consume head bytes from `i`; returns the next index, or -code. */
  private headBytes(b: Uint8Array, i: number, end: number, sink: L7Sink): number {
    const cap = this.cap;
    if (this.hlen === 0) {
      // RFC 9112 §2.2: empty lines before a request line are ignored.
      while (i < end && (b[i] === 13 || b[i] === 10)) {
        i++;
      }
      if (i === end) {
        return i;
      }
      const lim = Math.min(end, i + cap);
      const r = this.head.parse(b, i, lim);
      if (r >= 0) {
        return this.headDone(r, sink);
      }
      if (r === HEAD_MALFORMED) {
        return -DECODE_MALFORMED;
      }
      if (lim < end) {
        return -DECODE_TOO_LARGE;
      }
      this.hbuf ??= new Uint8Array(cap);
      this.hbuf.set(b.subarray(i, end), 0);
      this.hlen = end - i;
      return end;
    }
    const buf = this.hbuf!;
    const old = this.hlen;
    const n = Math.min(end - i, cap - old);
    if (n < 32) {
      for (let k = 0; k < n; k++) {
        buf[old + k] = b[i + k]!;
      }
    } else {
      buf.set(b.subarray(i, i + n), old);
    }
    const hlen = old + n;
    this.hlen = hlen;
    // The first CRLF CRLF ending in the new bytes (the old ones hold none).
    for (let k = Math.max(old, 3); k < hlen; k++) {
      if (buf[k] === 10 && buf[k - 1] === 13 && buf[k - 2] === 10 && buf[k - 3] === 13) {
        this.hlen = 0;
        if (this.head.parse(buf, 0, k + 1) < 0) {
          return -DECODE_MALFORMED;
        }
        return this.headDone(i + (k + 1 - old), sink);
      }
    }
    if (hlen === cap) {
      // Over the limit: MALFORMED if a bad byte comes first (the same answer as an unsplit head).
      this.hlen = 0;
      return this.head.parse(buf, 0, cap) === HEAD_MALFORMED ? -DECODE_MALFORMED : -DECODE_TOO_LARGE;
    }
    return i + n;
  }

  /** A head ended at `i`: decide it and set up its body. */
  private headDone(i: number, sink: L7Sink): number {
    const h = this.head;
    this.flush(sink);
    this.answer = sink.request(h.request!);
    this.h2c = h.h2c;
    if (h.connect) {
      this.state = S_TUNNEL;
    } else if (h.chunked) {
      this.chunkLine();
    } else if (h.contentLength > 0) {
      this.state = S_BODY;
      this.remaining = h.contentLength;
    } else {
      return this.messageEnd(i, sink);
    }
    return i;
  }

  private chunkLine(): void {
    this.state = S_CHUNK_SIZE;
    this.remaining = 0;
    this.digits = 0;
    this.lineBytes = 0;
  }

  private messageEnd(i: number, sink: L7Sink): number {
    this.state = S_HEAD;
    if (this.h2c) {
      this.h2c = false;
      this.flush(sink);
      this.switchAt = i;
    }
    return i;
  }

  /** Chunk lines and trailers, byte by byte, until chunk data or the message end; next index or -code. */
  private framing(b: Uint8Array, i: number, end: number, sink: L7Sink): number {
    const cls = CHAR_CLASS;
    const cap = this.cap;
    let state = this.state;
    while (i < end) {
      const c = b[i++]!;
      if (++this.lineBytes > cap) {
        return -DECODE_TOO_LARGE; // a chunk line or trailer section longer than a head may be
      }
      switch (state) {
        case S_CHUNK_SIZE:
          if ((cls[c]! & CLASS_HEX) !== 0) {
            this.remaining = this.remaining * 16 + (c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57);
            this.digits++;
            if (this.remaining > MAX_CHUNK_SIZE) {
              return -DECODE_MALFORMED;
            }
          } else if (this.digits === 0) {
            return -DECODE_MALFORMED;
          } else if (c === 13) {
            state = S_CHUNK_SIZE_LF;
          } else if (c === 0x3b || c === 32 || c === 9) {
            state = S_CHUNK_EXT; // chunk-ext (RFC 9112 §7.1.1): skipped, only its bytes are checked
          } else {
            return -DECODE_MALFORMED;
          }
          break;
        case S_CHUNK_EXT:
          if (c === 13) {
            state = S_CHUNK_SIZE_LF;
          } else if ((cls[c]! & CLASS_VALUE) === 0) {
            return -DECODE_MALFORMED;
          }
          break;
        case S_CHUNK_SIZE_LF:
          if (c !== 10) {
            return -DECODE_MALFORMED;
          }
          if (this.remaining === 0) {
            state = S_TRAILER_START;
            this.lineBytes = 0;
          } else {
            this.state = S_CHUNK_DATA;
            return i;
          }
          break;
        case S_CHUNK_DATA_CR:
          if (c !== 13) {
            return -DECODE_MALFORMED;
          }
          state = S_CHUNK_DATA_LF;
          break;
        case S_CHUNK_DATA_LF:
          if (c !== 10) {
            return -DECODE_MALFORMED;
          }
          this.chunkLine();
          state = S_CHUNK_SIZE;
          break;
        case S_TRAILER_START:
          if (c === 13) {
            state = S_END_LF;
          } else if ((cls[c]! & CLASS_TCHAR) !== 0) {
            state = S_TRAILER_NAME;
          } else {
            return -DECODE_MALFORMED;
          }
          break;
        case S_TRAILER_NAME:
          if (c === 0x3a) {
            state = S_TRAILER_VALUE;
          } else if ((cls[c]! & CLASS_TCHAR) === 0) {
            return -DECODE_MALFORMED;
          }
          break;
        case S_TRAILER_VALUE:
          if (c === 13) {
            state = S_TRAILER_LF;
          } else if ((cls[c]! & CLASS_VALUE) === 0) {
            return -DECODE_MALFORMED;
          }
          break;
        case S_TRAILER_LF:
          if (c !== 10) {
            return -DECODE_MALFORMED;
          }
          state = S_TRAILER_START;
          break;
        case S_END_LF:
          if (c !== 10) {
            return -DECODE_MALFORMED;
          }
          this.flush(sink);
          return this.messageEnd(i, sink);
        default:
          return -DECODE_MALFORMED;
      }
    }
    this.state = state;
    return i;
  }
}
