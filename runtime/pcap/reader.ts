/**
 * @fileoverview CaptureReader: a sans-IO push reader for pcap and pcapng captures.
 *
 * The caller pushes bytes as they arrive (`push`), pulls complete packets (`next`), and says when the
 * input is over (`end`). The reader never does I/O and never holds more than the unconsumed tail of the
 * input (see byte-queue.ts), so captures of any size stream through in bounded memory. Chunks may split
 * any structure at any byte. The format is decided by the first 4 bytes.
 *
 * Packets are zero-copy: `data` is a `subarray` view of a pushed chunk or of the reader's scratch
 * buffer. It is valid until the next `push` or `next` call; copy it (`data.slice()`) to keep it longer.
 *
 * Every malformed input raises a CaptureError (see capture-error.ts) naming the stream offset. Errors
 * are sticky: once `next` has thrown, every later `next` and `end` throws the same error.
 */

import { ByteQueue } from "./byte-queue.js";
import { CaptureError, describeBadMagic, hex32, type CaptureErrorCode } from "./capture-error.js";
import {
  BT_EPB,
  BT_IDB,
  BT_PB,
  BT_SHB,
  BT_SPB,
  DEFAULT_MAX_BLOCK_BYTES,
  DEFAULT_MAX_PACKET_BYTES,
  PCAP_FILE_HEADER_BYTES,
  PCAP_LT_FCS_PRESENT,
  PCAP_LT_FCS_SHIFT,
  PCAP_LT_LINKTYPE_MASK,
  PCAP_MAGIC_NS,
  PCAP_MAGIC_NS_SWAPPED,
  PCAP_MAGIC_US,
  PCAP_MAGIC_US_SWAPPED,
  PCAP_RECORD_HEADER_BYTES,
  PCAP_VERSION_MAJOR,
  PCAPNG_BYTE_ORDER_MAGIC,
  PCAPNG_EPB_DATA_OFFSET,
  PCAPNG_EPB_MIN_BYTES,
  PCAPNG_SPB_DATA_OFFSET,
  PCAPNG_SPB_MIN_BYTES,
  PCAPNG_VERSION_MAJOR,
  blockName,
  minBlockBytes,
} from "./format.js";
import {
  makePacket,
  type CaptureFormat,
  type CaptureInterface,
  type CapturedPacket,
  type CaptureReaderOptions,
  type Iface,
} from "./packet.js";
import { decodeInterfaceBlock } from "./pcapng-interface.js";
import { NS_PER_SECOND, TimestampResolution } from "./timestamp.js";

export type { CaptureFormat, CaptureInterface, CapturedPacket, CaptureReaderOptions } from "./packet.js";

// Reader states, in stream order.
/** Waiting for the 4 bytes that decide the format. */
const MODE_DETECT = 0;
/** pcap: waiting for the 24-byte file header. */
const MODE_PCAP_HEADER = 1;
/** pcap: reading records. */
const MODE_PCAP_RECORDS = 2;
/** pcapng: reading blocks (the first is the section header the magic announced). */
const MODE_PCAPNG = 3;

/** PCAPNG_BYTE_ORDER_MAGIC as read with the wrong byte order. */
const BYTE_ORDER_MAGIC_SWAPPED = 0x4d3c2b1a;

/** A sans-IO streaming reader of pcap and pcapng bytes. */
export class CaptureReader {
  /** Unconsumed input. */
  private readonly q = new ByteQueue();
  /** See CaptureReaderOptions.maxPacketBytes. */
  private readonly maxPacketBytes: number;
  /** See CaptureReaderOptions.maxBlockBytes. */
  private readonly maxBlockBytes: number;
  /** See CaptureReaderOptions.enforceSnaplen. */
  private readonly enforceSnaplen: boolean;
  /** One of MODE_*. */
  private mode = MODE_DETECT;
  /** Detected format, once known. */
  private fmt: CaptureFormat | undefined;
  /** Byte order of the pcap file or the current pcapng section. */
  private le = true;
  /** pcap: nanosecond timestamps. */
  private nanos = false;
  /** Interfaces of the pcap file or the current pcapng section. */
  private ifaces: Iface[] = [];
  /** The error that stopped the reader; rethrown by every later call. */
  private failure: CaptureError | undefined;
  /** `end` has been called. */
  private ended = false;
  /** The last `next` returned undefined and nothing has been pushed since. */
  private stalled = false;

  constructor(options: CaptureReaderOptions = {}) {
    this.maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
    this.maxBlockBytes = options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES;
    this.enforceSnaplen = options.enforceSnaplen ?? true;
  }

