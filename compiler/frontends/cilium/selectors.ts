/**
 * @fileoverview Cilium endpoint selectors and entities → selector AST over the endpoint label view.
 *
 * Label keys in a Cilium selector may carry a source: `k8s:` and `any:` (and no source, which means
 * `any:`) match the pod's labels and meta labels, so the prefix is dropped; `reserved:<name>` stays as
 * the key `reserved:<name>`, which is how reserved identities are labelled (lower/identities.ts); other
 * sources (`cidr:`, `container:`, ...) are kept as written and match only labels carrying them.
 *
 * Namespace scoping (cilium.md §1.11, upstream `utils.go` `getEndpointSelector`): a selector that names
 * a `reserved:` key is left alone; otherwise, unless it names `io.kubernetes.pod.namespace`, a
 * CiliumNetworkPolicy adds `io.kubernetes.pod.namespace=<policy namespace>` (not when it selects by
 * namespace labels, `io.cilium.k8s.namespace.labels.*`), and a clusterwide policy adds
 * `io.kubernetes.pod.namespace` Exists (so `{}` means every pod, not world), except when the policy's
 * subject is `reserved:init` (initializing endpoints have no labels).
 *
 * Entities (upstream `entity.go`, cilium.md §1.4) are fixed selectors over reserved labels; `all` is
 * every peer; `cluster` is the reserved in-cluster identities plus every endpoint of the local cluster
 * (`io.cilium.k8s.policy.cluster=default`).
 */

import { DEFAULT_CLUSTER_NAME, LBL_CLUSTER, LBL_NAMESPACE, NS_LABEL_PREFIX } from "../../cluster/labels.js";
import type { Peer } from "../../ir/entry.js";
import { and, eq, has, or } from "../../ir/selector.js";
import type { Selector } from "../../ir/selector.js";
import type { LNode } from "../../yaml/located.js";
import { parseLabelSelector } from "../kubernetes/label-selector.js";
import { S_BAD_ENTITY } from "./context.js";
import type { Ctx, Scope } from "./context.js";

/** Source prefix of reserved labels (kept in keys). */
export const RESERVED_PREFIX = "reserved:";

/** A selector key without its `k8s:` / `any:` source. */
export function mapLabelKey(key: string): string {
  return key.startsWith("k8s:") || key.startsWith("any:") ? key.slice(4) : key;
}

/** `reserved:<name>` with the empty value reserved labels carry. */
export function reserved(name: string): Selector {
  return eq(RESERVED_PREFIX + name, "");
}

/** A parsed endpoint selector and the (mapped) label keys it names. */
export interface EndpointSelector {
  readonly selector: Selector;
  readonly keys: readonly string[];
}

/** The keys a label selector node names in matchLabels and matchExpressions, mapped. */
function selectorKeys(node: LNode): string[] {
  const keys: string[] = [];
  if (node.kind !== "map") {
    return keys;
  }
  const labels = node.entries.get("matchLabels")?.value;
  if (labels?.kind === "map") {
    keys.push(...[...labels.entries.keys()].map(mapLabelKey));
  }
  const exprs = node.entries.get("matchExpressions")?.value;
  if (exprs?.kind === "seq") {
    for (const e of exprs.items) {
      const k = e.kind === "map" ? e.entries.get("key")?.value : undefined;
      if (k?.kind === "scalar" && typeof k.value === "string") {
        keys.push(mapLabelKey(k.value));
      }
    }
  }
  return keys;
}

/** Parse a Cilium endpoint selector (no scoping). */
export function parseEndpointSelector(node: LNode, ctx: Ctx): EndpointSelector {
  return { selector: parseLabelSelector(node, ctx.diags, mapLabelKey), keys: selectorKeys(node) };
}

/** Apply the namespace scoping of a peer selector. */
export function scopePeerSelector(sel: EndpointSelector, scope: Scope): Selector {
  if (sel.keys.some((k) => k.startsWith(RESERVED_PREFIX)) || sel.keys.includes(LBL_NAMESPACE)) {
    return sel.selector;
  }
  if (scope.kind === "cluster") {
    return scope.matchesInit ? sel.selector : and(has(LBL_NAMESPACE), sel.selector);
  }
  if (sel.keys.some((k) => k.startsWith(NS_LABEL_PREFIX))) {
    return sel.selector;
  }
  return and(eq(LBL_NAMESPACE, scope.namespace), sel.selector);
}

/** A scoped endpoints peer for a fromEndpoints / toEndpoints item. */
export function endpointPeer(node: LNode, ctx: Ctx): Peer {
  return {
    kind: "endpoints",
    selector: scopePeerSelector(parseEndpointSelector(node, ctx), ctx.scope),
    span: node.span,
  };
}

const WORLD = or(reserved("world"), reserved("world-ipv4"), reserved("world-ipv6"));

/** The reserved identities inside the local cluster (upstream `InitEntities`). */
const CLUSTER_RESERVED = [
  "host",
  "remote-node",
  "init",
  "ingress",
  "health",
  "unmanaged",
  "kube-apiserver",
].map(reserved);

/** Entity name → selector (`"any"` = every peer). */
export const ENTITIES: ReadonlyMap<string, Selector | "any"> = new Map<string, Selector | "any">([
  ["all", "any"],
  ["world", WORLD],
  ["world-ipv4", reserved("world-ipv4")],
  ["world-ipv6", reserved("world-ipv6")],
  ["cluster", or(...CLUSTER_RESERVED, eq(LBL_CLUSTER, DEFAULT_CLUSTER_NAME))],
  // Every meshed cluster: the reserved in-cluster identities and any endpoint with a cluster label.
  ["cluster-mesh", or(...CLUSTER_RESERVED, has(LBL_CLUSTER))],
  ["host", reserved("host")],
  ["remote-node", reserved("remote-node")],
  ["kube-apiserver", reserved("kube-apiserver")],
  ["ingress", reserved("ingress")],
  ["health", reserved("health")],
  ["init", reserved("init")],
  ["unmanaged", reserved("unmanaged")],
  ["none", reserved("none")],
]);

/** The peer of one fromEntities / toEntities item, or undefined (reported). */
export function entityPeer(node: LNode, ctx: Ctx): Peer | undefined {
  const name = node.kind === "scalar" && typeof node.value === "string" ? node.value : undefined;
  const sel = name === undefined ? undefined : ENTITIES.get(name);
  if (sel === undefined) {
    const near = name === undefined ? undefined : [...ENTITIES.keys()].find((e) => e === name.toLowerCase());
    ctx.diags.error(
      S_BAD_ENTITY,
      `unsupported entity${name === undefined ? "" : ` '${name}'`}`,
      node.span,
      near !== undefined ? `did you mean '${near}'?` : `entities: ${[...ENTITIES.keys()].join(", ")}`,
    );
    return undefined;
  }
  return sel === "any" ? { kind: "any" } : { kind: "endpoints", selector: sel, span: node.span };
}
