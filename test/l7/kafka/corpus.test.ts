// The Kafka stream decoder on the nDPI capture (../shared/corpus/pcaps/ndpi_kafka.pcapng), compared
// field by field with tshark's Kafka dissector. Every client→broker stream (port 9092) is decoded from its
// first captured payload byte: the capture has no handshakes, so the first request boundary is not
// known from TCP; the test requires that each stream starts at a request (the decoder reports no error
// and holds no bytes at the end, and every request lines up with a tshark request row in order). A
// stream starting mid-request would fail loudly here rather than be resynchronised silently.
//
// tshark 4.0 supports Produce v0-8 and Metadata v0-9 only; on Produce v9 and Metadata v12 it says
// "Unsupported ... version" and its topic field is wrong ("[ Null ]") or missing, and those are the two
// frames it marks malformed. For those rows the header fields are still compared with tshark; the topic
// is compared with "sampleTopic", which tshark decodes in the broker's Metadata v12 response (frame 34)
// to the same client, and which both requests carry per their JSON layouts (flexible: compact string
// length 0x0c = 11 + 1 followed by the 11 bytes "sampleTopic").
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { createKafkaDecoder } from "../../../runtime/l7/kafka/stream.js";
import type { KafkaStreamRequest } from "../../../runtime/l7/kafka/stream.js";
import { corpusPath, haveCorpus } from "../../helpers/corpus.js";
import { captureStreams, streamBytes } from "../../helpers/tcp-streams.js";

const FILE = "pcaps/ndpi_kafka.pcapng";

function haveTshark(): boolean {
  try {
    execFileSync("tshark", ["-v"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("notice: tshark is not installed; the Kafka corpus comparison is skipped");
    return false;
  }
}

const ready = haveCorpus(FILE) && haveTshark();

interface Row {
  frame: number;
  srcPort: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string;
  topics: string[];
  unsupported: boolean;
}

const FIELDS = [
  "frame.number",
  "tcp.srcport",
  "kafka.api_key",
  "kafka.api_version",
  "kafka.correlation_id",
  "kafka.client_id",
  "kafka.topic_name",
  "_ws.expert.message",
];

function tsharkRows(path: string): Row[] {
  const out = execFileSync(
    "tshark",
    [
      "-r",
      path,
      "-Y",
      "kafka && tcp.dstport == 9092",
      "-T",
      "fields",
      "-E",
      "separator=|",
      ...FIELDS.flatMap((f) => ["-e", f]),
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  return out
    .trim()
    .split("\n")
    .map((line) => {
      const [frame, port, key, ver, corr, client, topic, expert] = line.split("|");
      // One request per frame in this capture: a frame with two would list two api keys.
      expect(key).not.toContain(",");
      return {
        frame: Number(frame),
        srcPort: Number(port),
        apiKey: Number(key),
        apiVersion: Number(ver),
        correlationId: Number(corr),
        clientId: client ?? "",
        topics: topic ? topic.split(",") : [],
        unsupported: (expert ?? "").includes("Unsupported"),
      };
    });
}

describe.skipIf(!ready)("ndpi_kafka.pcapng against tshark", () => {
  const path = corpusPath(FILE);

  it("every client→broker request matches tshark's api key, version, correlation id, client id, topics", () => {
    const rows = tsharkRows(path);
    const clientStreams = captureStreams(path).filter((s) => s.protocol === 6 && s.dstPort === 9092);
    expect(clientStreams.length).toBe(9);
    let compared = 0;
    let unsupported = 0;
    for (const s of clientStreams) {
      const bytes = streamBytes(s);
      const d = createKafkaDecoder();
      const reqs: KafkaStreamRequest[] = [];
      const code = d.push(bytes, 0, bytes.length, {
        request: (r) => (reqs.push(r as KafkaStreamRequest), true),
        carry: () => undefined,
      });
      expect(code).toBe(0);
      expect(d.buffered).toBe(0);
      const expected = rows.filter((r) => r.srcPort === s.srcPort);
      expect(reqs.length).toBe(expected.length);
      reqs.forEach((r, i) => {
        const row = expected[i]!;
        expect({ key: r.apiKey, v: r.apiVersion, id: r.correlationId, client: r.clientId }).toEqual({
          key: row.apiKey,
          v: row.apiVersion,
          id: row.correlationId,
          client: row.clientId,
        });
        if (row.unsupported && (row.apiKey === 0 || row.apiKey === 3)) {
          unsupported++;
          expect(r.topics).toEqual(["sampleTopic"]);
        } else {
          expect(r.topics).toEqual(row.topics);
        }
        expect(r.topicsUnresolved).toBe(0);
        compared++;
      });
    }
    expect(compared).toBe(rows.length);
    expect(unsupported).toBe(2);
  });

  it("the same streams pushed one TCP segment at a time (retransmitted bytes trimmed) give the same requests", () => {
    for (const s of captureStreams(path).filter((x) => x.protocol === 6 && x.dstPort === 9092)) {
      const bytes = streamBytes(s);
      const whole: unknown[] = [];
      const bySegment: unknown[] = [];
      const sink = (into: unknown[]) => ({
        request: (r: unknown) => (into.push(r), true),
        carry: () => undefined,
      });
      createKafkaDecoder().push(bytes, 0, bytes.length, sink(whole));
      const d = createKafkaDecoder();
      // In sequence order; bytes already pushed (frame 18 retransmits frame 17) are skipped, as the
      // datapath's reassembly does and as streamBytes does.
      let next: number | undefined;
      for (const seg of [...s.segments].sort((a, b) => (a.seq - b.seq) | 0)) {
        const skip = next === undefined ? 0 : Math.max(0, (next - seg.seq) | 0);
        if (skip < seg.data.length) {
          expect(d.push(seg.data, skip, seg.data.length, sink(bySegment))).toBe(0);
        }
        next = (seg.seq + seg.data.length) >>> 0;
      }
      expect(bySegment).toEqual(whole);
    }
  });
});
