/**
 * @fileoverview Calico's selector language: parse (moo lexer + nearley grammar), evaluate, print in
 * canonical form, hash to Felix's unique ID, derive label restrictions, lower to sluice's selector IR,
 * and rewrite namespace / service-account selectors into plain ones as Calico does.
 *
 * Facts come from projectcalico/calico `libcalico-go/lib/selector/` and the update processors; see
 * `../shared/reference/calico.md` §1–2.
 */

export { parseSelector, validateSelector } from "./parser.js";
export { CalicoSelector } from "./selector.js";
export { CalicoSelectorError } from "./errors.js";
export { tokenize, MAX_LABEL_LENGTH, UPSTREAM_TOKEN_NAMES } from "./lexer.js";
export type { Token, TokenKind } from "./lexer.js";
export type { CalicoNode, CompareKind, LabelSource, SetKind } from "./ast.js";
export { canonicalString, makeUniqueId } from "./print.js";
export type { LabelRestriction, LabelRestrictions } from "./restrictions.js";
export {
  attachPrefix,
  entityRuleSelector,
  globalNetworkPolicySelector,
  LABEL_NAMESPACE,
  LABEL_SERVICE_ACCOUNT,
  NAME_LABEL,
  NAMESPACE_LABEL_PREFIX,
  namespaceProfileLabels,
  networkPolicySelector,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  serviceAccountMatchSelector,
  serviceAccountProfileLabels,
} from "./rewrite.js";
export type {
  EntityRuleSelectors,
  GlobalNetworkPolicySelectors,
  NetworkPolicySelectors,
  ServiceAccountMatch,
} from "./rewrite.js";
