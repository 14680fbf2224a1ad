/**
 * @fileoverview Writer → reader round trips (pcap µs/ns in both byte orders, pcapng with several
 * interfaces, resolutions, SPBs, skipped blocks and sections), plus known-answer bytes for the writers
 * so that a bug shared by writer and reader cannot hide.
 */

import { describe, expect, it } from "vitest";

import {
  BT_NRB,
  CaptureReader,
  LINKTYPE_ETHERNET,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_RAW,
  PcapngWriter,
  PcapWriter,
  TimestampResolution,
  concatBytes,
  writePcap,
  writePcapng,
  type PacketToWrite,
} from "../../runtime/pcap/index.js";
import { bytesOf, fromHex, handPcap, readAll, toHex } from "./helpers.js";

const PACKETS: PacketToWrite[] = [
  { data: bytesOf(60, 1), tsSec: 1_700_000_000, tsNsec: 123_456_000 },
  { data: bytesOf(1514, 2), tsSec: 1_700_000_001, tsNsec: 999_999_000, originalLength: 1514 },
  { data: bytesOf(1, 3), tsSec: 0, tsNsec: 0, originalLength: 9000 },
  { data: new Uint8Array(0), tsSec: 4_294_967_295, tsNsec: 1_000 },
];

describe("pcap round trip", () => {
  for (const precision of ["us", "ns"] as const) {
    for (const bigEndian of [false, true]) {
      it(`${precision}, ${bigEndian ? "big" : "little"}-endian`, () => {
        const bytes = writePcap({ linkType: LINKTYPE_RAW, precision, bigEndian }, PACKETS);
        const got = readAll(bytes);
        expect(got).toHaveLength(PACKETS.length);
        let offset = 24;
        got.forEach((p, i) => {
          const w = PACKETS[i]!;
          expect(p).toEqual({
            linkType: LINKTYPE_RAW,
            interfaceId: 0,
            tsSec: w.tsSec,
            tsNsec: w.tsNsec,
            captureLength: w.data.length,
            originalLength: w.originalLength ?? w.data.length,
            offset,
            hex: toHex(w.data),
          });
          offset += 16 + w.data.length;
        });
      });
    }
  }

  it("nanosecond precision keeps every nanosecond; microsecond precision truncates", () => {
    const p = { data: bytesOf(10), tsSec: 5, tsNsec: 123_456_789 };
    expect(readAll(writePcap({ linkType: 1, precision: "ns" }, [p]))[0]!.tsNsec).toBe(123_456_789);
    expect(readAll(writePcap({ linkType: 1, precision: "us" }, [p]))[0]!.tsNsec).toBe(123_456_000);
  });

  it("reads a big-endian file written by hand, identical to the writer's big-endian output", () => {
    const records = [
      { sec: 1_600_000_000, frac: 7, data: bytesOf(42, 9) },
      { sec: 1_600_000_001, frac: 999_999_999, data: bytesOf(100, 10), orig: 1500 },
    ];
    const hand = handPcap({ bigEndian: true, nanos: true, snaplen: 262144, records });
    const written = writePcap(
      { linkType: 1, precision: "ns", bigEndian: true },
      records.map((r) => ({
        data: r.data,
        tsSec: r.sec,
        tsNsec: r.frac,
        originalLength: r.orig ?? r.data.length,
      })),
    );
    expect(toHex(hand)).toBe(toHex(written));
    const got = readAll(hand);
    expect(got.map((p) => [p.tsSec, p.tsNsec, p.captureLength, p.originalLength])).toEqual([
      [1_600_000_000, 7, 42, 42],
      [1_600_000_001, 999_999_999, 100, 1500],
    ]);
  });

  it("masks the FCS bits out of the link type field and reports the FCS length", () => {
    // FCS present (bit 26), 2 words (4 bytes) in bits 28..31, link type 1.
    const bytes = handPcap({
      bigEndian: false,
      nanos: false,
      linkField: 0x24000001,
      records: [{ sec: 1, frac: 2, data: bytesOf(64) }],
    });
    const reader = new CaptureReader();
    reader.push(bytes);
    expect(reader.next()!.linkType).toBe(1);
    expect(reader.interfaces[0]).toMatchObject({ linkType: 1, fcsBytes: 4, snaplen: 65535 });
    // Reserved bits set but no FCS flag: still link type 1, FCS length unknown.
    const r2 = new CaptureReader();
    r2.push(handPcap({ bigEndian: true, nanos: false, linkField: 0x03ff0001, records: [] }));
    expect(r2.next()).toBeUndefined();
    r2.end();
    expect(r2.interfaces[0]).toMatchObject({ linkType: 1, fcsBytes: undefined });
    expect(new CaptureReader().interfaces).toEqual([]);
    const written = writePcap({ linkType: LINKTYPE_ETHERNET, fcsBytes: 4 }, []);
    expect(toHex(written.subarray(20, 24))).toBe("01000024");
  });

  it("carries out-of-range fractions into the seconds", () => {
    const bytes = handPcap({
      bigEndian: false,
      nanos: false,
      records: [{ sec: 10, frac: 2_500_000, data: bytesOf(4) }],
    });
    expect(readAll(bytes)[0]).toMatchObject({ tsSec: 12, tsNsec: 500_000_000 });
  });

  it("cuts packets to the snaplen, keeping the original length", () => {
    const bytes = writePcap({ linkType: 1, snaplen: 64 }, [{ data: bytesOf(100) }]);
    expect(readAll(bytes)[0]).toMatchObject({
      captureLength: 64,
      originalLength: 100,
      hex: toHex(bytesOf(100).subarray(0, 64)),
    });
  });

  it("writes the header bytes the format defines", () => {
    const le = writePcap({ linkType: 1, snaplen: 65535 }, [
      { data: fromHex("aabb"), tsSec: 1, tsNsec: 2000 },
    ]);
    expect(toHex(le)).toBe(
      "d4c3b2a1" +
        "0200" +
        "0400" +
        "00000000" +
        "00000000" +
        "ffff0000" +
        "01000000" +
        "01000000" +
        "02000000" +
        "02000000" +
        "02000000" +
        "aabb",
    );
    const be = writePcap({ linkType: 276, precision: "ns", bigEndian: true, snaplen: 65535 }, []);
    expect(toHex(be)).toBe("a1b23c4d" + "0002" + "0004" + "00000000" + "00000000" + "0000ffff" + "00000114");
  });
});

