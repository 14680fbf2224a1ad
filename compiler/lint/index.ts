/**
 * @fileoverview Lints: warnings about policies that compile but probably do not mean what they say,
 * run by `sluice check` after a successful compile. Each has a stable code and a kebab-case id that
 * `--warn id=level` re-levels (error, warning, note, off), as esbuild's message ids.
 *
 * | code  | id                          | default | finding                                                    |
 * |-------|-----------------------------|---------|------------------------------------------------------------|
 * | L0001 | policy-selects-nothing      | warning | a policy's subject matches no endpoint of the snapshot     |
 * | L0002 | selector-matches-nothing    | warning | a peer selector matches no identity (pod or reserved)      |
 * | L0003 | empty-selector-matches-all  | note    | a subject or peer selector written `{}` selects its scope  |
 * | L0004 | shadowed-rule               | warning | a rule other rules cover entirely: it never decides        |
 * | L0005 | allow-overridden-by-deny    | warning | a Cilium allow whose whole space deny rules deny           |
 *
 * L0001 and L0002 need a snapshot with pods and are skipped without one. Codes are never reused.
 * Passes (one concern each): report-unmatched.ts (L0001, L0002), report-empty-selectors.ts (L0003),
 * report-shadowed.ts (L0004, L0005) on the rule spaces of space.ts.
 */

import type { CompileResult } from "../compile.js";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { lintContext } from "./context.js";
import { reportEmptySelectors } from "./report-empty-selectors.js";
import { reportShadowedRules } from "./report-shadowed.js";
import { reportPolicySelectsNothing, reportSelectorMatchesNothing } from "./report-unmatched.js";

export { L_EMPTY_SELECTOR } from "./report-empty-selectors.js";
export { L_ALLOW_OVERRIDDEN, L_SHADOWED_RULE } from "./report-shadowed.js";
export { L_POLICY_SELECTS_NOTHING, L_SELECTOR_MATCHES_NOTHING } from "./report-unmatched.js";

/** Every lint id, for `--warn` help and validation. */
export const LINT_IDS: readonly string[] = [
  "policy-selects-nothing",
  "selector-matches-nothing",
  "empty-selector-matches-all",
  "shadowed-rule",
  "allow-overridden-by-deny",
];

/** Lint a compile result; nothing when the compile failed before producing a bundle. */
export function lintCompile(result: CompileResult): Diagnostic[] {
  const out: Diagnostic[] = [];
  const ctx = lintContext(result, out);
  if (ctx === undefined) {
    return out;
  }
  reportPolicySelectsNothing(ctx);
  reportSelectorMatchesNothing(ctx);
  reportEmptySelectors(ctx);
  reportShadowedRules(ctx);
  return out;
}
