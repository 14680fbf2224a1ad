/**
 * @fileoverview The Kafka request-stream decoder: one client→broker direction of one connection. It
 * frames requests by their int32 size, decodes each request's header and topics (header.ts, topics.ts)
 * when its last byte arrives, and reports it with one `sink.request` call. Bytes of a request that is not
 * complete yet produce no sink call (the datapath holds them); `carry` is never called, because a Kafka
 * request is decided only once it is whole. Pipelined requests in one push give one call each, in order.
 *
 * Copying: a request that lies whole inside one push is decoded in place; only a request split across
 * pushes is copied into the decoder's buffer, which grows to the request's size (at most the limit plus
 * the 4-byte size field) and is given back after a request larger than BUFFER_KEEP.
 *
 * Sizes: a size field below the shortest header (8 bytes; negative included) or at least
 * KAFKA_SIZE_ABSURD is DECODE_MALFORMED (not a Kafka stream: "GET " reads as 1.2 GB); a size above
 * `limits.maxMessageBytes` (the bytes after the size field) is DECODE_TOO_LARGE, returned as soon as the
 * size field is read. A header or topic array that does not parse is DECODE_MALFORMED when the request
 * is complete (Cilium's proxy closes the connection on a parse error). After a nonzero code the decoder
 * stays failed and returns the same code; `error` tells the KAFKA_ERR_* detail.
 *
 * Client id: the wire value ("" when null). Cilium's proxy (`pkg/kafka/request.go` extractClientID)
 * reports "" for every api version 0 request; that quirk is not copied here, so a rule's clientID
 * compares with what the client sent (an evaluator that wants the quirk has the version to apply it).
 */

import type { KafkaRequest } from "../match.js";
import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE, DEFAULT_DECODER_LIMITS } from "../stream/decoder.js";
import type { DecoderLimits, L7Sink, StreamDecoder } from "../stream/decoder.js";
import {
  KAFKA_ERR_SIZE,
  KAFKA_ERR_TOO_LARGE,
  KAFKA_MIN_REQUEST,
  KafkaCursor,
  newKafkaHeader,
  readKafkaHeader,
} from "./header.js";
import type { KafkaHeader } from "./header.js";
import { readKafkaTopics } from "./topics.js";

/** A decoded Kafka request: KafkaRequest plus what the decoder knows about unnamed topics. */
export interface KafkaStreamRequest extends KafkaRequest {
  /** Correlation id (always present on decoded requests). */
  readonly correlationId: number;
  /**
   * TOPICS_* bits (topics.ts): topics given by id, all topics, or a body not decoded. 0 when `topics`
   * lists every topic the request touches. When nonzero for a key in KAFKA_TOPIC_KEY_SET, only rules
   * without a topic should allow the request (Cilium's behaviour for requests without parsed topics).
   */
  readonly topicsUnresolved: number;
}

/** A Kafka StreamDecoder that also tells why it failed. */
export interface KafkaStreamDecoder extends StreamDecoder {
  /** KAFKA_ERR_* detail of the failure that stopped decoding; 0 while none. */
  readonly error: number;
  /** Bytes held for an incomplete request. */
  readonly buffered: number;
}

/**
 * Sizes from here on are not Kafka: brokers refuse requests above `socket.request.max.bytes`, whose
 * default is 100 MiB, by closing the connection.
 */
export const KAFKA_SIZE_ABSURD = 100 * 1024 * 1024;

/** A buffer grown past this is dropped after use, so an idle connection does not keep a large one. */
const BUFFER_KEEP = 64 * 1024;

/** First buffer allocation, bytes. */
const BUFFER_INITIAL = 512;

const EMPTY = new Uint8Array(0);

/** Copies shorter than this use a loop: `subarray` would allocate a view per packet. */
const LOOP_COPY_MAX = 64;

/** Copy `src[s, e)` to `dst` at `at`. */
function copyInto(dst: Uint8Array, at: number, src: Uint8Array, s: number, e: number): void {
  if (e - s < LOOP_COPY_MAX) {
    for (let i = s; i < e; i++) {
      dst[at++] = src[i]!;
    }
  } else {
    dst.set(src.subarray(s, e), at);
  }
}

/** A new decoder for one client→broker direction. */
export function createKafkaDecoder(limits: DecoderLimits = DEFAULT_DECODER_LIMITS): KafkaStreamDecoder {
  return new KafkaDecoder(limits.maxMessageBytes);
}

class KafkaDecoder implements KafkaStreamDecoder {
  /** Largest size field accepted. */
  private readonly max: number;
  /** Holds a request split across pushes, from its size field on. */
  private buf: Uint8Array = EMPTY;
  /** Bytes in `buf`. */
  private have = 0;
  /** Total bytes of the buffered request including its size field; 0 while the size is not known. */
  private need = 0;
  /** Sticky DECODE_* code. */
  private code = DECODE_OK;
  private readonly cur = new KafkaCursor();
  private readonly hdr: KafkaHeader = newKafkaHeader();
  /** KAFKA_ERR_* detail. */
  error = 0;

