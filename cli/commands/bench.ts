/**
 * @fileoverview `sluice bench`: the ClassBench workload (and, as they land, the other scenarios).
 */

import type { Command } from "commander";
import pc from "picocolors";
import { runClassBench } from "../../bench/classbench.js";
import type { ClassBenchResult } from "../../bench/classbench.js";
import { machineFacts } from "../../bench/harness.js";
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
  lines.push(pc.dim(`  machine    ${m.cpu}, ${m.cores} cores, node ${m.node}, interpreter backend`));
  for (const x of r.firstMismatches) {
    lines.push(pc.red(`  mismatch   trace line ${x.line}: expected rule ${x.expected}, got ${x.got}`));
  }
  return lines.join("\n") + "\n";
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
      (
        rules: string,
        trace: string,
        opts: { backend: string; tableAlgorithm: string; baseline: boolean; json?: boolean },
      ) => {
        if (opts.backend !== "interp") {
          throw new Error(`backend '${opts.backend}' is not available yet; use --backend interp`);
        }
        const r = runClassBench(rules, trace, {
          skipBaseline: !opts.baseline,
          tableAlgorithm: opts.tableAlgorithm as TableAlgorithm,
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
              machine: machineFacts(),
            }) + "\n",
          );
        } else {
          cli.stdout(formatClassBench(r));
        }
        cli.exitCode = r.mismatches === 0 ? 0 : 1;
      },
    );
}
