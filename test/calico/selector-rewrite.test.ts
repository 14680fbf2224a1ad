/**
 * @fileoverview namespaceSelector / serviceAccountSelector rewriting. Expected strings are upstream's
 * (`updateprocessors/rules_test.go`, `globalnetworkpolicyprocessor_test.go`); the rest follow the
 * update processors' code: string composition, `pcns.` / `pcsa.` prefixes, `all()` / `global()`
 * substitution, and the profile labels an endpoint inherits.
 */

import { describe, expect, it } from "vitest";
import {
  attachPrefix,
  CalicoSelectorError,
  entityRuleSelector,
  globalNetworkPolicySelector,
  namespaceProfileLabels,
  networkPolicySelector,
  parseSelector,
  serviceAccountMatchSelector,
  serviceAccountProfileLabels,
} from "../../compiler/frontends/calico/selector/index.js";

describe("attachPrefix (parseSelectorAttachPrefix)", () => {
  it("prefixes every label and prints canonically", () => {
    expect(attachPrefix("!has(key) || (has(key) && !key in {'value'})", "pcns.")).toBe(
      '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))',
    );
    expect(attachPrefix("a starts with 'x' && b not in {'y'}", "pcsa.")).toBe(
      '(pcsa.a starts with "x" && pcsa.b not in {"y"})',
    );
    expect(attachPrefix("", "pcns.")).toBe("all()");
  });

  it("throws on an invalid selector (upstream logs it and drops the field)", () => {
    expect(() => attachPrefix("name 'testing'", "pcns.")).toThrow(CalicoSelectorError);
  });
});

describe("GlobalNetworkPolicy selector (globalnetworkpolicyprocessor_test.go)", () => {
  const selector = "mylabel == 'selectme'";
  it.each([
    [{ selector }, "mylabel == 'selectme'"],
    [
      { selector, serviceAccountSelector: "role == 'development'" },
      `(mylabel == 'selectme') && pcsa.role == "development"`,
    ],
    [
      { selector, serviceAccountSelector: "all()" },
      "(mylabel == 'selectme') && has(projectcalico.org/serviceaccount)",
    ],
    [
      { selector, namespaceSelector: "name == 'testing'" },
      `(mylabel == 'selectme') && pcns.name == "testing"`,
    ],
    [{ selector, namespaceSelector: "all()" }, "(mylabel == 'selectme') && has(projectcalico.org/namespace)"],
    [
      { selector, namespaceSelector: "name == 'testing'", serviceAccountSelector: "role == 'development'" },
      `((mylabel == 'selectme') && pcns.name == "testing") && pcsa.role == "development"`,
    ],
    [{ serviceAccountSelector: "role == 'development'" }, 'pcsa.role == "development"'],
    [{ namespaceSelector: "name == 'testing'" }, 'pcns.name == "testing"'],
    [
      { namespaceSelector: "name == 'testing'", serviceAccountSelector: "role == 'development'" },
      '(pcns.name == "testing") && pcsa.role == "development"',
    ],
    [{}, ""],
  ])("%j → %s", (spec, want) => {
    expect(globalNetworkPolicySelector(spec)).toBe(want);
    if (want !== "") {
      expect(() => parseSelector(want)).not.toThrow();
    }
  });

  it("replaces all() textually, in the policy's own selector and inside strings too (upstream quirk)", () => {
    expect(globalNetworkPolicySelector({ selector: "all()", namespaceSelector: "x == 'all()'" })).toBe(
      '(has(projectcalico.org/namespace)) && pcns.x == "has(projectcalico.org/namespace)"',
    );
    // `all( )` is not the literal text `all()`, so it survives in the policy selector.
    expect(globalNetworkPolicySelector({ selector: "all( )", namespaceSelector: "all()" })).toBe(
      "(all( )) && has(projectcalico.org/namespace)",
    );
  });
});

describe("NetworkPolicy selector (networkpolicyprocessor.go)", () => {
  it("adds the namespace, then the pcsa. serviceAccountSelector", () => {
    expect(networkPolicySelector({}, "default")).toBe("projectcalico.org/namespace == 'default'");
    expect(networkPolicySelector({ selector: "mylabel == 'selectme'" }, "default")).toBe(
      "(mylabel == 'selectme') && projectcalico.org/namespace == 'default'",
    );
    expect(
      networkPolicySelector(
        { selector: "a == 'b'", serviceAccountSelector: "projectcalico.org/name == 'sa'" },
        "ns1",
      ),
    ).toBe(`((a == 'b') && projectcalico.org/namespace == 'ns1') && pcsa.projectcalico.org/name == "sa"`);
  });

  it("canonicalises to nested && groups, as Felix sees it", () => {
    const sel = parseSelector(networkPolicySelector({ selector: "a == 'b' && c == 'd'" }, "ns1"));
    expect(sel.toString()).toBe('((a == "b" && c == "d") && projectcalico.org/namespace == "ns1")');
  });
});

