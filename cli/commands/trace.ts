/**
 * @fileoverview `sluice trace`: the verdict for one connection and the rules that decided each
 * direction, as text (modelled on np-guard's --explain and Calico's PolicyHit) or JSON.
 */

import type { Command } from "commander";
import pc from "picocolors";
import { TraceError, trace } from "../../compiler/analysis/trace.js";
import type { DirectionTrace, RuleHit, TraceQuery, TraceResult } from "../../compiler/analysis/trace.js";
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
}

/** Parse `--port 80[/tcp|udp|sctp]` and `--icmp type[/code]`. */
function query(o: TraceOptions): TraceQuery {
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
    const mark = r.decided ? "->" : "  ";
    out.push(`    ${mark} ${r.action.padEnd(5)} ${ruleText(r)}${r.decided ? "" : "  (shadowed)"}`);
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
  ];
  const drop =
    t.result.dropReasonName !== undefined ? ` (${t.result.verdictName} ${t.result.dropReasonName})` : "";
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
      .option("-o, --output <format>", "text or json", "text")
      .option("--exit-code", "exit 0 when allowed, 1 when denied, 2 on errors"),
  ).action((paths: string[], o: TraceOptions) => {
    const q = query(o);
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
