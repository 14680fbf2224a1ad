/**
 * @fileoverview Build the cluster snapshot (cluster/model.ts) from input objects: namespaces, pods
 * (real ones, and one synthesized per workload template), services and nodes.
 *
 * The rules follow np-guard's evaluator, which the k8s-netpol corpus expectations come from
 * (`../shared/corpus/k8s-netpol/README.md`, "What an evaluator must do", steps 1–3):
 *
 * - Namespaces: labels from Namespace objects; a namespace only referenced (by a pod, workload, service,
 *   or the caller's `extraNamespaces`, e.g. policy namespaces) exists with no labels; every namespace
 *   carries `kubernetes.io/metadata.name=<name>`. A missing `metadata.namespace` means `default`.
 * - Pod objects are taken as they are. Their workload is the first owner reference with
 *   `controller: true` (`ns/owner[OwnerKind]`); an owner of kind Node (static pods) counts as none; an
 *   owner reference without `kind` gives kind `Pod` with the owner's name (np-guard prints it so);
 *   without a controller the pod is its own workload (`ns/pod[Pod]`). `virt-launcher-*` pods (KubeVirt
 *   VM launchers) are skipped, as upstream does. Pods in phase Succeeded or Failed are kept: np-guard
 *   does not look at the phase, and the corpus holds only Running pods.
 * - Workload objects (Deployment, ReplicaSet, StatefulSet, DaemonSet, ReplicationController, Job,
 *   CronJob via `spec.jobTemplate.spec.template`) each give exactly one pod, named after the workload,
 *   with the template's labels, container ports, service account and hostNetwork, and no address.
 * - Services (selector, cluster IPs, ports) and Nodes (labels, InternalIP/ExternalIP, podCIDRs) are
 *   read for the engines that need them; the corpus never does. Calico HostEndpoints
 *   (projectcalico.org/v3: labels, node, interfaceName, expectedIPs, profiles) are read here for the
 *   model and validated by the Calico front end (frontends/calico/policy/host.ts), which reports bad
 *   values; this reader drops them silently so nothing is reported twice.
 * - A kind is recognised only with its own API group (`apps/v1` Deployment, `v1` Service, …), so e.g.
 *   a Knative `serving.knative.dev` Service is left alone; objects without apiVersion are accepted.
 *   Every other kind is ignored here (policies are read from the same object list elsewhere).
 * - Pods come out sorted by (namespace, name); then cluster/addresses.ts gives synthetic addresses.
 *
 * Diagnostic codes (S4xxx = cluster snapshot):
 *
 * | code  | severity | id                    | meaning                                                    |
 * |-------|----------|-----------------------|------------------------------------------------------------|
 * | S4001 | error    |                       | object has no (string) metadata.name; skipped              |
 * | S4002 | error    |                       | duplicate object (same kind, namespace, name); later one skipped |
 * | S4003 | warning  | snapshot-field-type   | a field has the wrong type; ignored                        |
 * | S4004 | warning  | label-not-string      | a label value is a number/boolean; read as written         |
 * | S4005 | warning  | invalid-port          | a container/service port is missing or out of range; skipped |
 * | S4006 | warning  | unknown-protocol      | a port protocol is not TCP, UDP or SCTP; skipped           |
 * | S4007 | warning  | invalid-ip            | an address does not parse; dropped                         |
 * | S4008 | warning  | missing-pod-template  | a workload has no pod template; its pod has no labels/ports |
 * | S4009 | warning  | namespace-name-label  | a Namespace's kubernetes.io/metadata.name differs; replaced |
 * | S4010 | error    |                       | no room left for synthetic addresses (addresses.ts)        |
 * | S4011 | error    |                       | an avoided CIDR option does not parse (addresses.ts)       |
 * | S4012 | warning  | owner-reference       | a controller owner reference has no name; pod is its own workload |
 */

