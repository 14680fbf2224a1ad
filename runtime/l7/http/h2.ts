/**
 * @fileoverview The HTTP/2 request-stream decoder (RFC 9113, frame layout of RFC 7540 §4): reads the
 * client's frames after the connection preface, decodes every header block with the connection's HPACK
 * decoder, asks the sink once per stream (its first header block) and carries the stream's later bytes
 * (DATA, trailers) with that answer.
 *
 * Buffering: the 9-byte frame header and the header block being assembled (HEADERS + CONTINUATION
 * fragments, at most `maxHeaderBytes` plus one frame's padding and priority fields). DATA payloads are
 * streamed, control frames (SETTINGS, PING, PRIORITY, RST_STREAM, WINDOW_UPDATE, GOAWAY, unknown types)
 * are checked from their frame header and skipped, so no other payload is held.
 *
 * Connection errors (RFC 9113 §5.4.1) → DECODE_MALFORMED: bad frame sizes, stream 0 where a stream is
 * needed and the reverse, even (server-initiated) or reused stream ids on HEADERS, frames on idle
 * streams, padding longer than the payload, a header block interrupted before END_HEADERS, CONTINUATION
 * without HEADERS, and PUSH_PROMISE (a client never sends it, §8.4). HPACK failure → DECODE_COMPRESSION.
 *
 * Streams: an open stream remembers its answer until END_STREAM or RST_STREAM from the client. At most
 * MAX_TRACKED_STREAMS are remembered; opening one more forgets the oldest (lowest id, which the client
 * may have abandoned after a server reset we never see). Bytes for a stream that is closed or forgotten
 * carry `false`: a server refuses them (STREAM_CLOSED), so denying them changes nothing that works.
 * Control frames are never carried; the packets that hold only them stay with the proxy.
 */

import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE } from "../stream/decoder.js";
import type { DecoderLimits, L7Sink, StreamDecoder } from "../stream/decoder.js";
import { H2RequestBuilder } from "./h2-request.js";

/** What the frame layer needs of an HPACK decoder (hpack.ts's HpackDecoder). */
export interface HeaderBlockDecoder {
  /** Decode `block[start, end)`, calling `onHeader` per field; DECODE_OK or DECODE_COMPRESSION. */
  decode(
    block: Uint8Array,
    start: number,
    end: number,
    onHeader: (name: string, value: string) => void,
  ): number;
}

/** Streams remembered at once. Servers advertise SETTINGS_MAX_CONCURRENT_STREAMS of about 100–250. */
export const MAX_TRACKED_STREAMS = 4096;

const T_DATA = 0;
const T_HEADERS = 1;
const T_PRIORITY = 2;
const T_RST_STREAM = 3;
const T_SETTINGS = 4;
const T_PUSH_PROMISE = 5;
const T_PING = 6;
const T_GOAWAY = 7;
const T_WINDOW_UPDATE = 8;
const T_CONTINUATION = 9;

const F_END_STREAM = 0x1;
const F_ACK = 0x1;
const F_END_HEADERS = 0x4;
const F_PADDED = 0x8;
const F_PRIORITY = 0x20;

/** Pad length byte + stream dependency and weight + 255 padding bytes: a HEADERS frame's overhead. */
const HEADERS_OVERHEAD = 1 + 5 + 255;

// Payload states.
const P_HEADER = 0;
const P_SKIP = 1;
const P_DATA = 2;
const P_BLOCK = 3;

/** HTTP/2 frame decoder for one client→server direction, after the preface. */
export class Http2Decoder implements StreamDecoder {
  private code = DECODE_OK;
  private readonly cap: number;
  private readonly hpack: HeaderBlockDecoder;
  private readonly fh = new Uint8Array(9);
  private fhLen = 0;
  private state = P_HEADER;
  private fLen = 0;
  private fType = 0;
  private fFlags = 0;
  private fSid = 0;
  /** Payload bytes of the current frame still to come. */
  private remaining = 0;
  /** DATA: the pad length byte is still to be checked. */
  private padCheck = false;
  /** DATA: the answer its bytes are carried with. */
  private dataAnswer = false;
  private block: Uint8Array | undefined;
  private blockLen = 0;
  /** Stream of the header block in progress, 0 when none. */
  private blockSid = 0;
  private blockEndStream = false;
  private blockHeadersFlags = 0;
  private readonly streams = new Map<number, boolean>();
  private lastSid = 0;
  private readonly builder = new H2RequestBuilder();

