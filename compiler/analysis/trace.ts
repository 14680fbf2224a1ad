/**
 * @fileoverview Trace: "can A reach B on this port, and which rules decided?", answered by running one
 * real packet through the engine and reading what its table lookups saw.
 *
 * The verdict is the engine's (the same code path as replay). For each direction the hook records the
 * context at the policy lookup; every row matching that context is then listed best first with its
 * origin from the source map, so the output shows the rule that decided and the ones it shadowed. A
 * direction whose endpoint no policy selects is allowed by the system default; a selected direction
 * with no matching row is allowed (no default deny applies) — both are said explicitly.
 *
 * L7: when the deciding row of a direction is a redirect, the connection goes to a proxy. Given an L7
 * request (HTTP, Kafka or DNS), the request is evaluated in TypeScript against the rule sets decoded
 * from the bundle's L7_RULES section with the runtime's own decoder and matcher (runtime/l7), egress
 * set first; the final verdict is DENIED when a proxy refuses the request (HTTP 403, DNS REFUSED,
 * Kafka TOPIC_AUTHORIZATION_FAILED), as Cilium answers it.
 *
 * Host endpoints (Cilium nodes, Calico HostEndpoints) are peers too: by address, or by name as
 * `node/<name>` / `hostendpoint/<name>` (also `hep/<name>`). For Calico bundles each direction also
 * lists its PolicyHits (policy-hit.ts): the rules that passed the packet on and the one that decided.
 */

import { NO_STRING } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { ACTION_DATA0, ACTION_RULE_ID, ACTION_VERDICT } from "../../runtime/bytecode/opcodes.js";
import { F_META0 } from "../../runtime/context.js";
import { actionOffset, entryStride } from "../../runtime/bytecode/bundle.js";
import { Engine } from "../../runtime/engine/engine.js";
import { readL7RuleSets } from "../../runtime/l7/decode.js";
import { describeL7Request, describeL7Rule, wildcardCause } from "../../runtime/l7/describe.js";
import { evaluateL7 } from "../../runtime/l7/match.js";
import type { L7Request } from "../../runtime/l7/match.js";
import { NO_INDEX } from "../../runtime/l7/rule-set.js";
import type { PacketResult } from "../../runtime/engine/engine.js";
import { readMetadata } from "../../runtime/metadata.js";
import type { PolicyTableMetadata } from "../../runtime/metadata.js";
import { icmp6Pkt, icmpPkt, sctpPkt, tcpPkt, udpPkt } from "../../runtime/packet/craft.js";
import {
  ACTION_NAMES,
  ACT_ALLOW,
  ACT_PASS,
  ACT_REDIRECT,
  POL_L7_SET,
  IPC_EGRESS_GROUP,
  IPC_IDENTITY,
  IPC_INGRESS_GROUP,
} from "../lower/actions.js";
import { policyHitOf } from "./policy-hit.js";
import type { PolicyHit } from "./policy-hit.js";
import { matchingRows } from "./table-rows.js";
import { TraceError, pickAddresses, resolvePeer } from "./trace-peers.js";
import type { TracePeer } from "./trace-peers.js";

export { TraceError } from "./trace-peers.js";
export type { TracePeer } from "./trace-peers.js";

/** What to trace. */
export interface TraceQuery {
  /** `ns/name` (pod or workload) or an IP address. */
  readonly from: string;
  readonly to: string;
  /** tcp, udp, sctp, icmp. */
  readonly protocol: "tcp" | "udp" | "sctp" | "icmp";
  /** Destination port (tcp, udp, sctp). */
  readonly port?: number;
  /** ICMP type and code. */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** An L7 request to evaluate when the connection is redirected to a proxy. */
  readonly l7?: L7Request;
}

/** One matching rule. */
export interface RuleHit {
  readonly ruleId: number;
  readonly action: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly tier?: string;
  /** 0-based rule index in its direction's list, absent for a policy's selection (default deny). */
  readonly ruleIndex?: number;
  readonly label: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Whether this row decided (the best match). */
  readonly decided: boolean;
  /** Whether this row was the best of its tier and passed the packet on to the next tier (Calico Pass). */
  readonly passed?: boolean;
  /** L7 rule set of a redirect row. */
  readonly l7Set?: number;
}

