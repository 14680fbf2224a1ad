// Request versions kafkajs cannot send (flexible versions, topic ids, grouped OffsetFetch), built field
// by field from the layouts in Apache Kafka's request JSON definitions, with kafkajs's Encoder writing the
// primitives (compact strings and arrays, unsigned varints, tagged fields). Expected topics are the ones
// written; requests that name topics by id, ask for all topics, or have a version newer than the decoder
// knows report the TOPICS_* bits the module comment of topics.ts defines.
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { createKafkaDecoder } from "../../../runtime/l7/kafka/stream.js";
import type { KafkaStreamRequest } from "../../../runtime/l7/kafka/stream.js";
import { TOPICS_ALL, TOPICS_BY_ID, TOPICS_UNDECODED } from "../../../runtime/l7/kafka/topics.js";

const require = createRequire(import.meta.url);

interface Enc {
  writeInt8(v: number): Enc;
  writeInt16(v: number): Enc;
  writeInt32(v: number): Enc;
  writeInt64(v: string): Enc;
  writeBoolean(v: boolean): Enc;
  writeString(v: string | null): Enc;
  writeUVarInt(v: number): Enc;
  writeUVarIntString(v: string | null): Enc;
  writeUVarIntBytes(v?: Buffer | null): Enc;
  writeUVarIntArray(v: Enc[] | null, type?: string): Enc;
  writeArray(v: Enc[] | number[], type?: string): Enc;
  writeEncoder(v: Enc): Enc;
  writeBuffer(v: Buffer): Enc;
  buffer: Buffer;
}
const Encoder = require("kafkajs/src/protocol/encoder.js") as new () => Enc;
const enc = (): Enc => new Encoder();

const CLIENT = "flex-client";
const UUID = Buffer.alloc(16, 0xab);
/** An empty tagged-field section. */
const tags = (e: Enc): Enc => e.writeUVarInt(0);
/** A compact int32 array. */
const i32s = (e: Enc, xs: number[]): Enc => {
  e.writeUVarInt(xs.length + 1);
  xs.forEach((x) => e.writeInt32(x));
  return e;
};

/** A whole request with header v2 (flexible) or v1, `body` written by `fill`. */
function request(apiKey: number, v: number, flexible: boolean, fill: (e: Enc) => void, corr = 77): Buffer {
  const e = enc().writeInt16(apiKey).writeInt16(v).writeInt32(corr).writeString(CLIENT);
  if (flexible) {
    tags(e);
  }
  fill(e);
  const b = e.buffer;
  return Buffer.concat([enc().writeInt32(b.length).buffer, b]);
}

function decodeOne(b: Buffer): KafkaStreamRequest {
  const reqs: KafkaStreamRequest[] = [];
  const d = createKafkaDecoder();
  const code = d.push(b, 0, b.length, {
    request: (r) => (reqs.push(r as KafkaStreamRequest), true),
    carry: () => undefined,
  });
  expect({ code, error: d.error }).toEqual({ code: 0, error: 0 });
  expect(reqs.length).toBe(1);
  return reqs[0]!;
}

const T = ["orders", "payments.v1"];

/** Produce v9+: compact nullable TransactionalId, Acks, TimeoutMs, [Name | TopicId v13+, [Index, Records]]. */
function produce(v: number): Buffer {
  return request(0, v, true, (e) => {
    e.writeUVarIntString(null).writeInt16(-1).writeInt32(1500);
    e.writeUVarInt(T.length + 1);
    for (const t of T) {
      if (v >= 13) {
        e.writeBuffer(UUID);
      } else {
        e.writeUVarIntString(t);
      }
      e.writeUVarInt(2).writeInt32(0).writeUVarIntBytes(Buffer.from("records")).writeUVarInt(0);
      tags(e);
    }
    tags(e);
  });
}

