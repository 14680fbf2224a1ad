// Every diagnostic code of the Cilium front end, each with the file:line:col it must point at and a
// help text. Policies start at line 1; `spec:` is line 4, so the rule's first field is line 5.
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { formatLocation } from "../../compiler/diagnostics/source.js";
import type { CiliumOptions } from "../../compiler/frontends/cilium/cilium-policy.js";
import { frontend } from "./helpers.js";

const HEAD =
  "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p, namespace: prod}\nspec:\n";
const CCNP = "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {name: p}\nspec:\n";
const cnp = (...lines: string[]): string => HEAD + lines.join("\n");
const ccnp = (...lines: string[]): string => CCNP + lines.join("\n");

interface Case {
  readonly code: string;
  readonly text: string;
  /** line:col of the diagnostic. */
  readonly at: string;
  readonly options?: CiliumOptions;
}

const ES = "  endpointSelector: {}";
const many = Array.from({ length: 41 }, (_, i) => `{port: '${i + 1}'}`).join(", ");

const CASES: readonly Case[] = [
  { code: "S2001", text: cnp(ES, "  ingress: [{}]", "  ingres: [{}]"), at: "7:3" },
  { code: "S2002", text: cnp(ES, "  ingress: {}"), at: "6:12" },
  {
    code: "S2003",
    text: "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {namespace: prod}\nspec: {}",
    at: "3:11",
  },
  {
    code: "S2201",
    text: "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: p}",
    at: "1:1",
  },
  { code: "S2202", text: cnp("  ingress: [{}]"), at: "5:3" },
  { code: "S2202", text: ccnp(ES, "  nodeSelector: {}", "  ingress: [{}]"), at: "6:3" },
  { code: "S2203", text: cnp("  nodeSelector: {}", "  ingress: [{}]"), at: "5:3" },
  { code: "S2204", text: cnp(ES, "  ingress: []"), at: "5:3" },
  { code: "S2205", text: cnp(ES, "  ingress:", "  - fromRequires: [{}]"), at: "7:5" },
  {
    code: "S2206",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '9092', protocol: TCP}]",
      "      rules: {kafka: [{}]}",
    ),
    at: "9:15",
    options: { ciliumVersion: "1.20" },
  },
  { code: "S2207", text: cnp(ES, "  ingress:", "  - toPorts: [{ports: [{port: 80}]}]"), at: "7:31" },
  { code: "S2207", text: cnp(ES, "  ingress:", "  - toPorts: [{ports: [{protocol: TCP}]}]"), at: "7:24" },
  { code: "S2208", text: cnp(ES, "  ingress:", `  - toPorts: [{ports: [${many}]}]`), at: "7:23" },
  {
    code: "S3201",
    text: cnp(ES, "  egress:", "  - toEndpoints: [{}]", "    toCIDR: [10.0.0.0/8]"),
    at: "8:5",
  },
  {
    code: "S3202",
    text: cnp(ES, "  ingress:", "  - toPorts: [{ports: [{port: REMOVE_ME_AFTER_CHECKING}]}]"),
    at: "7:31",
  },
  {
    code: "S3202",
    text: cnp(ES, "  ingress:", "  - toPorts: [{ports: [{port: '80', endPort: 79}]}]"),
    at: "7:46",
  },
  {
    code: "S3203",
    text: cnp(ES, "  ingress:", "  - toPorts: [{ports: [{port: '80', protocol: tcp}]}]"),
    at: "7:47",
  },
  {
    code: "S3204",
    text: cnp(ES, "  egress:", "  - toCIDRSet:", "    - cidr: 10.0.0.0/8", "      except: [192.168.0.0/16]"),
    at: "9:16",
  },
  { code: "S3204", text: cnp(ES, "  egress:", "  - toCIDR: [10.0.0.300/8]"), at: "7:14" },
  { code: "S3205", text: cnp(ES, "  ingress:", "  - fromEntities: [World]"), at: "7:20" },
  {
    code: "S3206",
    text: cnp(
      ES,
      "  egress:",
      "  - toPorts: [{ports: [{port: '80'}]}]",
      "    icmps: [{fields: [{type: 8}]}]",
    ),
    at: "8:5",
  },
  {
    code: "S3206",
    text: cnp(ES, "  egress:", "  - icmps: [{fields: [{type: EchoRequest, family: IPv5}]}]"),
    at: "7:51",
  },
  { code: "S3206", text: cnp(ES, "  egress:", "  - icmps: [{fields: [{type: PacketTooBig}]}]"), at: "7:30" },
  {
    code: "S3207",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: UDP}]",
      "      rules: {http: [{}]}",
    ),
    at: "9:15",
  },
  {
    code: "S3207",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '53', protocol: UDP}]",
      "      rules: {dns: [{matchName: a.io}]}",
    ),
    at: "9:15",
  },
  {
    code: "S3208",
    text: cnp(ES, "  egressDeny:", "  - toFQDNs: [{matchName: cilium.io}]"),
    at: "7:5",
  },
  {
    code: "S3208",
    text: cnp(
      ES,
      "  ingressDeny:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: TCP}]",
      "      rules: {http: [{}]}",
    ),
    at: "9:7",
  },
  {
    code: "S3209",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: TCP}]",
      "      rules: {http: [{path: '/(a'}]}",
    ),
    at: "9:29",
  },
  {
    code: "S3209",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: TCP}]",
      "      rules: {http: [{path: '/(?=a)'}]}",
    ),
    at: "9:29",
  },
  {
    code: "S3210",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '9092', protocol: TCP}]",
      "      rules: {kafka: [{role: produce, apiKey: fetch}]}",
    ),
    at: "9:47",
  },
  {
    code: "S3210",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '9092', protocol: TCP}]",
      "      rules: {kafka: [{topic: 'a/b'}]}",
    ),
    at: "9:31",
  },
  { code: "S3211", text: cnp(ES, "  egress:", "  - toFQDNs: [{matchName: '*.cilium.io'}]"), at: "7:27" },
  {
    code: "S3211",
    text: cnp(ES, "  egress:", "  - toFQDNs: [{matchName: a.io, matchPattern: '*.b.io'}]"),
    at: "7:15",
  },
  {
    code: "S3212",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: TCP}]",
      "      rules: {http: [{headerMatches: [{value: x}]}]}",
    ),
    at: "9:39",
  },
  { code: "S3213", text: cnp(ES, "  egress:", "  - toServices: [{}]"), at: "7:18" },
  {
    code: "S3214",
    text: cnp(
      ES,
      "  egress:",
      "  - toServices: [{k8sService: {serviceName: db}}]",
      "    toPorts: [{ports: [{port: '80'}]}]",
    ),
    at: "8:5",
  },
  {
    code: "S3215",
    text: cnp(ES, "  egress:", "  - toCIDRSet: [{cidrGroupRef: office}]"),
    at: "7:18",
  },
  {
    code: "S3215",
    text: cnp(ES, "  egress:", "  - toGroups: [{aws: {securityGroupsIds: [sg-1]}}]"),
    at: "7:16",
  },
  {
    code: "S3216",
    text: ccnp(
      "  nodeSelector: {}",
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: TCP}]",
      "      rules: {http: [{}]}",
    ),
    at: "9:15",
  },
  {
    code: "S3217",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '80', protocol: TCP}]",
      "      listener: {envoyConfig: {kind: CiliumEnvoyConfig, name: e}, name: l}",
    ),
    at: "9:7",
  },
  {
    code: "S3218",
    text: cnp(ES, "  log: {value: 'a very long log value, more than 32'}", "  ingress: [{}]"),
    at: "6:16",
  },
  {
    code: "W3201",
    text: cnp(ES, "  egress:", "  - toServices: [{k8sService: {serviceName: db, namespace: data}}]"),
    at: "7:18",
  },
  {
    code: "W3202",
    text:
      "apiVersion: v1\nkind: Service\nmetadata: {name: ext, namespace: prod}\nspec: {ports: [{port: 80}]}\n---\n" +
      cnp(ES, "  egress:", "  - toServices: [{k8sService: {serviceName: ext}}]"),
    at: "12:18",
  },
  { code: "W3203", text: cnp(ES, "  egress:", "  - toFQDNs: [{matchPattern: '*.cilium.io'}]"), at: "7:5" },
  {
    code: "W3204",
    text: cnp(
      ES,
      "  ingress:",
      "  - toPorts:",
      "    - ports: [{port: '443', protocol: TCP}]",
      "      serverNames: [api.example.com]",
    ),
    at: "9:7",
  },
  {
    code: "W3205",
    text: cnp("  endpointSelector: {matchLabels: {io.kubernetes.pod.namespace: dev}}", "  ingress: [{}]"),
    at: "5:65",
  },
  {
    code: "W3206",
    text: cnp(ES, "  ingress:", "  - fromEntities: [world]", "    authentication: {mode: required}"),
    at: "8:28",
  },
  { code: "W3207", text: cnp(ES, "  egress:", "  - toCIDR: [10.1.2.3/8]"), at: "7:14" },
  { code: "W3208", text: cnp(ES, "  ingress:", "  - toPorts: [{}]"), at: "7:15" },
];

