/**
 * @fileoverview `sluice bench`: the ClassBench workload, the packet path, the L3/L4 policy path on a
 * generated cluster (scenario 1 of the performance suite) and compile time (scenario 3).
 */

import type { Command } from "commander";
import pc from "picocolors";
import { runClassBench, runClassBenchAsync } from "../../bench/classbench.js";
import type { ClassBenchResult } from "../../bench/classbench.js";
import { machineFacts } from "../../bench/harness.js";
import { formatL7Bench, runL7Bench } from "../../bench/l7.js";
import { runPipeline, tcpBatch } from "../../bench/pipeline.js";
import type { PipelineResult } from "../../bench/pipeline.js";
import { runL3L4 } from "../../bench/l3l4-cluster.js";
import type { L3L4Options, L3L4Result } from "../../bench/l3l4-cluster.js";
import { runCompileTime } from "../../bench/compile-time.js";
import type { CompileTimeRow } from "../../bench/compile-time.js";
import type { Dialect } from "../../bench/gen-cluster.js";
import { existsSync } from "node:fs";
import { repoPath } from "../paths.js";
import type { CliContext } from "../context.js";
import type { TableAlgorithm } from "../../runtime/program.js";

/** Human-readable report of one ClassBench run. */
export function formatClassBench(r: ClassBenchResult): string {
  const m = machineFacts();
  const ok = r.mismatches === 0 ? pc.green("all agree") : pc.red(`${r.mismatches} mismatches`);
  const lines = [
    `ClassBench ${pc.bold(r.ruleSet)}: ${r.rules} rules, ${r.packets} packets`,
    `  agreement  ${r.agree}/${r.packets} (${ok})`,
    `  engine     ${r.mpps.toFixed(2)} Mpps (${(1000 / r.mpps).toFixed(1)} ns/packet, ${r.algorithm})`,
  ];
  if (!Number.isNaN(r.baselineMpps)) {
    lines.push(
      `  baseline   ${r.baselineMpps.toFixed(2)} Mpps (linear first-match scan, the iptables model)`,
    );
    lines.push(`  ratio      ${r.ratio.toFixed(1)}x`);
  }
  lines.push(
    `  compile    ${r.compileMs.toFixed(1)} ms, load ${r.loadMs.toFixed(1)} ms, bundle ${r.bundleBytes} bytes`,
  );
  lines.push(pc.dim(`  machine    ${m.cpu}, ${m.cores} cores, node ${m.node}, ${r.backend} backend`));
  for (const x of r.firstMismatches) {
    lines.push(pc.red(`  mismatch   trace line ${x.line}: expected rule ${x.expected}, got ${x.got}`));
  }
  return lines.join("\n") + "\n";
}

/** Human-readable pipeline results. */
function formatPipeline(rows: readonly (PipelineResult & { family: string })[]): string {
  const m = machineFacts();
  const lines = [
    "Packet path (interpreter): parse only vs parse + conntrack + program (pass-through), one core",
    "  frame           flows     parse Mpps   pipeline Mpps   pipeline/parse",
    ...rows.map(
      (r) =>
        `  ${`${r.frameBytes} B ${r.family}/TCP`.padEnd(15)} ${String(r.flows).padStart(6)}   ${r.parseMpps.toFixed(2).padStart(10)}   ${r.pipelineMpps.toFixed(2).padStart(13)}   ${r.ratio.toFixed(2).padStart(14)}`,
    ),
    pc.dim(`  machine: ${m.cpu}, ${m.cores} cores, node ${m.node}`),
  ];
  return lines.join("\n") + "\n";
}

