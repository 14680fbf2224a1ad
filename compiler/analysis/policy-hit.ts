/**
 * @fileoverview Rule hits in Calico's PolicyHit shape: which tier, policy and rule matched, and what it
 * did, as Calico's flow logs report them (`policies` field; lma `PolicyHitFromFlowLogPolicyString`):
 *
 *     <matchIndex>|<tier>|<name>|<action>|<ruleIndex>
 *
 * with `<name>` = `<tier>.<policy>` for a GlobalNetworkPolicy, `<namespace>/<tier>.<policy>` for a
 * namespaced one, `<namespace>/knp.default.<policy>` for a Kubernetes NetworkPolicy,
 * `__PROFILE__.<profile>` for a profile, `staged:` before staged kinds; `<ruleIndex>` is -1 for the
 * end of a tier (its implicit deny or pass); `<matchIndex>` counts the hits along one flow (a Pass,
 * then the rule that decided). sluice's host-endpoint stages (`untracked/<tier>`, `preDNAT/<tier>`)
 * report under their Calico tier; the failsafe ports under tier `failsafe`.
 *
 * `policyHitCounts` turns the program's per-row HIT counters into PolicyHits with counts (replay
 * `--summary`); trace builds the hits of one flow from its matching rows.
 */

import { NO_STRING, actionOffset, entryStride } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { ACTION_RULE_ID, ACTION_VERDICT } from "../../runtime/bytecode/opcodes.js";
import { ACTION_NAMES, ACT_REDIRECT } from "../lower/actions.js";

/** One rule hit, as Calico reports it. */
export interface PolicyHit {
  /** Position among the hits of one flow (0 first); 0 in counted summaries. */
  readonly matchIndex: number;
  /** Calico tier (without sluice's host stage prefix). */
  readonly tier: string;
  /** Policy kind (GlobalNetworkPolicy, NetworkPolicy, KubernetesNetworkPolicy, Profile, ...). */
  readonly kind: string;
  readonly namespace?: string;
  /** Policy name as written. */
  readonly name: string;
  /** Rule index in its direction's list; -1 for the end of a tier. */
  readonly ruleIndex: number;
  /** allow, deny or pass. */
  readonly action: string;
  /** sluice's host-endpoint stage, when not normal policy: untracked or preDNAT. */
  readonly stage?: string;
  /** The flow-log policy string. */
  readonly flowLog: string;
}

/** The Calico tier and host stage of a source-map tier name (`preDNAT/default` → default, preDNAT). */
export function splitTier(tierName: string): { tier: string; stage?: string } {
  const slash = tierName.indexOf("/");
  return slash < 0
    ? { tier: tierName }
    : { tier: tierName.slice(slash + 1), stage: tierName.slice(0, slash) };
}

/** The flow-log name part of a hit. */
function flowLogName(kind: string, tier: string, namespace: string | undefined, name: string): string {
  const staged = kind.startsWith("Staged") ? "staged:" : "";
  if (kind === "Profile" || tier === "__PROFILE__") {
    return `__PROFILE__.${name}`;
  }
  const knp = kind.endsWith("KubernetesNetworkPolicy") || name.startsWith("knp.default.");
  const knpName = name.startsWith("knp.default.") ? name : `knp.default.${name}`;
  const base = knp ? knpName : `${tier}.${name}`;
  return `${namespace !== undefined ? `${namespace}/` : ""}${staged}${base}`;
}

/** The PolicyHit of rule `ruleId` taking table action `action` (an ACT_* number), from the source map. */
export function policyHitOf(bundle: Bundle, ruleId: number, action: number, matchIndex: number): PolicyHit {
  const r = bundle.sourceMap.find((x) => x.ruleId === ruleId);
  const s = (i: number | undefined): string | undefined =>
    i === undefined || i === NO_STRING ? undefined : bundle.strings[i];
  const { tier, stage } = splitTier(s(r?.tier) ?? "default");
  const kind = s(r?.kind) ?? "";
  const namespace = s(r?.namespace);
  const name = s(r?.name) ?? `rule ${ruleId}`;
  const ruleIndex = r === undefined || r.ruleIndex === 0xffffffff ? -1 : r.ruleIndex;
  // Calico has no redirect; a selection row (ruleIndex -1) is the end of a tier.
  const actionName = action === ACT_REDIRECT ? "allow" : (ACTION_NAMES[action] ?? String(action));
  return {
    matchIndex,
    tier,
    kind,
    ...(namespace !== undefined ? { namespace } : {}),
    name,
    ruleIndex,
    action: actionName,
    ...(stage !== undefined ? { stage } : {}),
    flowLog: `${matchIndex}|${tier}|${flowLogName(kind, tier, namespace, name)}|${actionName}|${ruleIndex}`,
  };
}

/** A PolicyHit with how many packets hit it. */
export interface CountedPolicyHit extends PolicyHit {
  readonly count: number;
}

/**
 * PolicyHits with packet counts, from per-table per-row HIT counters (`hits[table][entry]`), summed per
 * (rule, action), most hit first.
 */
export function policyHitCounts(bundle: Bundle, hits: readonly ArrayLike<number>[]): CountedPolicyHit[] {
  const counts = new Map<string, { rule: number; action: number; count: number }>();
  hits.forEach((h, t) => {
    const table = bundle.tables[t];
    if (table === undefined) {
      return;
    }
    const stride = entryStride(table);
    const act = actionOffset(table);
    for (let e = 0; e < h.length; e++) {
      const n = h[e]!;
      if (n === 0) {
        continue;
      }
      const rule = table.entries[e * stride + act + ACTION_RULE_ID]!;
      const action = table.entries[e * stride + act + ACTION_VERDICT]!;
      const key = `${rule}/${action}`;
      const c = counts.get(key) ?? { rule, action, count: 0 };
      c.count += n;
      counts.set(key, c);
    }
  });
  return [...counts.values()]
    .map((c) => ({ ...policyHitOf(bundle, c.rule, c.action, 0), count: c.count }))
    .sort((a, b) => b.count - a.count || (a.flowLog < b.flowLog ? -1 : a.flowLog > b.flowLog ? 1 : 0));
}
