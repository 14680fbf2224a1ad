/**
 * @fileoverview The context record: the fixed set of 32-bit words the packet parser fills in and the
 * bytecode reads. This file is the one table of field ids.
 *
 * A context is a `Uint32Array` of `CTX_WORDS` words; a field id is the index of its first word, so a
 * program's `LDF dst, FIELD` is one array read and a table key names its fields by the same ids.
 * Multi-word fields (IPv6 addresses) occupy consecutive words, most significant word first. Fields
 * below `F_META0` are written by the runtime (parser, conntrack, services) and are read-only to the
 * program; `F_META0`..`F_META15` are scratch words the program may write with `STF` (for example a
 * peer identity that a later table lookup uses as a key).
 *
 * Values are host-order unsigned integers: an IPv4 address 10.0.0.1 is 0x0a000001, a port is 0..65535.
 */

/** Packet metadata bits (PKT_*), see below. */
export const F_FLAGS = 0;
/** EtherType of the innermost L3 header (0x0800, 0x86dd, 0x0806) or 0. */
export const F_ETHERTYPE = 1;
/** 4, 6, or 0 when there is no IP header. */
export const F_IP_VERSION = 2;
/** IP protocol of the L4 header after IPv6 extension headers (6 TCP, 17 UDP, 132 SCTP, 1 ICMP, 58 ICMPv6); 0 if none. */
export const F_PROTO = 3;
/** IPv4 source address, 0 for IPv6 packets. */
export const F_SRC_IP4 = 4;
/** IPv4 destination address, 0 for IPv6 packets. */
export const F_DST_IP4 = 5;
/** Source address as 128 bits (4 words, most significant first); IPv4 appears IPv4-mapped (::ffff:a.b.c.d). */
export const F_SRC_IP6 = 6;
/** Destination address as 128 bits (4 words); IPv4 appears IPv4-mapped. */
export const F_DST_IP6 = 10;
/** TCP/UDP/SCTP source port; 0 when the packet has no ports (ICMP, non-first fragment). */
export const F_SRC_PORT = 14;
/** TCP/UDP/SCTP destination port; 0 when the packet has no ports. */
export const F_DST_PORT = 15;
/** TCP flags byte (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80). */
export const F_TCP_FLAGS = 16;
/** ICMP / ICMPv6 type. */
export const F_ICMP_TYPE = 17;
/** ICMP / ICMPv6 code. */
export const F_ICMP_CODE = 18;
/** ICMP / ICMPv6 echo identifier (echo request and reply only). */
export const F_ICMP_ID = 19;
/** Byte offset of the innermost L3 header in the frame. */
export const F_L3_OFFSET = 20;
/** Byte offset of the L4 header in the frame. */
export const F_L4_OFFSET = 21;
/** Byte offset of the L4 payload in the frame. */
export const F_PAYLOAD_OFFSET = 22;
/** Length of the L4 payload in bytes (as captured, bounded by the IP length). */
export const F_PAYLOAD_LENGTH = 23;
/** Captured length of the whole frame in bytes. */
export const F_FRAME_LENGTH = 24;
/** Outer 802.1Q / 802.1ad VLAN id, 0 if none. */
export const F_VLAN_OUTER = 25;
/** Inner (QinQ) VLAN id, 0 if none. */
export const F_VLAN_INNER = 26;
/** Fragment offset in bytes (IPv4 and IPv6). */
export const F_FRAG_OFFSET = 27;
/** Fragment identification (IPv4 16 bits, IPv6 32 bits). */
export const F_FRAG_ID = 28;
/** IPv4 TTL or IPv6 hop limit of the innermost header. */
export const F_TTL = 29;
/** Tunnel kind (TUN_*), 0 if the packet was not encapsulated. */
export const F_TUNNEL_TYPE = 30;
/** VXLAN or Geneve VNI of the outer header. */
export const F_TUNNEL_VNI = 31;
/** Outer source address (4 words, IPv4-mapped for IPv4) of a tunnelled packet. */
export const F_OUTER_SRC_IP6 = 32;
/** Outer destination address (4 words) of a tunnelled packet. */
export const F_OUTER_DST_IP6 = 36;
/** Direction the caller says the packet travels (DIR_*). */
export const F_DIRECTION = 40;
/** Parser verdict: 0 when the packet parsed, else the drop reason (e.g. 134 INVALID_PACKET_DROPPED). */
export const F_PARSE_REASON = 41;
/** Conntrack state (CT_*) written by the CT_LOOKUP service. */
export const F_CT_STATE = 42;
/** Link type the frame was read with (1 Ethernet, 101 raw IP, 113 SLL, 276 SLL2). */
export const F_LINK_TYPE = 43;
/** IP total length from the innermost header (IPv4 total length; IPv6 payload length + 40). */
export const F_IP_LENGTH = 44;
/** Reserved for later runtime-written fields. */
export const F_RESERVED45 = 45;
/** Reserved for later runtime-written fields. */
export const F_RESERVED46 = 46;
/** Reserved for later runtime-written fields. */
export const F_RESERVED47 = 47;
/** First program-writable scratch word; META0..META15 are 48..63. */
export const F_META0 = 48;
/** Number of words in a context record. */
export const CTX_WORDS = 64;

