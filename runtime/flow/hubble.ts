/**
 * @fileoverview Hubble flow records: one packet's context and verdict as the protojson `Flow` that
 * `hubble observe -o json` prints and `hubble observe --input-file -` reads back
 * (cilium/cilium api/v1/flow/flow.proto; field names as in ../shared/reference/cilium.md §7).
 *
 * Names come from the bundle: endpoint addresses → namespace, pod and labels (metadata), rule ids →
 * policies (source map), peer identities from the ipcache tables. Zero values are omitted, as protojson
 * omits them; 64-bit integers would be strings, but every number here fits in 32 bits.
 *
 * `policy_match_type` comes from the policy row that decided: the program stores its table and entry
 * in META words (runtime/l7/meta-words.ts), and the row's key says what it matched on (peer identity
 * and/or L4), as Cilium's policy map entry does (pkg/monitor/api/types.go; cilium.md §4.3).
 */

import { actionOffset, entryStride, keyDataOffset } from "../bytecode/bundle.js";
import type { Bundle } from "../bytecode/bundle.js";
import { ACTION_DATA0, NO_ENTRY } from "../bytecode/opcodes.js";
import {
  CTX_WORDS,
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_ICMP_CODE,
  F_ICMP_TYPE,
  F_IP_VERSION,
  F_LINK_TYPE,
  F_META0,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  F_TUNNEL_TYPE,
  PKT_REPLY,
} from "../context.js";
import type { EndpointMetadata } from "../metadata.js";
import { ipToString } from "../packet/describe.js";
import type { Program } from "../program.js";
import { REASON_POLICY_DENIED, VERDICT_DROPPED, dropReasonName, verdictName } from "../verdict.js";
import { readMetadata } from "../metadata.js";
import { META_DECIDING_ENTRY, META_DECIDING_TABLE } from "../l7/meta-words.js";
import type { HubbleL7 } from "./hubble-l7.js";

/** Hubble `policy_match_type` values (pkg/monitor/api/types.go). */
export const MATCH_TYPE_NONE = 0;
/** Matched on the peer identity only (every port). */
export const MATCH_TYPE_L3_ONLY = 1;
/** Matched on the peer identity and the port. */
export const MATCH_TYPE_L3_L4 = 2;
/** Matched on the port only (every peer). */
export const MATCH_TYPE_L4_ONLY = 3;
/** Matched everything (every peer, every port). */
export const MATCH_TYPE_ALL = 4;
/** Matched on the peer identity and the protocol (every port of it). */
export const MATCH_TYPE_L3_PROTO = 5;
/** Matched on the protocol only. */
export const MATCH_TYPE_PROTO_ONLY = 6;

/**
 * The policy_match_type of the row that decided a packet whose program returned `ruleId` (NONE when no
 * row decided, when the META words do not name a row with that rule id, or for a default-deny row,
 * which Cilium reports as no match).
 */
export function policyMatchType(bundle: Bundle, ctx: Uint32Array, ruleId: number, reason: number): number {
  const t = bundle.tables[ctx[META_DECIDING_TABLE]!];
  const e = ctx[META_DECIDING_ENTRY]!;
  if (ruleId === NO_ENTRY || t === undefined || e >= t.entryCount || reason === REASON_POLICY_DENIED) {
    return MATCH_TYPE_NONE;
  }
  const base = e * entryStride(t);
  const act = base + actionOffset(t);
  if (t.entries[act + 1] !== ruleId || (t.actionWords > 0 && t.entries[act + 3] === REASON_POLICY_DENIED)) {
    return MATCH_TYPE_NONE;
  }
  const word = (field: number, w: number): number | undefined => {
    const i = t.keys.findIndex((k) => k.field === field);
    return i < 0 ? undefined : t.entries[base + keyDataOffset(t, i) + w];
  };
  const peerMask = word(F_META0 + 1, 1);
  if (peerMask === undefined) {
    return MATCH_TYPE_NONE;
  }
  const peer = peerMask !== 0;
  const proto = (word(F_PROTO, 1) ?? 0) !== 0;
  const lo = word(F_DST_PORT, 0) ?? 0;
  const hi = word(F_DST_PORT, 1) ?? 0xffff;
  const port =
    lo !== 0 || hi < 0xffff || (word(F_ICMP_TYPE, 1) ?? 0) !== 0 || (word(F_ICMP_CODE, 1) ?? 0) !== 0;
  if (port) {
    return peer ? MATCH_TYPE_L3_L4 : MATCH_TYPE_L4_ONLY;
  }
  if (proto) {
    return peer ? MATCH_TYPE_L3_PROTO : MATCH_TYPE_PROTO_ONLY;
  }
  return peer ? MATCH_TYPE_L3_ONLY : MATCH_TYPE_ALL;
}

/** A Hubble endpoint. */
export interface HubbleEndpoint {
  ID?: number;
  identity?: number;
  namespace?: string;
  labels?: string[];
  pod_name?: string;
  workloads?: { name: string; kind: string }[];
}

