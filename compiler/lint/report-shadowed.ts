/**
 * @fileoverview L0004 shadowed-rule and L0005 allow-overridden-by-deny, computed on the lowering model:
 * for each subject group, a rule is a set of (peer identity × L4 box) points (space.ts), and a rule that
 * other rules cover entirely can never decide a packet.
 *
 * What "cover" means follows each dialect's precedence (lower/policy-tables.ts):
 * - kubernetes: allows are a union, so a rule is redundant when the other allow rules for the same
 *   subjects (any policy) cover it. Redundancy is mutual for duplicates, so rules are tested last to
 *   first and a rule found redundant no longer covers others: removing every reported rule keeps the
 *   union, and of two duplicates the later one is reported.
 * - cilium: deny beats allow in any order. An allow covered by deny rules alone is L0005; otherwise an
 *   allow covered by other allows plus denies, or a deny covered by other denies, is redundant as above.
 *   Rules with L7 rules are never redundant (an L4-only allow of the same port widens them, and they
 *   narrow nothing), nor used to cover.
 * - calico: first match in (tier, order, rule index); a rule is shadowed when earlier allow, deny or
 *   pass rules of its tier, and earlier tiers' allow and deny rules, cover it. Log rules never decide;
 *   rules with L7 matches cover nothing (they match only some requests).
 * A rule must be covered in every group it applies to, and have a point in at least one. Entries that
 * come from one YAML rule (a Cilium rule split by its L7 port groups) are reported once, when all are.
 */

import type { DiagnosticNote } from "../diagnostics/diagnostic.js";
import type { Direction, RuleEntry } from "../ir/entry.js";
import { groupSubjects } from "../lower/groups.js";
import type { SubjectGroup } from "../lower/groups.js";
import type { LintContext } from "./context.js";
import { describeRule, keyOfSpan, lint } from "./context.js";
import { coverage, ruleSpace } from "./space.js";
import type { RuleSpace } from "./space.js";

/** Code of shadowed-rule. */
export const L_SHADOWED_RULE = "L0004";
/** Code of allow-overridden-by-deny. */
export const L_ALLOW_OVERRIDDEN = "L0005";

/** Most notes listed per finding. */
const MAX_NOTES = 3;

/** One rule in one direction, with its spaces per group. */
interface Candidate {
  readonly entry: RuleEntry;
  readonly index: number;
  readonly spaces: Map<SubjectGroup, RuleSpace>;
}

/** The verdict of a test: undefined = not covered somewhere (or empty everywhere). */
type Covered = readonly Candidate[] | undefined;

/** Calico precedence key, as calicoPriority orders rows (then IR order). */
function calicoRank(c: Candidate): [number, number, number] {
  const e = c.entry;
  return [e.tier, e.order * 4096 + Math.min(e.origin.ruleIndex, 4095), c.index];
}

function before(a: Candidate, b: Candidate): boolean {
  const x = calicoRank(a);
  const y = calicoRank(b);
  for (let i = 0; i < x.length; i++) {
    if (x[i] !== y[i]) {
      return x[i]! < y[i]!;
    }
  }
  return false;
}

/** Whether `c` lies within the union of `covers(g)` in every group where it applies. */
function coveredBy(c: Candidate, covers: (g: SubjectGroup) => readonly Candidate[]): Covered {
  let nonEmpty = false;
  const used = new Set<Candidate>();
  for (const [g, space] of c.spaces) {
    const list = covers(g).filter((x) => x.spaces.has(g));
    const r = coverage(
      space,
      list.map((x) => x.spaces.get(g)!),
    );
    if (!r.covered) {
      return undefined;
    }
    nonEmpty ||= r.nonEmpty;
    r.contributors.forEach((i) => used.add(list[i]!));
  }
  return nonEmpty ? [...used].sort((a, b) => a.index - b.index) : undefined;
}

/** Candidates of one direction: every non-log rule with its spaces in the groups it applies to. */
function candidates(ctx: LintContext, direction: Direction): Candidate[] {
  const groups = groupSubjects(ctx.model.endpoints, ctx.entries, direction).groups;
  const out: Candidate[] = [];
  ctx.entries.forEach((e, i) => {
    if (e.type !== "rule" || e.direction !== direction || e.verdict === "log") {
      return;
    }
    const spaces = new Map<SubjectGroup, RuleSpace>();
    for (const g of groups) {
      if (g.entries.includes(i)) {
        spaces.set(g, ruleSpace(ctx.model, e, g, direction));
      }
    }
    out.push({ entry: e, index: ctx.indexOf.get(e) ?? i, spaces });
  });
  return out;
}