/** Packet is IPv4. */
export const PKT_IPV4 = 1 << 0;
/** Packet is IPv6. */
export const PKT_IPV6 = 1 << 1;
/** The L4 header was read: ports (or ICMP type/code) are valid. */
export const PKT_HAS_L4 = 1 << 2;
/** Packet is a fragment (first or not). */
export const PKT_FRAGMENT = 1 << 3;
/** Packet is a non-first fragment: it carries no L4 header. */
export const PKT_NONFIRST_FRAGMENT = 1 << 4;
/** Packet was decapsulated from a tunnel. */
export const PKT_TUNNEL = 1 << 5;
/** Packet is ARP (recognised, not policed). */
export const PKT_ARP = 1 << 6;
/** A header was malformed; F_PARSE_REASON says which drop reason applies. */
export const PKT_MALFORMED = 1 << 7;
/** The frame ended before a header it announced. */
export const PKT_TRUNCATED = 1 << 8;
/** The frame carried at least one VLAN tag. */
export const PKT_VLAN = 1 << 9;
/** IPv4 options or IPv6 extension headers were present. */
export const PKT_IP_OPTIONS = 1 << 10;
/** Conntrack says this packet is a reply of a tracked connection. */
export const PKT_REPLY = 1 << 11;
/** An L3 or L4 protocol the parser does not understand. */
export const PKT_UNSUPPORTED = 1 << 12;

/** Not encapsulated. */
export const TUN_NONE = 0;
/** VXLAN (UDP 4789, or 8472 as Flannel uses). */
export const TUN_VXLAN = 1;
/** Geneve (UDP 6081). */
export const TUN_GENEVE = 2;
/** IPv4-in-IPv4 (protocol 4). */
export const TUN_IPIP = 3;
/** IPv6-in-IPv6 or IPv6-in-IPv4 (protocol 41). */
export const TUN_IP6IP6 = 4;

/** Direction unknown. */
export const DIR_UNKNOWN = 0;
/** Towards the local endpoint. */
export const DIR_INGRESS = 1;
/** From the local endpoint. */
export const DIR_EGRESS = 2;

/** Conntrack: first packet of a connection (Cilium's CT_NEW). */
export const CT_NEW = 0;
/** Conntrack: packet of an established connection in the original direction. */
export const CT_ESTABLISHED = 1;
/** Conntrack: reply direction of a tracked connection. */
export const CT_REPLY = 2;
/** Conntrack: related to a tracked connection (ICMP error). */
export const CT_RELATED = 3;
/** Conntrack: a closed connection opened again. */
export const CT_REOPENED = 4;

/** A context field as the text form and the table key specs name it. */
export interface ContextFieldInfo {
  /** Field id (index of the first word). */
  readonly id: number;
  /** Name in the text form, lower case (`src_ip4`). */
  readonly name: string;
  /** Width in 32-bit words (1, or 4 for 128-bit addresses). */
  readonly words: 1 | 4;
  /** Whether a program may write it with STF. */
  readonly writable: boolean;
}

function field(id: number, name: string, words: 1 | 4 = 1): ContextFieldInfo {
  return { id, name, words, writable: id >= F_META0 };
}

/** Every named field, in id order. META words are named meta0..meta15. */
export const CONTEXT_FIELDS: readonly ContextFieldInfo[] = [
  field(F_FLAGS, "flags"),
  field(F_ETHERTYPE, "ethertype"),
  field(F_IP_VERSION, "ip_version"),
  field(F_PROTO, "proto"),
  field(F_SRC_IP4, "src_ip4"),
  field(F_DST_IP4, "dst_ip4"),
  field(F_SRC_IP6, "src_ip6", 4),
  field(F_DST_IP6, "dst_ip6", 4),
  field(F_SRC_PORT, "src_port"),
  field(F_DST_PORT, "dst_port"),
  field(F_TCP_FLAGS, "tcp_flags"),
  field(F_ICMP_TYPE, "icmp_type"),
  field(F_ICMP_CODE, "icmp_code"),
  field(F_ICMP_ID, "icmp_id"),
  field(F_L3_OFFSET, "l3_offset"),
  field(F_L4_OFFSET, "l4_offset"),
  field(F_PAYLOAD_OFFSET, "payload_offset"),
  field(F_PAYLOAD_LENGTH, "payload_length"),
  field(F_FRAME_LENGTH, "frame_length"),
  field(F_VLAN_OUTER, "vlan_outer"),
  field(F_VLAN_INNER, "vlan_inner"),
  field(F_FRAG_OFFSET, "frag_offset"),
  field(F_FRAG_ID, "frag_id"),
  field(F_TTL, "ttl"),
  field(F_TUNNEL_TYPE, "tunnel_type"),
  field(F_TUNNEL_VNI, "tunnel_vni"),
  field(F_OUTER_SRC_IP6, "outer_src_ip6", 4),
  field(F_OUTER_DST_IP6, "outer_dst_ip6", 4),
  field(F_DIRECTION, "direction"),
  field(F_PARSE_REASON, "parse_reason"),
  field(F_CT_STATE, "ct_state"),
  field(F_LINK_TYPE, "link_type"),
  field(F_IP_LENGTH, "ip_length"),
  field(F_RESERVED45, "reserved45"),
  field(F_RESERVED46, "reserved46"),
  field(F_RESERVED47, "reserved47"),
  ...Array.from({ length: 16 }, (_, i) => field(F_META0 + i, `meta${i}`)),
];

const FIELD_BY_ID = new Map(CONTEXT_FIELDS.map((f) => [f.id, f]));
const FIELD_BY_NAME = new Map(CONTEXT_FIELDS.map((f) => [f.name, f]));

/** The field starting at word `id`, or undefined when `id` is inside a multi-word field or out of range. */
export function contextField(id: number): ContextFieldInfo | undefined {
  return FIELD_BY_ID.get(id);
}

/** The field with text-form name `name`, or undefined. */
export function contextFieldByName(name: string): ContextFieldInfo | undefined {
  return FIELD_BY_NAME.get(name);
}

/** A fresh zeroed context record. */
export function createContext(): Uint32Array {
  return new Uint32Array(CTX_WORDS);
}
