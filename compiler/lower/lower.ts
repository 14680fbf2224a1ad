/**
 * @fileoverview Lowering: IR entries + cluster → a bundle of match-action tables and one program.
 *
 * Tables (names in actions.ts):
 *   ipcache_src / ipcache_dst  LPM over the 128-bit source / destination address: every endpoint
 *       address (/32, /128) → its identity and subject groups; every CIDR a policy names → a CIDR
 *       identity; ::ffff:0:0/96 → world-ipv4, ::/0 → world-ipv6. Endpoint addresses live in the ipcache
 *       (rather than a second exact table) so each address costs one lookup.
 *   policy_<direction>[_<tier>]  one per direction and tier (policy-tables.ts): key (subject group,
 *       peer identity, protocol, destination port, ICMP type and code); priorities encode each
 *       dialect's precedence. The lookup cost does not grow with the number of rows: the runtime picks
 *       a classifier for these tables.
 *
 * The program (emit-program.ts) is the same for every policy set: parse check, conntrack, ipcache for
 * both addresses, egress at the source endpoint, ingress at the destination endpoint, commit.
 *
 * Host endpoints (cluster/host-endpoints.ts) join the endpoints before the model is built: under Cilium
 * every Node (identity host 1 for the local node — `localNode`, default the first node by name, "" for
 * none — and remote-node 6 for the others), under Calico every HostEndpoint (an identity from its
 * labels). Their addresses enter the ipcache before pods', so a hostNetwork pod sharing its node's
 * address is the host, as Cilium counts it. Cilium pods on a node other than the local one, and other
 * nodes' host endpoints, see node identities from their own node (policy-tables.ts, `remote`). The
 * metadata lists host endpoints apart (`hostEndpoints`), so flows and connlist keep showing workloads.
 */

import { calicoHostEndpoints, ciliumHostEndpoints, localNodeOf, podNode } from "../cluster/host-endpoints.js";
import type { Cluster, Pod } from "../cluster/model.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { SourceFile } from "../diagnostics/source.js";
import { NONE } from "../ir/selector.js";
import { BundleBuilder } from "../bundle/bundle-builder.js";
import type { Direction, PolicyEntry, RuleEntry } from "../ir/entry.js";
import { IPV4_ALL, IPV6_ALL, formatIp, parsePrefix, toWords } from "../net/ip.js";
import { BUNDLE_FLAG_AUDIT, MATCH_LPM, SEC_METADATA } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { F_DST_IP6, F_SRC_IP6 } from "../../runtime/context.js";
import type { BundleMetadata } from "../../runtime/metadata.js";
import { IPC_WORDS, TABLE_IPCACHE_DST, TABLE_IPCACHE_SRC } from "./actions.js";
import { emitProgram } from "./emit-program.js";
import { groupSubjects } from "./groups.js";
import type { DirectionGroups } from "./groups.js";
import { ID_HOST, ID_REMOTE_NODE, ID_WORLD_IPV4, ID_WORLD_IPV6 } from "./identities.js";
import { encodeMetadata } from "./metadata.js";
import { buildModel } from "./model.js";
import type { EndpointView, EvaluationModel, FqdnMapping, LoweringModel } from "./model.js";
import { emitPolicyTables } from "./policy-tables.js";

/** Options of a lowering. */
export interface LowerOptions {
  /** Evaluation model of the CNI. */
  readonly model: EvaluationModel;
  /** Whether CIDR peers match pod addresses too. */
  readonly cidrMatchesPods?: boolean;
  /** Whether identities use Cilium's identity-relevant label filter. */
  readonly filterLabels?: boolean;
  /** Policy audit mode: would-be drops become AUDIT. */
  readonly audit?: boolean;
  /** Name of the CNI for the metadata ("weave", "cilium", "calico", "spec"). */
  readonly cni: string;
  /** DNS answers given at compile time, for toFQDNs peers. */
  readonly fqdnMappings?: readonly FqdnMapping[];
  /** Cilium's local node (its addresses are `host`): a node name, "" for none; default the first node. */
  readonly localNode?: string;
}

/** A host endpoint as the metadata lists it (beside runtime/metadata.ts's fields). */
export interface HostEndpointMetadata {
  /** `node/<name>` (Cilium) or `hostendpoint/<name>` (Calico). */
  readonly name: string;
  readonly node: string;
  readonly ips: readonly string[];
  readonly identity: number;
  readonly ingressGroup: number;
  readonly egressGroup: number;
  readonly labels: Readonly<Record<string, string>>;
  /** Whether it is the local node's (Cilium). */
  readonly local?: boolean;
}

/** The metadata document with the host endpoints (trace reads them). */
export interface LoweredMetadata extends BundleMetadata {
  /** Cilium's local node, when there is one. */
  readonly localNode?: string;
  readonly hostEndpoints: readonly HostEndpointMetadata[];
}

/** Name of Cilium's allow-localhost entry (upstream's `allow-localhost-ingress` derived-from label). */
export const ALLOW_LOCALHOST = "allow-localhost-ingress";

