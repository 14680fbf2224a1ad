/**
 * @fileoverview Options shared by the policy commands: inputs, CNI, lint levels, colors.
 */

import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { CNIS } from "../compiler/compile.js";
import type { Cni, CompileOptions } from "../compiler/compile.js";
import type { Severity } from "../compiler/diagnostics/diagnostic.js";

/** Raw option values of the policy commands. */
export interface PolicyOptions {
  cni?: string;
  warn?: string[];
  syntheticIps?: string;
  audit?: boolean;
  color?: string;
  ciliumVersion?: string;
  fqdn?: string[];
  node?: string;
}

/** Add --cni, --warn, --synthetic-ips, --audit and --color. */
export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .option("--cni <cni>", `CNI whose semantics apply: ${CNIS.join(", ")} (default: inferred from the kinds)`)
    .option("--warn <id=level...>", "re-level a lint or warning: error, warning, note or off (repeatable)")
    .option(
      "--synthetic-ips <mode>",
      "addresses for pods: missing (only pods without IPs) or always",
      "missing",
    )
    .option("--audit", "policy audit mode: would-be drops become AUDIT")
    .option("--cilium-version <version>", "Cilium schema: 1.19 (Kafka rules accepted) or 1.20", "1.19")
    .option("--fqdn <name=ip[,ip]...>", "a DNS answer to assume for toFQDNs rules (repeatable)")
    .option(
      "--node <name>",
      "Cilium: the node whose addresses are 'host' (default: the first node; '' for none)",
    )
    .option("--color <when>", "auto, always or never", "auto");
}

/** Whether to color output written to `stream`. */
export function useColor(when: string | undefined, stream: NodeJS.WriteStream = process.stdout): boolean {
  if (when === "always") {
    return true;
  }
  if (when === "never") {
    return false;
  }
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "") {
    return false;
  }
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0") {
    return true;
  }
  return stream.isTTY;
}

/** Turn raw options into compile options; throws a usage error for bad values. */
export function compileOptions(paths: readonly string[], o: PolicyOptions): CompileOptions {
  if (o.cni !== undefined && !CNIS.includes(o.cni as Cni)) {
    throw new Error(`--cni must be one of ${CNIS.join(", ")}`);
  }
  if (o.syntheticIps !== undefined && o.syntheticIps !== "missing" && o.syntheticIps !== "always") {
    throw new Error("--synthetic-ips must be missing or always");
  }
  const levels = new Map<string, Severity | "off">();
  for (const w of o.warn ?? []) {
    const [id, level] = w.split("=");
    if (id === undefined || !["error", "warning", "note", "off"].includes(level ?? "")) {
      throw new Error(`--warn takes id=error|warning|note|off, got '${w}'`);
    }
    levels.set(id, level as Severity | "off");
  }
  if (o.ciliumVersion !== undefined && o.ciliumVersion !== "1.19" && o.ciliumVersion !== "1.20") {
    throw new Error("--cilium-version must be 1.19 or 1.20");
  }
  const fqdnMappings = (o.fqdn ?? []).map((m) => {
    const [name, ips] = m.split("=");
    if (name === undefined || name === "" || ips === undefined || ips === "") {
      throw new Error(`--fqdn takes name=ip[,ip...], got '${m}'`);
    }
    return { name, ips: ips.split(",") };
  });
  return {
    ...(fqdnMappings.length > 0 ? { fqdnMappings } : {}),
    ...(o.cni !== undefined ? { cni: o.cni as Cni } : {}),
    ...(o.ciliumVersion !== undefined ? { ciliumVersion: o.ciliumVersion } : {}),
    ...(o.node !== undefined ? { localNode: o.node } : {}),
    levels,
    syntheticIps: o.syntheticIps === "always" ? "always" : "missing",
    audit: o.audit === true,
    ...(paths.includes("-") ? { stdin: readFileSync(0, "utf8") } : {}),
  };
}
