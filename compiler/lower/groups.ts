/**
 * @fileoverview Subject groups: endpoints with identical policy share one set of table rows.
 *
 * For each direction, an endpoint's group is determined by the IR entries whose subject selects it
 * and, for ingress, by how its containers resolve the named ports those entries use (the destination
 * of ingress traffic is the endpoint itself). Endpoints no entry selects get group 0: no policy in
 * that direction, and the program skips the lookup.
 *
 * Host endpoints (pod-shaped stand-ins with `pod.host` set, cluster/host-endpoints.ts) are grouped
 * like pods. Under Cilium they are subjects only of host policies: upstream `matchesSubject` lets a
 * rule with a nodeSelector select only the host and a rule with an endpointSelector never select it,
 * so with `hostSubjectsOnly` a host endpoint matches only entries whose subject requires
 * `reserved:host`. `remote` (Cilium's view of node addresses, lower.ts) splits groups whose members
 * see `host` / `remote-node` from another node than the local one.
 */

import { LBL_HOST } from "../cluster/host-endpoints.js";
import type { Direction, PolicyEntry } from "../ir/entry.js";
import { SelectorIndex } from "../ir/selector-index.js";
import type { Labels, Selector } from "../ir/selector.js";
import type { EndpointView } from "./model.js";
import { namedPortNames, resolveNamedPort } from "./port-keys.js";

/** Group 0: the endpoint is not selected in this direction. */
export const NO_GROUP = 0;

/** One group of one direction. */
export interface SubjectGroup {
  /** Group id (1-based). */
  readonly id: number;
  /** Indexes into the IR entry list, in IR order. */
  readonly entries: readonly number[];
  /** An endpoint of the group, whose container ports resolve the group's named ports. */
  readonly representative: EndpointView;
  /** Endpoints in the group. */
  readonly members: EndpointView[];
  /** Whether the members are host endpoints. */
  readonly host: boolean;
  /** Whether the members sit on a node other than the local one (Cilium's node view, lower.ts). */
  readonly remote: boolean;
}

/** How host endpoints and node locality take part in grouping. */
export interface GroupOptions {
  /** Host endpoints match only subjects that require `reserved:host` (Cilium). */
  readonly hostSubjectsOnly?: boolean;
  /** Whether an endpoint sits on a remote node (default: none does). */
  readonly remote?: (ep: EndpointView) => boolean;
}

/** Whether a subject requires the `reserved:host` label (a Cilium nodeSelector subject). */
export function requiresHost(sel: Selector): boolean {
  const isHost = (s: Selector): boolean => s.op === "eq" && s.key === LBL_HOST;
  return isHost(sel) || (sel.op === "and" && sel.args.some(isHost));
}

/** Groups of one direction, and each endpoint's group id (index by endpoint index). */
export interface DirectionGroups {
  readonly groups: readonly SubjectGroup[];
  readonly groupOf: Int32Array;
}

/**
 * A key equal for equal label maps in equal insertion order (length-prefixed, so unambiguous). Pods
 * of one workload get their labels built the same way, so they share a key; a different order only
 * costs a cache miss.
 */
function labelsKey(labels: Labels): string {
  let key = "";
  for (const [k, v] of labels) {
    key += `${k.length}:${k}${v.length}:${v}`;
  }
  return key;
}

/** The entries selecting one label set, and what of them the group signature needs. */
interface LabelSetSelection {
  /** IR entry indexes, in IR order. */
  readonly entries: readonly number[];
  /** `entries` as signature text. */
  readonly key: string;
  /** Ingress: the named ports those entries use (sorted by `name/protocol`), resolved per endpoint. */
  readonly namedPorts: readonly { key: string; name: string; protocol: number | undefined }[];
}

/**
 * The selection of `selected` entries. Ingress groups also split by how each member resolves the named
 * ports the entries use (the destination of ingress traffic is the endpoint itself).
 */
function selection(
  selected: readonly number[],
  entries: readonly PolicyEntry[],
  direction: Direction,
): LabelSetSelection {
  const names = new Set<string>();
  if (direction === "ingress") {
    for (const i of selected) {
      const e = entries[i]!;
      if (e.type === "rule") {
        namedPortNames([...e.ports, ...e.notPorts]).forEach((n) => names.add(n));
      }
    }
  }
  const namedPorts = [...names].sort().map((key) => {
    const [name, proto] = key.split("/") as [string, string];
    return { key, name, protocol: Number(proto) || undefined };
  });
  return { entries: selected, key: selected.join(","), namedPorts };
}

/** Compute the subject groups of `direction`. */
export function groupSubjects(
  endpoints: readonly EndpointView[],
  entries: readonly PolicyEntry[],
  direction: Direction,
  options: GroupOptions = {},
): DirectionGroups {
  const relevant = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.direction === direction);
  // Which entries select an endpoint depends on its labels only: evaluate each distinct label set once,
  // through an index that skips subjects requiring a label the set lacks (selector-index.ts).
  const index = new SelectorIndex(relevant.map(({ e }) => e.subject));
  const byLabels = new Map<string, LabelSetSelection>();
  const selectionOf = (labels: Labels): LabelSetSelection => {
    const key = labelsKey(labels);
    let s = byLabels.get(key);
    if (s === undefined) {
      s = selection(
        index.matching(labels).map((k) => relevant[k]!.i),
        entries,
        direction,
      );
      byLabels.set(key, s);
    }
    return s;
  };
  const groups: SubjectGroup[] = [];
  const bySignature = new Map<string, SubjectGroup>();
  const groupOf = new Int32Array(endpoints.length);
  for (const ep of endpoints) {
    const host = ep.pod.host !== undefined;
    let s = selectionOf(ep.labels);
    if (host && options.hostSubjectsOnly === true) {
      s = selection(
        s.entries.filter((i) => requiresHost(entries[i]!.subject)),
        entries,
        direction,
      );
    }
    const selected = s.entries;
    if (selected.length === 0) {
      groupOf[ep.index] = NO_GROUP;
      continue;
    }
    const remote = options.remote?.(ep) ?? false;
    let signature = `${host ? "h" : "p"}${remote ? "r" : "l"}:${s.key}`;
    for (const n of s.namedPorts) {
      signature += `|${n.key}=${resolveNamedPort(n.name, n.protocol, ep.pod.ports).join("+")}`;
    }
    let g = bySignature.get(signature);
    if (g === undefined) {
      g = { id: groups.length + 1, entries: selected, representative: ep, members: [], host, remote };
      groups.push(g);
      bySignature.set(signature, g);
    }
    g.members.push(ep);
    groupOf[ep.index] = g.id;
  }
  return { groups, groupOf };
}
