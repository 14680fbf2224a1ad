/**
 * @fileoverview Hubble's FlowFilter over sluice's flow records: which fields a filter constrains and
 * how each one matches (hubble/pkg/filters, as `hubble observe` applies them).
 *
 * A FlowFilter is a set of fields, each a list of values: the values of one field are OR'ed, the fields
 * are AND'ed, and an empty filter matches every flow. A request carries an allow list and a deny list of
 * filters: a flow passes if it matches some allow filter (or the allow list is empty) and no deny filter.
 * Field names are the proto names (`source_pod`, `destination_ip`, ...). Values are validated when a
 * filter is compiled, with Hubble's error messages.
 */

import { parseIp, parsePrefix, prefixHas } from "../../compiler/net/ip.js";
import type { HubbleEndpoint } from "../../runtime/flow/hubble.js";
import { DROP_REASON_NAMES, VERDICT_NAMES } from "../../runtime/verdict.js";
import { parseLabelSelector } from "./labels.js";

/** The fields a filter can constrain. */
export const FILTER_FIELDS = [
  "source_pod",
  "destination_pod",
  "source_ip",
  "destination_ip",
  "source_label",
  "destination_label",
  "source_port",
  "destination_port",
  "protocol",
  "verdict",
  "event_type",
  "http_method",
  "http_path",
  "traffic_direction",
  "drop_reason_desc",
] as const;

/** One constrained field. */
export type FilterField = (typeof FILTER_FIELDS)[number];

/** A FlowFilter: field → values (OR'ed); fields AND'ed. */
export type FlowFilter = Partial<Record<FilterField, string[]>>;

/** The parts of a flow the filters read (sluice's HubbleFlow, plus the L7 part once records carry it). */
export interface FilterFlow {
  readonly verdict: string;
  readonly IP?: { readonly source: string; readonly destination: string };
  readonly l4?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly source?: HubbleEndpoint;
  readonly destination?: HubbleEndpoint;
  readonly event_type: { readonly type: number; readonly sub_type?: number };
  readonly traffic_direction?: string;
  readonly drop_reason_desc?: string;
  readonly l7?: {
    readonly http?: { readonly method?: string; readonly url?: string };
    readonly dns?: unknown;
    readonly kafka?: unknown;
  };
}

/** A compiled predicate. */
export type FlowPredicate = (flow: FilterFlow) => boolean;

/** Event type names (cilium pkg/monitor/api MessageTypeNames). */
const EVENT_TYPES: Readonly<Record<string, number>> = {
  drop: 1,
  debug: 2,
  capture: 3,
  trace: 4,
  "policy-verdict": 5,
  recorder: 6,
  "trace-sock": 7,
  l7: 129,
  agent: 130,
};

/** Trace observation points, the sub-types of `trace` (TraceObservationPoints). */
const TRACE_POINTS: Readonly<Record<string, number>> = {
  "to-endpoint": 0,
  "to-proxy": 1,
  "to-host": 2,
  "to-stack": 3,
  "to-overlay": 4,
  "from-endpoint": 5,
  "from-proxy": 6,
  "from-host": 7,
  "from-stack": 8,
  "from-overlay": 9,
  "from-network": 10,
  "to-network": 11,
  "from-crypto": 12,
  "to-crypto": 13,
};

const L4_PROTOCOLS = ["tcp", "udp", "sctp", "icmp", "icmpv4", "icmpv6"];
const L7_PROTOCOLS = ["dns", "http", "kafka"];

/** `[ns/]name-prefix` → matcher on an endpoint (namespace defaults to `default`). */
function podMatcher(value: string): (ep: HubbleEndpoint | undefined) => boolean {
  if (value === "") {
    throw new Error("invalid empty pod filter");
  }
  const slash = value.indexOf("/");
  const ns = slash < 0 ? "default" : value.slice(0, slash);
  const prefix = slash < 0 ? value : value.slice(slash + 1);
  if (ns === "") {
    throw new Error(`invalid pod filter '${value}', must be [namespace/]<pod-name>`);
  }
  return (ep) => ep?.namespace === ns && (ep.pod_name ?? "").startsWith(prefix);
}

/** Exact address or CIDR → matcher on an address text. */
function ipMatcher(value: string): (ip: string | undefined) => boolean {
  if (value.includes("/")) {
    const p = parsePrefix(value, true);
    if (typeof p === "string") {
      throw new Error(`invalid CIDR in filter: "${value}"`);
    }
    return (ip) => {
      const a = ip === undefined ? undefined : parseIp(ip);
      return a !== undefined && a.family === p.family && prefixHas(p, a.addr);
    };
  }
  const want = parseIp(value);
  if (want === undefined) {
    throw new Error(`invalid IP address in filter: "${value}"`);
  }
  return (ip) => ip !== undefined && parseIp(ip)?.addr === want.addr;
}

function portMatcher(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) {
    throw new Error(`invalid port "${value}"`);
  }
  return n;
}

