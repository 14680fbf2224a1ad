/**
 * @fileoverview Real clients' bytes through the whole engine with Cilium L7 policies: undici (HTTP/1.1),
 * @grpc/grpc-js (gRPC over h2c) and kafkajs (against a broker stub) talk over loopback through a
 * recording proxy; the recorded client bytes are cut into TCP segments — as recorded, one byte per
 * segment, and at random points — and sent through the engine on a connection from the client pod to the
 * server pod. The L7 decisions must follow the policy for what the test asked each client to do (paths,
 * gRPC methods, Kafka topics), whatever the segmentation, and exactly one segment per request carries
 * the decision of a request without a body.
 */

import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { Kafka, logLevel } from "kafkajs";
import { Client } from "undici";
import { describe, expect, it } from "vitest";
import { Engine } from "../../../runtime/engine/engine.js";
import type { L7Record } from "../../../runtime/l7/datapath/records.js";
import { compileFiles } from "../../cilium/helpers.js";
import { SERVER_CLIENT_CLUSTER, serverIngressPolicy } from "../../helpers/l7-policy.js";
import { startKafkaBroker } from "../../helpers/kafka-broker.js";
import { startTcpRecorder } from "../../helpers/tcp-recorder.js";
import { Conversation, verdictOf } from "../../helpers/tcp-conversation.js";

const CLUSTER = SERVER_CLIENT_CLUSTER;

const POLICY = serverIngressPolicy(`    - ports: [{port: "80", protocol: TCP}]
      rules: {http: [{method: GET, path: "/public/.*"}]}
    - ports: [{port: "50051", protocol: TCP}]
      rules: {http: [{method: POST, path: "/sluice.test.Echo/Unary"}]}
    - ports: [{port: "9092", protocol: TCP}]
      rules: {kafka: [{role: produce, topic: allowed-topic}]}
`);

const bundle = compileFiles({ "cluster.yaml": CLUSTER, "policy.yaml": POLICY }).bytes!;

/** Cut points of three segmentations: as one segment, one byte per segment, random. */
function segmentations(length: number, seed: number): number[][] {
  const random: number[] = [];
  let x = seed;
  for (let at = 0; at < length;) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    at += 1 + (x % 97);
    if (at < length) {
      random.push(at);
    }
  }
  return [[], Array.from({ length: length - 1 }, (_, i) => i + 1), random];
}

/** Send `bytes` on a fresh connection to `port` cut at `cuts`; the verdicts and the L7 REQUEST records. */
function replay(
  bytes: Uint8Array,
  port: number,
  cuts: number[],
): { verdicts: string[]; requests: L7Record[] } {
  const records: L7Record[] = [];
  const e = Engine.load(bundle, { onL7Record: (r) => records.push(r) });
  const c = new Conversation(e, "10.244.0.12", 40000, "10.244.0.10", port);
  c.handshake();
  const bounds = [0, ...cuts, bytes.length];
  const verdicts: string[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    verdicts.push(verdictOf(c.send(bytes.subarray(bounds[i], bounds[i + 1]))));
  }
  return { verdicts, requests: records.filter((r) => r.type === "REQUEST") };
}

const count = (xs: readonly string[], v: string): number => xs.filter((x) => x === v).length;

