/**
 * @fileoverview Calico policy front end: every diagnostic code, with its file:line:col. The conditions
 * are upstream's (`libcalico-go/lib/validator/v3/validator.go`, the v3 CRD rules, calico.md §3).
 */

import { describe, expect, it } from "vitest";
import { Diagnostics, oneLine } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import { compileCalicoObjects } from "../../compiler/frontends/calico/policy/index.js";
import { parseObjects } from "../../compiler/input/read-objects.js";
import type { PolicyEntry } from "../../compiler/ir/entry.js";

function diagnose(yaml: string): string[] {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile("t.yaml", yaml), diags);
  const entries: PolicyEntry[] = [];
  compileCalicoObjects(objects, diags, entries);
  return diags.all.map(oneLine);
}

const HEAD = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: g}\nspec:\n";
const NP_HEAD =
  "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p, namespace: n}\nspec:\n";
/** A GNP whose spec starts on line 5. */
const g = (spec: string): string => HEAD + spec;
/** A GNP with one ingress rule whose first line is line 6, column 5. */
const rule = (body: string): string => g(`  ingress:\n  - ${body}\n`);

const cases: [string, string, string][] = [
  // code, yaml, expected "line:col"
  ["S2001", g("  selectr: all()\n"), "5:3"],
  ["S2002", g("  order: '5'\n"), "5:10"],
  ["S2003", "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {}\n", "1:1"],
  [
    "S2301",
    "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: Bad_Name}\n",
    "3:18",
  ],
  ["S2302", NP_HEAD + "  doNotTrack: true\n", "5:3"],
  [
    "S2303",
    rule(
      `action: Allow\n    protocol: TCP\n    destination:\n      ports: [${Array.from({ length: 51 }, (_, i) => i + 1).join(", ")}]`,
    ),
    "9:7",
  ],
  ["S2304", rule("action: allow"), "6:13"],
  ["S2305", rule("protocol: TCP"), "6:5"],
  ["S2306", g("  types: [Ingress, Ingress]\n"), "5:20"],
  ["S3301", g("  selector: app = 'x'\n"), "5:17"],
  ["S3302", g("  selector: global()\n"), "5:13"],
  ["S3303", g("  tier: nope\n"), "5:9"],
  [
    "S3304",
    "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec:\n  order: 5\n",
    "5:3",
  ],
  ["S3305", rule("{action: Allow, protocol: tcp}"), "6:31"],
  ["S3306", rule("{action: Allow, protocol: TCP, destination: {ports: ['90:80']}}"), "6:58"],
  ["S3307", rule("{action: Allow, destination: {ports: [80]}}"), "6:35"],
  ["S3308", rule("{action: Allow, protocol: ICMP, icmp: {code: 1}}"), "6:50"],
  ["S3309", rule("{action: Allow, source: {nets: [10.0.0.1/8]}}"), "6:37"],
  ["S3310", rule("{action: Allow, source: {selector: a == 'b', services: {name: s, namespace: n}}}"), "6:30"],
  ["S3311", rule("{action: Deny, http: {methods: [GET]}}"), "6:20"],
  ["S3312", g("  doNotTrack: true\n  preDNAT: true\n  applyOnForward: true\n"), "6:3"],
  [
    "S3313",
    "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name: s}\nspec:\n  stagedAction: Delete\n  selector: all()\n",
    "6:3",
  ],
  [
    "S3314",
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec:\n  interfaceName: eth0\n",
    "5:3",
  ],
  ["S3315", g("  order: 1\n") + "---\n" + g("  order: 2\n"), "7:1"],
  ["W3301", g("  serviceAccountSelector: role == 'x'\n"), "5:27"],
  [
    "W3302",
    "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec: {node: n1, interfaceName: eth0, profiles: [kns.default]}\n",
    "4:50",
  ],
  ["W3303", g("  applyOnForward: true\n"), "5:3"],
  [
    "W3304",
    g("  egress:\n  - action: Allow\n    destination:\n      services: {name: s, namespace: n}\n"),
    "8:17",
  ],
  [
    "W3305",
    "apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {ports: [{port: 80}]}\n---\n" +
      g("  egress:\n  - action: Allow\n    destination:\n      services: {name: s, namespace: n}\n"),
    "13:17",
  ],
  ["W3306", rule("{action: Allow, protocol: TCP, source: {ports: [53]}}"), "6:45"],
  ["W3307", rule("{action: Allow, destination: {nets: [10.0.0.0/8]}}"), "6:35"],
];

describe("every diagnostic code, with its position", () => {
  it.each(cases)("%s", (code, yaml, where) => {
    const found = diagnose(yaml);
    const line = found.find((d) => d.includes(`[${code}]`));
    expect(line, found.join("\n")).toBeDefined();
    expect(line!.startsWith(`t.yaml:${where}: `), line).toBe(true);
  });
});

