/**
 * @fileoverview Verdicts and drop reasons, numbered as Hubble numbers them.
 *
 * Flow records, `trace` and `replay` print these names, so the numbers follow Cilium's
 * `api/v1/flow/flow.proto` (`Verdict`) and `pkg/monitor/api/drop.go` (`DropReason`) exactly; a tool that
 * reads Hubble output reads ours. A program's RET instruction carries one of the verdict numbers and,
 * when it drops, one of the reason numbers.
 */

/** Hubble `Verdict` enum. */
export const VERDICT_UNKNOWN = 0;
/** The packet goes on. */
export const VERDICT_FORWARDED = 1;
/** The packet is dropped; the drop reason says why. */
export const VERDICT_DROPPED = 2;
/** Processing failed (never produced for a verified program on a well-formed context). */
export const VERDICT_ERROR = 3;
/** Policy audit mode: a would-be drop let through and flagged. */
export const VERDICT_AUDIT = 4;
/** Sent to a proxy (in sluice: inspected by the L7 engine). */
export const VERDICT_REDIRECTED = 5;
/** Observation point only. */
export const VERDICT_TRACED = 6;
/** Address translation happened. */
export const VERDICT_TRANSLATED = 7;

/** Names by verdict number, as Hubble prints them. */
export const VERDICT_NAMES: Readonly<Record<number, string>> = {
  [VERDICT_UNKNOWN]: "VERDICT_UNKNOWN",
  [VERDICT_FORWARDED]: "FORWARDED",
  [VERDICT_DROPPED]: "DROPPED",
  [VERDICT_ERROR]: "ERROR",
  [VERDICT_AUDIT]: "AUDIT",
  [VERDICT_REDIRECTED]: "REDIRECTED",
  [VERDICT_TRACED]: "TRACED",
  [VERDICT_TRANSLATED]: "TRANSLATED",
};

/** Highest verdict number a RET instruction may carry. */
export const VERDICT_MAX = VERDICT_TRANSLATED;

/** No drop reason (the packet was not dropped). */
export const REASON_NONE = 0;
/** Source address not valid. */
export const REASON_INVALID_SOURCE_IP = 132;
/** No allow entry matched: default deny. */
export const REASON_POLICY_DENIED = 133;
/** Malformed packet. */
export const REASON_INVALID_PACKET_DROPPED = 134;
/** Conntrack could not read the L4 header (truncated or invalid). */
export const REASON_CT_TRUNCATED_OR_INVALID_HEADER = 135;
/** TCP packet of an unknown connection without SYN and without ACK. */
export const REASON_CT_MISSING_TCP_ACK_FLAG = 136;
/** Conntrack does not know this L4 protocol. */
export const REASON_CT_UNKNOWN_L4_PROTOCOL = 137;
/** Neither IPv4 nor IPv6 (nor ARP). */
export const REASON_UNSUPPORTED_L3_PROTOCOL = 139;
/** L4 protocol the datapath does not parse. */
export const REASON_UNKNOWN_L4_PROTOCOL = 142;
/** Conntrack table full and nothing could be evicted. */
export const REASON_CT_MAP_INSERTION_FAILED = 155;
/** A non-first fragment whose ports are unknown and no L3-only rule allows its peer. */
export const REASON_IP_FRAGMENTATION_NOT_SUPPORTED = 157;
/** The endpoint has no policy yet. */
export const REASON_NO_CONFIGURATION = 165;
/** Encapsulated traffic not allowed. */
export const REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED = 170;
/** An explicit deny entry matched. */
export const REASON_POLICY_DENY = 181;
/** Authentication required. */
export const REASON_AUTH_REQUIRED = 189;

/**
 * sluice's own reasons, for L7 inspection failures, numbered from 1000 so they never collide with
 * Hubble's (which stay below 256: the datapath carries them in a byte). Cilium has no datapath reason
 * for these: its proxy closes the connection. Flow records print their names; Hubble tools that read
 * the records see an unknown drop_reason_desc.
 */
/** The L7 decoder could not parse the stream (bad request line, bad frame, HPACK error, ...). */
export const REASON_L7_PROTOCOL_ERROR = 1001;
/** An L7 buffer limit was reached (header block, message, or the out-of-order reassembly buffer). */
export const REASON_L7_LIMIT = 1002;

/** Names by drop-reason number, as Hubble prints them in `drop_reason_desc`. */
export const DROP_REASON_NAMES: Readonly<Record<number, string>> = {
  [REASON_NONE]: "DROP_REASON_UNKNOWN",
  [REASON_INVALID_SOURCE_IP]: "INVALID_SOURCE_IP",
  [REASON_POLICY_DENIED]: "POLICY_DENIED",
  [REASON_INVALID_PACKET_DROPPED]: "INVALID_PACKET_DROPPED",
  [REASON_CT_TRUNCATED_OR_INVALID_HEADER]: "CT_TRUNCATED_OR_INVALID_HEADER",
  [REASON_CT_MISSING_TCP_ACK_FLAG]: "CT_MISSING_TCP_ACK_FLAG",
  [REASON_CT_UNKNOWN_L4_PROTOCOL]: "CT_UNKNOWN_L4_PROTOCOL",
  [REASON_UNSUPPORTED_L3_PROTOCOL]: "UNSUPPORTED_L3_PROTOCOL",
  [REASON_UNKNOWN_L4_PROTOCOL]: "UNKNOWN_L4_PROTOCOL",
  [REASON_CT_MAP_INSERTION_FAILED]: "CT_MAP_INSERTION_FAILED",
  [REASON_IP_FRAGMENTATION_NOT_SUPPORTED]: "IP_FRAGMENTATION_NOT_SUPPORTED",
  [REASON_NO_CONFIGURATION]: "NO_CONFIGURATION_AVAILABLE_TO_PERFORM_POLICY_DECISION",
  [REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED]: "ENCAPSULATION_TRAFFIC_IS_PROHIBITED",
  [REASON_POLICY_DENY]: "POLICY_DENY",
  [REASON_AUTH_REQUIRED]: "AUTH_REQUIRED",
  [REASON_L7_PROTOCOL_ERROR]: "SLUICE_L7_PROTOCOL_ERROR",
  [REASON_L7_LIMIT]: "SLUICE_L7_LIMIT",
};

/** The Hubble name of a verdict number (`VERDICT_UNKNOWN` for numbers Hubble does not define). */
export function verdictName(verdict: number): string {
  return VERDICT_NAMES[verdict] ?? "VERDICT_UNKNOWN";
}

/** The Hubble name of a drop reason, or `DROP_REASON_<n>` for a number without a name. */
export function dropReasonName(reason: number): string {
  return DROP_REASON_NAMES[reason] ?? `DROP_REASON_${reason}`;
}

/** Verdict number from its Hubble name, or undefined. */
export function verdictByName(name: string): number | undefined {
  for (const [num, n] of Object.entries(VERDICT_NAMES)) {
    if (n === name) {
      return Number(num);
    }
  }
  return undefined;
}

/** Drop reason number from its Hubble name, or undefined. */
export function dropReasonByName(name: string): number | undefined {
  for (const [num, n] of Object.entries(DROP_REASON_NAMES)) {
    if (n === name) {
      return Number(num);
    }
  }
  return undefined;
}