/** Source or destination port of a TCP, UDP or SCTP flow. */
function l4Port(flow: FilterFlow, key: "source_port" | "destination_port"): number | undefined {
  const l4 = flow.l4 ?? {};
  const v = (l4.TCP ?? l4.UDP ?? l4.SCTP)?.[key];
  return typeof v === "number" ? v : undefined;
}

function protocolMatcher(value: string): FlowPredicate {
  const p = value.toLowerCase();
  if (L4_PROTOCOLS.includes(p)) {
    const keys =
      p === "icmp" ? ["ICMPv4", "ICMPv6"] : [p.startsWith("icmp") ? `ICMPv${p.slice(5)}` : p.toUpperCase()];
    return (f) => keys.some((k) => f.l4?.[k] !== undefined);
  }
  if (L7_PROTOCOLS.includes(p)) {
    return (f) => (f.l7 as Record<string, unknown> | undefined)?.[p] !== undefined;
  }
  throw new Error(`unknown protocol in filter: ${value}`);
}

function eventTypeMatcher(value: string): FlowPredicate {
  const [typeText = "", subText] = value.split(/:(.*)/s);
  const type = EVENT_TYPES[typeText] ?? (/^\d+$/.test(typeText) ? Number(typeText) : undefined);
  if (type === undefined) {
    throw new Error(
      `unable to parse type '${typeText}', not a known type name and unable to parse as numeric value`,
    );
  }
  if (subText === undefined) {
    return (f) => f.event_type.type === type;
  }
  const sub =
    (type === 4 ? TRACE_POINTS[subText] : undefined) ?? (/^\d+$/.test(subText) ? Number(subText) : undefined);
  if (sub === undefined) {
    throw new Error(
      `unable to parse event sub-type '${subText}', not a known sub-type name and unable to parse as numeric value`,
    );
  }
  return (f) => f.event_type.type === type && (f.event_type.sub_type ?? 0) === sub;
}

function httpPathMatcher(value: string): FlowPredicate {
  let re: RegExp;
  try {
    re = new RegExp(value);
  } catch {
    throw new Error(`failed to compile regex for --http-path: ${value}`);
  }
  return (f) => {
    const url = f.l7?.http?.url;
    if (url === undefined) {
      return false;
    }
    let path = url;
    try {
      path = new URL(url, "http://localhost").pathname;
    } catch {
      // keep the raw text
    }
    return re.test(path);
  };
}

function oneOf(value: string, names: readonly string[], what: string): string {
  const v = value.toUpperCase();
  if (!names.includes(v)) {
    throw new Error(`invalid --${what} value: ${value}`);
  }
  return v;
}

/** The predicate of one value of one field. */
function valueMatcher(field: FilterField, value: string): FlowPredicate {
  switch (field) {
    case "source_pod":
    case "destination_pod": {
      const m = podMatcher(value);
      return field === "source_pod" ? (f) => m(f.source) : (f) => m(f.destination);
    }
    case "source_ip":
    case "destination_ip": {
      const m = ipMatcher(value);
      return field === "source_ip" ? (f) => m(f.IP?.source) : (f) => m(f.IP?.destination);
    }
    case "source_label":
    case "destination_label": {
      const m = parseLabelSelector(value);
      const ep = field === "source_label" ? "source" : "destination";
      return (f) => m(f[ep]?.labels ?? []);
    }
    case "source_port":
    case "destination_port": {
      const port = portMatcher(value);
      return (f) => l4Port(f, field) === port;
    }
    case "protocol":
      return protocolMatcher(value);
    case "verdict": {
      const v = oneOf(value, Object.values(VERDICT_NAMES), "verdict");
      return (f) => f.verdict === v;
    }
    case "event_type":
      return eventTypeMatcher(value);
    case "http_method":
      return (f) => f.l7?.http?.method?.toUpperCase() === value.toUpperCase();
    case "http_path":
      return httpPathMatcher(value);
    case "traffic_direction": {
      const v = oneOf(value, ["INGRESS", "EGRESS"], "traffic-direction");
      return (f) => f.traffic_direction === v;
    }
    case "drop_reason_desc": {
      const v = oneOf(value, Object.values(DROP_REASON_NAMES), "drop-reason-desc");
      return (f) => f.drop_reason_desc === v;
    }
  }
}

/** Compile one FlowFilter (throws on invalid values). */
export function compileFlowFilter(filter: FlowFilter): FlowPredicate {
  const fields = FILTER_FIELDS.filter((k) => filter[k] !== undefined).map((k) => {
    const ors = filter[k]!.map((v) => valueMatcher(k, v));
    return (f: FilterFlow): boolean => ors.some((m) => m(f));
  });
  return (f) => fields.every((m) => m(f));
}

/** Compile an allow list and a deny list into one predicate, as Hubble's server applies them. */
export function compileFilterLists(allow: readonly FlowFilter[], deny: readonly FlowFilter[]): FlowPredicate {
  const a = allow.map(compileFlowFilter);
  const d = deny.map(compileFlowFilter);
  return (f) => (a.length === 0 || a.some((m) => m(f))) && !d.some((m) => m(f));
}
