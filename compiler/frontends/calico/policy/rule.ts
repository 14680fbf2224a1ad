/**
 * @fileoverview Read and check one Calico Rule (`policy_common.go` Rule; `validateRule` and the Rule CRD
 * rules; calico.md §3.2): action, ipVersion, protocol / notProtocol, icmp / notICMP, source,
 * destination, http, metadata. rule-lower.ts turns a checked rule into IR.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Direction } from "../../../ir/entry.js";
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP } from "../../../ir/entry.js";
import type { HttpRules } from "../../../ir/l7.js";
import type { LMap, LNode } from "../../../yaml/located.js";
import type { Ctx } from "./context.js";
import {
  S_BAD_CIDR,
  S_BAD_ENUM,
  S_BAD_HTTP,
  S_BAD_ICMP,
  S_BAD_SERVICES,
  S_MISSING_FIELD,
  S_PORTS_NEED_PROTOCOL,
  S_WRONG_TYPE,
  asMap,
  checkFields,
  field,
  keySpan,
  mapField,
} from "./context.js";
import { readEntity } from "./entity.js";
import type { EntityValue, NetValue, PortList } from "./entity.js";
import { readHttp } from "./http.js";
import { readIcmp, readProtocol, supportsPorts } from "./ports.js";
import type { IcmpValue, ProtocolValue } from "./ports.js";

/** Rule actions (`Action`). */
export type Action = "Allow" | "Deny" | "Log" | "Pass";
const ACTIONS: readonly Action[] = ["Allow", "Deny", "Log", "Pass"];

const RULE_FIELDS = [
  "action",
  "ipVersion",
  "protocol",
  "notProtocol",
  "icmp",
  "notICMP",
  "source",
  "destination",
  "http",
  "metadata",
];

/** A checked rule. */
export interface RuleValue {
  readonly node: LMap;
  readonly action: Action;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: ProtocolValue;
  readonly notProtocol?: ProtocolValue;
  readonly icmp?: IcmpValue;
  readonly notICMP?: IcmpValue;
  readonly source: EntityValue;
  readonly destination: EntityValue;
  readonly http?: HttpRules;
}

function readAction(m: LMap, diags: Diagnostics): Action | undefined {
  const n = field(m, "action");
  if (n === undefined) {
    diags.error(S_MISSING_FIELD, "a rule needs an action", m.span, "add action: Allow (or Deny, Log, Pass)");
    return undefined;
  }
  const v = n.kind === "scalar" ? n.value : undefined;
  const action = ACTIONS.find((a) => a === v);
  if (action === undefined) {
    const near = ACTIONS.find((a) => typeof v === "string" && a.toLowerCase() === v.toLowerCase());
    diags.error(
      S_BAD_ENUM,
      `action must be Allow, Deny, Log or Pass, not '${String(v)}'`,
      n.span,
      near !== undefined ? `actions are case-sensitive: write ${near}` : undefined,
    );
  }
  return action;
}

function readIpVersion(m: LMap, diags: Diagnostics): 4 | 6 | undefined {
  const n = field(m, "ipVersion");
  if (n === undefined) {
    return undefined;
  }
  const v = n.kind === "scalar" ? n.value : undefined;
  if (v !== 4 && v !== 6) {
    diags.error(S_BAD_ENUM, `ipVersion must be 4 or 6, not '${String(v)}'`, n.span);
    return undefined;
  }
  return v;
}

function readMetadata(m: LMap, diags: Diagnostics): void {
  const meta = mapField(m, "metadata", diags);
  if (meta === undefined) {
    return;
  }
  checkFields(meta, ["annotations"], "rule metadata", diags);
  const ann = mapField(meta, "annotations", diags);
  for (const [k, { value }] of ann?.entries ?? []) {
    if (value.kind !== "scalar" || typeof value.value !== "string") {
      diags.error(S_WRONG_TYPE, `annotation '${k}' must be a string`, value.span, "quote the value");
    }
  }
}

/** Ports on an entity need protocol TCP, UDP or SCTP (`protocolPortsMsg`). */
function checkPortsProtocol(rule: RuleValue, diags: Diagnostics): void {
  if (rule.protocol !== undefined && supportsPorts(rule.protocol.num)) {
    return;
  }
  const lists: [PortList, string][] = [
    [rule.source.ports, "source.ports"],
    [rule.source.notPorts, "source.notPorts"],
    [rule.destination.ports, "destination.ports"],
    [rule.destination.notPorts, "destination.notPorts"],
  ];
  for (const [list, what] of lists) {
    if (list.present) {
      diags.error(
        S_PORTS_NEED_PROTOCOL,
        `rules that specify ports must set protocol to TCP, UDP or SCTP (${what})`,
        list.span,
        rule.protocol === undefined ? "add protocol: TCP" : "remove the ports, or change the protocol",
      );
    }
  }
}

function checkIcmp(rule: RuleValue, diags: Diagnostics): void {
  const p = rule.protocol?.num;
  if (rule.icmp !== undefined && p !== PROTO_ICMP && p !== PROTO_ICMPV6) {
    diags.error(
      S_BAD_ICMP,
      "rules that specify ICMP fields must set protocol to ICMP or ICMPv6",
      rule.icmp.span,
      "add protocol: ICMP (or ICMPv6)",
    );
  }
  for (const proto of [rule.protocol, rule.notProtocol]) {
    if (proto === undefined || rule.ipVersion === undefined) {
      continue;
    }
    if (proto.num === PROTO_ICMP && rule.ipVersion !== 4) {
      diags.error(S_BAD_ICMP, "protocol ICMP requires ipVersion 4", proto.span, "use ICMPv6 for IPv6");
    } else if (proto.num === PROTO_ICMPV6 && rule.ipVersion !== 6) {
      diags.error(S_BAD_ICMP, "protocol ICMPv6 requires ipVersion 6", proto.span, "use ICMP for IPv4");
    }
  }
}