/** A policy reference in `*_allowed_by` / `*_denied_by`. */
export interface HubblePolicy {
  name: string;
  namespace?: string;
  kind: string;
}

/** The subset of Hubble's Flow that sluice fills. */
export interface HubbleFlow {
  time: string;
  verdict: string;
  drop_reason?: number;
  ethernet?: { source: string; destination: string };
  IP?: { source: string; destination: string; ipVersion: "IPv4" | "IPv6" };
  l4?: Record<string, Record<string, unknown>>;
  source?: HubbleEndpoint;
  destination?: HubbleEndpoint;
  Type: "L3_L4" | "L7";
  node_name?: string;
  event_type: { type: number; sub_type?: number };
  traffic_direction?: "INGRESS" | "EGRESS";
  policy_match_type?: number;
  drop_reason_desc?: string;
  is_reply: boolean;
  Summary: string;
  ingress_allowed_by?: HubblePolicy[];
  egress_allowed_by?: HubblePolicy[];
  ingress_denied_by?: HubblePolicy[];
  egress_denied_by?: HubblePolicy[];
  /** L7 flows (hubble-l7.ts). */
  l7?: HubbleL7;
}

/** One line of `hubble observe -o json`. */
export interface HubbleRecord {
  flow: HubbleFlow;
  node_name?: string;
  time: string;
}

const TCP_FLAG_NAMES: readonly [number, string][] = [
  [0x01, "FIN"],
  [0x02, "SYN"],
  [0x04, "RST"],
  [0x08, "PSH"],
  [0x10, "ACK"],
  [0x20, "URG"],
  [0x40, "ECE"],
  [0x80, "CWR"],
];

/** RFC 3339 with nanoseconds, as protojson prints a Timestamp. */
export function rfc3339(tsSec: number, tsNsec: number): string {
  const iso = new Date(tsSec * 1000).toISOString(); // 2026-01-01T00:00:00.000Z
  return `${iso.slice(0, 19)}.${String(tsNsec).padStart(9, "0")}Z`;
}