/** The IR entry standing for Cilium's allow-localhost ingress rule (selects nothing by itself). */
function allowLocalhostEntry(): RuleEntry {
  const file = new SourceFile("<cilium-agent>", "");
  const span = { file, start: 0, end: 0 };
  return {
    type: "rule",
    origin: {
      dialect: "cilium",
      kind: "CiliumAgent",
      name: ALLOW_LOCALHOST,
      ruleIndex: 0,
      span,
      policySpan: span,
    },
    tier: 0,
    tierName: "default",
    order: 0,
    subject: NONE,
    direction: "ingress",
    peers: [{ kind: "any" }],
    notPeers: [],
    ports: [],
    notPorts: [],
    verdict: "allow",
  };
}

/** The host endpoint stand-ins of `cluster` under `model`, with Cilium's reserved identities. */
function hostEndpoints(
  cluster: Cluster,
  options: LowerOptions,
  local: string | undefined,
  diags: Diagnostics,
): Pod[] {
  if (options.model === "cilium") {
    return ciliumHostEndpoints(cluster).map((p) => ({
      ...p,
      host: { ...p.host!, identity: p.host!.node === local ? ID_HOST : ID_REMOTE_NODE },
    }));
  }
  return options.model === "calico" ? calicoHostEndpoints(cluster, diags) : [];
}

/** Source-map rule id of IR entry `i`. */
export function ruleIdOf(i: number): number {
  return i;
}

function emitIpcache(
  b: BundleBuilder,
  name: string,
  field: number,
  model: LoweringModel,
  ingress: DirectionGroups,
  egress: DirectionGroups,
  diags?: Diagnostics,
): number {
  const t = b.table(name, [{ field, words: 4, kind: MATCH_LPM }], IPC_WORDS);
  const add = (
    addr: bigint,
    len: number,
    identity: number,
    endpoint: number,
    ig: number,
    eg: number,
  ): void => {
    t.add(128 - len, [{ prefix: toWords(addr), length: len }], 0, 0xffffffff, 0, [
      identity,
      endpoint,
      ig,
      eg,
    ]);
  };
  const seen = new Set<bigint>();
  const hosts = new Set<bigint>();
  const ordered = [
    ...model.endpoints.filter((ep) => ep.pod.host !== undefined),
    ...model.endpoints.filter((ep) => ep.pod.host === undefined),
  ];
  for (const ep of ordered) {
    for (const a of ep.addrs) {
      if (ep.pod.host !== undefined) {
        hosts.add(a);
      } else if (hosts.has(a) && ep.pod.hostNetwork) {
        continue; // a hostNetwork pod on its node's address is the host (Cilium's `host` includes them)
      }
      if (seen.has(a)) {
        // Two pods on one address (hostNetwork pods share their node's): the first in snapshot order owns it.
        diags?.warn(
          "S4013",
          "shared-address",
          `${ep.pod.namespace}/${ep.pod.name} shares address ${formatIp(a)} with another pod; packets from it are attributed to the first`,
          ep.pod.span,
          "give the pods distinct addresses, or compile with --synthetic-ips always",
        );
        continue;
      }
      seen.add(a);
      add(a, 128, ep.identity, ep.index + 1, ingress.groupOf[ep.index]!, egress.groupOf[ep.index]!);
    }
  }
  for (const [a, id] of model.fqdnAddrs) {
    if (!seen.has(a)) {
      seen.add(a);
      add(a, 128, id, 0, 0, 0);
    }
  }
  for (const [a] of model.nodeAddrs) {
    if (!seen.has(a)) {
      seen.add(a);
      add(a, 128, ID_REMOTE_NODE, 0, 0, 0);
    }
  }
  for (const [text, id] of model.cidrIdentity) {
    const p = parsePrefix(text);
    if (typeof p !== "string") {
      add(p.addr, p.len, id, 0, 0, 0);
    }
  }
  add(IPV4_ALL.addr, IPV4_ALL.len, ID_WORLD_IPV4, 0, 0, 0);
  add(IPV6_ALL.addr, IPV6_ALL.len, ID_WORLD_IPV6, 0, 0, 0);
  return t.index;
}

/** The ipBlock boundaries connlist partitions External ranges by, per direction. */
function cidrTexts(entries: readonly PolicyEntry[], direction: Direction): string[] {
  const out = new Set<string>();
  for (const e of entries) {
    if (e.type === "rule" && e.direction === direction) {
      for (const p of e.peers) {
        if (p.kind === "cidr") {
          out.add([p.cidr, ...p.except].join(" "));
        }
      }
    }
  }
  return [...out];
}

