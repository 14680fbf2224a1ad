// Helpers of the Cilium front-end tests: compile inline YAML with the front end alone, print IR pieces
// readably, find diagnostics by code with their file:line:col, and run end-to-end scenarios through
// compile() and the Engine on temp files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../../compiler/compile.js";
import type { CompileResult } from "../../compiler/compile.js";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { SourceFile, formatLocation } from "../../compiler/diagnostics/source.js";
import { compileCiliumPolicy, isCiliumPolicy } from "../../compiler/frontends/cilium/cilium-policy.js";
import type { CiliumOptions } from "../../compiler/frontends/cilium/cilium-policy.js";
import { parseObjects } from "../../compiler/input/read-objects.js";
import type { Peer, PolicyEntry, PortMatch, RuleEntry, SelectEntry } from "../../compiler/ir/entry.js";
import { selectorToString } from "../../compiler/ir/selector.js";
import { Engine } from "../../runtime/engine/engine.js";

/** The result of compiling inline YAML with the Cilium front end. */
export interface FrontendResult {
  readonly entries: PolicyEntry[];
  readonly diagnostics: readonly Diagnostic[];
  readonly rules: RuleEntry[];
  readonly selects: SelectEntry[];
}

/** Compile every Cilium policy in `yaml` (other objects are passed as `objects` for toServices). */
export function frontend(yaml: string, options: CiliumOptions = {}, path = "policy.yaml"): FrontendResult {
  const diags = new Diagnostics();
  const objects = parseObjects(new SourceFile(path, yaml), diags);
  const entries: PolicyEntry[] = [];
  for (const o of objects.filter(isCiliumPolicy)) {
    compileCiliumPolicy(o, diags, entries, { objects, ...options });
  }
  return {
    entries,
    diagnostics: diags.all,
    rules: entries.filter((e): e is RuleEntry => e.type === "rule"),
    selects: entries.filter((e): e is SelectEntry => e.type === "select"),
  };
}

/** A peer as text: `any`, a selector, or `cidr except ...`. */
export function peerText(p: Peer): string {
  switch (p.kind) {
    case "any":
      return "any";
    case "endpoints":
      return selectorToString(p.selector);
    case "cidr":
      return p.except.length === 0 ? p.cidr : `${p.cidr} except ${p.except.join(",")}`;
    case "fqdn":
      return `fqdn ${p.selector.matchName ?? p.selector.matchPattern ?? p.selector.regex}`;
  }
}

/** A port clause as text: `6/80-90`, `17/*`, `6/http`, `icmp1/8`. */
export function portText(p: PortMatch): string {
  if (p.icmpType !== undefined) {
    return `icmp${p.protocol ?? "*"}/${p.icmpType}`;
  }
  const where =
    p.named ??
    (p.ranges.length === 0 ? "*" : p.ranges.map(([a, b]) => (a === b ? `${a}` : `${a}-${b}`)).join(","));
  return `${p.protocol ?? "*"}/${where}`;
}

/** Errors and warnings as `code@line:col`. */
export function codes(r: { readonly diagnostics: readonly Diagnostic[] }): string[] {
  return r.diagnostics.map((d) => `${d.code}@${d.span ? formatLocation(d.span).replace(/^.*?:/, "") : "-"}`);
}

/** Error codes only. */
export function errors(r: { readonly diagnostics: readonly Diagnostic[] }): string[] {
  return r.diagnostics.filter((d) => d.severity === "error").map((d) => d.code);
}

/** A pod of a scenario cluster. */
export interface PodSpec {
  readonly name: string;
  readonly namespace?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ips: readonly [string, string];
  readonly ports?: readonly { name: string; port: number; protocol?: string }[];
}

/** Cluster YAML: namespaces, pods with v4+v6 addresses, one node. */
export function clusterYaml(pods: readonly PodSpec[], extra = ""): string {
  const namespaces = [...new Set(pods.map((p) => p.namespace ?? "default"))];
  const docs = namespaces.map(
    (n) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${n}, labels: {team: ${n}}}`,
  );
  for (const p of pods) {
    const ports = (p.ports ?? [])
      .map((c) => `{name: ${c.name}, containerPort: ${c.port}, protocol: ${c.protocol ?? "TCP"}}`)
      .join(", ");
    docs.push(
      [
        "apiVersion: v1",
        "kind: Pod",
        `metadata: {name: ${p.name}, namespace: ${p.namespace ?? "default"}, labels: ${JSON.stringify(p.labels)}}`,
        `spec: {containers: [{name: c, ports: [${ports}]}]}`,
        `status: {podIPs: [{ip: "${p.ips[0]}"}, {ip: "${p.ips[1]}"}]}`,
      ].join("\n"),
    );
  }
  docs.push(
    [
      "apiVersion: v1",
      "kind: Node",
      "metadata: {name: node-1}",
      'status: {addresses: [{type: InternalIP, address: "192.168.1.10"}, {type: InternalIP, address: "fd00:1::10"}]}',
    ].join("\n"),
  );
  return docs.join("\n---\n") + (extra === "" ? "" : `\n---\n${extra}`);
}

/** Write `files` (name → text) to a fresh temp directory, compile it for Cilium, remove the directory. */
export function compileFiles(files: Readonly<Record<string, string>>): CompileResult {
  const dir = mkdtempSync(join(tmpdir(), "sluice-cilium-"));
  try {
    const paths = Object.entries(files).map(([name, text]) => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    });
    return compile(paths, { cni: "cilium" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One probe: a frame and the expected verdict (`FORWARDED`, or a drop reason code). */
export interface Probe {
  readonly name: string;
  readonly frame: Uint8Array;
  readonly expect: "FORWARDED" | "REDIRECTED" | 133 | 181;
}

/** Run probes on a fresh engine for `r` (each at its own time, new connections). */
export function runProbes(r: CompileResult, probes: readonly Probe[]): string[] {
  if (r.bytes === undefined) {
    throw new Error(`compile failed: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  }
  const engine = Engine.load(r.bytes);
  const failures: string[] = [];
  probes.forEach((p, i) => {
    const res = engine.process(p.frame, { timestampNs: 1e9 + i * 1e6 });
    const got =
      res.verdictName === "FORWARDED" || res.verdictName === "REDIRECTED" ? res.verdictName : res.dropReason;
    if (got !== p.expect) {
      failures.push(`${p.name}: expected ${p.expect}, got ${res.verdictName} ${res.dropReasonName ?? ""}`);
    }
  });
  return failures;
}
