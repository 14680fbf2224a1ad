/**
 * @fileoverview `sluice trace`: the verdict for one connection and the rules that decided each
 * direction, as text (modelled on np-guard's --explain and Calico's PolicyHit) or JSON.
 *
 * L7 flags describe one request for a redirected connection: `--http-method/-path/-host/-header`,
 * `--kafka-role|--kafka-api-key`, `--kafka-api-version`, `--kafka-client-id`, `--kafka-topic`,
 * `--dns-name`. A Kafka role stands for its first API key (produce → produce, consume → fetch).
 * Peers may be host endpoints (`node/<name>`, `hostendpoint/<name>`, or their addresses); Calico
 * traces list each direction's PolicyHits (`policy hit 0|tier|tier.name|allow|2`; JSON `policyHits`).
 * `--to-fqdn` is not offered: FQDN peers are not in the IR yet.
 */

import type { Command } from "commander";
import pc from "picocolors";
import { TraceError, trace } from "../../compiler/analysis/trace.js";
import type {
  DirectionTrace,
  L7Trace,
  RuleHit,
  TraceQuery,
  TraceResult,
} from "../../compiler/analysis/trace.js";
import { parseKafkaKey } from "../../runtime/l7/kafka.js";
import type { L7Request } from "../../runtime/l7/match.js";
import type { CliContext } from "../context.js";
import { addPolicyOptions, useColor } from "../options.js";
import type { PolicyOptions } from "../options.js";
import { bundleFrom } from "./policy.js";

interface TraceOptions extends PolicyOptions {
  bundle?: string;
  from: string;
  to: string;
  port?: string;
  icmp?: string;
  output: string;
  exitCode?: boolean;
  httpMethod?: string;
  httpPath?: string;
  httpHost?: string;
  httpHeader: string[];
  kafkaRole?: string;
  kafkaApiKey?: string;
  kafkaApiVersion?: string;
  kafkaClientId?: string;
  kafkaTopic: string[];
  dnsName?: string;
}

/** The L7 request the flags describe, if any. */
function l7Request(o: TraceOptions): L7Request | undefined {
  const http =
    o.httpMethod !== undefined ||
    o.httpPath !== undefined ||
    o.httpHost !== undefined ||
    o.httpHeader.length > 0;
  const kafka =
    o.kafkaRole !== undefined ||
    o.kafkaApiKey !== undefined ||
    o.kafkaApiVersion !== undefined ||
    o.kafkaClientId !== undefined ||
    o.kafkaTopic.length > 0;
  const dns = o.dnsName !== undefined;
  if (Number(http) + Number(kafka) + Number(dns) > 1) {
    throw new TraceError("give the flags of one L7 protocol: --http-*, --kafka-* or --dns-name");
  }
  if (http) {
    return {
      kind: "http",
      method: o.httpMethod ?? "GET",
      path: o.httpPath ?? "/",
      host: o.httpHost ?? "",
      headers: o.httpHeader.map((h) => {
        const at = h.indexOf(":");
        return at < 0
          ? ([h.trim(), ""] as const)
          : ([h.slice(0, at).trim(), h.slice(at + 1).trim()] as const);
      }),
    };
  }
  if (kafka) {
    if (o.kafkaRole !== undefined && o.kafkaApiKey !== undefined) {
      throw new TraceError("--kafka-role and --kafka-api-key are exclusive");
    }
    const role = o.kafkaRole?.toLowerCase();
    if (role !== undefined && role !== "produce" && role !== "consume") {
      throw new TraceError(`--kafka-role takes produce or consume, got '${o.kafkaRole}'`);
    }
    const key = role === "produce" ? 0 : role === "consume" ? 1 : parseKafkaKey(o.kafkaApiKey ?? "produce");
    if (key === undefined) {
      throw new TraceError(`--kafka-api-key takes a Kafka API key name or number, got '${o.kafkaApiKey}'`);
    }
    const version = Number(o.kafkaApiVersion ?? "0");
    if (!Number.isInteger(version) || version < 0 || version > 32767) {
      throw new TraceError(`--kafka-api-version takes 0-32767, got '${o.kafkaApiVersion}'`);
    }
    return {
      kind: "kafka",
      apiKey: key,
      apiVersion: version,
      clientId: o.kafkaClientId ?? "",
      topics: o.kafkaTopic,
    };
  }
  return dns ? { kind: "dns", name: o.dnsName! } : undefined;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parse `--port 80[/tcp|udp|sctp]`, `--icmp type[/code]` and the L7 flags. */
function query(o: TraceOptions): TraceQuery {
  const l7 = l7Request(o);
  return l7 === undefined ? l4Query(o) : { ...l4Query(o), l7 };
}

function l4Query(o: TraceOptions): TraceQuery {
  if (o.icmp !== undefined) {
    const [t, c] = o.icmp.split("/");
    return {
      from: o.from,
      to: o.to,
      protocol: "icmp",
      icmpType: Number(t),
      ...(c !== undefined ? { icmpCode: Number(c) } : {}),
    };
  }
  if (o.port === undefined) {
    throw new TraceError("give --port <n>[/tcp|udp|sctp] (or --icmp <type>[/<code>])");
  }
  const [p, proto = "tcp"] = o.port.toLowerCase().split("/");
  const port = Number(p);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || !["tcp", "udp", "sctp"].includes(proto)) {
    throw new TraceError(`--port takes <1-65535>[/tcp|udp|sctp], got '${o.port}'`);
  }
  return { from: o.from, to: o.to, protocol: proto as "tcp" | "udp" | "sctp", port };
}

