// Property tests of the Kafka stream decoder: random bytes and mutated real requests (kafkajs-encoded
// requests of every topic key, and the nDPI capture's client streams when the corpus is present), pushed
// in random splits. The decoder must never throw, must return only DECODE_* codes with a KAFKA_ERR_*
// detail, must stay failed after a failure, must hold at most the limit plus the size field, and must
// report only well-formed requests.
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KAFKA_ERR_NAMES } from "../../../runtime/l7/kafka/header.js";
import { createKafkaDecoder } from "../../../runtime/l7/kafka/stream.js";
import type { KafkaStreamRequest } from "../../../runtime/l7/kafka/stream.js";
import { DECODE_MALFORMED, DECODE_OK, DECODE_TOO_LARGE } from "../../../runtime/l7/stream/decoder.js";
import { corpusPath, haveCorpus } from "../../helpers/corpus.js";
import { captureStreams, streamBytes } from "../../helpers/tcp-streams.js";

const require = createRequire(import.meta.url);
type KjsFrame = (a: {
  correlationId: number;
  clientId: string;
  request: object;
}) => Promise<{ buffer: Buffer }>;
type KjsDefs = {
  versions: string[];
  protocol: (o: { version: number }) => (a: object) => { request: object };
};
const frame = require("kafkajs/src/protocol/request.js") as KjsFrame;
const defs = (n: string): KjsDefs => require(`kafkajs/src/protocol/requests/${n}/index.js`) as KjsDefs;

const LIMIT = 4096;

/** Push `b` in the given splits; check the invariants after every push. */
function check(b: Uint8Array, cuts: number[]): void {
  const d = createKafkaDecoder({ maxHeaderBytes: 0, maxMessageBytes: LIMIT });
  const reqs: KafkaStreamRequest[] = [];
  const sink = {
    request: (r: unknown) => (reqs.push(r as KafkaStreamRequest), true),
    carry: () => expect.unreachable(),
  };
  const points = [...new Set(cuts.map((c) => c % (b.length + 1))), b.length].sort((x, y) => x - y);
  let prev = 0;
  let failed = DECODE_OK;
  for (const p of points) {
    const code = d.push(b, prev, p, sink);
    prev = p;
    expect([DECODE_OK, DECODE_MALFORMED, DECODE_TOO_LARGE]).toContain(code);
    if (failed !== DECODE_OK) {
      expect(code).toBe(failed);
    }
    failed = code;
    expect(d.buffered).toBeLessThanOrEqual(LIMIT + 4);
    expect(d.error === 0).toBe(code === DECODE_OK);
    expect(d.error).toBeLessThan(KAFKA_ERR_NAMES.length);
  }
  for (const r of reqs) {
    expect(r.kind).toBe("kafka");
    expect(r.apiKey).toBeGreaterThanOrEqual(0);
    expect(r.apiVersion).toBeGreaterThanOrEqual(0);
    expect(Number.isInteger(r.correlationId)).toBe(true);
    expect(r.topics.every((t) => typeof t === "string")).toBe(true);
  }
}

async function seeds(): Promise<Uint8Array[]> {
  const topics = ["orders", "payments.v1"];
  const parts = [{ partition: 0, fetchOffset: "1", maxBytes: 10, offset: "1", messages: [{ value: "v" }] }];
  const data = topics.map((topic) => ({ topic, partitions: parts }));
  const cases: [string, object][] = [
    ["produce", { acks: 1, timeout: 10, topicData: data }],
    ["fetch", { replicaId: -1, maxWaitTime: 1, minBytes: 1, maxBytes: 10, topics: data }],
    ["listOffsets", { replicaId: -1, topics: data }],
    ["metadata", { topics }],
    ["offsetCommit", { groupId: "g", groupGenerationId: 1, memberId: "m", topics: data }],
    ["offsetFetch", { groupId: "g", topics: data }],
    [
      "createTopics",
      { topics: topics.map((topic) => ({ topic, configEntries: [{ name: "a", value: "b" }] })) },
    ],
    ["deleteTopics", { topics }],
  ];
  const out: Uint8Array[] = [];
  for (const [name, args] of cases) {
    const def = defs(name);
    for (const v of def.versions.map(Number)) {
      out.push(
        (
          await frame({
            correlationId: v,
            clientId: "fuzz",
            request: def.protocol({ version: v })(args).request,
          })
        ).buffer,
      );
    }
  }
  const pcap = "pcaps/ndpi_kafka.pcapng";
  if (haveCorpus(pcap)) {
    for (const s of captureStreams(corpusPath(pcap))) {
      if (s.protocol === 6 && s.dstPort === 9092) {
        out.push(streamBytes(s));
      }
    }
  }
  return out;
}

describe("fuzz", () => {
  it("random bytes in random splits", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.nat(), { maxLength: 8 }), (b, cuts) => {
        check(b, cuts);
      }),
      { numRuns: 600, seed: 11 },
    );
  });

  it("random bytes after a valid size field (bodies of plausible requests)", () => {
    const body = fc.uint8Array({ minLength: 8, maxLength: 200 });
    fc.assert(
      fc.property(body, fc.array(fc.nat(), { maxLength: 6 }), (b, cuts) => {
        const framed = new Uint8Array(b.length + 4);
        new DataView(framed.buffer).setInt32(0, b.length);
        framed.set(b, 4);
        framed[4] = 0; // api key 0..255, where the topic readers are
        check(framed, cuts);
      }),
      { numRuns: 600, seed: 12 },
    );
  });

  it("mutated real requests: byte flips, truncation, insertion", async () => {
    const real = await seeds();
    const mutation = fc.record({
      seed: fc.nat({ max: real.length - 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      cut: fc.option(fc.nat()),
      insert: fc.option(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 4 }))),
      cuts: fc.array(fc.nat(), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(mutation, (m) => {
        let b = Uint8Array.from(real[m.seed]!);
        for (const [at, v] of m.flips) {
          if (b.length > 0) {
            b[at % b.length] = v;
          }
        }
        if (m.insert !== null) {
          const at = m.insert[0] % (b.length + 1);
          b = Uint8Array.from([...b.subarray(0, at), ...m.insert[1], ...b.subarray(at)]);
        }
        if (m.cut !== null) {
          b = b.subarray(0, m.cut % (b.length + 1));
        }
        check(b, m.cuts);
      }),
      { numRuns: 800, seed: 13 },
    );
  });
});
