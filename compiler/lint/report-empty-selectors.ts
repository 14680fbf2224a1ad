/**
 * @fileoverview L0003 empty-selector-matches-all: a subject or peer selector written `{}` (no labels, no
 * expressions) selects everything in its scope — every pod of the namespace, or of the cluster. Often
 * meant, as in a default-deny policy, but often not: an info-level note that says what it matches.
 *
 * "Written empty" is a property of the source, not of the IR (where `{}` and an absent selector are
 * both "all"), so the pass looks at the located YAML node of each selector: Kubernetes `podSelector` /
 * `namespaceSelector` (subject and peers), Cilium `endpointSelector` / `nodeSelector` and
 * `fromEndpoints` / `toEndpoints` items.
 */

import type { Span } from "../diagnostics/source.js";
import type { Origin, RuleEntry } from "../ir/entry.js";
import { matches } from "../ir/selector.js";
import type { Selector } from "../ir/selector.js";
import type { LNode } from "../yaml/located.js";
import type { LintContext } from "./context.js";
import { describeRule, keyOfSpan, lint, policyName } from "./context.js";

/** Code of empty-selector-matches-all. */
export const L_EMPTY_SELECTOR = "L0003";

/** Whether `n` is a label selector with no requirement: `{}`, or empty matchLabels/matchExpressions. */
export function isEmptySelector(n: LNode | undefined): boolean {
  if (n?.kind !== "map") {
    return false;
  }
  return [...n.entries].every(([k, { value }]) => {
    if (k !== "matchLabels" && k !== "matchExpressions") {
      return false;
    }
    return (
      (value.kind === "scalar" && value.value === null) ||
      (value.kind === "map" && value.entries.size === 0) ||
      (value.kind === "seq" && value.items.length === 0)
    );
  });
}

function scope(o: Origin): string {
  return o.namespace !== undefined ? `namespace ${o.namespace}` : "the cluster";
}

/** L0003 over every subject and endpoint peer. */
export function reportEmptySelectors(ctx: LintContext): void {
  const seen = new Set<string>();
  const count = (sel: Selector): number => ctx.model.endpoints.filter((ep) => matches(sel, ep.labels)).length;
  const emit = (span: Span, message: string, note: { message: string; span?: Span }): void => {
    const key = keyOfSpan(span);
    if (seen.has(key)) {
      return;
    }
    seen.add(key);
    ctx.report(
      lint(
        L_EMPTY_SELECTOR,
        "empty-selector-matches-all",
        "note",
        message,
        span,
        "if that is not the intent, add matchLabels; `--warn empty-selector-matches-all=off` silences this",
        [note],
      ),
    );
  };
  for (const e of ctx.entries) {
    if (e.origin.dialect === "calico") {
      continue; // Calico selectors are expressions (`all()`), written out on purpose
    }
    if (e.type === "select" && isEmptySelector(ctx.nodeAt(e.origin.span))) {
      const n = count(e.subject);
      emit(
        e.origin.span,
        `the empty selector {} makes ${policyName(e.origin)} apply to every endpoint in ${scope(e.origin)}`,
        { message: `${n} endpoint(s) of the snapshot are selected` },
      );
    }
    if (e.type === "rule") {
      reportPeers(ctx, e, emit);
    }
  }
}

function reportPeers(
  ctx: LintContext,
  e: RuleEntry,
  emit: (span: Span, message: string, note: { message: string; span?: Span }) => void,
): void {
  const note = { message: `in ${describeRule(e)}`, span: e.origin.span };
  for (const p of e.peers) {
    if (p.kind !== "endpoints" || p.span === undefined) {
      continue;
    }
    const node = ctx.nodeAt(p.span);
    if (e.origin.dialect === "cilium") {
      if (isEmptySelector(node)) {
        emit(p.span, `the empty endpoint selector {} matches every endpoint in ${scope(e.origin)}`, note);
      }
      continue;
    }
    const pod = node?.kind === "map" ? node.entries.get("podSelector")?.value : undefined;
    const ns = node?.kind === "map" ? node.entries.get("namespaceSelector")?.value : undefined;
    if (ns !== undefined && isEmptySelector(ns)) {
      emit(
        ns.span,
        pod === undefined || isEmptySelector(pod)
          ? "the empty namespaceSelector {} matches every pod in every namespace"
          : "the empty namespaceSelector {} matches these pods in every namespace",
        note,
      );
    } else if (ns === undefined && pod !== undefined && isEmptySelector(pod)) {
      emit(pod.span, `the empty podSelector {} matches every pod in ${scope(e.origin)}`, note);
    }
  }
}
