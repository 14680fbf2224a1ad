/**
 * @fileoverview Fuzzing: random bytes and mutated captures (bit flips, overwritten lengths, truncation,
 * insertions, deletions) give packets or a CaptureError, never another exception and never a hang.
 * The outcome (packets, then the error's code, offset and message) must not depend on chunking, the
 * error offset must lie inside the input, and after each drain the reader holds less than one maximal
 * structure, so memory stays bounded by the configured limits whatever the lengths claim.
 */

import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  BT_NRB,
  CaptureError,
  CaptureReader,
  PcapngWriter,
  writePcap,
  type CaptureReaderOptions,
} from "../../runtime/pcap/index.js";
import { bytesOf, toHex } from "./helpers.js";

/** Packets read before the error (as hex and timestamp), and the error if any. */
interface Outcome {
  packets: string[];
  error: { code: string; offset: number; message: string } | null;
}

/** Reads with the given cuts, checking the memory bound after every drain. */
function outcome(bytes: Uint8Array, cuts: readonly number[], options: CaptureReaderOptions): Outcome {
  const bound = Math.max(options.maxBlockBytes ?? 16 * 1024 * 1024, 16 + (options.maxPacketBytes ?? 262144));
  const reader = new CaptureReader(options);
  const packets: string[] = [];
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  let prev = 0;
  try {
    for (const c of [...points, bytes.length]) {
      reader.push(bytes.subarray(prev, c));
      prev = c;
      for (let p = reader.next(); p !== undefined; p = reader.next()) {
        packets.push(
          `${p.interfaceId}/${p.linkType}/${p.tsSec}.${p.tsNsec}/${p.originalLength}/${toHex(p.data)}`,
        );
        if (packets.length > bytes.length) {
          throw new Error("more packets than bytes: the reader is not making progress");
        }
      }
      expect(reader.bufferedBytes).toBeLessThan(bound);
    }
    reader.end();
    return { packets, error: null };
  } catch (e) {
    if (!(e instanceof CaptureError)) {
      throw e;
    }
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(bytes.length);
    return { packets, error: { code: e.code, offset: e.offset, message: e.message } };
  }
}

/** Valid seed captures: generated ones, plus two small real ones when the corpus is present. */
function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [
    writePcap({ linkType: 1 }, [
      { data: bytesOf(60, 1), tsSec: 1 },
      { data: bytesOf(90, 2), tsSec: 2, originalLength: 200 },
    ]),
    writePcap({ linkType: 276, precision: "ns", bigEndian: true, snaplen: 128 }, [
      { data: bytesOf(40, 3), tsSec: 3, tsNsec: 4 },
    ]),
  ];
  const w = new PcapngWriter({
    interfaces: [
      { linkType: 1, tsresol: 9, name: "eth0" },
      { linkType: 101, snaplen: 64 },
    ],
  });
  w.write({ interfaceId: 0, data: bytesOf(70, 4), tsSec: 5, tsNsec: 6 });
  w.writeBlock(BT_NRB, bytesOf(12, 5));
  w.write({ interfaceId: 1, data: bytesOf(30, 6), tsSec: 7 });
  w.writeSimple(bytesOf(80, 7));
  out.push(w.toBytes());
  const be = new PcapngWriter({ bigEndian: true, interfaces: [{ linkType: 1, tsresol: 0x80 | 16 }] });
  be.write({ data: bytesOf(50, 8), tsSec: 9, tsNsec: 10 });
  out.push(be.toBytes());
  for (const name of ["deepflow_httpv1.pcap", "ndpi_kafka.pcapng"]) {
    try {
      out.push(
        new Uint8Array(
          readFileSync(fileURLToPath(new URL(`../../../shared/corpus/pcaps/${name}`, import.meta.url))),
        ),
      );
    } catch {
      // corpus absent: generated seeds only (corpus.test.ts reports the absence)
    }
  }
  return out;
}

const SEEDS = seeds();

