/**
 * @fileoverview The compile driver: input paths → objects → IR (per dialect) + cluster → bundle.
 *
 * Stages, each collecting diagnostics and stopping before the next when one reported an error (as
 * peggy's compiler stages do): read (files, YAML), front ends (policy objects → IR entries), cluster
 * (snapshot objects → model, with synthetic addresses outside every policy CIDR), lower (tables and
 * program), encode. The CNI decides the evaluation model; it is given (`cni`) or inferred from the
 * kinds present; mixing Cilium and Calico kinds is an error, since a cluster runs one CNI.
 */

import { buildCluster } from "./cluster/load.js";
import type { Cluster } from "./cluster/model.js";
import { Diagnostics } from "./diagnostics/diagnostic.js";
import type { Diagnostic, Severity } from "./diagnostics/diagnostic.js";
import type { SourceFile } from "./diagnostics/source.js";
import { compileCalicoObjects } from "./frontends/calico/policy/index.js";
import { compileCiliumPolicy, isCiliumPolicy, reportWrongCni } from "./frontends/cilium/cilium-policy.js";
import type { CiliumVersion } from "./frontends/cilium/context.js";
import { compileNetworkPolicy } from "./frontends/kubernetes/network-policy.js";
import { readInputs } from "./input/read-objects.js";
import type { KubeObject } from "./input/read-objects.js";
import type { PolicyEntry } from "./ir/entry.js";
import { lowerToBundle } from "./lower/lower.js";
import { formatPrefix, parsePrefix, subtractPrefixes } from "./net/ip.js";
import type { Prefix } from "./net/ip.js";
import type { EvaluationModel, FqdnMapping } from "./lower/model.js";
import { encodeBundle } from "../runtime/bytecode/encode.js";
import type { Bundle } from "../runtime/bytecode/bundle.js";

/** CNIs sluice models. `spec` is Kubernetes NetworkPolicy as specified (np-guard's semantics), without weave notes. */
export type Cni = "weave" | "spec" | "cilium" | "calico";

/** Every CNI name accepted by `--cni`. */
export const CNIS: readonly Cni[] = ["weave", "spec", "cilium", "calico"];

/** Options of a compile. */
export interface CompileOptions {
  /** CNI; inferred from the kinds present when absent. */
  readonly cni?: Cni;
  /** Text of standard input, for the path `-`. */
  readonly stdin?: string;
  /** Policy audit mode. */
  readonly audit?: boolean;
  /** Synthetic addresses for pods without IPs ("missing", default) or for every pod ("always"). */
  readonly syntheticIps?: "missing" | "always";
  /** Cilium schema: "1.19" (default; Kafka rules accepted) or "1.20" (Kafka removed). */
  readonly ciliumVersion?: CiliumVersion;
  /** DNS answers to assume (name → addresses) for Cilium toFQDNs rules. */
  readonly fqdnMappings?: readonly FqdnMapping[];
  /** Cilium: the node whose addresses are `host` (default: the first node by name; "" for none). */
  readonly localNode?: string;
  /** Lint ids re-levelled by the user. */
  readonly levels?: ReadonlyMap<string, Severity | "off">;
}

/** Everything a compile produced. */
export interface CompileResult {
  /** Diagnostics (warnings even on success). */
  readonly diagnostics: readonly Diagnostic[];
  /** Files read. */
  readonly files: readonly SourceFile[];
  /** The CNI used. */
  readonly cni: Cni;
  /** IR entries, when the front ends ran. */
  readonly entries: readonly PolicyEntry[];
  /** The cluster snapshot, when built. */
  readonly cluster?: Cluster;
  /** The bundle value and bytes, when the compile succeeded. */
  readonly bundle?: Bundle;
  readonly bytes?: Uint8Array;
}

const MODEL: Readonly<Record<Cni, EvaluationModel>> = {
  weave: "kubernetes",
  spec: "kubernetes",
  cilium: "cilium",
  calico: "calico",
};

function isKubernetesPolicy(o: KubeObject): boolean {
  return (
    o.kind === "NetworkPolicy" &&
    (o.apiVersion === undefined || o.apiVersion.startsWith("networking.k8s.io/"))
  );
}

/** Namespaced Calico policy kinds (their namespaces must exist in the snapshot). */
function isCalicoNamespaced(o: KubeObject): boolean {
  return (
    o.apiVersion?.startsWith("projectcalico.org/") === true &&
    (o.kind === "NetworkPolicy" ||
      o.kind === "StagedNetworkPolicy" ||
      o.kind === "StagedKubernetesNetworkPolicy")
  );
}