describe("EntityRule selector (rules_test.go)", () => {
  it.each([
    [
      { selector: "mylabel = value1", notSelector: "has(label1)" },
      "namespace2",
      "(projectcalico.org/namespace == 'namespace2') && (mylabel = value1)",
    ],
    [{ notSelector: "has(label2)" }, "namespace2", "projectcalico.org/namespace == 'namespace2'"],
    [
      { namespaceSelector: "namespacelabel1 == 'value1'", notSelector: "has(label2)" },
      "",
      'pcns.namespacelabel1 == "value1"',
    ],
    [{ selector: "has(foo)" }, "", "has(foo)"],
    [{}, "", ""],
    [{}, "ns", ""],
    [
      { selector: "projectcalico.org/orchestrator == 'k8s'", namespaceSelector: "key == 'value'" },
      "namespace",
      `(pcns.key == "value") && (projectcalico.org/orchestrator == 'k8s')`,
    ],
    [
      { namespaceSelector: "!has(key) || (has(key) && !key in {'value'})" },
      "namespace",
      '(!has(pcns.key) || (has(pcns.key) && !pcns.key in {"value"}))',
    ],
    [
      { serviceAccounts: { names: ["sa1", "sa2"], selector: "key == 'value1'" } },
      "namespace",
      `(projectcalico.org/namespace == 'namespace') && ((pcsa.key == "value1") && (projectcalico.org/serviceaccount in {"sa1", "sa2"}))`,
    ],
    [
      {
        namespaceSelector: "nskey == 'nsvalue'",
        serviceAccounts: { names: ["sa3"], selector: "key == 'value2'" },
      },
      "namespace",
      `(pcns.nskey == "nsvalue") && ((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"}))`,
    ],
    [
      { serviceAccounts: { names: ["sa1", "sa2"], selector: "key == 'value1'" } },
      "",
      `(pcsa.key == "value1") && (projectcalico.org/serviceaccount in {"sa1", "sa2"})`,
    ],
    [{ serviceAccounts: {} }, "", ""],
    [
      {
        namespaceSelector: "nskey == 'nsvalue'",
        serviceAccounts: { names: ["sa3"], selector: "key == 'value2'" },
        selector: "has(label1)",
      },
      "namespace",
      `(pcns.nskey == "nsvalue") && (((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"})) && (has(label1)))`,
    ],
    [
      { namespaceSelector: "namespace == 'red'", selector: "has(label1)" },
      "namespace",
      '(pcns.namespace == "red") && (has(label1))',
    ],
    [
      { namespaceSelector: "all()", selector: "has(label2)" },
      "namespace",
      "(has(projectcalico.org/namespace)) && (has(label2))",
    ],
    [
      { namespaceSelector: "global()", selector: "has(label3)" },
      "namespace",
      "(!has(projectcalico.org/namespace)) && (has(label3))",
    ],
    [{ namespaceSelector: "global()" }, "", "!has(projectcalico.org/namespace)"],
  ])("%j in namespace %j → %s", (rule, namespace, want) => {
    expect(entityRuleSelector(rule, namespace)).toBe(want);
  });

  it("sorts and de-duplicates service account names", () => {
    expect(serviceAccountMatchSelector({ names: ["b", "a", "b"] })).toBe(
      'projectcalico.org/serviceaccount in {"a", "b"}',
    );
  });
});

describe("profile labels (NamespaceToProfile, ServiceAccountToProfile)", () => {
  it("prefixes labels and adds the name, which wins over a label of that key", () => {
    expect(namespaceProfileLabels("prod", { team: "a", "projectcalico.org/name": "spoofed" })).toEqual(
      new Map([
        ["pcns.team", "a"],
        ["pcns.projectcalico.org/name", "prod"],
      ]),
    );
    expect(serviceAccountProfileLabels("api", new Map([["role", "web"]]))).toEqual(
      new Map([
        ["pcsa.role", "web"],
        ["pcsa.projectcalico.org/name", "api"],
      ]),
    );
  });

  it("lets a rewritten namespaceSelector match by namespace name or label", () => {
    const endpoint = new Map([
      ["app", "db"],
      ["projectcalico.org/namespace", "prod"],
      ...namespaceProfileLabels("prod", { env: "production" }),
    ]);
    const byName = parseSelector(
      entityRuleSelector(
        { namespaceSelector: "projectcalico.org/name == 'prod'", selector: "app == 'db'" },
        "",
      ),
    );
    const byLabel = parseSelector(entityRuleSelector({ namespaceSelector: "env == 'staging'" }, ""));
    const anyNs = parseSelector(entityRuleSelector({ namespaceSelector: "all()" }, ""));
    const global = parseSelector(entityRuleSelector({ namespaceSelector: "global()" }, ""));
    expect(byName.matches(endpoint)).toBe(true);
    expect(byLabel.matches(endpoint)).toBe(false);
    expect(anyNs.matches(endpoint)).toBe(true);
    expect(global.matches(endpoint)).toBe(false);
    expect(global.matches({ "host-endpoint": "eth0" })).toBe(true);
  });
});
