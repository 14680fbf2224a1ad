// The Kafka stream decoder against kafkajs 2.2.4 as the oracle: (1) every version of every request
// kafkajs can encode, built by kafkajs's own request encoders from known topics, client id and
// correlation id; (2) kafkajs's producer, admin and consumer talking to a loopback broker stub, with the
// expected values taken from what the test asked kafkajs to do. Each stream is decoded whole, one byte per
// push, and in random splits, and must give the same requests.
import { createRequire } from "node:module";
import fc from "fast-check";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TOPICS_ALL } from "../../../runtime/l7/kafka/topics.js";
import { createKafkaDecoder } from "../../../runtime/l7/kafka/stream.js";
import type { KafkaStreamRequest } from "../../../runtime/l7/kafka/stream.js";
import { startKafkaBroker } from "../../helpers/kafka-broker.js";
import type { KafkaBrokerStub } from "../../helpers/kafka-broker.js";

const require = createRequire(import.meta.url);

interface KjsRequest {
  apiKey: number;
  apiVersion: number;
}
type KjsProtocol = (opts: { version: number }) => (args: object) => { request: KjsRequest };
interface KjsDefinitions {
  versions: string[];
  protocol: KjsProtocol;
}
type KjsFrame = (a: {
  correlationId: number;
  clientId: string;
  request: KjsRequest;
}) => Promise<{ buffer: Buffer }>;

const frame = require("kafkajs/src/protocol/request.js") as KjsFrame;
const definitions = (name: string): KjsDefinitions =>
  require(`kafkajs/src/protocol/requests/${name}/index.js`) as KjsDefinitions;

/** Decode `chunks` in order; the requests reported and the last push code. */
function decode(chunks: readonly Uint8Array[]): { reqs: KafkaStreamRequest[]; code: number } {
  const d = createKafkaDecoder();
  const reqs: KafkaStreamRequest[] = [];
  const sink = {
    request: (r: unknown) => (reqs.push(r as KafkaStreamRequest), true),
    carry: () => undefined,
  };
  let code = 0;
  for (const c of chunks) {
    code = d.push(c, 0, c.length, sink);
  }
  return { reqs, code };
}

/** Split `b` at the given cut points. */
function splitAt(b: Uint8Array, cuts: number[]): Uint8Array[] {
  const sorted = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...sorted, b.length]) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  return out;
}

/** The same requests whole, byte by byte and in random splits. */
function decodeEveryWay(b: Uint8Array): KafkaStreamRequest[] {
  const whole = decode([b]);
  expect(whole.code).toBe(0);
  const bytes = decode(Array.from(b, (_, i) => b.subarray(i, i + 1)));
  expect(bytes.code).toBe(0);
  expect(bytes.reqs).toEqual(whole.reqs);
  fc.assert(
    fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
      const r = decode(splitAt(b, cuts));
      expect(r.code).toBe(0);
      expect(r.reqs).toEqual(whole.reqs);
    }),
    { numRuns: 30, seed: 7 },
  );
  return whole.reqs;
}

const T = ["orders", "payments.v1", "audit_log-2"];
const CLIENT = "sluice-oracle";
const part = (extra: object = {}): object[] => [{ partition: 0, ...extra }];