  /**
   * A decoder using `hpack` for the connection's header blocks. `upgraded`: the connection came from an
   * HTTP/1.1 `Upgrade: h2c` request, which is stream 1, already decided (RFC 7540 §3.2).
   */
  constructor(limits: DecoderLimits, hpack: HeaderBlockDecoder, upgraded = false) {
    this.cap = limits.maxHeaderBytes;
    this.hpack = hpack;
    this.lastSid = upgraded ? 1 : 0;
  }

  /** Header-block bytes held now (for tests and accounting). */
  get bufferedBytes(): number {
    return this.blockLen;
  }

  /** Streams with a remembered answer. */
  get trackedStreams(): number {
    return this.streams.size;
  }

  /** See StreamDecoder.push. */
  push(bytes: Uint8Array, start: number, end: number, sink: L7Sink): number {
    if (this.code !== DECODE_OK) {
      return this.code;
    }
    let i = start;
    while (i < end) {
      let r = DECODE_OK;
      switch (this.state) {
        case P_HEADER: {
          const fh = this.fh;
          while (this.fhLen < 9 && i < end) {
            fh[this.fhLen++] = bytes[i++]!;
          }
          if (this.fhLen === 9) {
            this.fhLen = 0;
            r = this.frameHeader(sink);
          }
          break;
        }
        case P_SKIP: {
          const n = Math.min(this.remaining, end - i);
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            this.state = P_HEADER;
          }
          break;
        }
        case P_DATA: {
          const n = Math.min(this.remaining, end - i);
          if (this.padCheck) {
            this.padCheck = false;
            if (bytes[i]! >= this.fLen) {
              r = DECODE_MALFORMED; // padding as long as the payload or longer (RFC 9113 §6.1)
              break;
            }
          }
          i += n;
          this.remaining -= n;
          sink.carry(this.dataAnswer);
          if (this.remaining === 0) {
            this.state = P_HEADER;
          }
          break;
        }
        case P_BLOCK: {
          const n = Math.min(this.remaining, end - i);
          this.block!.set(bytes.subarray(i, i + n), this.blockLen);
          this.blockLen += n;
          i += n;
          this.remaining -= n;
          if (this.remaining === 0) {
            r = this.fragmentEnd(sink);
          }
          break;
        }
        default:
          r = DECODE_MALFORMED;
      }
      if (r !== DECODE_OK) {
        this.code = r;
        this.block = undefined;
        this.blockLen = 0;
        return r;
      }
    }
    return DECODE_OK;
  }

  /** A complete frame header in `fh`: check it and choose how its payload is read. */
  private frameHeader(sink: L7Sink): number {
    const fh = this.fh;
    const len = (fh[0]! << 16) | (fh[1]! << 8) | fh[2]!;
    const type = fh[3]!;
    const flags = fh[4]!;
    const sid = ((fh[5]! & 0x7f) << 24) | (fh[6]! << 16) | (fh[7]! << 8) | fh[8]!; // R bit ignored (§4.1)
    this.fLen = len;
    this.fType = type;
    this.fFlags = flags;
    this.fSid = sid;
    this.remaining = len;
    this.state = P_SKIP;
    if (this.blockSid !== 0 && (type !== T_CONTINUATION || sid !== this.blockSid)) {
      return DECODE_MALFORMED; // a header block must continue on its stream until END_HEADERS (§6.10)
    }
    switch (type) {
      case T_DATA:
        return this.dataHeader(sink);
      case T_HEADERS:
        if (sid === 0 || (sid & 1) === 0) {
          return DECODE_MALFORMED;
        }
        if (len > this.cap + HEADERS_OVERHEAD) {
          return DECODE_TOO_LARGE;
        }
        this.block ??= new Uint8Array(this.cap + HEADERS_OVERHEAD);
        this.blockSid = sid;
        this.blockLen = 0;
        this.blockEndStream = (flags & F_END_STREAM) !== 0;
        this.blockHeadersFlags = flags;
        return this.blockPayload(sink);
      case T_CONTINUATION:
        if (this.blockSid === 0) {
          return DECODE_MALFORMED;
        }
        if (this.blockLen + len > this.cap) {
          return DECODE_TOO_LARGE;
        }
        return this.blockPayload(sink);
      case T_PRIORITY:
        return sid === 0 || len !== 5 ? DECODE_MALFORMED : this.skip();
      case T_RST_STREAM:
        if (sid === 0 || len !== 4 || this.idle(sid)) {
          return DECODE_MALFORMED;
        }
        this.streams.delete(sid);
        return this.skip();
      case T_SETTINGS:
        return sid !== 0 || len % 6 !== 0 || ((flags & F_ACK) !== 0 && len !== 0)
          ? DECODE_MALFORMED
          : this.skip();
      case T_PUSH_PROMISE:
        return DECODE_MALFORMED;
      case T_PING:
        return sid !== 0 || len !== 8 ? DECODE_MALFORMED : this.skip();
      case T_GOAWAY:
        return sid !== 0 || len < 8 ? DECODE_MALFORMED : this.skip();
      case T_WINDOW_UPDATE:
        return len !== 4 || (sid !== 0 && this.idle(sid)) ? DECODE_MALFORMED : this.skip();
      default:
        return this.skip(); // unknown frame types are ignored (§5.5)
    }
  }

  /** Whether client stream `sid` has not been opened yet (idle, RFC 9113 §5.1). */
  private idle(sid: number): boolean {
    return sid > this.lastSid || (sid & 1) === 0;
  }

  private skip(): number {
    if (this.remaining === 0) {
      this.state = P_HEADER;
    }
    return DECODE_OK;
  }

  private dataHeader(sink: L7Sink): number {
    const sid = this.fSid;
    if (sid === 0 || this.idle(sid)) {
      return DECODE_MALFORMED;
    }
    if ((this.fFlags & F_PADDED) !== 0) {
      if (this.fLen === 0) {
        return DECODE_MALFORMED;
      }
      this.padCheck = true;
    }
    this.dataAnswer = this.streams.get(sid) ?? false;
    if ((this.fFlags & F_END_STREAM) !== 0) {
      this.streams.delete(sid);
    }
    sink.carry(this.dataAnswer);
    if (this.fLen > 0) {
      this.state = P_DATA;
    } else {
      this.state = P_HEADER;
    }
    return DECODE_OK;
  }

  private blockPayload(sink: L7Sink): number {
    this.state = P_BLOCK;
    return this.remaining === 0 ? this.fragmentEnd(sink) : DECODE_OK;
  }

  /** A HEADERS or CONTINUATION payload is in `block`: strip padding and priority, decode at END_HEADERS. */
  private fragmentEnd(sink: L7Sink): number {
    this.state = P_HEADER;
    const block = this.block!;
    if (this.fType === T_HEADERS) {
      const flags = this.blockHeadersFlags;
      let off = 0;
      let pad = 0;
      if ((flags & F_PADDED) !== 0) {
        if (this.fLen < 1) {
          return DECODE_MALFORMED;
        }
        pad = block[0]!;
        off = 1;
      }
      if ((flags & F_PRIORITY) !== 0) {
        off += 5;
      }
      if (off + pad > this.fLen) {
        return DECODE_MALFORMED; // padding or priority longer than the payload (§6.2)
      }
      block.copyWithin(0, off, this.fLen - pad);
      this.blockLen = this.fLen - off - pad;
      if (this.blockLen > this.cap) {
        return DECODE_TOO_LARGE;
      }
    }
    if ((this.fFlags & F_END_HEADERS) === 0) {
      return DECODE_OK;
    }
    return this.blockEnd(sink);
  }

  /** A whole header block: decode it, then decide a new stream or carry a known one. */
  private blockEnd(sink: L7Sink): number {
    const sid = this.blockSid;
    const len = this.blockLen;
    this.blockSid = 0;
    this.blockLen = 0;
    const known = this.streams.get(sid);
    if (known !== undefined || sid <= this.lastSid) {
      // Trailers of an open stream, or a block on a closed one: decoded only to keep HPACK in step.
      const r = this.hpack.decode(this.block!, 0, len, ignoreHeader);
      if (r !== DECODE_OK) {
        return r;
      }
      sink.carry(known ?? false);
      if (this.blockEndStream) {
        this.streams.delete(sid);
      }
      return DECODE_OK;
    }
    this.lastSid = sid;
    const builder = this.builder;
    builder.reset();
    const r = this.hpack.decode(this.block!, 0, len, builder.onHeader);
    if (r !== DECODE_OK) {
      return r;
    }
    const req = builder.finish(sid);
    let answer = false;
    if (req === undefined) {
      sink.carry(false); // a malformed request (§8.1.1): denied without asking the policy
    } else {
      answer = sink.request(req);
    }
    if (!this.blockEndStream) {
      if (this.streams.size >= MAX_TRACKED_STREAMS) {
        const oldest = this.streams.keys().next();
        if (oldest.done !== true) {
          this.streams.delete(oldest.value);
        }
      }
      this.streams.set(sid, answer);
    }
    return DECODE_OK;
  }
}

/** HPACK callback for blocks whose fields are not needed. */
function ignoreHeader(): void {
  // the fields only update the dynamic table
}
