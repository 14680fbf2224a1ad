/**
 * @fileoverview networking.k8s.io/v1 NetworkPolicy → IR entries, with validation and weave-npc notes.
 *
 * Semantics (../shared/reference/kubernetes.md §1): the subject is podSelector within the policy's
 * namespace; policyTypes default to [Ingress] plus Egress iff the egress list is non-empty; each listed
 * direction isolates its subjects (a SelectEntry with defaultDeny) and each rule allows peers × ports;
 * peers are OR'ed, namespaceSelector + podSelector in one peer AND'ed; podSelector alone means the
 * policy's namespace; ipBlock is cidr minus except; protocol defaults to TCP; named ports are kept by
 * name and resolved on the destination endpoint during lowering; endPort makes an inclusive range.
 *
 * Diagnostic codes (stable):
 *   S2001 unknown field            S2002 wrong type              S2003 missing name
 *   S3001 ipBlock with selectors   S3002 bad port / endPort      S3003 bad CIDR / except
 *   S3004 bad protocol             S3005 bad policyType          S3006 peer without any selector
 *   S3007 bad named port           S3008 peer kinds mixed
 *   W3101 weave-named-port         W3102 weave-end-port          (warnings, `--cni weave`)
 */

import type { Diagnostics } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/source.js";
import { LBL_NAMESPACE, NS_LABEL_PREFIX } from "../../cluster/labels.js";
import type { KubeObject } from "../../input/read-objects.js";
import { PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../../ir/entry.js";
import type { Direction, Peer, PolicyEntry, PortMatch, RuleEntry } from "../../ir/entry.js";
import { and, eq, has } from "../../ir/selector.js";
import type { Selector } from "../../ir/selector.js";
import { parsePrefix, prefixContains } from "../../net/ip.js";
import type { LMap, LNode } from "../../yaml/located.js";
import { parseLabelSelector } from "./label-selector.js";

/** Where a Kubernetes policy lands in evaluation order (Calico puts it in tier default at order 1000). */
export interface KubernetesPlacement {
  readonly tier: number;
  readonly tierName: string;
  readonly order: number;
  /** Report weave-npc divergences as warnings. */
  readonly weave: boolean;
}

/** Default placement: one tier, order 0. */
export const DEFAULT_PLACEMENT: KubernetesPlacement = {
  tier: 0,
  tierName: "default",
  order: 0,
  weave: false,
};

const PROTOCOLS: Readonly<Record<string, number>> = { TCP: PROTO_TCP, UDP: PROTO_UDP, SCTP: PROTO_SCTP };

/** IANA_SVC_NAME: 1-15 chars of [a-z0-9-], at least one letter, no leading/trailing/double hyphen. */
function isSvcName(s: string): boolean {
  return /^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes("--");
}

interface Ctx {
  readonly diags: Diagnostics;
  readonly placement: KubernetesPlacement;
}

function checkFields(map: LMap, allowed: readonly string[], where: string, ctx: Ctx): void {
  for (const [k, { keySpan }] of map.entries) {
    if (!allowed.includes(k)) {
      const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase());
      ctx.diags.error(
        "S2001",
        `unknown field '${k}' in ${where}`,
        keySpan,
        near ? `did you mean '${near}'?` : `allowed: ${allowed.join(", ")}`,
      );
    }
  }
}

function isNull(n: LNode | undefined): boolean {
  return n === undefined || (n.kind === "scalar" && n.value === null);
}

function asSeq(n: LNode | undefined, what: string, ctx: Ctx): readonly LNode[] {
  if (isNull(n)) {
    return [];
  }
  if (n!.kind !== "seq") {
    ctx.diags.error("S2002", `${what} must be a list`, n!.span);
    return [];
  }
  return n!.items;
}

/** Namespace selector over the namespace meta labels; it only ever matches pods (which have a namespace). */
function namespaceSelector(node: LNode, ctx: Ctx): Selector {
  return and(
    has(LBL_NAMESPACE),
    parseLabelSelector(node, ctx.diags, (k) => NS_LABEL_PREFIX + k),
  );
}

function parsePeer(node: LNode, policyNs: string, ctx: Ctx): Peer | undefined {
  if (node.kind !== "map") {
    ctx.diags.error("S2002", "a peer is a mapping with podSelector, namespaceSelector or ipBlock", node.span);
    return undefined;
  }
  checkFields(node, ["podSelector", "namespaceSelector", "ipBlock"], "peer", ctx);
  const pod = node.entries.get("podSelector")?.value;
  const ns = node.entries.get("namespaceSelector")?.value;
  const ip = node.entries.get("ipBlock")?.value;
  if (ip !== undefined) {
    if (pod !== undefined || ns !== undefined) {
      ctx.diags.error(
        "S3001",
        "ipBlock cannot be combined with podSelector or namespaceSelector in one peer",
        node.span,
        "split it into two peers (list items)",
      );
      return undefined;
    }
    return parseIpBlock(ip, ctx);
  }
  if (pod === undefined && ns === undefined) {
    ctx.diags.error(
      "S3006",
      "a peer needs podSelector, namespaceSelector or ipBlock",
      node.span,
      "to allow everything, leave out 'from'/'to' instead",
    );
    return undefined;
  }
  const podSel = pod === undefined ? and() : parseLabelSelector(pod, ctx.diags);
  const nsSel = ns === undefined ? eq(LBL_NAMESPACE, policyNs) : namespaceSelector(ns, ctx);
  return { kind: "endpoints", selector: and(nsSel, podSel), span: node.span };
}

