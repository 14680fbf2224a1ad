/**
 * @fileoverview cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy → IR entries, with
 * validation as upstream does it and more (../shared/reference/cilium.md §1–§2).
 *
 * A policy is `spec` and/or `specs` (a list of rules); each rule compiles on its own (rule.ts): a
 * SelectEntry per direction the rule has, with `defaultDeny` from `enableDefaultDeny` (default true),
 * and RuleEntries for its elements (allow for ingress/egress, deny for ingressDeny/egressDeny; the
 * lowering's Cilium model makes deny beat allow, whatever policy either came from). Peer selectors are
 * namespace-scoped (selectors.ts), entities map to reserved-label selectors, toServices to the backend
 * pods of Services found among the input objects (services.ts), L7 rules to `RuleEntry.l7` (l7-rules.ts).
 *
 * Option `ciliumVersion`: "1.19" (default) reads the ≤ 1.19 schema with Kafka and proxylib rules;
 * "1.20" reports them (S2206), as the 1.20 CRDs removed them.
 *
 * Diagnostic codes (stable; S2xxx schema, S3xxx semantics, W32xx warnings with a lint id):
 *
 * | code  | severity | id                          | meaning                                                  |
 * |-------|----------|-----------------------------|----------------------------------------------------------|
 * | S2001 | error    |                             | unknown field                                            |
 * | S2002 | error    |                             | field of the wrong type                                  |
 * | S2003 | error    |                             | policy without metadata.name                             |
 * | S2201 | error    |                             | neither `spec` nor `specs`                               |
 * | S2202 | error    |                             | not exactly one of endpointSelector / nodeSelector       |
 * | S2203 | error    |                             | nodeSelector in a (namespaced) CiliumNetworkPolicy       |
 * | S2204 | error    |                             | rule without ingress, ingressDeny, egress or egressDeny  |
 * | S2205 | error    |                             | fromRequires / toRequires (removed in Cilium 1.19)       |
 * | S2206 | error    |                             | kafka / l7proto / l7 under the 1.20 schema               |
 * | S2207 | error    |                             | port missing, empty or not a string                      |
 * | S2208 | error    |                             | more than 40 ports in a toPorts entry or ICMP fields     |
 * | S3201 | error    |                             | two peer kinds in one rule (e.g. toEndpoints + toCIDR)   |
 * | S3202 | error    |                             | unparseable port, bad endPort                            |
 * | S3203 | error    |                             | protocol not TCP, UDP, SCTP or ANY                       |
 * | S3204 | error    |                             | bad CIDR, except outside its cidr                        |
 * | S3205 | error    |                             | unknown entity                                           |
 * | S3206 | error    |                             | bad ICMP family or type; icmps with toPorts              |
 * | S3207 | error    |                             | L7 rules where they cannot apply (type mix, non-TCP, port 0, no ports, DNS on ingress or ranges) |
 * | S3208 | error    |                             | L7 rules or toFQDNs in a deny rule                       |
 * | S3209 | error    |                             | HTTP regex RE2 rejects                                   |
 * | S3210 | error    |                             | bad Kafka rule (role with apiKey, unknown key, version, topic) |
 * | S3211 | error    |                             | bad FQDN selector / DNS rule                             |
 * | S3212 | error    |                             | bad HTTP header match                                    |
 * | S3213 | error    |                             | bad toServices entry                                     |
 * | S3214 | error    |                             | toServices with toPorts (not supported upstream)         |
 * | S3215 | error    |                             | cidrGroupRef/Selector, from/toGroups, from/toNodes: unsupported |
 * | S3216 | error    |                             | L7 rules in a host policy                                |
 * | S3217 | error    |                             | serverNames / listener misuse                            |
 * | S3218 | error    |                             | log value longer than 32 or not printable                |
 * | S3219 | error    |                             | Cilium policy in a compile for another CNI               |
 * | W3201 | warning  | unknown-service             | toServices names no Service of the inputs                |
 * | W3202 | warning  | service-without-selector    | toServices names a Service without a selector            |
 * | W3203 | warning  | fqdn-not-enforced           | toFQDNs is checked but allows nothing yet                |
 * | W3204 | warning  | l7-not-enforced             | TLS interception / listener fields are not modelled (once)  |
 * | W3205 | warning  | endpoint-selector-namespace | a CNP endpointSelector names another namespace           |
 * | W3206 | warning  | auth-not-enforced           | mutual authentication is not modelled                    |
 * | W3207 | warning  | cidr-host-bits              | a CIDR with host bits set (masked)                       |
 * | W3208 | warning  | empty-port-rule             | a toPorts entry without ports allows nothing             |
 *
 * Label-selector codes S2101–S2104 come from ../kubernetes/label-selector.ts.
 */