import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/source.js";
import type { KubeObject } from "../input/read-objects.js";
import { get, getString } from "../yaml/located.js";
import type { LNode } from "../yaml/located.js";
import { assignSyntheticIps } from "./addresses.js";
import { readHostEndpoint } from "./host-endpoints.js";
import type { SyntheticIpMode } from "./addresses.js";
import {
  isNullish,
  readBool,
  readContainerPorts,
  readIp,
  readNodeIps,
  readPodIps,
  readSeq,
  readServicePorts,
  readString,
  readStringMap,
} from "./fields.js";
import { LBL_NAMESPACE_NAME } from "./labels.js";
import type {
  CalicoHostEndpoint,
  Cluster,
  ContainerPort,
  Namespace,
  Node,
  Pod,
  Service,
  Workload,
} from "./model.js";

/** Object without metadata.name. */
export const S_MISSING_NAME = "S4001";
/** Duplicate object. */
export const S_DUPLICATE = "S4002";
/** Workload without a pod template. */
export const S_MISSING_TEMPLATE = "S4008";
/** Namespace whose metadata.name label disagrees with its name. */
export const S_NAMESPACE_NAME_LABEL = "S4009";
/** Controller owner reference without a name. */
export const S_OWNER_REFERENCE = "S4012";

/** Namespace of objects that do not name one. */
export const DEFAULT_NAMESPACE = "default";
/** Service account of pods that do not name one. */
export const DEFAULT_SERVICE_ACCOUNT = "default";
/** Name prefix of KubeVirt launcher pods, which np-guard skips. */
export const VIRT_LAUNCHER_PREFIX = "virt-launcher-";

/** Workload kinds, each with the path from the object to its pod template. */
export const WORKLOAD_TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ["Deployment", ["spec", "template"]],
  ["ReplicaSet", ["spec", "template"]],
  ["StatefulSet", ["spec", "template"]],
  ["DaemonSet", ["spec", "template"]],
  ["ReplicationController", ["spec", "template"]],
  ["Job", ["spec", "template"]],
  ["CronJob", ["spec", "jobTemplate", "spec", "template"]],
]);

/** API groups each recognised kind may come from ("" = core). */
const KIND_GROUPS: ReadonlyMap<string, readonly string[]> = new Map([
  ["Namespace", [""]],
  ["Pod", [""]],
  ["Service", [""]],
  ["Node", [""]],
  ["ReplicationController", [""]],
  ["Deployment", ["apps", "extensions"]],
  ["ReplicaSet", ["apps", "extensions"]],
  ["DaemonSet", ["apps", "extensions"]],
  ["StatefulSet", ["apps"]],
  ["Job", ["batch"]],
  ["CronJob", ["batch"]],
  ["HostEndpoint", ["projectcalico.org"]],
]);

/** Options of `buildCluster`. */
export interface BuildClusterOptions {
  /** Which pods get synthetic addresses (default "missing": those without any). */
  readonly syntheticIps?: SyntheticIpMode;
  /** CIDRs synthetic addresses must stay out of: each policy ipBlock's cidr minus its excepts (not the bare cidr, which may be 0.0.0.0/0). */
  readonly avoidCidrs?: readonly string[];
  /** Namespaces to create (unlabelled) if no object declares them, e.g. policy namespaces. */
  readonly extraNamespaces?: readonly string[];
}

/** `ns/name[Kind]`, as np-guard prints a workload peer. */
export function formatWorkload(w: Workload): string {
  return `${w.namespace}/${w.name}[${w.kind}]`;
}

/** Whether `obj` is one of the kinds this module reads, from the right API group. */
export function isSnapshotKind(obj: KubeObject): boolean {
  const groups = KIND_GROUPS.get(obj.kind);
  if (groups === undefined) {
    return false;
  }
  if (obj.apiVersion === undefined) {
    return true;
  }
  const slash = obj.apiVersion.indexOf("/");
  return groups.includes(slash < 0 ? "" : obj.apiVersion.slice(0, slash));
}

/** Where to point at an object: its metadata.name value, else the object. */
function nameSpan(obj: KubeObject): Span {
  return get(get(obj.node, "metadata"), "name")?.span ?? obj.node.span;
}

/** Code-unit order (locale-independent). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** An object known to have a name. */
type NamedObject = KubeObject & { readonly name: string };

function hasName(obj: KubeObject): obj is NamedObject {
  return obj.name !== undefined && obj.name !== "";
}