function parseIpBlock(node: LNode, ctx: Ctx): Peer | undefined {
  if (node.kind !== "map") {
    ctx.diags.error("S2002", "ipBlock is a mapping with cidr and except", node.span);
    return undefined;
  }
  checkFields(node, ["cidr", "except"], "ipBlock", ctx);
  const cidrNode = node.entries.get("cidr")?.value;
  if (cidrNode?.kind !== "scalar" || typeof cidrNode.value !== "string") {
    ctx.diags.error(
      "S3003",
      "ipBlock needs a cidr string",
      cidrNode?.span ?? node.span,
      "add cidr: 10.0.0.0/8",
    );
    return undefined;
  }
  const cidr = parsePrefix(cidrNode.value);
  if (typeof cidr === "string") {
    ctx.diags.error("S3003", `invalid cidr: ${cidr}`, cidrNode.span);
    return undefined;
  }
  const except: string[] = [];
  for (const e of asSeq(node.entries.get("except")?.value, "except", ctx)) {
    if (e.kind !== "scalar" || typeof e.value !== "string") {
      ctx.diags.error("S3003", "except entries are CIDR strings", e.span);
      continue;
    }
    const p = parsePrefix(e.value);
    if (typeof p === "string") {
      ctx.diags.error("S3003", `invalid except: ${p}`, e.span);
    } else if (p.family !== cidr.family || !prefixContains(cidr, p) || p.len === cidr.len) {
      ctx.diags.error(
        "S3003",
        `except ${e.value} must be strictly inside cidr ${cidrNode.value}`,
        e.span,
        "remove it or widen the cidr",
        [{ message: "the cidr", span: cidrNode.span }],
      );
    } else {
      except.push(e.value);
    }
  }
  return { kind: "cidr", cidr: cidrNode.value, except, span: node.span };
}

function parsePort(node: LNode, ctx: Ctx): PortMatch | undefined {
  if (node.kind !== "map") {
    ctx.diags.error("S2002", "a port entry is a mapping with protocol, port, endPort", node.span);
    return undefined;
  }
  checkFields(node, ["protocol", "port", "endPort"], "port entry", ctx);
  const protoNode = node.entries.get("protocol")?.value;
  let protocol = PROTO_TCP;
  if (!isNull(protoNode)) {
    const p = protoNode!.kind === "scalar" ? PROTOCOLS[String(protoNode!.value)] : undefined;
    if (p === undefined) {
      ctx.diags.error(
        "S3004",
        `protocol must be TCP, UDP or SCTP`,
        protoNode!.span,
        "protocol names are upper case",
      );
      return undefined;
    }
    protocol = p;
  }
  const portNode = node.entries.get("port")?.value;
  const endNode = node.entries.get("endPort")?.value;
  if (isNull(portNode)) {
    if (!isNull(endNode)) {
      ctx.diags.error(
        "S3002",
        "endPort needs a numeric port",
        endNode!.span,
        "add port: <first port of the range>",
      );
      return undefined;
    }
    return { protocol, ranges: [], span: node.span };
  }
  const pv = portNode!.kind === "scalar" ? portNode!.value : undefined;
  if (typeof pv === "string" && !/^\d+$/.test(pv)) {
    if (!isSvcName(pv)) {
      ctx.diags.error(
        "S3007",
        `'${pv}' is not a valid port name`,
        portNode!.span,
        "port names are 1-15 lower-case letters, digits and single hyphens, with at least one letter",
      );
      return undefined;
    }
    if (!isNull(endNode)) {
      ctx.diags.error(
        "S3002",
        "endPort cannot be used with a named port",
        endNode!.span,
        "use a numeric port",
      );
      return undefined;
    }
    if (ctx.placement.weave) {
      ctx.diags.warn(
        "W3101",
        "weave-named-port",
        `weave-npc rejects policies with named ports and leaves their pods unprotected (fail-open)`,
        portNode!.span,
        "use the numeric port when migrating to or from Weave Net",
      );
    }
    return { protocol, ranges: [], named: pv, span: node.span };
  }
  const port = Number(pv);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    ctx.diags.error("S3002", `port ${String(pv)} is out of range`, portNode!.span, "ports are 1-65535");
    return undefined;
  }
  let end = port;
  if (!isNull(endNode)) {
    const ev = endNode!.kind === "scalar" ? Number(endNode!.value) : NaN;
    if (!Number.isInteger(ev) || ev < port || ev > 65535) {
      ctx.diags.error("S3002", `endPort must be a number from ${port} to 65535`, endNode!.span);
      return undefined;
    }
    end = ev;
    if (ctx.placement.weave && end !== port) {
      ctx.diags.warn(
        "W3102",
        "weave-end-port",
        `weave-npc ignores endPort and allows only port ${port}`,
        endNode!.span,
      );
    }
  }
  return { protocol, ranges: [[port, end]], span: node.span };
}

