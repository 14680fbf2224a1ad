/**
 * @fileoverview L7 merging: the allow rows of one subject group whose rules carry L7 become redirect
 * rows naming a merged L7 rule set (Cilium model; cilium.md §2.3, `pkg/policy/rule.go`
 * `mergePortProto`, `pkg/policy/l4.go` `ensureWildcard`).
 *
 * Rows merge per (peer identity, L4 key) — the key of Cilium's policy map entry. What every allow row
 * on that key contributes (and, for an identity's key, what the wildcard-peer row on the same L4 key
 * contributes, since it covers the identity too):
 *   - same-type L7 lists concatenate (a request is allowed when any rule matches);
 *   - an L4-only allow makes the set a wildcard: an explicit allow-all rule is added, so the other
 *     rules' L7 limits have no effect, but the connection is still redirected;
 *   - a rule set with `implicitWildcard` (its direction is not default-deny) adds an allow-all rule;
 *   - different L7 parsers (http vs kafka, ...) on one key are an error, S3501 "cannot merge
 *     conflicting L7 parsers"; the first parser's rules are kept.
 * Identical merged sets share one index. Rows of different L4 keys are not merged: where an L3-only
 * allow and an L7 rule both match a packet, the redirect decides (rows of a group are emitted with
 * identity rows before wildcard-peer rows of the same priority; the table breaks ties by order).
 */

import type { BundleBuilder } from "../bundle/bundle-builder.js";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/source.js";
import type { RuleEntry } from "../ir/entry.js";
import type { L7Rules } from "../ir/l7.js";
import { SEC_L7_RULES } from "../../runtime/bytecode/bundle.js";
import { NO_INDEX, RULE_FROM_L4, RULE_IMPLICIT, RULE_WILDCARD } from "../../runtime/l7/rule-set.js";
import type { L7RuleOrigin, L7RuleSet } from "../../runtime/l7/rule-set.js";
import { ACT_ALLOW, ACT_REDIRECT, NO_L7_SET } from "./actions.js";
import { encodeL7RuleSets } from "./l7-encode.js";
import type { L4Key } from "./port-keys.js";

/** Diagnostic: two L7 parsers on the same peer and port. */
export const S_L7_CONFLICT = "S3501";

/** One policy row before it is written. */
export interface PolicyRow {
  readonly priority: number;
  readonly peer: number | "any";
  readonly key: L4Key;
  readonly verdict: number;
  readonly ruleId: number;
  readonly reason: number;
  /** The IR rule the row came from. */
  readonly entry: RuleEntry;
}

/** A row as written: with its L7 rule set (NO_L7_SET unless the verdict is ACT_REDIRECT). */
export interface MergedRow extends PolicyRow {
  readonly l7Set: number;
}

/** What one rule contributes to a merged key. */
interface Contribution {
  readonly ruleId: number;
  readonly entry: RuleEntry;
}

/** The rule sets of one bundle, deduplicated, in index order. */
export class L7SetTable {
  /** Sets by index. */
  readonly sets: L7RuleSet[] = [];
  private readonly byKey = new Map<string, number>();

  /** Index of the set merged from `contribs` (sorted by rule id), adding it if new. */
  intern(contribs: readonly Contribution[], diags?: Diagnostics): number {
    const key = contribs.map((c) => `${c.ruleId}${c.entry.l7 === undefined ? "w" : ""}`).join(",");
    let i = this.byKey.get(key);
    if (i === undefined) {
      i = this.sets.length;
      this.sets.push(mergeSet(contribs, diags));
      this.byKey.set(key, i);
    }
    return i;
  }
}

const tables = new WeakMap<BundleBuilder, L7SetTable>();

/** The L7 set table of the bundle `b` builds (one per builder, shared by both directions). */
export function l7SetsOf(b: BundleBuilder): L7SetTable {
  let t = tables.get(b);
  if (t === undefined) {
    t = new L7SetTable();
    tables.set(b, t);
  }
  return t;
}

/** (Re)write the L7_RULES section of `b` from its set table; nothing when there are no sets. */
export function writeL7Section(b: BundleBuilder): void {
  const t = tables.get(b);
  if (t !== undefined && t.sets.length > 0) {
    b.rawSection(SEC_L7_RULES, encodeL7RuleSets(t.sets));
  }
}

function where(span: Span | undefined): { line: number; column: number } {
  return span === undefined ? { line: 0, column: 0 } : span.file.lineCol(span.start);
}

function parserName(l7: L7Rules): string {
  return l7.kind === "generic" ? `l7proto '${l7.proto}'` : l7.kind;
}

function sameParser(a: L7Rules, b: L7Rules): boolean {
  return a.kind === b.kind && (a.kind !== "generic" || (b.kind === "generic" && a.proto === b.proto));
}

