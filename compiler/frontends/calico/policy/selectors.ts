/**
 * @fileoverview Calico selector fields of a policy: read and check each one (syntax errors point into
 * the YAML string), then lower the composed selectors onto sluice's endpoint label view.
 *
 * Calico's endpoint labels (calico.md §2.1) versus sluice's (compiler/cluster/labels.ts):
 *
 * | Calico key                                   | sluice key                                          |
 * |----------------------------------------------|-----------------------------------------------------|
 * | `projectcalico.org/namespace`                | `io.kubernetes.pod.namespace` (LBL_NAMESPACE)       |
 * | `pcns.projectcalico.org/name`                | `io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name` |
 * | `pcns.<k>`                                   | `io.cilium.k8s.namespace.labels.<k>`                |
 * | `projectcalico.org/serviceaccount`, `pcsa.projectcalico.org/name` | `io.cilium.k8s.policy.serviceaccount` |
 * | other `pcsa.<k>` (service-account labels)    | not modelled: kept as is, so absent on every endpoint (warning) |
 * | `projectcalico.org/orchestrator`             | `k8s` on every pod: rewritten to `has(io.kubernetes.pod.namespace)` |
 * | anything else                                | the pod label of that key                           |
 */

import {
  LBL_NAMESPACE,
  LBL_NAMESPACE_NAME,
  LBL_SERVICE_ACCOUNT,
  NS_LABEL_PREFIX,
} from "../../../cluster/labels.js";
import type { Diagnostics } from "../../../diagnostics/diagnostic.js";
import type { Span } from "../../../diagnostics/source.js";
import { and, has, NONE, not, or } from "../../../ir/selector.js";
import type { Selector } from "../../../ir/selector.js";
import type { LMap, LScalar } from "../../../yaml/located.js";
import {
  CalicoSelectorError,
  LABEL_NAMESPACE,
  LABEL_SERVICE_ACCOUNT,
  NAME_LABEL,
  NAMESPACE_LABEL_PREFIX,
  parseSelector,
  SERVICE_ACCOUNT_LABEL_PREFIX,
} from "../selector/index.js";
import type { CalicoSelector } from "../selector/index.js";
import { S_BAD_SELECTOR, S_GLOBAL_SELECTOR, S_TOO_LONG, W_SA_LABELS, stringNode } from "./context.js";
import { scalarOffset } from "./scalar-offset.js";

/** Longest selector a policy field may hold (CRD `MaxLength`). */
export const MAX_SELECTOR_LENGTH = 1024;
/** Label Calico gives every Kubernetes pod, always with value `k8s`. */
export const LABEL_ORCHESTRATOR = "projectcalico.org/orchestrator";
/** The orchestrator value of every endpoint sluice models. */
const ORCHESTRATOR_K8S = "k8s";

/** A selector field that was read and parsed. */
export interface SelectorField {
  /** The text as written. */
  readonly text: string;
  /** The parsed selector. */
  readonly parsed: CalicoSelector;
  /** The YAML scalar (for spans). */
  readonly node: LScalar;
}

/** Where `global()` may appear in the field being read. */
export type GlobalUse = "forbidden" | "alone";

/**
 * Read selector field `key` of `map`: a string of at most 1024 characters that parses, with `global()`
 * only where allowed. Returns undefined when absent, empty or invalid (invalid ones are reported).
 */
export function readSelector(
  map: LMap,
  key: string,
  diags: Diagnostics,
  global: GlobalUse = "forbidden",
): SelectorField | undefined {
  const node = stringNode(map, key, diags);
  if (node === undefined) {
    return undefined;
  }
  const text = node.value as string;
  if (text === "") {
    return undefined;
  }
  if (text.length > MAX_SELECTOR_LENGTH) {
    diags.error(
      S_TOO_LONG,
      `${key} is ${text.length} characters long; at most ${MAX_SELECTOR_LENGTH} are allowed`,
      node.span,
      "shorten it, e.g. with a label that groups the endpoints",
    );
    return undefined;
  }
  let parsed: CalicoSelector;
  try {
    parsed = parseSelector(text);
  } catch (e) {
    if (!(e instanceof CalicoSelectorError)) {
      throw e;
    }
    const start = scalarOffset(node, e.offset);
    diags.error(
      S_BAD_SELECTOR,
      `invalid selector in ${key}: ${e.message}`,
      { file: node.span.file, start, end: start + e.length },
      selectorHelp(text),
    );
    return undefined;
  }
  // Upstream checks the text (`strings.Contains(sel, "global()")`), so a string literal counts too.
  if (text.includes("global(") && (global === "forbidden" || !isGlobalAlone(parsed))) {
    const at = scalarOffset(node, text.indexOf("global("));
    diags.error(
      S_GLOBAL_SELECTOR,
      global === "forbidden"
        ? `global() can only be used in an EntityRule namespaceSelector, not in ${key}`
        : "global() cannot be combined with other selectors",
      { file: node.span.file, start: at, end: at + "global()".length },
      global === "forbidden"
        ? "to select non-namespaced endpoints write namespaceSelector: global() in a rule's source or destination"
        : "write namespaceSelector: global() alone, and put the rest into selector",
    );
    return undefined;
  }
  return { text, parsed, node };
}