/** Fetch v12+: ReplicaId v<=14, MaxWait, MinBytes, MaxBytes, Isolation, SessionId, Epoch, topics, forgotten, rack. */
function fetch(v: number): Buffer {
  return request(1, v, true, (e) => {
    if (v <= 14) {
      e.writeInt32(-1);
    }
    e.writeInt32(500)
      .writeInt32(1)
      .writeInt32(1 << 20)
      .writeInt8(0)
      .writeInt32(0)
      .writeInt32(-1);
    e.writeUVarInt(T.length + 1);
    for (const t of T) {
      if (v >= 13) {
        e.writeBuffer(UUID);
      } else {
        e.writeUVarIntString(t);
      }
      // one partition: Partition, CurrentLeaderEpoch, FetchOffset, LastFetchedEpoch, LogStartOffset, MaxBytes
      e.writeUVarInt(2)
        .writeInt32(0)
        .writeInt32(-1)
        .writeInt64("10")
        .writeInt32(-1)
        .writeInt64("-1")
        .writeInt32(1024);
      tags(e);
      tags(e);
    }
    e.writeUVarInt(1); // no forgotten topics
    e.writeUVarIntString("rack-a");
    // tagged field ClusterId (tag 0) at the end, as a consumer of KIP-709 may send
    e.writeUVarInt(1).writeUVarInt(0).writeUVarInt(5).writeUVarIntString("abc").writeInt8(0);
  });
}