/** Compile one NetworkPolicy object into IR entries (appended to `out`). */
export function compileNetworkPolicy(
  obj: KubeObject,
  diags: Diagnostics,
  out: PolicyEntry[],
  placement: KubernetesPlacement = DEFAULT_PLACEMENT,
): void {
  const ctx: Ctx = { diags, placement };
  const node = obj.node;
  const meta = node.entries.get("metadata")?.value;
  const name = obj.name;
  if (name === undefined) {
    diags.error("S2003", "NetworkPolicy without metadata.name", (meta ?? node).span, "add metadata.name");
    return;
  }
  const namespace = obj.namespace ?? "default";
  const spec = node.entries.get("spec")?.value;
  if (spec?.kind !== "map") {
    diags.error("S2002", "NetworkPolicy needs a spec mapping", (spec ?? node).span);
    return;
  }
  checkFields(spec, ["podSelector", "ingress", "egress", "policyTypes"], "NetworkPolicy spec", ctx);
  const podSelectorNode = spec.entries.get("podSelector")?.value;
  const subject = and(eq(LBL_NAMESPACE, namespace), parseLabelSelector(podSelectorNode, diags));
  const ingress = spec.entries.get("ingress")?.value;
  const egress = spec.entries.get("egress")?.value;
  const typesNode = spec.entries.get("policyTypes")?.value;
  const types = new Set<Direction>();
  const typeSeq = asSeq(typesNode, "policyTypes", ctx);
  if (typeSeq.length === 0) {
    // SetDefaults_NetworkPolicy: Ingress always, Egress iff there are egress rules.
    types.add("ingress");
    if (asSeq(egress, "egress", ctx).length > 0) {
      types.add("egress");
    }
  } else {
    for (const t of typeSeq) {
      if (t.kind === "scalar" && (t.value === "Ingress" || t.value === "Egress")) {
        types.add(t.value === "Ingress" ? "ingress" : "egress");
      } else {
        ctx.diags.error("S3005", `policyTypes entries are Ingress or Egress`, t.span);
      }
    }
  }
  const base = {
    dialect: "kubernetes" as const,
    kind: "NetworkPolicy",
    namespace,
    name,
    policySpan: node.span,
  };
  const place = { tier: placement.tier, tierName: placement.tierName, order: placement.order };
  for (const direction of ["ingress", "egress"] as const) {
    if (!types.has(direction)) {
      continue;
    }
    out.push({
      type: "select",
      origin: { ...base, ruleIndex: -1, span: (podSelectorNode ?? node).span },
      ...place,
      subject,
      direction,
      defaultDeny: true,
    });
    const rules = asSeq(direction === "ingress" ? ingress : egress, direction, ctx);
    rules.forEach((rule, ruleIndex) => {
      const entry = compileRule(rule, direction, namespace, ctx);
      if (entry !== undefined) {
        out.push({
          type: "rule",
          origin: { ...base, ruleIndex, span: rule.span },
          ...place,
          subject,
          direction,
          ...entry,
        });
      }
    });
  }
}

function compileRule(
  rule: LNode,
  direction: Direction,
  namespace: string,
  ctx: Ctx,
): Pick<RuleEntry, "peers" | "notPeers" | "ports" | "notPorts" | "verdict"> | undefined {
  if (rule.kind !== "map") {
    if (rule.kind === "scalar" && rule.value === null) {
      return { peers: [{ kind: "any" }], notPeers: [], ports: [], notPorts: [], verdict: "allow" };
    }
    ctx.diags.error("S2002", `an ${direction} rule is a mapping`, rule.span);
    return undefined;
  }
  const peerKey = direction === "ingress" ? "from" : "to";
  checkFields(rule, [peerKey, "ports"], `${direction} rule`, ctx);
  const peerNodes = asSeq(rule.entries.get(peerKey)?.value, peerKey, ctx);
  const peers: Peer[] = [];
  for (const p of peerNodes) {
    const peer = parsePeer(p, namespace, ctx);
    if (peer !== undefined) {
      peers.push(peer);
    }
  }
  const ports: PortMatch[] = [];
  const portNodes = asSeq(rule.entries.get("ports")?.value, "ports", ctx);
  for (const p of portNodes) {
    const port = parsePort(p, ctx);
    if (port !== undefined) {
      ports.push(port);
    }
  }
  if (peerNodes.length > 0 && peers.length === 0) {
    return undefined; // every peer was invalid: already reported
  }
  if (portNodes.length > 0 && ports.length === 0) {
    return undefined;
  }
  return {
    peers: peerNodes.length === 0 ? [{ kind: "any" }] : peers,
    notPeers: [],
    ports,
    notPorts: [],
    verdict: "allow",
  };
}

/** The span to blame for a policy-wide problem. */
export function policySpan(obj: KubeObject): Span {
  return obj.node.span;
}
