/**
 * @fileoverview namespaceSelector / serviceAccountSelector rewriting: how Calico turns a policy's or a
 * rule's namespace and service-account scoping into one plain selector over endpoint labels
 * (`libcalico-go/lib/backend/syncersv1/updateprocessors/{selectors,rules,networkpolicyprocessor,
 * globalnetworkpolicyprocessor}.go`, calico.md §2.2), and the profile labels those selectors read
 * (`libcalico-go/lib/backend/k8s/conversion`: `NamespaceToProfile`, `ServiceAccountToProfile`).
 *
 * An endpoint inherits its namespace's labels as `pcns.<key>` and its service account's as
 * `pcsa.<key>`, plus `pcns.projectcalico.org/name` / `pcsa.projectcalico.org/name` = the name (which
 * overrides a real label of that key), so a namespaceSelector is rewritten by prefixing every label name
 * with `pcns.` (and a serviceAccountSelector with `pcsa.`); matching by name needs no special case.
 *
 * Upstream composes these selectors as strings, and so does this module, byte for byte: the results
 * parse to the same canonical string and unique ID Felix computes. That includes a quirk: `all()` and
 * `global()` are replaced by plain text substitution on the composed string, so they are replaced
 * inside string literals too (`pcns.x == "all()"`), and for a GlobalNetworkPolicy also in the policy's
 * own selector. Inputs must be valid selectors (check each field with parseSelector first, to report
 * positions within it); upstream logs and drops an unparsable one, these functions throw.
 */

import type { LabelSource } from "./ast.js";
import { labelEntries } from "./ast.js";
import { parseSelector } from "./parser.js";

/** Prefix of namespace labels on an endpoint (`conversion.NamespaceLabelPrefix`). */
export const NAMESPACE_LABEL_PREFIX = "pcns.";
/** Prefix of service-account labels on an endpoint (`conversion.ServiceAccountLabelPrefix`). */
export const SERVICE_ACCOUNT_LABEL_PREFIX = "pcsa.";
/** Label holding the namespace's / service account's own name, under the prefixes above. */
export const NAME_LABEL = "projectcalico.org/name";
/** Label of every workload endpoint: its namespace (`apiv3.LabelNamespace`). */
export const LABEL_NAMESPACE = "projectcalico.org/namespace";
/** Label of a workload endpoint: its service account (`apiv3.LabelServiceAccount`). */
export const LABEL_SERVICE_ACCOUNT = "projectcalico.org/serviceaccount";

/** What `all()` in a namespaceSelector becomes: any namespaced endpoint. */
const ALL_NAMESPACES = `has(${LABEL_NAMESPACE})`;
/** What `global()` in an EntityRule namespaceSelector becomes: only non-namespaced endpoints. */
const NO_NAMESPACE = `!has(${LABEL_NAMESPACE})`;
/** What `all()` in a GlobalNetworkPolicy serviceAccountSelector becomes. */
const ALL_SERVICE_ACCOUNTS = `has(${LABEL_SERVICE_ACCOUNT})`;

/** `selector` with every label name prefixed, in canonical form (upstream `parseSelectorAttachPrefix`). */
export function attachPrefix(selector: string, prefix: string): string {
  return parseSelector(selector).withLabelPrefix(prefix).toString();
}

/** `(current) && <prefixed extra>`, or either alone (upstream `prefixAndAppendSelector`). */
function prefixAndAppend(current: string, extra: string, prefix: string): string {
  if (extra === "") {
    return current;
  }
  const prefixed = attachPrefix(extra, prefix);
  return current === "" ? prefixed : `(${current}) && ${prefixed}`;
}

/** A namespaced NetworkPolicy's fields that take part in its endpoint selector. */
export interface NetworkPolicySelectors {
  /** `spec.selector` ("" or absent = all endpoints of the namespace). */
  readonly selector?: string;
  /** `spec.serviceAccountSelector`. */
  readonly serviceAccountSelector?: string;
}

/** The selector Felix applies a NetworkPolicy in `namespace` to (`convertNetworkPolicyV3ToV1Value`). */
export function networkPolicySelector(spec: NetworkPolicySelectors, namespace: string): string {
  let selector = spec.selector ?? "";
  if (namespace !== "") {
    const inNamespace = `${LABEL_NAMESPACE} == '${namespace}'`;
    selector = selector === "" ? inNamespace : `(${selector}) && ${inNamespace}`;
  }
  return prefixAndAppend(selector, spec.serviceAccountSelector ?? "", SERVICE_ACCOUNT_LABEL_PREFIX);
}

/** A GlobalNetworkPolicy's fields that take part in its endpoint selector. */
export interface GlobalNetworkPolicySelectors extends NetworkPolicySelectors {
  /** `spec.namespaceSelector`. */
  readonly namespaceSelector?: string;
}