/** Objects with a name, one per (kind, namespace, name); reports missing names and duplicates. */
function uniqueObjects(objects: readonly KubeObject[], diags: Diagnostics): NamedObject[] {
  const first = new Map<string, NamedObject>();
  const out: NamedObject[] = [];
  for (const obj of objects) {
    if (!isSnapshotKind(obj)) {
      continue;
    }
    if (!hasName(obj)) {
      const meta = get(obj.node, "metadata");
      const nameNode = get(meta, "name");
      const why = isNullish(nameNode) ? "has no metadata.name" : "has a metadata.name that is not a string";
      diags.error(
        S_MISSING_NAME,
        `${obj.kind} ${why}; skipped`,
        (nameNode ?? meta ?? obj.node).span,
        "add metadata.name",
      );
      continue;
    }
    const clusterScoped = obj.kind === "Namespace" || obj.kind === "Node" || obj.kind === "HostEndpoint";
    const ns = clusterScoped ? "" : (obj.namespace ?? DEFAULT_NAMESPACE);
    const key = `${obj.kind}\u0000${ns}\u0000${obj.name}`;
    const prev = first.get(key);
    if (prev !== undefined) {
      const what = clusterScoped ? `${obj.kind} '${obj.name}'` : `${obj.kind} '${ns}/${obj.name}'`;
      diags.error(
        S_DUPLICATE,
        `duplicate ${what}; this one is ignored`,
        nameSpan(obj),
        "remove one of the two",
        [{ message: "first defined here", span: nameSpan(prev) }],
      );
      continue;
    }
    first.set(key, obj);
    out.push(obj);
  }
  return out;
}

/** A Namespace object's namespace. */
function namespaceFromObject(obj: NamedObject, diags: Diagnostics): Namespace {
  const metadata = get(obj.node, "metadata");
  const labels = readStringMap(get(metadata, "labels"), "metadata.labels", diags);
  const given = labels.get(LBL_NAMESPACE_NAME);
  if (given !== undefined && given !== obj.name) {
    const node = get(get(metadata, "labels"), LBL_NAMESPACE_NAME);
    diags.warn(
      S_NAMESPACE_NAME_LABEL,
      "namespace-name-label",
      `label ${LBL_NAMESPACE_NAME}=${given} differs from the namespace name '${obj.name}'; the name wins`,
      node?.span ?? nameSpan(obj),
      "the API server sets this label to the name; remove it",
    );
  }
  labels.set(LBL_NAMESPACE_NAME, obj.name);
  return { name: obj.name, labels, declared: true, span: nameSpan(obj) };
}

/** The fields a pod takes from a pod spec. */
interface SpecFields {
  readonly ports: readonly ContainerPort[];
  readonly hostNetwork: boolean;
  readonly serviceAccount: string;
  readonly nodeName?: string;
}

function readPodSpec(spec: LNode | undefined, diags: Diagnostics): SpecFields {
  // `serviceAccount` is the deprecated alias the API server still copies into serviceAccountName.
  const sa =
    readString(get(spec, "serviceAccountName"), "spec.serviceAccountName", diags) ??
    readString(get(spec, "serviceAccount"), "spec.serviceAccount", diags);
  const nodeName = readString(get(spec, "nodeName"), "spec.nodeName", diags);
  return {
    ports: readContainerPorts(spec, diags),
    hostNetwork: readBool(get(spec, "hostNetwork"), "spec.hostNetwork", diags),
    serviceAccount: sa === undefined || sa === "" ? DEFAULT_SERVICE_ACCOUNT : sa,
    ...(nodeName !== undefined && nodeName !== "" ? { nodeName } : {}),
  };
}

