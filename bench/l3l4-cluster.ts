/**
 * @fileoverview Scenario (1) of the performance suite: the L3/L4 policy path (parse + conntrack +
 * ipcache + policy lookup, `Engine.processBatch`) on a generated cluster (bench/gen-cluster.ts) with a
 * given number of policy entries, interpreter and WASM, each beside the linear-scan baseline
 * (`tableAlgorithm: "linear"`, the iptables model) on the same backend and bundle, in the same run.
 *
 * Per size: generate, compile (temp files through `compile`, as the CLI does), load, run one pass over
 * the traffic (bench/l3l4-traffic.ts) to fill conntrack, check every verdict of a second pass against
 * the generator's expectation, then measure. The measured body rotates the new connections' source
 * ports (a few thousand two-byte writes) and calls `processBatch` once.
 *
 * The baseline runs on a smaller batch built the same way (linear scans of 20 000 ipcache rows and up to
 * 50 000 rows per policy table take tens of µs per packet): `baselinePackets` says how many.
 */

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { compile } from "../compiler/compile.js";
import { Engine } from "../runtime/engine/engine.js";
import type { Bundle } from "../runtime/bytecode/bundle.js";
import { measure, settleCpu } from "./harness.js";
import type { MeasureOptions } from "./harness.js";
import { generateCluster, shapeForRows } from "./gen-cluster.js";
import type { Dialect, GeneratedCluster } from "./gen-cluster.js";
import { buildTraffic, rotate } from "./l3l4-traffic.js";
import type { Traffic } from "./l3l4-traffic.js";

/** Rows per table of a compiled bundle, by table name. */
export function tableRows(bundle: Bundle): Record<string, number> {
  return Object.fromEntries(bundle.tables.map((t) => [bundle.strings[t.name] ?? "?", t.entryCount]));
}

/** Policy entries of a bundle: rows of its policy_* tables. */
export function policyRows(bundle: Bundle): number {
  return Object.entries(tableRows(bundle))
    .filter(([name]) => name.startsWith("policy_"))
    .reduce((a, [, n]) => a + n, 0);
}

/** A compiled generated cluster. */
export interface CompiledCluster {
  readonly bytes: Uint8Array;
  readonly bundle: Bundle;
  readonly compileMs: number;
  readonly errors: readonly string[];
}

