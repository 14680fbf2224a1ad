/**
 * @fileoverview The Calico policy front end: projectcalico.org/v3 Tier, NetworkPolicy,
 * GlobalNetworkPolicy, the three staged kinds, HostEndpoint, and networking.k8s.io NetworkPolicy (as
 * Calico places it) → IR entries in evaluation order (../shared/reference/calico.md §2–§3).
 *
 * `compileCalicoObjects` ranks everything it compiles:
 * - tiers by `order` (absent last), ties by name, built-ins included (tiers.ts); `tier` of an entry is
 *   the tier's 0-based rank, `tierName` its name;
 * - policies within a tier by `order` ascending (absent = +∞), ties by the string
 *   `<name>/<namespace>/<kind>` (Felix's `PolKVLess`); Kubernetes policies sit at order 1000 as
 *   `knp.default.<name>` / `KubernetesNetworkPolicy`; `order` of an entry is the policy's 0-based rank
 *   in its tier;
 * - then, per policy and per direction of its types (ingress first): one SelectEntry whose
 *   `defaultDeny` is "the tier's default action is Deny", then one RuleEntry per rule.
 * Staged policies compile like the others with `origin.staged`; a staged Delete produces nothing.
 *
 * Host endpoints add stages around the tiers, in Felix's order (calico.md §4.1; host.ts): the failsafe
 * ports, then untracked policy, then pre-DNAT policy (each tier again, named `untracked/<tier>`,
 * `preDNAT/<tier>`), then the normal tiers, then the host endpoints' profiles (`__PROFILE__`). The
 * `tier` ranks are stage-major, so every table of a stage runs before the next stage's; the normal
 * tiers keep their rank 0..T-1 and the stages before them get negative ranks.
 *
 * Diagnostic codes (stable; S2xxx schema, S3xxx semantics, W33xx warnings with a lint id). The
 * Kubernetes front end's codes (S2001–S3008) apply to Kubernetes policies.
 *
 * | code  | severity | id                              | meaning                                              |
 * |-------|----------|---------------------------------|------------------------------------------------------|
 * | S2001 | error    |                                 | unknown field                                        |
 * | S2002 | error    |                                 | field of the wrong type                              |
 * | S2003 | error    |                                 | object without metadata.name                         |
 * | S2301 | error    |                                 | invalid policy / tier / host endpoint name           |
 * | S2302 | error    |                                 | GlobalNetworkPolicy-only field in a namespaced policy |
 * | S2303 | error    |                                 | list or string too long (rules 1024, nets 256, ports 50, HTTP 20, selector / path 1024) |
 * | S2304 | error    |                                 | value outside its enumeration (action, types, stagedAction, defaultAction, ipVersion, hints) |
 * | S2305 | error    |                                 | required field missing (rule action, service name)  |
 * | S2306 | error    |                                 | duplicate list entry (types, HTTP methods, hints)    |
 * | S3301 | error    |                                 | selector syntax error (span inside the string)       |
 * | S3302 | error    |                                 | global() outside an EntityRule namespaceSelector, or not alone |
 * | S3303 | error    |                                 | policy names a tier that does not exist              |
 * | S3304 | error    |                                 | built-in tier declared with another order / action   |
 * | S3305 | error    |                                 | bad protocol / notProtocol                           |
 * | S3306 | error    |                                 | bad port, range min > max, bad port name             |
 * | S3307 | error    |                                 | ports without protocol TCP, UDP or SCTP              |
 * | S3308 | error    |                                 | bad ICMP (code without type, range, protocol, ipVersion) |
 * | S3309 | error    |                                 | bad CIDR, IPv4/IPv6 mix, ipVersion mismatch, /0 in notNets |
 * | S3310 | error    |                                 | services misuse (exclusive fields, side, ports, namespace) |
 * | S3311 | error    |                                 | http misuse (action, egress, protocol, paths)        |
 * | S3312 | error    |                                 | doNotTrack / preDNAT / applyOnForward combination    |
 * | S3313 | error    |                                 | stagedAction Delete with spec fields set             |
 * | S3314 | error    |                                 | invalid HostEndpoint                                 |
 * | S3315 | error    |                                 | object declared twice                                |
 * | W3301 | warning  | calico-sa-labels-not-modelled   | selector reads service-account labels (treated as absent) |
 * | W3302 | warning  | host-endpoint-profile-not-modelled | a HostEndpoint profile other than projectcalico-default-allow (allows nothing) |
 * | W3303 | warning  | host-policy-approximated        | doNotTrack / preDNAT / applyOnForward: what is not enforced (stateless replies, DNAT, forwarded traffic) |
 * | W3304 | warning  | calico-unknown-service          | services names no Service of the inputs              |
 * | W3305 | warning  | calico-service-without-selector | services names a Service without a selector          |
 * | W3306 | warning  | calico-source-ports-not-modelled | source ports not enforced (rule matches any)        |
 * | W3307 | warning  | calico-subject-nets-not-modelled | nets on the policy's own endpoint not enforced      |
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { KubeObject } from "../../../input/read-objects.js";
import type { PolicyEntry } from "../../../ir/entry.js";
import { S_DUPLICATE_OBJECT, S_UNKNOWN_TIER } from "./context.js";
import { checkHostEndpoint } from "./host.js";
import { FAILSAFE_TIER, PROFILE_TIER, hostEndpointEntries } from "./host-entries.js";
import { compileKubernetesPolicy, isKubernetesNetworkPolicy } from "./kubernetes.js";
import { compileCalicoPolicy, isCalicoPolicyKind } from "./policy.js";
import type { CompiledPolicy } from "./policy.js";
import { collectTiers } from "./tiers.js";
import type { TierInfo } from "./tiers.js";

export { collectTiers, tierLess, BUILTIN_TIERS, DEFAULT_TIER } from "./tiers.js";
export type { TierInfo, TierAction } from "./tiers.js";
export { rewriteOrchestrator, lowerSelector } from "./selectors.js";
export { KNP_ORDER } from "./kubernetes.js";
export { FAILSAFE_TIER, PROFILE_TIER } from "./host-entries.js";

/** The tier name a policy of `stage` is reported under: `untracked/<tier>`, `preDNAT/<tier>`, or the tier. */
export function stagedTierName(tier: string, stage: string | undefined): string {
  return stage === undefined ? tier : `${stage}/${tier}`;
}

