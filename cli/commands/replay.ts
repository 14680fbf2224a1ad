/**
 * @fileoverview `sluice replay`: run a capture (file or stdin, streamed) through the engine and print
 * what happened to each packet as Hubble flows, or a summary.
 *
 * The flows printed can be narrowed with `hubble observe`'s filter flags (cli/filters: OR within a flag,
 * AND across flags, `--not` for the deny list); long replays draw a progress line on a terminal's stderr
 * (cli/progress.ts). With a Calico bundle `--summary` also lists the rule hits in Calico's PolicyHit
 * form (compiler/analysis/policy-hit.ts).
 */

import { createReadStream, statSync } from "node:fs";
import type { Command } from "commander";
import { Engine } from "../../runtime/engine/engine.js";
import type { PacketResult } from "../../runtime/engine/engine.js";
import { HubbleFlowBuilder } from "../../runtime/flow/hubble.js";
import { readMetadata } from "../../runtime/metadata.js";
import { policyHitCounts } from "../../compiler/analysis/policy-hit.js";
import { l7FlowRecord } from "../../runtime/flow/hubble-l7.js";
import type { L7Record } from "../../runtime/l7/datapath/records.js";
import { DEFAULT_READ_CHUNK_BYTES, readCapture } from "../../runtime/pcap/index.js";
import { NO_STRING, actionOffset, entryStride } from "../../runtime/bytecode/bundle.js";
import { ACTION_RULE_ID } from "../../runtime/bytecode/opcodes.js";
import type { CliContext } from "../context.js";
import { addFilterOptions } from "../filters/flags.js";
import type { FlowPredicate } from "../filters/flow-filter.js";
import { TablePrinter, compactLine, dictBlock, jsonLine } from "../format/flows.js";
import { addPolicyOptions, useColor } from "../options.js";
import type { PolicyOptions } from "../options.js";
import { Progress } from "../progress.js";
import { bundleFrom } from "./policy.js";

const OUTPUTS = ["compact", "json", "jsonpb", "dict", "table", "tab"] as const;

interface ReplayOptions extends PolicyOptions {
  bundle?: string;
  output: string;
  summary?: boolean;
  backend: string;
  progress: boolean;
}

/** Packets between two progress checks (a clock read per packet would show in the packet rate). */
const PROGRESS_EVERY = 1024;

/** Pass `chunks` through, counting their bytes into `read.bytes`. */
async function* countBytes(
  chunks: AsyncIterable<Uint8Array>,
  read: { bytes: number },
): AsyncGenerator<Uint8Array, void, undefined> {
  for await (const c of chunks) {
    read.bytes += c.length;
    yield c;
  }
}