/** The L7 rule a request matched. */
export interface L7RuleHit {
  /** Rule id of the policy rule it belongs to. */
  readonly ruleId: number;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  /** Index in the policy rule's L7 list (absent for a merged-in allow-all). */
  readonly index?: number;
  /** Why an allow-all rule is there: an L4-only rule on the same peer and port, or ensureWildcard. */
  readonly wildcard?: "l4-only" | "implicit" | "written";
  /** The rule as text. */
  readonly text: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One proxy's answer: the rule set of one redirecting direction. */
export interface L7SetTrace {
  readonly direction: "egress" | "ingress";
  /** Rule set index. */
  readonly set: number;
  /** Parser: http, kafka, dns, generic. */
  readonly parser: string;
  /** Number of rules in the set. */
  readonly rules: number;
  readonly decision?: "allowed" | "denied" | "not-evaluated";
  readonly matched?: L7RuleHit;
  readonly response?: string;
  readonly notes?: readonly string[];
}

/** The L7 part of a trace. */
export interface L7Trace {
  /** Whether the connection is redirected to a proxy. */
  readonly redirected: boolean;
  /** The request, as text, when one was given. */
  readonly request?: string;
  /** allowed / denied when a request was evaluated; "not-evaluated" without a request. */
  readonly decision: "allowed" | "denied" | "not-evaluated";
  /** What the proxy answers a denied request with. */
  readonly response?: string;
  readonly sets: readonly L7SetTrace[];
  /** Why the bundle's L7 section could not be read, if it could not. */
  readonly error?: string;
}

/** One direction's story. */
export interface DirectionTrace {
  /** allowed or denied. */
  readonly decision: "allowed" | "denied";
  /** Why, when no rule decided: the default that applied. */
  readonly default?: string;
  /** Matching rules, best first. */
  readonly rules: readonly RuleHit[];
  /** Calico bundles: the hits along the flow (passes, then the deciding rule), as Calico reports them. */
  readonly policyHits?: readonly PolicyHit[];
}

/** The whole answer. */
export interface TraceResult {
  readonly verdict: "ALLOWED" | "DENIED";
  readonly source: TracePeer;
  readonly destination: TracePeer;
  readonly packet: string;
  readonly egress: DirectionTrace;
  readonly ingress: DirectionTrace;
  readonly result: PacketResult;
  /** The L7 decision, when the connection is redirected or an L7 request was given. */
  readonly l7?: L7Trace;
}

function hitOf(bundle: Bundle, ruleId: number, action: number, decided: boolean, l7Set?: number): RuleHit {
  const r = bundle.sourceMap.find((x) => x.ruleId === ruleId);
  const s = (i: number | undefined): string | undefined =>
    i === undefined || i === NO_STRING ? undefined : bundle.strings[i];
  return {
    ruleId,
    action: ACTION_NAMES[action] ?? String(action),
    kind: s(r?.kind) ?? "",
    ...(s(r?.namespace) !== undefined ? { namespace: s(r?.namespace)! } : {}),
    name: s(r?.name) ?? `rule ${ruleId}`,
    ...(s(r?.tier) !== undefined ? { tier: s(r?.tier)! } : {}),
    ...(r !== undefined && r.ruleIndex !== 0xffffffff ? { ruleIndex: r.ruleIndex } : {}),
    label: s(r?.label) ?? "",
    file: s(r?.file) ?? "",
    line: r?.line ?? 0,
    column: r?.column ?? 0,
    decided,
    ...(l7Set !== undefined ? { l7Set } : {}),
  };
}

/** Evaluate `req` (if any) against the rule sets the deciding redirect rows name. */
function traceL7(
  bundle: Bundle,
  dirs: readonly ["egress" | "ingress", DirectionTrace][],
  req: L7Request | undefined,
): L7Trace | undefined {
  const redirects = dirs.flatMap(([direction, d]) => {
    const hit = d.rules.find((r) => r.decided && r.l7Set !== undefined);
    return hit === undefined ? [] : [{ direction, set: hit.l7Set! }];
  });
  if (redirects.length === 0 && req === undefined) {
    return undefined;
  }
  const { sets, error } = readL7RuleSets(bundle);
  const traces = redirects.map(({ direction, set }): L7SetTrace => {
    const rs = sets[set];
    if (rs === undefined) {
      return { direction, set, parser: "unknown", rules: 0 };
    }
    const base = { direction, set, parser: rs.kind, rules: rs.rules.length };
    if (req === undefined) {
      return base;
    }
    const d = evaluateL7(rs, req);
    const rule = d.rule;
    const origin = rule === undefined ? undefined : hitOf(bundle, rule.ruleId, ACT_REDIRECT, true);
    const cause = rule === undefined ? undefined : wildcardCause(rule);
    return {
      ...base,
      decision: d.decision,
      ...(rule !== undefined && origin !== undefined
        ? {
            matched: {
              ruleId: rule.ruleId,
              kind: origin.kind,
              ...(origin.namespace !== undefined ? { namespace: origin.namespace } : {}),
              name: origin.name,
              ...(rule.index !== NO_INDEX ? { index: rule.index } : {}),
              ...(cause !== undefined ? { wildcard: cause } : {}),
              text: describeL7Rule(rs.kind, rule),
              file: origin.file,
              line: rule.line || origin.line,
              column: rule.line ? rule.column : origin.column,
            },
          }
        : {}),
      ...(d.response !== undefined ? { response: d.response } : {}),
      ...(d.notes.length > 0 ? { notes: [...new Set(d.notes)] } : {}),
    };
  });
  const denied = traces.find((t) => t.decision === "denied");
  const decision: L7Trace["decision"] =
    req === undefined || redirects.length === 0
      ? "not-evaluated"
      : denied !== undefined
        ? "denied"
        : traces.every((t) => t.decision === "allowed")
          ? "allowed"
          : "not-evaluated";
  return {
    redirected: redirects.length > 0,
    ...(req !== undefined ? { request: describeL7Request(req) } : {}),
    decision,
    ...(denied?.response !== undefined ? { response: denied.response } : {}),
    sets: traces,
    ...(error !== undefined ? { error } : {}),
  };
}

/** The table action number of an action name (ACTION_NAMES inverted). */
function actionNumber(name: string): number {
  const found = Object.entries(ACTION_NAMES).find(([, n]) => n === name);
  return found === undefined ? 0 : Number(found[0]);
}

/** Run the trace on bundle `bytes`. */
export function trace(bytes: Uint8Array, q: TraceQuery): TraceResult {
  const engine = Engine.load(bytes);
  const bundle = engine.program.bundle;
  const meta = readMetadata(bundle);
  if (meta === undefined) {
    throw new TraceError("the bundle has no metadata: compile it from policies with sluice compile");
  }
  const src = resolvePeer(q.from, meta);
  const dst = resolvePeer(q.to, meta);
  const calico = meta.model === "calico";
  // A Calico flow's hits: every tier's passing row, then the deciding row, numbered in that order.
  const calicoHits = (rules: readonly RuleHit[]): PolicyHit[] =>
    rules
      .filter((r) => r.decided || r.passed === true)
      .map((r, i) => policyHitOf(bundle, r.ruleId, actionNumber(r.action), i));
  const [sip, dip] = pickAddresses(src, dst);
  const host = (ip: string, port: number): string => (ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`);
  let frame: Uint8Array;
  let packet: string;
  if (q.protocol === "icmp") {
    const opts = { type: q.icmpType ?? (sip.includes(":") ? 128 : 8), code: q.icmpCode ?? 0, id: 1 };
    frame = sip.includes(":") ? icmp6Pkt(sip, dip, opts) : icmpPkt(sip, dip, opts);
    packet = `${sip.includes(":") ? "ICMPv6" : "ICMP"} type ${opts.type} code ${opts.code} ${sip} -> ${dip}`;
  } else {
    if (q.port === undefined) {
      throw new TraceError("--port is required for tcp, udp and sctp");
    }
    const s = host(sip, 49152);
    const d = host(dip, q.port);
    frame =
      q.protocol === "tcp"
        ? tcpPkt(s, d, { flags: "S" })
        : q.protocol === "udp"
          ? udpPkt(s, d)
          : sctpPkt(s, d);
    packet = `${q.protocol.toUpperCase()} ${s} -> ${d}`;
  }
  const seen = new Map<number, Uint32Array>();
  const ipcache = new Map<number, number>();
  const result = engine.process(frame, {
    timestampNs: 1e9,
    hook: {
      lookup: (table, entry) => {
        seen.set(table, engine.context.slice());
        ipcache.set(table, entry);
      },
    },
  });
  // What the ipcache said about each address: data word `w` of the entry the program's lookup returned.
  const ipcData = (ipcacheTable: number, w: number): number => {
    const t = bundle.tables[ipcacheTable]!;
    const e = ipcache.get(ipcacheTable);
    return e === undefined || e === 0xffffffff
      ? 0
      : t.entries[e * entryStride(t) + actionOffset(t) + ACTION_DATA0 + w]!;
  };
  const direction = (
    tables: readonly PolicyTableMetadata[],
    groupWord: number,
    ipcacheTable: number,
    peerTable: number,
    who: TracePeer,
    dir: string,
  ): DirectionTrace => {
    if (who.endpoint === undefined) {
      return {
        decision: "allowed",
        default: `${who.ip} is not a cluster endpoint: no ${dir} policy applies`,
        rules: [],
      };
    }
    const group = ipcData(ipcacheTable, groupWord);
    if (group === 0) {
      return {
        decision: "allowed",
        default: `no policy selects ${who.endpoint} for ${dir}: allowed by default`,
        rules: [],
      };
    }
    // The key every tier table of this direction is looked up with. When the program stopped before
    // these lookups (the other direction denied), rebuild it from another lookup's context.
    const any = [...seen.values()][0]!;
    const ctx = any.slice();
    ctx[F_META0] = group;
    ctx[F_META0 + 1] = ipcData(peerTable, IPC_IDENTITY);
    const rules: RuleHit[] = [];
    let decision: "allowed" | "denied" | undefined;
    for (const { table } of tables) {
      const t = bundle.tables[table]!;
      const act = actionOffset(t);
      const stride = entryStride(t);
      const rows = matchingRows(t, ctx);
      rows.forEach((e, i) => {
        const action = t.entries[e * stride + act + ACTION_VERDICT]!;
        const decides = decision === undefined && i === 0;
        const l7Set =
          action === ACT_REDIRECT ? t.entries[e * stride + act + ACTION_DATA0 + POL_L7_SET]! : undefined;
        const hit = hitOf(
          bundle,
          t.entries[e * stride + act + ACTION_RULE_ID]!,
          action,
          decides && action !== ACT_PASS,
          l7Set,
        );
        // The best row of a tier that passes hands the packet to the next tier: it is not shadowed.
        rules.push(decides && action === ACT_PASS ? { ...hit, passed: true } : hit);
        if (decides && action !== ACT_PASS) {
          decision = action === ACT_ALLOW || action === ACT_REDIRECT ? "allowed" : "denied";
        }
      });
    }
    const hits = calico ? calicoHits(rules) : undefined;
    if (decision === undefined) {
      return {
        decision: "allowed",
        default: `policies select ${who.endpoint} for ${dir}, but no rule decided and nothing denies by default: allowed`,
        rules,
        ...(hits !== undefined ? { policyHits: hits } : {}),
      };
    }
    return { decision, rules, ...(hits !== undefined ? { policyHits: hits } : {}) };
  };
  const egress = direction(
    meta.policyTables.egress,
    IPC_EGRESS_GROUP,
    meta.tables.ipcacheSrc!,
    meta.tables.ipcacheDst!,
    src.peer,
    "egress",
  );
  const ingress = direction(
    meta.policyTables.ingress,
    IPC_INGRESS_GROUP,
    meta.tables.ipcacheDst!,
    meta.tables.ipcacheSrc!,
    dst.peer,
    "ingress",
  );
  const passed = result.verdictName === "FORWARDED" || result.verdictName === "REDIRECTED";
  const l7 = passed
    ? traceL7(
        bundle,
        [
          ["egress", egress],
          ["ingress", ingress],
        ],
        q.l7,
      )
    : undefined;
  return {
    verdict: passed && l7?.decision !== "denied" ? "ALLOWED" : "DENIED",
    source: src.peer,
    destination: dst.peer,
    packet,
    egress,
    ingress,
    result,
    ...(l7 !== undefined ? { l7 } : {}),
  };
}
