/**
 * @fileoverview One Cilium `Rule` (a `spec`, or one item of `specs`) → IR entries.
 *
 * Subject: a CiliumNetworkPolicy's endpointSelector always gets the policy's namespace
 * (`io.kubernetes.pod.namespace=<ns>`; a `k8s:` namespace match in matchLabels is replaced, as upstream
 * `AddMatch` does); a clusterwide policy's endpointSelector is used as is; a clusterwide `nodeSelector`
 * (host firewall) becomes `reserved:host` AND the node-label selector, since Cilium's host endpoint
 * carries `reserved:host` plus the node's labels (every Node is one: cluster/host-endpoints.ts). As
 * upstream `matchesSubject` has it, only such subjects select host endpoints; the lowering keeps
 * endpointSelector rules off them (lower/groups.ts `requiresHost`).
 *
 * Entries (after upstream `RulesToPolicyEntries`): for each direction with at least one element
 * (allow or deny), one SelectEntry whose `defaultDeny` is `enableDefaultDeny.<dir>` (default true);
 * for each element, RuleEntries with the element's peers and verdict allow (ingress/egress) or deny
 * (ingressDeny/egressDeny). Port clauses of toPorts entries without L7 rules and of icmps share one
 * entry; each toPorts entry with L7 rules gets its own entry carrying them. Without toPorts and icmps
 * the entry has no port clauses (every protocol and port).
 */

import { LBL_NAMESPACE } from "../../cluster/labels.js";
import type { Origin, Peer, PolicyEntry, PortMatch } from "../../ir/entry.js";
import type { L7Rules } from "../../ir/l7.js";
import { ALL, NONE, and, eq } from "../../ir/selector.js";
import type { Selector } from "../../ir/selector.js";
import type { LMap, LNode } from "../../yaml/located.js";
import { parseLabelSelector } from "../kubernetes/label-selector.js";
import {
  S_BAD_ICMP,
  S_BAD_LOG,
  S_NODE_SELECTOR_CNP,
  S_NO_DIRECTION,
  S_SERVICE_PORTS,
  S_SUBJECT,
  W_AUTH,
  W_SUBJECT_NAMESPACE,
  S_WRONG_TYPE,
  asMap,
  boolField,
  checkFields,
  field,
  keySpan,
  seqField,
  stringField,
} from "./context.js";
import type { CiliumPlacement, Ctx } from "./context.js";
import { parseIcmpRule } from "./icmp.js";
import { parsePeers, peerFields } from "./peers.js";
import { parsePortRule } from "./ports.js";
import { mapLabelKey, parseEndpointSelector, RESERVED_PREFIX, reserved } from "./selectors.js";

/** What every entry of one policy object shares. */
export interface PolicyBase {
  readonly origin: Omit<Origin, "ruleIndex" | "span">;
  readonly place: CiliumPlacement;
}

/** Fields of a Rule. */
const RULE_FIELDS = [
  "endpointSelector",
  "nodeSelector",
  "ingress",
  "ingressDeny",
  "egress",
  "egressDeny",
  "enableDefaultDeny",
  "labels",
  "description",
  "log",
];

/** The four element lists, their direction and verdict. */
const SECTIONS = [
  { key: "ingress", direction: "ingress", deny: false },
  { key: "ingressDeny", direction: "ingress", deny: true },
  { key: "egress", direction: "egress", deny: false },
  { key: "egressDeny", direction: "egress", deny: true },
] as const;

/** Longest `log.value` (upstream CRD). */
export const MAX_LOG_VALUE = 32;

/** `sel` without one `eq(key, value)` conjunct. */
function withoutEq(sel: Selector, key: string, value: string): Selector {
  const same = (s: Selector): boolean => s.op === "eq" && s.key === key && s.value === value;
  if (same(sel)) {
    return ALL;
  }
  if (sel.op === "and") {
    const i = sel.args.findIndex(same);
    return i < 0 ? sel : and(...sel.args.filter((_, j) => j !== i));
  }
  return sel;
}

/** The subject of a CiliumNetworkPolicy's endpointSelector in `namespace`. */
function namespacedSubject(node: LNode, namespace: string, ctx: Ctx): Selector {
  let sel = parseEndpointSelector(node, ctx).selector;
  const labels = node.kind === "map" ? node.entries.get("matchLabels")?.value : undefined;
  for (const [k, { value }] of labels?.kind === "map" ? labels.entries : []) {
    const v = value.kind === "scalar" ? String(value.value) : undefined;
    if (mapLabelKey(k) !== LBL_NAMESPACE || v === undefined || v === namespace) {
      continue;
    }
    const replaced = k === `k8s:${LBL_NAMESPACE}`;
    ctx.diags.warn(
      W_SUBJECT_NAMESPACE,
      "endpoint-selector-namespace",
      replaced
        ? `a CiliumNetworkPolicy applies in its own namespace '${namespace}': this match on '${v}' is replaced`
        : `a CiliumNetworkPolicy applies in its own namespace '${namespace}': with this match on '${v}' it selects nothing`,
      value.span,
      "move the policy to that namespace, or use a CiliumClusterwideNetworkPolicy",
    );
    if (replaced) {
      sel = withoutEq(sel, LBL_NAMESPACE, v);
    }
  }
  return and(eq(LBL_NAMESPACE, namespace), sel);
}