/** Write `g` to a temp directory (cluster.yaml, policies.yaml), compile it end to end, remove the files. */
export function compileGenerated(g: GeneratedCluster): CompiledCluster {
  const dir = mkdtempSync(join(tmpdir(), "sluice-gen-"));
  try {
    writeFileSync(join(dir, "cluster.yaml"), g.clusterYaml);
    writeFileSync(join(dir, "policies.yaml"), g.policyYaml);
    const t0 = performance.now();
    const r = compile([dir], { cni: g.dialect === "cilium" ? "cilium" : "spec" });
    const compileMs = performance.now() - t0;
    const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    if (r.bytes === undefined || r.bundle === undefined) {
      throw new Error(`generated cluster did not compile: ${errors.slice(0, 3).join("; ")}`);
    }
    return { bytes: r.bytes, bundle: r.bundle, compileMs, errors };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Options of the scenario. */
export interface L3L4Options extends MeasureOptions {
  /** Endpoints of the generated cluster (default 10 000). */
  readonly endpoints?: number;
  /** Policy entries (rows of the policy tables) per size (default 100, 1 000, 10 000, 100 000). */
  readonly entries?: readonly number[];
  /** Backends to run (default both). */
  readonly backends?: readonly ("interp" | "wasm")[];
  readonly dialect?: Dialect;
  /** Frames per batch (default 65 536). */
  readonly packets?: number;
  /** Established flows (default 10 000). */
  readonly flows?: number;
  readonly ipv6?: boolean;
  /** Skip the linear-scan baseline. */
  readonly skipBaseline?: boolean;
}

/** One (size, backend) figure. */
export interface L3L4Row {
  readonly entries: number;
  readonly policies: number;
  readonly rowsPerDirection: number;
  readonly tables: Readonly<Record<string, number>>;
  readonly backend: "interp" | "wasm";
  readonly family: "IPv4" | "IPv6";
  readonly frameBytes: number;
  readonly packets: number;
  readonly flows: number;
  /** Verdicts of the checked pass that matched the generator's expectation. */
  readonly agree: number;
  readonly mismatches: number;
  readonly mpps: number;
  readonly nsPerPacket: number;
  readonly baselineMpps: number;
  readonly baselinePackets: number;
  readonly baselineMismatches: number;
  readonly ratio: number;
  readonly compileMs: number;
  readonly loadMs: number;
  readonly bundleBytes: number;
  /** Conntrack lookups by state name over the measured passes. */
  readonly ctStates: Readonly<Record<string, number>>;
}

/** Results of the scenario. */
export interface L3L4Result {
  readonly endpoints: number;
  readonly dialect: Dialect;
  readonly rows: readonly L3L4Row[];
  /** Per backend: ns per packet at the largest size / at the smallest. */
  readonly costRatio: Readonly<Record<string, number>>;
}

function results(n: number): { verdicts: Uint8Array; reasons: Uint16Array; rules: Uint32Array } {
  return { verdicts: new Uint8Array(n), reasons: new Uint16Array(n), rules: new Uint32Array(n) };
}

/** Runs one engine over `t`: a filling pass, a checked pass; returns mismatches and the measurement. */
function runEngine(
  engine: Engine,
  t: Traffic,
  options: MeasureOptions,
): { mismatches: number; perSecond: number; nsPerItem: number } {
  const out = results(t.count);
  let pass = 0;
  rotate(t, pass++);
  engine.processBatch(t, out);
  rotate(t, pass++);
  engine.processBatch(t, out);
  let mismatches = 0;
  for (let i = 0; i < t.count; i++) {
    if (out.verdicts[i] !== t.expected[i]) {
      mismatches++;
    }
  }
  const m = measure(
    () => {
      rotate(t, pass++);
      engine.processBatch(t, out);
    },
    t.count,
    options,
  );
  return { mismatches, perSecond: m.perSecond, nsPerItem: m.nsPerItem };
}

async function loadEngine(
  bytes: Uint8Array,
  backend: "interp" | "wasm",
  linear: boolean,
  capacity: number,
): Promise<Engine> {
  return Engine.loadAsync(bytes, {
    backend,
    conntrack: { capacity },
    ...(linear ? { tableAlgorithm: "linear" as const } : {}),
  });
}

/** Run scenario (1). */
export async function runL3L4(options: L3L4Options = {}): Promise<L3L4Result> {
  const endpoints = options.endpoints ?? 10_000;
  const dialect = options.dialect ?? "kubernetes";
  const packets = options.packets ?? 65_536;
  const flowsWanted = options.flows ?? 10_000;
  const rows: L3L4Row[] = [];
  const sizes = options.entries ?? [100, 1_000, 10_000, 100_000];
  const backends = options.backends ?? ["interp", "wasm"];
  for (const entries of sizes) {
    const shape = shapeForRows(entries, endpoints);
    const g = generateCluster({ endpoints, dialect, ...shape });
    const c = compileGenerated(g);
    const tables = tableRows(c.bundle);
    const traffic = buildTraffic(g, {
      packets,
      flows: flowsWanted,
      ...(options.ipv6 === true ? { ipv6: true } : {}),
    });
    // The linear baseline scans every ipcache and policy row: size its batch to ~0.1 s per pass at ~1 ns/row.
    const scanned = Object.values(tables).reduce((a, n) => a + n, 0);
    const baselinePackets = Math.max(256, Math.min(packets, Math.floor(1e8 / scanned)));
    const small = buildTraffic(g, {
      packets: baselinePackets,
      flows: Math.min(flowsWanted, Math.floor(baselinePackets / 2)),
      ...(options.ipv6 === true ? { ipv6: true } : {}),
    });
    const capacity = 65_536;
    for (const backend of backends) {
      const t0 = performance.now();
      const engine = await loadEngine(c.bytes, backend, false, capacity);
      const loadMs = performance.now() - t0;
      const baseline =
        options.skipBaseline === true ? undefined : await loadEngine(c.bytes, backend, true, capacity);
      // After a wasm build (this size's or an earlier one's) binaryen compiles on background threads,
      // which would share the measured core; and compiling leaves garbage for the GC. Wait for quiet.
      await settleCpu();
      const before = engine.counters().conntrack;
      const main = runEngine(engine, traffic, options);
      const after = engine.counters().conntrack;
      const base = baseline === undefined ? undefined : runEngine(baseline, small, options);
      const mpps = main.perSecond / 1e6;
      const baselineMpps = base === undefined ? Number.NaN : base.perSecond / 1e6;
      rows.push({
        entries: policyRows(c.bundle),
        policies: shape.policies,
        rowsPerDirection: shape.rowsPerDirection,
        tables,
        backend,
        family: options.ipv6 === true ? "IPv6" : "IPv4",
        frameBytes: traffic.lengths[0]!,
        packets: traffic.count,
        flows: traffic.flows,
        agree: traffic.count - main.mismatches,
        mismatches: main.mismatches,
        mpps,
        nsPerPacket: main.nsPerItem,
        baselineMpps,
        baselinePackets: small.count,
        baselineMismatches: base?.mismatches ?? 0,
        ratio: mpps / baselineMpps,
        compileMs: c.compileMs,
        loadMs,
        bundleBytes: c.bytes.length,
        ctStates: ctDelta(before.lookups, after.lookups),
      });
    }
  }
  const costRatio: Record<string, number> = {};
  for (const backend of backends) {
    const mine = rows.filter((r) => r.backend === backend);
    if (mine.length > 1) {
      costRatio[backend] = mine[mine.length - 1]!.nsPerPacket / mine[0]!.nsPerPacket;
    }
  }
  return { endpoints, dialect, rows, costRatio };
}

function ctDelta(
  before: Readonly<Record<string, number>>,
  after: Readonly<Record<string, number>>,
): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
}
