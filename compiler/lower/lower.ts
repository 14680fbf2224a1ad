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
 */

import type { Cluster } from "../cluster/model.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import { BundleBuilder } from "../bundle/bundle-builder.js";
import type { Direction, PolicyEntry } from "../ir/entry.js";
import { IPV4_ALL, IPV6_ALL, formatIp, parsePrefix, toWords } from "../net/ip.js";
import { BUNDLE_FLAG_AUDIT, MATCH_LPM, SEC_METADATA } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { F_DST_IP6, F_SRC_IP6 } from "../../runtime/context.js";
import type { BundleMetadata } from "../../runtime/metadata.js";
import { IPC_WORDS, TABLE_IPCACHE_DST, TABLE_IPCACHE_SRC } from "./actions.js";
import { emitProgram } from "./emit-program.js";
import { groupSubjects } from "./groups.js";
import type { DirectionGroups } from "./groups.js";
import { ID_REMOTE_NODE, ID_WORLD_IPV4, ID_WORLD_IPV6 } from "./identities.js";
import { encodeMetadata } from "./metadata.js";
import { buildModel } from "./model.js";
import type { EvaluationModel, FqdnMapping, LoweringModel } from "./model.js";
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
  for (const ep of model.endpoints) {
    for (const a of ep.addrs) {
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
  const model = buildModel(cluster, entries, {
    cidrMatchesPods: options.cidrMatchesPods ?? false,
    filterLabels: options.filterLabels ?? false,
    ...(options.fqdnMappings !== undefined ? { fqdnMappings: options.fqdnMappings } : {}),
  });
  const ingress = groupSubjects(model.endpoints, entries, "ingress");
  const egress = groupSubjects(model.endpoints, entries, "egress");
  const b = new BundleBuilder();
  if (options.audit === true) {
    b.flags |= BUNDLE_FLAG_AUDIT;
  }
  const tables = {
    ipcacheSrc: emitIpcache(b, TABLE_IPCACHE_SRC, F_SRC_IP6, model, ingress, egress, diags),
    ipcacheDst: emitIpcache(b, TABLE_IPCACHE_DST, F_DST_IP6, model, ingress, egress),
  };
  const policyTables = {
    egress: emitPolicyTables(b, model, options.model, entries, egress, "egress", diags),
    ingress: emitPolicyTables(b, model, options.model, entries, ingress, "ingress", diags),
  };
  emitProgram(
    b.program,
    {
      ...tables,
      egress: policyTables.egress.map((t) => t.table),
      ingress: policyTables.ingress.map((t) => t.table),
    },
    { audit: options.audit === true },
  );
  entries.forEach((e, i) => {
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
  const metadata: BundleMetadata = {
    version: 1,
    cni: options.cni,
    model: options.model,
    endpoints: model.endpoints.map((ep) => ({
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
  };
  b.rawSection(SEC_METADATA, encodeMetadata(metadata));
  return b.build();
}
