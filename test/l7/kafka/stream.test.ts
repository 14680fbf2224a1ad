// Framing and failures of the Kafka stream decoder: when sink calls happen, pipelining, the size rules
// (DECODE_TOO_LARGE at once, DECODE_MALFORMED for sizes that are not Kafka), truncated fields, bad
// lengths and varints, unknown api keys and versions, and the primitives of header.ts against kafkajs's
// Encoder. Requests are written with kafkajs's Encoder or byte by byte from the protocol guide's layout.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import {
  KAFKA_ERR_HEADER,
  KAFKA_ERR_LENGTH,
  KAFKA_ERR_NULL,
  KAFKA_ERR_SIZE,
  KAFKA_ERR_TOO_LARGE,
  KAFKA_ERR_TRUNCATED,
  KAFKA_ERR_VARINT,
  KafkaCursor,
  kafkaFlexible,
} from "../../../runtime/l7/kafka/header.js";
import { createKafkaDecoder } from "../../../runtime/l7/kafka/stream.js";
import type { KafkaStreamRequest } from "../../../runtime/l7/kafka/stream.js";
import { TOPICS_UNDECODED } from "../../../runtime/l7/kafka/topics.js";
import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE } from "../../../runtime/l7/stream/decoder.js";

const require = createRequire(import.meta.url);
interface Enc {
  writeInt16(v: number): Enc;
  writeInt32(v: number): Enc;
  writeString(v: string | null): Enc;
  writeUVarInt(v: number): Enc;
  writeVarInt(v: number): Enc;
  writeUVarIntString(v: string | null): Enc;
  buffer: Buffer;
}
const Encoder = require("kafkajs/src/protocol/encoder.js") as new () => Enc;
const enc = (): Enc => new Encoder();

/** A v1-header request with `body` bytes. */
function req(
  apiKey: number,
  v: number,
  corr: number,
  client: string | null,
  body: Buffer = Buffer.alloc(0),
): Buffer {
  const h = enc().writeInt16(apiKey).writeInt16(v).writeInt32(corr).writeString(client).buffer;
  return Buffer.concat([enc().writeInt32(h.length + body.length).buffer, h, body]);
}
/** Metadata v1 body naming `topics`. */
const metadataBody = (topics: string[]): Buffer => {
  const e = enc().writeInt32(topics.length);
  topics.forEach((t) => e.writeString(t));
  return e.buffer;
};

function run(chunks: Uint8Array[], maxMessageBytes?: number) {
  const d = createKafkaDecoder(
    maxMessageBytes === undefined ? undefined : { maxHeaderBytes: 0, maxMessageBytes },
  );
  const reqs: KafkaStreamRequest[] = [];
  const codes: number[] = [];
  const sink = {
    request: (r: unknown) => (reqs.push(r as KafkaStreamRequest), true),
    carry: () => expect.unreachable(),
  };
  for (const c of chunks) {
    codes.push(d.push(c, 0, c.length, sink));
  }
  return { d, reqs, codes };
}

