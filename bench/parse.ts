/**
 * @fileoverview Parse-only throughput of `parsePacket`: packets per second for a 64-byte Ethernet/IPv4/TCP
 * frame and a 78-byte Ethernet/IPv6/TCP frame (plus a VXLAN-wrapped one for reference). Run with
 * `npx tsx bench/parse.ts`.
 *
 * Method: 1024 frames of one shape (distinct ports, so no two are identical) packed back to back in one
 * buffer, parsed in order by offset as a pcap reader would hand them over. One second of warm-up lets V8
 * tier up; then five windows of at least 100 ms each, and the median window is reported (performance.md §5:
 * short runs measure the baseline compiler, not the optimised code). Each parser window follows a window
 * of a fixed-offset reference kernel; the median ratio parser / reference says how far the parser is
 * from the cheapest possible field read on this machine at this moment.
 */

import { performance } from "node:perf_hooks";
import {
  createContext,
  F_DST_IP4,
  F_DST_PORT,
  F_PARSE_REASON,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_PORT,
} from "../runtime/context.js";
import { parsePacket } from "../runtime/packet/parse.js";
import { tcpPkt, vxlan } from "../runtime/packet/craft.js";

/** Frames per batch: enough variety to defeat trivial caching, small enough to stay in L1/L2. */
const BATCH = 1024;
/** Warm-up before measuring. */
const WARMUP_MS = 1000;
/** Minimum length of one measured window. */
const WINDOW_MS = 100;
/** Measured windows; the median is reported. */
const WINDOWS = 5;

interface Batch {
  readonly buf: Uint8Array;
  readonly offsets: Int32Array;
  readonly lengths: Int32Array;
}

function makeBatch(make: (i: number) => Uint8Array): Batch {
  const frames = Array.from({ length: BATCH }, (_, i) => make(i));
  const buf = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
  const offsets = new Int32Array(BATCH);
  const lengths = new Int32Array(BATCH);
  let at = 0;
  frames.forEach((f, i) => {
    buf.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  return { buf, offsets, lengths };
}

/** Parses the batch `rounds` times; returns a checksum of context words so the work is observable. */
function run(batch: Batch, ctx: Uint32Array, rounds: number): number {
  const { buf, offsets, lengths } = batch;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < BATCH; i++) {
      parsePacket(buf, offsets[i]!, lengths[i]!, 1, ctx);
      sink = (sink + ctx[F_SRC_PORT]! + ctx[F_PARSE_REASON]!) | 0;
    }
  }
  return sink;
}

/**
 * Reference kernel: the IPv4/TCP 5-tuple read at fixed offsets into the same context words, with no
 * checks and no reset (performance.md §5's "parse only" row, minus the hash). Measured in windows
 * interleaved with the parser's, it calibrates the machine: the ratio parser / reference is comparable
 * across machines and load, the absolute Mpps are not.
 */
function runReference(batch: Batch, ctx: Uint32Array, rounds: number): number {
  const { buf: b, offsets } = batch;
  let sink = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < BATCH; i++) {
      const o = offsets[i]!;
      ctx[F_PROTO] = b[o + 23]!;
      ctx[F_SRC_IP4] = (b[o + 26]! << 24) | (b[o + 27]! << 16) | (b[o + 28]! << 8) | b[o + 29]!;
      ctx[F_DST_IP4] = (b[o + 30]! << 24) | (b[o + 31]! << 16) | (b[o + 32]! << 8) | b[o + 33]!;
      ctx[F_SRC_PORT] = (b[o + 34]! << 8) | b[o + 35]!;
      ctx[F_DST_PORT] = (b[o + 36]! << 8) | b[o + 37]!;
      sink = (sink + ctx[F_SRC_PORT] + ctx[F_PARSE_REASON]!) | 0;
    }
  }
  return sink;
}

type Runner = (batch: Batch, ctx: Uint32Array, rounds: number) => number;

/** Packets per second of one window of at least WINDOW_MS. */
function window(runner: Runner, batch: Batch, ctx: Uint32Array): [rate: number, sink: number] {
  let rounds = 0;
  let sink = 0;
  const t0 = performance.now();
  let t1 = t0;
  while (t1 - t0 < WINDOW_MS) {
    sink ^= runner(batch, ctx, 16);
    rounds += 16;
    t1 = performance.now();
  }
  return [(rounds * BATCH) / ((t1 - t0) / 1000), sink];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function measure(name: string, batch: Batch, reference: Batch): void {
  const ctx = createContext();
  let sink = 0;
  const warmEnd = performance.now() + WARMUP_MS;
  while (performance.now() < warmEnd) {
    sink ^= run(batch, ctx, 16) ^ runReference(reference, ctx, 16);
  }
  const rates: number[] = [];
  const refs: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    const [ref, s1] = window(runReference, reference, ctx);
    const [rate, s2] = window(run, batch, ctx);
    refs.push(ref);
    rates.push(rate);
    sink ^= s1 ^ s2;
  }
  const m = median(rates);
  const ratio = median(rates.map((r, i) => r / refs[i]!));
  const mpps = (x: number): string => (x / 1e6).toFixed(1);
  console.log(
    `${name.padEnd(22)} ${mpps(m).padStart(6)} Mpps  ${(1e9 / m).toFixed(1).padStart(6)} ns/pkt  ` +
      `windows ${mpps(Math.min(...rates))}–${mpps(Math.max(...rates))}  reference ${mpps(median(refs))} Mpps  ` +
      `ratio ${ratio.toFixed(2)}  [${sink & 1}]`,
  );
}

const payload10 = new Uint8Array(10);
const payload4 = new Uint8Array(4);
const v4 = makeBatch((i) =>
  tcpPkt(`10.0.${i >> 8}.${i & 0xff}:${10000 + i}`, "10.1.0.1:80", { flags: "A", payload: payload10 }),
);
const v6 = makeBatch((i) =>
  tcpPkt(`[fd00::${i.toString(16)}]:${10000 + i}`, "[fd00::1:1]:80", { flags: "A", payload: payload4 }),
);
const vx = makeBatch((i) =>
  vxlan("192.168.0.1", "192.168.0.2", 100, tcpPkt(`10.0.0.1:${10000 + i}`, "10.1.0.1:80", { flags: "A" })),
);
if (v4.lengths[0] !== 64 || v6.lengths[0] !== 78) {
  throw new Error(`frame sizes ${v4.lengths[0]} / ${v6.lengths[0]}, expected 64 / 78`);
}

console.log(`parsePacket, node ${process.version}, median of ${WINDOWS} windows ≥ ${WINDOW_MS} ms`);
measure("IPv4/TCP 64 B", v4, v4);
measure("IPv6/TCP 78 B", v6, v4);
measure(`VXLAN IPv4/TCP ${vx.lengths[0]} B`, vx, v4);
