/**
 * @fileoverview Calico tiers: read `Tier` objects, add the built-in tiers, and rank them in evaluation
 * order (calico.md §3.4; `felix/calc/policy_sorter.go` `TierLess`, `api/.../v3/tier.go`).
 *
 * Order: tiers with an `order` first, ascending; ties and tiers without `order` by name. Built-in tiers
 * exist whether declared or not: `kube-admin` (order 1000, default action Pass), `default` (1 000 000,
 * Deny), `kube-baseline` (10 000 000, Pass); declaring one with another order or action is an error.
 * A tier's `defaultAction` is Deny unless it is Pass.
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import type { KubeObject } from "../../../input/read-objects.js";
import {
  S_BAD_ENUM,
  S_BAD_NAME,
  S_BUILTIN_TIER,
  S_DUPLICATE_OBJECT,
  S_MISSING_NAME,
  S_WRONG_TYPE,
  checkFields,
  field,
  mapField,
  nameSpan,
  numberField,
} from "./context.js";

/** A tier's end-of-tier action. */
export type TierAction = "Deny" | "Pass";

/** One tier of the compile. */
export interface TierInfo {
  readonly name: string;
  /** Absent = after every tier with an order. */
  readonly order?: number;
  readonly defaultAction: TierAction;
  /** The Tier object, when declared. */
  readonly span?: Span;
}

/** The tier policies go to when they name none. */
export const DEFAULT_TIER = "default";

/** Tiers Calico always has (`tier.go`, calico.md §3.4). */
export const BUILTIN_TIERS: readonly TierInfo[] = [
  { name: "kube-admin", order: 1_000, defaultAction: "Pass" },
  { name: DEFAULT_TIER, order: 1_000_000, defaultAction: "Deny" },
  { name: "kube-baseline", order: 10_000_000, defaultAction: "Pass" },
];

/** Tier names: one DNS label (`tierNameRegex`), at most 63 characters. */
const TIER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Whether `o` is a projectcalico.org Tier. */
export function isTier(o: KubeObject): boolean {
  return o.kind === "Tier" && o.apiVersion?.startsWith("projectcalico.org/") !== false;
}

function readTier(o: KubeObject, diags: Diagnostics): TierInfo | undefined {
  if (o.name === undefined) {
    diags.error(S_MISSING_NAME, "Tier without metadata.name", o.node.span, "add metadata.name");
    return undefined;
  }
  if (!TIER_NAME.test(o.name) || o.name.length > 63) {
    diags.error(
      S_BAD_NAME,
      `invalid Tier name '${o.name}'`,
      nameSpan(o.node),
      "tier names are at most 63 lower-case letters, digits and '-' (no dots)",
    );
  }
  const specNode = field(o.node, "spec");
  const spec = specNode === undefined ? undefined : mapField(o.node, "spec", diags);
  if (spec !== undefined) {
    checkFields(spec, ["order", "defaultAction"], "Tier spec", diags);
  }
  const order = spec === undefined ? undefined : numberField(spec, "order", diags);
  let defaultAction: TierAction = "Deny";
  const action = spec === undefined ? undefined : field(spec, "defaultAction");
  if (action !== undefined) {
    const v = action.kind === "scalar" ? action.value : undefined;
    if (v === "Pass" || v === "Deny") {
      defaultAction = v;
    } else if (typeof v === "string") {
      diags.error(S_BAD_ENUM, `Tier defaultAction must be Deny or Pass, not '${v}'`, action.span);
    } else {
      diags.error(S_WRONG_TYPE, "Tier defaultAction must be a string", action.span);
    }
  }
  const builtin = BUILTIN_TIERS.find((t) => t.name === o.name);
  if (builtin !== undefined && (order !== builtin.order || defaultAction !== builtin.defaultAction)) {
    diags.error(
      S_BUILTIN_TIER,
      `built-in tier '${o.name}' must have order ${builtin.order} and defaultAction ${builtin.defaultAction}`,
      (spec ?? o.node).span,
      `write order: ${builtin.order} and defaultAction: ${builtin.defaultAction}, or leave the tier undeclared`,
    );
    return undefined;
  }
  return { name: o.name, ...(order !== undefined ? { order } : {}), defaultAction, span: o.node.span };
}

/** Calico's `TierLess`: ordered tiers first, ascending; ties and unordered tiers by name. */
export function tierLess(a: TierInfo, b: TierInfo): number {
  if (a.order !== b.order) {
    if (a.order === undefined) {
      return 1;
    }
    if (b.order === undefined) {
      return -1;
    }
    return a.order - b.order;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** The tiers of the compile in evaluation order: declared ones (checked) plus the built-ins. */
export function collectTiers(objects: readonly KubeObject[], diags: Diagnostics): TierInfo[] {
  const byName = new Map<string, TierInfo>();
  for (const o of objects) {
    if (!isTier(o)) {
      continue;
    }
    const t = readTier(o, diags);
    if (t === undefined) {
      continue;
    }
    const prev = byName.get(t.name);
    if (prev !== undefined) {
      diags.error(
        S_DUPLICATE_OBJECT,
        `Tier '${t.name}' is declared twice`,
        o.node.span,
        "remove one of them",
        [{ message: "first declared here", ...(prev.span !== undefined ? { span: prev.span } : {}) }],
      );
      continue;
    }
    byName.set(t.name, t);
  }
  for (const b of BUILTIN_TIERS) {
    if (!byName.has(b.name)) {
      byName.set(b.name, b);
    }
  }
  return [...byName.values()].sort(tierLess);
}