  /** The detected format, once the first 4 bytes have been seen. */
  get format(): CaptureFormat | undefined {
    return this.fmt;
  }

  /** Interfaces of the pcap file or the current pcapng section, by interface id. */
  get interfaces(): readonly CaptureInterface[] {
    return this.ifaces;
  }

  /** Stream offset of the first byte not yet consumed. */
  get bytesConsumed(): number {
    return this.q.offset;
  }

  /** Bytes pushed but not yet consumed. */
  get bufferedBytes(): number {
    return this.q.available;
  }

  /** Queues the next bytes of the stream. The reader borrows `chunk`: do not modify it afterwards. */
  push(chunk: Uint8Array): void {
    if (this.ended) {
      throw new Error("CaptureReader.push() called after end()");
    }
    this.q.push(chunk);
    this.stalled = false;
  }

  /** The next complete packet, or undefined when more input is needed (or the input is over). */
  next(): CapturedPacket | undefined {
    if (this.failure !== undefined) {
      throw this.failure;
    }
    try {
      const packet = this.read();
      this.stalled = packet === undefined;
      return packet;
    } catch (e) {
      if (e instanceof CaptureError) {
        this.failure = e;
      }
      throw e;
    }
  }

  /**
   * Declares the input finished. Throws a `truncated` CaptureError if every complete packet has been
   * taken and bytes remain (the input stopped mid-record) or no header was seen; otherwise the remaining
   * complete packets are still returned by `next`, and the `next` after the last one throws instead.
   */
  end(): void {
    this.ended = true;
    if (this.failure !== undefined) {
      throw this.failure;
    }
    if (this.stalled) {
      this.next();
    }
  }

  // ## Dispatch

  /** Reads structures until a packet is complete or input runs out. */
  private read(): CapturedPacket | undefined {
    for (;;) {
      switch (this.mode) {
        case MODE_DETECT:
          if (!this.need(4, "magic number")) {
            return undefined;
          }
          this.detect();
          break;
        case MODE_PCAP_HEADER:
          if (!this.need(PCAP_FILE_HEADER_BYTES, "file header")) {
            return undefined;
          }
          this.readPcapHeader();
          break;
        case MODE_PCAP_RECORDS:
          return this.readPcapRecord();
        default: {
          const packet = this.readBlock();
          if (packet !== null) {
            return packet;
          }
        }
      }
    }
  }

  /**
   * Makes `n` bytes available at the queue head. When they are not there yet: false, or after `end`
   * a `truncated` error (a clean end is only possible between records, with nothing left over).
   */
  private need(n: number, what: string): boolean {
    const q = this.q;
    if (q.ensure(n)) {
      return true;
    }
    if (this.ended && (q.available > 0 || this.mode <= MODE_PCAP_HEADER)) {
      const prefix = this.fmt ?? "capture";
      const message =
        q.offset === 0 && q.available === 0
          ? `${prefix}: input is empty (expected a pcap or pcapng header)`
          : `${prefix}: input ended after ${q.available} of the ${n} bytes of the ${what} at offset ${q.offset}`;
      throw new CaptureError("truncated", q.offset, message);
    }
    return false;
  }

  /** Decides the format from the first 4 bytes (not consumed: they belong to the header). */
  private detect(): void {
    const q = this.q;
    const magic = q.view.getUint32(q.pos, true);
    switch (magic) {
      case PCAP_MAGIC_US:
      case PCAP_MAGIC_NS:
      case PCAP_MAGIC_US_SWAPPED:
      case PCAP_MAGIC_NS_SWAPPED:
        this.fmt = "pcap";
        this.le = magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS;
        this.nanos = magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_NS_SWAPPED;
        this.mode = MODE_PCAP_HEADER;
        return;
      case BT_SHB:
        this.fmt = "pcapng";
        this.mode = MODE_PCAPNG;
        return;
      default:
        throw new CaptureError("bad-magic", q.offset, describeBadMagic(q.buf, q.pos, magic));
    }
  }

  // ## pcap

