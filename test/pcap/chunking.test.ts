/**
 * @fileoverview Chunk boundaries must not matter: any split of a valid capture gives the same packets
 * (fast-check over generated pcap and multi-section pcapng files), and a long stream is read in memory
 * bounded by one chunk plus one record.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  BT_NRB,
  CaptureReader,
  PcapngWriter,
  concatBytes,
  writePcap,
  type PacketToWrite,
} from "../../runtime/pcap/index.js";
import { bytesOf, readAll } from "./helpers.js";

/** A generated capture and how many packets it holds. */
interface Sample {
  bytes: Uint8Array;
  count: number;
}

const packetArb = fc.record({
  len: fc.nat({ max: 300 }),
  extra: fc.nat({ max: 40 }),
  seed: fc.nat(),
  tsSec: fc.nat({ max: 0xffffffff }),
  tsNsec: fc.nat({ max: 999_999_999 }),
});

const pcapArb: fc.Arbitrary<Sample> = fc
  .record({
    precision: fc.constantFrom("us" as const, "ns" as const),
    bigEndian: fc.boolean(),
    snaplen: fc.constantFrom(0, 64, 262144),
    packets: fc.array(packetArb, { maxLength: 12 }),
  })
  .map(({ precision, bigEndian, snaplen, packets }) => {
    const list: PacketToWrite[] = packets.map((p) => ({
      data: bytesOf(p.len, p.seed),
      tsSec: p.tsSec,
      tsNsec: p.tsNsec,
      originalLength: p.len + p.extra,
    }));
    return { bytes: writePcap({ linkType: 1, precision, bigEndian, snaplen }, list), count: list.length };
  });

const itemArb = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("epb" as const), iface: fc.nat(), p: packetArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("spb" as const), p: packetArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("skip" as const), size: fc.nat({ max: 64 }) }) },
);

const sectionArb = fc.record({
  bigEndian: fc.boolean(),
  interfaces: fc.array(
    fc.record({
      linkType: fc.constantFrom(1, 101, 113, 276),
      tsresol: fc.constantFrom(0, 3, 6, 9, 0x80 | 10, 0x80 | 30),
      snaplen: fc.constantFrom(0, 100, 262144),
    }),
    { minLength: 1, maxLength: 3 },
  ),
  items: fc.array(itemArb, { maxLength: 10 }),
});

const pcapngArb: fc.Arbitrary<Sample> = fc
  .array(sectionArb, { minLength: 1, maxLength: 3 })
  .map((sections) => {
    let count = 0;
    const parts = sections.map((s) => {
      const w = new PcapngWriter({ bigEndian: s.bigEndian, interfaces: s.interfaces });
      for (const item of s.items) {
        if (item.kind === "skip") {
          w.writeBlock(BT_NRB, bytesOf(item.size));
          continue;
        }
        const data = bytesOf(item.p.len, item.p.seed);
        if (item.kind === "spb") {
          const snap = s.interfaces[0]!.snaplen;
          const orig = item.p.len + item.p.extra;
          w.writeSimple(bytesOf(snap === 0 ? orig : Math.min(orig, snap), item.p.seed), orig);
        } else {
          const { tsSec, tsNsec } = item.p;
          w.write({
            interfaceId: item.iface % s.interfaces.length,
            data,
            tsSec,
            tsNsec,
            originalLength: item.p.len + item.p.extra,
          });
        }
        count++;
      }
      return w.toBytes();
    });
    return { bytes: concatBytes(parts), count };
  });

const cutsArb = fc.array(fc.nat(), { maxLength: 40 });

describe("chunk boundaries", () => {
  it("any split of a pcap or pcapng file gives the same packets", () => {
    fc.assert(
      fc.property(fc.oneof(pcapArb, pcapngArb), cutsArb, ({ bytes, count }, rawCuts) => {
        const whole = readAll(bytes);
        expect(whole).toHaveLength(count);
        const cuts = rawCuts.map((c) => c % (bytes.length + 1));
        expect(readAll(bytes, cuts)).toEqual(whole);
      }),
      { numRuns: 400 },
    );
  });

  it("byte-at-a-time and every two-piece split of a mixed capture", () => {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1, tsresol: 9, snaplen: 50 }, { linkType: 101 }] });
    w.write({ interfaceId: 1, data: bytesOf(33), tsSec: 7, tsNsec: 8000 });
    w.writeBlock(BT_NRB, bytesOf(9));
    w.writeSimple(bytesOf(50), 70);
    w.write({ interfaceId: 0, data: bytesOf(77), tsSec: 9, tsNsec: 10 });
    const own = w.toBytes();
    const whole = readAll(own);
    expect(whole).toHaveLength(3);
    const everyByte = Array.from({ length: own.length }, (_, i) => i);
    expect(readAll(own, everyByte)).toEqual(whole);
    for (let cut = 0; cut <= own.length; cut++) {
      expect(readAll(own, [cut])).toEqual(whole);
    }
    const pcap = writePcap({ linkType: 1 }, [{ data: bytesOf(40) }, { data: bytesOf(41) }]);
    const pcapWhole = readAll(pcap);
    for (let cut = 0; cut <= pcap.length; cut++) {
      expect(readAll(pcap, [cut])).toEqual(pcapWhole);
    }
  });

  it("streams a 64 MiB capture holding at most one chunk plus one record", () => {
    // One period of 100 records of 1500 bytes; the stream repeats it and is cut into 65 537-byte
    // chunks, so records straddle chunk boundaries at every possible phase.
    const record = writePcap({ linkType: 1 }, [{ data: bytesOf(1484), tsSec: 1 }]).subarray(24);
    const period = concatBytes(Array.from({ length: 100 }, () => record));
    const header = writePcap({ linkType: 1 }, []);
    const total = 64 * 1024 * 1024;
    const chunk = 65_537;
    const reader = new CaptureReader();
    reader.push(header);
    let packets = 0;
    let maxBuffered = 0;
    let sent = 0;
    const buf = new Uint8Array(chunk);
    while (sent < total) {
      const n = Math.min(chunk, total - sent);
      const piece = n === chunk ? buf.slice() : new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        piece[i] = period[(sent + i) % period.length]!;
      }
      sent += n;
      reader.push(piece);
      maxBuffered = Math.max(maxBuffered, reader.bufferedBytes);
      for (let p = reader.next(); p !== undefined; p = reader.next()) {
        packets++;
      }
    }
    expect(() => {
      reader.end();
    }).toThrow(/truncated|ended/); // the stream stops mid-record
    expect(packets).toBe(Math.floor(total / 1500));
    expect(maxBuffered).toBeLessThanOrEqual(chunk + 1500);
  });
});