function ruleText(r: RuleHit): string {
  const where = r.file !== "" ? ` (${r.file}:${r.line}:${r.column})` : "";
  const ns = r.namespace !== undefined ? `${r.namespace}/` : "";
  const tier = r.tier !== undefined && r.tier !== "default" ? `[${r.tier}] ` : "";
  const what = r.ruleIndex === undefined ? r.label : `${r.label.split(" ")[0]!}[${r.ruleIndex}]`;
  return `${tier}${r.kind} '${ns}${r.name}' ${what}${where}`;
}

function directionText(name: string, who: string, d: DirectionTrace, color: boolean): string[] {
  const verdict =
    d.decision === "allowed"
      ? color
        ? pc.green("Allowed")
        : "Allowed"
      : color
        ? pc.red("Denied")
        : "Denied";
  const out = [`  ${name} (${verdict}) at ${who}`];
  if (d.default !== undefined) {
    out.push(`    due to the system default: ${d.default}`);
  }
  for (const r of d.rules) {
    const mark = r.decided ? "->" : r.passed === true ? "=>" : "  ";
    const tail = r.decided ? "" : r.passed === true ? "  (passed to the next tier)" : "  (shadowed)";
    out.push(`    ${mark} ${r.action.padEnd(5)} ${ruleText(r)}${tail}`);
  }
  // Calico bundles: the hits as Calico's flow logs print them (matchIndex|tier|name|action|ruleIndex).
  for (const h of d.policyHits ?? []) {
    out.push(`    policy hit ${h.flowLog}${h.stage !== undefined ? `  (${h.stage})` : ""}`);
  }
  return out;
}

function l7Text(l7: L7Trace, color: boolean): string[] {
  if (!l7.redirected) {
    return [`  L7: not redirected to a proxy; ${l7.request ?? "the request"} is not inspected`];
  }
  const out = [`  L7 (redirected to the ${l7.sets.map((s) => s.parser).join(" and ")} proxy):`];
  if (l7.request !== undefined) {
    out.push(`    request: ${l7.request}`);
  }
  for (const s of l7.sets) {
    const head = `    ${s.direction} rule set ${s.set} (${s.parser}, ${s.rules} rule${s.rules === 1 ? "" : "s"})`;
    if (s.decision === undefined) {
      out.push(`${head}: give --http-*, --kafka-* or --dns-name to evaluate a request`);
    } else if (s.decision === "allowed" && s.matched !== undefined) {
      const m = s.matched;
      const ns = m.namespace !== undefined ? `${m.namespace}/` : "";
      const where = m.file !== "" ? ` (${m.file}:${m.line}:${m.column})` : "";
      out.push(
        `${head}: ${color ? pc.green("allowed") : "allowed"} by ${m.kind} '${ns}${m.name}' ${m.text}${where}`,
      );
    } else if (s.decision === "denied") {
      out.push(`${head}: ${color ? pc.red("denied") : "denied"}, no rule matched: ${s.response ?? ""}`);
    } else {
      out.push(`${head}: not evaluated`);
    }
    for (const n of s.notes ?? []) {
      out.push(`      note: ${n}`);
    }
  }
  if (l7.error !== undefined) {
    out.push(`    note: ${l7.error}`);
  }
  return out;
}

