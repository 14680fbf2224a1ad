/**
 * @fileoverview The endpoint label view every selector evaluates over, and Cilium's identity filter.
 *
 * An endpoint's labels are one flat map (see ir/selector.ts): the pod's own labels plus the meta labels
 * Cilium derives for it (cilium.md §3.2) — its namespace name, each of its namespace's labels under
 * `io.cilium.k8s.namespace.labels.<key>`, its service account and its cluster name. A Kubernetes
 * namespaceSelector is thus a selector over the `io.cilium.k8s.namespace.labels.*` keys, and a Cilium
 * selector on `io.kubernetes.pod.namespace` works unchanged.
 *
 * `identityLabels` keeps the identity-relevant subset under Cilium's default label filter
 * (`pkg/labelsfilter/filter.go`, documented in `identity-relevant-labels.rst`): a key is dropped when an
 * exclusion pattern matches a prefix of it, unless an inclusion pattern matches a longer prefix. Endpoints
 * with equal filtered label sets share one numeric identity.
 */

import type { Cluster, Namespace, Pod } from "./model.js";

/** Meta label: the pod's namespace name. */
export const LBL_NAMESPACE = "io.kubernetes.pod.namespace";
/** Key prefix of the meta labels that copy the namespace's labels (`<prefix><key>`). */
export const NS_LABEL_PREFIX = "io.cilium.k8s.namespace.labels.";
/** Meta label: the pod's service account. */
export const LBL_SERVICE_ACCOUNT = "io.cilium.k8s.policy.serviceaccount";
/** Meta label: the cluster name. */
export const LBL_CLUSTER = "io.cilium.k8s.policy.cluster";
/** Cluster name given to every endpoint (Cilium's default `cluster-name`). */
export const DEFAULT_CLUSTER_NAME = "default";
/** Label every namespace carries: its own name (Kubernetes ≥ 1.21, immutable). */
export const LBL_NAMESPACE_NAME = "kubernetes.io/metadata.name";

/**
 * The endpoint label map of `pod` in `namespace`: pod labels, then the meta labels (which win). A host
 * endpoint's stand-in (`pod.host`) has no namespace: its labels are exactly its own.
 */
export function endpointLabels(pod: Pod, namespace: Namespace): Map<string, string> {
  const out = new Map(pod.labels);
  if (pod.host !== undefined) {
    return out;
  }
  out.set(LBL_NAMESPACE, namespace.name);
  for (const [k, v] of namespace.labels) {
    out.set(NS_LABEL_PREFIX + k, v);
  }
  out.set(LBL_SERVICE_ACCOUNT, pod.serviceAccount);
  out.set(LBL_CLUSTER, DEFAULT_CLUSTER_NAME);
  return out;
}

/**
 * The endpoint label map of a pod of `cluster`. A namespace missing from the snapshot (only possible
 * for hand-built clusters) contributes just its name label.
 */
export function podEndpointLabels(cluster: Cluster, pod: Pod): Map<string, string> {
  const ns = cluster.namespaces.get(pod.namespace) ?? {
    name: pod.namespace,
    labels: new Map([[LBL_NAMESPACE_NAME, pod.namespace]]),
    declared: false,
  };
  return endpointLabels(pod, ns);
}

/** One pattern of the label filter: a regular expression anchored at the start of the key. */
interface LabelPattern {
  /** True for an exclusion (`!pattern`). */
  readonly exclude: boolean;
  /** The pattern, anchored. */
  readonly re: RegExp;
}

function pattern(source: string): LabelPattern {
  const exclude = source.startsWith("!");
  return { exclude, re: new RegExp(`^(?:${exclude ? source.slice(1) : source})`) };
}

/**
 * Cilium's default label prefixes (any source). Inclusions: the namespace name, the namespace label
 * copies and `app.kubernetes.io`; exclusions: everything else under `io.kubernetes` and
 * `kubernetes.io`, the per-pod StatefulSet/Job/indexed labels, `*beta.kubernetes.io`, `k8s.io`,
 * template and revision hashes, `annotation.*`, `controller-uid`, `etcd_node`. Notably not excluded by
 * default: `job-name`, `batch.kubernetes.io/job-name`, `topology.kubernetes.io/*`.
 */
const DEFAULT_PATTERNS: readonly LabelPattern[] = [
  "io\\.kubernetes\\.pod\\.namespace",
  "io\\.cilium\\.k8s\\.namespace\\.labels",
  "app\\.kubernetes\\.io",
  "!io\\.kubernetes",
  "!kubernetes\\.io",
  "!statefulset\\.kubernetes\\.io/pod-name",
  "!apps\\.kubernetes\\.io/pod-index",
  "!batch\\.kubernetes\\.io/job-completion-index",
  "!batch\\.kubernetes\\.io/controller-uid",
  "!.*beta\\.kubernetes\\.io",
  "!k8s\\.io",
  "!pod-template-generation",
  "!pod-template-hash",
  "!controller-revision-hash",
  "!annotation.*",
  "!controller-uid",
  "!etcd_node",
].map(pattern);

/** Prefix of flat-map keys that stand for Cilium `reserved:` labels (always identity-relevant). */
const RESERVED_PREFIX = "reserved:";

/** Whether a label key counts for identity under Cilium's default filter. */
export function isIdentityLabel(key: string): boolean {
  if (key.startsWith(RESERVED_PREFIX)) {
    return true;
  }
  let included = -1;
  let excluded = -1;
  for (const p of DEFAULT_PATTERNS) {
    const m = p.re.exec(key);
    if (m === null) {
      continue;
    }
    const len = m[0].length;
    if (p.exclude) {
      // Shortest matching exclusion, longest matching inclusion, as upstream compares them.
      excluded = excluded < 0 ? len : Math.min(excluded, len);
    } else {
      included = Math.max(included, len);
    }
  }
  return excluded < 0 || included > excluded;
}

/** The identity-relevant subset of an endpoint label map (Cilium's default label filter). */
export function identityLabels(labels: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of labels) {
    if (isIdentityLabel(k)) {
      out.set(k, v);
    }
  }
  return out;
}
