/**
 * @fileoverview PcapWriter and PcapngWriter: produce pcap and pcapng bytes, for demo captures, replay
 * output and test fixtures.
 *
 * Each writer sends every chunk it produces (header, record, block) to a sink callback, or, without a
 * sink, collects them for `toBytes()`. The file header (pcap) or section header and interface
 * descriptions (pcapng) are produced by the constructor. Packets longer than the interface's snaplen are
 * cut to it, as a capture would, keeping their original length.
 */

import {
  BT_EPB,
  BT_IDB,
  BT_SHB,
  BT_SPB,
  DEFAULT_MAX_PACKET_BYTES,
  DEFAULT_TSRESOL,
  OPT_ENDOFOPT,
  OPT_IF_NAME,
  OPT_IF_TSRESOL,
  PCAP_FILE_HEADER_BYTES,
  PCAP_LT_FCS_PRESENT,
  PCAP_LT_FCS_SHIFT,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_US,
  PCAP_RECORD_HEADER_BYTES,
  PCAP_VERSION_MAJOR,
  PCAP_VERSION_MINOR,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB_DATA_OFFSET,
  PCAPNG_FRAMING_BYTES,
  PCAPNG_SPB_DATA_OFFSET,
  PCAPNG_VERSION_MAJOR,
  PCAPNG_VERSION_MINOR,
  pad4,
} from "./format.js";
import { NS_PER_SECOND, TimestampResolution } from "./timestamp.js";

/** Receives each chunk a writer produces. */
export type ChunkSink = (chunk: Uint8Array) => void;

/** A packet to write. */
export interface PacketToWrite {
  /** Captured bytes (cut to the snaplen if longer). */
  readonly data: Uint8Array;
  /** Seconds since the Unix epoch, an unsigned 32-bit integer as in pcap (default 0). */
  readonly tsSec?: number;
  /** Nanoseconds within the second, 0..999 999 999 (default 0); truncated to the file's resolution. */
  readonly tsNsec?: number;
  /** Length on the wire (default `data.length`); must be at least the captured length. */
  readonly originalLength?: number;
  /** pcapng interface id (default 0); ignored by PcapWriter. */
  readonly interfaceId?: number;
}

/** Options of a pcap file. */
export interface PcapWriterOptions {
  /** Link type (LINKTYPE_*). */
  readonly linkType: number;
  /** Timestamp precision: "us" writes magic a1b2c3d4, "ns" writes a1b23c4d (default "us"). */
  readonly precision?: "us" | "ns";
  /** Snapshot length written in the header and applied to packets (default 262144). */
  readonly snaplen?: number;
  /** Write big-endian instead of little-endian (default false). */
  readonly bigEndian?: boolean;
  /** Record an FCS length (bytes, even, at most 30) in the link type field's upper bits. */
  readonly fcsBytes?: number;
}

/** One pcapng interface to describe. */
export interface PcapngInterfaceOptions {
  /** Link type (LINKTYPE_*). */
  readonly linkType: number;
  /** Snapshot length, 0 for none (default 262144). */
  readonly snaplen?: number;
  /** if_tsresol byte: 10^-v seconds per tick, or 2^-(v & 0x7f) with bit 7 set (default 6, microseconds). */
  readonly tsresol?: number;
  /** if_name option, when given. */
  readonly name?: string;
}

/** Options of a pcapng section. */
export interface PcapngWriterOptions {
  /** Interfaces described right after the section header, ids 0, 1, … in order. */
  readonly interfaces?: readonly PcapngInterfaceOptions[];
  /** Write the section big-endian instead of little-endian (default false). */
  readonly bigEndian?: boolean;
}

/** Shared sink-or-collect plumbing. */
abstract class ChunkWriter {
  /** Where chunks go, if anywhere. */
  private readonly sink: ChunkSink | undefined;
  /** Chunks kept for `toBytes()` when there is no sink. */
  private readonly chunks: Uint8Array[] = [];

  constructor(sink: ChunkSink | undefined) {
    this.sink = sink;
  }

  /** Everything written so far, when there is no sink (empty with a sink). */
  toBytes(): Uint8Array {
    return concatBytes(this.chunks);
  }

  /** Hands a finished chunk to the sink or keeps it. */
  protected emit(chunk: Uint8Array): void {
    if (this.sink !== undefined) {
      this.sink(chunk);
    } else {
      this.chunks.push(chunk);
    }
  }
}

/** Writes a classic pcap file. */
export class PcapWriter extends ChunkWriter {
  /** Little-endian output. */
  private readonly le: boolean;
  /** Nanosecond timestamps. */
  private readonly nanos: boolean;
  /** Snapshot length; 0 = none. */
  private readonly snaplen: number;