import type { Diagnostics } from "../../diagnostics/diagnostic.js";
import type { KubeObject } from "../../input/read-objects.js";
import type { PolicyEntry } from "../../ir/entry.js";
import { S_EMPTY_POLICY, S_MISSING_NAME, S_WRONG_CNI, S_WRONG_TYPE, field } from "./context.js";
import type { CiliumOptions, Ctx } from "./context.js";
import { compileRule } from "./rule.js";

export type { CiliumOptions, CiliumPlacement, CiliumVersion } from "./context.js";

/** Kind of the namespaced policy. */
export const KIND_CNP = "CiliumNetworkPolicy";
/** Kind of the clusterwide policy. */
export const KIND_CCNP = "CiliumClusterwideNetworkPolicy";

/** Whether `o` is a Cilium policy object (kind and `cilium.io/` API group). */
export function isCiliumPolicy(o: KubeObject): boolean {
  return (o.kind === KIND_CNP || o.kind === KIND_CCNP) && o.apiVersion?.startsWith("cilium.io/") === true;
}

/** Report a Cilium policy in a compile whose CNI is not Cilium. */
export function reportWrongCni(o: KubeObject, cni: string, diags: Diagnostics): void {
  diags.error(
    S_WRONG_CNI,
    `${o.kind} ${o.name ?? ""} needs the Cilium model, but this compile is for --cni ${cni}`,
    o.node.span,
    "compile with --cni cilium (or leave --cni out to infer it)",
  );
}

/** Compile one CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy into IR entries (appended to `out`). */
export function compileCiliumPolicy(
  obj: KubeObject,
  diags: Diagnostics,
  out: PolicyEntry[],
  options: CiliumOptions = {},
): void {
  const node = obj.node;
  if (obj.name === undefined) {
    diags.error(
      S_MISSING_NAME,
      `${obj.kind} without metadata.name`,
      (field(node, "metadata") ?? node).span,
      "add metadata.name",
    );
    return;
  }
  const clusterwide = obj.kind === KIND_CCNP;
  const namespace = clusterwide ? undefined : (obj.namespace ?? "default");
  const ctx: Ctx = {
    diags,
    version: options.ciliumVersion ?? "1.19",
    objects: options.objects ?? [],
    namespace,
    hostPolicy: false,
    scope:
      namespace === undefined ? { kind: "cluster", matchesInit: false } : { kind: "namespace", namespace },
    l7Warned: false,
  };
  const spec = field(node, "spec");
  const specs = field(node, "specs");
  if (spec === undefined && specs === undefined) {
    diags.error(
      S_EMPTY_POLICY,
      `${obj.kind} has neither spec nor specs`,
      node.span,
      "add spec: {endpointSelector: ..., ingress: [...]}",
    );
    return;
  }
  const rules = [...(spec === undefined ? [] : [spec])];
  if (specs !== undefined) {
    if (specs.kind === "seq") {
      rules.push(...specs.items);
    } else {
      diags.error(S_WRONG_TYPE, "specs must be a list of rules", specs.span, "write specs: [ {...}, {...} ]");
    }
  }
  const base = {
    origin: {
      dialect: "cilium" as const,
      kind: obj.kind,
      ...(namespace !== undefined ? { namespace } : {}),
      name: obj.name,
      policySpan: node.span,
    },
    place: options.placement ?? { tier: 0, tierName: "default", order: 0 },
  };
  for (const rule of rules) {
    compileRule(rule, base, ctx, out);
  }
}