describe("pcapng round trip", () => {
  it("two interfaces with different link types and if_tsresol (µs and ns)", () => {
    const bytes = writePcapng(
      {
        interfaces: [
          { linkType: LINKTYPE_ETHERNET, tsresol: 6 },
          { linkType: LINKTYPE_LINUX_SLL2, tsresol: 9, name: "any", snaplen: 0 },
        ],
      },
      [
        { interfaceId: 0, data: bytesOf(60, 1), tsSec: 1_703_132_769, tsNsec: 960_435_000 },
        { interfaceId: 1, data: bytesOf(61, 2), tsSec: 1_703_132_769, tsNsec: 960_435_569 },
        {
          interfaceId: 1,
          data: bytesOf(3, 3),
          tsSec: 4_294_967_295,
          tsNsec: 999_999_999,
          originalLength: 70,
        },
        { interfaceId: 0, data: bytesOf(0, 4), tsSec: 1, tsNsec: 1_999 },
      ],
    );
    const reader = new CaptureReader();
    reader.push(bytes);
    const got: [number, number, number, number, number, number][] = [];
    for (let p = reader.next(); p; p = reader.next()) {
      got.push([p.interfaceId, p.linkType, p.tsSec, p.tsNsec, p.captureLength, p.originalLength]);
    }
    reader.end();
    expect(got).toEqual([
      [0, 1, 1_703_132_769, 960_435_000, 60, 60],
      [1, 276, 1_703_132_769, 960_435_569, 61, 61],
      [1, 276, 4_294_967_295, 999_999_999, 3, 70],
      [0, 1, 1, 1_000, 0, 0], // µs interface: 1999 ns truncates to 1 µs
    ]);
    expect(reader.format).toBe("pcapng");
    expect(reader.interfaces).toMatchObject([
      { linkType: 1, tsresol: 6, tsUnitsPerSecond: 1e6, snaplen: 262144, name: undefined },
      { linkType: 276, tsresol: 9, tsUnitsPerSecond: 1e9, snaplen: 0, name: "any" },
    ]);
  });

  it("binary and sub-nanosecond if_tsresol", () => {
    const w = new PcapngWriter();
    w.addInterface({ linkType: 1, tsresol: 0x80 | 20 }); // 2^-20 s ticks
    w.addInterface({ linkType: 1, tsresol: 12 }); // picoseconds
    w.addInterface({ linkType: 1, tsresol: 0 }); // whole seconds
    w.write({ interfaceId: 0, data: bytesOf(8), tsSec: 1_700_000_000, tsNsec: 500_000_000 });
    // Picosecond ticks overflow 64 bits after about 213 days, so this interface keeps early dates.
    expect(() => {
      w.write({ interfaceId: 1, data: bytesOf(8), tsSec: 1_700_000_000 });
    }).toThrow(/does not fit in 64 bits/);
    w.write({ interfaceId: 1, data: bytesOf(8), tsSec: 10_000_000, tsNsec: 123_456_789 });
    w.write({ interfaceId: 2, data: bytesOf(8), tsSec: 1_700_000_000, tsNsec: 123_456_789 });
    const got = readAll(w.toBytes()).map((p) => [p.tsSec, p.tsNsec]);
    // 2^-20 s = 953.67431640625 ns: 0.5 s is exact; picoseconds keep all nanoseconds; seconds drop them.
    expect(got).toEqual([
      [1_700_000_000, 500_000_000],
      [10_000_000, 123_456_789],
      [1_700_000_000, 0],
    ]);
  });

  it("simple packet blocks: interface 0, no timestamp, captured length min(original, snaplen)", () => {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1, snaplen: 96 }] });
    w.writeSimple(bytesOf(200), 200);
    w.writeSimple(bytesOf(50), 50);
    w.writeSimple(bytesOf(1), 1);
    const got = readAll(w.toBytes());
    expect(got.map((p) => [p.interfaceId, p.tsSec, p.tsNsec, p.captureLength, p.originalLength])).toEqual([
      [0, 0, 0, 96, 200],
      [0, 0, 0, 50, 50],
      [0, 0, 0, 1, 1],
    ]);
    expect(got[0]!.hex).toBe(toHex(bytesOf(200).subarray(0, 96)));
    expect(got[2]!.hex).toBe(toHex(bytesOf(1)));
    // snaplen 0 = no limit: the whole original length is captured.
    const w0 = new PcapngWriter({ interfaces: [{ linkType: 1, snaplen: 0 }] });
    w0.writeSimple(bytesOf(300));
    expect(readAll(w0.toBytes())[0]).toMatchObject({ captureLength: 300, originalLength: 300 });
  });

  it("skips name resolution, statistics, custom and unknown blocks", () => {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1 }] });
    w.writeBlock(BT_NRB, fromHex("0000 0000"));
    w.write({ data: bytesOf(10), tsSec: 1 });
    w.writeBlock(5, new Uint8Array(20)); // ISB
    w.writeBlock(0x00000bad, bytesOf(13)); // custom, copyable (padded to 16)
    w.writeBlock(0x80001234, new Uint8Array(0)); // local use, empty body
    w.write({ data: bytesOf(11), tsSec: 2 });
    expect(readAll(w.toBytes()).map((p) => p.tsSec)).toEqual([1, 2]);
  });

  it("a second section may switch byte order and restarts interface numbering", () => {
    const a = writePcapng({ interfaces: [{ linkType: 1 }, { linkType: 101 }] }, [
      { interfaceId: 1, data: bytesOf(20), tsSec: 10 },
    ]);
    const b = writePcapng({ bigEndian: true, interfaces: [{ linkType: 113, tsresol: 9 }] }, [
      { interfaceId: 0, data: bytesOf(21), tsSec: 11, tsNsec: 5 },
    ]);
    const got = readAll(concatBytes([a, b]));
    expect(got.map((p) => [p.interfaceId, p.linkType, p.tsSec, p.tsNsec, p.offset])).toEqual([
      [1, 101, 10, 0, a.length - 32 - 20],
      [0, 113, 11, 5, a.length + b.length - 32 - 24],
    ]);
  });

  it("reads the obsolete packet block (type 2)", () => {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1, tsresol: 9 }] });
    const body = new Uint8Array(20 + 8);
    const v = new DataView(body.buffer);
    v.setUint16(0, 0, true); // interface id
    v.setUint16(2, 3, true); // drops count
    v.setUint32(4, 0, true);
    v.setUint32(8, 1234, true);
    v.setUint32(12, 5, true);
    v.setUint32(16, 9, true);
    body.set(bytesOf(5), 20);
    w.writeBlock(2, body);
    expect(readAll(w.toBytes())[0]).toMatchObject({
      tsSec: 0,
      tsNsec: 1234,
      captureLength: 5,
      originalLength: 9,
    });
  });

  it("applies if_tsoffset", () => {
    const w = new PcapngWriter();
    const idb = fromHex("0100 0000 00000400 0e00 0800 6400000000000000 0000 0000"); // if_tsoffset = 100 s
    w.writeBlock(1, idb);
    const epb = new Uint8Array(20);
    new DataView(epb.buffer).setUint32(8, 2_000_000, true); // 2 s in µs ticks
    w.writeBlock(6, epb);
    expect(readAll(w.toBytes())[0]).toMatchObject({ tsSec: 102, tsNsec: 0 });
  });

  it("writes the blocks the format defines", () => {
    const w = new PcapngWriter({ interfaces: [{ linkType: 1, snaplen: 65535, tsresol: 9 }] });
    w.write({ data: fromHex("aabbcc"), tsSec: 1, tsNsec: 2 });
    w.writeSimple(fromHex("dd"));
    expect(toHex(w.toBytes())).toBe(
      // SHB: type, length 28, byte-order magic, version 1.0, section length -1, length.
      (
        "0a0d0d0a 1c000000 4d3c2b1a 0100 0000 ffffffffffffffff 1c000000" +
        // IDB: type 1, length 32, link type 1, reserved, snaplen 65535, if_tsresol=9 (padded), end, length.
        "01000000 20000000 0100 0000 ffff0000 0900 0100 09000000 0000 0000 20000000" +
        // EPB: type 6, length 36, interface 0, ts 1e9+2 = 0x3b9aca02, caplen 3, origlen 3, data+pad, length.
        "06000000 24000000 00000000 00000000 02ca9a3b 03000000 03000000 aabbcc00 24000000" +
        // SPB: type 3, length 20, original length 1, data+pad, length.
        "03000000 14000000 01000000 dd000000 14000000"
      ).replace(/ /g, ""),
    );
  });

  it("writer errors are RangeErrors", () => {
    expect(() => {
      new PcapngWriter().write({ data: bytesOf(1) });
    }).toThrow(RangeError);
    expect(() => {
      new PcapngWriter().writeSimple(bytesOf(1));
    }).toThrow(RangeError);
    const w = new PcapngWriter({ interfaces: [{ linkType: 1, snaplen: 10 }] });
    expect(() => {
      w.writeSimple(bytesOf(5), 20);
    }).toThrow(/needs 10 captured bytes/);
    expect(() => w.addInterface({ linkType: 1, tsresol: 256 })).toThrow(RangeError);
    const p = new PcapWriter({ linkType: 1 });
    expect(() => {
      p.write({ data: bytesOf(1), tsNsec: 1e9 });
    }).toThrow(RangeError);
    expect(() => {
      p.write({ data: bytesOf(1), tsSec: -1 });
    }).toThrow(RangeError);
    expect(() => {
      p.write({ data: bytesOf(5), originalLength: 4 });
    }).toThrow(RangeError);
    expect(() => new PcapWriter({ linkType: 1, fcsBytes: 3 })).toThrow(RangeError);
  });

  it("a sink receives the same bytes the collecting writer returns", () => {
    const chunks: Uint8Array[] = [];
    const w = new PcapngWriter({ interfaces: [{ linkType: 1 }] }, (c) => chunks.push(c));
    w.write({ data: bytesOf(33), tsSec: 3 });
    expect(w.toBytes()).toHaveLength(0);
    expect(toHex(concatBytes(chunks))).toBe(
      toHex(writePcapng({ interfaces: [{ linkType: 1 }] }, [{ data: bytesOf(33), tsSec: 3 }])),
    );
  });
});

