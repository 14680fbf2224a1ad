/**
 * @fileoverview Shared helpers for the capture tests: read a byte string through CaptureReader with
 * chosen chunk boundaries, capture errors for assertions, and build big-endian pcap by hand.
 */

import { CaptureError, CaptureReader, type CaptureReaderOptions } from "../../runtime/pcap/index.js";

/** A packet copied out of the reader, safe to keep. */
export interface KeptPacket {
  /** Link type. */
  linkType: number;
  /** Interface id. */
  interfaceId: number;
  /** Seconds. */
  tsSec: number;
  /** Nanoseconds. */
  tsNsec: number;
  /** Captured length. */
  captureLength: number;
  /** Original length. */
  originalLength: number;
  /** Stream offset of the record. */
  offset: number;
  /** Captured bytes, as hex, so that deep equality failures print readably. */
  hex: string;
}

/** Hex of bytes. */
export function toHex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** Bytes of a hex string (whitespace ignored). */
export function fromHex(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
}

/**
 * Reads `bytes` pushed in pieces cut at `cuts` (any order, out-of-range and duplicate cuts ignored),
 * draining after each push, then ends. Returns the packets, copied.
 */
export function readAll(
  bytes: Uint8Array,
  cuts: readonly number[] = [],
  options?: CaptureReaderOptions,
): KeptPacket[] {
  const reader = new CaptureReader(options);
  const out: KeptPacket[] = [];
  const drain = (): void => {
    for (let p = reader.next(); p !== undefined; p = reader.next()) {
      out.push({
        linkType: p.linkType,
        interfaceId: p.interfaceId,
        tsSec: p.tsSec,
        tsNsec: p.tsNsec,
        captureLength: p.captureLength,
        originalLength: p.originalLength,
        offset: p.offset,
        hex: toHex(p.data),
      });
      if (p.timestampNs !== p.tsSec * 1e9 + p.tsNsec) {
        throw new Error("timestampNs disagrees with tsSec/tsNsec");
      }
    }
  };
  const points = [...new Set(cuts.filter((c) => c > 0 && c < bytes.length))].sort((a, b) => a - b);
  let prev = 0;
  for (const c of [...points, bytes.length]) {
    reader.push(bytes.subarray(prev, c));
    prev = c;
    drain();
  }
  reader.end();
  drain();
  return out;
}

/** Runs `fn` and returns the CaptureError it throws; fails if it throws something else or nothing. */
export function captureErrorOf(fn: () => unknown): CaptureError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CaptureError) {
      return e;
    }
    throw e;
  }
  throw new Error("expected a CaptureError, but nothing was thrown");
}

/** One record for the hand-written pcap builder. */
export interface RawRecord {
  /** Seconds. */
  sec: number;
  /** Microseconds or nanoseconds, as the magic says. */
  frac: number;
  /** Captured bytes. */
  data: Uint8Array;
  /** Original length (default data.length). */
  orig?: number;
  /** incl_len override, to build corrupt records. */
  incl?: number;
}

/** Builds a pcap file field by field, independently of PcapWriter. */
export function handPcap(opts: {
  bigEndian: boolean;
  nanos: boolean;
  snaplen?: number;
  linkField?: number;
  version?: [number, number];
  records: readonly RawRecord[];
}): Uint8Array {
  const le = !opts.bigEndian;
  const total = 24 + opts.records.reduce((n, r) => n + 16 + r.data.length, 0);
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  v.setUint32(0, opts.nanos ? 0xa1b23c4d : 0xa1b2c3d4, le);
  v.setUint16(4, opts.version?.[0] ?? 2, le);
  v.setUint16(6, opts.version?.[1] ?? 4, le);
  v.setUint32(16, opts.snaplen ?? 65535, le);
  v.setUint32(20, opts.linkField ?? 1, le);
  let o = 24;
  for (const r of opts.records) {
    v.setUint32(o, r.sec, le);
    v.setUint32(o + 4, r.frac, le);
    v.setUint32(o + 8, r.incl ?? r.data.length, le);
    v.setUint32(o + 12, r.orig ?? r.data.length, le);
    out.set(r.data, o + 16);
    o += 16 + r.data.length;
  }
  return out;
}

/** Deterministic filler bytes of length n (seeded by `seed`). */
export function bytesOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