  constructor(options: PcapWriterOptions, sink?: ChunkSink) {
    super(sink);
    this.le = options.bigEndian !== true;
    this.nanos = options.precision === "ns";
    this.snaplen = options.snaplen ?? DEFAULT_MAX_PACKET_BYTES;
    let linkField = options.linkType & 0xffff;
    if (options.fcsBytes !== undefined) {
      const words = options.fcsBytes / 2;
      if (!Number.isInteger(words) || words < 0 || words > 15) {
        throw new RangeError(`pcap FCS length ${options.fcsBytes} is not an even number of bytes up to 30`);
      }
      linkField = (linkField | PCAP_LT_FCS_PRESENT | (words << PCAP_LT_FCS_SHIFT)) >>> 0;
    }
    const header = new Uint8Array(PCAP_FILE_HEADER_BYTES);
    const v = new DataView(header.buffer);
    v.setUint32(0, this.nanos ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.le);
    v.setUint16(4, PCAP_VERSION_MAJOR, this.le);
    v.setUint16(6, PCAP_VERSION_MINOR, this.le);
    v.setUint32(16, this.snaplen, this.le);
    v.setUint32(20, linkField, this.le);
    this.emit(header);
  }

  /** Writes one record. */
  write(packet: PacketToWrite): void {
    const { sec, nsec } = checkTime(packet);
    const capLen = this.snaplen !== 0 ? Math.min(packet.data.length, this.snaplen) : packet.data.length;
    const origLen = checkOriginalLength(packet, capLen);
    const record = new Uint8Array(PCAP_RECORD_HEADER_BYTES + capLen);
    const v = new DataView(record.buffer);
    v.setUint32(0, sec, this.le);
    v.setUint32(4, this.nanos ? nsec : Math.floor(nsec / 1000), this.le);
    v.setUint32(8, capLen, this.le);
    v.setUint32(12, origLen, this.le);
    record.set(packet.data.subarray(0, capLen), PCAP_RECORD_HEADER_BYTES);
    this.emit(record);
  }
}

/** Writes one pcapng section: a section header, interface descriptions, and packet blocks. */
export class PcapngWriter extends ChunkWriter {
  /** Little-endian section. */
  private readonly le: boolean;
  /** Interfaces added so far, by id. */
  private readonly ifaces: { snaplen: number; res: TimestampResolution }[] = [];

  constructor(options: PcapngWriterOptions = {}, sink?: ChunkSink) {
    super(sink);
    this.le = options.bigEndian !== true;
    const body = new Uint8Array(16);
    const v = new DataView(body.buffer);
    v.setUint32(0, PCAPNG_BYTE_ORDER_MAGIC, this.le);
    v.setUint16(4, PCAPNG_VERSION_MAJOR, this.le);
    v.setUint16(6, PCAPNG_VERSION_MINOR, this.le);
    v.setBigInt64(8, -1n, this.le); // section length unknown
    this.writeBlock(BT_SHB, body);
    for (const iface of options.interfaces ?? []) {
      this.addInterface(iface);
    }
  }

  /** Writes an interface description block; returns the new interface id. */
  addInterface(options: PcapngInterfaceOptions): number {
    const tsresol = options.tsresol ?? DEFAULT_TSRESOL;
    if (!Number.isInteger(tsresol) || tsresol < 0 || tsresol > 0xff) {
      throw new RangeError(`if_tsresol ${tsresol} is not a byte`);
    }
    const snaplen = options.snaplen ?? DEFAULT_MAX_PACKET_BYTES;
    const name = options.name === undefined ? undefined : new TextEncoder().encode(options.name);
    const optionBytes = 8 + (name === undefined ? 0 : 4 + pad4(name.length)) + 4;
    const body = new Uint8Array(8 + optionBytes);
    const v = new DataView(body.buffer);
    v.setUint16(0, options.linkType, this.le);
    v.setUint32(4, snaplen, this.le);
    let o = 8;
    v.setUint16(o, OPT_IF_TSRESOL, this.le);
    v.setUint16(o + 2, 1, this.le);
    body[o + 4] = tsresol;
    o += 8;
    if (name !== undefined) {
      v.setUint16(o, OPT_IF_NAME, this.le);
      v.setUint16(o + 2, name.length, this.le);
      body.set(name, o + 4);
      o += 4 + pad4(name.length);
    }
    v.setUint16(o, OPT_ENDOFOPT, this.le);
    this.writeBlock(BT_IDB, body);
    this.ifaces.push({ snaplen, res: new TimestampResolution(tsresol) });
    return this.ifaces.length - 1;
  }