/** The workload of a Pod object, from its controller owner reference. */
function podWorkload(obj: KubeObject, namespace: string, name: string, diags: Diagnostics): Workload {
  const self: Workload = { namespace, name, kind: "Pod" };
  const refs = readSeq(get(get(obj.node, "metadata"), "ownerReferences"), "metadata.ownerReferences", diags);
  const controller = refs.find((r) => {
    const c = get(r, "controller");
    return c?.kind === "scalar" && c.value === true;
  });
  if (controller === undefined) {
    return self;
  }
  const kind = getString(controller, "kind");
  if (kind === "Node") {
    return self; // static (mirror) pods: np-guard does not group them by node
  }
  const owner = getString(controller, "name");
  if (owner === undefined || owner === "") {
    diags.warn(
      S_OWNER_REFERENCE,
      "owner-reference",
      "controller owner reference has no name; the pod is its own workload",
      controller.span,
    );
    return self;
  }
  // The corpus quirk: an owner reference without kind prints as `[Pod]` with the owner's name.
  return { namespace, name: owner, kind: kind === undefined || kind === "" ? "Pod" : kind };
}

/** A Pod object's pod, or undefined for skipped pods (virt-launcher). */
function podFromObject(obj: NamedObject, diags: Diagnostics): Pod | undefined {
  if (obj.name.startsWith(VIRT_LAUNCHER_PREFIX)) {
    return undefined;
  }
  const namespace = obj.namespace ?? DEFAULT_NAMESPACE;
  // Read in source order (metadata, spec, status), so diagnostics come out in that order too.
  const labels = readStringMap(get(get(obj.node, "metadata"), "labels"), "metadata.labels", diags);
  const workload = podWorkload(obj, namespace, obj.name, diags);
  const spec = readPodSpec(get(obj.node, "spec"), diags);
  const ips = readPodIps(get(obj.node, "status"), diags);
  return { namespace, name: obj.name, labels, ips, workload, ...spec, span: nameSpan(obj) };
}

/** The one pod a workload object stands for, from its pod template. */
function podFromWorkload(obj: NamedObject, diags: Diagnostics): Pod {
  const namespace = obj.namespace ?? DEFAULT_NAMESPACE;
  let template: LNode | undefined = obj.node;
  for (const key of WORKLOAD_TEMPLATE_PATHS.get(obj.kind) ?? []) {
    template = get(template, key);
  }
  if (isNullish(template)) {
    const path = (WORKLOAD_TEMPLATE_PATHS.get(obj.kind) ?? []).join(".");
    diags.warn(
      S_MISSING_TEMPLATE,
      "missing-pod-template",
      `${obj.kind} '${namespace}/${obj.name}' has no ${path}; its pod has no labels or ports`,
      nameSpan(obj),
    );
  }
  return {
    namespace,
    name: obj.name,
    labels: readStringMap(get(get(template, "metadata"), "labels"), "template metadata.labels", diags),
    ips: [],
    workload: { namespace, name: obj.name, kind: obj.kind },
    ...readPodSpec(get(template, "spec"), diags),
    span: nameSpan(obj),
  };
}

/** A Service object's service. */
function serviceFromObject(obj: NamedObject, diags: Diagnostics): Service {
  const spec = get(obj.node, "spec");
  const selectorNode = get(spec, "selector");
  const selector = readStringMap(selectorNode, "spec.selector", diags);
  const clusterIPs: string[] = [];
  const listed = readSeq(get(spec, "clusterIPs"), "spec.clusterIPs", diags);
  for (const node of listed.length > 0 ? listed : [get(spec, "clusterIP")]) {
    if (node?.kind === "scalar" && node.value === "None") {
      continue; // headless
    }
    const ip = readIp(node, "clusterIP", diags);
    if (ip !== undefined && !clusterIPs.includes(ip)) {
      clusterIPs.push(ip);
    }
  }
  return {
    namespace: obj.namespace ?? DEFAULT_NAMESPACE,
    name: obj.name,
    // An empty selector selects nothing: the endpoints controller treats it as "no selector".
    ...(selector.size > 0 ? { selector } : {}),
    clusterIPs,
    ports: readServicePorts(spec, diags),
    span: nameSpan(obj),
  };
}

