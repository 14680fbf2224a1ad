/**
 * @fileoverview connlist output formats, as np-guard's netpol-analyzer prints them: txt
 * (`src => dst : conns`), json (`[{src, dst, conn}]`), csv (`src,dst,conn`), md (a pipe table) and dot
 * (peers grouped by namespace in `subgraph cluster_<ns>`).
 */

import type { ConnLine } from "./connlist.js";
import { formatConns } from "./port-set.js";

/** Output formats of connlist. */
export type ConnlistFormat = "txt" | "json" | "csv" | "md" | "dot";

/** Every format name. */
export const CONNLIST_FORMATS: readonly ConnlistFormat[] = ["txt", "json", "csv", "md", "dot"];

function sorted(lines: readonly ConnLine[]): { src: string; dst: string; conn: string }[] {
  return lines
    .map((l) => ({ src: l.src, dst: l.dst, conn: formatConns(l.conns) }))
    .sort((a, b) => (a.src < b.src ? -1 : a.src > b.src ? 1 : a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function dotId(s: string): string {
  return `"${s.replace(/"/g, '\\"')}"`;
}

/** Render `lines` in `format`. */
export function formatConnlist(lines: readonly ConnLine[], format: ConnlistFormat): string {
  const rows = sorted(lines);
  switch (format) {
    case "txt":
      return rows.map((r) => `${r.src} => ${r.dst} : ${r.conn}`).join("\n") + "\n";
    case "json":
      return JSON.stringify(rows, null, 2) + "\n";
    case "csv":
      return (
        ["src,dst,conn", ...rows.map((r) => [r.src, r.dst, r.conn].map(csvField).join(","))].join("\n") + "\n"
      );
    case "md":
      return (
        [
          "| src | dst | conn |",
          "|-----|-----|------|",
          ...rows.map((r) => `| ${r.src} | ${r.dst} | ${r.conn} |`),
        ].join("\n") + "\n"
      );
    case "dot": {
      const peers = new Set(rows.flatMap((r) => [r.src, r.dst]));
      const byNs = new Map<string, string[]>();
      const external: string[] = [];
      for (const p of [...peers].sort()) {
        if (p.endsWith("[External]")) {
          external.push(p);
          continue;
        }
        const ns = p.slice(0, p.indexOf("/"));
        byNs.set(ns, [...(byNs.get(ns) ?? []), p]);
      }
      const out = ["digraph {"];
      for (const [ns, ps] of byNs) {
        out.push(`\tsubgraph ${dotId(`cluster_${ns}`)} {`);
        out.push(`\t\tlabel=${dotId(ns)}`);
        for (const p of ps) {
          out.push(`\t\t${dotId(p)} [label=${dotId(p.slice(ns.length + 1))} color="blue" fontcolor="blue"]`);
        }
        out.push("\t}");
      }
      for (const p of external) {
        out.push(`\t${dotId(p)} [label=${dotId(p)} color="red2" fontcolor="red2"]`);
      }
      for (const r of rows) {
        out.push(
          `\t${dotId(r.src)} -> ${dotId(r.dst)} [label=${dotId(r.conn)} color="gold2" fontcolor="darkgreen"]`,
        );
      }
      out.push("}");
      return out.join("\n") + "\n";
    }
  }
}
