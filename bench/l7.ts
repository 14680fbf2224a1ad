/**
 * @fileoverview L7 inspection throughput: requests per second for HTTP/1.1, gRPC (HTTP/2), Kafka and DNS
 * with a handful of rules each (issue "L7 datapath"), on one core.
 *
 * For each protocol a Cilium policy with four or five L7 rules is compiled and its rule set taken from
 * the bundle. A request stream (bench/l7-workloads.ts) is pushed into a fresh stream decoder one request
 * per push, as one request per packet arrives; two figures per protocol:
 *   - decode: the decoder alone (the sink allows everything without evaluating) — the baseline;
 *   - inspect: decode and evaluate every request against the rule set (what the L7 datapath does per
 *     request, minus reassembly and the packet path).
 * A third figure, `engine`, runs HTTP/1.1 and DNS requests as packets through the whole engine (parse,
 * conntrack, ipcache, policy, L7 datapath with reassembly; interpreter), 256 connections with one
 * request per packet, a fresh engine per run, median of 3 runs.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { Engine } from "../runtime/engine/engine.js";
import { readL7RuleSets } from "../runtime/l7/decode.js";
import { decodeDnsQuery } from "../runtime/l7/dns/stream.js";
import { createHttpDecoder } from "../runtime/l7/http/index.js";
import { createKafkaDecoder } from "../runtime/l7/kafka/stream.js";
import { compileL7Set } from "../runtime/l7/compiled-set.js";
import type { L7Request } from "../runtime/l7/match.js";
import type { L7RuleSet } from "../runtime/l7/rule-set.js";
import type { L7Sink, StreamDecoder } from "../runtime/l7/stream/decoder.js";
import { tcpPkt, udpPkt } from "../runtime/packet/craft.js";
import { measure } from "./harness.js";
import type { MeasureOptions } from "./harness.js";
import { dnsStream, grpcStream, http1Stream, kafkaStream } from "./l7-workloads.js";
import type { RequestStream } from "./l7-workloads.js";

/** One protocol's figures. */
export interface L7BenchResult {
  readonly protocol: string;
  /** Rules in the set. */
  readonly rules: number;
  /** Requests per measured call. */
  readonly requests: number;
  /** Share of requests the rules allow. */
  readonly allowedShare: number;
  /** Millions of requests decoded per second (no evaluation). */
  readonly decodeMrps: number;
  /** Millions of requests decoded and evaluated per second. */
  readonly inspectMrps: number;
  /** Millions of requests per second through the whole engine, when measured. */
  readonly engineMrps?: number;
}

const CLUSTER = `apiVersion: v1
kind: Namespace
metadata: {name: default}
---
apiVersion: v1
kind: Namespace
metadata: {name: kube-system}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {role: web}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: shop, namespace: default, labels: {app: shop}}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
status: {podIP: 10.0.0.53}
`;

const POLICY = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: shop-l7, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: shop}}
  ingress:
  - fromEndpoints: [{matchLabels: {role: web}}]
    toPorts:
    - ports: [{port: "80", protocol: TCP}]
      rules:
        http:
        - {method: GET, path: "/api/v1/items/[0-9]+"}
        - {method: POST, path: "/api/v1/orders"}
        - {method: GET, path: "/healthz"}
        - {method: PUT, path: "/api/v1/items/[0-9]+", headers: ["X-Admin: true"]}
        - {method: GET, path: "/static/.*"}
    - ports: [{port: "50051", protocol: TCP}]
      rules:
        http:
        - {method: POST, path: "/shop.Cart/AddItem"}
        - {method: POST, path: "/shop.Cart/GetCart"}
        - {method: POST, path: "/shop.Checkout/.*"}
        - {method: POST, path: "/grpc.health.v1.Health/Check"}
    - ports: [{port: "9092", protocol: TCP}]
      rules:
        kafka:
        - {role: produce, topic: orders}
        - {role: consume, topic: payments}
        - {apiKey: fetch, topic: audit}
        - {role: produce, topic: clicks}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: web-dns, namespace: default}
spec:
  endpointSelector: {matchLabels: {role: web}}
  egress:
  - toEndpoints: [{matchLabels: {k8s-app: kube-dns, io.kubernetes.pod.namespace: kube-system}}]
    toPorts:
    - ports: [{port: "53", protocol: ANY}]
      rules:
        dns:
        - {matchPattern: "*.example.com"}
        - {matchName: "svc1.internal.com"}
        - {matchPattern: "svc2*.internal.com"}
        - {matchName: "api.github.com"}
  # Selecting web for egress makes its egress default-deny: let it reach the shop.
  - toEndpoints: [{matchLabels: {app: shop}}]
