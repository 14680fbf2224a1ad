/**
 * @fileoverview `sluice bench`: the ClassBench workload (and, as they land, the other scenarios).
 */

import type { Command } from "commander";
import pc from "picocolors";
import { runClassBench, runClassBenchAsync } from "../../bench/classbench.js";
import type { ClassBenchResult } from "../../bench/classbench.js";
import { machineFacts } from "../../bench/harness.js";
import { runPipeline, tcpBatch } from "../../bench/pipeline.js";
import type { PipelineResult } from "../../bench/pipeline.js";
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
      if (opts.json === true) {
        cli.stdout(JSON.stringify({ pipeline: rows, classbench: cb, machine: machineFacts() }) + "\n");
      } else {
        cli.stdout(formatPipeline(rows));
        for (const r of cb) {
          cli.stdout(formatClassBench(r));
        }
      }
      cli.exitCode = cb.every((r) => r.mismatches === 0) ? 0 : 1;
    });
}
