/**
 * @fileoverview Policy tables: one per (direction, tier), rows for every (subject group, rule, peer
 * identity, L4 key).
 *
 * Key: subject group (META0, exact), peer identity (META1, ternary: exact or any), protocol (ternary),
 * destination port (range), ICMP type and code (ternary). The best row decides, so precedence is
 * encoded in priorities:
 *   kubernetes  allow rows 1, the selection's default deny 2 (a union of allows)
 *   cilium      explicit deny 0, allow 1, default deny 2 (deny beats allow in any order)
 *   calico      first match in (policy order, rule index); the tier's end row last, carrying the tier's
 *               default action (deny, or pass to the next tier) for groups the tier selects
 * Staged entries never produce rows (they are reported by trace, not enforced); a tier that selects a
 * group only through staged policies therefore ends in a pass, as Calico's does. Calico Log rules, which
 * never decide, get rows only in the tier's log table, next to copies of the tier's own rows: the
 * program logs when a Log row is the best row there (a Log rule reached before the tier decides).
 *
 * Negations (Calico notSelector/notNets, notPorts/notProtocol/notICMP) are resolved here: peers minus
 * not-peers as identity sets; L4 keys minus negated keys as boxes (l4-boxes.ts).
 *
 * Host endpoints and node locality (Cilium model): node addresses carry one identity in the ipcache,
 * seen from the local node (host 1 for its own, remote-node 6 for the others; lower.ts). For a group on
 * a remote node (its host endpoint, or pods placed there) the local node is a remote node too, so a rule
 * peer set holding remote-node also gets host, and `host` (that node itself, whose addresses are
 * remote-node in the ipcache and cannot be told apart from other nodes) gets nothing. Cilium in
 * Kubernetes mode lets the local host reach local endpoints (`allow-localhost` auto → always, cilium.md
 * §2.1): pod groups on the local node get an ingress allow row for host, at allow precedence, so an
 * explicit deny still wins (upstream inserts it deny-preferred).
 *
 * Calico host-endpoint stages: untracked, pre-DNAT, failsafe and profile tiers arrive as tiers of their
 * own, ranked by the front end (`<stage>/<tier>` names); their tables are named after the tier with
 * characters outside [A-Za-z0-9_-] replaced, and made unique with the tier rank when two collide.
 *
 * L7 (Cilium model): allow rows whose rules carry L7 rules become redirect rows (ACT_REDIRECT, allow's
 * priority) naming a merged L7 rule set (l7-merge.ts); the sets of both directions go to the bundle's
 * L7_RULES section. Action data: POL_REASON, POL_L7_SET. Calico's HTTP matches do the same. A Calico
 * request refused by an HTTP match whose later rule is a Pass is denied, not passed to the next tier
 * (the one case the merge does not express).
 */

import type { BundleBuilder, TableBuilder } from "../bundle/bundle-builder.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Direction, PolicyEntry, PortMatch, RuleEntry } from "../ir/entry.js";
import { F_DST_PORT, F_ICMP_CODE, F_ICMP_TYPE, F_META0, F_PROTO } from "../../runtime/context.js";
import { MATCH_EXACT, MATCH_RANGE, MATCH_TERNARY } from "../../runtime/bytecode/bundle.js";
import { REASON_POLICY_DENIED, REASON_POLICY_DENY } from "../../runtime/verdict.js";
import { ACT_ALLOW, ACT_DENY, ACT_LOG, ACT_PASS, NO_L7_SET, POL_WORDS } from "./actions.js";
import { ID_HOST, ID_REMOTE_NODE } from "./identities.js";
import type { DirectionGroups, SubjectGroup } from "./groups.js";
import { subtractL4 } from "./l4-boxes.js";
import { l7SetsOf, mergeL7Rows, writeL7Section } from "./l7-merge.js";
import type { PolicyRow } from "./l7-merge.js";
import type { EvaluationModel, LoweringModel } from "./model.js";
import { ANY_L4, l4Keys, resolveNamedPort } from "./port-keys.js";
import type { L4Key } from "./port-keys.js";