/** The Calico tier of a reported tier name (without the host stage prefix). */
export function calicoTierName(tierName: string): string {
  const slash = tierName.indexOf("/");
  return slash < 0 ? tierName : tierName.slice(slash + 1);
}

function isCalico(o: KubeObject): boolean {
  return o.apiVersion === undefined || o.apiVersion.startsWith("projectcalico.org/");
}

/** Felix's `PolKVLess`: order ascending (absent = +∞), ties by `name/namespace/kind`. */
export function policyLess(a: CompiledPolicy, b: CompiledPolicy): number {
  const oa = a.order ?? Infinity;
  const ob = b.order ?? Infinity;
  if (oa !== ob) {
    return oa < ob ? -1 : 1;
  }
  const ka = `${a.name}/${a.namespace}/${a.kind}`;
  const kb = `${b.name}/${b.namespace}/${b.kind}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Compile one object if it is a policy kind of this front end. */
function compileObject(
  o: KubeObject,
  objects: readonly KubeObject[],
  diags: Diagnostics,
): CompiledPolicy | undefined {
  if (isKubernetesNetworkPolicy(o)) {
    return compileKubernetesPolicy(o, diags);
  }
  if (!isCalico(o)) {
    return undefined;
  }
  if (o.kind === "StagedKubernetesNetworkPolicy") {
    return compileKubernetesPolicy(o, diags);
  }
  return isCalicoPolicyKind(o.kind) ? compileCalicoPolicy(o, diags, objects) : undefined;
}

/** Policies grouped by tier (known tiers only; unknown ones reported), duplicates reported. */
function groupByTier(
  compiled: readonly CompiledPolicy[],
  tiers: readonly TierInfo[],
  diags: Diagnostics,
): Map<string, CompiledPolicy[]> {
  const byTier = new Map<string, CompiledPolicy[]>(tiers.map((t) => [t.name, []]));
  const seen = new Map<string, CompiledPolicy>();
  for (const p of compiled) {
    const key = `${p.kind}/${p.namespace}/${p.name}`;
    const prev = seen.get(key);
    if (prev !== undefined) {
      diags.error(
        S_DUPLICATE_OBJECT,
        `${p.kind} '${p.name}' is declared twice`,
        p.span,
        "remove one of them",
        [{ message: "first declared here", span: prev.span }],
      );
      continue;
    }
    seen.set(key, p);
    const list = byTier.get(p.tierName);
    if (list === undefined) {
      diags.error(
        S_UNKNOWN_TIER,
        `tier '${p.tierName}' does not exist`,
        p.tierSpan,
        `declare it (kind: Tier, metadata.name: ${p.tierName}), or use one of: ${tiers.map((t) => t.name).join(", ")}`,
      );
      continue;
    }
    list.push(p);
  }
  return byTier;
}

/**
 * Compile the Calico view of `objects` (Tiers, Calico policies, staged policies, HostEndpoints,
 * Kubernetes NetworkPolicies) into `out`, in evaluation order. Other kinds are ignored.
 */
export function compileCalicoObjects(
  objects: readonly KubeObject[],
  diags: Diagnostics,
  out: PolicyEntry[],
): void {
  const tiers = collectTiers(objects, diags);
  const compiled: CompiledPolicy[] = [];
  const heps: KubeObject[] = [];
  for (const o of objects) {
    if (o.kind === "HostEndpoint" && isCalico(o)) {
      checkHostEndpoint(o, diags);
      heps.push(o);
      continue;
    }
    const p = compileObject(o, objects, diags);
    if (p !== undefined) {
      compiled.push(p);
    }
  }
  const byTier = groupByTier(compiled, tiers, diags);
  const host = hostEndpointEntries(heps);
  // Stage-major ranks with the normal tiers at 0..T-1 (their rank, as without host endpoints):
  // failsafe -2T-1, untracked tier k at -2T+k, pre-DNAT tier k at -T+k, the profiles at T.
  const count = tiers.length;
  out.push(...host.failsafe.map((e) => ({ ...e, tier: -2 * count - 1, tierName: FAILSAFE_TIER })));
  const stages = ["untracked", "preDNAT", undefined] as const;
  stages.forEach((stage, stageRank) => {
    tiers.forEach((tier, tierRank) => {
      const policies = byTier
        .get(tier.name)!
        .filter((p) => p.stage === stage)
        .sort(policyLess);
      policies.forEach((p, order) => {
        for (const e of p.entries) {
          const place = {
            tier: (stageRank - 2) * count + tierRank,
            tierName: stagedTierName(tier.name, stage),
            order,
          };
          out.push(
            e.type === "select"
              ? { ...e, ...place, defaultDeny: tier.defaultAction === "Deny" }
              : { ...e, ...place },
          );
        }
      });
    });
  });
  out.push(...host.profiles.map((e) => ({ ...e, tier: count, tierName: PROFILE_TIER })));
}