function isGlobalAlone(sel: CalicoSelector): boolean {
  return sel.root.kind === "global";
}

function selectorHelp(text: string): string {
  if (/[\r\n]/.test(text)) {
    return "a selector is one line: a YAML block scalar (|) ends in a newline, which Calico rejects";
  }
  return "selectors look like: app == 'web' && !has(canary); strings are quoted with ' or \"";
}

/** A selector with the label keys of the Calico view renamed to sluice's (table in the header). */
function mapKeyFor(onSaLabel: (key: string) => void): (key: string) => string {
  return (key) => {
    if (key === LABEL_NAMESPACE) {
      return LBL_NAMESPACE;
    }
    if (key === LABEL_SERVICE_ACCOUNT || key === SERVICE_ACCOUNT_LABEL_PREFIX + NAME_LABEL) {
      return LBL_SERVICE_ACCOUNT;
    }
    if (key === NAMESPACE_LABEL_PREFIX + NAME_LABEL) {
      return NS_LABEL_PREFIX + LBL_NAMESPACE_NAME;
    }
    if (key.startsWith(NAMESPACE_LABEL_PREFIX)) {
      return NS_LABEL_PREFIX + key.slice(NAMESPACE_LABEL_PREFIX.length);
    }
    if (key.startsWith(SERVICE_ACCOUNT_LABEL_PREFIX)) {
      onSaLabel(key);
    }
    return key;
  };
}

/** Whether the value `k8s` passes a test of the orchestrator label. */
function orchestratorValueMatches(sel: Selector): boolean {
  switch (sel.op) {
    case "eq":
      return sel.value === ORCHESTRATOR_K8S;
    case "in":
      return sel.values.includes(ORCHESTRATOR_K8S);
    case "contains":
      return ORCHESTRATOR_K8S.includes(sel.value);
    case "starts":
      return ORCHESTRATOR_K8S.startsWith(sel.value);
    case "ends":
      return ORCHESTRATOR_K8S.endsWith(sel.value);
    default:
      return true;
  }
}

/**
 * `sel` with every test of `projectcalico.org/orchestrator` replaced: every pod carries it with value
 * `k8s` and nothing else does, so a test that `k8s` passes becomes `has(LBL_NAMESPACE)` (is a pod), one
 * it fails becomes `none`. Exact on sluice's endpoints.
 */
export function rewriteOrchestrator(sel: Selector): Selector {
  switch (sel.op) {
    case "all":
    case "none":
      return sel;
    case "not":
      return not(rewriteOrchestrator(sel.arg));
    case "and":
      return and(...sel.args.map(rewriteOrchestrator));
    case "or":
      return or(...sel.args.map(rewriteOrchestrator));
    default:
      if (sel.key !== LABEL_ORCHESTRATOR) {
        return sel;
      }
      return orchestratorValueMatches(sel) ? has(LBL_NAMESPACE) : NONE;
  }
}

/**
 * Lower a composed Calico selector (output of the selector library's rewriting functions) to the IR
 * over sluice's label view. Service-account label reads are reported once per call at `span`.
 */
export function lowerSelector(text: string, span: Span, diags: Diagnostics): Selector {
  const saKeys = new Set<string>();
  const ir = parseSelector(text).toIR(mapKeyFor((k) => saKeys.add(k)));
  if (saKeys.size > 0) {
    diags.warn(
      W_SA_LABELS,
      "calico-sa-labels-not-modelled",
      `service-account labels (${[...saKeys].join(", ")}) are not in the cluster model: treated as absent`,
      span,
      "select service accounts by name (serviceAccounts.names, or projectcalico.org/name == '<sa>')",
    );
  }
  return rewriteOrchestrator(ir);
}