  /** Reads the 24-byte pcap file header into the single interface. */
  private readPcapHeader(): void {
    const q = this.q;
    const v = q.view;
    const p = q.pos;
    const major = v.getUint16(p + 4, this.le);
    if (major !== PCAP_VERSION_MAJOR) {
      const minor = v.getUint16(p + 6, this.le);
      this.fail("bad-header", q.offset, `unsupported version ${major}.${minor} in the file header`);
    }
    const snaplen = v.getUint32(p + 16, this.le);
    const linkField = v.getUint32(p + 20, this.le);
    const tsresol = this.nanos ? 9 : 6;
    this.ifaces = [
      {
        linkType: linkField & PCAP_LT_LINKTYPE_MASK,
        snaplen,
        tsUnitsPerSecond: this.nanos ? NS_PER_SECOND : 1_000_000,
        tsresol,
        tsOffsetSec: 0,
        fcsBytes: (linkField & PCAP_LT_FCS_PRESENT) !== 0 ? (linkField >>> PCAP_LT_FCS_SHIFT) * 2 : undefined,
        name: undefined,
        res: new TimestampResolution(tsresol),
      },
    ];
    q.consume(PCAP_FILE_HEADER_BYTES);
    this.mode = MODE_PCAP_RECORDS;
  }

  /** Reads one pcap record, or returns undefined when it is not complete yet. */
  private readPcapRecord(): CapturedPacket | undefined {
    const q = this.q;
    if (!this.need(PCAP_RECORD_HEADER_BYTES, "record header")) {
      return undefined;
    }
    const le = this.le;
    const iface = this.ifaces[0]!;
    const inclLen = q.view.getUint32(q.pos + 8, le);
    this.checkCaptureLength(inclLen, iface, "record");
    const total = PCAP_RECORD_HEADER_BYTES + inclLen;
    if (!this.need(total, "record")) {
      return undefined;
    }
    // ensure() may have moved the record into the scratch buffer: read view and pos only now.
    const v = q.view;
    const p = q.pos;
    let sec = v.getUint32(p, le);
    let nsec = this.nanos ? v.getUint32(p + 4, le) : v.getUint32(p + 4, le) * 1000;
    if (nsec >= NS_PER_SECOND) {
      // Out-of-range fractions occur in the wild; carry them into the seconds.
      sec += Math.floor(nsec / NS_PER_SECOND);
      nsec %= NS_PER_SECOND;
    }
    const origLen = v.getUint32(p + 12, le);
    const data = q.buf.subarray(p + PCAP_RECORD_HEADER_BYTES, p + total);
    const offset = q.offset;
    q.consume(total);
    return makePacket(iface.linkType, 0, sec, nsec, origLen, data, offset);
  }

  // ## pcapng

  /** Reads one pcapng block: a packet, null after a block without one, undefined when incomplete. */
  private readBlock(): CapturedPacket | undefined | null {
    const q = this.q;
    if (!this.need(8, "block header")) {
      return undefined;
    }
    const type = q.view.getUint32(q.pos, this.le);
    let le = this.le;
    if (type === BT_SHB) {
      // The section's byte order comes from its byte-order magic, which follows the length.
      if (!this.need(12, "section header block")) {
        return undefined;
      }
      const bom = q.view.getUint32(q.pos + 8, true);
      if (bom !== PCAPNG_BYTE_ORDER_MAGIC && bom !== BYTE_ORDER_MAGIC_SWAPPED) {
        this.fail("bad-header", q.offset, `section header block has byte-order magic 0x${hex32(bom)}`);
      }
      le = bom === PCAPNG_BYTE_ORDER_MAGIC;
    }
    const len = q.view.getUint32(q.pos + 4, le);
    const name = blockName(type);
    this.checkBlockLength(len, minBlockBytes(type), name);
    if (!this.need(len, name)) {
      return undefined;
    }
    const v = q.view;
    const p = q.pos;
    const trailer = v.getUint32(p + len - 4, le);
    if (trailer !== len) {
      this.fail("bad-block-length", q.offset, `${name} has length ${len} but trailing length ${trailer}`);
    }
    let result: CapturedPacket | null = null;
    switch (type) {
      case BT_SHB:
        this.readSectionHeader(le);
        break;
      case BT_IDB:
        this.ifaces.push(decodeInterfaceBlock(q.buf, v, p, len, le, q.offset));
        break;
      case BT_EPB:
      case BT_PB:
        result = this.readEnhancedPacket(type, len);
        break;
      case BT_SPB:
        result = this.readSimplePacket(len);
        break;
      default:
        // NRB, ISB, DSB, custom and unknown blocks carry no packets; the length framing skips them.
        break;
    }
    q.consume(len);
    return result;
  }

