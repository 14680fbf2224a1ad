/**
 * @fileoverview The reader's data model: CapturedPacket (one packet, a zero-copy view), CaptureInterface
 * (what is known about the interface a packet came from), the reader's options, and the one function
 * that builds packet records.
 */

import { NS_PER_SECOND, type TimestampResolution } from "./timestamp.js";

/** One packet read from a capture. */
export interface CapturedPacket {
  /** Link type of the packet's interface (LINKTYPE_*, e.g. 1 Ethernet), FCS bits masked off. */
  readonly linkType: number;
  /** Interface index within the current pcapng section; always 0 for pcap. */
  readonly interfaceId: number;
  /** Whole seconds since the Unix epoch (0 for a pcapng simple packet block, which has no timestamp). */
  readonly tsSec: number;
  /** Nanoseconds within the second, 0..999 999 999, truncated to the capture's resolution. */
  readonly tsNsec: number;
  /**
   * `tsSec * 1e9 + tsNsec` as a double: convenient for differences and sorting, but present-day values
   * (~1.7e18) exceed 2^53, so it is only exact to 256 ns. Use `tsSec`/`tsNsec` when exactness matters.
   */
  readonly timestampNs: number;
  /** Bytes captured (the length of `data`). */
  readonly captureLength: number;
  /** Length of the packet on the wire; larger than `captureLength` when the snaplen cut it. */
  readonly originalLength: number;
  /** The captured bytes: a view into the reader's buffers, valid until the next `push` or `next` call. */
  readonly data: Uint8Array;
  /** Stream offset of the packet's record or block. */
  readonly offset: number;
}

/** What the reader knows about one capture interface (pcap has exactly one). */
export interface CaptureInterface {
  /** Link type (LINKTYPE_*), FCS bits masked off. */
  readonly linkType: number;
  /** Snapshot length; 0 means unknown or unlimited. */
  readonly snaplen: number;
  /** Timestamp ticks per second (1e6 for µs pcap and pcapng without if_tsresol, 1e9 for ns). */
  readonly tsUnitsPerSecond: number;
  /** The pcapng if_tsresol byte in effect (6 when absent; 6 or 9 for pcap). */
  readonly tsresol: number;
  /** Seconds added to every timestamp (pcapng if_tsoffset), 0 when absent. */
  readonly tsOffsetSec: number;
  /** FCS bytes at the end of every packet, when the pcap header says so; undefined when unknown. */
  readonly fcsBytes: number | undefined;
  /** Interface name (pcapng if_name), when given. */
  readonly name: string | undefined;
}

/** Limits and strictness of a CaptureReader. */
export interface CaptureReaderOptions {
  /** Largest captured packet accepted (default DEFAULT_MAX_PACKET_BYTES, 262144). */
  readonly maxPacketBytes?: number;
  /** Largest pcapng block accepted, bounding memory (default DEFAULT_MAX_BLOCK_BYTES, 16 MiB). */
  readonly maxBlockBytes?: number;
  /**
   * Reject packets whose captured length exceeds the interface's non-zero snaplen (default true). A
   * longer record usually means a corrupt length; libpcap instead truncates such records silently.
   */
  readonly enforceSnaplen?: boolean;
}

/** Detected capture format. */
export type CaptureFormat = "pcap" | "pcapng";

/** Internal interface record: the public fields plus the resolution used to split timestamps. */
export interface Iface extends CaptureInterface {
  /** Splits this interface's tick counts. */
  readonly res: TimestampResolution;
}

/** Builds a packet record. */
export function makePacket(
  linkType: number,
  interfaceId: number,
  tsSec: number,
  tsNsec: number,
  originalLength: number,
  data: Uint8Array,
  offset: number,
): CapturedPacket {
  return {
    linkType,
    interfaceId,
    tsSec,
    tsNsec,
    timestampNs: tsSec * NS_PER_SECOND + tsNsec,
    captureLength: data.length,
    originalLength,
    data,
    offset,
  };
}
