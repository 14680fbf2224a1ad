/**
 * @fileoverview A checked Calico rule → the parts of an IR RuleEntry.
 *
 * The peer is the rule's `source` on ingress and its `destination` on egress; the other EntityRule
 * describes the subject (the endpoint the policy applies to). IR ports are always the packet's
 * destination port, i.e. `destination.ports` in both directions.
 *
 * Peer side:
 * - `services` → endpoints peer with the Service's backend selector (none found: no peer, the rule
 *   matches nothing, with a warning); on egress the ports are the Service's target ports.
 * - positive selector (selector + namespaceSelector + serviceAccounts, namespace-scoped as upstream's
 *   `GetEntityRuleSelector`) → one endpoints peer; `nets` → one cidr peer per net. Both given: the
 *   selector peer, and a notPeer `<family>/0 except nets` so the address must also lie in `nets`.
 *   Neither: any peer.
 * - `notNets` → one cidr notPeer per net; `notSelector` → one endpoints notPeer, unscoped (it also
 *   excludes nothing outside the cluster, as upstream's negative IP set).
 * Subject side: the positive selector and `!notSelector` are AND'ed into the rule's subject, which is
 *   exact because a subject is always an endpoint. Subject `nets`/`notNets` cannot be expressed
 *   (warning, ignored).
 * Source ports (`source.ports`/`notPorts`, either direction) cannot be expressed (warning, ignored).
 * IP version: CIDRs and the ICMP protocols carry their family already. An explicit `ipVersion` adds a
 *   notPeer `::/0` (IPv4 rules) or `0.0.0.0/0` (IPv6 rules) unless every peer is a CIDR of the right
 *   family. That is exact for external peers and single-stack pods; since the lowering matches pods by
 *   identity, a dual-stack pod is excluded for both families (the IR needs a rule-level IP version).
 * Ports: `ports` → one clause per entry with the rule's protocol; else ICMP type/code; else the
 *   protocol alone. notPorts: `destination.notPorts` with the rule's protocol, `notProtocol`, `notICMP`.
 */

import type { Span } from "../../../diagnostics/source.js";
import { PROTO_ICMP, PROTO_ICMPV6 } from "../../../ir/entry.js";
import type { Direction, Peer, PortMatch, RuleEntry, RuleVerdict } from "../../../ir/entry.js";
import { ALL, and, not } from "../../../ir/selector.js";
import type { Selector } from "../../../ir/selector.js";
import type { Ctx } from "./context.js";
import { W_SOURCE_PORTS, W_SUBJECT_NETS, W_UNKNOWN_SERVICE, W_SERVICE_NO_SELECTOR } from "./context.js";
import { positiveSelector } from "./entity.js";
import type { EntityValue, NetValue } from "./entity.js";
import type { IcmpValue, PortValue } from "./ports.js";
import type { Action, RuleValue } from "./rule.js";
import { lowerSelector } from "./selectors.js";
import { findService } from "./services.js";

/** What a rule contributes to its RuleEntry. */
export type RuleParts = Pick<RuleEntry, "peers" | "notPeers" | "ports" | "notPorts" | "verdict" | "l7"> & {
  /** Conjunct for the subject selector (ALL when the rule does not narrow it). */
  readonly subject: Selector;
};

const VERDICTS: Readonly<Record<Action, RuleVerdict>> = {
  Allow: "allow",
  Deny: "deny",
  Pass: "pass",
  Log: "log",
};
const ALL_V4 = "0.0.0.0/0";
const ALL_V6 = "::/0";

function familyOf(rule: RuleValue): 4 | 6 | undefined {
  if (rule.ipVersion !== undefined) {
    return rule.ipVersion;
  }
  if (rule.protocol?.num === PROTO_ICMP) {
    return 4;
  }
  if (rule.protocol?.num === PROTO_ICMPV6) {
    return 6;
  }
  const net = [rule.source, rule.destination].flatMap((e) => [...e.nets, ...e.notNets])[0];
  return net?.prefix.family;
}

function cidrPeer(n: NetValue, except: readonly string[] = []): Peer {
  return { kind: "cidr", cidr: n.text, except, span: n.span };
}

/** The notPeer that makes the address lie in `nets` (all of one family). */
function inNets(nets: readonly NetValue[], span: Span): Peer | undefined {
  const first = nets[0];
  if (first === undefined || nets.some((n) => n.prefix.len === (n.prefix.family === 4 ? 96 : 0))) {
    return undefined;
  }
  return {
    kind: "cidr",
    cidr: first.prefix.family === 4 ? ALL_V4 : ALL_V6,
    except: nets.map((n) => n.text),
    span,
  };
}

interface PeerParts {
  peers: Peer[];
  notPeers: Peer[];
  /** Destination service ports, when the peer is a destination service. */
  servicePorts?: readonly PortMatch[];
}

function servicePeer(e: EntityValue, egress: boolean, ctx: Ctx): PeerParts {
  const svc = e.services!;
  const namespace = svc.namespace !== "" ? svc.namespace : ctx.scope.namespace;
  const target = findService(ctx.objects, namespace, svc.name);
  if (target === undefined || target.selector === undefined) {
    ctx.diags.warn(
      target === undefined ? W_UNKNOWN_SERVICE : W_SERVICE_NO_SELECTOR,
      target === undefined ? "calico-unknown-service" : "calico-service-without-selector",
      target === undefined
        ? `no Service ${namespace}/${svc.name} among the inputs: the rule matches nothing`
        : `Service ${namespace}/${svc.name} has no selector (its endpoints are not modelled): the rule matches nothing`,
      svc.span,
      target === undefined ? "add the Service object to the inputs" : undefined,
    );
    return { peers: [], notPeers: [] };
  }
  const peer: Peer = { kind: "endpoints", selector: target.selector, span: svc.span };
  return egress
    ? { peers: target.ports.length > 0 ? [peer] : [], notPeers: [], servicePorts: target.ports }
    : { peers: [peer], notPeers: [] };
}

