/**
 * @fileoverview Lookup throughput of the table structures on the Song ClassBench sets: the classifier
 * against the linear scan (the "iptables model" baseline), lookup only, one core, warm.
 *
 * Run with `npx tsx bench/tables-classbench.ts [set...] [--alg=classifier,linear,linear-5tuple]`. Each (set,
 * algorithm) pair runs in its own child process so that no lookup call site is shared between
 * structures (a polymorphic call site would slow every structure measured after the first). Each
 * child checks the structure against the trace's expected column, warms up, then times windows of at
 * least 100 ms over the trace in file order (the context is refilled from pre-parsed tuples per
 * header, as dpdk-test-acl classifies pre-parsed tuples) and reports the median of five windows,
 * plus the best window and a CPU-time rate: on a shared machine the wall-clock median includes time
 * the process was not running, and the gap between the two shows how loaded the machine was.
 */

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import os from "node:os";

import type { TableDef } from "../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../runtime/bytecode/opcodes.js";
import { F_DST_IP4, F_DST_PORT, F_PROTO, F_SRC_IP4, F_SRC_PORT, createContext } from "../runtime/context.js";
import { Classifier } from "../runtime/tables/classifier.js";
import type { TableLookup } from "../runtime/tables/lookup.js";
import { rankOrder } from "../runtime/tables/order.js";
import { buildTableLookup } from "../runtime/tables/select.js";
import {
  SONG_SETS,
  TRACE_WORDS,
  classbenchPresent,
  fillContext,
  loadSongSet,
} from "../test/tables/classbench-fixture.js";

/** Shortest timed window: shorter windows are dominated by timer and tier-up noise. */
const WINDOW_NS = 100_000_000n;
/** Timed windows per measurement; the median is reported. */
const WINDOWS = 5;
/** Untimed passes over the trace before timing, so V8 has optimised the lookup. */
const WARMUP_MS = 300;

type Algorithm = "classifier" | "linear" | "linear-5tuple";

/**
 * A first-match scan hand-specialised to the fixture's 5-tuple key (src/dst prefix, port ranges,
 * protocol value/mask), unrolled, one rule per 10 words: the kind of "plain JS linear scan" the
 * reference speeds in performance.md were measured with. It shows how much of the gap between the
 * classifier and the generic linear scan is the scan's generality rather than the algorithm.
 */
function buildLinear5Tuple(table: TableDef): TableLookup {
  const n = table.entryCount;
  const stride = table.entries.length / n;
  const order = rankOrder(table);
  const r = new Int32Array(n * 10);
  const prefixMask = (len: number): number => (len === 0 ? 0 : (-1 << (32 - len)) | 0);
  order.forEach((e, i) => {
    const w = table.entries.subarray(e * stride, e * stride + stride);
    const src = prefixMask(w[2]!);
    const dst = prefixMask(w[4]!);
    r.set([src, w[1]! & src, dst, w[3]! & dst, w[5]!, w[6]!, w[7]!, w[8]!, w[10]!, w[9]!], i * 10);
  });
  return {
    algorithm: "linear-5tuple",
    lookup(ctx: Uint32Array): number {
      const s = ctx[F_SRC_IP4]! | 0;
      const d = ctx[F_DST_IP4]! | 0;
      const sp = ctx[F_SRC_PORT]! | 0;
      const dp = ctx[F_DST_PORT]! | 0;
      const pr = ctx[F_PROTO]! | 0;
      for (let i = 0, b = 0; i < n; i++, b += 10) {
        if ((s & r[b]!) !== r[b + 1]! || (d & r[b + 2]!) !== r[b + 3]!) {
          continue;
        }
        if (sp < r[b + 4]! || sp > r[b + 5]! || dp < r[b + 6]! || dp > r[b + 7]!) {
          continue; // ports are 16-bit, so signed compares are exact
        }
        if ((pr & r[b + 8]!) !== r[b + 9]!) {
          continue;
        }
        return order[i]!;
      }
      return NO_ENTRY;
    },
  };
}