describe("TimestampResolution", () => {
  it("splits 64-bit tick counts exactly, as BigInt arithmetic does", () => {
    const cases: [number, number][] = [
      [0, 0],
      [0xffffffff, 0xffffffff],
      [0x17a3f3d5, 0x8e1f2a31],
      [1, 0],
      [0, 999_999_999],
      [396_543, 123_456_789],
    ];
    for (let tsresol = 0; tsresol <= 12; tsresol++) {
      for (const r of [tsresol, 0x80 | (tsresol * 3)]) {
        const res = new TimestampResolution(r);
        for (const [hi, lo] of cases) {
          const ticks = (BigInt(hi) << 32n) | BigInt(lo);
          const units = r & 0x80 ? 1n << BigInt(r & 0x7f) : 10n ** BigInt(r);
          res.split(hi, lo);
          const sec = ticks / units;
          if (sec <= BigInt(Number.MAX_SAFE_INTEGER)) {
            expect(res.sec).toBe(Number(sec));
          }
          expect(res.nsec).toBe(Number(((ticks % units) * 1_000_000_000n) / units));
        }
      }
    }
  });

  it("toTicks inverts split at the resolution", () => {
    const res = new TimestampResolution(9);
    const [hi, lo] = res.toTicks(1_703_132_769, 960_435_569);
    res.split(hi, lo);
    expect([res.sec, res.nsec]).toEqual([1_703_132_769, 960_435_569]);
  });
});
