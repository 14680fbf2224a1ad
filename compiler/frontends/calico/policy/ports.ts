/**
 * @fileoverview Calico protocols, ports and ICMP matches (`api/pkg/lib/numorstring/{protocol,port}.go`,
 * `validateProtocol`, `validatePort`, `validateICMPFields` in `libcalico-go/lib/validator/v3`).
 *
 * - Protocol: `TCP`, `UDP`, `ICMP`, `ICMPv6`, `SCTP`, `UDPLite` (case-sensitive) or a number 1–255; a
 *   quoted number reads as the number. Names become numbers here, as the BPF builder needs.
 * - Port: an integer, `"min:max"` (inclusive, min <= max), or a named port: `^[a-zA-Z0-9_.-]{1,128}$`
 *   that is also a valid Kubernetes port name (IANA_SVC_NAME). Port 0 and ports above 65535 are errors.
 * - ICMP: `type` 0–254, `code` 0–255; a code needs a type.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../../../ir/entry.js";
import type { LMap, LNode } from "../../../yaml/located.js";
import {
  S_BAD_ICMP,
  S_BAD_PORT,
  S_BAD_PROTOCOL,
  S_WRONG_TYPE,
  asMap,
  checkFields,
  field,
} from "./context.js";

/** UDP-Lite's protocol number. */
export const PROTO_UDPLITE = 136;

/** Protocol names Calico accepts, with their numbers. */
export const PROTOCOL_NAMES: Readonly<Record<string, number>> = {
  TCP: PROTO_TCP,
  UDP: PROTO_UDP,
  ICMP: PROTO_ICMP,
  ICMPv6: PROTO_ICMPV6,
  SCTP: PROTO_SCTP,
  UDPLite: PROTO_UDPLITE,
};

/** A protocol as read: its number and where it was written. */
export interface ProtocolValue {
  readonly num: number;
  readonly span: Span;
}

/** Whether ports can be matched for protocol `num` (`SupportsPorts`: TCP, UDP, SCTP). */
export function supportsPorts(num: number): boolean {
  return num === PROTO_TCP || num === PROTO_UDP || num === PROTO_SCTP;
}

/** Read protocol field `key` of a rule; undefined when absent or invalid (reported). */
export function readProtocol(rule: LMap, key: string, diags: Diagnostics): ProtocolValue | undefined {
  const n = field(rule, key);
  if (n === undefined) {
    return undefined;
  }
  const v = n.kind === "scalar" ? n.value : undefined;
  const num = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined;
  if (num !== undefined) {
    if (!Number.isInteger(num) || num < 1 || num > 255) {
      diags.error(
        S_BAD_PROTOCOL,
        `${key} number ${String(v)} is invalid`,
        n.span,
        "protocol numbers are 1-255 (0 is not allowed)",
      );
      return undefined;
    }
    return { num, span: n.span };
  }
  const named = typeof v === "string" ? PROTOCOL_NAMES[v] : undefined;
  if (named === undefined) {
    const near =
      typeof v === "string"
        ? Object.keys(PROTOCOL_NAMES).find((p) => p.toLowerCase() === v.toLowerCase())
        : undefined;
    diags.error(
      S_BAD_PROTOCOL,
      `${key} '${String(v)}' is not a protocol name`,
      n.span,
      near !== undefined
        ? `names are case-sensitive: write ${near}`
        : "use TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255",
    );
    return undefined;
  }
  return { num: named, span: n.span };
}

/** One port entry: an inclusive range or a named port. */
export type PortValue =
  | { readonly kind: "range"; readonly min: number; readonly max: number; readonly span: Span }
  | { readonly kind: "named"; readonly name: string; readonly span: Span };

/** IANA_SVC_NAME as Kubernetes checks it (`IsValidPortName`). */
function isValidPortName(s: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes("--");
}

function portNumber(text: string, n: LNode, diags: Diagnostics): number | undefined {
  const p = Number(text);
  if (p < 1 || p > 65535) {
    diags.error(S_BAD_PORT, `port ${text} is out of range`, n.span, "port numbers are 1-65535");
    return undefined;
  }
  return p;
}

/** Read one port list entry; undefined when invalid (reported). */
export function readPort(n: LNode, diags: Diagnostics): PortValue | undefined {
  const v = n.kind === "scalar" ? n.value : undefined;
  if (typeof v === "number") {
    if (!Number.isInteger(v)) {
      diags.error(S_BAD_PORT, `port ${v} is not an integer`, n.span);
      return undefined;
    }
    const p = portNumber(String(v), n, diags);
    return p === undefined ? undefined : { kind: "range", min: p, max: p, span: n.span };
  }
  if (typeof v !== "string") {
    diags.error(S_WRONG_TYPE, 'a port is a number, "min:max" or a port name', n.span);
    return undefined;
  }
  if (/^\d+$/.test(v)) {
    const p = portNumber(v, n, diags);
    return p === undefined ? undefined : { kind: "range", min: p, max: p, span: n.span };
  }
  const range = /^(\d+):(\d+)$/.exec(v);
  if (range !== null) {
    const min = portNumber(range[1]!, n, diags);
    const max = min === undefined ? undefined : portNumber(range[2]!, n, diags);
    if (min === undefined || max === undefined) {
      return undefined;
    }
    if (min > max) {
      diags.error(
        S_BAD_PORT,
        `port range ${v}: minimum ${min} is greater than maximum ${max}`,
        n.span,
        `write "${max}:${min}"`,
      );
      return undefined;
    }
    return { kind: "range", min, max, span: n.span };
  }
  if (!/^[a-zA-Z0-9_.-]{1,128}$/.test(v) || !isValidPortName(v)) {
    diags.error(
      S_BAD_PORT,
      `'${v}' is neither a port, a range "min:max" nor a valid port name`,
      n.span,
      "port names are 1-15 lower-case letters, digits and single hyphens, with at least one letter",
    );
    return undefined;
  }
  return { kind: "named", name: v, span: n.span };
}

/** An ICMP match as read. */
export interface IcmpValue {
  readonly type?: number;
  readonly code?: number;
  readonly span: Span;
}

function icmpNumber(m: LMap, key: string, max: number, diags: Diagnostics): number | undefined {
  const n = field(m, key);
  if (n === undefined) {
    return undefined;
  }
  const v = n.kind === "scalar" ? n.value : undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > max) {
    diags.error(S_BAD_ICMP, `ICMP ${key} must be an integer 0-${max}`, n.span);
    return undefined;
  }
  return v;
}

/** Read an `icmp` / `notICMP` mapping; undefined when absent or invalid (reported). */
export function readIcmp(rule: LMap, key: string, diags: Diagnostics): IcmpValue | undefined {
  const n = field(rule, key);
  if (n === undefined) {
    return undefined;
  }
  const m = asMap(n, key, diags);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, ["type", "code"], key, diags);
  const type = icmpNumber(m, "type", 254, diags);
  const code = icmpNumber(m, "code", 255, diags);
  if (code !== undefined && field(m, "type") === undefined) {
    diags.error(
      S_BAD_ICMP,
      "ICMP code specified without an ICMP type",
      field(m, "code")!.span,
      "add type: (the kernel matches a code only together with its type)",
    );
    return undefined;
  }
  return { ...(type !== undefined ? { type } : {}), ...(code !== undefined ? { code } : {}), span: n.span };
}
