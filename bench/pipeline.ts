/**
 * @fileoverview Whole-pipeline packets per second: parse only, and parse + conntrack + program through
 * the Engine (the pass-through program that polices nothing), over one batch buffer of 64-byte
 * Ethernet/IPv4/TCP frames (and 78-byte IPv6) of many flows — the numbers issue "Packet path" asks for.
 *
 * The parse-only loop is the baseline the pipeline is reported against: what the engine adds on top of
 * reading the headers is conntrack and the program.
 */

import { Engine } from "../runtime/engine/engine.js";
import { createContext } from "../runtime/context.js";
import { parsePacket } from "../runtime/packet/parse.js";
import { tcpPkt } from "../runtime/packet/craft.js";
import { measure } from "./harness.js";
import type { MeasureOptions } from "./harness.js";

/** Frames packed back to back, as a capture reader or a NIC ring would hand them over. */
export interface FrameBatch {
  readonly frames: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly timestampsNs: Float64Array;
  readonly count: number;
}

/** `count` TCP ACK frames over `flows` distinct 5-tuples; IPv4 frames are 64 bytes, IPv6 78. */
export function tcpBatch(count: number, flows: number, ipv6 = false): FrameBatch {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    const f = i % flows;
    const src = ipv6
      ? `[fd00::${(f >> 16) + 1}:${(f & 0xffff).toString(16)}]`
      : `10.${1 + (f >> 16)}.${(f >> 8) & 255}.${f & 255}`;
    const dst = ipv6 ? "[fd00::ffff:1]" : "10.200.0.1";
    // IPv4: 14 + 20 + 20 + 10 bytes of payload = 64; IPv6: 14 + 40 + 20 + 4 = 78.
    frames.push(
      tcpPkt(`${src}:${1024 + (f % 50000)}`, `${dst}:80`, {
        flags: "A",
        payload: new Uint8Array(ipv6 ? 4 : 10),
      }),
    );
  }
  const total = frames.reduce((n, f) => n + f.length, 0);
  const buf = new Uint8Array(total);
  const offsets = new Uint32Array(count);
  const lengths = new Uint32Array(count);
  let at = 0;
  frames.forEach((f, i) => {
    buf.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  return {
    frames: buf,
    offsets,
    lengths,
    timestampsNs: Float64Array.from({ length: count }, (_, i) => 1e18 + i * 1000),
    count,
  };
}

/** Results of the pipeline benchmark for one batch shape. */
export interface PipelineResult {
  readonly frameBytes: number;
  readonly flows: number;
  readonly parseMpps: number;
  readonly pipelineMpps: number;
  readonly ratio: number;
}

/** Measure parse-only and parse + conntrack + program on `batch`. */
export function runPipeline(batch: FrameBatch, flows: number, options: MeasureOptions = {}): PipelineResult {
  const ctx = createContext();
  const parse = measure(
    () => {
      for (let i = 0; i < batch.count; i++) {
        parsePacket(batch.frames, batch.offsets[i]!, batch.lengths[i]!, 1, ctx);
      }
    },
    batch.count,
    options,
  );
  const engine = Engine.load(null, { conntrack: { capacity: Math.max(1024, flows * 2) } });
  const results = {
    verdicts: new Uint8Array(batch.count),
    reasons: new Uint16Array(batch.count),
    rules: new Uint32Array(batch.count),
  };
  const pipeline = measure(
    () => {
      engine.processBatch(batch, results);
    },
    batch.count,
    options,
  );
  return {
    frameBytes: batch.lengths[0]!,
    flows,
    parseMpps: parse.perSecond / 1e6,
    pipelineMpps: pipeline.perSecond / 1e6,
    ratio: pipeline.perSecond / parse.perSecond,
  };
}
