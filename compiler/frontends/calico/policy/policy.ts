/**
 * @fileoverview One projectcalico.org/v3 NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy or
 * StagedGlobalNetworkPolicy → IR entries (calico.md §3.1, §3.4; `validateNetworkPolicySpec`,
 * `validateGlobalNetworkPolicySpec`, `validateStaged*` in `libcalico-go/lib/validator/v3`).
 *
 * The entries come out with placeholder ranks (tier 0, order 0); index.ts ranks every policy of the
 * compile and fills in `tier`, `tierName` and `order`. Per direction in `types` there is one SelectEntry
 * (its `defaultDeny` is also set by index.ts, from the tier's default action) and one RuleEntry per
 * valid rule. The subject is the policy selector rewritten as upstream does (namespace scope for a
 * NetworkPolicy, `pcns.`/`pcsa.` namespace and service-account selectors), AND'ed with whatever the
 * rule's subject-side EntityRule adds.
 *
 * Untracked (`doNotTrack`) and pre-DNAT GlobalNetworkPolicies apply at host endpoints only: their
 * subject also requires `reserved:host` (the host-endpoint marker, cluster/host-endpoints.ts), they get
 * no SelectEntry (Felix renders no end-of-tier drop for them: what they leave undecided goes on), and
 * `stage` tells index.ts to rank them before the normal tiers (host.ts).
 */

import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import type { KubeObject } from "../../../input/read-objects.js";
import type { Direction, Origin, PolicyEntry } from "../../../ir/entry.js";
import { LBL_HOST } from "../../../cluster/host-endpoints.js";
import { and, eq } from "../../../ir/selector.js";
import type { LMap, LNode } from "../../../yaml/located.js";
import { globalNetworkPolicySelector, networkPolicySelector } from "../selector/index.js";
import {
  S_BAD_ENUM,
  S_BAD_NAME,
  S_DUPLICATE_ENTRY,
  S_MISSING_NAME,
  S_STAGED_DELETE,
  S_WRONG_TYPE,
  checkFields,
  checkMaxItems,
  field,
  keySpan,
  nameSpan,
  numberField,
  seqField,
  stringNode,
} from "./context.js";
import type { Ctx, PolicyScope } from "./context.js";
import { readHostFlags } from "./host.js";
import type { HostFlags, HostStage } from "./host.js";
import { lowerRule } from "./rule-lower.js";
import { readRule } from "./rule.js";
import { lowerSelector, readSelector } from "./selectors.js";
import { DEFAULT_TIER } from "./tiers.js";

/** A compiled policy, waiting for its ranks. */
export interface CompiledPolicy {
  /** Kind as ranked (NetworkPolicy, ..., KubernetesNetworkPolicy, StagedKubernetesNetworkPolicy). */
  readonly kind: string;
  /** Name as ranked (`knp.default.<name>` for Kubernetes policies). */
  readonly name: string;
  /** "" for global policies. */
  readonly namespace: string;
  readonly tierName: string;
  /** Where the tier is named (or the policy, when defaulted). */
  readonly tierSpan: Span;
  /** Absent = +∞. */
  readonly order?: number;
  /** Entries with placeholder ranks. */
  readonly entries: readonly PolicyEntry[];
  readonly span: Span;
  /** Untracked or pre-DNAT policy (host endpoints only, ranked before the normal tiers). */
  readonly stage?: HostStage;
}

/** Most rules per direction (CRD `MaxItems`). */
export const MAX_RULES = 1024;
/** Prefix Calico reserves for converted Kubernetes policies (`names.K8sNetworkPolicyNamePrefix`). */
export const KNP_NAME_PREFIX = "knp.default.";
/** The one performance hint there is. */
const HINTS = ["AssumeNeededOnEveryNode"];

/** NetworkPolicy names: a DNS label, optionally `label.label`, or `knp|ossg.default.<subdomain>`. */
const NP_NAME =
  /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)?|((knp|ossg)\.default\.([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)))$/;
/** GlobalNetworkPolicy names: a DNS label, optionally `label.label`. */
const GNP_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const COMMON_FIELDS = [
  "tier",
  "order",
  "selector",
  "serviceAccountSelector",
  "types",
  "ingress",
  "egress",
  "performanceHints",
];
const GLOBAL_FIELDS = ["namespaceSelector", "doNotTrack", "preDNAT", "applyOnForward"];
const GLOBAL_ONLY_HELP = "only GlobalNetworkPolicy has this field; select namespaces in rules instead";

/** Whether `kind` is a Calico policy kind this module compiles. */
export function isCalicoPolicyKind(kind: string): boolean {
  return [
    "NetworkPolicy",
    "GlobalNetworkPolicy",
    "StagedNetworkPolicy",
    "StagedGlobalNetworkPolicy",
  ].includes(kind);
}

