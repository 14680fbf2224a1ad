/**
 * @fileoverview Conntrack throughput: lookups per second for 10k and 100k tracked flows (packets in
 * both directions, random order), plus misses and create-with-eviction churn. Run with
 * `npx tsx bench/conntrack.ts`. Packet streams are built up front and replayed into one context, as the
 * parser fills it (no allocation in the measured loop; the fill alone is measured as a baseline). Each
 * case warms up for 500 ms, then reports the median of 5 windows of >= 100 ms (performance.md §7).
 */

import { cpus } from "node:os";

import {
  createContext,
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  PKT_HAS_L4,
  PKT_IPV4,
} from "../runtime/context.js";
import { Conntrack } from "../runtime/conntrack/index.js";

const WARMUP_NS = 500e6;
const WINDOW_NS = 100e6;
const WINDOWS = 5;
const BATCH = 4096;
/** Packets in a replayed stream: a power of two so the index wraps with a mask (12.6 MB of records). */
const STREAM = 1 << 18;
const EMPTY = new Uint8Array(0);
const T0 = 1000e9;

/** xorshift32 for reproducible flows and order. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Words per packet record: src (4), dst (4), sport, dport, proto, TCP flags. */
const REC = 12;

/**
 * Packet records for `flows` connections: record 2i is the original direction, 2i+1 the reply. The
 * measured loop copies a record into one context (as the parser would fill it) before each lookup, so
 * the context stays cache-hot as in the real pipeline and only the table's memory traffic is measured.
 */
function buildPackets(flows: number, proto: number, seed: number): Uint32Array {
  const next = rng(seed);
  const recs = new Uint32Array(2 * flows * REC);
  for (let i = 0; i < flows; i++) {
    const src = next();
    const dst = next();
    const sport = 1024 + (next() % 60000);
    const dport = next() & 1 ? 443 : 53;
    recs.set([0, 0, 0xffff, src, 0, 0, 0xffff, dst, sport, dport, proto, 0x10], 2 * i * REC);
    recs.set([0, 0, 0xffff, dst, 0, 0, 0xffff, src, dport, sport, proto, 0x10], (2 * i + 1) * REC);
  }
  return recs;
}

/** Fill `ctx` with packet record `i`. */
function load(ctx: Uint32Array, recs: Uint32Array, i: number): Uint32Array {
  const b = i * REC;
  ctx[F_SRC_IP6] = recs[b]!;
  ctx[F_SRC_IP6 + 1] = recs[b + 1]!;
  ctx[F_SRC_IP6 + 2] = recs[b + 2]!;
  ctx[F_SRC_IP6 + 3] = recs[b + 3]!;
  ctx[F_DST_IP6] = recs[b + 4]!;
  ctx[F_DST_IP6 + 1] = recs[b + 5]!;
  ctx[F_DST_IP6 + 2] = recs[b + 6]!;
  ctx[F_DST_IP6 + 3] = recs[b + 7]!;
  ctx[F_SRC_PORT] = recs[b + 8]!;
  ctx[F_DST_PORT] = recs[b + 9]!;
  ctx[F_PROTO] = recs[b + 10]!;
  ctx[F_TCP_FLAGS] = recs[b + 11]!;
  return ctx;
}

/**
 * A stream of STREAM packet records drawn at random from `recs`, laid out in replay order so the loop
 * reads it sequentially (as a parser reads a capture) and the only random accesses are the table's.
 */
function buildStream(recs: Uint32Array, seed: number): Uint32Array {
  const next = rng(seed);
  const count = recs.length / REC;
  const stream = new Uint32Array(STREAM * REC);
  for (let i = 0; i < STREAM; i++) {
    const r = next() % count;
    stream.set(recs.subarray(r * REC, (r + 1) * REC), i * REC);
  }
  return stream;
}

function newContext(): Uint32Array {
  const ctx = createContext();
  ctx[F_FLAGS] = PKT_IPV4 | PKT_HAS_L4;
  return ctx;
}

/** Run `batch` (which processes BATCH packets) for windows; returns the median Mpps. */
function measure(batch: () => void): { median: number; all: number[] } {
  const start = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - start) < WARMUP_NS) {
    batch();
  }
  const all: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const t0 = process.hrtime.bigint();
    let packets = 0;
    for (;;) {
      batch();
      packets += BATCH;
      const elapsed = Number(process.hrtime.bigint() - t0);
      if (elapsed >= WINDOW_NS) {
        all.push((packets / elapsed) * 1e3);
        break;
      }
    }
  }
  const sorted = [...all].sort((a, b) => a - b);
  return { median: sorted[WINDOWS >> 1]!, all };
}

