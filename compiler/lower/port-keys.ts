/**
 * @fileoverview Port clauses → the L4 part of policy-table keys (protocol, destination port range,
 * ICMP type and code), with named ports resolved against container ports.
 *
 * A clause without protocol and ports matches every packet; a protocol without ports matches every port
 * of it (including port-less packets of that protocol such as non-first fragments); a named port
 * becomes the numbers the destination's containers give that name with that protocol, and nothing when
 * none does (Kubernetes: "no match ⇒ that entry allows nothing").
 */

import type { ContainerPort } from "../cluster/model.js";
import type { PortMatch } from "../ir/entry.js";

/** The L4 part of one policy-table key. Masks of 0 are wildcards. */
export interface L4Key {
  readonly proto: number;
  readonly protoMask: number;
  readonly portLo: number;
  readonly portHi: number;
  readonly icmpType: number;
  readonly icmpTypeMask: number;
  readonly icmpCode: number;
  readonly icmpCodeMask: number;
}

/** Matches every packet. */
export const ANY_L4: L4Key = {
  proto: 0,
  protoMask: 0,
  portLo: 0,
  portHi: 65535,
  icmpType: 0,
  icmpTypeMask: 0,
  icmpCode: 0,
  icmpCodeMask: 0,
};

/** Resolve a named port on a set of container ports: the distinct numbers with that name and protocol. */
export function resolveNamedPort(
  name: string,
  protocol: number | undefined,
  ports: readonly ContainerPort[],
): number[] {
  const out = new Set<number>();
  for (const p of ports) {
    if (p.name === name && (protocol === undefined || p.protocol === protocol)) {
      out.add(p.port);
    }
  }
  return [...out].sort((a, b) => a - b);
}

/**
 * L4 keys of a list of clauses (OR). `namedPorts` resolves a named clause (for the destination whose
 * container ports apply); an empty clause list is one wildcard key.
 */
export function l4Keys(
  clauses: readonly PortMatch[],
  namedPorts: (clause: PortMatch) => readonly number[],
): L4Key[] {
  if (clauses.length === 0) {
    return [ANY_L4];
  }
  const keys: L4Key[] = [];
  for (const c of clauses) {
    const proto = c.protocol ?? 0;
    const protoMask = c.protocol === undefined ? 0 : 0xff;
    const base = { ...ANY_L4, proto, protoMask };
    if (c.icmpType !== undefined) {
      keys.push({
        ...base,
        icmpType: c.icmpType,
        icmpTypeMask: 0xff,
        icmpCode: c.icmpCode ?? 0,
        icmpCodeMask: c.icmpCode === undefined ? 0 : 0xff,
      });
    } else if (c.named !== undefined) {
      for (const port of namedPorts(c)) {
        keys.push({ ...base, portLo: port, portHi: port });
      }
    } else if (c.ranges.length === 0) {
      keys.push(base);
    } else {
      for (const [lo, hi] of c.ranges) {
        keys.push({ ...base, portLo: lo, portHi: hi });
      }
    }
  }
  return keys;
}

/** Named-port names a clause list uses (for grouping endpoints by how they resolve them). */
export function namedPortNames(clauses: readonly PortMatch[]): string[] {
  return clauses.flatMap((c) => (c.named === undefined ? [] : [`${c.named}/${c.protocol ?? 0}`]));
}