/** kafkajs request definition name, args, and the topics the request must report. */
const CASES: [string, object, string[]][] = [
  [
    "produce",
    {
      acks: 1,
      timeout: 1000,
      topicData: T.map((topic) => ({ topic, partitions: part({ messages: [{ key: "k", value: "v" }] }) })),
    },
    T,
  ],
  [
    "fetch",
    {
      replicaId: -1,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: 1000,
      topics: T.map((topic) => ({ topic, partitions: part({ fetchOffset: "7", maxBytes: 1000 }) })),
      forgottenTopics: [{ topic: "forgotten", partitions: [1] }],
    },
    T,
  ],
  [
    "listOffsets",
    { replicaId: -1, isolationLevel: 1, topics: T.map((topic) => ({ topic, partitions: part() })) },
    T,
  ],
  ["metadata", { topics: T, allowAutoTopicCreation: true }, T],
  [
    "offsetCommit",
    {
      groupId: "grp",
      groupGenerationId: 3,
      memberId: "m-1",
      retentionTime: -1,
      topics: T.map((topic) => ({ topic, partitions: part({ offset: "9", metadata: "meta" }) })),
    },
    T,
  ],
  ["offsetFetch", { groupId: "grp", topics: T.map((topic) => ({ topic, partitions: part() })) }, T],
  [
    "createTopics",
    {
      topics: T.map((topic) => ({
        topic,
        numPartitions: 2,
        replicationFactor: 1,
        replicaAssignment: [{ partition: 0, replicas: [0, 1] }],
        configEntries: [{ name: "cleanup.policy", value: "compact" }],
      })),
      timeout: 1000,
      validateOnly: false,
    },
    T,
  ],
  ["deleteTopics", { topics: T, timeout: 1000 }, T],
  [
    "deleteRecords",
    { topics: T.map((topic) => ({ topic, partitions: part({ offset: "4" }) })), timeout: 1000 },
    T,
  ],
  [
    "addPartitionsToTxn",
    {
      transactionalId: "tx",
      producerId: "12",
      producerEpoch: 1,
      topics: T.map((topic) => ({ topic, partitions: [0, 1] })),
    },
    T,
  ],
  [
    "txnOffsetCommit",
    {
      transactionalId: "tx",
      groupId: "grp",
      producerId: "12",
      producerEpoch: 1,
      topics: T.map((topic) => ({ topic, partitions: part({ offset: "5", metadata: null }) })),
    },
    T,
  ],
  [
    "createPartitions",
    { topicPartitions: T.map((topic) => ({ topic, count: 3, assignments: [[0], [1]] })) },
    T,
  ],
  // Keys without topics: the header is all that counts.
  ["apiVersions", {}, []],
  ["findCoordinator", { groupId: "grp", coordinatorKey: "grp", coordinatorType: 0 }, []],
  ["heartbeat", { groupId: "grp", groupGenerationId: 1, memberId: "m-1" }, []],
  ["saslHandshake", { mechanism: "PLAIN" }, []],
  ["initProducerId", { transactionalId: null, transactionTimeout: 1000 }, []],
  [
    "describeConfigs",
    { resources: [{ type: 2, name: "orders", configNames: [] }], includeSynonyms: false },
    [],
  ],
  [
    "alterPartitionReassignments",
    { topics: [{ topic: "orders", partitionAssignment: [{ partition: 0, replicas: [0] }] }] },
    [],
  ],
  ["listPartitionReassignments", { topics: [{ topic: "orders", partitions: [0] }] }, []],
];

describe("kafkajs request encoders as the oracle", () => {
  for (const [name, args, topics] of CASES) {
    it(`${name}: every version kafkajs has`, async () => {
      const def = definitions(name);
      const expected: Partial<KafkaStreamRequest>[] = [];
      const frames: Buffer[] = [];
      let correlationId = 1000;
      for (const v of def.versions.map(Number)) {
        const { request } = def.protocol({ version: v })(args);
        correlationId += 17;
        frames.push((await frame({ correlationId, clientId: CLIENT, request })).buffer);
        expected.push({
          apiKey: request.apiKey,
          apiVersion: request.apiVersion,
          clientId: CLIENT,
          correlationId,
          topics,
        });
      }
      const reqs = decodeEveryWay(Buffer.concat(frames));
      expect(reqs.length).toBe(expected.length);
      reqs.forEach((r, i) => {
        expect(r).toMatchObject(expected[i]!);
        expect(r.kind).toBe("kafka");
        expect(r.topicsUnresolved).toBe(0);
      });
    });
  }

  it("metadata with no topics asks for all topics (null array from v1, empty array in v0)", async () => {
    const def = definitions("metadata");
    for (const v of def.versions.map(Number)) {
      const { request } = def.protocol({ version: v })({ topics: [] });
      const b = (await frame({ correlationId: v, clientId: CLIENT, request })).buffer;
      const [r] = decode([b]).reqs;
      expect(r).toMatchObject({ apiKey: 3, apiVersion: v, topics: [], topicsUnresolved: TOPICS_ALL });
    }
  });
});