/** Report spans whose every entry was found covered. */
function reportBySpan(
  all: readonly Candidate[],
  found: ReadonlyMap<Candidate, readonly Candidate[]>,
  make: (c: Candidate, by: readonly Candidate[]) => void,
): void {
  const bySpan = new Map<string, Candidate[]>();
  for (const c of all) {
    const k = keyOfSpan(c.entry.origin.span);
    bySpan.set(k, [...(bySpan.get(k) ?? []), c]);
  }
  for (const list of bySpan.values()) {
    if (list.every((c) => found.has(c))) {
      const by = [...new Set(list.flatMap((c) => found.get(c)!))].sort((a, b) => a.index - b.index);
      make(list[0]!, by);
    }
  }
}

function notes(by: readonly Candidate[], what: string): DiagnosticNote[] {
  const out: DiagnosticNote[] = by
    .slice(0, MAX_NOTES)
    .map((b) => ({ message: `${what} ${describeRule(b.entry)}`, span: b.entry.origin.span }));
  if (by.length > MAX_NOTES) {
    out.push({ message: `and ${by.length - MAX_NOTES} more rule(s)` });
  }
  return out;
}

/** Union semantics (kubernetes, cilium): redundant rules, last to first. */
function unionPass(
  ctx: LintContext,
  all: readonly Candidate[],
  excluded: Set<Candidate>,
): Map<Candidate, Candidate[]> {
  const found = new Map<Candidate, Candidate[]>();
  const cilium = ctx.evalModel === "cilium";
  for (const c of [...all].reverse()) {
    if (
      excluded.has(c) ||
      c.entry.l7 !== undefined ||
      (c.entry.verdict !== "allow" && c.entry.verdict !== "deny")
    ) {
      continue;
    }
    const by = coveredBy(c, () =>
      all.filter(
        (x) =>
          x !== c &&
          !excluded.has(x) &&
          !found.has(x) &&
          x.entry.tier === c.entry.tier &&
          x.entry.l7 === undefined &&
          (x.entry.verdict === c.entry.verdict || (cilium && x.entry.verdict === "deny")),
      ),
    );
    if (by !== undefined) {
      found.set(c, [...by]);
    }
  }
  return found;
}

/** First-match semantics (calico): rules covered by what precedes them. */
function firstMatchPass(all: readonly Candidate[]): Map<Candidate, Candidate[]> {
  const found = new Map<Candidate, Candidate[]>();
  for (const c of all) {
    const by = coveredBy(c, () =>
      all.filter(
        (x) =>
          x !== c &&
          before(x, c) &&
          x.entry.l7 === undefined &&
          (x.entry.verdict === "allow" ||
            x.entry.verdict === "deny" ||
            (x.entry.verdict === "pass" && x.entry.tier === c.entry.tier)),
      ),
    );
    if (by !== undefined) {
      found.set(c, [...by]);
    }
  }
  return found;
}

/** L0004 and L0005 for both directions. */
export function reportShadowedRules(ctx: LintContext): void {
  for (const direction of ["ingress", "egress"] as const) {
    const all = candidates(ctx, direction);
    const overridden = new Map<Candidate, Candidate[]>();
    if (ctx.evalModel === "cilium") {
      for (const c of all) {
        if (c.entry.verdict !== "allow") {
          continue;
        }
        const by = coveredBy(c, () =>
          all.filter((x) => x.entry.verdict === "deny" && x.entry.tier === c.entry.tier),
        );
        if (by !== undefined) {
          overridden.set(c, [...by]);
        }
      }
      reportBySpan(all, overridden, (c, by) => {
        ctx.report(
          lint(
            L_ALLOW_OVERRIDDEN,
            "allow-overridden-by-deny",
            "warning",
            `${describeRule(c.entry)} allows nothing: deny rules for the same endpoints deny everything it allows`,
            c.entry.origin.span,
            "in Cilium a deny wins over an allow whatever their order; narrow the deny or remove this rule",
            notes(by, "denied by"),
          ),
        );
      });
    }
    const shadowed =
      ctx.evalModel === "calico" ? firstMatchPass(all) : unionPass(ctx, all, new Set(overridden.keys()));
    reportBySpan(all, shadowed, (c, by) => {
      const calico = ctx.evalModel === "calico";
      ctx.report(
        lint(
          L_SHADOWED_RULE,
          "shadowed-rule",
          "warning",
          calico
            ? `${describeRule(c.entry)} is shadowed: earlier rules match everything it matches, so it never decides`
            : `${describeRule(c.entry)} is redundant: other rules for the same endpoints already cover every peer and port it matches`,
          c.entry.origin.span,
          calico
            ? "move it before the rules that shadow it, or remove it"
            : "remove it, or narrow the rules that cover it if it was meant to add something",
          notes(by, calico ? "shadowed by" : "covered by"),
        ),
      );
    });
  }
}