/** The rules one IR rule set puts into a merged set of the same kind. */
function writtenRules(ruleId: number, l7: L7Rules): L7RuleSet["rules"] {
  const at = (index: number, span: Span | undefined): L7RuleOrigin => ({
    ruleId,
    index,
    ...where(span),
    flags: 0,
  });
  switch (l7.kind) {
    case "http":
      return l7.rules.map((r, i) => ({
        ...at(i, r.span),
        ...(r.method !== undefined ? { method: r.method } : {}),
        ...(r.path !== undefined ? { path: r.path } : {}),
        ...(r.host !== undefined ? { host: r.host } : {}),
        headers: r.headers.map((h) => ({
          name: h.name,
          ...(h.value !== undefined ? { value: h.value } : {}),
          ...(h.secret?.namespace !== undefined ? { secretNamespace: h.secret.namespace } : {}),
          ...(h.secret !== undefined ? { secretName: h.secret.name } : {}),
          ...(h.mismatch !== undefined ? { mismatch: h.mismatch } : {}),
        })),
      }));
    case "kafka":
      return l7.rules.map((r, i) => ({
        ...at(i, r.span),
        ...(r.role !== undefined ? { role: r.role } : {}),
        ...(r.apiVersion !== undefined ? { apiVersion: r.apiVersion } : {}),
        ...(r.clientId !== undefined ? { clientId: r.clientId } : {}),
        ...(r.topic !== undefined ? { topic: r.topic } : {}),
        apiKeys: [...r.apiKeys],
      }));
    case "dns":
      return l7.rules.map((r, i) => ({
        ...at(i, r.span),
        ...(r.matchName !== undefined ? { matchName: r.matchName } : {}),
        ...(r.matchPattern !== undefined ? { matchPattern: r.matchPattern } : {}),
        regex: r.regex,
      }));
    case "generic":
      return l7.rules.map((r, i) => ({ ...at(i, undefined), pairs: Object.entries(r) }));
  }
}

/** An allow-all rule of `kind` attributed to `ruleId`. */
function wildcardRule(kind: L7RuleSet["kind"], origin: L7RuleOrigin): L7RuleSet["rules"][number] {
  switch (kind) {
    case "http":
      return { ...origin, headers: [] };
    case "kafka":
      return { ...origin, apiKeys: [] };
    case "dns":
      return { ...origin, regex: "" };
    case "generic":
      return { ...origin, pairs: [] };
  }
}

/** Merge the contributions of one key (at least one carries L7) into one set. */
function mergeSet(contribs: readonly Contribution[], diags?: Diagnostics): L7RuleSet {
  const first = contribs.find((c) => c.entry.l7 !== undefined)!;
  const base = first.entry.l7!;
  const written: L7RuleSet["rules"][number][] = [];
  const wildcards: L7RuleSet["rules"][number][] = [];
  const wildcard = (c: Contribution, flags: number): void => {
    const span = c.entry.l7?.span ?? c.entry.origin.span;
    wildcards.push(
      wildcardRule(base.kind, {
        ruleId: c.ruleId,
        index: NO_INDEX,
        ...where(span),
        flags: RULE_WILDCARD | flags,
      }),
    );
  };
  for (const c of contribs) {
    const l7 = c.entry.l7;
    if (l7 === undefined) {
      wildcard(c, RULE_FROM_L4);
      continue;
    }
    if (!sameParser(base, l7)) {
      diags?.error(
        S_L7_CONFLICT,
        `cannot merge conflicting L7 parsers: ${parserName(l7)} rules and ${parserName(base)} rules on the same peer and port`,
        l7.span ?? c.entry.origin.span,
        "use one L7 protocol per peer and port, or split the rules by port",
        [{ message: `the ${parserName(base)} rules are here`, span: base.span ?? first.entry.origin.span }],
      );
      continue;
    }
    written.push(...writtenRules(c.ruleId, l7));
    if (l7.implicitWildcard) {
      wildcard(c, RULE_IMPLICIT);
    }
  }
  const rules = [...written, ...wildcards];
  switch (base.kind) {
    case "generic":
      return { kind: "generic", parser: base.proto, rules } as L7RuleSet;
    default:
      return { kind: base.kind, rules } as L7RuleSet;
  }
}

function l4Text(k: L4Key): string {
  return [
    k.proto,
    k.protoMask,
    k.portLo,
    k.portHi,
    k.icmpType,
    k.icmpTypeMask,
    k.icmpCode,
    k.icmpCodeMask,
  ].join(",");
}

/**
 * Merge the L7 rules of one subject group's rows (Cilium model). Returns every row, allow rows that
 * carry L7 after merging turned into redirects, in emission order.
 */
export function mergeL7Rows(rows: readonly PolicyRow[], sets: L7SetTable, diags?: Diagnostics): MergedRow[] {
  if (!rows.some((r) => r.verdict === ACT_ALLOW && r.entry.l7 !== undefined)) {
    return rows.map((r) => ({ ...r, l7Set: NO_L7_SET }));
  }
  const byKey = new Map<string, Contribution[]>();
  for (const r of rows) {
    if (r.verdict !== ACT_ALLOW) {
      continue;
    }
    const k = `${r.peer}|${l4Text(r.key)}`;
    const list = byKey.get(k) ?? [];
    if (!list.some((c) => c.ruleId === r.ruleId)) {
      list.push({ ruleId: r.ruleId, entry: r.entry });
    }
    byKey.set(k, list);
  }
  const merged = rows.map((r): MergedRow => {
    if (r.verdict !== ACT_ALLOW) {
      return { ...r, l7Set: NO_L7_SET };
    }
    const l4 = l4Text(r.key);
    const own = byKey.get(`${r.peer}|${l4}`) ?? [];
    const wide = r.peer === "any" ? [] : (byKey.get(`any|${l4}`) ?? []);
    const all = [...own, ...wide.filter((c) => !own.some((o) => o.ruleId === c.ruleId))].sort(
      (a, b) => a.ruleId - b.ruleId,
    );
    if (!all.some((c) => c.entry.l7 !== undefined)) {
      return { ...r, l7Set: NO_L7_SET };
    }
    return { ...r, verdict: ACT_REDIRECT, l7Set: sets.intern(all, diags) };
  });
  // Stable: identity rows before wildcard-peer rows of the same priority (ties go to the lower index).
  return merged
    .map((r, i) => ({ r, i }))
    .sort((a, b) => a.r.priority - b.r.priority || +(a.r.peer === "any") - +(b.r.peer === "any") || a.i - b.i)
    .map(({ r }) => r);
}