function checkName(o: KubeObject, global: boolean, diags: Diagnostics): void {
  const name = o.name!;
  if (!global && name.startsWith(KNP_NAME_PREFIX)) {
    diags.error(
      S_BAD_NAME,
      `'${KNP_NAME_PREFIX}' names are reserved for Kubernetes NetworkPolicies`,
      nameSpan(o.node),
      "Kubernetes network policies must be managed through the Kubernetes API; rename this policy",
    );
    return;
  }
  if (name.length > 253 || !(global ? GNP_NAME : NP_NAME).test(name)) {
    diags.error(
      S_BAD_NAME,
      `invalid ${o.kind} name '${name}'`,
      nameSpan(o.node),
      "names are lower-case DNS labels (letters, digits, '-'), optionally '<tier>.<name>'",
    );
  }
}

function readTypes(spec: LMap, diags: Diagnostics): Set<Direction> | undefined {
  const items = seqField(spec, "types", diags);
  if (items === undefined || items.length === 0) {
    return undefined;
  }
  checkMaxItems(items, 2, "types", keySpan(spec, "types"), diags);
  const out = new Set<Direction>();
  for (const t of items) {
    const v = t.kind === "scalar" ? t.value : undefined;
    if (v !== "Ingress" && v !== "Egress") {
      diags.error(S_BAD_ENUM, `types entries are Ingress or Egress, not '${String(v)}'`, t.span);
      continue;
    }
    const d = v === "Ingress" ? "ingress" : "egress";
    if (out.has(d)) {
      diags.error(S_DUPLICATE_ENTRY, `'${v}' type specified more than once`, t.span, "remove the duplicate");
    }
    out.add(d);
  }
  return out;
}

function readHints(spec: LMap, diags: Diagnostics): void {
  const seen = new Set<string>();
  for (const h of seqField(spec, "performanceHints", diags) ?? []) {
    const v = h.kind === "scalar" ? h.value : undefined;
    if (typeof v !== "string" || !HINTS.includes(v)) {
      diags.error(
        S_BAD_ENUM,
        `unknown performance hint '${String(v)}'`,
        h.span,
        `the only hint is ${HINTS[0]!}`,
      );
    } else if (seen.has(v)) {
      diags.error(S_DUPLICATE_ENTRY, `performance hint '${v}' listed twice`, h.span);
    }
    seen.add(String(v));
  }
}

/** `stagedAction`: Set (default), Delete, Learn or Ignore; undefined when invalid (reported). */
export function readStagedAction(spec: LMap, diags: Diagnostics): string | undefined {
  const n = field(spec, "stagedAction");
  const v = n === undefined ? "Set" : n.kind === "scalar" ? n.value : undefined;
  if (v !== "Set" && v !== "Delete" && v !== "Learn" && v !== "Ignore") {
    diags.error(S_BAD_ENUM, `stagedAction must be Set, Delete, Learn or Ignore, not '${String(v)}'`, n!.span);
    return undefined;
  }
  return v;
}

/** A Delete staged policy may set only `keep` fields (upstream: all other spec fields zero). */
export function checkStagedDelete(spec: LMap, keep: readonly string[], diags: Diagnostics): void {
  for (const [k, { keySpan: at, value }] of spec.entries) {
    const empty =
      value.kind === "scalar"
        ? value.value === null || value.value === "" || value.value === false
        : value.kind === "seq"
          ? value.items.length === 0
          : value.entries.size === 0;
    if (!keep.includes(k) && !empty) {
      diags.error(
        S_STAGED_DELETE,
        `stagedAction Delete: spec field '${k}' must be empty`,
        at,
        `a staged delete names the policy to delete; only ${keep.join(" and ")} may be set`,
      );
    }
  }
}

