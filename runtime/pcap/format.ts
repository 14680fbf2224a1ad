/**
 * @fileoverview The pcap and pcapng on-disk constants: magic numbers, block types, option codes,
 * structure sizes, link types, and the reader's size limits with the reason for each.
 *
 * Sources: the libpcap savefile format (draft-ietf-opsawg-pcap) and the pcapng format
 * (draft-ietf-opsawg-pcapng). Multi-byte values are written in the file's (or section's) byte order;
 * the magic numbers below are the values as read in that order.
 *
 * pcap file layout:
 *
 *     offset  size  field
 *     0       4     magic: 0xa1b2c3d4 (µs timestamps) or 0xa1b23c4d (ns); byte-swapped = big-endian file
 *     4       2     major version (2)
 *     6       2     minor version (4)
 *     8       8     reserved (historically thiszone, sigfigs)
 *     16      4     snaplen
 *     20      4     link type (low 16 bits) | FCS info (bits 26..31, see PCAP_LT_*)
 *     24      ...   records: ts_sec u32, ts_frac u32, incl_len u32, orig_len u32, then incl_len bytes
 *
 * pcapng block layout (every block):
 *
 *     0       4     block type
 *     4       4     block total length (a multiple of 4, including these 12 framing bytes)
 *     8       ...   body (fixed fields, then options as code u16 / length u16 / value padded to 4)
 *     len-4   4     block total length again
 */

// ## pcap

/** pcap magic, microsecond timestamps. */
export const PCAP_MAGIC_US = 0xa1b2c3d4;
/** pcap magic, nanosecond timestamps. */
export const PCAP_MAGIC_NS = 0xa1b23c4d;
/** pcap magic, microsecond timestamps, as read with the wrong byte order. */
export const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
/** pcap magic, nanosecond timestamps, as read with the wrong byte order. */
export const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
/** Alexey Kuznetsov's "modified pcap" magic (extra record fields); recognised only to say it is unsupported. */
export const PCAP_MAGIC_KUZNETSOV = 0xa1b2cd34;
/** The only pcap major version there is. */
export const PCAP_VERSION_MAJOR = 2;
/** Minor version writers put in the header. */
export const PCAP_VERSION_MINOR = 4;
/** Bytes in the pcap file header. */
export const PCAP_FILE_HEADER_BYTES = 24;
/** Bytes in a pcap record header. */
export const PCAP_RECORD_HEADER_BYTES = 16;
/** Link type field: the link type proper is the low 16 bits. */
export const PCAP_LT_LINKTYPE_MASK = 0x0000ffff;
/** Link type field: set when bits 28..31 carry the FCS length. */
export const PCAP_LT_FCS_PRESENT = 0x04000000;
/** Link type field: shift of the 4-bit FCS length, counted in 16-bit words. */
export const PCAP_LT_FCS_SHIFT = 28;

// ## pcapng

/** Section Header Block type; the value reads the same in both byte orders. */
export const BT_SHB = 0x0a0d0d0a;
/** Interface Description Block. */
export const BT_IDB = 0x00000001;
/** Packet Block (obsolete; still read, since old files contain it). */
export const BT_PB = 0x00000002;
/** Simple Packet Block. */
export const BT_SPB = 0x00000003;
/** Name Resolution Block (skipped). */
export const BT_NRB = 0x00000004;
/** Interface Statistics Block (skipped). */
export const BT_ISB = 0x00000005;
/** Enhanced Packet Block. */
export const BT_EPB = 0x00000006;
/** Decryption Secrets Block (skipped). */
export const BT_DSB = 0x0000000a;
/** Byte-order magic in the SHB, as read in the section's own order. */
export const PCAPNG_BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** The only pcapng major version there is. */
export const PCAPNG_VERSION_MAJOR = 1;
/** Minor version writers put in the SHB. */
export const PCAPNG_VERSION_MINOR = 0;
/** Block type + length + trailing length. */
export const PCAPNG_FRAMING_BYTES = 12;
/** Smallest SHB: framing, byte-order magic, versions, 64-bit section length. */
export const PCAPNG_SHB_MIN_BYTES = 28;
/** Smallest IDB: framing, link type, reserved, snaplen. */
export const PCAPNG_IDB_MIN_BYTES = 20;
/** Smallest EPB (and PB): framing, interface, timestamp high/low, captured and original length. */
export const PCAPNG_EPB_MIN_BYTES = 32;
/** Offset of packet data in an EPB or PB. */
export const PCAPNG_EPB_DATA_OFFSET = 28;
/** Smallest SPB: framing and original length. */
export const PCAPNG_SPB_MIN_BYTES = 16;
/** Offset of packet data in an SPB. */
export const PCAPNG_SPB_DATA_OFFSET = 12;