/** Human-readable L3/L4 results: one line per (entries, backend), beside the linear baseline. */
export function formatL3L4(r: L3L4Result): string {
  const m = machineFacts();
  const first = r.rows[0];
  const lines = [
    `L3/L4 policy path: ${r.endpoints} endpoints, ${r.dialect} policies, ${first?.frameBytes ?? 0} B ${first?.family ?? ""}/TCP,` +
      ` ${first?.packets ?? 0} packets over ${first?.flows ?? 0} flows (70% established, 20% replies, 5% new, 5% denied)`,
    "  entries  policies  backend  agree           Mpps   ns/pkt   linear Mpps (pkts)   ratio   compile ms  bundle B",
  ];
  for (const x of r.rows) {
    // Pad the plain text, then colour it (escape codes would break padEnd).
    const plain = (x.mismatches === 0 ? "all" : `${x.mismatches} wrong`).padEnd(14);
    const agree = x.mismatches === 0 ? pc.green(plain) : pc.red(plain);
    lines.push(
      `  ${String(x.entries).padStart(7)}  ${String(x.policies).padStart(8)}  ${x.backend.padEnd(7)}  ${agree}` +
        `${x.mpps.toFixed(2).padStart(5)}  ${x.nsPerPacket.toFixed(0).padStart(7)}   ${x.baselineMpps.toFixed(4).padStart(10)} (${String(x.baselinePackets).padStart(5)})` +
        `   ${x.ratio.toFixed(1).padStart(5)}x  ${x.compileMs.toFixed(0).padStart(10)}  ${String(x.bundleBytes).padStart(8)}`,
    );
  }
  for (const [backend, ratio] of Object.entries(r.costRatio)) {
    lines.push(
      `  ${backend}: ns/packet at ${r.rows.at(-1)?.entries ?? 0} entries / at ${first?.entries ?? 0}: ${ratio.toFixed(2)}`,
    );
  }
  lines.push(pc.dim(`  machine: ${m.cpu}, ${m.cores} cores, node ${m.node}`));
  return lines.join("\n") + "\n";
}

/** Human-readable compile-time results. */
export function formatCompileTime(rows: readonly CompileTimeRow[]): string {
  const m = machineFacts();
  const lines = ["Compile time (end to end: read + parse, front ends, cluster, lower, encode)"];
  for (const r of rows) {
    lines.push(
      `  ${r.dialect.padEnd(10)} ${r.endpoints} pods, ${r.namespaces} namespaces, ${r.policies} policies (${r.inputBytes} B of YAML):` +
        ` ${r.compileMs.toFixed(0)} ms (read + parse ${r.parseMs.toFixed(0)} ms), bundle ${r.bundleBytes} B,` +
        ` ${r.policyRows} policy rows, tables ${JSON.stringify(r.tables)}`,
    );
  }
  lines.push(pc.dim(`  machine: ${m.cpu}, ${m.cores} cores, node ${m.node}`));
  return lines.join("\n") + "\n";
}

/** Comma-separated positive integers (`--entries 100,1000`). */
function intList(text: string): number[] {
  const xs = text.split(",").map((x) => Number(x.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x <= 0)) {
    throw new Error(`expected comma-separated positive integers, got '${text}'`);
  }
  return xs;
}

function positiveInt(text: string): number {
  return intList(text)[0]!;
}

function backendsOf(text: string): ("interp" | "wasm")[] {
  if (text === "both") {
    return ["interp", "wasm"];
  }
  if (text !== "interp" && text !== "wasm") {
    throw new Error("--backend must be interp, wasm or both");
  }
  return [text];
}

function dialectsOf(text: string): Dialect[] {
  if (text === "both") {
    return ["kubernetes", "cilium"];
  }
  if (text !== "kubernetes" && text !== "cilium") {
    throw new Error("--dialect must be kubernetes or cilium (or both for bench compile)");
  }
  return [text];
}

/** The packet-path scenarios: 64-byte IPv4 at 10k and 100k flows, 78-byte IPv6 at 10k. */
function pipelineScenarios(): (PipelineResult & { family: string })[] {
  return (
    [
      [10_000, false],
      [100_000, false],
      [10_000, true],
    ] as const
  ).map(([flows, v6]) => ({
    ...runPipeline(tcpBatch(Math.max(flows, 65_536), flows, v6), flows),
    family: v6 ? "IPv6" : "IPv4",
  }));
}