/** CIDR families: no v4/v6 mix in one rule, agreement with ipVersion, no /0 in notNets. */
function checkNets(rule: RuleValue, diags: Diagnostics): void {
  let seen4 = false;
  let seen6 = false;
  const lists: [readonly NetValue[], string][] = [
    [rule.source.nets, "source.nets"],
    [rule.source.notNets, "source.notNets"],
    [rule.destination.nets, "destination.nets"],
    [rule.destination.notNets, "destination.notNets"],
  ];
  for (const [nets, what] of lists) {
    for (const n of nets) {
      const v4 = n.prefix.family === 4;
      if (rule.ipVersion !== undefined && rule.ipVersion !== n.prefix.family) {
        diags.error(
          S_BAD_CIDR,
          `${what}: ${n.text} is IPv${n.prefix.family} but the rule has ipVersion ${rule.ipVersion}`,
          n.span,
          "rule IP version must match the CIDR version",
        );
      } else if ((v4 && seen6) || (!v4 && seen4)) {
        diags.error(
          S_BAD_CIDR,
          `rule contains both IPv4 and IPv6 CIDRs (${what}: ${n.text})`,
          n.span,
          "split it into one rule per IP version",
        );
      }
      seen4 ||= v4;
      seen6 ||= !v4;
      if (what.endsWith("notNets") && n.prefix.len === (v4 ? 96 : 0)) {
        diags.error(
          S_BAD_CIDR,
          `${what} must not contain ${n.text}: it would exclude every address`,
          n.span,
          "to match nothing of this family, remove the rule; to restrict the family, use ipVersion",
        );
      }
    }
  }
}

function checkServicesAndHttp(rule: RuleValue, direction: Direction, ctx: Ctx): void {
  const diags = ctx.diags;
  const wrongSide = direction === "ingress" ? rule.destination.services : rule.source.services;
  if (wrongSide !== undefined) {
    diags.error(
      S_BAD_SERVICES,
      direction === "ingress"
        ? "services not allowed in ingress rule destination"
        : "services not allowed in egress rule source",
      wrongSide.span,
      direction === "ingress"
        ? "match services in source on ingress rules"
        : "match services in destination on egress rules",
    );
  }
  if (
    rule.destination.services !== undefined &&
    (rule.destination.ports.present || rule.destination.notPorts.present)
  ) {
    diags.error(
      S_BAD_SERVICES,
      "cannot specify ports or notPorts with a destination service",
      rule.destination.ports.present ? rule.destination.ports.span : rule.destination.notPorts.span,
      "destination service rules use the ports of the service's endpoints",
    );
  }
  const side = direction === "ingress" ? rule.source.services : rule.destination.services;
  if (side !== undefined && side.namespace === "" && ctx.scope.global) {
    diags.error(
      S_BAD_SERVICES,
      "services must specify a namespace in a global policy",
      side.span,
      "add namespace: <namespace of the Service>",
    );
  }
  if (rule.http === undefined) {
    return;
  }
  const problems: string[] = [];
  if (rule.action !== "Allow") {
    problems.push("HTTP match is only valid on Allow rules");
  }
  if (direction === "egress") {
    problems.push("HTTP match is not allowed in egress rules");
  }
  if (rule.protocol !== undefined && rule.protocol.num !== PROTO_TCP) {
    problems.push("rules that specify HTTP fields must set protocol to TCP or leave it empty");
  }
  for (const p of problems) {
    diags.error(
      S_BAD_HTTP,
      p,
      keySpan(rule.node, "http"),
      "application layer policy applies to ingress Allow rules over TCP",
    );
  }
}

/** Read and check rule `n` of `direction`; undefined when it has errors (reported). */
export function readRule(n: LNode, direction: Direction, ctx: Ctx): RuleValue | undefined {
  const diags = ctx.diags;
  const before = diags.errorCount;
  const m = asMap(n, `an ${direction} rule`, diags);
  if (m === undefined) {
    return undefined;
  }
  checkFields(m, RULE_FIELDS, `${direction} rule`, diags);
  const action = readAction(m, diags);
  const ipVersion = readIpVersion(m, diags);
  const protocol = readProtocol(m, "protocol", diags);
  const notProtocol = readProtocol(m, "notProtocol", diags);
  const icmp = readIcmp(m, "icmp", diags);
  const notICMP = readIcmp(m, "notICMP", diags);
  const httpNode = field(m, "http");
  const http = httpNode === undefined ? undefined : readHttp(httpNode, diags);
  readMetadata(m, diags);
  if (action === undefined) {
    return undefined;
  }
  const rule: RuleValue = {
    node: m,
    action,
    ...(ipVersion !== undefined ? { ipVersion } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(notProtocol !== undefined ? { notProtocol } : {}),
    ...(icmp !== undefined ? { icmp } : {}),
    ...(notICMP !== undefined ? { notICMP } : {}),
    source: readEntity(m, "source", diags),
    destination: readEntity(m, "destination", diags),
    ...(http !== undefined ? { http } : {}),
  };
  checkPortsProtocol(rule, diags);
  checkIcmp(rule, diags);
  checkNets(rule, diags);
  checkServicesAndHttp(rule, direction, ctx);
  return diags.errorCount > before ? undefined : rule;
}