/** Text rendering of a trace. */
export function formatTrace(t: TraceResult, color: boolean): string {
  const name = (p: TraceResult["source"]): string =>
    p.workload ?? (p.endpoint !== undefined ? `${p.endpoint}[Pod]` : `${p.ip}[External]`);
  const lines = [
    `Connections between ${name(t.source)} => ${name(t.destination)}:`,
    `  packet: ${t.packet}`,
    ...directionText("Egress", name(t.source), t.egress, color),
    ...directionText("Ingress", name(t.destination), t.ingress, color),
    ...(t.l7 !== undefined ? l7Text(t.l7, color) : []),
  ];
  const drop =
    t.result.dropReasonName !== undefined
      ? ` (${t.result.verdictName} ${t.result.dropReasonName})`
      : t.l7?.decision === "denied"
        ? ` (REDIRECTED; L7 ${t.l7.response ?? "denied"})`
        : t.result.verdictName === "REDIRECTED"
          ? " (REDIRECTED to the L7 proxy)"
          : "";
  lines.push(
    `Final verdict: ${t.verdict === "ALLOWED" ? (color ? pc.green("ALLOWED") : "ALLOWED") : color ? pc.red("DENIED") : "DENIED"}${drop}`,
  );
  return lines.join("\n") + "\n";
}

/** JSON rendering of a trace. */
export function traceJson(t: TraceResult): Record<string, unknown> {
  return {
    verdict: t.verdict,
    packet: t.packet,
    source: t.source,
    destination: t.destination,
    egress: t.egress,
    ingress: t.ingress,
    engine: {
      verdict: t.result.verdictName,
      dropReason: t.result.dropReasonName ?? null,
      ruleId: t.result.ruleId ?? null,
    },
    ...(t.l7 !== undefined ? { l7: t.l7 } : {}),
  };
}

/** Register `sluice trace`. */
export function registerTrace(program: Command, cli: CliContext): void {
  addPolicyOptions(
    program
      .command("trace")
      .description(
        "would this connection be allowed? runs a real packet through the engine and shows the rules",
      )
      .argument("[paths...]", "policy and cluster files or directories (or --bundle)")
      .option("--bundle <file>", "use a compiled bundle")
      .requiredOption("--from <peer>", "source: ns/name of a pod or workload, or an IP address")
      .requiredOption("--to <peer>", "destination: ns/name of a pod or workload, or an IP address")
      .option("--port <port>", "destination port, with /tcp (default), /udp or /sctp")
      .option("--icmp <type>", "trace an ICMP message instead: type[/code]")
      .option("--http-method <method>", "L7: HTTP request method (default GET when any --http-* is given)")
      .option("--http-path <path>", "L7: HTTP :path, query string included (default /)")
      .option("--http-host <host>", "L7: HTTP :authority / Host")
      .option("--http-header <'k: v'>", "L7: HTTP request header (repeatable)", collect, [])
      .option(
        "--kafka-role <role>",
        "L7: Kafka request of a role: produce (api key produce) or consume (fetch)",
      )
      .option("--kafka-api-key <key>", "L7: Kafka API key, by name or number")
      .option("--kafka-api-version <n>", "L7: Kafka API version (default 0)")
      .option("--kafka-client-id <id>", "L7: Kafka client id")
      .option("--kafka-topic <topic>", "L7: Kafka topic the request names (repeatable)", collect, [])
      .option("--dns-name <name>", "L7: DNS query name")
      .option(
        "--to-fqdn <name>",
        "the destination address (--to) is what DNS answered for this name (toFQDNs rules)",
      )
      .option("-o, --output <format>", "text or json", "text")
      .option("--exit-code", "exit 0 when allowed, 1 when denied, 2 on errors"),
  ).action((paths: string[], o: TraceOptions & { toFqdn?: string }) => {
    const q = query(o);
    if (o.toFqdn !== undefined) {
      if (o.bundle !== undefined) {
        throw new Error("--to-fqdn needs the policy paths: the answer is compiled into the ipcache");
      }
      // The answer the trace assumes joins any given with --fqdn.
      o.fqdn = [...(o.fqdn ?? []), `${o.toFqdn}=${o.to}`];
    }
    const bytes = bundleFrom(cli, paths, o);
    if (bytes === undefined) {
      cli.exitCode = 2;
      return;
    }
    const t = trace(bytes, q);
    cli.stdout(
      o.output === "json" ? JSON.stringify(traceJson(t), null, 2) + "\n" : formatTrace(t, useColor(o.color)),
    );
    if (o.exitCode === true) {
      cli.exitCode = t.verdict === "ALLOWED" ? 0 : 1;
    }
  });
}
