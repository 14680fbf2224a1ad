/**
 * @fileoverview Every CaptureError code, with the stream offset it must name. Each case is read whole
 * and byte by byte: the error (code, offset, message) must not depend on chunk boundaries.
 */

import { describe, expect, it } from "vitest";

import {
  BT_EPB,
  BT_IDB,
  BT_SPB,
  CAPTURE_ERROR_CODES,
  CaptureError,
  CaptureReader,
  PcapngWriter,
  concatBytes,
  writePcap,
  writePcapng,
  type CaptureErrorCode,
  type CaptureReaderOptions,
} from "../../runtime/pcap/index.js";
import { bytesOf, captureErrorOf, fromHex, handPcap, readAll } from "./helpers.js";

/** The error reading `bytes` raises, checked to be the same whole and byte by byte. */
function errorOf(bytes: Uint8Array, options?: CaptureReaderOptions): CaptureError {
  const whole = captureErrorOf(() => readAll(bytes, [], options));
  const split = captureErrorOf(() =>
    readAll(
      bytes,
      Array.from({ length: bytes.length }, (_, i) => i),
      options,
    ),
  );
  expect([split.code, split.offset, split.message]).toEqual([whole.code, whole.offset, whole.message]);
  expect(whole).toBeInstanceOf(Error);
  expect(whole.name).toBe("CaptureError");
  return whole;
}

/** Asserts code and offset (and optionally a message fragment). */
function expectError(
  bytes: Uint8Array,
  code: CaptureErrorCode,
  offset: number,
  message?: RegExp,
  options?: CaptureReaderOptions,
): void {
  const e = errorOf(bytes, options);
  expect({ code: e.code, offset: e.offset }).toEqual({ code, offset });
  if (message !== undefined) {
    expect(e.message).toMatch(message);
  }
}

/** A one-interface pcapng section (SHB 28 + IDB 32 bytes = 60 bytes) to build blocks after. */
function section(snaplen = 262144): PcapngWriter {
  return new PcapngWriter({ interfaces: [{ linkType: 1, snaplen }] });
}

/** Raw little-endian block bytes with explicit leading and trailing lengths. */
function rawBlock(type: number, body: Uint8Array, len = 12 + body.length, trailer = len): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, type, true);
  v.setUint32(4, len, true);
  out.set(body, 8);
  v.setUint32(8 + body.length, trailer, true);
  return out;
}

/** An EPB body (interface, ts 0, lengths, data). */
function epbBody(iface: number, capLen: number, dataBytes = capLen): Uint8Array {
  const body = new Uint8Array(20 + ((dataBytes + 3) & ~3));
  const v = new DataView(body.buffer);
  v.setUint32(0, iface, true);
  v.setUint32(12, capLen, true);
  v.setUint32(16, capLen, true);
  return body;
}