  constructor(max: number) {
    this.max = max;
  }

  /** Bytes held for an incomplete request. */
  get buffered(): number {
    return this.have;
  }

  push(bytes: Uint8Array, start: number, end: number, sink: L7Sink): number {
    if (this.code !== DECODE_OK) {
      return this.code;
    }
    let p = start;
    if (this.have > 0) {
      p = this.fill(bytes, p, end);
      if (this.code !== DECODE_OK) {
        return this.code;
      }
      if (this.need === 0 || this.have < this.need) {
        return DECODE_OK;
      }
      const buf = this.buf;
      const total = this.need;
      this.have = 0;
      this.need = 0;
      if (buf.length > BUFFER_KEEP) {
        this.buf = EMPTY;
      }
      if (this.decode(buf, 0, total, sink) !== DECODE_OK) {
        return this.code;
      }
    }
    while (p < end) {
      const avail = end - p;
      if (avail < 4) {
        this.hold(bytes, p, end, 0);
        return DECODE_OK;
      }
      const size = (bytes[p]! << 24) | (bytes[p + 1]! << 16) | (bytes[p + 2]! << 8) | bytes[p + 3]!;
      if (this.checkSize(size) !== DECODE_OK) {
        return this.code;
      }
      const total = size + 4;
      if (avail < total) {
        this.hold(bytes, p, end, total);
        return DECODE_OK;
      }
      if (this.decode(bytes, p, p + total, sink) !== DECODE_OK) {
        return this.code;
      }
      p += total;
    }
    return DECODE_OK;
  }

  /** Stop with `code` / `error`; returns the code. */
  private stop(code: number, error: number): number {
    this.code = code;
    this.error = error;
    this.have = 0;
    this.buf = EMPTY;
    return code;
  }

  /** DECODE_OK, or stop on a size field that is not Kafka or exceeds the limit. */
  private checkSize(size: number): number {
    if (size < KAFKA_MIN_REQUEST || size >= KAFKA_SIZE_ABSURD) {
      return this.stop(DECODE_MALFORMED, KAFKA_ERR_SIZE);
    }
    if (size > this.max) {
      return this.stop(DECODE_TOO_LARGE, KAFKA_ERR_TOO_LARGE);
    }
    return DECODE_OK;
  }

  /** Start buffering the incomplete request `bytes[p, end)`; `total` is its length when known. */
  private hold(bytes: Uint8Array, p: number, end: number, total: number): void {
    this.reserve(total > 0 ? total : 4);
    copyInto(this.buf, 0, bytes, p, end);
    this.have = end - p;
    this.need = total;
  }

  /** Make `buf` hold at least `n` bytes, keeping its contents. */
  private reserve(n: number): void {
    if (this.buf.length >= n) {
      return;
    }
    const grown = new Uint8Array(Math.max(n, BUFFER_INITIAL, Math.min(this.buf.length * 2, this.max + 4)));
    copyInto(grown, 0, this.buf, 0, this.have);
    this.buf = grown;
  }

  /** Append from `bytes[p, end)` to the buffered request; returns the next unread offset. */
  private fill(bytes: Uint8Array, p: number, end: number): number {
    if (this.need === 0) {
      const take = Math.min(4 - this.have, end - p);
      copyInto(this.buf, this.have, bytes, p, p + take);
      this.have += take;
      p += take;
      if (this.have < 4) {
        return p;
      }
      const b = this.buf;
      const size = (b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!;
      if (this.checkSize(size) !== DECODE_OK) {
        return end;
      }
      this.need = size + 4;
      this.reserve(this.need);
    }
    const take = Math.min(this.need - this.have, end - p);
    copyInto(this.buf, this.have, bytes, p, p + take);
    this.have += take;
    return p + take;
  }

  /** Decode the whole request `b[s, e)` (size field included) and report it. */
  private decode(b: Uint8Array, s: number, e: number, sink: L7Sink): number {
    const c = this.cur;
    const h = this.hdr;
    c.reset(b, s + 4, e);
    if (readKafkaHeader(c, h) !== 0) {
      return this.stop(DECODE_MALFORMED, c.err);
    }
    const topics: string[] = [];
    const unresolved = readKafkaTopics(c, h.apiKey, h.apiVersion, h.flexible, topics);
    if (c.err !== 0) {
      return this.stop(DECODE_MALFORMED, c.err);
    }
    const req: KafkaStreamRequest = {
      kind: "kafka",
      apiKey: h.apiKey,
      apiVersion: h.apiVersion,
      clientId: h.clientId,
      topics,
      correlationId: h.correlationId,
      topicsUnresolved: unresolved,
    };
    sink.request(req);
    return DECODE_OK;
  }
}
