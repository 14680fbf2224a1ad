/**
 * @fileoverview Calico policy front end: what each rule field becomes in the IR. Expected selectors are
 * written from calico.md §2.2 (EntityRule scoping, `pcns.`/`pcsa.` rewriting, notSelector unscoped)
 * mapped onto sluice's label view (compiler/cluster/labels.ts), not copied from output.
 */

import { describe, expect, it } from "vitest";
import { LBL_NAMESPACE, NS_LABEL_PREFIX, LBL_SERVICE_ACCOUNT } from "../../compiler/cluster/labels.js";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import { compileCalicoObjects, rewriteOrchestrator } from "../../compiler/frontends/calico/policy/index.js";
import { parseObjects } from "../../compiler/input/read-objects.js";
import type { Peer, PolicyEntry, RuleEntry } from "../../compiler/ir/entry.js";
import { and, eq, has, NONE, not, or } from "../../compiler/ir/selector.js";
import type { Selector } from "../../compiler/ir/selector.js";

function compile(yaml: string): { entries: PolicyEntry[]; diags: Diagnostics } {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile("test.yaml", yaml), diags);
  const entries: PolicyEntry[] = [];
  compileCalicoObjects(objects, diags, entries);
  return { entries, diags };
}

/** The rules of a compile that must have no errors. */
function rules(yaml: string): RuleEntry[] {
  const { entries, diags } = compile(yaml);
  expect(diags.all.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
  return entries.filter((e): e is RuleEntry => e.type === "rule");
}

function np(ruleYaml: string, dir = "ingress", ns = "prod"): string {
  return `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: ${ns}}
spec:
  selector: app == 'web'
  ${dir}:
  - ${ruleYaml}
`;
}

function gnp(ruleYaml: string, dir = "ingress"): string {
  return `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: app == 'web'
  ${dir}:
  - ${ruleYaml}
`;
}

const one = (yaml: string): RuleEntry => {
  const r = rules(yaml);
  expect(r).toHaveLength(1);
  return r[0]!;
};
const ep = (selector: Selector): Peer => ({ kind: "endpoints", selector });
const strip = (xs: readonly unknown[]): unknown[] =>
  xs.map((x) => JSON.parse(JSON.stringify(x, (k, v: unknown) => (k === "span" ? undefined : v))) as unknown);
const NS_PROD = eq(LBL_NAMESPACE, "prod");

describe("subjects", () => {
  it("scopes a NetworkPolicy selector to its namespace", () => {
    expect(one(np("action: Allow")).subject).toEqual(and(eq("app", "web"), NS_PROD));
  });
  it("adds GlobalNetworkPolicy namespaceSelector (pcns.) and serviceAccountSelector (by name)", () => {
    const r = one(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: app == 'web'
  namespaceSelector: team == 'a'
  serviceAccountSelector: projectcalico.org/name == 'api'
  ingress: [{action: Allow}]
`);
    expect(r.subject).toEqual(
      and(eq("app", "web"), eq(NS_LABEL_PREFIX + "team", "a"), eq(LBL_SERVICE_ACCOUNT, "api")),
    );
  });
  it("folds the subject-side EntityRule (ingress destination) into the rule subject", () => {
    const r = one(np("{action: Allow, destination: {selector: tier == 'fe', notSelector: canary == 'y'}}"));
    const policy = and(eq("app", "web"), NS_PROD);
    expect(r.subject).toEqual(and(policy, NS_PROD, eq("tier", "fe"), not(eq("canary", "y"))));
    expect(r.peers).toEqual([{ kind: "any" }]);
  });
  it("folds egress source into the subject", () => {
    const r = one(gnp("{action: Deny, source: {selector: x == '1'}}", "egress"));
    expect(r.subject).toEqual(and(eq("app", "web"), eq("x", "1")));
  });
});

describe("peer selectors (calico.md §2.2)", () => {
  it("selector in a NetworkPolicy: the policy's namespace", () => {
    expect(strip(one(np("{action: Allow, source: {selector: role == 'db'}}")).peers)).toEqual([
      ep(and(NS_PROD, eq("role", "db"))),
    ]);
  });
  it("selector in a GlobalNetworkPolicy: every namespace and non-namespaced endpoint", () => {
    expect(strip(one(gnp("{action: Allow, source: {selector: role == 'db'}}")).peers)).toEqual([
      ep(eq("role", "db")),
    ]);
  });
  it("namespaceSelector replaces the namespace scope, pcns. keys map to namespace labels", () => {
    const r = one(
      np("{action: Allow, source: {selector: color == 'blue', namespaceSelector: shape == 'circle'}}"),
    );
    expect(strip(r.peers)).toEqual([ep(and(eq(NS_LABEL_PREFIX + "shape", "circle"), eq("color", "blue")))]);
  });
  it("namespaceSelector all() = any namespaced endpoint, global() = non-namespaced only", () => {
    expect(strip(one(np("{action: Allow, source: {namespaceSelector: all()}}")).peers)).toEqual([
      ep(has(LBL_NAMESPACE)),
    ]);
    expect(strip(one(np("{action: Allow, source: {namespaceSelector: global()}}")).peers)).toEqual([
      ep(not(has(LBL_NAMESPACE))),
    ]);
  });
  it("projectcalico.org/name in a namespaceSelector is the namespace's name", () => {
    const r = one(gnp("{action: Allow, source: {namespaceSelector: projectcalico.org/name == 'dev'}}"));
    expect(strip(r.peers)).toEqual([ep(eq(NS_LABEL_PREFIX + "kubernetes.io/metadata.name", "dev"))]);
  });
  it("notSelector is a notPeer, unscoped; the namespace scope stays positive (issue #341)", () => {
    const inNp = one(np("{action: Allow, source: {notSelector: has(x)}}"));
    expect(strip(inNp.peers)).toEqual([ep(NS_PROD)]);
    expect(strip(inNp.notPeers)).toEqual([ep(has("x"))]);
    const inGnp = one(gnp("{action: Allow, source: {notSelector: has(x)}}"));
    expect(strip(inGnp.peers)).toEqual([{ kind: "any" }]);
    expect(strip(inGnp.notPeers)).toEqual([ep(has("x"))]);
  });
  it("selector !has(x) only matches endpoints", () => {
    expect(strip(one(gnp("{action: Allow, source: {selector: '!has(x)'}}")).peers)).toEqual([
      ep(not(has("x"))),
    ]);
  });
  it("serviceAccounts: names and selector AND'ed, in the namespace scope", () => {
    const r = one(np("{action: Allow, source: {serviceAccounts: {names: [a, b]}}}"));
    expect(strip(r.peers)).toEqual([
      ep(and(NS_PROD, { op: "in", key: LBL_SERVICE_ACCOUNT, values: ["a", "b"] })),
    ]);
  });
  it("service-account labels are not modelled: kept as pcsa.* keys (absent) with a warning", () => {
    const { entries, diags } = compile(
      gnp("{action: Allow, source: {serviceAccounts: {selector: role == 'x'}}}"),
    );
    const r = entries.find((e): e is RuleEntry => e.type === "rule")!;
    expect(strip(r.peers)).toEqual([ep(eq("pcsa.role", "x"))]);
    expect(diags.all.map((d) => d.id)).toContain("calico-sa-labels-not-modelled");
  });
  it("projectcalico.org/namespace maps to the namespace meta label", () => {
    expect(
      strip(one(gnp("{action: Allow, source: {selector: projectcalico.org/namespace == 'x'}}")).peers),
    ).toEqual([ep(eq(LBL_NAMESPACE, "x"))]);
  });
});

describe("orchestrator rewrite", () => {
  const O = "projectcalico.org/orchestrator";
  it("turns tests k8s passes into has(namespace), others into none", () => {
    expect(rewriteOrchestrator(eq(O, "k8s"))).toEqual(has(LBL_NAMESPACE));
    expect(rewriteOrchestrator(has(O))).toEqual(has(LBL_NAMESPACE));
    expect(rewriteOrchestrator(eq(O, "openstack"))).toEqual(NONE);
    expect(rewriteOrchestrator(not(eq(O, "k8s")))).toEqual(not(has(LBL_NAMESPACE)));
    expect(rewriteOrchestrator(and(eq("a", "1"), { op: "in", key: O, values: ["k8s", "x"] }))).toEqual(
      and(eq("a", "1"), has(LBL_NAMESPACE)),
    );
    expect(rewriteOrchestrator(or(eq("a", "1"), { op: "starts", key: O, value: "k" }))).toEqual(
      or(eq("a", "1"), has(LBL_NAMESPACE)),
    );
  });
  it("applies to policy selectors", () => {
    expect(
      one(gnp("{action: Allow, source: {selector: \"projectcalico.org/orchestrator == 'k8s'\"}}")).peers,
    ).toMatchObject([{ kind: "endpoints", selector: has(LBL_NAMESPACE) }]);
  });
});

describe("nets", () => {
  it("nets → cidr peers, notNets → cidr notPeers; the family restricts nothing more", () => {
    const r = one(
      gnp("{action: Allow, source: {nets: [10.0.0.0/8, 192.168.0.0/16], notNets: [10.1.0.0/16]}}"),
    );
    expect(strip(r.peers)).toEqual([
      { kind: "cidr", cidr: "10.0.0.0/8", except: [] },
      { kind: "cidr", cidr: "192.168.0.0/16", except: [] },
    ]);
    expect(strip(r.notPeers)).toEqual([{ kind: "cidr", cidr: "10.1.0.0/16", except: [] }]);
  });
  it("nets with a selector: the selector peer, and the address must lie in the nets", () => {
    const r = one(gnp("{action: Allow, source: {selector: a == 'b', nets: [10.0.0.0/8]}}"));
    expect(strip(r.peers)).toEqual([ep(eq("a", "b"))]);
    expect(strip(r.notPeers)).toEqual([{ kind: "cidr", cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }]);
  });
  it("warns that subject-side nets are not enforced", () => {
    const { diags } = compile(np("{action: Allow, destination: {nets: [10.0.0.0/8]}}"));
    expect(diags.all.map((d) => d.id)).toEqual(["calico-subject-nets-not-modelled"]);
  });
});

describe("ipVersion", () => {
  it("restricts the peer family with a /0 notPeer of the other family", () => {
    expect(strip(one(gnp("{action: Allow, ipVersion: 4}")).notPeers)).toEqual([
      { kind: "cidr", cidr: "::/0", except: [] },
    ]);
    expect(strip(one(gnp("{action: Allow, ipVersion: 6, source: {selector: a == 'b'}}")).notPeers)).toEqual([
      { kind: "cidr", cidr: "0.0.0.0/0", except: [] },
    ]);
  });
  it("is not added where the protocol (ICMPv6) or the CIDRs carry the family", () => {
    expect(one(gnp("{action: Allow, protocol: ICMPv6}")).notPeers).toEqual([]);
    expect(one(gnp("{action: Allow, source: {notNets: ['fd00::/8']}}")).notPeers).toHaveLength(1);
  });
});

describe("protocols, ports, ICMP", () => {
  it("ports: ints, ranges and names with the rule's protocol", () => {
    const r = one(
      gnp("{action: Allow, protocol: TCP, destination: {ports: [80, '8000:8080', http, '443']}}"),
    );
    expect(strip(r.ports)).toEqual([
      { protocol: 6, ranges: [[80, 80]] },
      { protocol: 6, ranges: [[8000, 8080]] },
      { protocol: 6, ranges: [], named: "http" },
      { protocol: 6, ranges: [[443, 443]] },
    ]);
  });
  it("protocol names and numbers, alone", () => {
    expect(strip(one(gnp("{action: Allow, protocol: UDPLite}")).ports)).toEqual([
      { protocol: 136, ranges: [] },
    ]);
    expect(strip(one(gnp("{action: Allow, protocol: '17'}")).ports)).toEqual([{ protocol: 17, ranges: [] }]);
    expect(one(gnp("{action: Allow}")).ports).toEqual([]);
  });
  it("notPorts, notProtocol, notICMP become negated clauses", () => {
    const r = one(gnp("{action: Deny, protocol: UDP, notProtocol: 6, destination: {notPorts: [53]}}"));
    expect(strip(r.notPorts)).toEqual([
      { protocol: 17, ranges: [[53, 53]] },
      { protocol: 6, ranges: [] },
    ]);
    const i = one(gnp("{action: Allow, notICMP: {type: 8, code: 0}}"));
    expect(strip(i.notPorts)).toEqual([{ protocol: 1, ranges: [], icmpType: 8, icmpCode: 0 }]);
  });
  it("icmp type and code", () => {
    const r = one(gnp("{action: Allow, protocol: ICMP, icmp: {type: 8, code: 0}}"));
    expect(strip(r.ports)).toEqual([{ protocol: 1, ranges: [], icmpType: 8, icmpCode: 0 }]);
  });
  it("warns that source ports are not enforced", () => {
    const { diags } = compile(gnp("{action: Allow, protocol: TCP, source: {ports: [1234]}}"));
    expect(diags.all.map((d) => d.id)).toEqual(["calico-source-ports-not-modelled"]);
  });
});

describe("actions", () => {
  it("map to verdicts", () => {
    const r = rules(`apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  ingress: [{action: Allow}, {action: Deny}, {action: Pass}, {action: Log}]
`);
    expect(r.map((x) => x.verdict)).toEqual(["allow", "deny", "pass", "log"]);
  });
});

describe("services", () => {
  const svc = `apiVersion: v1
kind: Service
metadata: {name: dns, namespace: kube-system}
spec:
  selector: {k8s-app: kube-dns}
  ports:
  - {port: 53, protocol: UDP}
  - {port: 53, targetPort: dns-tcp, protocol: TCP}
---
`;
  it("egress destination: backend pods and the Service's target ports", () => {
    const r = one(
      svc + gnp("{action: Allow, destination: {services: {name: dns, namespace: kube-system}}}", "egress"),
    );
    expect(strip(r.peers)).toEqual([ep(and(eq(LBL_NAMESPACE, "kube-system"), eq("k8s-app", "kube-dns")))]);
    expect(strip(r.ports)).toEqual([
      { protocol: 17, ranges: [[53, 53]] },
      { protocol: 6, ranges: [], named: "dns-tcp" },
    ]);
  });
  it("ingress source: backend pods; namespace defaults to the policy's", () => {
    const s = svc.replace("kube-system", "prod");
    const r = one(s + np("{action: Allow, source: {services: {name: dns}}}"));
    expect(strip(r.peers)).toEqual([ep(and(NS_PROD, eq("k8s-app", "kube-dns")))]);
    expect(r.ports).toEqual([]);
  });
  it("an unknown Service matches nothing, with a warning", () => {
    const { entries, diags } = compile(
      gnp("{action: Allow, destination: {services: {name: x, namespace: y}}}", "egress"),
    );
    expect(entries.find((e): e is RuleEntry => e.type === "rule")!.peers).toEqual([]);
    expect(diags.all.map((d) => d.id)).toEqual(["calico-unknown-service"]);
  });
});

describe("http", () => {
  it("methods → alternation, exact → escaped path, prefix → escaped prefix + .*", () => {
    const r = one(
      gnp("{action: Allow, http: {methods: [GET, PUT], paths: [{exact: /a.b}, {prefix: /api/}]}}"),
    );
    expect(strip([r.l7])).toEqual([
      {
        kind: "http",
        implicitWildcard: false,
        rules: [
          { method: "GET|PUT", path: "/a\\.b", headers: [] },
          { method: "GET|PUT", path: "/api/.*", headers: [] },
        ],
      },
    ]);
  });
  it("methods only → one rule without a path", () => {
    const l7 = one(gnp("{action: Allow, http: {methods: [GET]}}")).l7;
    expect(l7?.kind === "http" ? l7.rules.map((x) => [x.method, x.path]) : undefined).toEqual([
      ["GET", undefined],
    ]);
  });
  it("no http → no l7", () => {
    expect(one(gnp("{action: Allow}")).l7).toBeUndefined();
  });
});