function inferCni(objects: readonly KubeObject[], diags: Diagnostics): Cni {
  const cilium = objects.find((o) => o.apiVersion?.startsWith("cilium.io/") === true);
  const calico = objects.find((o) => o.apiVersion?.startsWith("projectcalico.org/") === true);
  if (cilium !== undefined && calico !== undefined) {
    diags.error(
      "S3901",
      "Cilium and Calico policies in one compile: a cluster runs one CNI",
      { file: cilium.file, start: cilium.node.span.start, end: cilium.node.span.end },
      "compile them separately, or pass --cni to choose",
      [{ message: "a Calico object", span: calico.node.span }],
    );
  }
  return cilium !== undefined ? "cilium" : calico !== undefined ? "calico" : "weave";
}

/**
 * The address space the policies' CIDR peers cover (each cidr minus its excepts), as prefixes:
 * synthetic pod addresses stay out of it, so whether a CIDR matches a pod never depends on them.
 */
function policyCidrs(entries: readonly PolicyEntry[]): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.type !== "rule") {
      continue;
    }
    for (const p of [...e.peers, ...e.notPeers]) {
      if (p.kind !== "cidr") {
        continue;
      }
      const cidr = parsePrefix(p.cidr);
      if (typeof cidr === "string") {
        continue;
      }
      const except = p.except.map((x) => parsePrefix(x)).filter((x): x is Prefix => typeof x !== "string");
      for (const q of subtractPrefixes(cidr, except)) {
        out.add(formatPrefix(q));
      }
    }
  }
  return [...out];
}

/** Compile policy and cluster files. Never throws for bad input: problems are diagnostics. */
export function compile(paths: readonly string[], options: CompileOptions = {}): CompileResult {
  const diags = new Diagnostics(options.levels);
  const { files, objects } = readInputs(
    paths,
    diags,
    options.stdin === undefined ? {} : { stdin: options.stdin },
  );
  const cni = options.cni ?? inferCni(objects, diags);
  const entries: PolicyEntry[] = [];
  const done = (extra: Partial<CompileResult> = {}): CompileResult => ({
    diagnostics: diags.all,
    files,
    cni,
    entries,
    ...extra,
  });
  if (diags.errorCount > 0) {
    return done();
  }
  const policyNamespaces = new Set<string>();
  if (cni === "calico") {
    // Calico places Kubernetes NetworkPolicies itself (tier default, order 1000) among its own.
    compileCalicoObjects(objects, diags, entries);
    for (const o of objects) {
      if ((isKubernetesPolicy(o) || isCalicoNamespaced(o)) && o.namespace !== undefined) {
        policyNamespaces.add(o.namespace);
      }
    }
  }
  for (const o of objects) {
    if (cni === "calico") {
      if (isCiliumPolicy(o)) {
        reportWrongCni(o, cni, diags);
      }
      continue;
    }
    if (isKubernetesPolicy(o)) {
      compileNetworkPolicy(o, diags, entries, {
        tier: 0,
        tierName: "default",
        order: 0,
        weave: cni === "weave",
      });
      policyNamespaces.add(o.namespace ?? "default");
    } else if (isCiliumPolicy(o)) {
      // Kubernetes NetworkPolicies above stay with their front end: Cilium enforces both kinds.
      if (cni !== "cilium") {
        reportWrongCni(o, cni, diags);
        continue;
      }
      compileCiliumPolicy(o, diags, entries, {
        objects,
        ...(options.ciliumVersion !== undefined ? { ciliumVersion: options.ciliumVersion } : {}),
        placement: { tier: 0, tierName: "default", order: 0 },
      });
      if (o.kind === "CiliumNetworkPolicy") {
        policyNamespaces.add(o.namespace ?? "default");
      }
    }
  }
  if (diags.errorCount > 0) {
    return done();
  }
  const cluster = buildCluster(objects, diags, {
    syntheticIps: options.syntheticIps ?? "missing",
    avoidCidrs: policyCidrs(entries),
    extraNamespaces: [...policyNamespaces],
  });
  if (diags.errorCount > 0) {
    return done({ cluster });
  }
  const bundle = lowerToBundle(
    cluster,
    entries,
    {
      model: MODEL[cni],
      cni,
      audit: options.audit === true,
      filterLabels: cni === "cilium",
      // Calico's nets match any address, pods included; Cilium's CIDR rules and np-guard's ipBlocks never
      // match cluster endpoints.
      cidrMatchesPods: cni === "calico",
      ...(options.fqdnMappings !== undefined ? { fqdnMappings: options.fqdnMappings } : {}),
      ...(options.localNode !== undefined ? { localNode: options.localNode } : {}),
    },
    diags,
  );
  if (diags.errorCount > 0) {
    return done({ cluster });
  }
  return done({ cluster, bundle, bytes: encodeBundle(bundle) });
}
