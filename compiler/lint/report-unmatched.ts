/**
 * @fileoverview L0001 policy-selects-nothing and L0002 selector-matches-nothing: selectors resolved
 * against the cluster snapshot.
 *
 * A policy's subject is matched against the endpoints' full label views (as subject groups are formed);
 * a peer selector against the identities (pods, reserved, CIDR), as peers are resolved. Both passes are
 * skipped when the snapshot has no pods: without one, every selector would match nothing.
 */

import type { Peer, PolicyEntry, RuleEntry } from "../ir/entry.js";
import { matches, selectorToString } from "../ir/selector.js";
import type { Selector } from "../ir/selector.js";
import type { LintContext } from "./context.js";
import { describeRule, keyOfSpan, lint, policyKey, policyName } from "./context.js";

/** Code of policy-selects-nothing. */
export const L_POLICY_SELECTS_NOTHING = "L0001";
/** Code of selector-matches-nothing. */
export const L_SELECTOR_MATCHES_NOTHING = "L0002";

/** L0001: policies (each subject of a multi-rule policy) whose subject matches no endpoint. */
export function reportPolicySelectsNothing(ctx: LintContext): void {
  if (ctx.cluster.pods.length === 0) {
    return;
  }
  const seen = new Set<string>();
  const bySubject = new Map<Selector, PolicyEntry[]>();
  for (const e of ctx.entries) {
    const list = bySubject.get(e.subject) ?? [];
    list.push(e);
    bySubject.set(e.subject, list);
  }
  for (const [subject, list] of bySubject) {
    if (ctx.model.endpoints.some((ep) => matches(subject, ep.labels))) {
      continue;
    }
    const first = list[0]!;
    const select = list.find((e) => e.type === "select");
    const span = select?.origin.span ?? first.origin.policySpan;
    const key = `${policyKey(first.origin)}|${keyOfSpan(span)}`;
    if (seen.has(key)) {
      continue;
    }
    seen.add(key);
    ctx.report(
      lint(
        L_POLICY_SELECTS_NOTHING,
        "policy-selects-nothing",
        "warning",
        `${policyName(first.origin)} selects no endpoint in the cluster snapshot`,
        span,
        "check the selector's labels and namespace against the pods in the snapshot",
        [
          { message: `its subject: ${selectorToString(subject)}` },
          { message: "the policy", span: first.origin.policySpan },
        ],
      ),
    );
  }
}

/** L0002: endpoint peers whose selector matches no identity. */
export function reportSelectorMatchesNothing(ctx: LintContext): void {
  if (ctx.cluster.pods.length === 0) {
    return;
  }
  const seen = new Set<Peer>();
  for (const e of ctx.entries) {
    if (e.type !== "rule") {
      continue;
    }
    for (const p of e.peers) {
      if (p.kind !== "endpoints" || seen.has(p)) {
        continue;
      }
      seen.add(p);
      if (ctx.model.selectorIdentities(p.selector).length > 0) {
        continue;
      }
      ctx.report(
        lint(
          L_SELECTOR_MATCHES_NOTHING,
          "selector-matches-nothing",
          "warning",
          `this peer selector matches no endpoint or reserved identity: ${describeRule(e)} allows nothing through it`,
          p.span ?? e.origin.span,
          "check its labels (and namespace) against the snapshot; a typo here silently narrows the policy",
          [{ message: `selector: ${selectorToString(p.selector)}` }, ruleNote(e)],
        ),
      );
    }
  }
}

function ruleNote(e: RuleEntry): { message: string; span: RuleEntry["origin"]["span"] } {
  return { message: `in ${describeRule(e)}`, span: e.origin.span };
}