describe("selector errors inside quoted strings", () => {
  it("points past single-quote escapes", () => {
    // value: a == 'b' &&   → error at the end (offset 11), source: '...' with '' escapes
    const d = diagnose(g("  selector: 'a == ''b'' &&'\n"));
    expect(d[0]).toMatch(/^t\.yaml:5:27: error\[S3301\]/);
  });
  it("points past double-quote escapes", () => {
    // value: a == "b" = x  → the lone '=' at offset 9, column 25 after the quote and two backslashes
    const d = diagnose(g('  selector: "a == \\"b\\" = x"\n'));
    expect(d[0]).toMatch(/^t\.yaml:5:25: error\[S3301\]/);
  });
  it("reports a block scalar's trailing newline", () => {
    const d = diagnose(g("  selector: |\n    a == 'b'\n"));
    expect(d[0]).toMatch(/error\[S3301\]/);
    expect(d[0]).toMatch(/^t\.yaml:6:/);
  });
});

describe("rule checks upstream makes", () => {
  const codes = (yaml: string): string[] => diagnose(yaml).map((d) => /\[(\w+)\]/.exec(d)![1]!);
  it("ICMP requires ipVersion 4, ICMPv6 requires 6", () => {
    expect(codes(rule("{action: Allow, protocol: ICMP, ipVersion: 6}"))).toEqual(["S3308"]);
    expect(codes(rule("{action: Allow, notProtocol: ICMPv6, ipVersion: 4}"))).toEqual(["S3308"]);
  });
  it("rejects mixed CIDR families, CIDRs against ipVersion, a /0 in notNets", () => {
    expect(
      codes(rule("{action: Allow, source: {nets: [10.0.0.0/8]}, destination: {nets: ['::1/128']}}")),
    ).toEqual(["S3309"]);
    expect(codes(rule("{action: Allow, ipVersion: 6, source: {nets: [10.0.0.0/8]}}"))).toEqual(["S3309"]);
    expect(codes(rule("{action: Allow, source: {notNets: [0.0.0.0/0]}}"))).toEqual(["S3309"]);
  });
  it("restricts services by direction, ports and namespace", () => {
    expect(codes(rule("{action: Allow, destination: {services: {name: s, namespace: n}}}"))).toContain(
      "S3310",
    );
    expect(codes(rule("{action: Allow, source: {services: {name: s}}}"))).toEqual(["S3310"]);
    const eg = g(
      "  egress:\n  - {action: Allow, protocol: TCP, destination: {ports: [80], services: {name: s, namespace: n}}}\n",
    );
    expect(codes(eg)).toContain("S3310");
  });
  it("restricts http to ingress Allow rules over TCP", () => {
    expect(codes(g("  egress:\n  - {action: Allow, http: {methods: [GET]}}\n"))).toEqual(["S3311"]);
    expect(codes(rule("{action: Allow, protocol: UDP, http: {methods: [GET]}}"))).toEqual(["S3311"]);
    expect(codes(rule("{action: Allow, http: {paths: [{exact: /a, prefix: /b}]}}"))).toEqual(["S3311"]);
    expect(codes(rule("{action: Allow, http: {paths: [{exact: '/a?b'}]}}"))).toEqual(["S3311"]);
    expect(codes(rule("{action: Allow, http: {methods: [GET, GET]}}"))).toEqual(["S2306"]);
  });
  it("allows global() only alone in a rule namespaceSelector", () => {
    expect(codes(rule("{action: Allow, source: {namespaceSelector: 'global() && a == \"b\"'}}"))).toEqual([
      "S3302",
    ]);
    expect(codes(rule("{action: Allow, source: {selector: 'global()'}}"))).toEqual(["S3302"]);
    expect(codes(rule("{action: Allow, source: {namespaceSelector: global()}}"))).toEqual([]);
  });
  it("checks preDNAT and applyOnForward", () => {
    expect(codes(g("  preDNAT: true\n  applyOnForward: true\n  egress: [{action: Allow}]\n"))).toContain(
      "S3312",
    );
    expect(codes(g("  doNotTrack: true\n"))).toContain("S3312");
    expect(codes(g("  preDNAT: true\n  applyOnForward: true\n  types: [Egress]\n"))).toContain("S3312");
  });
  it("rejects port 0, ports above 65535 and bad names", () => {
    expect(codes(rule("{action: Allow, protocol: TCP, destination: {ports: [0]}}"))).toEqual(["S3306"]);
    expect(codes(rule("{action: Allow, protocol: TCP, destination: {ports: [65536]}}"))).toEqual(["S3306"]);
    expect(codes(rule("{action: Allow, protocol: TCP, destination: {ports: [Not_A_Name]}}"))).toEqual([
      "S3306",
    ]);
    expect(codes(rule("{action: Allow, protocol: 0}"))).toEqual(["S3305"]);
  });
  it("names kube-admin's required settings", () => {
    const t =
      "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: kube-admin}\nspec: {order: 1000}\n";
    expect(diagnose(t).join("\n")).toMatch(/S3304.*order 1000 and defaultAction Pass/);
  });
});
