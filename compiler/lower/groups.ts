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
import { matches } from "../ir/selector.js";
import type { Selector } from "../ir/selector.js";
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

/** Compute the subject groups of `direction`. */
export function groupSubjects(
  endpoints: readonly EndpointView[],
  entries: readonly PolicyEntry[],
  direction: Direction,
  options: GroupOptions = {},
): DirectionGroups {
  const relevant = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.direction === direction);
  const groups: SubjectGroup[] = [];
  const bySignature = new Map<string, SubjectGroup>();
  const groupOf = new Int32Array(endpoints.length);
  for (const ep of endpoints) {
    const host = ep.pod.host !== undefined;
    const selected = relevant
      .filter(({ e }) => matches(e.subject, ep.labels))
      .filter(({ e }) => !host || options.hostSubjectsOnly !== true || requiresHost(e.subject))
      .map(({ i }) => i);
    if (selected.length === 0) {
      groupOf[ep.index] = NO_GROUP;
      continue;
    }
    const remote = options.remote?.(ep) ?? false;
    let signature = `${host ? "h" : "p"}${remote ? "r" : "l"}:${selected.join(",")}`;
    if (direction === "ingress") {
      const names = new Set(
        selected.flatMap((i) => {
          const e = entries[i]!;
          return e.type === "rule" ? namedPortNames([...e.ports, ...e.notPorts]) : [];
        }),
      );
      for (const n of [...names].sort()) {
        const [name, proto] = n.split("/") as [string, string];
        signature += `|${n}=${resolveNamedPort(name, Number(proto) || undefined, ep.pod.ports).join("+")}`;
      }
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
