/**
 * @fileoverview Calico policy front end: tier ranking, policy ranking within a tier, Kubernetes
 * NetworkPolicy placement, types defaulting and staged policies. Expected orders follow calico.md §3.4–3.5
 * and Felix's `TierLess` / `PolKVLess` (`felix/calc/policy_sorter.go`), not the implementation.
 */

import { describe, expect, it } from "vitest";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import { compileCalicoObjects } from "../../compiler/frontends/calico/policy/index.js";
import { parseObjects } from "../../compiler/input/read-objects.js";
import type { PolicyEntry, SelectEntry } from "../../compiler/ir/entry.js";

function compile(yaml: string): { entries: PolicyEntry[]; diags: Diagnostics } {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile("test.yaml", yaml), diags);
  const entries: PolicyEntry[] = [];
  compileCalicoObjects(objects, diags, entries);
  return { entries, diags };
}

function errors(d: Diagnostics): string[] {
  return d.all.filter((x) => x.severity === "error").map((x) => `${x.code} ${x.message}`);
}

/** `name@tierName#tier/order` of each SelectEntry, in emission order. */
function selects(entries: readonly PolicyEntry[]): string[] {
  return entries
    .filter((e): e is SelectEntry => e.type === "select")
    .map((e) => `${e.origin.name}@${e.tierName}#${e.tier}/${e.order}:${e.direction}`);
}

const gnp = (name: string, extra = ""): string =>
  `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: ${name}}
spec:
  selector: all()
${extra}
`;

const tier = (name: string, spec: string): string =>
  `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: ${name}}
spec: ${spec}
`;

describe("tier ranking (TierLess)", () => {
  it("orders tiers by order, unordered last, ties by name, with the built-ins", () => {
    const { entries, diags } = compile(
      [
        tier("zeta", "{}"),
        tier("alpha", "{}"),
        tier("b-500", "{order: 500}"),
        tier("a-500", "{order: 500}"),
        tier("late", "{order: 2000000}"),
        gnp("p1", "  tier: zeta"),
        gnp("p2", "  tier: alpha"),
        gnp("p3", "  tier: b-500"),
        gnp("p4", "  tier: a-500"),
        gnp("p5", "  tier: late"),
        gnp("p6", "  tier: kube-admin"),
        gnp("p7"),
        gnp("p8", "  tier: kube-baseline"),
      ].join("---\n"),
    );
    expect(errors(diags)).toEqual([]);
    // a-500 (500), b-500 (500), kube-admin (1000), default (1e6), late (2e6), kube-baseline (1e7),
    // then the unordered alpha, zeta.
    expect(selects(entries)).toEqual([
      "p4@a-500#0/0:ingress",
      "p3@b-500#1/0:ingress",
      "p6@kube-admin#2/0:ingress",
      "p7@default#3/0:ingress",
      "p5@late#4/0:ingress",
      "p8@kube-baseline#5/0:ingress",
      "p2@alpha#6/0:ingress",
      "p1@zeta#7/0:ingress",
    ]);
  });

  it("takes defaultDeny from the tier's default action (Deny unless Pass)", () => {
    const { entries } = compile(
      [
        tier("pass-tier", "{order: 10, defaultAction: Pass}"),
        tier("deny-tier", "{order: 20}"),
        gnp("a", "  tier: pass-tier"),
        gnp("b", "  tier: deny-tier"),
        gnp("c", "  tier: kube-admin"),
      ].join("---\n"),
    );
    const dd = entries
      .filter((e): e is SelectEntry => e.type === "select")
      .map((e) => [e.origin.name, e.defaultDeny]);
    expect(dd).toEqual([
      ["a", false],
      ["b", true],
      ["c", false],
    ]);
  });

  it("accepts built-in tiers declared with their own settings", () => {
    const { diags } = compile(
      tier("default", "{order: 1000000, defaultAction: Deny}") +
        "---\n" +
        tier("kube-admin", "{order: 1000, defaultAction: Pass}"),
    );
    expect(errors(diags)).toEqual([]);
  });
});

