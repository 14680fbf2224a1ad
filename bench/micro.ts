/**
 * @fileoverview tinybench micro-benchmarks of the per-packet building blocks (`npx tsx bench/micro.ts`;
 * `--json` for one JSON object): parser, LPM (ipcache), policy lookup on a generated cluster's policy
 * table ("auto", which gives large policy tables an exact-match front; the plain classifier; the linear
 * scan), classifier (ClassBench), conntrack lookup.
 *
 * Each task processes a fixed array of inputs per call (1 024 frames, or every collected key), so the
 * reported figure is ns per item = tinybench's mean latency / items. The keys are real: contexts are
 * copied from the engine at the moment it looked the tables up (an ExecHook) while processing the L3/L4
 * scenario's traffic (bench/l3l4-traffic.ts), so they hit and miss as the engine's do. The cluster is
 * smaller than scenario (1)'s by default (MICRO_ENDPOINTS, default 2 000; MICRO_ENTRIES, default 10 000)
 * to keep the compile short.
 */

import { readFileSync } from "node:fs";
import { Bench } from "tinybench";
import { compileClassBench } from "../compiler/classbench/compile.js";
import { parseRules, parseTrace } from "../compiler/classbench/parse.js";
import { F_DST_IP4, F_DST_PORT, F_PROTO, F_SRC_IP4, F_SRC_PORT, createContext } from "../runtime/context.js";
import { Conntrack } from "../runtime/conntrack/index.js";
import { Engine } from "../runtime/engine/engine.js";
import { parsePacket } from "../runtime/packet/parse.js";
import { buildTableLookup } from "../runtime/tables/select.js";
import { TupleHashClassifier } from "../runtime/tables/tuple-hash.js";
import { generateCluster, shapeForRows } from "./gen-cluster.js";
import { machineFacts } from "./harness.js";
import { compileGenerated } from "./l3l4-cluster.js";
import { buildTraffic } from "./l3l4-traffic.js";

const ENDPOINTS = Number(process.env["MICRO_ENDPOINTS"] ?? 2_000);
const ENTRIES = Number(process.env["MICRO_ENTRIES"] ?? 10_000);
const SAMPLE = new URL("../policies/classbench/", import.meta.url);

/** Contexts the engine held when it looked up each table, by table index (first 4 096 per table). */
function collectKeys(
  engine: Engine,
  frames: Uint8Array,
  offsets: Uint32Array,
  lengths: Uint32Array,
): Uint32Array[][] {
  const keys: Uint32Array[][] = engine.program.lookups.map(() => []);
  for (let i = 0; i < offsets.length; i++) {
    engine.process(frames.subarray(offsets[i], offsets[i]! + lengths[i]!), {
      timestampNs: 1e18 + i,
      hook: {
        lookup(table) {
          const list = keys[table]!;
          if (list.length < 4096) {
            list.push(Uint32Array.from(engine.context));
          }
        },
      },
    });
  }
  return keys;
}

/** One task per building block, on `bench`; returns items per call by task name. */
function addTasks(bench: Bench): Record<string, number> {
  const items: Record<string, number> = {};
  const g = generateCluster({
    endpoints: ENDPOINTS,
    dialect: "kubernetes",
    ...shapeForRows(ENTRIES, ENDPOINTS),
  });
  const c = compileGenerated(g);
  const t = buildTraffic(g, { packets: 4096, flows: 2048 });
  const engine = Engine.load(c.bytes);
  const keys = collectKeys(engine, t.frames, t.offsets, t.lengths);
  const names = c.bundle.tables.map((x) => c.bundle.strings[x.name] ?? "");
  const ctx = createContext();

  const n = 1024;
  items["parser: 64 B IPv4/TCP"] = n;
  bench.add("parser: 64 B IPv4/TCP", () => {
    for (let i = 0; i < n; i++) {
      parsePacket(t.frames, t.offsets[i]!, t.lengths[i]!, 1, ctx);
    }
  });

  const lookupTask = (name: string, table: number, algorithm: "auto" | "classifier" | "linear"): void => {
    const list = keys[table]!;
    const lookup =
      algorithm === "auto"
        ? engine.program.lookups[table]!
        : buildTableLookup(c.bundle.tables[table]!, { algorithm });
    const kind = lookup instanceof TupleHashClassifier ? "classifier + exact front" : lookup.algorithm;
    const label = `${name} (${kind}, ${c.bundle.tables[table]!.entryCount} rows)`;
    items[label] = list.length;
    bench.add(label, () => {
      for (let i = 0; i < list.length; i++) {
        lookup.lookup(list[i]!);
      }
    });
  };
  lookupTask("LPM: ipcache_src", names.indexOf("ipcache_src"), "auto");
  lookupTask("policy lookup: policy_ingress", names.indexOf("policy_ingress"), "auto");
  // The plain decision tree, without the exact-match front "auto" gives large policy tables (tuple-hash.ts).
  lookupTask("policy lookup: policy_ingress", names.indexOf("policy_ingress"), "classifier");
  lookupTask("policy lookup: policy_ingress", names.indexOf("policy_ingress"), "linear");

  // Classifier on the bundled ClassBench sample (the Song sets are measured by bench/tables-classbench.ts).
  const rules = parseRules(readFileSync(new URL("sample_acl", SAMPLE), "utf8"));
  const trace = parseTrace(readFileSync(new URL("sample_acl_trace", SAMPLE), "utf8"));
  const cb = buildTableLookup(compileClassBench(rules).tables[0]!, { algorithm: "classifier" });
  const cbKeys = trace.map((h) => {
    const k = createContext();
    k[F_SRC_IP4] = h.src;
    k[F_DST_IP4] = h.dst;
    k[F_SRC_PORT] = h.sport;
    k[F_DST_PORT] = h.dport;
    k[F_PROTO] = h.proto;
    return k;
  });
  const cbLabel = `classifier: ClassBench sample (${rules.length} rules)`;
  items[cbLabel] = cbKeys.length;
  bench.add(cbLabel, () => {
    for (let i = 0; i < cbKeys.length; i++) {
      cb.lookup(cbKeys[i]!);
    }
  });

  // Conntrack: established lookups of the parsed frames (each committed once first).
  const ct = new Conntrack({ capacity: 8192 });
  const parsed: Uint32Array[] = [];
  for (let i = 0; i < n; i++) {
    const k = createContext();
    parsePacket(t.frames, t.offsets[i]!, t.lengths[i]!, 1, k);
    ct.create(k, 1e9);
    parsed.push(k);
  }
  items["conntrack: lookup (hit)"] = n;
  bench.add("conntrack: lookup (hit)", () => {
    for (let i = 0; i < n; i++) {
      ct.lookup(parsed[i]!, t.frames, 1e9, t.offsets[i]);
    }
  });
  return items;
}

const bench = new Bench({ time: 500, warmupTime: 200 });
const items = addTasks(bench);
await bench.run();
const rows = bench.tasks.map((task) => {
  const r = task.result;
  const mean = "latency" in r ? r.latency.mean : Number.NaN;
  const per = items[task.name] ?? 1;
  return { task: task.name, items: per, nsPerItem: (mean * 1e6) / per, mItemsPerSecond: per / mean / 1e3 };
});
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ machine: machineFacts(), endpoints: ENDPOINTS, entries: ENTRIES, rows }));
} else {
  for (const r of rows) {
    console.log(
      `${r.task.padEnd(58)} ${r.nsPerItem.toFixed(1).padStart(8)} ns/item  ${r.mItemsPerSecond.toFixed(2).padStart(7)} M/s`,
    );
  }
  console.log(JSON.stringify(machineFacts()));
}