function mac(frame: Uint8Array, at: number): string {
  return Array.from(frame.subarray(at, at + 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Builds flow records for the packets of one engine. */
export class HubbleFlowBuilder {
  private readonly program: Program;
  private readonly endpointsByIp = new Map<string, EndpointMetadata>();
  private readonly identityLabels = new Map<number, string[]>();
  private readonly ipcache: { table: number; lookup: Program["lookups"][number] } | undefined;
  private readonly scratch = new Uint32Array(CTX_WORDS);
  /** Node name to stamp on records, if any. */
  nodeName: string | undefined;

  constructor(program: Program) {
    this.program = program;
    const meta = readMetadata(program.bundle);
    for (const ep of meta?.endpoints ?? []) {
      for (const ip of ep.ips) {
        this.endpointsByIp.set(ip, ep);
      }
    }
    for (const id of meta?.identities ?? []) {
      this.identityLabels.set(
        id.id,
        Object.entries(id.labels)
          .map(([k, v]) => (k.includes(":") && v === "" ? k : `k8s:${k}=${v}`))
          .sort(),
      );
    }
    const t = meta?.tables.ipcacheSrc;
    this.ipcache = t === undefined ? undefined : { table: t, lookup: program.lookups[t]! };
  }

  private identityOf(ctx: Uint32Array, field: number): number | undefined {
    if (this.ipcache === undefined) {
      return undefined;
    }
    // The ipcache table keys on the source address; look the destination up through a scratch copy.
    const scratch = this.scratch;
    scratch.set(ctx.subarray(field, field + 4), F_SRC_IP6);
    const e = this.ipcache.lookup.lookup(scratch);
    if (e === NO_ENTRY) {
      return undefined;
    }
    const t = this.program.bundle.tables[this.ipcache.table]!;
    return t.entries[e * entryStride(t) + actionOffset(t) + ACTION_DATA0]!;
  }

  private endpoint(ctx: Uint32Array, field: number): HubbleEndpoint {
    const ip = ipToString(ctx, field);
    const ep = this.endpointsByIp.get(ip);
    const identity = ep?.identity ?? this.identityOf(ctx, field);
    const out: HubbleEndpoint = {};
    if (identity !== undefined) {
      out.identity = identity;
      const labels = this.identityLabels.get(identity);
      if (labels !== undefined && labels.length > 0) {
        out.labels = labels;
      }
    }
    if (ep !== undefined) {
      out.namespace = ep.namespace;
      out.pod_name = ep.name;
      const m = /^[^/]+\/(.+)\[(\w+)\]$/.exec(ep.workload);
      if (m !== null && m[2] !== "Pod") {
        out.workloads = [{ name: m[1]!, kind: m[2]! }];
      }
    }
    return out;
  }

  private policyOf(ruleId: number): { policy: HubblePolicy; direction: "INGRESS" | "EGRESS" } | undefined {
    const b = this.program.bundle;
    const r = b.sourceMap.find((x) => x.ruleId === ruleId);
    if (r === undefined) {
      return undefined;
    }
    const str = (i: number): string | undefined => b.strings[i];
    const label = str(r.label) ?? "";
    const policy: HubblePolicy = { name: str(r.name) ?? "", kind: str(r.kind) ?? "" };
    const ns = str(r.namespace);
    if (ns !== undefined) {
      policy.namespace = ns;
    }
    return { policy, direction: label.startsWith("egress") ? "EGRESS" : "INGRESS" };
  }

  /** The record of one packet. `frame` is the packet's bytes (for Ethernet addresses). */
  build(
    ctx: Uint32Array,
    frame: Uint8Array,
    verdict: number,
    reason: number,
    ruleId: number,
    tsSec: number,
    tsNsec: number,
  ): HubbleRecord {
    const time = rfc3339(tsSec, tsNsec);
    const flow: HubbleFlow = {
      time,
      verdict: verdictName(verdict),
      Type: "L3_L4",
      event_type: verdict === VERDICT_DROPPED ? { type: 1, sub_type: reason } : { type: 4 },
      is_reply: (ctx[F_FLAGS]! & PKT_REPLY) !== 0,
      Summary: "",
    };
    if (ctx[F_LINK_TYPE] === 1 && ctx[F_TUNNEL_TYPE] === 0 && frame.length >= 14) {
      flow.ethernet = { source: mac(frame, 6), destination: mac(frame, 0) };
    }
    const version = ctx[F_IP_VERSION]!;
    if (version !== 0) {
      flow.IP = {
        source: ipToString(ctx, F_SRC_IP6),
        destination: ipToString(ctx, F_DST_IP6),
        ipVersion: version === 4 ? "IPv4" : "IPv6",
      };
      const src = this.endpoint(ctx, F_SRC_IP6);
      const dst = this.endpoint(ctx, F_DST_IP6);
      if (Object.keys(src).length > 0) {
        flow.source = src;
      }
      if (Object.keys(dst).length > 0) {
        flow.destination = dst;
      }
    }
    const proto = ctx[F_PROTO]!;
    if (proto === 6) {
      const flags: Record<string, boolean> = {};
      for (const [bit, name] of TCP_FLAG_NAMES) {
        if ((ctx[F_TCP_FLAGS]! & bit) !== 0) {
          flags[name] = true;
        }
      }
      flow.l4 = { TCP: { source_port: ctx[F_SRC_PORT], destination_port: ctx[F_DST_PORT], flags } };
      flow.Summary = `TCP Flags: ${Object.keys(flags).join(", ")}`;
    } else if (proto === 17 || proto === 132) {
      const name = proto === 17 ? "UDP" : "SCTP";
      flow.l4 = { [name]: { source_port: ctx[F_SRC_PORT], destination_port: ctx[F_DST_PORT] } };
      flow.Summary = name;
    } else if (proto === 1 || proto === 58) {
      const name = proto === 1 ? "ICMPv4" : "ICMPv6";
      flow.l4 = { [name]: { type: ctx[F_ICMP_TYPE], code: ctx[F_ICMP_CODE] } };
      flow.Summary = `${name} type ${ctx[F_ICMP_TYPE]!} code ${ctx[F_ICMP_CODE]!}`;
    }
    if (verdict === VERDICT_DROPPED && reason !== 0) {
      // Reason 0: the L7 datapath dropped a packet carrying a denied request; its L7 flow says why.
      flow.drop_reason = reason;
      flow.drop_reason_desc = dropReasonName(reason);
    }
    const decided = ruleId === 0xffffffff ? undefined : this.policyOf(ruleId);
    if (decided !== undefined) {
      flow.traffic_direction = decided.direction;
      const matchType = policyMatchType(this.program.bundle, ctx, ruleId, reason);
      if (matchType !== MATCH_TYPE_NONE) {
        flow.policy_match_type = matchType;
      }
      const dir = decided.direction === "INGRESS" ? "ingress" : "egress";
      if (verdict !== VERDICT_DROPPED) {
        flow[`${dir}_allowed_by`] = [decided.policy];
      } else if (reason !== REASON_POLICY_DENIED) {
        // Default deny is the absence of an allow: Hubble names a policy only for an explicit deny.
        flow[`${dir}_denied_by`] = [decided.policy];
      }
    } else if (flow.destination?.pod_name !== undefined) {
      flow.traffic_direction = "INGRESS";
    } else if (flow.source?.pod_name !== undefined) {
      flow.traffic_direction = "EGRESS";
    }
    if (this.nodeName !== undefined) {
      flow.node_name = this.nodeName;
    }
    return { flow, ...(this.nodeName !== undefined ? { node_name: this.nodeName } : {}), time };
  }
}