describe("policy ranking within a tier (PolKVLess)", () => {
  it("orders by order ascending, absent = +inf, ties by name", () => {
    const { entries, diags } = compile(
      [
        gnp("no-order-b"),
        gnp("no-order-a"),
        gnp("ten", "  order: 10"),
        gnp("five-b", "  order: 5"),
        gnp("five-a", "  order: 5"),
        gnp("half", "  order: 5.5"),
      ].join("---\n"),
    );
    expect(errors(diags)).toEqual([]);
    expect(selects(entries)).toEqual([
      "five-a@default#1/0:ingress",
      "five-b@default#1/1:ingress",
      "half@default#1/2:ingress",
      "ten@default#1/3:ingress",
      "no-order-a@default#1/4:ingress",
      "no-order-b@default#1/5:ingress",
    ]);
  });

  it("breaks name ties by namespace, then kind (name/namespace/kind)", () => {
    const np = (ns: string): string =>
      `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: same, namespace: ${ns}}\nspec: {order: 1}\n`;
    const { entries } = compile([np("zz"), np("aa"), gnp("same", "  order: 1")].join("---\n"));
    // "same//GlobalNetworkPolicy" < "same/aa/NetworkPolicy" < "same/zz/NetworkPolicy"
    expect(
      entries.filter((e) => e.type === "select").map((e) => `${e.origin.kind}:${e.origin.namespace ?? ""}`),
    ).toEqual(["GlobalNetworkPolicy:", "NetworkPolicy:aa", "NetworkPolicy:zz"]);
  });

  it("places Kubernetes NetworkPolicies in tier default at order 1000 (knp.default.<name>)", () => {
    const knp = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: prod}
spec: {podSelector: {}}
`;
    const { entries, diags } = compile(
      [
        knp,
        gnp("after", "  order: 1001"),
        gnp("before", "  order: 999"),
        gnp("unordered"),
        gnp("tie", "  order: 1000"),
      ].join("---\n"),
    );
    expect(errors(diags)).toEqual([]);
    // At order 1000, "knp.default.web" < "tie" byte-wise.
    expect(selects(entries)).toEqual([
      "before@default#1/0:ingress",
      "web@default#1/1:ingress",
      "tie@default#1/2:ingress",
      "after@default#1/3:ingress",
      "unordered@default#1/4:ingress",
    ]);
    const k = entries.find((e) => e.origin.name === "web")!;
    expect(k.origin.dialect).toBe("kubernetes");
    expect(k.tierName).toBe("default");
  });

  it("emits ingress before egress per policy, a SelectEntry before its rules", () => {
    const { entries } = compile(
      gnp("p", "  ingress: [{action: Allow}]\n  egress: [{action: Deny}, {action: Log}]"),
    );
    expect(entries.map((e) => `${e.type}:${e.direction}:${e.origin.ruleIndex}`)).toEqual([
      "select:ingress:-1",
      "rule:ingress:0",
      "select:egress:-1",
      "rule:egress:0",
      "rule:egress:1",
    ]);
  });
});

describe("types defaulting (calico.md §3.1)", () => {
  const dirs = (extra: string): string[] =>
    selects(compile(gnp("p", extra)).entries).map((s) => s.split(":")[1]!);
  it("no rules → Ingress", () => {
    expect(dirs("")).toEqual(["ingress"]);
  });
  it("ingress rules only → Ingress", () => {
    expect(dirs("  ingress: [{action: Allow}]")).toEqual(["ingress"]);
  });
  it("egress rules only → Egress", () => {
    expect(dirs("  egress: [{action: Allow}]")).toEqual(["egress"]);
  });
  it("both → Ingress and Egress", () => {
    expect(dirs("  ingress: [{action: Allow}]\n  egress: [{action: Allow}]")).toEqual(["ingress", "egress"]);
  });
  it("explicit types win, and rules of other directions are dropped", () => {
    const { entries } = compile(gnp("p", "  types: [Egress]\n  ingress: [{action: Allow}]"));
    expect(entries.map((e) => `${e.type}:${e.direction}`)).toEqual(["select:egress"]);
  });
});

describe("staged policies", () => {
  it("compile like their counterparts with origin.staged", () => {
    const staged = `apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: s, namespace: ns}
spec:
  order: 1
  ingress: [{action: Deny}]
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: g}
spec:
  stagedAction: Set
  egress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: k, namespace: ns}
spec:
  stagedAction: Learn
  podSelector: {}
  policyTypes: [Ingress]
`;
    const { entries, diags } = compile(staged);
    expect(errors(diags)).toEqual([]);
    expect(
      entries.map((e) => `${e.origin.kind}:${e.type}:${e.direction}:${String(e.origin.staged)}`),
    ).toEqual([
      "StagedNetworkPolicy:select:ingress:true",
      "StagedNetworkPolicy:rule:ingress:true",
      "StagedKubernetesNetworkPolicy:select:ingress:true",
      "StagedGlobalNetworkPolicy:select:egress:true",
      "StagedGlobalNetworkPolicy:rule:egress:true",
    ]);
  });

  it("stagedAction Delete produces nothing", () => {
    const { entries, diags } = compile(`apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: g}
spec: {stagedAction: Delete, tier: default}
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: k, namespace: ns}
spec: {stagedAction: Delete}
`);
    expect(errors(diags)).toEqual([]);
    expect(entries).toEqual([]);
  });
});
