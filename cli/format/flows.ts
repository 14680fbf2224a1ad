/**
 * @fileoverview Flow printers in the shapes `hubble observe` prints (hubble/pkg/printer): compact
 * (one line), dict (right-aligned key blocks), table (space-aligned columns, no box drawing) and json
 * (protojson lines that `hubble observe --input-file -` reads back).
 */

import pc from "picocolors";
import type { HubbleEndpoint, HubbleRecord } from "../../runtime/flow/hubble.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** Go's StampMilli ("Jan _2 15:04:05.000") of an RFC 3339 time, in UTC. */
export function stampMilli(rfc3339: string): string {
  const d = new Date(rfc3339);
  const pad = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${MONTHS[d.getUTCMonth()]!} ${String(d.getUTCDate()).padStart(2, " ")} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** Human descriptions of drop reasons, as Hubble's compact output prints them. */
const DROP_TEXT: Readonly<Record<number, string>> = {
  132: "Invalid source ip",
  133: "Policy denied",
  134: "Invalid packet",
  135: "CT: Truncated or invalid header",
  139: "Unsupported L3 protocol",
  142: "Unknown L4 protocol",
  155: "CT: Map insertion failed",
  157: "Fragmentation needed",
  170: "Encapsulation traffic is prohibited",
  181: "Policy denied by denylist",
};

function endpointText(
  ip: string | undefined,
  port: number | undefined,
  ep: HubbleEndpoint | undefined,
): string {
  const host = ep?.pod_name !== undefined ? `${ep.namespace ?? ""}/${ep.pod_name}` : (ip ?? "");
  const hostPort =
    port !== undefined && port !== 0
      ? `${host.includes(":") && ep?.pod_name === undefined ? `[${host}]` : host}:${port}`
      : host;
  const reserved = ep?.labels?.find((l) => l.startsWith("reserved:"));
  const id =
    reserved !== undefined
      ? reserved.slice("reserved:".length)
      : ep?.identity !== undefined
        ? `ID:${ep.identity}`
        : undefined;
  return id === undefined ? hostPort : `${hostPort} (${id})`;
}

function ports(r: HubbleRecord): { sport?: number; dport?: number } {
  const l4 = r.flow.l4 ?? {};
  const inner = l4.TCP ?? l4.UDP ?? l4.SCTP;
  return inner === undefined
    ? {}
    : { sport: inner.source_port as number, dport: inner.destination_port as number };
}

/** The fields the text printers share. */
function fields(r: HubbleRecord): {
  time: string;
  src: string;
  dst: string;
  arrow: string;
  type: string;
  verdict: string;
  summary: string;
} {
  const f = r.flow;
  const { sport, dport } = ports(r);
  let src = endpointText(f.IP?.source, sport, f.source);
  let dst = endpointText(f.IP?.destination, dport, f.destination);
  let arrow = "->";
  if (f.is_reply) {
    [src, dst] = [dst, src];
    arrow = "<-";
  }
  const type =
    f.verdict === "DROPPED"
      ? (DROP_TEXT[f.drop_reason ?? 0] ?? f.drop_reason_desc ?? "drop")
      : f.destination?.pod_name !== undefined
        ? "to-endpoint"
        : "to-network";
  return { time: stampMilli(r.time), src, dst, arrow, type, verdict: f.verdict, summary: f.Summary };
}

function colorVerdict(verdict: string, color: boolean): string {
  if (!color) {
    return verdict;
  }
  return verdict === "DROPPED"
    ? pc.red(verdict)
    : verdict === "FORWARDED"
      ? pc.green(verdict)
      : pc.yellow(verdict);
}

/** `hubble observe -o compact`. */
export function compactLine(r: HubbleRecord, color: boolean): string {
  const x = fields(r);
  return `${x.time}: ${x.src} ${x.arrow} ${x.dst} ${x.type} ${colorVerdict(x.verdict, color)} (${x.summary})\n`;
}

/** `hubble observe -o dict`. */
export function dictBlock(r: HubbleRecord, color: boolean): string {
  const x = fields(r);
  const rows: [string, string][] = [
    ["TIMESTAMP", x.time],
    ["SOURCE", x.src],
    ["DESTINATION", x.dst],
    ["TYPE", x.type],
    ["VERDICT", colorVerdict(x.verdict, color)],
    ["SUMMARY", x.summary],
  ];
  return `${rows.map(([k, v]) => `${k.padStart(11)}: ${v}`).join("\n")}\n------------\n`;
}

/** `hubble observe -o table`: collects rows, prints them aligned at the end. */
export class TablePrinter {
  private readonly rows: string[][] = [["TIMESTAMP", "SOURCE", "DESTINATION", "TYPE", "VERDICT", "SUMMARY"]];

  /** Add one flow. */
  add(r: HubbleRecord): void {
    const x = fields(r);
    this.rows.push([x.time, x.src, x.dst, x.type, x.verdict, x.summary]);
  }

  /** The aligned table (columns separated by at least two spaces, like Go's tabwriter with padding 2). */
  render(): string {
    const widths = this.rows[0]!.map((_, c) => Math.max(...this.rows.map((row) => row[c]!.length)));
    return (
      this.rows
        .map((row) =>
          row.map((cell, c) => (c === row.length - 1 ? cell : cell.padEnd(widths[c]! + 2))).join(""),
        )
        .join("\n") + "\n"
    );
  }
}

/** `hubble observe -o json`: one protojson line. */
export function jsonLine(r: HubbleRecord): string {
  return JSON.stringify(r) + "\n";
}