`;

/** Compile the benchmark policy; returns the bundle and its rule sets by kind and first path. */
export function l7BenchBundle(): { bytes: Uint8Array; sets: readonly L7RuleSet[] } {
  const dir = mkdtempSync(join(tmpdir(), "sluice-l7-bench-"));
  try {
    writeFileSync(join(dir, "cluster.yaml"), CLUSTER);
    writeFileSync(join(dir, "policy.yaml"), POLICY);
    const r = compile([join(dir, "cluster.yaml"), join(dir, "policy.yaml")], { cni: "cilium" });
    if (r.bytes === undefined) {
      throw new Error("the L7 benchmark policy did not compile");
    }
    return { bytes: r.bytes, sets: readL7RuleSets(r.bundle!).sets };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Push every request of `stream` into a fresh decoder, one request per push. */
function pushAll(make: () => StreamDecoder, stream: RequestStream, sink: L7Sink): void {
  const d = make();
  if (stream.preamble.length > 0) {
    d.push(stream.preamble, 0, stream.preamble.length, sink);
  }
  let from = 0;
  const { bytes, ends } = stream;
  for (let i = 0; i < ends.length; i++) {
    d.push(bytes, from, ends[i]!, sink);
    from = ends[i]!;
  }
}

/** Sinks: one that allows without evaluating, one that evaluates against `set` and counts allows. */
function sinks(set: L7RuleSet): { plain: L7Sink; evaluating: L7Sink; allowed: () => number } {
  let allowed = 0;
  const decide = compileL7Set(set);
  return {
    plain: { request: () => true, carry: () => undefined },
    evaluating: {
      request: (req: L7Request) => {
        const ok = decide(req) !== undefined;
        if (ok) {
          allowed++;
        }
        return ok;
      },
      carry: () => undefined,
    },
    allowed: () => allowed,
  };
}

function streamBench(
  protocol: string,
  set: L7RuleSet,
  stream: RequestStream,
  make: () => StreamDecoder,
  options: MeasureOptions,
): L7BenchResult {
  const n = stream.ends.length;
  const s = sinks(set);
  const decode = measure(
    () => {
      pushAll(make, stream, s.plain);
    },
    n,
    options,
  );
  pushAll(make, stream, s.evaluating);
  const allowedShare = s.allowed() / n;
  const inspect = measure(
    () => {
      pushAll(make, stream, s.evaluating);
    },
    n,
    options,
  );
  return {
    protocol,
    rules: set.rules.length,
    requests: n,
    allowedShare,
    decodeMrps: decode.perSecond / 1e6,
    inspectMrps: inspect.perSecond / 1e6,
  };
}

function dnsBench(set: L7RuleSet, stream: RequestStream, options: MeasureOptions): L7BenchResult {
  const n = stream.ends.length;
  const { bytes, ends } = stream;
  const decide = compileL7Set(set);
  const run = (evaluate: boolean): number => {
    let allowed = 0;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const req = decodeDnsQuery(bytes, from, ends[i]!);
      if (typeof req !== "number" && (!evaluate || decide(req) !== undefined)) {
        allowed++;
      }
      from = ends[i]!;
    }
    return allowed;
  };
  const allowedShare = run(true) / n;
  const decode = measure(() => run(false), n, options);
  const inspect = measure(() => run(true), n, options);
  return {
    protocol: "DNS (UDP)",
    rules: set.rules.length,
    requests: n,
    allowedShare,
    decodeMrps: decode.perSecond / 1e6,
    inspectMrps: inspect.perSecond / 1e6,
  };
}

/** Frames of `connections` connections each carrying its share of `stream`'s requests, one per packet. */
function engineFrames(stream: RequestStream, connections: number, dns: boolean): Uint8Array[] {
  const frames: Uint8Array[] = [];
  const seqs = new Uint32Array(connections).fill(1001);
  if (!dns) {
    for (let c = 0; c < connections; c++) {
      const client = `10.0.0.1:${20000 + c}`;
      frames.push(tcpPkt(client, "10.0.0.2:80", { flags: "S", seq: 1000 }));
      frames.push(tcpPkt("10.0.0.2:80", client, { flags: "SA", seq: 5000, ack: 1001 }));
      frames.push(tcpPkt(client, "10.0.0.2:80", { flags: "A", seq: 1001, ack: 5001 }));
    }
  }
  let from = 0;
  stream.ends.forEach((end, i) => {
    const c = i % connections;
    const payload = stream.bytes.subarray(from, end);
    from = end;
    if (dns) {
      frames.push(udpPkt(`10.0.0.1:${20000 + c}`, "10.0.0.53:53", { payload }));
    } else {
      frames.push(
        tcpPkt(`10.0.0.1:${20000 + c}`, "10.0.0.2:80", { flags: "PA", seq: seqs[c]!, ack: 5001, payload }),
      );
      seqs[c] = seqs[c]! + payload.length;
    }
  });
  return frames;
}

/**
 * Requests per second through a fresh engine for each of `runs` runs (median), in millions. Throws when
 * the engine did not inspect every request (a benchmark of the wrong path would be worthless).
 */
function engineBench(
  bundle: Uint8Array,
  frames: readonly Uint8Array[],
  requests: number,
  cpu: boolean,
  runs = 3,
): number {
  const total = frames.reduce((n, f) => n + f.length, 0);
  const buf = new Uint8Array(total);
  const offsets = new Uint32Array(frames.length);
  const lengths = new Uint32Array(frames.length);
  let at = 0;
  frames.forEach((f, i) => {
    buf.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  const timestampsNs = Float64Array.from(frames, (_, i) => 1e9 + i * 1000);
  const results = {
    verdicts: new Uint8Array(frames.length),
    reasons: new Uint16Array(frames.length),
    rules: new Uint32Array(frames.length),
  };
  const rates: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const engine = Engine.load(bundle);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    engine.processBatch({ frames: buf, offsets, lengths, timestampsNs }, results);
    const c = process.cpuUsage(c0);
    const ns = cpu ? (c.user + c.system) * 1000 : Number(process.hrtime.bigint() - t0);
    const inspected = engine.counters().l7?.requests ?? 0;
    if (inspected !== requests) {
      throw new Error(`the engine inspected ${inspected} of ${requests} requests`);
    }
    if (r > 0) {
      rates.push((requests * 1e9) / ns); // the first run warms the JIT up
    }
  }
  return [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]! / 1e6;
}

/**
 * Run the L7 benchmark; `requests` per stream (default 5 000 per measured call; the engine figure uses
 * 8x as many). The warm-up is long (1.5 s) because each call builds fresh decoders.
 */
export function runL7Bench(requests = 5000, measureOptions: MeasureOptions = {}): L7BenchResult[] {
  const options: MeasureOptions = { warmupMs: 1500, ...measureOptions };
  const { bytes, sets } = l7BenchBundle();
  const byKind = (kind: string, firstPath?: string): L7RuleSet => {
    const set = sets.find(
      (s) =>
        s.kind === kind && (firstPath === undefined || (s.kind === "http" && s.rules[0]?.path === firstPath)),
    );
    if (set === undefined) {
      throw new Error(`no ${kind} rule set in the benchmark bundle`);
    }
    return set;
  };
  const http = byKind("http", "/api/v1/items/[0-9]+");
  const grpc = byKind("http", "/shop.Cart/AddItem");
  const h1 = http1Stream(requests);
  const dns = dnsStream(requests);
  const many = requests * 8;
  const out = [
    {
      ...streamBench("HTTP/1.1", http, h1, () => createHttpDecoder(), options),
      engineMrps: engineBench(
        bytes,
        engineFrames(http1Stream(many), 256, false),
        many,
        options.clock === "cpu",
      ),
    },
    streamBench("gRPC (h2c)", grpc, grpcStream(requests), () => createHttpDecoder(), options),
    streamBench("Kafka", byKind("kafka"), kafkaStream(requests), () => createKafkaDecoder(), options),
    {
      ...dnsBench(byKind("dns"), dns, options),
      engineMrps: engineBench(bytes, engineFrames(dnsStream(many), 256, true), many, options.clock === "cpu"),
    },
  ];
  return out;
}

/** The results as a text table. */
export function formatL7Bench(rows: readonly L7BenchResult[]): string {
  const lines = [
    "  protocol      rules  allowed   decode M req/s   inspect M req/s   engine M req/s",
    ...rows.map(
      (r) =>
        `  ${r.protocol.padEnd(12)} ${String(r.rules).padStart(6)}  ${`${Math.round(r.allowedShare * 100)}%`.padStart(7)}   ${r.decodeMrps.toFixed(2).padStart(14)}   ${r.inspectMrps.toFixed(2).padStart(15)}   ${r.engineMrps === undefined ? "-".padStart(14) : r.engineMrps.toFixed(2).padStart(14)}`,
    ),
  ];
  return lines.join("\n") + "\n";
}
