/**
 * @fileoverview The space a rule covers, as the lowering sees it: for one subject group, the peer
 * identities the rule admits and, toward each, the L4 keys (protocol × destination port × ICMP type and
 * code boxes) it matches. Written from the definition in lower/policy-tables.ts (`rulePeers`,
 * `emitRuleRows`), so a lint's "covered" means "every table row this rule would emit is matched by
 * rows of the covering rules".
 */

import type { Direction, PortMatch, RuleEntry } from "../ir/entry.js";
import type { SubjectGroup } from "../lower/groups.js";
import { subtractL4 } from "../lower/l4-boxes.js";
import type { LoweringModel } from "../lower/model.js";
import { l4Keys, resolveNamedPort } from "../lower/port-keys.js";
import type { L4Key } from "../lower/port-keys.js";

/** A rule's space in one subject group. */
export interface RuleSpace {
  /** Peer identities the rule admits (a wildcard expanded to every identity of the model). */
  readonly peers: ReadonlySet<number>;
  /** L4 keys toward peer identity `id` (empty when nothing). */
  keysFor(id: number): readonly L4Key[];
  /** Whether the keys depend on the peer (egress named ports, resolved on each destination). */
  readonly perPeer: boolean;
}

/** Peer identities of a rule: its peers minus its not-peers, the wildcard expanded. */
function admittedPeers(model: LoweringModel, e: RuleEntry): Set<number> {
  const all = (): number[] => model.identities.map((i) => i.id);
  const sets = e.peers.map((p) => model.peerIdentities(p));
  const positive =
    e.peers.length === 0 || sets.includes("any") ? all() : sets.flatMap((s) => (s === "any" ? [] : s));
  const excluded = new Set<number>();
  for (const p of e.notPeers) {
    const ids = model.peerIdentities(p);
    (ids === "any" ? all() : ids).forEach((id) => excluded.add(id));
  }
  return new Set(positive.filter((id) => !excluded.has(id)));
}

/** The space of rule `e` in subject group `group`. */
export function ruleSpace(
  model: LoweringModel,
  e: RuleEntry,
  group: SubjectGroup,
  direction: Direction,
): RuleSpace {
  const ports = group.representative.pod.ports;
  const negated = l4Keys(e.notPorts, (c) => resolveNamedPort(c.named!, c.protocol, ports));
  const keys = (resolve: (c: PortMatch) => readonly number[]): L4Key[] => {
    const k = l4Keys(e.ports, resolve);
    return e.notPorts.length === 0 ? k : subtractL4(k, negated);
  };
  const peers = admittedPeers(model, e);
  const perPeer = direction === "egress" && e.ports.some((c) => c.named !== undefined);
  if (!perPeer) {
    // Ingress: the destination is the subject; every group member resolves named ports alike.
    const fixed = keys((c) => resolveNamedPort(c.named!, c.protocol, ports));
    return { peers, perPeer, keysFor: () => fixed };
  }
  const cache = new Map<number, readonly L4Key[]>();
  return {
    peers,
    perPeer,
    keysFor: (id) => {
      let k = cache.get(id);
      if (k === undefined) {
        // Egress with named ports: resolved on the destination identity's endpoints; others have none.
        const eps = model.endpointsByIdentity.get(id) ?? [];
        k = keys((c) => [
          ...new Set(eps.flatMap((ep) => resolveNamedPort(c.named!, c.protocol, ep.pod.ports))),
        ]);
        cache.set(id, k);
      }
      return k;
    },
  };
}

/** Interval of a prefix-shaped ternary field (what the lowering emits). */
function interval(value: number, mask: number, max: number): [number, number] {
  return mask === 0 ? [0, max] : [value & mask, (value & mask) | (~mask & max)];
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

/** Whether two L4 keys share a point. */
function keysMeet(a: L4Key, b: L4Key): boolean {
  return (
    overlaps(interval(a.proto, a.protoMask, 255), interval(b.proto, b.protoMask, 255)) &&
    overlaps([a.portLo, a.portHi], [b.portLo, b.portHi]) &&
    overlaps(interval(a.icmpType, a.icmpTypeMask, 255), interval(b.icmpType, b.icmpTypeMask, 255)) &&
    overlaps(interval(a.icmpCode, a.icmpCodeMask, 255), interval(b.icmpCode, b.icmpCodeMask, 255))
  );
}

/** Whether key lists `a` and `b` share a point. */
export function keyListsMeet(a: readonly L4Key[], b: readonly L4Key[]): boolean {
  return a.some((x) => b.some((y) => keysMeet(x, y)));
}

/** Whether `keys` lie entirely within the union of `cover`. */
export function keysCovered(keys: readonly L4Key[], cover: readonly L4Key[]): boolean {
  return keys.length === 0 || (cover.length > 0 && subtractL4(keys, cover).length === 0);
}

/** Result of testing one rule against covering rules in one group. */
export interface CoverResult {
  /** Whether the rule has any point in this group. */
  readonly nonEmpty: boolean;
  /** Whether every point is covered. */
  readonly covered: boolean;
  /** Indexes (into `covers`) of the covering rules that share a point with it. */
  readonly contributors: ReadonlySet<number>;
}

/** Test whether `rule` lies within the union of `covers` (all spaces of one group). */
export function coverage(rule: RuleSpace, covers: readonly RuleSpace[]): CoverResult {
  const contributors = new Set<number>();
  let nonEmpty = false;
  // Identities whose covering set and keys coincide give one answer: test each class once.
  const memo = new Map<string, boolean>();
  for (const id of rule.peers) {
    const keys = rule.keysFor(id);
    if (keys.length === 0) {
      continue;
    }
    nonEmpty = true;
    const holders = covers.map((c, i) => (c.peers.has(id) ? i : -1)).filter((i) => i >= 0);
    const perPeer = rule.perPeer || holders.some((i) => covers[i]!.perPeer);
    const sig = `${holders.join(",")}${perPeer ? `@${id}` : ""}`;
    let ok = memo.get(sig);
    const coverKeys = holders.map((i) => ({ i, k: covers[i]!.keysFor(id) }));
    if (ok === undefined) {
      ok = keysCovered(
        keys,
        coverKeys.flatMap((c) => c.k),
      );
      memo.set(sig, ok);
    }
    for (const c of coverKeys) {
      if (!contributors.has(c.i) && keyListsMeet(keys, c.k)) {
        contributors.add(c.i);
      }
    }
    if (!ok) {
      return { nonEmpty, covered: false, contributors };
    }
  }
  return { nonEmpty, covered: true, contributors };
}
