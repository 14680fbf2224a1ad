/**
 * @fileoverview The wasm packet parser (runtime/wasm/codegen-parse.ts, driven by batch.ts's
 * `parseIntoSlots`) against runtime/packet/parse.ts, whole contexts word for word: every packet of
 * every corpus capture, the crafted frames of every layer under every link type, each of them cut at
 * every length, and the batch mechanics — frames scattered in the buffer, windows past the buffer's
 * end, frames too large for the frame area, batches that need several copies, missing timestamps.
 */

import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { passthroughBundle } from "../../runtime/engine/passthrough.js";
import { loadProgram } from "../../runtime/program.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import type { WasmProgram } from "../../runtime/wasm/index.js";
import { readCaptureFile } from "../helpers/captures.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";
import { concat, ethernet, ipv6, tcpPkt, udpDatagram } from "../helpers/packets.js";
import { compareBatch, craftedByLinkType, newResult, packBatch } from "./parse-helpers.js";

let wasm: WasmProgram;

beforeAll(async () => {
  wasm = await loadWasmProgram(loadProgram(passthroughBundle()));
});

describe.skipIf(!haveCorpus("pcaps"))("corpus captures", () => {
  const dir = corpusPath("pcaps");
  const files = haveCorpus("pcaps") ? readdirSync(dir).filter((f) => /\.pcap(ng)?$/.test(f)) : [];
  it.each(files)("%s parses identically", (file) => {
    const packets = readCaptureFile(join(dir, file));
    expect(packets.length).toBeGreaterThan(0);
    const result = newResult();
    // One batch per run of packets with the same link type, once packed and once with gaps.
    for (let i = 0; i < packets.length;) {
      const lt = packets[i]!.linkType;
      let j = i;
      while (j < packets.length && packets[j]!.linkType === lt) {
        j++;
      }
      const run = packets.slice(i, j);
      const times = Float64Array.from(run, (p) => p.timestampNs);
      compareBatch(
        wasm,
        packBatch(
          run.map((p) => p.data),
          0,
          times,
        ),
        lt,
        result,
      );
      compareBatch(
        wasm,
        packBatch(
          run.map((p) => p.data),
          16,
          times,
        ),
        lt,
        result,
      );
      i = j;
    }
    expect(result.mismatches).toEqual([]);
    expect(result.frames).toBe(2 * packets.length);
  });
});

describe("crafted frames", () => {
  it("every layer and link type, whole and cut at every length", () => {
    const result = newResult();
    for (const [lt, frames] of craftedByLinkType()) {
      compareBatch(wasm, packBatch(frames), lt, result);
      const cuts = frames.flatMap((f) => Array.from({ length: f.length + 1 }, (_, n) => f.subarray(0, n)));
      compareBatch(wasm, packBatch(cuts, 3), lt, result);
    }
    expect(result.mismatches).toEqual([]);
    expect(result.frames).toBeGreaterThan(10_000);
  });

  it("unknown and odd link types", () => {
    const result = newResult();
    const frames = craftedByLinkType()[0]![1];
    for (const lt of [0, 2, 100, 102, 0xffffffff, 1 + 2 ** 32, -1]) {
      compareBatch(wasm, packBatch(frames), lt, result);
    }
    expect(result.mismatches).toEqual([]);
  });
});

describe("batch mechanics", () => {
  const frames = craftedByLinkType()[0]![1];

  it("frames in any order in the buffer, overlapping and repeated", () => {
    const batch = packBatch(frames, 5);
    const n = 600;
    const offsets = new Uint32Array(n);
    const lengths = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const k = (i * 7919) % frames.length;
      offsets[i] = batch.offsets[k]! + (i % 3 === 0 ? 0 : (i % 5) - 2);
      lengths[i] = batch.lengths[k]! + (i % 4) - 1;
    }
    const result = compareBatch(
      wasm,
      { frames: batch.frames, offsets, lengths, timestampsNs: new Float64Array(n).fill(5) },
      1,
    );
    expect(result.mismatches).toEqual([]);
  });

  it("windows past the end of the buffer are clipped as parsePacket clips them", () => {
    const f = tcpPkt("10.0.0.1:1", "10.0.0.2:2", { payload: new Uint8Array(40) });
    const len = f.length;
    const offsets = Uint32Array.of(0, 0, 10, len - 4, len, len + 1, 0xffffffff, 20, 0);
    const lengths = Uint32Array.of(len, len + 100, 0xffffffff, 100, 10, 10, 64, 0, 0xfffffff0);
    const result = compareBatch(
      wasm,
      { frames: f, offsets, lengths, timestampsNs: new Float64Array(offsets.length) },
      1,
    );
    expect(result.mismatches).toEqual([]);
  });

  it("frames larger than the frame area (JS parser) and IPv6 jumbograms (wasm)", () => {
    const jumbo = (bytes: number): Uint8Array => {
      const hbh = Uint8Array.of(17, 0, 0xc2, 4, 0, 0, 0, 0); // Jumbo Payload option (RFC 2675)
      const udp = udpDatagram("[fd00::1]:1", "[fd00::2]:2", new Uint8Array(bytes));
      udp[4] = 0; // UDP length 0: the jumbogram's length is the IP payload's
      udp[5] = 0;
      return ethernet(0x86dd, ipv6("fd00::1", "fd00::2", 0, concat(hbh, udp), { payloadLength: 0 }));
    };
    const big = [jumbo(70_000), jumbo(700_000), frames[0]!, jumbo(100_000), frames[1]!];
    expect(big[1]!.length).toBeGreaterThan(wasm.layout.frameAreaBytes);
    const result = compareBatch(wasm, packBatch(big, 1), 1);
    expect(result.mismatches).toEqual([]);
  });

  it("batches larger than the frame area take several copies; batches larger than the slots several calls", () => {
    const f = tcpPkt("10.0.0.1:1", "10.0.0.2:2", { payload: new Uint8Array(8900) });
    const many = Array.from({ length: 2 * wasm.slots + 3 }, (_, i) =>
      i % 5 === 4 ? frames[i % frames.length]! : f,
    );
    const result = compareBatch(wasm, packBatch(many), 1);
    expect(result.mismatches).toEqual([]);
    expect(result.frames).toBe(many.length);
  });

  it("carries the previous time over missing (NaN) timestamps, across batches", () => {
    const n = wasm.slots + 10;
    const times = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? NaN : 1e18 + i));
    times[wasm.slots] = NaN;
    const result = compareBatch(
      wasm,
      packBatch(
        Array.from({ length: n }, (_, i) => frames[i % frames.length]!),
        0,
        times,
      ),
      1,
    );
    expect(result.mismatches).toEqual([]);
  });

  it("falls back to the JS parser for arrays shorter than the batch", () => {
    const batch = packBatch(frames.slice(0, 5));
    const short = { ...batch, timestampsNs: new Float64Array(3) };
    const result = compareBatch(wasm, short, 1);
    expect(result.mismatches).toEqual([]);
  });
});