/** Compile one Calico policy object; undefined when it yields nothing to rank (reported or Delete). */
export function compileCalicoPolicy(
  o: KubeObject,
  diags: Diagnostics,
  objects: readonly KubeObject[],
): CompiledPolicy | undefined {
  const global = o.kind === "GlobalNetworkPolicy" || o.kind === "StagedGlobalNetworkPolicy";
  const staged = o.kind.startsWith("Staged");
  if (o.name === undefined) {
    diags.error(S_MISSING_NAME, `${o.kind} without metadata.name`, o.node.span, "add metadata.name");
    return undefined;
  }
  checkName(o, global, diags);
  const specNode = field(o.node, "spec");
  const spec: LMap =
    specNode?.kind === "map"
      ? specNode
      : { kind: "map", span: (specNode ?? o.node).span, entries: new Map() };
  if (specNode !== undefined && specNode.kind !== "map") {
    diags.error(S_WRONG_TYPE, `${o.kind} spec must be a mapping`, specNode.span);
    return undefined;
  }
  const fields = [...COMMON_FIELDS, ...(global ? GLOBAL_FIELDS : []), ...(staged ? ["stagedAction"] : [])];
  checkFields(
    spec,
    fields,
    `${o.kind} spec`,
    diags,
    global ? {} : Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, GLOBAL_ONLY_HELP])),
  );
  const tierNode = stringNode(spec, "tier", diags);
  const tierName =
    tierNode?.value === "" || tierNode === undefined ? DEFAULT_TIER : (tierNode.value as string);
  if (staged) {
    const action = readStagedAction(spec, diags);
    if (action === "Delete") {
      // The client clears types before validating a Delete; every other field must be empty.
      checkStagedDelete(spec, ["tier", "stagedAction", "types"], diags);
    }
    if (action !== "Set" && action !== "Learn" && action !== "Ignore") {
      return undefined; // Delete (and invalid values): upstream sends nothing to Felix
    }
  }
  const namespace = global ? "" : (o.namespace ?? "default");
  const scope: PolicyScope = { kind: o.kind, namespace, global };
  const flags: HostFlags = global ? readHostFlags(spec, o, diags) : {};
  const ctx: Ctx = { diags, objects, scope };
  const order = numberField(spec, "order", diags);
  const selector = readSelector(spec, "selector", diags);
  const saSelector = readSelector(spec, "serviceAccountSelector", diags);
  const nsSelector = global ? readSelector(spec, "namespaceSelector", diags) : undefined;
  readHints(spec, diags);
  const ingress = seqField(spec, "ingress", diags) ?? [];
  const egress = seqField(spec, "egress", diags) ?? [];
  checkMaxItems(ingress, MAX_RULES, "ingress", keySpan(spec, "ingress"), diags);
  checkMaxItems(egress, MAX_RULES, "egress", keySpan(spec, "egress"), diags);
  // Defaulting (calico.md §3.1): no egress rules → [Ingress]; only egress → [Egress]; both → both.
  const types =
    readTypes(spec, diags) ??
    new Set<Direction>(
      egress.length === 0 ? ["ingress"] : ingress.length === 0 ? ["egress"] : ["ingress", "egress"],
    );
  flags.checkTypes?.(types, egress.length);
  const sel = {
    ...(selector !== undefined ? { selector: selector.text } : {}),
    ...(saSelector !== undefined ? { serviceAccountSelector: saSelector.text } : {}),
    ...(nsSelector !== undefined ? { namespaceSelector: nsSelector.text } : {}),
  };
  const subjectSpan = (selector ?? saSelector ?? nsSelector)?.node.span ?? o.node.span;
  const lowered = lowerSelector(
    global ? globalNetworkPolicySelector(sel) : networkPolicySelector(sel, namespace),
    subjectSpan,
    diags,
  );
  const subject = flags.stage === undefined ? lowered : and(eq(LBL_HOST, ""), lowered);
  const base = {
    dialect: "calico" as const,
    kind: o.kind,
    ...(global ? {} : { namespace }),
    name: o.name,
    policySpan: o.node.span,
    ...(staged ? { staged: true } : {}),
  };
  const entries: PolicyEntry[] = [];
  for (const direction of ["ingress", "egress"] as const) {
    const rules = direction === "ingress" ? ingress : egress;
    const emit = types.has(direction);
    if (emit && flags.stage === undefined) {
      const origin: Origin = { ...base, ruleIndex: -1, span: subjectSpan };
      entries.push({
        type: "select",
        origin,
        tier: 0,
        tierName,
        order: 0,
        subject,
        direction,
        defaultDeny: true,
      });
    }
    rules.forEach((n: LNode, ruleIndex) => {
      const rule = readRule(n, direction, ctx);
      if (rule !== undefined && emit) {
        const parts = lowerRule(rule, direction, ctx);
        const origin: Origin = { ...base, ruleIndex, span: n.span };
        entries.push({
          type: "rule",
          origin,
          tier: 0,
          tierName,
          order: 0,
          direction,
          ...parts,
          subject: and(subject, parts.subject),
        });
      }
    });
  }
  return {
    kind: o.kind,
    name: o.name,
    namespace,
    tierName,
    tierSpan: tierNode?.span ?? o.node.span,
    ...(order !== undefined ? { order } : {}),
    entries,
    span: o.node.span,
    ...(flags.stage !== undefined ? { stage: flags.stage } : {}),
  };
}