/** What one child process reports for one (set, algorithm) pair. */
interface Result {
  readonly set: string;
  readonly algorithm: string;
  /** Median over the windows of lookups per wall-clock microsecond. */
  readonly mpps: number;
  /** Best window, wall clock. */
  readonly bestMpps: number;
  /** Median over the windows of lookups per microsecond of this process's CPU time. */
  readonly cpuMpps: number;
  /** First build in the process (includes compiling the builder) and a second, warm build. */
  readonly buildMs: number;
  readonly warmBuildMs: number;
  readonly bytes: number | null;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

function build(table: TableDef, algorithm: Algorithm): TableLookup {
  return algorithm === "linear-5tuple" ? buildLinear5Tuple(table) : buildTableLookup(table, { algorithm });
}

function measure(set: string, algorithm: Algorithm): Result {
  const { table, trace } = loadSongSet(set);
  let t0 = process.hrtime.bigint();
  const lookup = build(table, algorithm);
  const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const ctx = createContext();
  const headers = trace.length / TRACE_WORDS;
  const stride = table.entries.length / table.entryCount;
  for (let i = 0; i < headers; i++) {
    fillContext(ctx, trace, i);
    const e = lookup.lookup(ctx);
    const ruleId = e === NO_ENTRY ? 0 : table.entries[e * stride + stride - 2]!;
    if (ruleId !== trace[i * TRACE_WORDS + 5]) {
      throw new Error(`${set}/${algorithm}: header ${i} gave rule ${ruleId}, trace says ${trace[i * 6 + 5]}`);
    }
  }
  let sink = 0;
  const pass = (): void => {
    for (let i = 0; i < headers; i++) {
      fillContext(ctx, trace, i);
      sink ^= lookup.lookup(ctx);
    }
  };
  const warmEnd = Date.now() + WARMUP_MS;
  while (Date.now() < warmEnd) {
    pass();
  }
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let w = 0; w < WINDOWS; w++) {
    let n = 0;
    const cpu0 = process.cpuUsage();
    const start = process.hrtime.bigint();
    let elapsed = 0n;
    while (elapsed < WINDOW_NS) {
      pass();
      n += headers;
      elapsed = process.hrtime.bigint() - start;
    }
    const used = process.cpuUsage(cpu0);
    wall.push(n / (Number(elapsed) / 1e3));
    cpu.push(n / (used.user + used.system));
  }
  if (sink === 0.5) {
    console.error(sink); // keeps the lookups observable
  }
  t0 = process.hrtime.bigint();
  build(table, algorithm);
  const warmBuildMs = Number(process.hrtime.bigint() - t0) / 1e6;
  return {
    set,
    algorithm: lookup.algorithm,
    mpps: median(wall),
    bestMpps: Math.max(...wall),
    cpuMpps: median(cpu),
    buildMs,
    warmBuildMs,
    bytes: lookup instanceof Classifier ? lookup.stats().bytes : null,
  };
}

function main(argv: readonly string[]): void {
  const one = argv.indexOf("--one");
  if (one >= 0) {
    console.log(JSON.stringify(measure(argv[one + 1]!, argv[one + 2] as Algorithm)));
    return;
  }
  if (!classbenchPresent) {
    console.warn("ClassBench corpus not found (../shared/corpus/classbench); nothing to measure.");
    return;
  }
  const algArg = argv.find((a) => a.startsWith("--alg="));
  const algorithms = (algArg?.slice(6).split(",") ?? [
    "classifier",
    "linear",
    "linear-5tuple",
  ]) as Algorithm[];
  const requested = argv.filter((a) => !a.startsWith("--"));
  const sets = requested.length > 0 ? requested : SONG_SETS;
  console.log(
    `# Node ${process.version}, V8 ${process.versions.v8}, ${os.cpus()[0]?.model ?? "unknown CPU"}`,
  );
  console.log(
    `# load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} on ${os.cpus().length} CPUs`,
  );
  console.log(
    `# warm-up ${WARMUP_MS} ms, ${WINDOWS} windows >= ${Number(WINDOW_NS) / 1e6} ms; Mpps = median window`,
  );
  const header = [
    "set",
    "algorithm",
    "Mpps",
    "ns/lookup",
    "best Mpps",
    "CPU-time Mpps",
    "vs linear",
    "vs linear-5tuple",
  ];
  console.log([...header, "build ms (cold/warm)", "bytes"].join("\t"));
  const self = fileURLToPath(import.meta.url);
  for (const set of sets) {
    const results: Result[] = [];
    for (const algorithm of algorithms) {
      const r = spawnSync(process.execPath, [...process.execArgv, self, "--one", set, algorithm], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      if (r.status !== 0) {
        process.exitCode = 1;
        continue;
      }
      results.push(JSON.parse(r.stdout) as Result);
    }
    const rate = (alg: string): number | undefined => results.find((r) => r.algorithm === alg)?.mpps;
    for (const r of results) {
      const ratio = (base: number | undefined): string =>
        base === undefined ? "-" : `${(r.mpps / base).toFixed(1)}x`;
      console.log(
        [
          set,
          r.algorithm,
          r.mpps.toFixed(2),
          (1e3 / r.mpps).toFixed(1),
          r.bestMpps.toFixed(2),
          r.cpuMpps.toFixed(2),
          ratio(rate("linear")),
          ratio(rate("linear-5tuple")),
          `${r.buildMs.toFixed(1)}/${r.warmBuildMs.toFixed(1)}`,
          r.bytes ?? "-",
        ].join("\t"),
      );
    }
  }
}

main(process.argv.slice(2));