/** Size of `path`, or undefined when it cannot be read (the capture stream reports why). */
function fileSize(path: string): number | undefined {
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** Register `sluice replay`. */
export function registerReplay(program: Command, cli: CliContext): void {
  const cmd = addPolicyOptions(
    program
      .command("replay")
      .description(
        "replay a pcap/pcapng capture (file or - for stdin) through the policies; print Hubble flows",
      )
      .argument("<capture>", "capture file, or - to read a stream from stdin")
      .argument(
        "[paths...]",
        "policy and cluster files or directories (or use --bundle); none = police nothing",
      )
      .option("--bundle <file>", "use a compiled bundle")
      .option("-o, --output <format>", "compact, json, dict or table (as hubble observe)", "compact")
      .option("--summary", "print totals instead of flows")
      .option("--backend <backend>", "execution backend: interp, or wasm (compiled with binaryen)", "interp")
      .option("--no-progress", "never draw the progress line (drawn on a terminal's stderr after 2 s)"),
  );
  // After the command's own options, so `--help` lists the hubble filter flags last.
  const filters = addFilterOptions(cmd);
  cmd.action(async (capture: string, paths: string[], o: ReplayOptions) => {
    if (!(OUTPUTS as readonly string[]).includes(o.output)) {
      throw new Error(`-o must be one of compact, json, dict, table`);
    }
    if (o.backend !== "interp" && o.backend !== "wasm") {
      throw new Error("--backend must be interp or wasm");
    }
    let keep: FlowPredicate | undefined;
    if (filters.any()) {
      if (o.summary === true) {
        throw new Error("filter flags select printed flows; they cannot be combined with --summary");
      }
      keep = filters.predicate();
    }
    let bytes: Uint8Array | undefined;
    if (o.bundle !== undefined || paths.length > 0) {
      bytes = bundleFrom(cli, paths, o);
      if (bytes === undefined) {
        cli.exitCode = 1;
        return;
      }
    }
    // L7 records (requests, the proxy's answers, DNS answers) are printed after the packet that made them.
    const l7Pending: L7Record[] = [];
    const engine = await Engine.loadAsync(bytes, {
      backend: o.backend,
      ...(o.summary === true ? {} : { onL7Record: (r: L7Record) => l7Pending.push(r) }),
    });
    const flows = new HubbleFlowBuilder(engine.program);
    const color = useColor(o.color);
    const table = o.output === "table" || o.output === "tab" ? new TablePrinter() : undefined;
    const dropped = new Map<string, number>();
    const tuples = new Set<string>();
    const logCounts = new Map<number, number>();
    const read = { bytes: 0 };
    const chunks =
      capture === "-"
        ? (process.stdin as AsyncIterable<Uint8Array>)
        : (createReadStream(capture, {
            highWaterMark: DEFAULT_READ_CHUNK_BYTES,
          }) as AsyncIterable<Uint8Array>);
    const source = readCapture(countBytes(chunks, read));
    const progress = new Progress({
      total: capture === "-" ? undefined : fileSize(capture),
      enabled: o.progress,
    });
    let packets = 0;
    const t0 = performance.now();
    try {
      for await (const p of source) {
        if (++packets % PROGRESS_EVERY === 0) {
          progress.update(read.bytes, packets);
        }
        const r = engine.process(p.data, { timestampNs: p.timestampNs, linkType: p.linkType });
        // Calico `Log` rules: counted for the summary, printed as Felix's packet log in text output.
        const logged = engine.takeLogHits();
        for (const rule of logged) {
          logCounts.set(rule, (logCounts.get(rule) ?? 0) + 1);
        }
        if (o.summary === true) {
          const key = `${r.tuple.protocol} ${r.tuple.src}:${r.tuple.srcPort} > ${r.tuple.dst}:${r.tuple.dstPort}`;
          const canon = r.isReply
            ? `${r.tuple.protocol} ${r.tuple.dst}:${r.tuple.dstPort} > ${r.tuple.src}:${r.tuple.srcPort}`
            : key;
          tuples.add(canon);
          if (r.verdict === 2) {
            const k = `${key} ${r.dropReasonName ?? "L7 request denied"}`;
            dropped.set(k, (dropped.get(k) ?? 0) + 1);
          }
          continue;
        }
        const rec = flows.build(
          engine.context,
          p.data,
          r.verdict,
          r.dropReason,
          r.ruleId ?? 0xffffffff,
          p.tsSec,
          p.tsNsec,
        );
        const records = [rec, ...l7Pending.splice(0).map((l7) => l7FlowRecord(flows, l7))];
        const textOutput = table === undefined && o.output !== "json" && o.output !== "jsonpb";
        if (textOutput && logged.length > 0 && (keep === undefined || keep(rec.flow))) {
          for (const rule of logged) {
            cli.stdout(`${calicoPacketLog(engine, rule, r.tuple)}\n`);
          }
        }
        for (const one of records) {
          if (keep !== undefined && !keep(one.flow)) {
            continue;
          }
          if (table !== undefined) {
            table.add(one);
          } else {
            cli.stdout(
              o.output === "json" || o.output === "jsonpb"
                ? jsonLine(one)
                : o.output === "dict"
                  ? dictBlock(one, color)
                  : compactLine(one, color),
            );
          }
        }
      }
    } finally {
      progress.done();
    }
    const seconds = (performance.now() - t0) / 1000;
    if (table !== undefined) {
      cli.stdout(table.render());
    }
    if (o.summary === true) {
      cli.stdout(formatSummary(engine, tuples.size, seconds, dropped, logCounts));
    }
  });
}

/** Hit counts per rule (summed over the table rows that carry it), from the program's HIT counters. */
export function ruleHitCounts(engine: Engine): Map<number, number> {
  const b = engine.program.bundle;
  const out = new Map<number, number>();
  engine.program.hits.forEach((h, t) => {
    const table = b.tables[t]!;
    const stride = entryStride(table);
    const act = actionOffset(table);
    h.forEach((count, e) => {
      if (count > 0) {
        const rule = table.entries[e * stride + act + ACTION_RULE_ID]!;
        out.set(rule, (out.get(rule) ?? 0) + count);
      }
    });
  });
  return out;
}

/** `kind ns/name label (file:line)` of a rule id, from the source map. */
export function describeRule(engine: Engine, ruleId: number): string {
  const b = engine.program.bundle;
  const r = b.sourceMap.find((x) => x.ruleId === ruleId);
  if (r === undefined) {
    return `rule ${ruleId}`;
  }
  const s = (i: number): string => b.strings[i] ?? "";
  const ns = r.namespace === NO_STRING ? "" : `${s(r.namespace)}/`;
  return `${s(r.kind)} ${ns}${s(r.name)} ${s(r.label)} (${s(r.file)}:${r.line})`;
}

/** Felix's packet log line (iptables LOG, prefix `calico-packet`) for a Log rule hit, naming the rule. */
function calicoPacketLog(engine: Engine, ruleId: number, t: PacketResult["tuple"]): string {
  const proto =
    t.protocol === 6 ? "TCP" : t.protocol === 17 ? "UDP" : t.protocol === 1 ? "ICMP" : String(t.protocol);
  const ports = t.protocol === 6 || t.protocol === 17 ? ` SPT=${t.srcPort} DPT=${t.dstPort}` : "";
  return `calico-packet: SRC=${t.src} DST=${t.dst} PROTO=${proto}${ports} (${describeRule(engine, ruleId)})`;
}

function formatSummary(
  engine: Engine,
  flows: number,
  seconds: number,
  dropped: Map<string, number>,
  logCounts: Map<number, number>,
): string {
  const c = engine.counters();
  const lines = [
    `packets      ${c.packets} (${c.bytes} bytes)`,
    `flows        ${flows}`,
    `packets/s    ${Math.round(c.packets / Math.max(seconds, 1e-9))} (capture reading, parse, conntrack and policy)`,
    "verdicts",
    ...Object.entries(c.verdicts).map(([v, n]) => `  ${v.padEnd(32)} ${n}`),
  ];
  if (Object.keys(c.dropReasons).length > 0) {
    lines.push("drop reasons", ...Object.entries(c.dropReasons).map(([v, n]) => `  ${v.padEnd(32)} ${n}`));
  }
  const hits = [...ruleHitCounts(engine)].sort((a, b) => b[1] - a[1]);
  if (hits.length > 0) {
    lines.push(
      "policy rule hits",
      ...hits.map(([rule, n]) => `  ${String(n).padStart(8)}  ${describeRule(engine, rule)}`),
    );
  }
  if (readMetadata(engine.program.bundle)?.model === "calico") {
    // Calico's view of the same counters: one line per (rule, action) in flow-log PolicyHit form.
    const calicoHits = policyHitCounts(engine.program.bundle, engine.program.hits);
    if (calicoHits.length > 0) {
      lines.push(
        "policy hits (Calico PolicyHit: tier|name|action|ruleIndex)",
        ...calicoHits.map(
          (h) => `  ${String(h.count).padStart(8)}  ${h.flowLog.slice(h.flowLog.indexOf("|") + 1)}`,
        ),
      );
    }
  }
  if (c.l7 !== undefined) {
    const l = c.l7;
    lines.push(
      "L7 inspection",
      `  requests ${l.requests}: ${l.allowed} allowed, ${l.denied} denied`,
      `  connections refused by a decoder ${l.malformed}, stopped by a buffer limit ${l.limited}`,
      `  segments out of order ${l.outOfOrder}, retransmitted ${l.retransmits}`,
    );
    if (c.fqdn !== undefined) {
      lines.push(`  DNS answers learned for toFQDNs ${l.dnsLearned}`);
    }
  }
  if (logCounts.size > 0) {
    lines.push(
      "Calico Log rule hits (packets logged)",
      ...[...logCounts].map(([rule, n]) => `  ${String(n).padStart(8)}  ${describeRule(engine, rule)}`),
    );
  }
  const top = [...dropped.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10);
  if (top.length > 0) {
    lines.push("top dropped flows", ...top.map(([k, n]) => `  ${String(n).padStart(8)}  ${k}`));
  }
  return lines.join("\n") + "\n";
}