/** The subject selector of a rule, or undefined (reported). Sets `ctx.hostPolicy` and `ctx.scope`. */
function subjectOf(map: LMap, ctx: Ctx): Selector | undefined {
  const es = field(map, "endpointSelector");
  const ns = field(map, "nodeSelector");
  ctx.hostPolicy = false;
  ctx.scope =
    ctx.namespace === undefined
      ? { kind: "cluster", matchesInit: false }
      : { kind: "namespace", namespace: ctx.namespace };
  if (es !== undefined && ns !== undefined) {
    ctx.diags.error(
      S_SUBJECT,
      "rule cannot have both endpointSelector and nodeSelector",
      keySpan(map, "nodeSelector"),
      "keep one of them",
    );
    return undefined;
  }
  if (ns !== undefined && ctx.namespace !== undefined) {
    ctx.diags.error(
      S_NODE_SELECTOR_CNP,
      "nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy",
      keySpan(map, "nodeSelector"),
      "host policies are clusterwide: change the kind to CiliumClusterwideNetworkPolicy",
    );
    return undefined;
  }
  if (ns !== undefined) {
    ctx.hostPolicy = true;
    ctx.scope = { kind: "cluster", matchesInit: false };
    return and(reserved("host"), parseLabelSelector(ns, ctx.diags, mapLabelKey));
  }
  if (es === undefined) {
    ctx.diags.error(
      S_SUBJECT,
      "rule must have one of endpointSelector or nodeSelector",
      map.span,
      "add endpointSelector: {} to select every endpoint",
    );
    return undefined;
  }
  if (ctx.namespace !== undefined) {
    ctx.scope = { kind: "namespace", namespace: ctx.namespace };
    return namespacedSubject(es, ctx.namespace, ctx);
  }
  const parsed = parseEndpointSelector(es, ctx);
  ctx.scope = { kind: "cluster", matchesInit: parsed.keys.includes(`${RESERVED_PREFIX}init`) };
  return parsed.selector;
}

/** Check the rule's metadata fields (labels, description, log). */
function checkMetadata(map: LMap, ctx: Ctx): void {
  stringField(map, "description", ctx);
  seqField(map, "labels", ctx);
  const log = field(map, "log");
  const lm = log === undefined ? undefined : asMap(log, "log", ctx);
  if (lm !== undefined) {
    checkFields(lm, ["value"], "log", ctx);
    const v = stringField(lm, "value", ctx);
    if (v !== undefined && (v.length > MAX_LOG_VALUE || !/^[\x20-\x7e]*$/.test(v))) {
      ctx.diags.error(
        S_BAD_LOG,
        `log value must be at most ${MAX_LOG_VALUE} printable characters`,
        field(lm, "value")!.span,
        "shorten it",
      );
    }
  }
}

/** Compile one Rule node into `out`. */
export function compileRule(node: LNode, base: PolicyBase, ctx: Ctx, out: PolicyEntry[]): void {
  const map = asMap(node, "a policy rule", ctx);
  if (map === undefined) {
    return;
  }
  checkFields(map, RULE_FIELDS, "rule", ctx);
  checkMetadata(map, ctx);
  const found = subjectOf(map, ctx);
  const subject = found ?? NONE;
  const lists = SECTIONS.map((s) => ({ ...s, items: seqField(map, s.key, ctx) ?? [] }));
  if (lists.every((l) => l.items.length === 0)) {
    ctx.diags.error(
      S_NO_DIRECTION,
      "rule must have at least one of ingress, ingressDeny, egress, egressDeny",
      map.span,
      "for default deny without allows, write ingress: [{}]",
    );
    return;
  }
  const dd = field(map, "enableDefaultDeny");
  const ddMap = dd === undefined ? undefined : asMap(dd, "enableDefaultDeny", ctx);
  if (ddMap !== undefined) {
    checkFields(ddMap, ["ingress", "egress"], "enableDefaultDeny", ctx);
  }
  const defaults = {
    ingress: (ddMap === undefined ? undefined : boolField(ddMap, "ingress", ctx)) ?? true,
    egress: (ddMap === undefined ? undefined : boolField(ddMap, "egress", ctx)) ?? true,
  };
  const entries: PolicyEntry[] = [];
  for (const direction of ["ingress", "egress"] as const) {
    const sections = lists.filter((l) => l.direction === direction);
    if (sections.every((l) => l.items.length === 0)) {
      continue;
    }
    const span = (field(map, "endpointSelector") ?? field(map, "nodeSelector") ?? map).span;
    const place = { tier: base.place.tier, tierName: base.place.tierName, order: base.place.order };
    entries.push({
      type: "select",
      origin: { ...base.origin, ruleIndex: -1, span },
      ...place,
      subject,
      direction,
      defaultDeny: defaults[direction],
    });
    for (const s of sections) {
      s.items.forEach((item, ruleIndex) => {
        for (const e of compileElement(item, direction, s.deny, defaults[direction], ctx)) {
          entries.push({
            type: "rule",
            origin: { ...base.origin, ruleIndex, span: item.span },
            ...place,
            subject,
            direction,
            peers: e.peers,
            notPeers: [],
            ports: e.ports,
            notPorts: [],
            verdict: s.deny ? "deny" : "allow",
            ...(e.l7 !== undefined ? { l7: e.l7 } : {}),
          });
        }
      });
    }
  }
  // Without a valid subject the elements are still checked, but nothing is emitted.
  if (found !== undefined) {
    out.push(...entries);
  }
}