/** Option: end of options. */
export const OPT_ENDOFOPT = 0;
/** IDB option: interface name (UTF-8). */
export const OPT_IF_NAME = 2;
/** IDB option: timestamp resolution, 1 byte: 10^-v seconds, or 2^-(v & 0x7f) when bit 7 is set. */
export const OPT_IF_TSRESOL = 9;
/** IDB option: signed 64-bit seconds to add to every timestamp on the interface. */
export const OPT_IF_TSOFFSET = 14;
/** if_tsresol when the option is absent: microseconds. */
export const DEFAULT_TSRESOL = 6;
/** if_tsresol bit that selects a power of two. */
export const TSRESOL_BINARY = 0x80;

/** Human names of pcapng block types, for messages. */
export const BLOCK_NAMES: Readonly<Record<number, string>> = {
  [BT_SHB]: "section header block",
  [BT_IDB]: "interface description block",
  [BT_PB]: "packet block",
  [BT_SPB]: "simple packet block",
  [BT_NRB]: "name resolution block",
  [BT_ISB]: "interface statistics block",
  [BT_EPB]: "enhanced packet block",
  [BT_DSB]: "decryption secrets block",
};

// ## Link types (the LINKTYPE_* registry; the ones a Kubernetes node's captures use)

/** Ethernet. */
export const LINKTYPE_ETHERNET = 1;
/** Raw IPv4 or IPv6, no link header. */
export const LINKTYPE_RAW = 101;
/** Linux cooked capture v1 (`tcpdump -i any` before libpcap 1.10). */
export const LINKTYPE_LINUX_SLL = 113;
/** Linux cooked capture v2 (`tcpdump -i any` since libpcap 1.10). */
export const LINKTYPE_LINUX_SLL2 = 276;

// ## Limits

/**
 * Largest captured packet accepted by default: 262144 bytes, libpcap's MAXIMUM_SNAPLEN and Wireshark's
 * standard maximum. Ordinary links never produce larger records, so a bigger length is almost always a
 * corrupt header, and pcap has no way to resynchronise after one.
 */
export const DEFAULT_MAX_PACKET_BYTES = 256 * 1024;

/**
 * Largest pcapng block accepted by default: 16 MiB. A block is buffered whole before it is parsed, so
 * this bounds the memory a corrupt or hostile length can make the reader hold. Packet blocks are at
 * most 256 KiB plus options; name-resolution and decryption-secrets blocks can reach a few MiB.
 */
export const DEFAULT_MAX_BLOCK_BYTES = 16 * 1024 * 1024;

/** A block type's name for messages. */
export function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block of type 0x${(type >>> 0).toString(16).padStart(8, "0")}`;
}

/** The smallest valid length of a block of this type: framing plus its fixed fields. */
export function minBlockBytes(type: number): number {
  switch (type) {
    case BT_SHB:
      return PCAPNG_SHB_MIN_BYTES;
    case BT_IDB:
      return PCAPNG_IDB_MIN_BYTES;
    case BT_EPB:
    case BT_PB:
      return PCAPNG_EPB_MIN_BYTES;
    case BT_SPB:
      return PCAPNG_SPB_MIN_BYTES;
    default:
      return PCAPNG_FRAMING_BYTES;
  }
}

/** Rounds n up to a multiple of 4 (pcapng pads packet data and option values to 32 bits). */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}