describe("framing", () => {
  const a = req(3, 1, 1, "c", metadataBody(["t1"]));
  const b = req(3, 1, 2, "c", metadataBody(["t2", "t3"]));
  const c = req(18, 2, 3, "c");

  it("no sink call until the last byte; then exactly one", () => {
    const r = run([a.subarray(0, a.length - 1)]);
    expect(r.reqs).toEqual([]);
    expect(r.d.buffered).toBe(a.length - 1);
    r.d.push(a, a.length - 1, a.length, {
      request: (x) => (r.reqs.push(x as KafkaStreamRequest), true),
      carry: () => undefined,
    });
    expect(r.reqs.map((x) => x.topics)).toEqual([["t1"]]);
    expect(r.d.buffered).toBe(0);
  });

  it("pipelined requests in one push each give a call, in order; a trailing partial one waits", () => {
    const all = Buffer.concat([a, b, c, a.subarray(0, 3)]);
    const r = run([all]);
    expect(r.codes).toEqual([DECODE_OK]);
    expect(r.reqs.map((x) => [x.correlationId, x.topics])).toEqual([
      [1, ["t1"]],
      [2, ["t2", "t3"]],
      [3, []],
    ]);
    expect(r.d.buffered).toBe(3);
  });

  it("push honours start and end", () => {
    const padded = Buffer.concat([Buffer.from([9, 9, 9]), a, Buffer.from([7, 7])]);
    const d = createKafkaDecoder();
    const got: KafkaStreamRequest[] = [];
    expect(
      d.push(padded, 3, 3 + a.length, {
        request: (x) => (got.push(x as KafkaStreamRequest), true),
        carry: () => undefined,
      }),
    ).toBe(0);
    expect(got.map((x) => x.topics)).toEqual([["t1"]]);
  });

  it("null client id reads as ''; ControlledShutdown v0 has header v0 (no client id)", () => {
    expect(run([req(3, 1, 5, null, metadataBody([]))]).reqs[0]).toMatchObject({
      clientId: "",
      correlationId: 5,
    });
    const cs = Buffer.from([0, 0, 0, 12, 0, 7, 0, 0, 0, 0, 0, 42, 0, 0, 0, 1]); // BrokerId 1
    expect(run([cs]).reqs[0]).toMatchObject({ apiKey: 7, apiVersion: 0, correlationId: 42, clientId: "" });
  });

  it("unknown api keys decode their header with no topics; unknown versions of topic keys are flagged", () => {
    const unknown = req(1000, 3, 8, "x", Buffer.from([1, 2, 3]));
    expect(run([unknown]).reqs[0]).toMatchObject({
      apiKey: 1000,
      apiVersion: 3,
      clientId: "x",
      topics: [],
      topicsUnresolved: 0,
    });
    const future = req(3, 99, 9, "x", Buffer.from([0, 0xff])); // header v2: its tagged-field byte, then a body
    expect(run([future]).reqs[0]).toMatchObject({
      apiKey: 3,
      apiVersion: 99,
      topics: [],
      topicsUnresolved: TOPICS_UNDECODED,
    });
  });
});

