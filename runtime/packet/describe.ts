/**
 * @fileoverview Text for context words: addresses (dotted quad, RFC 5952 IPv6), TCP flags, protocol,
 * EtherType, tunnel and link-type names, PKT_* flag names, and a one-line packet summary. For flow records,
 * traces and test messages; not on the per-packet path (these allocate strings).
 */

import {
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_ICMP_CODE,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_IP_VERSION,
  F_OUTER_DST_IP6,
  F_OUTER_SRC_IP6,
  F_PARSE_REASON,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  F_TUNNEL_TYPE,
  F_TUNNEL_VNI,
  F_ETHERTYPE,
  PKT_ARP,
  PKT_FRAGMENT,
  PKT_HAS_L4,
  PKT_IP_OPTIONS,
  PKT_IPV4,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_NONFIRST_FRAGMENT,
  PKT_REPLY,
  PKT_TRUNCATED,
  PKT_TUNNEL,
  PKT_UNSUPPORTED,
  PKT_VLAN,
  TUN_GENEVE,
  TUN_IP6IP6,
  TUN_IPIP,
  TUN_NONE,
  TUN_VXLAN,
} from "../context.js";
import { dropReasonName } from "../verdict.js";

/** `a.b.c.d` for an IPv4 address held as a host-order 32-bit integer. */
export function ip4ToString(addr: number): string {
  return `${(addr >>> 24) & 0xff}.${(addr >>> 16) & 0xff}.${(addr >>> 8) & 0xff}.${addr & 0xff}`;
}

/** A 4-byte (IPv4) or 16-byte (IPv6, RFC 5952 form) address in network byte order, as text. */
export function addressBytesToString(a: Uint8Array): string {
  if (a.length === 4) {
    return a.join(".");
  }
  const w = (k: number): number => ((a[k]! << 24) | (a[k + 1]! << 16) | (a[k + 2]! << 8) | a[k + 3]!) >>> 0;
  return ip6ToString([w(0), w(4), w(8), w(12)]);
}

/**
 * An IPv6 address held as four 32-bit words (most significant first) at `words[start..start+3]`, in the
 * RFC 5952 form: lower-case hex without leading zeros, the longest run of two or more zero groups (the
 * first of equal runs) written `::`. IPv4-mapped addresses (::ffff:0:0/96) print as a dotted quad, the
 * form the context uses for IPv4 packets.
 */
export function ip6ToString(words: ArrayLike<number>, start = 0): string {
  const w0 = words[start]! >>> 0;
  const w1 = words[start + 1]! >>> 0;
  const w2 = words[start + 2]! >>> 0;
  const w3 = words[start + 3]! >>> 0;
  if (w0 === 0 && w1 === 0 && w2 === 0xffff) {
    return ip4ToString(w3);
  }
  const groups = [
    w0 >>> 16,
    w0 & 0xffff,
    w1 >>> 16,
    w1 & 0xffff,
    w2 >>> 16,
    w2 & 0xffff,
    w3 >>> 16,
    w3 & 0xffff,
  ];
  let bestAt = -1;
  let bestLen = 1; // RFC 5952 §4.2.2: a single zero group is not shortened.
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) {
      j++;
    }
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) {
    return hex.join(":");
  }
  return `${hex.slice(0, bestAt).join(":")}::${hex.slice(bestAt + bestLen).join(":")}`;
}

/** The 4-word address field `field` of `ctx` (F_SRC_IP6, F_DST_IP6, F_OUTER_*) as text, see ip6ToString. */
export function ipToString(ctx: Uint32Array, field: number): string {
  return ip6ToString(ctx, field);
}

/** TCP flag bits FIN..CWR with tcpdump's letters, in bit order. */
const TCP_FLAG_LETTERS = ["F", "S", "R", "P", ".", "U", "E", "W"] as const;
/** TCP flag bits FIN..CWR by name, in bit order. */
const TCP_FLAG_NAMES = ["FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"] as const;

/**
 * TCP flags as names joined by `|` (`"SYN|ACK"`, `"none"` for 0), or in tcpdump's letters with `tcpdump`
 * true (`"S."` for SYN-ACK, `"none"` for 0).
 */
export function tcpFlagsToString(flags: number, tcpdump = false): string {
  const parts: string[] = [];
  const table = tcpdump ? TCP_FLAG_LETTERS : TCP_FLAG_NAMES;
  for (let bit = 0; bit < 8; bit++) {
    if ((flags & (1 << bit)) !== 0) {
      parts.push(table[bit]!);
    }
  }
  if (parts.length === 0) {
    return "none";
  }
  return parts.join(tcpdump ? "" : "|");
}

/** IANA names of the IP protocols the parser meets. */
const PROTO_NAMES: Readonly<Record<number, string>> = {
  0: "HOPOPT",
  1: "ICMP",
  2: "IGMP",
  4: "IPIP",
  6: "TCP",
  17: "UDP",
  41: "IPv6",
  43: "IPv6-Route",
  44: "IPv6-Frag",
  47: "GRE",
  50: "ESP",
  51: "AH",
  58: "ICMPv6",
  59: "IPv6-NoNxt",
  60: "IPv6-Opts",
  89: "OSPF",
  103: "PIM",
  112: "VRRP",
  132: "SCTP",
};

/** IP protocol name (`TCP`, `ICMPv6`, …), or `proto-<n>` for numbers without one here. */
export function protoName(proto: number): string {
  return PROTO_NAMES[proto] ?? `proto-${proto}`;
}

/** EtherType names. */
const ETHERTYPE_NAMES: Readonly<Record<number, string>> = {
  0x0800: "IPv4",
  0x0806: "ARP",
  0x86dd: "IPv6",
  0x8100: "802.1Q",
  0x88a8: "802.1ad",
  0x9100: "QinQ",
  0x6558: "TEB",
};

