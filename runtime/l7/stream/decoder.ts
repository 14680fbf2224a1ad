/**
 * @fileoverview The contract between the L7 datapath (flow table, TCP reassembly, verdicts) and the
 * protocol decoders (HTTP/1.1 and HTTP/2, Kafka, DNS over TCP). A decoder owns one direction of one
 * connection: the datapath hands it the in-order bytes of that direction as they arrive, split at any
 * boundary (one byte per call included), and the decoder reports what the bytes were through a sink.
 *
 * Verdict model (what the datapath makes of the sink calls for the packet whose bytes are pushed):
 *   - a `request` call is a request whose decision fields are complete (HTTP: end of the header block;
 *     Kafka: the whole request; DNS: the whole query). The sink answers whether policy allows it.
 *   - a `carry` call says the bytes just consumed continue a request already decided (an HTTP body,
 *     DATA frames of a decided HTTP/2 stream, ...), with that request's answer.
 *   - the packet is DROPPED when any answer for its bytes was "denied", FORWARDED when some answer was
 *     "allowed", and otherwise stays REDIRECTED: its bytes are held by the proxy, waiting for the rest of
 *     a request (connection prefaces, SETTINGS and other control bytes also leave the packet REDIRECTED
 *     unless they are part of a decided request).
 *
 * A decoder never throws. Input it cannot parse, or that exceeds its limits, makes `push` return a
 * nonzero DECODE_* code; the datapath then stops decoding that direction, gives the packet and the rest
 * of the connection a defined verdict and moves a counter. Decoders allocate per request (the request
 * object and its strings), not per byte or per packet where avoidable, and keep at most their limit of
 * bytes buffered.
 */

import type { L7Request } from "../match.js";

/** push(): the bytes were consumed (a request may still be incomplete). */
export const DECODE_OK = 0;
/** push(): the bytes are not the protocol (bad request line, bad frame, bad length, ...). */
export const DECODE_MALFORMED = 1;
/** push(): a request or header block exceeds the decoder's buffer limit. */
export const DECODE_TOO_LARGE = 2;
/** push(): HPACK decoding failed (a connection error in HTTP/2, RFC 7540 §4.3). */
export const DECODE_COMPRESSION = 3;

/** Names of the DECODE_* codes (counters, flow records). */
export const DECODE_NAMES: readonly string[] = ["ok", "malformed", "too-large", "compression-error"];

/** What a decoder reports while it consumes bytes. */
export interface L7Sink {
  /** A request whose decision fields are complete; returns true when policy allows it. */
  request(req: L7Request): boolean;
  /** The bytes just consumed continue a request already decided with answer `allowed`. */
  carry(allowed: boolean): void;
}

/** One direction of one connection. */
export interface StreamDecoder {
  /** Consume `bytes[start, end)`, the next bytes of the stream in order. Returns a DECODE_* code. */
  push(bytes: Uint8Array, start: number, end: number, sink: L7Sink): number;
}

/** Buffer limits shared by the stream decoders. */
export interface DecoderLimits {
  /** Longest HTTP/1.1 header block or HTTP/2 header block (HEADERS + CONTINUATION), bytes. */
  readonly maxHeaderBytes: number;
  /** Longest Kafka request or DNS-over-TCP message buffered whole, bytes. */
  readonly maxMessageBytes: number;
}

/** Defaults: Envoy's 60 KiB header limit; Kafka's default message.max.bytes (1 MiB) plus headroom. */
export const DEFAULT_DECODER_LIMITS: DecoderLimits = {
  maxHeaderBytes: 60 * 1024,
  maxMessageBytes: 1024 * 1024 + 64 * 1024,
};
