/**
 * @fileoverview Scenario (3) of the performance suite: compile time and bundle size for a generated
 * cluster (default 10 000 pods in 250 namespaces) with 1 000 policies, Kubernetes and Cilium.
 *
 * The inputs are written to a temp directory (cluster.yaml, policies.yaml) and `compile` runs on it end
 * to end, as `sluice compile` does: read + YAML parse, front ends, cluster model, lowering, encoding.
 * Besides the total, the read + parse stage alone (`readInputs` on the same files, timed separately)
 * is reported, since it is the part that grows with the input's bytes. The median of `runs` compiles is
 * reported (each compile of the full size takes seconds, so runs default to 3).
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { Diagnostics } from "../compiler/diagnostics/diagnostic.js";
import { readInputs } from "../compiler/input/read-objects.js";
import { generateCluster } from "./gen-cluster.js";
import type { Dialect } from "./gen-cluster.js";
import { policyRows, tableRows } from "./l3l4-cluster.js";

/** Options of the scenario. */
export interface CompileTimeOptions {
  /** Pods (default 10 000). */
  readonly endpoints?: number;
  /** Policies (default 1 000). */
  readonly policies?: number;
  /** Rows per policy and direction (default 10: 9 (peer, port) pairs and the default deny). */
  readonly rowsPerDirection?: number;
  /** Dialects (default both). */
  readonly dialects?: readonly Dialect[];
  /** Compiles per dialect, the median is reported (default 3). */
  readonly runs?: number;
}

/** One dialect's figures. */
export interface CompileTimeRow {
  readonly dialect: Dialect;
  readonly endpoints: number;
  readonly namespaces: number;
  readonly policies: number;
  readonly inputBytes: number;
  /** Median end-to-end compile time. */
  readonly compileMs: number;
  /** Every run's time. */
  readonly runsMs: readonly number[];
  /** Median time of reading and parsing the same files alone. */
  readonly parseMs: number;
  readonly bundleBytes: number;
  readonly policyRows: number;
  readonly tables: Readonly<Record<string, number>>;
  readonly errors: number;
  readonly warnings: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Run scenario (3). */
export function runCompileTime(options: CompileTimeOptions = {}): CompileTimeRow[] {
  const endpoints = options.endpoints ?? 10_000;
  const policies = options.policies ?? 1_000;
  const rowsPerDirection = options.rowsPerDirection ?? 10;
  const runs = Math.max(1, options.runs ?? 3);
  const out: CompileTimeRow[] = [];
  for (const dialect of options.dialects ?? (["kubernetes", "cilium"] as const)) {
    const g = generateCluster({ endpoints, policies, rowsPerDirection, dialect });
    const dir = mkdtempSync(join(tmpdir(), "sluice-compile-"));
    try {
      writeFileSync(join(dir, "cluster.yaml"), g.clusterYaml);
      writeFileSync(join(dir, "policies.yaml"), g.policyYaml);
      const cni = dialect === "cilium" ? "cilium" : "spec";
      const times: number[] = [];
      const parses: number[] = [];
      let last: ReturnType<typeof compile> | undefined;
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        last = compile([dir], { cni });
        times.push(performance.now() - t0);
        const t1 = performance.now();
        readInputs([dir], new Diagnostics());
        parses.push(performance.now() - t1);
      }
      const r = last!;
      if (r.bundle === undefined || r.bytes === undefined) {
        const first = r.diagnostics.find((d) => d.severity === "error");
        throw new Error(`generated ${dialect} cluster did not compile: ${first?.message ?? "?"}`);
      }
      out.push({
        dialect,
        endpoints,
        namespaces: g.namespaces,
        policies,
        inputBytes: g.clusterYaml.length + g.policyYaml.length,
        compileMs: median(times),
        runsMs: times,
        parseMs: median(parses),
        bundleBytes: r.bytes.length,
        policyRows: policyRows(r.bundle),
        tables: tableRows(r.bundle),
        errors: r.diagnostics.filter((d) => d.severity === "error").length,
        warnings: r.diagnostics.filter((d) => d.severity === "warning").length,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}