/** A Node object's node. */
function nodeFromObject(obj: NamedObject, diags: Diagnostics): Node {
  const spec = get(obj.node, "spec");
  const many = readSeq(get(spec, "podCIDRs"), "spec.podCIDRs", diags)
    .map((n) => readString(n, "spec.podCIDRs[]", diags))
    .filter((c): c is string => c !== undefined && c !== "");
  const one = readString(get(spec, "podCIDR"), "spec.podCIDR", diags);
  const podCidrs = many.length > 0 ? many : one !== undefined && one !== "" ? [one] : [];
  return {
    name: obj.name,
    labels: readStringMap(get(get(obj.node, "metadata"), "labels"), "metadata.labels", diags),
    ips: readNodeIps(get(obj.node, "status"), diags),
    ...(podCidrs.length > 0 ? { podCidrs } : {}),
    span: nameSpan(obj),
  };
}

/** A namespace that is only referenced: no labels but its name label. */
function referencedNamespace(name: string): Namespace {
  return { name, labels: new Map([[LBL_NAMESPACE_NAME, name]]), declared: false };
}

/** `namespaces` plus an undeclared namespace for each name in `names` it lacks, sorted by name. */
function completeNamespaces(
  namespaces: ReadonlyMap<string, Namespace>,
  names: Iterable<string>,
): Map<string, Namespace> {
  const all = new Map(namespaces);
  for (const n of names) {
    if (!all.has(n)) {
      all.set(n, referencedNamespace(n));
    }
  }
  return new Map([...all.entries()].sort((a, b) => cmp(a[0], b[0])));
}

/** `cluster` with an (unlabelled) namespace for each of `names` it does not have yet. */
export function withNamespaces(cluster: Cluster, names: Iterable<string>): Cluster {
  return { ...cluster, namespaces: completeNamespaces(cluster.namespaces, names) };
}

function comparePods(a: Pod, b: Pod): number {
  return (
    cmp(a.namespace, b.namespace) ||
    cmp(a.name, b.name) ||
    cmp(a.workload.kind, b.workload.kind) ||
    cmp(a.workload.name, b.workload.name)
  );
}

/**
 * Build the snapshot from input objects (other kinds are ignored), then give pods synthetic addresses
 * per `options.syntheticIps` (default "missing") outside `options.avoidCidrs`.
 */
export function buildCluster(
  objects: readonly KubeObject[],
  diags: Diagnostics,
  options: BuildClusterOptions = {},
): Cluster {
  const declared = new Map<string, Namespace>();
  const pods: Pod[] = [];
  const services: Service[] = [];
  const nodes: Node[] = [];
  const hostEndpoints: CalicoHostEndpoint[] = [];
  for (const obj of uniqueObjects(objects, diags)) {
    if (obj.kind === "Namespace") {
      declared.set(obj.name, namespaceFromObject(obj, diags));
    } else if (obj.kind === "Pod") {
      const pod = podFromObject(obj, diags);
      if (pod !== undefined) {
        pods.push(pod);
      }
    } else if (WORKLOAD_TEMPLATE_PATHS.has(obj.kind)) {
      pods.push(podFromWorkload(obj, diags));
    } else if (obj.kind === "Service") {
      services.push(serviceFromObject(obj, diags));
    } else if (obj.kind === "Node") {
      nodes.push(nodeFromObject(obj, diags));
    } else if (obj.kind === "HostEndpoint") {
      hostEndpoints.push(readHostEndpoint(obj, nameSpan(obj), diags));
    }
  }
  hostEndpoints.sort((a, b) => cmp(a.name, b.name));
  pods.sort(comparePods);
  services.sort((a, b) => cmp(a.namespace, b.namespace) || cmp(a.name, b.name));
  nodes.sort((a, b) => cmp(a.name, b.name));
  const namespaces = completeNamespaces(declared, [
    ...pods.map((p) => p.namespace),
    ...services.map((s) => s.namespace),
    ...(options.extraNamespaces ?? []),
  ]);
  const withIps = assignSyntheticIps(pods, diags, {
    mode: options.syntheticIps ?? "missing",
    avoidCidrs: options.avoidCidrs ?? [],
    takenIps: [
      ...nodes.flatMap((n) => n.ips),
      ...hostEndpoints.flatMap((h) => h.expectedIPs),
      ...services.flatMap((s) => s.clusterIPs),
    ],
  });
  return { namespaces, pods: withIps, services, nodes, hostEndpoints };
}