/** ClassBench sets run by `bench all`: the corpus's Song sets when present, else the bundled sample. */
function classbenchSets(): [string, string][] {
  const corpus = repoPath("../shared/corpus/classbench/");
  const sets = ["song_acl1_100", "song_fw1_1K", "song_ipc1_10K"].map(
    (n) => [`${corpus}${n}`, `${corpus}${n}_trace`] as [string, string],
  );
  if (sets.every(([r, t]) => existsSync(r) && existsSync(t))) {
    return sets;
  }
  const sample = repoPath("policies/classbench/");
  return [[`${sample}sample_acl`, `${sample}sample_acl_trace`]];
}

/**
 * The L3/L4 sizes `bench all` runs: the smallest and the largest entry count only, since compiling the
 * 10 000-endpoint cluster takes 10-50 s per size on the development machine (BENCHMARKS.md).
 */
const ALL_L3L4: L3L4Options = { entries: [100, 100_000] };

/** Register `sluice bench`. */
export function registerBench(program: Command, cli: CliContext): void {
  const bench = program.command("bench").description("measure packets per second");
  bench
    .command("classbench")
    .description("compile a ClassBench rule set, classify its trace, check every answer, measure Mpps")
    .argument("<rules>", "ClassBench rule file (@src dst sport : sport dport : dport proto/mask)")
    .argument("<trace>", "header trace (src dst sport dport proto [flags] match)")
    .option("--backend <backend>", "execution backend", "interp")
    .option("--table-algorithm <name>", "force a lookup structure: auto, linear, classifier", "auto")
    .option("--no-baseline", "skip the linear-scan baseline")
    .option("--json", "print one JSON object")
    .action(
      async (
        rules: string,
        trace: string,
        opts: { backend: string; tableAlgorithm: string; baseline: boolean; json?: boolean },
      ) => {
        if (opts.backend !== "interp" && opts.backend !== "wasm") {
          throw new Error(`--backend must be interp or wasm`);
        }
        const r = await runClassBenchAsync(rules, trace, {
          skipBaseline: !opts.baseline,
          tableAlgorithm: opts.tableAlgorithm as TableAlgorithm,
          backend: opts.backend,
        });
        if (opts.json === true) {
          const { rules: n, packets, agree, mismatches, mpps, baselineMpps } = r;
          cli.stdout(
            JSON.stringify({
              rules: n,
              packets,
              agree,
              mismatches,
              mpps,
              baselineMpps,
              ratio: r.ratio,
              algorithm: r.algorithm,
              backend: r.backend,
              machine: machineFacts(),
            }) + "\n",
          );
        } else {
          cli.stdout(formatClassBench(r));
        }
        cli.exitCode = r.mismatches === 0 ? 0 : 1;
      },
    );
  bench
    .command("pipeline")
    .description(
      "packet path: parse only, and parse + conntrack + program, 64-byte IPv4 and 78-byte IPv6 frames",
    )
    .option("--json", "print JSON")
    .action((opts: { json?: boolean }) => {
      const rows = pipelineScenarios();
      cli.stdout(
        opts.json === true
          ? JSON.stringify({ pipeline: rows, machine: machineFacts() }) + "\n"
          : formatPipeline(rows),
      );
    });
  bench
    .command("l3l4")
    .description(
      "L3/L4 policy path (parse + conntrack + ipcache + policy) on a generated cluster, beside the linear scan",
    )
    .option(
      "--entries <list>",
      "policy entries (rows of the policy tables), comma-separated",
      "100,1000,10000,100000",
    )
    .option("--endpoints <n>", "endpoints (pods) of the generated cluster", "10000")
    .option("--backend <backend>", "interp, wasm or both", "both")
    .option("--dialect <dialect>", "kubernetes or cilium policies", "kubernetes")
    .option("--ipv6", "78-byte IPv6/TCP frames instead of 64-byte IPv4")
    .option("--packets <n>", "frames per batch", "65536")
    .option("--flows <n>", "established flows", "10000")
    .option("--no-baseline", "skip the linear-scan baseline")
    .option("--json", "print one JSON object")
    .action(
      async (opts: {
        entries: string;
        endpoints: string;
        backend: string;
        dialect: string;
        ipv6?: boolean;
        packets: string;
        flows: string;
        baseline: boolean;
        json?: boolean;
      }) => {
        const r = await runL3L4({
          entries: intList(opts.entries),
          endpoints: positiveInt(opts.endpoints),
          backends: backendsOf(opts.backend),
          dialect: dialectsOf(opts.dialect)[0]!,
          ipv6: opts.ipv6 === true,
          packets: positiveInt(opts.packets),
          flows: positiveInt(opts.flows),
          skipBaseline: !opts.baseline,
        });
        cli.stdout(
          opts.json === true ? JSON.stringify({ l3l4: r, machine: machineFacts() }) + "\n" : formatL3L4(r),
        );
        cli.exitCode = r.rows.every((x) => x.mismatches === 0 && x.baselineMismatches === 0) ? 0 : 1;
      },
    );
  bench
    .command("compile")
    .description("compile time and bundle size for a generated cluster (10 000 pods, 1 000 policies)")
    .option("--endpoints <n>", "pods", "10000")
    .option("--policies <n>", "policies (each selects one app)", "1000")
    .option("--dialect <dialect>", "kubernetes, cilium or both", "both")
    .option("--runs <n>", "compiles per dialect (the median is reported)", "3")
    .option("--json", "print one JSON object")
    .action(
      (opts: { endpoints: string; policies: string; dialect: string; runs: string; json?: boolean }) => {
        const rows = runCompileTime({
          endpoints: positiveInt(opts.endpoints),
          policies: positiveInt(opts.policies),
          dialects: dialectsOf(opts.dialect),
          runs: positiveInt(opts.runs),
        });
        cli.stdout(
          opts.json === true
            ? JSON.stringify({ compile: rows, machine: machineFacts() }) + "\n"
            : formatCompileTime(rows),
        );
      },
    );
  bench
    .command("l7")
    .description("L7 inspection: HTTP/1.1, gRPC, Kafka and DNS requests per second with a handful of rules")
    .option("--requests <n>", "requests per stream", "5000")
    .option("--cpu-time", "time by this process's CPU time instead of the clock (for a loaded machine)")
    .option("--json", "print one JSON object")
    .action((opts: { requests: string; cpuTime?: boolean; json?: boolean }) => {
      const rows = runL7Bench(positiveInt(opts.requests), opts.cpuTime === true ? { clock: "cpu" } : {});
      cli.stdout(
        opts.json === true
          ? JSON.stringify({ l7: rows, machine: machineFacts() }) + "\n"
          : formatL7Bench(rows),
      );
    });
  bench
    .command("all")
    .description("every scenario (what npm run bench runs)")
    .option("--json", "print JSON")
    .option("--no-wasm", "skip the WebAssembly backend (loading binaryen takes a while)")
    .action(async (opts: { json?: boolean; wasm: boolean }) => {
      const rows = pipelineScenarios();
      const cb = classbenchSets().map(([r, t]) => runClassBench(r, t));
      // Both backends on the same sets, the interpreter's runs first (binaryen's compile threads would
      // otherwise disturb them).
      if (opts.wasm) {
        for (const [r, t] of classbenchSets()) {
          cb.push(await runClassBenchAsync(r, t, { backend: "wasm" }));
        }
      }
      const l3l4 = await runL3L4({ ...ALL_L3L4, backends: opts.wasm ? ["interp", "wasm"] : ["interp"] });
      const compileRows = runCompileTime({ runs: 1 });
      const l7 = runL7Bench();
      if (opts.json === true) {
        cli.stdout(
          JSON.stringify({
            pipeline: rows,
            classbench: cb,
            l3l4,
            compile: compileRows,
            l7,
            machine: machineFacts(),
          }) + "\n",
        );
      } else {
        cli.stdout(formatPipeline(rows));
        for (const r of cb) {
          cli.stdout(formatClassBench(r));
        }
        cli.stdout(formatL3L4(l3l4));
        cli.stdout(formatCompileTime(compileRows));
        cli.stdout(formatL7Bench(l7));
      }
      cli.exitCode =
        cb.every((r) => r.mismatches === 0) && l3l4.rows.every((x) => x.mismatches === 0) ? 0 : 1;
    });
}