function report(name: string, r: { median: number; all: number[] }): void {
  const ns = 1e3 / r.median;
  const windows = r.all.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `${name.padEnd(44)} ${r.median.toFixed(2).padStart(6)} Mpps  ${ns.toFixed(1).padStart(6)} ns/pkt  [${windows}]`,
  );
}

function hitCase(flows: number, capacity: number, proto: number): void {
  const ct = new Conntrack({ capacity });
  const recs = buildPackets(flows, proto, 0x1234 + flows + proto);
  const ctx = newContext();
  for (let i = 0; i < 2 * flows; i += 2) {
    ct.lookup(load(ctx, recs, i), EMPTY, T0);
    ct.create(ctx, T0);
  }
  const stream = buildStream(recs, 99);
  let pos = 0;
  let now = T0;
  let sink = 0;
  const missesBefore = ct.counters.lookups.new;
  const r = measure(() => {
    for (let k = 0; k < BATCH; k++) {
      sink += ct.lookup(load(ctx, stream, pos++ & (STREAM - 1)), EMPTY, now);
    }
    now += 1e5;
  });
  report(`${proto === 6 ? "TCP" : "UDP"} hit, ${flows / 1000}k flows in ${capacity / 1024}Ki table`, r);
  if (sink === 0 || ct.counters.lookups.new !== missesBefore) {
    throw new Error("benchmark flows were not all tracked");
  }
  console.log(`${"".padEnd(44)} table ${capacity} entries, ${(ct.memoryBytes / 2 ** 20).toFixed(1)} MiB`);
}

function baselineCase(flows: number): void {
  const recs = buildPackets(flows, 17, 7);
  const ctx = newContext();
  const stream = buildStream(recs, 99);
  let pos = 0;
  let sink = 0;
  report(
    `baseline: context fill only, ${flows / 1000}k flows`,
    measure(() => {
      for (let k = 0; k < BATCH; k++) {
        sink += load(ctx, stream, pos++ & (STREAM - 1))[F_SRC_PORT]!;
      }
    }),
  );
  if (sink === 0) {
    throw new Error("unreachable");
  }
}

function missCase(flows: number, capacity: number): void {
  const ct = new Conntrack({ capacity });
  const ctx = newContext();
  const tracked = buildPackets(flows, 17, 1);
  for (let i = 0; i < 2 * flows; i += 2) {
    ct.create(load(ctx, tracked, i), T0);
  }
  const stream = buildStream(buildPackets(flows, 17, 2), 98);
  let pos = 0;
  report(
    `UDP miss (CT_NEW), ${flows / 1000}k flows tracked`,
    measure(() => {
      for (let k = 0; k < BATCH; k++) {
        ct.lookup(load(ctx, stream, pos++ & (STREAM - 1)), EMPTY, T0);
      }
    }),
  );
}

function churnCase(capacity: number): void {
  const ct = new Conntrack({ capacity });
  const ctx = newContext();
  const flows = 4 * capacity;
  const recs = buildPackets(flows, 17, 3);
  let pos = 0;
  let now = T0;
  report(
    `UDP lookup+create, full ${capacity / 1024}Ki table (evicting)`,
    measure(() => {
      for (let k = 0; k < BATCH; k++) {
        load(ctx, recs, 2 * (pos++ % flows));
        ct.lookup(ctx, EMPTY, now);
        ct.create(ctx, now);
        now += 1e3;
      }
    }),
  );
  console.log(`${"".padEnd(44)} evicted ${ct.counters.evicted}, expired ${ct.counters.expired}`);
}

console.log(`conntrack benchmark: Node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"}`);
console.log(
  `warm-up ${WARMUP_NS / 1e6} ms, median of ${WINDOWS} windows >= ${WINDOW_NS / 1e6} ms, batch ${BATCH}`,
);
baselineCase(100_000);
hitCase(10_000, 65_536, 17);
hitCase(10_000, 16_384, 17);
hitCase(100_000, 131_072, 17);
hitCase(10_000, 65_536, 6);
hitCase(100_000, 131_072, 6);
missCase(100_000, 131_072);
churnCase(65_536);