/** Key of every policy table. */
export const POLICY_KEYS = [
  { field: F_META0, words: 1, kind: MATCH_EXACT },
  { field: F_META0 + 1, words: 1, kind: MATCH_TERNARY },
  { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
  { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
  { field: F_ICMP_TYPE, words: 1, kind: MATCH_TERNARY },
  { field: F_ICMP_CODE, words: 1, kind: MATCH_TERNARY },
] as const;

/** One emitted table: its index and the tier it evaluates. */
export interface TierTable {
  readonly table: number;
  readonly tier: number;
  readonly tierName: string;
  /** Calico: the tier's log table (its rows plus its Log rules' rows), when it has Log rules. */
  readonly logTable?: number;
}

/** Priority of the end row of a group (default deny, or a Calico tier's default action). */
const END_PRIORITY = 0xffffffff;

/** Calico first-match priority: policy order rank, then rule index. */
function calicoPriority(e: RuleEntry): number {
  return e.order * 4096 + Math.min(e.origin.ruleIndex, 4095);
}

function rulePriority(model: EvaluationModel, e: RuleEntry): number {
  if (model === "calico") {
    return calicoPriority(e);
  }
  if (model === "cilium") {
    return e.verdict === "deny" ? 0 : 1;
  }
  return 1;
}

function actionOf(e: RuleEntry): { verdict: number; reason: number } {
  switch (e.verdict) {
    case "allow":
      return { verdict: ACT_ALLOW, reason: 0 };
    case "deny":
      return { verdict: ACT_DENY, reason: REASON_POLICY_DENY };
    case "pass":
      return { verdict: ACT_PASS, reason: 0 };
    case "log":
      return { verdict: ACT_LOG, reason: 0 };
  }
}

function addRow(
  table: TableBuilder,
  priority: number,
  group: number,
  peer: number | "any",
  k: L4Key,
  verdict: number,
  ruleId: number,
  reason: number,
  l7Set = NO_L7_SET,
): void {
  table.add(
    priority,
    [
      { exact: group },
      peer === "any" ? { value: 0, mask: 0 } : { value: peer, mask: 0xffffffff },
      { value: k.proto, mask: k.protoMask },
      { lo: k.portLo, hi: k.portHi },
      { value: k.icmpType, mask: k.icmpTypeMask },
      { value: k.icmpCode, mask: k.icmpCodeMask },
    ],
    verdict,
    ruleId,
    0,
    [reason, l7Set],
  );
}

/** Peer identities of a rule: its peers minus its not-peers ("any" when unconstrained). */
function rulePeers(model: LoweringModel, e: RuleEntry): readonly number[] | "any" {
  const sets = e.peers.map((p) => model.peerIdentities(p));
  const positive =
    e.peers.length === 0 || sets.includes("any")
      ? "any"
      : [...new Set(sets.flatMap((s) => (s === "any" ? [] : s)))];
  if (e.notPeers.length === 0) {
    return positive === "any" ? "any" : [...positive].sort((a, b) => a - b);
  }
  const excluded = new Set<number>();
  for (const p of e.notPeers) {
    const ids = model.peerIdentities(p);
    if (ids === "any") {
      return [];
    }
    ids.forEach((id) => excluded.add(id));
  }
  const base = positive === "any" ? model.identities.map((i) => i.id) : positive;
  return base.filter((id) => !excluded.has(id)).sort((a, b) => a - b);
}

/** A rule's peers as a group on a remote node sees them (header: host endpoints and node locality). */
function remoteView(peers: readonly number[] | "any"): readonly number[] | "any" {
  if (peers === "any") {
    return peers;
  }
  const out = peers.filter((id) => id !== ID_HOST);
  if (peers.includes(ID_REMOTE_NODE)) {
    out.push(ID_HOST);
  }
  return out.sort((a, b) => a - b);
}

/** Rows of one rule for one subject group, appended to `out`. */
function emitRuleRows(
  out: PolicyRow[],
  model: LoweringModel,
  evalModel: EvaluationModel,
  group: SubjectGroup,
  e: RuleEntry,
  ruleId: number,
  direction: Direction,
): void {
  const { verdict, reason } = actionOf(e);
  const priority = rulePriority(evalModel, e);
  const peers = group.remote ? remoteView(rulePeers(model, e)) : rulePeers(model, e);
  const negated = l4Keys(e.notPorts, (c) =>
    resolveNamedPort(c.named!, c.protocol, group.representative.pod.ports),
  );
  const keysFor = (
    resolve: (c: PortMatch) => readonly number[],
    ports: readonly PortMatch[] = e.ports,
  ): L4Key[] =>
    e.notPorts.length === 0 ? l4Keys(ports, resolve) : subtractL4(l4Keys(ports, resolve), negated);
  const emitFor = (peer: number | "any", keys: readonly L4Key[]): void => {
    for (const key of keys) {
      out.push({ priority, peer, key, verdict, ruleId, reason, entry: e });
    }
  };
  const hasNamed = e.ports.some((c) => c.named !== undefined);
  if (!hasNamed || direction === "ingress") {
    // Ingress: the destination is the subject; every group member resolves named ports alike.
    const keys = keysFor((c) => resolveNamedPort(c.named!, c.protocol, group.representative.pod.ports));
    if (peers === "any") {
      emitFor("any", keys);
    } else {
      peers.forEach((id) => {
        emitFor(id, keys);
      });
    }
    return;
  }
  // Egress with named ports: resolve on each destination identity's endpoints.
  const ids = peers === "any" ? [...model.endpointsByIdentity.keys()] : peers;
  for (const id of ids) {
    const eps = model.endpointsByIdentity.get(id) ?? [];
    emitFor(
      id,
      keysFor((c) => [...new Set(eps.flatMap((ep) => resolveNamedPort(c.named!, c.protocol, ep.pod.ports)))]),
    );
  }
  if (peers === "any") {
    // Non-endpoint destinations have no container ports: only the numeric clauses apply to them.
    emitFor(
      "any",
      keysFor(
        () => [],
        e.ports.filter((c) => c.named === undefined),
      ),
    );
  }
}

/** Extra rows some models add outside the IR's rules. */
export interface TableExtras {
  /** Rule id of Cilium's allow-localhost entry: ingress groups of local pods allow the host. */
  readonly allowLocalhost?: number;
}

/** A table name for a tier: `policy_<dir>[_<tier>]`, safe in the text form. */
function tableName(direction: Direction, tierName: string, single: boolean): string {
  return single ? `policy_${direction}` : `policy_${direction}_${tierName.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

/**
 * Emit the policy tables of `direction`, one per tier present, in tier order, and (re)write the
 * bundle's L7_RULES section with the rule sets of every direction emitted so far. `diags` receives
 * L7 merge conflicts (S3501); without it a conflict keeps the first parser silently.
 */
export function emitPolicyTables(
  b: BundleBuilder,
  model: LoweringModel,
  evalModel: EvaluationModel,
  entries: readonly PolicyEntry[],
  groups: DirectionGroups,
  direction: Direction,
  diags?: Diagnostics,
  extras: TableExtras = {},
): TierTable[] {
  const l7Sets = l7SetsOf(b);
  const tiers = new Map<number, string>();
  for (const e of entries) {
    if (e.direction === direction) {
      tiers.set(e.tier, e.tierName);
    }
  }
  if (tiers.size === 0) {
    tiers.set(0, "default");
  }
  const out: TierTable[] = [];
  const names = new Set<string>();
  const sorted = [...tiers].sort((a, b) => a[0] - b[0]);
  for (const [tier, tierName] of sorted) {
    let name = tableName(direction, tierName, tiers.size === 1);
    if (names.has(name)) {
      name = `${name}_${tier}`;
    }
    names.add(name);
    const table = b.table(name, POLICY_KEYS, POL_WORDS);
    /** Created when a group of this tier has Calico Log rules. */
    let logTable: TableBuilder | undefined;
    const firstTier = tier === sorted[0]![0];
    for (const g of groups.groups) {
      let endBy = -1;
      let endDeny = false;
      const rows: PolicyRow[] = [];
      const logRows: PolicyRow[] = [];
      for (const i of g.entries) {
        const e = entries[i]!;
        if (e.tier !== tier || e.origin.staged === true) {
          continue;
        }
        if (e.type === "select") {
          // The first selecting policy names the end row; any one wanting default deny makes it deny.
          if (endBy < 0 || (e.defaultDeny && !endDeny)) {
            endBy = i;
          }
          endDeny ||= e.defaultDeny;
          continue;
        }
        if (e.verdict === "log") {
          // Calico Log records and continues: it never decides, so its rows go to the tier's log table
          // (with the tier's deciding rows), never to the tier table, where they would stop the lookup.
          if (evalModel === "calico") {
            emitRuleRows(logRows, model, evalModel, g, e, i, direction);
          }
          continue;
        }
        emitRuleRows(rows, model, evalModel, g, e, i, direction);
      }
      if (
        extras.allowLocalhost !== undefined &&
        direction === "ingress" &&
        firstTier &&
        !g.host &&
        !g.remote
      ) {
        rows.push({
          priority: 1,
          peer: ID_HOST,
          key: ANY_L4,
          verdict: ACT_ALLOW,
          ruleId: extras.allowLocalhost,
          reason: 0,
          entry: entries[extras.allowLocalhost] as RuleEntry,
        });
      }
      // Calico HTTP matches (application layer policy) merge as Cilium's do: a request the rule's
      // matches refuse falls through to the rules after it, and a plain Allow on the same peer and
      // port among them allows it, which is exactly the wildcard the merge adds.
      const written =
        evalModel === "kubernetes"
          ? rows.map((r) => ({ ...r, l7Set: NO_L7_SET }))
          : mergeL7Rows(rows, l7Sets, diags);
      const targets = [table];
      if (logRows.length > 0) {
        logTable ??= b.table(`${name}_log`, POLICY_KEYS, POL_WORDS);
        targets.push(logTable);
        for (const r of logRows) {
          addRow(logTable, r.priority, g.id, r.peer, r.key, r.verdict, r.ruleId, r.reason);
        }
      }
      for (const t of targets) {
        for (const r of written) {
          addRow(t, r.priority, g.id, r.peer, r.key, r.verdict, r.ruleId, r.reason, r.l7Set);
        }
        if (endBy >= 0 && (endDeny || evalModel === "calico")) {
          addRow(
            t,
            END_PRIORITY,
            g.id,
            "any",
            ANY_L4,
            endDeny ? ACT_DENY : ACT_PASS,
            endBy,
            endDeny ? REASON_POLICY_DENIED : 0,
          );
        }
      }
    }
    out.push({
      table: table.index,
      tier,
      tierName,
      ...(logTable !== undefined ? { logTable: logTable.index } : {}),
    });
  }
  writeL7Section(b);
  return out;
}
