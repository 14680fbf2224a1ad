/**
 * @fileoverview Kubernetes NetworkPolicy inside a Calico compile (calico.md §3.5): compiled by the
 * Kubernetes front end and ranked as Calico does, in tier `default` at order 1000, named
 * `knp.default.<name>` (kind `KubernetesNetworkPolicy`) for tie-breaking. StagedKubernetesNetworkPolicy
 * (projectcalico.org/v3) has the same spec plus `stagedAction`; it compiles the same way with
 * `origin.staged` set, and a `Delete` produces nothing (upstream sends it to no dataplane).
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { KubeObject } from "../../../input/read-objects.js";
import type { PolicyEntry } from "../../../ir/entry.js";
import type { LMap } from "../../../yaml/located.js";
import { compileNetworkPolicy } from "../../kubernetes/network-policy.js";
import { S_MISSING_NAME, field } from "./context.js";
import type { CompiledPolicy } from "./policy.js";
import { KNP_NAME_PREFIX, checkStagedDelete, readStagedAction } from "./policy.js";
import { DEFAULT_TIER } from "./tiers.js";

/** Order Calico gives every Kubernetes NetworkPolicy (`K8sNetworkPolicyToCalico`). */
export const KNP_ORDER = 1000;

/** Whether `o` is a networking.k8s.io NetworkPolicy. */
export function isKubernetesNetworkPolicy(o: KubeObject): boolean {
  return (
    o.kind === "NetworkPolicy" &&
    (o.apiVersion === undefined || o.apiVersion.startsWith("networking.k8s.io/"))
  );
}

/** `o` with `stagedAction` taken out of its spec, so the Kubernetes front end reads the rest. */
function withoutStagedAction(o: KubeObject, spec: LMap): KubeObject {
  const entries = new Map(spec.entries);
  entries.delete("stagedAction");
  const top = new Map(o.node.entries);
  const specEntry = o.node.entries.get("spec")!;
  top.set("spec", { keySpan: specEntry.keySpan, value: { kind: "map", span: spec.span, entries } });
  return { ...o, node: { kind: "map", span: o.node.span, entries: top } };
}

/** Compile a Kubernetes NetworkPolicy or a StagedKubernetesNetworkPolicy for ranking. */
export function compileKubernetesPolicy(o: KubeObject, diags: Diagnostics): CompiledPolicy | undefined {
  const staged = o.kind === "StagedKubernetesNetworkPolicy";
  let source = o;
  if (staged) {
    if (o.name === undefined) {
      diags.error(S_MISSING_NAME, `${o.kind} without metadata.name`, o.node.span, "add metadata.name");
      return undefined;
    }
    const spec = field(o.node, "spec");
    if (spec?.kind === "map") {
      const action = readStagedAction(spec, diags);
      if (action === "Delete") {
        checkStagedDelete(spec, ["stagedAction"], diags);
      }
      if (action !== "Set" && action !== "Learn" && action !== "Ignore") {
        return undefined;
      }
      source = withoutStagedAction(o, spec);
    }
  }
  const raw: PolicyEntry[] = [];
  compileNetworkPolicy(source, diags, raw, { tier: 0, tierName: DEFAULT_TIER, order: 0, weave: false });
  if (o.name === undefined) {
    return undefined; // reported by the Kubernetes front end
  }
  const entries = raw.map((e): PolicyEntry =>
    staged ? { ...e, origin: { ...e.origin, dialect: "calico", kind: o.kind, staged: true } } : e,
  );
  return {
    kind: staged ? o.kind : "KubernetesNetworkPolicy",
    name: KNP_NAME_PREFIX + o.name,
    namespace: o.namespace ?? "default",
    tierName: DEFAULT_TIER,
    tierSpan: o.node.span,
    order: KNP_ORDER,
    entries,
    span: o.node.span,
  };
}