/** One mutation of a byte string. */
type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "byte"; at: number; value: number }
  | { op: "u32"; at: number; value: number; le: boolean }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; bytes: Uint8Array }
  | { op: "delete"; at: number; count: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ op: fc.constant("byte" as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({
    op: fc.constant("u32" as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.nat({ max: 64 }),
      fc.constantFrom(0, 12, 28, 0xffffffff, 0x80000000, 262145),
      fc.nat({ max: 0xffffffff }),
    ),
    le: fc.boolean(),
  }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat(), count: fc.nat({ max: 16 }) }),
);

/** Applies mutations in order, positions taken modulo the current length. */
function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let b = input.slice();
  for (const m of mutations) {
    const at = b.length === 0 ? 0 : m.at % b.length;
    switch (m.op) {
      case "flip":
        if (b.length > 0) {
          b[at] = b[at]! ^ (1 << m.bit);
        }
        break;
      case "byte":
        if (b.length > 0) {
          b[at] = m.value;
        }
        break;
      case "u32":
        if (at + 4 <= b.length) {
          new DataView(b.buffer, b.byteOffset).setUint32(at, m.value, m.le);
        }
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
      case "insert": {
        const out = new Uint8Array(b.length + m.bytes.length);
        out.set(b.subarray(0, at));
        out.set(m.bytes, at);
        out.set(b.subarray(at), at + m.bytes.length);
        b = out;
        break;
      }
      case "delete":
        b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + m.count)]);
        break;
    }
  }
  return b;
}

const optionsArb: fc.Arbitrary<CaptureReaderOptions> = fc.constantFrom<CaptureReaderOptions>(
  {},
  { maxBlockBytes: 4096, maxPacketBytes: 2048 },
  { maxBlockBytes: 256, maxPacketBytes: 128, enforceSnaplen: false },
);

describe("fuzz", () => {
  it("mutated captures: packets or a CaptureError, the same for any chunking", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: SEEDS.length - 1 }),
        fc.array(mutationArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        optionsArb,
        (seed, mutations, rawCuts, options) => {
          const bytes = mutate(SEEDS[seed]!, mutations);
          const whole = outcome(bytes, [], options);
          const cuts = rawCuts.map((c) => c % (bytes.length + 1));
          expect(outcome(bytes, cuts, options)).toEqual(whole);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("random bytes behind each magic number", () => {
    const prefixes = [
      "d4c3b2a1",
      "a1b2c3d4",
      "4d3cb2a1",
      "a1b23c4d",
      "0a0d0d0a1c0000004d3c2b1a",
      "0a0d0d0a0000001c1a2b3c4d",
      "",
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 600 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        optionsArb,
        (prefix, tail, rawCuts, options) => {
          const head = Buffer.from(prefix, "hex");
          const bytes = new Uint8Array(head.length + tail.length);
          bytes.set(head);
          bytes.set(tail, head.length);
          const whole = outcome(bytes, [], options);
          expect(
            outcome(
              bytes,
              rawCuts.map((c) => c % (bytes.length + 1)),
              options,
            ),
          ).toEqual(whole);
        },
      ),
      { numRuns: 1500 },
    );
  });

  it("a length claiming gigabytes is refused at once, without waiting for or buffering the data", () => {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1 }] });
    w.write({ data: bytesOf(10) });
    const bytes = w.toBytes();
    new DataView(bytes.buffer).setUint32(60 + 4, 0xfffffffc, true);
    const reader = new CaptureReader();
    reader.push(bytes.subarray(0, 68));
    expect(() => reader.next()).toThrow(/over the 16777216-byte limit/);
    const pcap = writePcap({ linkType: 1, snaplen: 0 }, [{ data: bytesOf(10) }]);
    new DataView(pcap.buffer).setUint32(24 + 8, 0xfffffff0, true);
    const r2 = new CaptureReader();
    r2.push(pcap.subarray(0, 40));
    expect(() => r2.next()).toThrow(/over the 262144-byte limit/);
  });
});