/** The peers, ports and L7 rules of one entry of an element. */
interface ElementEntry {
  readonly peers: readonly Peer[];
  readonly ports: readonly PortMatch[];
  readonly l7?: L7Rules;
}

/** Fields of one element of `direction`. */
function elementFields(direction: "ingress" | "egress", deny: boolean): string[] {
  const requires = direction === "ingress" ? "fromRequires" : "toRequires";
  // toFQDNs in egressDeny is reported by parsePeers with a specific message, not as an unknown field.
  const fqdn = deny && direction === "egress" ? ["toFQDNs"] : [];
  return [
    ...peerFields(direction, deny),
    ...fqdn,
    requires,
    "toPorts",
    "icmps",
    ...(deny ? [] : ["authentication"]),
  ];
}

/** Compile one element (an item of ingress, ingressDeny, egress or egressDeny). */
function compileElement(
  node: LNode,
  direction: "ingress" | "egress",
  deny: boolean,
  defaultDeny: boolean,
  ctx: Ctx,
): ElementEntry[] {
  const map = asMap(node, `an ${direction} rule`, ctx);
  if (map === undefined) {
    return [];
  }
  checkFields(map, elementFields(direction, deny), `${direction}${deny ? "Deny" : ""} rule`, ctx);
  checkAuthentication(map, ctx);
  const l3 = parsePeers(map, direction, deny, ctx);
  const toPorts = seqField(map, "toPorts", ctx) ?? [];
  const icmps = seqField(map, "icmps", ctx) ?? [];
  if (toPorts.length > 0 && icmps.length > 0) {
    ctx.diags.error(
      S_BAD_ICMP,
      "icmps may only be present without toPorts",
      keySpan(map, "icmps"),
      "define a separate rule for the ICMP types",
      [{ message: "toPorts is here", span: keySpan(map, "toPorts") }],
    );
    return [];
  }
  if (l3.kind === "toServices" && toPorts.length > 0) {
    ctx.diags.error(
      S_SERVICE_PORTS,
      "combining toServices and toPorts is not supported (cilium/cilium#20067)",
      keySpan(map, "toPorts"),
      "allow the service's pods with toEndpoints and toPorts instead",
    );
    return [];
  }
  const plain: PortMatch[] = [];
  const withL7: { ports: readonly PortMatch[]; l7: L7Rules }[] = [];
  let failed = l3.failed;
  for (const p of toPorts) {
    const r = parsePortRule(p, direction, deny, defaultDeny, ctx);
    if (r === undefined) {
      failed = true;
    } else if (r.l7 !== undefined) {
      withL7.push({ ports: r.ports, l7: r.l7 });
    } else {
      plain.push(...r.ports);
    }
  }
  for (const i of icmps) {
    const r = parseIcmpRule(i, ctx);
    if (r === undefined) {
      failed = true;
    } else {
      plain.push(...r);
    }
  }
  const hasL4 = toPorts.length > 0 || icmps.length > 0;
  // No peer field: L4-only (any peer) with ports, nothing without (`ingress: [{}]`).
  const peers = l3.present ? l3.peers : hasL4 ? [{ kind: "any" as const }] : [];
  if (failed || peers.length === 0) {
    return [];
  }
  if (!hasL4) {
    return [{ peers, ports: [] }];
  }
  // A toPorts entry without ports contributes nothing; empty clause lists would mean "every port".
  return [
    ...(plain.length > 0 ? [{ peers, ports: plain }] : []),
    ...withL7.filter((g) => g.ports.length > 0).map((g) => ({ peers, ports: g.ports, l7: g.l7 })),
  ];
}

/** `authentication: {mode}`: sluice does not do mutual authentication. */
function checkAuthentication(map: LMap, ctx: Ctx): void {
  const node = field(map, "authentication");
  const m = node === undefined ? undefined : asMap(node, "authentication", ctx);
  if (m === undefined) {
    return;
  }
  checkFields(m, ["mode"], "authentication", ctx);
  const mode = stringField(m, "mode", ctx);
  if (mode === "required") {
    ctx.diags.warn(
      W_AUTH,
      "auth-not-enforced",
      "mutual authentication is not modelled: traffic this rule allows is allowed without it",
      field(m, "mode")!.span,
      "Cilium drops unauthenticated traffic with AUTH_REQUIRED (189); mutual auth is being removed upstream",
    );
  } else if (mode !== undefined && mode !== "disabled") {
    ctx.diags.error(
      S_WRONG_TYPE,
      `authentication mode must be disabled or required, not '${mode}'`,
      field(m, "mode")!.span,
    );
  }
}