/** EtherType name (`IPv4`, `ARP`, …), or `0x<hex>`. */
export function ethertypeName(etype: number): string {
  return ETHERTYPE_NAMES[etype] ?? `0x${etype.toString(16).padStart(4, "0")}`;
}

/** Tunnel kind names by TUN_*. */
const TUNNEL_NAMES: Readonly<Record<number, string>> = {
  [TUN_NONE]: "none",
  [TUN_VXLAN]: "vxlan",
  [TUN_GENEVE]: "geneve",
  [TUN_IPIP]: "ipip",
  [TUN_IP6IP6]: "ip6ip6",
};

/** Tunnel kind name (`vxlan`, `geneve`, `ipip`, `ip6ip6`, `none`), or `tunnel-<n>`. */
export function tunnelTypeName(kind: number): string {
  return TUNNEL_NAMES[kind] ?? `tunnel-${kind}`;
}

/** pcap link-type names. */
const LINK_TYPE_NAMES: Readonly<Record<number, string>> = {
  1: "EN10MB",
  101: "RAW",
  113: "LINUX_SLL",
  276: "LINUX_SLL2",
};

/** pcap link-type name as tcpdump prints it (`EN10MB`, `RAW`, `LINUX_SLL`, …), else `linktype-<n>`. */
export function linkTypeName(linkType: number): string {
  return LINK_TYPE_NAMES[linkType] ?? `linktype-${linkType}`;
}

/** PKT_* bits with their names, in bit order. */
const PKT_FLAG_NAMES: readonly (readonly [number, string])[] = [
  [PKT_IPV4, "ipv4"],
  [PKT_IPV6, "ipv6"],
  [PKT_HAS_L4, "l4"],
  [PKT_FRAGMENT, "fragment"],
  [PKT_NONFIRST_FRAGMENT, "nonfirst"],
  [PKT_TUNNEL, "tunnel"],
  [PKT_ARP, "arp"],
  [PKT_MALFORMED, "malformed"],
  [PKT_TRUNCATED, "truncated"],
  [PKT_VLAN, "vlan"],
  [PKT_IP_OPTIONS, "ipopts"],
  [PKT_REPLY, "reply"],
  [PKT_UNSUPPORTED, "unsupported"],
];

/** PKT_* flag bits as names joined by `|` (`"ipv4|l4"`), `"none"` for 0; unknown bits as `0x<hex>`. */
export function packetFlagsToString(flags: number): string {
  const parts: string[] = [];
  let rest = flags >>> 0;
  for (const [bit, name] of PKT_FLAG_NAMES) {
    if ((rest & bit) !== 0) {
      parts.push(name);
      rest &= ~bit;
    }
  }
  if (rest !== 0) {
    parts.push(`0x${(rest >>> 0).toString(16)}`);
  }
  return parts.length === 0 ? "none" : parts.join("|");
}

/**
 * One line describing a parsed context, tcpdump-like:
 * `10.0.0.1:31245 > 10.0.0.2:80 TCP [S]`, `fd00::1 > fd00::2 ICMPv6 type 128 code 0 id 7`,
 * with ` (vxlan vni 100 192.168.1.1 > 192.168.1.2)` for tunnels and ` DROP <reason>` when the parser
 * set one.
 */
export function summarizeContext(ctx: Uint32Array): string {
  const flags = ctx[F_FLAGS]!;
  let text: string;
  if ((flags & PKT_ARP) !== 0) {
    text = "ARP";
  } else if (ctx[F_IP_VERSION] === 0) {
    text = ethertypeName(ctx[F_ETHERTYPE]!);
  } else {
    const proto = ctx[F_PROTO]!;
    const src = ipToString(ctx, F_SRC_IP6);
    const dst = ipToString(ctx, F_DST_IP6);
    const v6 = ctx[F_IP_VERSION] === 6;
    const hasPorts = (flags & PKT_HAS_L4) !== 0 && (proto === 6 || proto === 17 || proto === 132);
    const ep = (ip: string, port: number): string =>
      hasPorts ? (v6 ? `[${ip}]:${port}` : `${ip}:${port}`) : ip;
    text = `${ep(src, ctx[F_SRC_PORT]!)} > ${ep(dst, ctx[F_DST_PORT]!)} ${protoName(proto)}`;
    if ((flags & PKT_HAS_L4) !== 0 && proto === 6) {
      text += ` [${tcpFlagsToString(ctx[F_TCP_FLAGS]!, true)}]`;
    } else if ((flags & PKT_HAS_L4) !== 0 && (proto === 1 || proto === 58)) {
      text += ` type ${ctx[F_ICMP_TYPE]} code ${ctx[F_ICMP_CODE]} id ${ctx[F_ICMP_ID]}`;
    }
    if ((flags & PKT_FRAGMENT) !== 0) {
      text += (flags & PKT_NONFIRST_FRAGMENT) !== 0 ? " (fragment)" : " (first fragment)";
    }
  }
  if ((flags & PKT_TUNNEL) !== 0) {
    const kind = ctx[F_TUNNEL_TYPE]!;
    const vni = kind === TUN_VXLAN || kind === TUN_GENEVE ? ` vni ${ctx[F_TUNNEL_VNI]}` : "";
    text += ` (${tunnelTypeName(kind)}${vni} ${ipToString(ctx, F_OUTER_SRC_IP6)} > ${ipToString(ctx, F_OUTER_DST_IP6)})`;
  }
  const reason = ctx[F_PARSE_REASON]!;
  if (reason !== 0) {
    text += ` DROP ${dropReasonName(reason)}`;
  }
  return text;
}