/**
 * The selector Felix applies a GlobalNetworkPolicy to (`convertGlobalNetworkPolicyV3ToV1Value`):
 * the selector AND'ed with the `pcns.` namespaceSelector (then `all()` → `has(projectcalico.org/namespace)`)
 * and the `pcsa.` serviceAccountSelector (then `all()` → `has(projectcalico.org/serviceaccount)`).
 */
export function globalNetworkPolicySelector(spec: GlobalNetworkPolicySelectors): string {
  let selector = spec.selector ?? "";
  const nsSelector = spec.namespaceSelector ?? "";
  if (nsSelector !== "") {
    selector = prefixAndAppend(selector, nsSelector, NAMESPACE_LABEL_PREFIX).replaceAll(
      "all()",
      ALL_NAMESPACES,
    );
  }
  const saSelector = spec.serviceAccountSelector ?? "";
  if (saSelector !== "") {
    selector = prefixAndAppend(selector, saSelector, SERVICE_ACCOUNT_LABEL_PREFIX).replaceAll(
      "all()",
      ALL_SERVICE_ACCOUNTS,
    );
  }
  return selector;
}

/** An EntityRule's `serviceAccounts` match. */
export interface ServiceAccountMatch {
  /** Service account names (OR'ed). */
  readonly names?: readonly string[];
  /** Selector over the service accounts' labels. */
  readonly selector?: string;
}

/**
 * The selector of a `serviceAccounts` match (`parseServiceAccounts`): the `pcsa.`-prefixed selector
 * AND'ed with `projectcalico.org/serviceaccount in {names}`; "" when both are empty.
 */
export function serviceAccountMatchSelector(match: ServiceAccountMatch): string {
  const selector = match.selector ?? "";
  const updated = selector === "" ? "" : attachPrefix(selector, SERVICE_ACCOUNT_LABEL_PREFIX);
  const names = match.names ?? [];
  if (names.length === 0) {
    return updated;
  }
  const byName = parseSelector(`${LABEL_SERVICE_ACCOUNT} in { '${names.join("', '")}' }`).toString();
  return updated === "" ? byName : `(${updated}) && (${byName})`;
}

/** An EntityRule's selector fields (`source` / `destination` of a rule). */
export interface EntityRuleSelectors {
  /** `selector`. */
  readonly selector?: string;
  /** `notSelector` (not rewritten; it only triggers the namespace scope). */
  readonly notSelector?: string;
  /** `namespaceSelector`. */
  readonly namespaceSelector?: string;
  /** `serviceAccounts`. */
  readonly serviceAccounts?: ServiceAccountMatch;
}

/**
 * The positive selector of an EntityRule in a policy of `namespace` ("" for a global policy)
 * (`GetEntityRuleSelector`): the namespace scope — the `pcns.` namespaceSelector with `all()` →
 * `has(projectcalico.org/namespace)` and `global()` → `!has(projectcalico.org/namespace)`, else
 * `projectcalico.org/namespace == '<namespace>'` — AND'ed with the service-account and endpoint selectors
 * whenever any selector field (notSelector included) is set. "" when the rule selects no endpoints.
 */
export function entityRuleSelector(rule: EntityRuleSelectors, namespace: string): string {
  const namespaceSelector = rule.namespaceSelector ?? "";
  let nsSelector = "";
  if (namespaceSelector !== "") {
    nsSelector = attachPrefix(namespaceSelector, NAMESPACE_LABEL_PREFIX)
      .replaceAll("all()", ALL_NAMESPACES)
      .replaceAll("global()", NO_NAMESPACE);
  } else if (namespace !== "") {
    nsSelector = `${LABEL_NAMESPACE} == '${namespace}'`;
  }
  const parts = [
    rule.serviceAccounts === undefined ? "" : serviceAccountMatchSelector(rule.serviceAccounts),
    rule.selector ?? "",
  ].filter((s) => s !== "");
  let selector = parts.length === 2 ? `(${parts.join(") && (")})` : (parts[0] ?? "");
  if (nsSelector !== "" && (selector !== "" || (rule.notSelector ?? "") !== "" || namespaceSelector !== "")) {
    selector = selector === "" ? nsSelector : `(${nsSelector}) && (${selector})`;
  }
  return selector;
}

function prefixedLabels(prefix: string, name: string, labels: LabelSource): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of labelEntries(labels)) {
    out.set(prefix + k, v);
  }
  out.set(prefix + NAME_LABEL, name);
  return out;
}

/** Labels a namespace's profile gives its endpoints: `pcns.<key>`, and `pcns.projectcalico.org/name`. */
export function namespaceProfileLabels(name: string, labels: LabelSource): Map<string, string> {
  return prefixedLabels(NAMESPACE_LABEL_PREFIX, name, labels);
}

/** Labels a service account's profile gives its endpoints: `pcsa.<key>`, and `pcsa.projectcalico.org/name`. */
export function serviceAccountProfileLabels(name: string, labels: LabelSource): Map<string, string> {
  return prefixedLabels(SERVICE_ACCOUNT_LABEL_PREFIX, name, labels);
}