describe("diagnostics: code, location and help", () => {
  for (const c of CASES) {
    it(`${c.code} at policy.yaml:${c.at}`, () => {
      const r = frontend(c.text, c.options ?? {});
      const hit = r.diagnostics.filter((d) => d.code === c.code);
      expect(
        hit.map((d) => formatLocation(d.span!)),
        r.diagnostics.map((d) => `${d.code} ${formatLocation(d.span!)} ${d.message}`).join("\n"),
      ).toContain(`policy.yaml:${c.at}`);
      for (const d of hit) {
        expect(d.help ?? "", d.message).not.toBe("");
        expect(d.severity).toBe(c.code.startsWith("W") ? "warning" : "error");
      }
    });
  }

  it("every code of the table in cilium-policy.ts is covered", () => {
    const covered = new Set([...CASES.map((c) => c.code), "S3219"]);
    const table = [
      ...Array.from({ length: 3 }, (_, i) => `S200${i + 1}`),
      ...Array.from({ length: 8 }, (_, i) => `S220${i + 1}`),
      ...Array.from({ length: 19 }, (_, i) => `S32${String(i + 1).padStart(2, "0")}`),
      ...Array.from({ length: 8 }, (_, i) => `W320${i + 1}`),
    ];
    expect(table.filter((c) => !covered.has(c))).toEqual([]);
  });

  it("S3219: a Cilium policy in a compile for another CNI", () => {
    const p = join(tmpdir(), `sluice-cilium-cni-${process.pid}.yaml`);
    writeFileSync(p, cnp(ES, "  ingress: [{}]"));
    try {
      const r = compile([p], { cni: "spec" });
      expect(r.diagnostics.map((d) => `${d.code}@${formatLocation(d.span!).slice(p.length + 1)}`)).toEqual([
        "S3219@1:1",
      ]);
      expect(r.diagnostics[0]!.help).toContain("--cni cilium");
    } finally {
      rmSync(p);
    }
  });

  it("a warning id can be re-levelled and each L7 policy warns once", () => {
    const r = frontend(
      cnp(
        ES,
        "  ingress:",
        "  - toPorts:",
        "    - ports: [{port: '443', protocol: TCP}]",
        "      serverNames: [a.example.com]",
        "    - ports: [{port: '8443', protocol: TCP}]",
        "      serverNames: [b.example.com]",
      ),
    );
    expect(r.diagnostics.filter((d) => d.id === "l7-not-enforced")).toHaveLength(1);
  });
});