describe("flexible and topic-id versions, from the request JSON layouts", () => {
  it("Produce v9-v12 name topics; v13 gives topic ids", () => {
    for (const v of [9, 10, 11, 12]) {
      expect(decodeOne(produce(v))).toMatchObject({
        apiKey: 0,
        apiVersion: v,
        clientId: CLIENT,
        correlationId: 77,
        topics: T,
        topicsUnresolved: 0,
      });
    }
    expect(decodeOne(produce(13))).toMatchObject({
      apiVersion: 13,
      topics: [],
      topicsUnresolved: TOPICS_BY_ID,
    });
  });

  it("Fetch v12 names topics; v13-v17 give topic ids (v15+ without ReplicaId)", () => {
    expect(decodeOne(fetch(12))).toMatchObject({ apiKey: 1, apiVersion: 12, topics: T, topicsUnresolved: 0 });
    for (const v of [13, 15, 17]) {
      expect(decodeOne(fetch(v))).toMatchObject({
        apiVersion: v,
        topics: [],
        topicsUnresolved: TOPICS_BY_ID,
      });
    }
  });

  it("Metadata v10+: [TopicId, nullable Name]; a null name is a topic by id; a null array is all topics", () => {
    const b = request(3, 12, true, (e) => {
      e.writeUVarInt(3);
      e.writeBuffer(Buffer.alloc(16)).writeUVarIntString("orders");
      tags(e);
      e.writeBuffer(UUID).writeUVarIntString(null);
      tags(e);
      e.writeBoolean(true).writeBoolean(false);
      tags(e);
    });
    expect(decodeOne(b)).toMatchObject({
      apiKey: 3,
      apiVersion: 12,
      topics: ["orders"],
      topicsUnresolved: TOPICS_BY_ID,
    });
    const all = request(3, 13, true, (e) => tags(e.writeUVarInt(0).writeBoolean(true).writeBoolean(false)));
    expect(decodeOne(all)).toMatchObject({ topics: [], topicsUnresolved: TOPICS_ALL });
  });

  it("ListOffsets v6+ (flexible), OffsetForLeaderEpoch v4, DeleteRecords v2", () => {
    const listOffsets = request(2, 9, true, (e) => {
      e.writeInt32(-1).writeInt8(0).writeUVarInt(2).writeUVarIntString("orders");
      e.writeUVarInt(2).writeInt32(0).writeInt32(-1).writeInt64("-1");
      tags(tags(e));
      e.writeInt32(3000);
      tags(e);
    });
    expect(decodeOne(listOffsets)).toMatchObject({
      apiKey: 2,
      apiVersion: 9,
      topics: ["orders"],
      topicsUnresolved: 0,
    });
    const olep = request(23, 4, true, (e) => {
      e.writeInt32(-1).writeUVarInt(2).writeUVarIntString("orders");
      e.writeUVarInt(2).writeInt32(0).writeInt32(5).writeInt32(4);
      tags(tags(e));
      tags(e);
    });
    expect(decodeOne(olep)).toMatchObject({ apiKey: 23, topics: ["orders"] });
    const deleteRecords = request(21, 2, true, (e) => {
      e.writeUVarInt(3);
      for (const t of T) {
        e.writeUVarIntString(t).writeUVarInt(2).writeInt32(0).writeInt64("100");
        tags(tags(e));
      }
      tags(e.writeInt32(1000));
    });
    expect(decodeOne(deleteRecords)).toMatchObject({ apiKey: 21, topics: T });
  });

  it("OffsetCommit v8/v9 name topics, v10 gives ids", () => {
    for (const v of [8, 9, 10]) {
      const b = request(8, v, true, (e) => {
        e.writeUVarIntString("grp").writeInt32(3).writeUVarIntString("m-1").writeUVarIntString(null);
        e.writeUVarInt(T.length + 1);
        for (const t of T) {
          if (v >= 10) {
            e.writeBuffer(UUID);
          } else {
            e.writeUVarIntString(t);
          }
          e.writeUVarInt(2).writeInt32(0).writeInt64("42").writeInt32(-1).writeUVarIntString("meta");
          tags(tags(e));
        }
        tags(e);
      });
      const want =
        v >= 10 ? { topics: [], topicsUnresolved: TOPICS_BY_ID } : { topics: T, topicsUnresolved: 0 };
      expect(decodeOne(b)).toMatchObject({ apiKey: 8, apiVersion: v, ...want });
    }
  });

  it("OffsetFetch v6 (flexible), v8 groups, v9 member fields, null topics = all, v10 ids", () => {
    const v6 = request(9, 6, true, (e) => {
      e.writeUVarIntString("grp").writeUVarInt(2).writeUVarIntString("orders");
      tags(i32s(e, [0, 1]));
      tags(e);
    });
    expect(decodeOne(v6)).toMatchObject({
      apiKey: 9,
      apiVersion: 6,
      topics: ["orders"],
      topicsUnresolved: 0,
    });
    const grouped = (v: number, nullTopics: boolean): Buffer =>
      request(9, v, true, (e) => {
        e.writeUVarInt(3);
        for (const [g, t] of [
          ["g1", "orders"],
          ["g2", "payments.v1"],
        ]) {
          e.writeUVarIntString(g!);
          if (v >= 9) {
            e.writeUVarIntString(null).writeInt32(-1);
          }
          if (nullTopics && g === "g2") {
            e.writeUVarInt(0);
          } else {
            e.writeUVarInt(2);
            if (v >= 10) {
              e.writeBuffer(UUID);
            } else {
              e.writeUVarIntString(t!);
            }
            tags(i32s(e, [0]));
          }
          tags(e);
        }
        e.writeBoolean(false);
        tags(e);
      });
    expect(decodeOne(grouped(8, false))).toMatchObject({ apiVersion: 8, topics: T, topicsUnresolved: 0 });
    expect(decodeOne(grouped(9, true))).toMatchObject({ topics: ["orders"], topicsUnresolved: TOPICS_ALL });
    expect(decodeOne(grouped(10, false))).toMatchObject({ topics: [], topicsUnresolved: TOPICS_BY_ID });
  });

  it("CreateTopics v5+, DeleteTopics v4 names and v6 [Name, TopicId], CreatePartitions v2", () => {
    const create = request(19, 7, true, (e) => {
      e.writeUVarInt(2).writeUVarIntString("orders").writeInt32(3).writeInt16(1);
      e.writeUVarInt(2).writeInt32(0);
      tags(i32s(e, [1, 2]));
      e.writeUVarInt(2).writeUVarIntString("retention.ms").writeUVarIntString(null);
      tags(tags(e));
      tags(e.writeInt32(1000).writeBoolean(false));
    });
    expect(decodeOne(create)).toMatchObject({ apiKey: 19, topics: ["orders"] });
    const del4 = request(20, 4, true, (e) => {
      e.writeUVarInt(3).writeUVarIntString("orders").writeUVarIntString("payments.v1");
      tags(e.writeInt32(1000));
    });
    expect(decodeOne(del4)).toMatchObject({ apiKey: 20, apiVersion: 4, topics: T });
    const del6 = request(20, 6, true, (e) => {
      e.writeUVarInt(3).writeUVarIntString("orders").writeBuffer(Buffer.alloc(16));
      tags(e);
      e.writeUVarIntString(null).writeBuffer(UUID);
      tags(e);
      tags(e.writeInt32(1000));
    });
    expect(decodeOne(del6)).toMatchObject({ topics: ["orders"], topicsUnresolved: TOPICS_BY_ID });
    const partitions = request(37, 2, true, (e) => {
      e.writeUVarInt(2).writeUVarIntString("orders").writeInt32(6).writeUVarInt(0);
      tags(e);
      tags(e.writeInt32(1000).writeBoolean(false));
    });
    expect(decodeOne(partitions)).toMatchObject({ apiKey: 37, topics: ["orders"] });
  });

  it("AddPartitionsToTxn v3 and v4 (batched), TxnOffsetCommit v3, WriteTxnMarkers v1", () => {
    const v3 = request(24, 3, true, (e) => {
      e.writeUVarIntString("tx").writeInt64("12").writeInt16(0).writeUVarInt(2).writeUVarIntString("orders");
      tags(i32s(e, [0]));
      tags(e);
    });
    expect(decodeOne(v3)).toMatchObject({ apiKey: 24, topics: ["orders"] });
    const v4 = request(24, 4, true, (e) => {
      e.writeUVarInt(3);
      for (const t of T) {
        e.writeUVarIntString(`tx-${t}`).writeInt64("12").writeInt16(0).writeBoolean(true);
        e.writeUVarInt(2).writeUVarIntString(t);
        tags(i32s(e, [0]));
        tags(e);
      }
      tags(e);
    });
    expect(decodeOne(v4)).toMatchObject({ apiVersion: 4, topics: T });
    const txnCommit = request(28, 3, true, (e) => {
      e.writeUVarIntString("tx").writeUVarIntString("grp").writeInt64("12").writeInt16(0);
      e.writeInt32(1).writeUVarIntString("m-1").writeUVarIntString(null);
      e.writeUVarInt(2).writeUVarIntString("orders");
      e.writeUVarInt(2).writeInt32(0).writeInt64("5").writeInt32(-1).writeUVarIntString(null);
      tags(tags(e));
      tags(e);
    });
    expect(decodeOne(txnCommit)).toMatchObject({ apiKey: 28, topics: ["orders"] });
    const markers = request(27, 1, true, (e) => {
      e.writeUVarInt(2).writeInt64("12").writeInt16(0).writeBoolean(true);
      e.writeUVarInt(2).writeUVarIntString("orders");
      tags(i32s(e, [0]));
      tags(e.writeInt32(4));
      tags(e);
    });
    expect(decodeOne(markers)).toMatchObject({ apiKey: 27, topics: ["orders"] });
  });

  it("AlterReplicaLogDirs v2 and DescribeLogDirs v0 (names) / v4 (null = all)", () => {
    const alter = request(34, 2, true, (e) => {
      e.writeUVarInt(2).writeUVarIntString("/data").writeUVarInt(2).writeUVarIntString("orders");
      tags(i32s(e, [0]));
      tags(e);
      tags(e);
    });
    expect(decodeOne(alter)).toMatchObject({ apiKey: 34, topics: ["orders"] });
    const describe0 = request(35, 0, false, (e) =>
      e.writeInt32(1).writeString("orders").writeInt32(1).writeInt32(0),
    );
    expect(decodeOne(describe0)).toMatchObject({ apiKey: 35, topics: ["orders"], topicsUnresolved: 0 });
    const describe4 = request(35, 4, true, (e) => tags(e.writeUVarInt(0)));
    expect(decodeOne(describe4)).toMatchObject({ topics: [], topicsUnresolved: TOPICS_ALL });
  });

  it("versions past the newest known, and controller requests, report TOPICS_UNDECODED", () => {
    expect(decodeOne(request(0, 14, true, (e) => e.writeInt8(0)))).toMatchObject({
      apiVersion: 14,
      topics: [],
      topicsUnresolved: TOPICS_UNDECODED,
    });
    expect(decodeOne(request(4, 7, true, (e) => e.writeInt32(0)))).toMatchObject({
      apiKey: 4,
      topicsUnresolved: TOPICS_UNDECODED,
    });
  });

  it("ApiVersions v3 (header v2) with a tagged field in the header", () => {
    const e = enc().writeInt16(18).writeInt16(3).writeInt32(9).writeString(CLIENT);
    e.writeUVarInt(1).writeUVarInt(7).writeUVarInt(2).writeInt16(0x1234); // one unknown tagged field
    e.writeUVarIntString("apache-kafka-java").writeUVarIntString("3.6.1");
    tags(e);
    const b = Buffer.concat([enc().writeInt32(e.buffer.length).buffer, e.buffer]);
    expect(decodeOne(b)).toMatchObject({
      apiKey: 18,
      apiVersion: 3,
      correlationId: 9,
      clientId: CLIENT,
      topics: [],
    });
  });
});