/** Lower `entries` over `cluster` into a bundle. */
export function lowerToBundle(
  cluster: Cluster,
  entries: readonly PolicyEntry[],
  options: LowerOptions,
  diags: Diagnostics,
): Bundle {
  const cilium = options.model === "cilium";
  const local = cilium ? localNodeOf(cluster, options.localNode, diags) : undefined;
  const hostPods = hostEndpoints(cluster, options, local, diags);
  const withHosts = hostPods.length === 0 ? cluster : { ...cluster, pods: [...cluster.pods, ...hostPods] };
  // Cilium's allow-localhost rule joins the IR list as the last entry, so it has a rule id and origin.
  const all: readonly PolicyEntry[] = cilium ? [...entries, allowLocalhostEntry()] : entries;
  const extras = cilium ? { allowLocalhost: all.length - 1 } : {};
  const model = buildModel(withHosts, all, {
    cidrMatchesPods: options.cidrMatchesPods ?? false,
    filterLabels: options.filterLabels ?? false,
    ...(options.fqdnMappings !== undefined ? { fqdnMappings: options.fqdnMappings } : {}),
  });
  const remote = (ep: EndpointView): boolean => {
    if (!cilium) {
      return false;
    }
    const node = ep.pod.host?.node ?? podNode(cluster, ep.pod);
    return node !== undefined && node !== local;
  };
  const groupOptions = { hostSubjectsOnly: cilium, remote };
  const ingress = groupSubjects(model.endpoints, all, "ingress", groupOptions);
  const egress = groupSubjects(model.endpoints, all, "egress", groupOptions);
  const b = new BundleBuilder();
  if (options.audit === true) {
    b.flags |= BUNDLE_FLAG_AUDIT;
  }
  const tables = {
    ipcacheSrc: emitIpcache(b, TABLE_IPCACHE_SRC, F_SRC_IP6, model, ingress, egress, diags),
    ipcacheDst: emitIpcache(b, TABLE_IPCACHE_DST, F_DST_IP6, model, ingress, egress),
  };
  const policyTables = {
    egress: emitPolicyTables(b, model, options.model, all, egress, "egress", diags, extras),
    ingress: emitPolicyTables(b, model, options.model, all, ingress, "ingress", diags, extras),
  };
  emitProgram(
    b.program,
    {
      ...tables,
      egress: policyTables.egress.map((t) => t.table),
      ingress: policyTables.ingress.map((t) => t.table),
      egressLog: policyTables.egress.map((t) => t.logTable),
      ingressLog: policyTables.ingress.map((t) => t.logTable),
    },
    { audit: options.audit === true, fqdn: model.fqdn.selectors.length > 0 },
  );
  all.forEach((e, i) => {
    const { line, column } = e.origin.span.file.lineCol(e.origin.span.start);
    b.origin({
      ruleId: ruleIdOf(i),
      file: e.origin.span.file.path,
      line,
      column,
      kind: e.origin.kind,
      ...(e.origin.namespace !== undefined ? { namespace: e.origin.namespace } : {}),
      name: e.origin.name,
      ruleIndex: e.origin.ruleIndex < 0 ? 0xffffffff : e.origin.ruleIndex,
      tier: e.tierName,
      label:
        e.type === "select"
          ? `${e.direction} selection${e.defaultDeny ? " (default deny)" : ""}`
          : `${e.direction} ${e.verdict}`,
    });
  });
  const metadata: LoweredMetadata = {
    version: 1,
    cni: options.cni,
    model: options.model,
    ...(local !== undefined ? { localNode: local } : {}),
    hostEndpoints: model.endpoints
      .filter((ep) => ep.pod.host !== undefined)
      .map((ep) => ({
        name: `${ep.pod.host!.kind === "Node" ? "node" : "hostendpoint"}/${ep.pod.name}`,
        node: ep.pod.host!.node,
        ips: ep.addrs.map(formatIp),
        identity: ep.identity,
        ingressGroup: ingress.groupOf[ep.index]!,
        egressGroup: egress.groupOf[ep.index]!,
        labels: Object.fromEntries(ep.labels),
        ...(cilium ? { local: ep.pod.host!.node === local } : {}),
      })),
    endpoints: model.endpoints
      .filter((ep) => ep.pod.host === undefined)
      .map((ep) => ({
        namespace: ep.pod.namespace,
        name: ep.pod.name,
        workload: `${ep.pod.workload.namespace}/${ep.pod.workload.name}[${ep.pod.workload.kind}]`,
        ips: ep.addrs.map(formatIp),
        identity: ep.identity,
        ingressGroup: ingress.groupOf[ep.index]!,
        egressGroup: egress.groupOf[ep.index]!,
        labels: Object.fromEntries(ep.pod.labels),
      })),
    identities: model.identities.map((i) => ({
      id: i.id,
      kind: i.kind,
      labels: Object.fromEntries(i.labels),
    })),
    ipBlocks: { ingress: cidrTexts(entries, "ingress"), egress: cidrTexts(entries, "egress") },
    tables,
    policyTables,
    ...(model.fqdn.selectors.length > 0 ? { fqdn: model.fqdn } : {}),
  };
  b.rawSection(SEC_METADATA, encodeMetadata(metadata));
  return b.build();
}