describe("failures", () => {
  const size = (n: number): Buffer => enc().writeInt32(n).buffer;

  it("a size over the limit is DECODE_TOO_LARGE as soon as the size field is in, with nothing buffered", () => {
    const r = run([size(2000).subarray(0, 2), size(2000).subarray(2)], 1000);
    expect(r.codes).toEqual([DECODE_OK, DECODE_TOO_LARGE]);
    expect(r.d.error).toBe(KAFKA_ERR_TOO_LARGE);
    expect(r.d.buffered).toBe(0);
  });

  it("negative, too small and absurd sizes are DECODE_MALFORMED (an HTTP request on the port too)", () => {
    for (const b of [size(-1), size(-0x80000000), size(7), size(0), Buffer.from("GET / HTTP/1.1\r\n")]) {
      const r = run([b]);
      expect(r.codes).toEqual([DECODE_MALFORMED]);
      expect(r.d.error).toBe(KAFKA_ERR_SIZE);
    }
  });

  it("after a failure the decoder stays failed and reports nothing", () => {
    const r = run([size(-5), req(18, 0, 1, "c")]);
    expect(r.codes).toEqual([DECODE_MALFORMED, DECODE_MALFORMED]);
    expect(r.reqs).toEqual([]);
  });

  const malformed = (b: Buffer, error: number): void => {
    const whole = run([b]);
    expect({ codes: whole.codes, error: whole.d.error, reqs: whole.reqs.length }).toEqual({
      codes: [DECODE_MALFORMED],
      error,
      reqs: 0,
    });
    // the same verdict when the bytes come one at a time, and only at the last byte
    const bytes = run(Array.from(b, (_, i) => b.subarray(i, i + 1)));
    expect(bytes.codes.slice(0, -1).every((x) => x === DECODE_OK)).toBe(true);
    expect(bytes.codes.at(-1)).toBe(DECODE_MALFORMED);
  };

  it("truncated header fields", () => {
    malformed(Buffer.from([0, 0, 0, 9, 0, 3, 0, 1, 0, 0, 0, 1, 0]), KAFKA_ERR_TRUNCATED); // half a client id length
  });

  it("a client id longer than the request", () => {
    malformed(Buffer.from([0, 0, 0, 12, 0, 3, 0, 1, 0, 0, 0, 1, 0, 40, 0x61, 0x62]), KAFKA_ERR_LENGTH);
  });

  it("a client id length below -1, negative api key or version", () => {
    malformed(Buffer.from([0, 0, 0, 10, 0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xfe]), KAFKA_ERR_LENGTH);
    malformed(req(-2, 0, 1, "c"), KAFKA_ERR_HEADER);
    malformed(req(3, -1, 1, "c"), KAFKA_ERR_HEADER);
  });

  it("a topic array count past the request, a truncated topic name, a null topic name", () => {
    malformed(req(3, 1, 1, "c", enc().writeInt32(1 << 20).buffer), KAFKA_ERR_LENGTH);
    malformed(
      req(3, 1, 1, "c", Buffer.concat([enc().writeInt32(1).writeInt16(10).buffer, Buffer.from("abc")])),
      KAFKA_ERR_LENGTH,
    );
    malformed(
      req(0, 0, 1, "c", enc().writeInt16(1).writeInt32(0).writeInt32(1).writeString(null).buffer),
      KAFKA_ERR_NULL,
    );
    malformed(req(0, 0, 1, "c", enc().writeInt16(1).writeInt32(0).writeInt32(-1).buffer), KAFKA_ERR_NULL);
    malformed(req(0, 0, 1, "c", enc().writeInt16(1).writeInt32(0).buffer), KAFKA_ERR_TRUNCATED);
  });

  it("an unsigned varint longer than 5 bytes in a flexible request", () => {
    const h = enc().writeInt16(3).writeInt16(12).writeInt32(1).writeString("c").buffer;
    const body = Buffer.from([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]); // header tags, then topic count
    const b = Buffer.concat([enc().writeInt32(h.length + body.length).buffer, h, body]);
    malformed(b, KAFKA_ERR_VARINT);
  });
});

describe("primitives against kafkajs's Encoder", () => {
  const cursor = (b: Buffer): KafkaCursor => {
    const c = new KafkaCursor();
    c.reset(b, 0, b.length);
    return c;
  };

  it("unsigned and zigzag varints", () => {
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 31 - 1]) {
      const c = cursor(enc().writeUVarInt(v).buffer);
      expect(c.uvarint()).toBe(v);
      expect(c.left()).toBe(0);
    }
    for (const v of [0, -1, 1, -64, 64, -(2 ** 31), 2 ** 31 - 1]) {
      expect(cursor(enc().writeVarInt(v).buffer).varint()).toBe(v);
    }
  });

  it("compact and classic strings, null included", () => {
    const c = cursor(
      Buffer.concat([
        enc().writeUVarIntString("héllo").writeUVarIntString(null).writeString("x").writeString(null).buffer,
      ]),
    );
    expect([c.str(true, true), c.str(true, true), c.str(false, true), c.str(false, true), c.err]).toEqual([
      "héllo",
      null,
      "x",
      null,
      0,
    ]);
  });

  it("int16/int32/int64 and reads past the end", () => {
    const c = cursor(Buffer.from([0xff, 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 2, 9]));
    expect([c.i16(), c.i32(), c.i64(), c.err]).toEqual([-2, -0x80000000, 0x100000002n, 0]);
    expect([c.i16(), c.err]).toEqual([0, KAFKA_ERR_TRUNCATED]);
  });

  it("flexible versions: facts from the request JSON definitions and the corpus", () => {
    expect([
      kafkaFlexible(3, 8),
      kafkaFlexible(3, 9),
      kafkaFlexible(18, 3),
      kafkaFlexible(0, 9),
      kafkaFlexible(17, 1),
    ]).toEqual([false, true, true, true, false]);
    expect(kafkaFlexible(5000, 0)).toBe(false);
  });
});