describe("real clients through the engine", () => {
  it("undici: GET /public/* is forwarded, GET /private is dropped, in any segmentation", async () => {
    const server = createServer((_req, res) => {
      res.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const rec = await startTcpRecorder((server.address() as AddressInfo).port);
    const client = new Client(`http://127.0.0.1:${rec.port}`);
    for (const path of ["/public/index.html", "/private/keys", "/public/app.js?v=2"]) {
      const r = await client.request({ path, method: "GET" });
      await r.body.text();
    }
    await client.close();
    await rec.close();
    server.close();
    const bytes = rec.upBytes(0);
    segmentations(bytes.length, 7).forEach((cuts) => {
      const { verdicts, requests } = replay(bytes, 80, cuts);
      expect(
        requests.map((r) => `${r.http?.method} ${r.http?.url.replace(/^http:\/\/[^/]+/, "")} ${r.verdict}`),
      ).toEqual(["GET /public/index.html 1", "GET /private/keys 2", "GET /public/app.js?v=2 1"]);
      // Bodyless requests: the segment completing each header carries its decision, the rest are held.
      expect(count(verdicts, "FORWARDED") + count(verdicts, "DROPPED") + count(verdicts, "REDIRECTED")).toBe(
        verdicts.length,
      );
      if (cuts.length === bytes.length - 1) {
        expect([count(verdicts, "FORWARDED"), count(verdicts, "DROPPED")]).toEqual([2, 1]);
      }
    });
  });

  it("grpc-js: the allowed method is forwarded, the other is dropped, in any segmentation", async () => {
    const pass = (b: Buffer): Buffer => b;
    const method = (path: string) => ({
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: pass,
      requestDeserialize: pass,
      responseSerialize: pass,
      responseDeserialize: pass,
    });
    const service = {
      Unary: method("/sluice.test.Echo/Unary"),
      Other: method("/sluice.test.Echo/Other"),
    } as unknown as grpc.ServiceDefinition;
    const server = new grpc.Server();
    const echo = (call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>): void => {
      cb(null, call.request);
    };
    server.addService(service, { Unary: echo, Other: echo });
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => {
        if (e === null) {
          resolve(p);
        } else {
          reject(e);
        }
      });
    });
    const rec = await startTcpRecorder(port);
    const Ctor = grpc.makeGenericClientConstructor(service, "Echo");
    const client = new Ctor(`127.0.0.1:${rec.port}`, grpc.credentials.createInsecure()) as unknown as Record<
      "Unary" | "Other",
      (req: Buffer, cb: (e: Error | null) => void) => void
    > & { close(): void };
    for (const m of ["Unary", "Other", "Unary"] as const) {
      await new Promise<void>((resolve, reject) => {
        client[m](Buffer.from("ping"), (e) => {
          if (e === null) {
            resolve();
          } else {
            reject(e);
          }
        });
      });
    }
    client.close();
    await rec.close();
    server.forceShutdown();
    const bytes = rec.upBytes(0);
    segmentations(bytes.length, 11).forEach((cuts) => {
      const { requests } = replay(bytes, 50051, cuts);
      expect(
        requests.map((r) => `${r.http?.method} ${r.http?.url.replace(/^http:\/\/[^/]+/, "")} ${r.verdict}`),
      ).toEqual([
        "POST /sluice.test.Echo/Unary 1",
        "POST /sluice.test.Echo/Other 2",
        "POST /sluice.test.Echo/Unary 1",
      ]);
    });
  });

  it("kafkajs: producing to the allowed topic is forwarded, to another topic dropped", async () => {
    const broker = await startKafkaBroker();
    const kafka = new Kafka({
      clientId: "shop",
      brokers: [`127.0.0.1:${broker.port}`],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "allowed-topic", messages: [{ value: "a" }] });
    await producer.send({ topic: "denied-topic", messages: [{ value: "b" }] });
    await producer.disconnect();
    await broker.close();
    const produce: string[] = [];
    for (const bytes of broker.streams()) {
      for (const cuts of segmentations(bytes.length, 5).slice(0, 2)) {
        const { requests } = replay(bytes, 9092, cuts);
        if (cuts.length === 0) {
          for (const r of requests) {
            if (r.kafka?.api_key === "produce") {
              produce.push(`${r.kafka.topic} ${r.verdict}`);
            }
            if (r.kafka?.api_key === "apiversions") {
              expect(r.verdict).toBe(1); // not a topic key: the produce role allows it
            }
          }
        }
      }
    }
    expect(produce).toEqual(["allowed-topic 1", "denied-topic 2"]);
  });
});