describe("CaptureError", () => {
  it("lists a meaning for every code", () => {
    expect(Object.keys(CAPTURE_ERROR_CODES).sort()).toEqual(
      [
        "bad-block-length",
        "bad-header",
        "bad-magic",
        "bad-option",
        "oversize-record",
        "truncated",
        "unknown-interface",
      ].sort(),
    );
  });

  describe("bad-magic", () => {
    it("unknown first bytes, at offset 0", () => {
      expectError(fromHex("504b0304 00000000"), "bad-magic", 0, /first bytes 50 4b 03 04/);
    });
    it("hints at gzip and Kuznetsov's format", () => {
      expectError(fromHex("1f8b0800 00000000"), "bad-magic", 0, /gzip/);
      expectError(fromHex("34cdb2a1 02000400"), "bad-magic", 0, /Kuznetsov/);
    });
  });

  describe("bad-header", () => {
    it("pcap version other than 2", () => {
      expectError(
        handPcap({ bigEndian: false, nanos: false, version: [1, 0], records: [] }),
        "bad-header",
        0,
        /version 1\.0/,
      );
    });
    it("pcapng byte-order magic that is neither order, in a second section", () => {
      const first = section().toBytes();
      const bad = fromHex("0a0d0d0a 1c000000 11223344 0100 0000 ffffffffffffffff 1c000000");
      expectError(concatBytes([first, bad]), "bad-header", first.length, /byte-order magic 0x44332211/);
    });
    it("pcapng major version other than 1", () => {
      expectError(
        fromHex("0a0d0d0a 1c000000 4d3c2b1a 0200 0000 ffffffffffffffff 1c000000"),
        "bad-header",
        0,
        /version 2\.0/,
      );
    });
  });

  describe("bad-block-length", () => {
    const base = section().toBytes(); // 60 bytes
    it("shorter than 12", () => {
      expectError(
        concatBytes([base, rawBlock(0x99, new Uint8Array(0), 8)]),
        "bad-block-length",
        60,
        /length 8, shorter than the 12-byte minimum/,
      );
    });
    it("section header shorter than 28", () => {
      expectError(
        fromHex("0a0d0d0a 18000000 4d3c2b1a 0100 0000 00000000 18000000"),
        "bad-block-length",
        0,
        /shorter than the 28-byte/,
      );
    });
    it("not a multiple of 4", () => {
      expectError(
        concatBytes([base, rawBlock(0x99, new Uint8Array(6), 18)]),
        "bad-block-length",
        60,
        /not a multiple of 4/,
      );
    });
    it("over the block limit, before buffering it", () => {
      const header = fromHex("06000000 fcffff7f"); // 2 GiB block: only 8 bytes of it are given
      expectError(concatBytes([base, header]), "bad-block-length", 60, /over the 16777216-byte limit/);
      expectError(
        concatBytes([base, rawBlock(0x99, new Uint8Array(64))]),
        "bad-block-length",
        60,
        /over the 64-byte limit/,
        { maxBlockBytes: 64 },
      );
    });
    it("trailing length differs from the leading one", () => {
      expectError(
        concatBytes([base, rawBlock(0x99, new Uint8Array(8), 20, 24)]),
        "bad-block-length",
        60,
        /length 20 but trailing length 24/,
      );
    });
    it("enhanced packet block too short for its fields, refused from its header", () => {
      expectError(
        concatBytes([base, fromHex("06000000 1c000000")]),
        "bad-block-length",
        60,
        /enhanced packet block has length 28, shorter than the 32-byte/,
      );
      expectError(
        concatBytes([base, rawBlock(BT_EPB, new Uint8Array(16))]),
        "bad-block-length",
        60,
        /enhanced packet block has length 28, shorter than the 32-byte/,
      );
    });
    it("interface description block too short", () => {
      expectError(
        concatBytes([base, rawBlock(BT_IDB, new Uint8Array(4))]),
        "bad-block-length",
        60,
        /shorter than the 20-byte/,
      );
    });
    it("captured length larger than the block's data", () => {
      expectError(
        concatBytes([base, rawBlock(BT_EPB, epbBody(0, 100, 8))]),
        "bad-block-length",
        60,
        /captured length 100, more than its 8 data bytes/,
      );
    });
    it("simple packet whose original length does not fit (snaplen 0)", () => {
      const w = new PcapngWriter({ interfaces: [{ linkType: 1, snaplen: 0 }] });
      const body = new Uint8Array(8);
      new DataView(body.buffer).setUint32(0, 64, true);
      w.writeBlock(BT_SPB, body);
      expectError(
        w.toBytes(),
        "bad-block-length",
        60,
        /simple packet block has captured length 64, more than its 4 data bytes/,
      );
    });
  });

  describe("bad-option", () => {
    it("an option running past its block, at the option's offset", () => {
      const w = new PcapngWriter();
      w.writeBlock(BT_IDB, fromHex("0100 0000 00000400 0200 4000 6c6f0000")); // if_name claims 64 bytes
      expectError(w.toBytes(), "bad-option", 28 + 16, /option 2 of length 64 runs past/);
    });
    it("if_tsresol of the wrong size", () => {
      const w = new PcapngWriter();
      w.writeBlock(BT_IDB, fromHex("0100 0000 00000400 0200 0200 6c6f0000 0900 0200 06000000 0000 0000"));
      expectError(w.toBytes(), "bad-option", 28 + 16 + 8, /if_tsresol option has length 2, expected 1/);
    });
  });

  describe("unknown-interface", () => {
    it("enhanced packet on an interface the section does not define", () => {
      const w = section();
      w.writeBlock(BT_EPB, epbBody(1, 4));
      expectError(w.toBytes(), "unknown-interface", 60, /names interface 1, but the section defines 1/);
    });
    it("interface ids restart with each section", () => {
      const a = writePcapng({ interfaces: [{ linkType: 1 }, { linkType: 1 }] }, [
        { interfaceId: 1, data: bytesOf(4) },
      ]);
      const b = new PcapngWriter({ interfaces: [{ linkType: 1 }] });
      b.writeBlock(BT_EPB, epbBody(1, 4));
      expectError(concatBytes([a, b.toBytes()]), "unknown-interface", a.length + 60);
    });
    it("simple packet before any interface", () => {
      const w = new PcapngWriter();
      w.writeBlock(BT_SPB, fromHex("04000000 aabbccdd"));
      expectError(w.toBytes(), "unknown-interface", 28, /before any interface description block/);
    });
  });

  describe("oversize-record", () => {
    it("pcap record over the packet limit, before its data arrives", () => {
      const bytes = handPcap({
        bigEndian: false,
        nanos: false,
        snaplen: 0,
        records: [
          { sec: 0, frac: 0, data: bytesOf(4) },
          { sec: 0, frac: 0, data: new Uint8Array(0), incl: 300_000 },
        ],
      });
      expectError(bytes, "oversize-record", 24 + 20, /captured length 300000, over the 262144-byte limit/);
    });
    it("pcap record over the file's snaplen, unless snaplen enforcement is off", () => {
      const bytes = handPcap({
        bigEndian: true,
        nanos: true,
        snaplen: 64,
        records: [{ sec: 0, frac: 0, data: bytesOf(65) }],
      });
      expectError(bytes, "oversize-record", 24, /over the interface snaplen 64/);
      expect(readAll(bytes, [], { enforceSnaplen: false })).toHaveLength(1);
    });
    it("enhanced packet over the interface snaplen, and over a lowered limit", () => {
      const w = section(16);
      w.writeBlock(BT_EPB, epbBody(0, 20));
      expectError(
        w.toBytes(),
        "oversize-record",
        60,
        /enhanced packet block has captured length 20, over the interface snaplen 16/,
      );
      const bytes = writePcapng({ interfaces: [{ linkType: 1 }] }, [
        { data: bytesOf(10) },
        { data: bytesOf(2000) },
      ]);
      expectError(bytes, "oversize-record", 60 + 44, /over the 1024-byte limit/, { maxPacketBytes: 1024 });
    });
  });

  describe("truncated", () => {
    it("empty input", () => {
      expectError(new Uint8Array(0), "truncated", 0, /input is empty/);
    });
    it("inside the magic number and the pcap file header", () => {
      expectError(fromHex("d4c3"), "truncated", 0, /after 2 of the 4 bytes of the magic number/);
      expectError(
        fromHex("d4c3b2a1 02000400 00000000"),
        "truncated",
        0,
        /pcap: input ended after 12 of the 24 bytes of the file header/,
      );
    });
    it("inside a pcap record header and record data, at the record's offset", () => {
      const bytes = writePcap({ linkType: 1 }, [{ data: bytesOf(10) }, { data: bytesOf(30) }]);
      expectError(
        bytes.subarray(0, 24 + 26 + 5),
        "truncated",
        50,
        /after 5 of the 16 bytes of the record header at offset 50/,
      );
      expectError(
        bytes.subarray(0, bytes.length - 1),
        "truncated",
        50,
        /after 45 of the 46 bytes of the record at offset 50/,
      );
    });
    it("inside a pcapng block", () => {
      const bytes = writePcapng({ interfaces: [{ linkType: 1 }] }, [{ data: bytesOf(10) }]);
      expectError(
        bytes.subarray(0, 63),
        "truncated",
        60,
        /pcapng: input ended after 3 of the 8 bytes of the block header at offset 60/,
      );
      expectError(
        bytes.subarray(0, bytes.length - 4),
        "truncated",
        60,
        /after 40 of the 44 bytes of the enhanced packet block/,
      );
      expectError(bytes.subarray(0, 10), "truncated", 0, /of the 12 bytes of the section header block/);
    });
    it("end() before draining still returns the complete packets, then throws", () => {
      const bytes = writePcap({ linkType: 1 }, [{ data: bytesOf(10) }, { data: bytesOf(30) }]);
      const r = new CaptureReader();
      r.push(bytes.subarray(0, bytes.length - 3));
      r.end(); // nothing drained yet: no verdict
      expect(r.next()?.captureLength).toBe(10);
      expect(() => r.next()).toThrow(CaptureError);
      expect(() => r.next()).toThrow(/record at offset 50/); // sticky
      expect(() => {
        r.end();
      }).toThrow(/record at offset 50/);
      expect(() => {
        r.push(new Uint8Array(1));
      }).toThrow(/after end/);
    });
    it("a clean end is not an error", () => {
      const r = new CaptureReader();
      r.push(writePcap({ linkType: 1 }, [{ data: bytesOf(10) }]));
      expect(r.next()).toBeDefined();
      expect(r.next()).toBeUndefined();
      r.end();
      expect(r.next()).toBeUndefined();
      expect(r.bytesConsumed).toBe(50);
      expect(r.bufferedBytes).toBe(0);
    });
  });
});