  /** Writes an enhanced packet block on `packet.interfaceId` (default 0). */
  write(packet: PacketToWrite): void {
    const id = packet.interfaceId ?? 0;
    const iface = this.ifaces[id];
    if (iface === undefined) {
      throw new RangeError(`pcapng interface ${id} has not been added`);
    }
    const { sec, nsec } = checkTime(packet);
    const capLen = iface.snaplen !== 0 ? Math.min(packet.data.length, iface.snaplen) : packet.data.length;
    const origLen = checkOriginalLength(packet, capLen);
    const [hi, lo] = iface.res.toTicks(sec, nsec);
    if (hi > 0xffffffff) {
      throw new RangeError(`timestamp ${sec}s does not fit in 64 bits at if_tsresol ${iface.res.tsresol}`);
    }
    const body = new Uint8Array(PCAPNG_EPB_DATA_OFFSET - 8 + pad4(capLen));
    const v = new DataView(body.buffer);
    v.setUint32(0, id, this.le);
    v.setUint32(4, hi, this.le);
    v.setUint32(8, lo, this.le);
    v.setUint32(12, capLen, this.le);
    v.setUint32(16, origLen, this.le);
    body.set(packet.data.subarray(0, capLen), 20);
    this.writeBlock(BT_EPB, body);
  }

  /** Writes a simple packet block (interface 0, no timestamp). */
  writeSimple(data: Uint8Array, originalLength: number = data.length): void {
    const iface = this.ifaces[0];
    if (iface === undefined) {
      throw new RangeError("a simple packet block needs interface 0 to have been added");
    }
    // Readers derive the captured length as min(original length, snaplen), so the data must match it.
    const capLen = iface.snaplen !== 0 ? Math.min(originalLength, iface.snaplen) : originalLength;
    if (data.length < capLen) {
      throw new RangeError(
        `simple packet needs ${capLen} captured bytes (min of original length and snaplen), got ${data.length}`,
      );
    }
    const body = new Uint8Array(PCAPNG_SPB_DATA_OFFSET - 8 + pad4(capLen));
    new DataView(body.buffer).setUint32(0, originalLength, this.le);
    body.set(data.subarray(0, capLen), 4);
    this.writeBlock(BT_SPB, body);
  }

  /** Writes any block: type, lengths and padding around `body` (e.g. name resolution or custom blocks). */
  writeBlock(type: number, body: Uint8Array): void {
    const len = PCAPNG_FRAMING_BYTES + pad4(body.length);
    const block = new Uint8Array(len);
    const v = new DataView(block.buffer);
    v.setUint32(0, type, this.le);
    v.setUint32(4, len, this.le);
    block.set(body, 8);
    v.setUint32(len - 4, len, this.le);
    this.emit(block);
  }
}

/** Writes packets as a complete pcap file. */
export function writePcap(options: PcapWriterOptions, packets: Iterable<PacketToWrite>): Uint8Array {
  const w = new PcapWriter(options);
  for (const p of packets) {
    w.write(p);
  }
  return w.toBytes();
}

/** Writes packets as a complete one-section pcapng file. */
export function writePcapng(options: PcapngWriterOptions, packets: Iterable<PacketToWrite>): Uint8Array {
  const w = new PcapngWriter(options);
  for (const p of packets) {
    w.write(p);
  }
  return w.toBytes();
}

/** Concatenates byte chunks. */
export function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) {
    total += c.length;
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Validates a packet's timestamp. */
function checkTime(packet: PacketToWrite): { sec: number; nsec: number } {
  const sec = packet.tsSec ?? 0;
  const nsec = packet.tsNsec ?? 0;
  if (!Number.isInteger(sec) || sec < 0 || sec > 0xffffffff) {
    throw new RangeError(`tsSec ${sec} is not an unsigned 32-bit integer`);
  }
  if (!Number.isInteger(nsec) || nsec < 0 || nsec >= NS_PER_SECOND) {
    throw new RangeError(`tsNsec ${nsec} is not an integer in 0..999999999`);
  }
  return { sec, nsec };
}

/** Validates a packet's original length against what is captured. */
function checkOriginalLength(packet: PacketToWrite, capLen: number): number {
  const origLen = packet.originalLength ?? packet.data.length;
  if (!Number.isInteger(origLen) || origLen < capLen || origLen > 0xffffffff) {
    throw new RangeError(`original length ${origLen} is below the captured length ${capLen} or not a u32`);
  }
  return origLen;
}
