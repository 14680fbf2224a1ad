/**
 * @fileoverview `toServices` → endpoints peers: the backend pods of the Services named.
 *
 * A `k8sService {serviceName, namespace}` names one Service; a `k8sServiceSelector {selector,
 * namespace}` selects Services by their own labels (`metadata.labels`). An empty namespace matches
 * Services of every namespace (upstream `serviceMatches`). For a Service with a `spec.selector` the peer
 * is the pods that selector picks in the Service's namespace, which is what Cilium enforces for services
 * with selectors; a Service without a selector has its backends in Endpoints objects, which sluice does
 * not read, so it contributes nothing and is reported. Services are looked up among the compile's input
 * objects (the cluster snapshot is only built after the front ends run).
 */

import { readStringMap } from "../../cluster/fields.js";
import { LBL_NAMESPACE } from "../../cluster/labels.js";
import { isSnapshotKind } from "../../cluster/load.js";
import { Diagnostics } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/source.js";
import type { KubeObject } from "../../input/read-objects.js";
import type { Peer } from "../../ir/entry.js";
import { and, eq, matches } from "../../ir/selector.js";
import type { Selector } from "../../ir/selector.js";
import { get } from "../../yaml/located.js";
import type { LNode } from "../../yaml/located.js";
import { parseLabelSelector } from "../kubernetes/label-selector.js";
import {
  S_BAD_SERVICE,
  W_SERVICE_NO_SELECTOR,
  W_UNKNOWN_SERVICE,
  asMap,
  checkFields,
  field,
  stringField,
} from "./context.js";
import type { Ctx } from "./context.js";
import { mapLabelKey } from "./selectors.js";

/** What toServices needs of a Service object. */
interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  readonly labels: ReadonlyMap<string, string>;
  /** spec.selector; undefined when absent or empty (the endpoints controller ignores empty ones). */
  readonly selector?: ReadonlyMap<string, string>;
  readonly span: Span;
}

/** The Service objects of the inputs (type problems are the cluster loader's to report). */
function services(objects: readonly KubeObject[]): ServiceInfo[] {
  const quiet = new Diagnostics();
  const out: ServiceInfo[] = [];
  for (const o of objects) {
    if (o.kind !== "Service" || !isSnapshotKind(o) || o.name === undefined) {
      continue;
    }
    const selector = readStringMap(get(get(o.node, "spec"), "selector"), "spec.selector", quiet);
    out.push({
      namespace: o.namespace ?? "default",
      name: o.name,
      labels: readStringMap(get(get(o.node, "metadata"), "labels"), "metadata.labels", quiet),
      ...(selector.size > 0 ? { selector } : {}),
      span: o.node.span,
    });
  }
  return out;
}

/** The backend-pod selector of a Service with a selector. */
function backendSelector(svc: ServiceInfo, selector: ReadonlyMap<string, string>): Selector {
  return and(eq(LBL_NAMESPACE, svc.namespace), ...[...selector].map(([k, v]) => eq(k, v)));
}

/** Peers of one toServices item (reported when malformed or unresolved). */
export function servicePeers(node: LNode, ctx: Ctx): Peer[] {
  const map = asMap(node, "a toServices entry", ctx);
  if (map === undefined) {
    return [];
  }
  checkFields(map, ["k8sService", "k8sServiceSelector"], "toServices entry", ctx);
  const byName = field(map, "k8sService");
  const bySelector = field(map, "k8sServiceSelector");
  if ((byName === undefined) === (bySelector === undefined)) {
    ctx.diags.error(
      S_BAD_SERVICE,
      "a toServices entry needs exactly one of k8sService and k8sServiceSelector",
      node.span,
      "split it into two entries, or add k8sService: {serviceName: ..., namespace: ...}",
    );
    return [];
  }
  let what: string;
  let wanted: (svc: ServiceInfo) => boolean;
  if (byName !== undefined) {
    const m = asMap(byName, "k8sService", ctx);
    if (m === undefined) {
      return [];
    }
    checkFields(m, ["serviceName", "namespace"], "k8sService", ctx);
    const name = stringField(m, "serviceName", ctx);
    const ns = stringField(m, "namespace", ctx) ?? "";
    if (name === undefined || name === "") {
      ctx.diags.error(S_BAD_SERVICE, "k8sService needs a serviceName", m.span, "add serviceName: <name>");
      return [];
    }
    what = ns === "" ? `a Service named '${name}'` : `Service ${ns}/${name}`;
    wanted = (svc) => svc.name === name && (ns === "" || svc.namespace === ns);
  } else {
    const m = asMap(bySelector!, "k8sServiceSelector", ctx);
    if (m === undefined) {
      return [];
    }
    checkFields(m, ["selector", "namespace"], "k8sServiceSelector", ctx);
    const selNode = field(m, "selector");
    const ns = stringField(m, "namespace", ctx) ?? "";
    if (selNode === undefined) {
      ctx.diags.error(
        S_BAD_SERVICE,
        "k8sServiceSelector needs a selector",
        m.span,
        "add selector: {matchLabels: ...}",
      );
      return [];
    }
    const sel = parseLabelSelector(selNode, ctx.diags, mapLabelKey);
    what = `a Service matching this selector${ns === "" ? "" : ` in namespace ${ns}`}`;
    wanted = (svc) => matches(sel, svc.labels) && (ns === "" || svc.namespace === ns);
  }
  const found = services(ctx.objects).filter(wanted);
  if (found.length === 0) {
    ctx.diags.warn(
      W_UNKNOWN_SERVICE,
      "unknown-service",
      `no input object is ${what}; this toServices entry allows nothing`,
      node.span,
      "add the Service to the inputs (kubectl get svc -A -o yaml)",
    );
    return [];
  }
  const peers: Peer[] = [];
  for (const svc of found) {
    if (svc.selector === undefined) {
      ctx.diags.warn(
        W_SERVICE_NO_SELECTOR,
        "service-without-selector",
        `Service ${svc.namespace}/${svc.name} has no selector; Cilium allows its Endpoints' addresses, which sluice does not read, so it allows nothing here`,
        node.span,
        "use toCIDR with the backend addresses instead",
        [{ message: "the Service", span: svc.span }],
      );
      continue;
    }
    peers.push({ kind: "endpoints", selector: backendSelector(svc, svc.selector), span: node.span });
  }
  return peers;
}
