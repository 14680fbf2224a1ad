/**
 * @fileoverview Subject groups: endpoints with identical policy share one set of table rows.
 *
 * For each direction, an endpoint's group is determined by the IR entries whose subject selects it
 * and, for ingress, by how its containers resolve the named ports those entries use (the destination
 * of ingress traffic is the endpoint itself). Endpoints no entry selects get group 0: no policy in
 * that direction, and the program skips the lookup.
 */

import type { Direction, PolicyEntry } from "../ir/entry.js";
import { matches } from "../ir/selector.js";
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
): DirectionGroups {
  const relevant = entries.map((e, i) => ({ e, i })).filter(({ e }) => e.direction === direction);
  const groups: SubjectGroup[] = [];
  const bySignature = new Map<string, SubjectGroup>();
  const groupOf = new Int32Array(endpoints.length);
  for (const ep of endpoints) {
    const selected = relevant.filter(({ e }) => matches(e.subject, ep.labels)).map(({ i }) => i);
    if (selected.length === 0) {
      groupOf[ep.index] = NO_GROUP;
      continue;
    }
    let signature = selected.join(",");
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
      g = { id: groups.length + 1, entries: selected, representative: ep, members: [] };
      groups.push(g);
      bySignature.set(signature, g);
    }
    g.members.push(ep);
    groupOf[ep.index] = g.id;
  }
  return { groups, groupOf };
}