describe("kafkajs clients against the broker stub", () => {
  let broker: KafkaBrokerStub;
  let streams: Uint8Array[] = [];
  const clientId = "sluice-live";

  beforeAll(async () => {
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = "1";
    broker = await startKafkaBroker();
    const kafka = new Kafka({
      clientId,
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.sendBatch({
      topicMessages: [
        { topic: "alpha", messages: [{ value: "a" }] },
        { topic: "beta", messages: [{ value: "b" }, { value: "c" }] },
      ],
    });
    await producer.disconnect();

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: "gamma" }, { topic: "delta" }] });
    await admin.fetchTopicMetadata({ topics: ["alpha"] });
    await admin.fetchTopicOffsets("alpha");
    await admin.fetchOffsets({ groupId: "admin-group", topics: ["alpha"] });
    await admin.deleteTopics({ topics: ["delta"] });
    await admin.disconnect();

    const consumer = kafka.consumer({ groupId: "consumer-group", maxWaitTimeInMs: 20 });
    await consumer.connect();
    await consumer.subscribe({ topics: ["alpha"] });
    const fetched = new Promise<void>((resolve) =>
      consumer.on(consumer.events.FETCH, () => {
        resolve();
      }),
    );
    await consumer.run({ autoCommit: false, eachMessage: async () => {} });
    await fetched;
    await consumer.commitOffsets([{ topic: "alpha", partition: 0, offset: "5" }]);
    await consumer.disconnect();
    await broker.close();
    streams = broker.streams();
  });

  afterAll(async () => {
    await broker.close();
  });

  const all = (): KafkaStreamRequest[] => streams.flatMap((s) => decodeEveryWay(s));
  const has = (reqs: KafkaStreamRequest[], apiKey: number, topics: string[]): boolean =>
    reqs.some((r) => r.apiKey === apiKey && JSON.stringify([...r.topics].sort()) === JSON.stringify(topics));

  it("every recorded request decodes, with the client id kafkajs was given", () => {
    const reqs = all();
    expect(reqs.length).toBe(broker.requests.length);
    expect(new Set(reqs.map((r) => r.clientId))).toEqual(new Set([clientId]));
    // kafkajs numbers the requests of a connection from 0 upwards.
    for (const s of streams) {
      const ids = decode([s]).reqs.map((r) => r.correlationId);
      expect(ids).toEqual(ids.map((_, i) => ids[0]! + i));
    }
  });

  it("producer: one Produce naming both topics", () => {
    expect(has(all(), 0, ["alpha", "beta"])).toBe(true);
  });

  it("admin: CreateTopics, DeleteTopics, Metadata, ListOffsets, FindCoordinator, OffsetFetch", () => {
    const reqs = all();
    expect(has(reqs, 19, ["delta", "gamma"])).toBe(true);
    expect(has(reqs, 20, ["delta"])).toBe(true);
    expect(has(reqs, 3, ["alpha"])).toBe(true);
    expect(has(reqs, 2, ["alpha"])).toBe(true);
    expect(has(reqs, 9, ["alpha"])).toBe(true);
    expect(reqs.some((r) => r.apiKey === 10)).toBe(true);
  });

  it("consumer: JoinGroup, SyncGroup, Fetch, OffsetCommit, LeaveGroup", () => {
    const reqs = all();
    for (const key of [11, 14, 13]) {
      expect(reqs.some((r) => r.apiKey === key && r.topics.length === 0)).toBe(true);
    }
    expect(has(reqs, 1, ["alpha"])).toBe(true);
    expect(has(reqs, 8, ["alpha"])).toBe(true);
  });
});