function peerParts(e: EntityValue, egress: boolean, ctx: Ctx): PeerParts {
  if (e.services !== undefined) {
    return servicePeer(e, egress, ctx);
  }
  const notPeers: Peer[] = e.notNets.map((n) => cidrPeer(n));
  if (e.notSelector !== undefined) {
    const sel = lowerSelector(e.notSelector.text, e.notSelector.node.span, ctx.diags);
    notPeers.push({ kind: "endpoints", selector: sel, span: e.notSelector.node.span });
  }
  const pos = positiveSelector(e, ctx.scope.namespace);
  if (pos !== "") {
    const selector = lowerSelector(pos, e.span, ctx.diags);
    const restrict = inNets(e.nets, e.netsSpan);
    return {
      peers: [{ kind: "endpoints", selector, span: e.span }],
      notPeers: restrict === undefined ? notPeers : [...notPeers, restrict],
    };
  }
  if (e.nets.length > 0) {
    return { peers: e.nets.map((n) => cidrPeer(n)), notPeers };
  }
  return { peers: [{ kind: "any" }], notPeers };
}

function subjectPart(e: EntityValue, ctx: Ctx): Selector {
  let sel: Selector = ALL;
  const pos = positiveSelector(e, ctx.scope.namespace);
  if (pos !== "") {
    sel = lowerSelector(pos, e.span, ctx.diags);
  }
  if (e.notSelector !== undefined) {
    sel = and(sel, not(lowerSelector(e.notSelector.text, e.notSelector.node.span, ctx.diags)));
  }
  if (e.nets.length > 0 || e.notNets.length > 0) {
    ctx.diags.warn(
      W_SUBJECT_NETS,
      "calico-subject-nets-not-modelled",
      "CIDR matches on the policy's own endpoint are not enforced yet: the rule ignores them",
      e.netsSpan,
      "select the endpoints by label instead (or in the policy selector)",
    );
  }
  return sel;
}

function portClause(p: PortValue, protocol: number | undefined): PortMatch {
  const proto = protocol === undefined ? {} : { protocol };
  return p.kind === "named"
    ? { ...proto, ranges: [], named: p.name, span: p.span }
    : { ...proto, ranges: [[p.min, p.max]], span: p.span };
}

function icmpClause(icmp: IcmpValue, protocol: number): PortMatch {
  return {
    protocol,
    ranges: [],
    ...(icmp.type !== undefined ? { icmpType: icmp.type } : {}),
    ...(icmp.code !== undefined ? { icmpCode: icmp.code } : {}),
    span: icmp.span,
  };
}

function positivePorts(rule: RuleValue, servicePorts: readonly PortMatch[] | undefined): PortMatch[] {
  const proto = rule.protocol?.num;
  if (servicePorts !== undefined) {
    return servicePorts.filter((p) => proto === undefined || p.protocol === proto);
  }
  if (rule.destination.ports.items.length > 0) {
    return rule.destination.ports.items.map((p) => portClause(p, proto));
  }
  if (rule.icmp !== undefined && proto !== undefined) {
    return [icmpClause(rule.icmp, proto)];
  }
  return proto === undefined ? [] : [{ protocol: proto, ranges: [], span: rule.protocol!.span }];
}

function negativePorts(rule: RuleValue, family: 4 | 6 | undefined): PortMatch[] {
  const proto = rule.protocol?.num;
  const out = rule.destination.notPorts.items.map((p) => portClause(p, proto));
  if (rule.notProtocol !== undefined) {
    out.push({ protocol: rule.notProtocol.num, ranges: [], span: rule.notProtocol.span });
  }
  if (rule.notICMP !== undefined && rule.notICMP.type !== undefined) {
    out.push(icmpClause(rule.notICMP, proto ?? (family === 6 ? PROTO_ICMPV6 : PROTO_ICMP)));
  }
  return out;
}

/** The IR parts of checked rule `rule` in `direction`. */
export function lowerRule(rule: RuleValue, direction: Direction, ctx: Ctx): RuleParts {
  const egress = direction === "egress";
  const peerSide = egress ? rule.destination : rule.source;
  const subjectSide = egress ? rule.source : rule.destination;
  const { peers, notPeers, servicePorts } = peerParts(peerSide, egress, ctx);
  const subject = subjectPart(subjectSide, ctx);
  const src = rule.source;
  if (src.ports.present || src.notPorts.present) {
    ctx.diags.warn(
      W_SOURCE_PORTS,
      "calico-source-ports-not-modelled",
      "source port matches are not enforced yet: the rule matches every source port",
      src.ports.present ? src.ports.span : src.notPorts.span,
      "sluice matches destination ports only; see the Calico front end notes",
    );
  }
  const v = rule.ipVersion;
  if (v !== undefined && !peers.every((p) => p.kind === "cidr" && p.cidr.includes(":") === (v === 6))) {
    notPeers.push({ kind: "cidr", cidr: v === 4 ? ALL_V6 : ALL_V4, except: [], span: rule.node.span });
  }
  return {
    subject,
    peers,
    notPeers,
    ports: positivePorts(rule, servicePorts),
    notPorts: negativePorts(rule, familyOf(rule)),
    verdict: VERDICTS[rule.action],
    ...(rule.http !== undefined ? { l7: rule.http } : {}),
  };
}