  /** Checks a block's leading length (type minimum, alignment, limit) before buffering the block. */
  private checkBlockLength(len: number, min: number, name: string): void {
    const off = this.q.offset;
    if (len < min) {
      this.fail("bad-block-length", off, `${name} has length ${len}, shorter than the ${min}-byte minimum`);
    }
    if (len % 4 !== 0) {
      this.fail("bad-block-length", off, `${name} has length ${len}, not a multiple of 4`);
    }
    if (len > this.maxBlockBytes) {
      this.fail(
        "bad-block-length",
        off,
        `${name} has length ${len}, over the ${this.maxBlockBytes}-byte limit`,
      );
    }
  }

  /** Starts a new section: its byte order, and no interfaces yet. */
  private readSectionHeader(le: boolean): void {
    const q = this.q;
    const major = q.view.getUint16(q.pos + 12, le);
    if (major !== PCAPNG_VERSION_MAJOR) {
      const minor = q.view.getUint16(q.pos + 14, le);
      this.fail("bad-header", q.offset, `section header block has unsupported version ${major}.${minor}`);
    }
    this.le = le;
    this.ifaces = [];
  }

  /** Reads an enhanced packet block (or the obsolete packet block, which has a 16-bit interface id). */
  private readEnhancedPacket(type: number, len: number): CapturedPacket {
    const q = this.q;
    const v = q.view;
    const p = q.pos;
    const le = this.le;
    const name = blockName(type);
    const interfaceId = type === BT_PB ? v.getUint16(p + 8, le) : v.getUint32(p + 8, le);
    const iface = this.ifaces[interfaceId];
    if (iface === undefined) {
      this.fail(
        "unknown-interface",
        q.offset,
        `${name} names interface ${interfaceId}, but the section defines ${this.ifaces.length}`,
      );
    }
    const capLen = v.getUint32(p + 20, le);
    if (PCAPNG_EPB_DATA_OFFSET + capLen > len - 4) {
      this.fail(
        "bad-block-length",
        q.offset,
        `${name} has captured length ${capLen}, more than its ${len - PCAPNG_EPB_MIN_BYTES} data bytes`,
      );
    }
    this.checkCaptureLength(capLen, iface, name);
    const res = iface.res;
    res.split(v.getUint32(p + 12, le), v.getUint32(p + 16, le));
    const data = q.buf.subarray(p + PCAPNG_EPB_DATA_OFFSET, p + PCAPNG_EPB_DATA_OFFSET + capLen);
    const sec = res.sec + iface.tsOffsetSec;
    return makePacket(iface.linkType, interfaceId, sec, res.nsec, v.getUint32(p + 24, le), data, q.offset);
  }

  /** Reads a simple packet block: interface 0, no timestamp, captured length min(original, snaplen). */
  private readSimplePacket(len: number): CapturedPacket {
    const q = this.q;
    const p = q.pos;
    const name = blockName(BT_SPB);
    const iface = this.ifaces[0];
    if (iface === undefined) {
      this.fail("unknown-interface", q.offset, `${name} appears before any interface description block`);
    }
    const origLen = q.view.getUint32(p + 8, this.le);
    const capLen = iface.snaplen !== 0 && iface.snaplen < origLen ? iface.snaplen : origLen;
    if (PCAPNG_SPB_DATA_OFFSET + capLen > len - 4) {
      this.fail(
        "bad-block-length",
        q.offset,
        `${name} has captured length ${capLen}, more than its ${len - PCAPNG_SPB_MIN_BYTES} data bytes`,
      );
    }
    this.checkCaptureLength(capLen, iface, name);
    const data = q.buf.subarray(p + PCAPNG_SPB_DATA_OFFSET, p + PCAPNG_SPB_DATA_OFFSET + capLen);
    return makePacket(iface.linkType, 0, 0, 0, origLen, data, q.offset);
  }

  // ## Shared checks

  /** Rejects a captured length over the packet limit or (when enforced) the interface's snaplen. */
  private checkCaptureLength(capLen: number, iface: Iface, what: string): void {
    if (capLen > this.maxPacketBytes) {
      this.fail(
        "oversize-record",
        this.q.offset,
        `${what} has captured length ${capLen}, over the ${this.maxPacketBytes}-byte limit`,
      );
    }
    if (this.enforceSnaplen && iface.snaplen !== 0 && capLen > iface.snaplen) {
      this.fail(
        "oversize-record",
        this.q.offset,
        `${what} has captured length ${capLen}, over the interface snaplen ${iface.snaplen}`,
      );
    }
  }

  /** Throws a CaptureError whose message names the format and the offset. */
  private fail(code: CaptureErrorCode, offset: number, detail: string): never {
    throw new CaptureError(code, offset, `${this.fmt ?? "capture"}: ${detail} (at offset ${offset})`);
  }
}
