// compiler/lint: the selector lints (policy-selects-nothing, selector-matches-nothing,
// empty-selector-matches-all), each finding checked for code, id, severity, file:line:col and notes.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { lintCompile } from "../../compiler/lint/index.js";
import { at, dir, found, lintYaml } from "./helpers.js";

describe("policy-selects-nothing (L0001)", () => {
  it("reports a policy whose subject matches no pod, at its podSelector, with a note at the policy", () => {
    const l = lintYaml(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: ghost, namespace: shop }
spec:
  podSelector: { matchLabels: { app: db } }
`);
    expect(found(l, "policy-selects-nothing")).toEqual([
      {
        code: "L0001",
        severity: "warning",
        at: at(l, "{ matchLabels: { app: db } }"),
        message: "NetworkPolicy shop/ghost selects no endpoint in the cluster snapshot",
        notes: [
          'its subject: io.kubernetes.pod.namespace == "shop" && app == "db"',
          `the policy @ ${at(l, "apiVersion: networking")}`,
        ],
      },
    ]);
  });

  it("stays quiet for a policy that selects a pod, and without pods in the snapshot", () => {
    const l = lintYaml(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: db, namespace: data }
spec:
  podSelector: { matchLabels: { app: db } }
`);
    expect(found(l, "policy-selects-nothing")).toEqual([]);
    const file = join(dir, "no-pods.yaml");
    writeFileSync(
      file,
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: x }\nspec: { podSelector: { matchLabels: { a: b } } }\n",
    );
    expect(lintCompile(compile([file])).filter((d) => d.code === "L0001")).toEqual([]);
  });
});

describe("selector-matches-nothing (L0002)", () => {
  it("reports a peer whose selector matches no identity, with a note at its rule", () => {
    const l = lintYaml(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  podSelector: { matchLabels: { app: web } }
  ingress:
    - from:
        - podSelector: { matchLabels: { app: client } }
        - podSelector: { matchLabels: { app: clinet } }
`);
    const f = found(l, "selector-matches-nothing");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      code: "L0002",
      severity: "warning",
      at: at(l, "podSelector: { matchLabels: { app: clinet"),
    });
    expect(f[0]!.notes).toEqual([
      'selector: io.kubernetes.pod.namespace == "shop" && app == "clinet"',
      `in ingress rule 0 of NetworkPolicy shop/web @ ${at(l, "from:")}`,
    ]);
  });

  it("counts reserved identities: a Cilium world entity matches", () => {
    const l = lintYaml(
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEntities: [ world ]
    - fromEndpoints: [ { matchLabels: { app: nobody } } ]
`,
      "cilium",
    );
    expect(found(l, "selector-matches-nothing").map((x) => x.at)).toEqual([
      at(l, "{ matchLabels: { app: nobody } }"),
    ]);
  });
});

describe("empty-selector-matches-all (L0003)", () => {
  it("notes an empty subject and empty peers, info level, saying what they match", () => {
    const l = lintYaml(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: open, namespace: shop }
spec:
  podSelector: {}
  ingress:
    - from: [ { podSelector: {} } ]
    - from: [ { namespaceSelector: {} } ]
`);
    const f = found(l, "empty-selector-matches-all");
    expect(f.map((x) => [x.code, x.severity, x.at, x.message])).toEqual([
      [
        "L0003",
        "note",
        at(l, "{}"),
        "the empty selector {} makes NetworkPolicy shop/open apply to every endpoint in namespace shop",
      ],
      ["L0003", "note", at(l, "{}", 1), "the empty podSelector {} matches every pod in namespace shop"],
      [
        "L0003",
        "note",
        at(l, "{}", 2),
        "the empty namespaceSelector {} matches every pod in every namespace",
      ],
    ]);
    expect(f[0]!.notes).toEqual(["2 endpoint(s) of the snapshot are selected"]);
    expect(f[1]!.notes).toEqual([`in ingress rule 0 of NetworkPolicy shop/open @ ${at(l, "from:")}`]);
  });

  it("notes a Cilium `fromEndpoints: [{}]` but not a selector with labels", () => {
    const l = lintYaml(
      `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: { name: web, namespace: shop }
spec:
  endpointSelector: { matchLabels: { app: web } }
  ingress:
    - fromEndpoints: [ {} ]
`,
      "cilium",
    );
    expect(found(l, "empty-selector-matches-all").map((x) => [x.at, x.message])).toEqual([
      [at(l, "{} ]"), "the empty endpoint selector {} matches every endpoint in namespace shop"],
    ]);
  });
});

describe("lintCompile", () => {
  it("returns nothing for a compile that failed", () => {
    const file = join(dir, "broken.yaml");
    writeFileSync(
      file,
      "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: x }\nspec: { bogus: 1 }\n",
    );
    const r = compile([file]);
    expect(r.diagnostics.some((d) => d.severity === "error")).toBe(true);
    expect(lintCompile(r)).toEqual([]);
  });
});
