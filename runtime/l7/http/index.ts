/**
 * @fileoverview The HTTP request-stream decoder the L7 datapath creates per client→server direction:
 * HTTP/1.1 (./http1.ts) unless the stream starts with the HTTP/2 client preface (prior-knowledge h2c,
 * RFC 9113 §3.3), then HTTP/2 (./h2.ts). After an HTTP/1.1 request with `Upgrade: h2c` and
 * `HTTP2-Settings` ends, the next bytes are checked for the preface again (RFC 7540 §3.2): when the
 * server accepted, the client sends it and the stream continues as HTTP/2 with stream 1 already decided
 * (the upgrade request); when the server declined, the client goes on with HTTP/1.1 requests. Only this
 * direction is seen, so the preface itself is the evidence, never the server's 101.
 *
 * The preface is matched byte by byte against a constant without buffering: on a mismatch the matched
 * prefix is replayed from the constant into the HTTP/1.1 decoder.
 */

import { DECODE_OK, DEFAULT_DECODER_LIMITS } from "../stream/decoder.js";
import type { DecoderLimits, L7Sink, StreamDecoder } from "../stream/decoder.js";
import { Http2Decoder } from "./h2.js";
import { HpackDecoder } from "./hpack.js";
import { Http1Decoder } from "./http1.js";

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
export const H2_PREFACE: Uint8Array = Uint8Array.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", (c) =>
  c.charCodeAt(0),
);

const M_PROBE = 0;
const M_H1 = 1;
const M_H2 = 2;

/** HTTP/1.1 with prior-knowledge and upgraded h2c, for one client→server direction. */
export class HttpStreamDecoder implements StreamDecoder {
  private mode = M_PROBE;
  /** Preface bytes matched so far in M_PROBE. */
  private matched = 0;
  private upgraded = false;
  private code = DECODE_OK;
  private readonly limits: DecoderLimits;
  private readonly h1: Http1Decoder;
  private h2: Http2Decoder | undefined;

  /** A decoder with buffer limits `limits`. */
  constructor(limits: DecoderLimits) {
    this.limits = limits;
    this.h1 = new Http1Decoder(limits);
  }

  /** "probe", "http/1.1" or "h2": what the stream is being read as. */
  get protocol(): string {
    return this.mode === M_H2 ? "h2" : this.mode === M_H1 ? "http/1.1" : "probe";
  }

  /** Bytes held for an incomplete header block. */
  get bufferedBytes(): number {
    return this.mode === M_H2 ? this.h2!.bufferedBytes : this.h1.bufferedBytes;
  }

  /** See StreamDecoder.push. */
  push(bytes: Uint8Array, start: number, end: number, sink: L7Sink): number {
    if (this.code !== DECODE_OK) {
      return this.code;
    }
    let i = start;
    while (i < end) {
      if (this.mode === M_H1) {
        const r = this.h1.push(bytes, i, end, sink);
        if (r !== DECODE_OK) {
          return (this.code = r);
        }
        if (this.h1.switchAt < 0) {
          return DECODE_OK;
        }
        i = this.h1.switchAt;
        this.h1.switchAt = -1;
        this.mode = M_PROBE;
        this.matched = 0;
        this.upgraded = true;
        continue;
      }
      if (this.mode === M_H2) {
        const r = this.h2!.push(bytes, i, end, sink);
        if (r !== DECODE_OK) {
          this.code = r;
        }
        return r;
      }
      const preface = H2_PREFACE;
      while (i < end && this.matched < preface.length && bytes[i] === preface[this.matched]) {
        i++;
        this.matched++;
      }
      if (this.matched === preface.length) {
        this.mode = M_H2;
        this.h2 = new Http2Decoder(this.limits, new HpackDecoder(), this.upgraded);
      } else if (i < end) {
        this.mode = M_H1;
        if (this.matched > 0) {
          // The matched bytes are a preface prefix: hand them to HTTP/1.1 from the constant.
          const r = this.h1.push(preface, 0, this.matched, sink);
          if (r !== DECODE_OK) {
            return (this.code = r);
          }
        }
      }
    }
    return DECODE_OK;
  }
}

/** The decoder for one client→server HTTP direction (limits default to DEFAULT_DECODER_LIMITS). */
export function createHttpDecoder(limits: DecoderLimits = DEFAULT_DECODER_LIMITS): StreamDecoder {
  return new HttpStreamDecoder(limits);
}
