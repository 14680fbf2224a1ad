/**
 * @fileoverview The wasm backend against the interpreter on the ClassBench Song sets
 * (`npx tsx bench/wasm.ts`; `--json` for one JSON object, `--levels` to also compare binaryen -O levels).
 *
 * Measured per set, both backends on the same compiled bundle ("auto" tables), same harness
 * (bench/harness.ts: warm-up, windows >= 100 ms, median of 5):
 *   - program: context fill + program (+ lookup), i.e. the engine path after parsing. Interpreter:
 *     fill one context and `exec` per header. wasm: fill up to 256 context slots in linear memory,
 *     one `run` call per batch, read the results back.
 *   - engine: `Engine.processBatch` on Ethernet/IPv4 frames built from the trace's TCP and UDP headers
 *     (parse + program + accounting; the ClassBench program calls no service).
 *   - build: binaryen import (first compile only), IR build, validate, optimise, emit, WebAssembly.Module,
 *     instantiate + table copy.
 * Every answer is checked against the trace before anything is timed.
 *
 * Importing binaryen starts V8 compiling its 15 MB of wasm on background threads, which goes on for
 * seconds after the import returns; on a small machine that steals the measured loop's core. So the
 * bench compiles first, then waits until the process is idle (`settle`), then measures.
 */

import { readFileSync } from "node:fs";
import { compileClassBench } from "../compiler/classbench/compile.js";
import { parseRules, parseTrace } from "../compiler/classbench/parse.js";
import type { ClassBenchHeader } from "../compiler/classbench/parse.js";
import { encodeBundle } from "../runtime/bytecode/encode.js";
import { F_DST_IP4, F_DST_PORT, F_PROTO, F_SRC_IP4, F_SRC_PORT, createContext } from "../runtime/context.js";
import { Engine } from "../runtime/engine/engine.js";
import type { BatchResults, PacketBatch } from "../runtime/engine/engine.js";
import { RESULT_RULE, RESULT_WORDS, exec } from "../runtime/interp/exec.js";
import { tcpPkt, udpPkt } from "../runtime/packet/craft.js";
import { loadProgram } from "../runtime/program.js";
import type { Program } from "../runtime/program.js";
import { loadBinaryen } from "../runtime/wasm/binaryen.js";
import { compileWasm, WasmProgram } from "../runtime/wasm/index.js";
import type { CompiledWasm } from "../runtime/wasm/index.js";
import { machineFacts, measure, settleCpu } from "./harness.js";

const DIR = new URL("../../shared/corpus/classbench/", import.meta.url);
const SETS = (process.env["SETS"] ?? "song_acl1_100,song_fw1_1K,song_ipc1_10K").split(",");

/** Trace columns, so the measured loops read typed arrays only. */
interface Columns {
  readonly src: Uint32Array;
  readonly dst: Uint32Array;
  readonly sport: Uint32Array;
  readonly dport: Uint32Array;
  readonly proto: Uint32Array;
}

function columns(trace: readonly ClassBenchHeader[]): Columns {
  const col = (f: (h: ClassBenchHeader) => number): Uint32Array => Uint32Array.from(trace, f);
  return {
    src: col((h) => h.src),
    dst: col((h) => h.dst),
    sport: col((h) => h.sport),
    dport: col((h) => h.dport),
    proto: col((h) => h.proto),
  };
}

function runInterp(program: Program, c: Columns, got: Uint32Array): void {
  const ctx = createContext();
  const out = new Uint32Array(RESULT_WORDS);
  for (let i = 0; i < c.src.length; i++) {
    ctx[F_SRC_IP4] = c.src[i]!;
    ctx[F_DST_IP4] = c.dst[i]!;
    ctx[F_SRC_PORT] = c.sport[i]!;
    ctx[F_DST_PORT] = c.dport[i]!;
    ctx[F_PROTO] = c.proto[i]!;
    exec(program, ctx, out);
    got[i] = out[RESULT_RULE]!;
  }
}

function runWasm(wasm: WasmProgram, c: Columns, got: Uint32Array): void {
  const { contexts, results, slots } = wasm;
  const n = c.src.length;
  for (let start = 0; start < n; start += slots) {
    const count = Math.min(slots, n - start);
    for (let s = 0; s < count; s++) {
      const ctx = contexts[s]!;
      const i = start + s;
      ctx[F_SRC_IP4] = c.src[i]!;
      ctx[F_DST_IP4] = c.dst[i]!;
      ctx[F_SRC_PORT] = c.sport[i]!;
      ctx[F_DST_PORT] = c.dport[i]!;
      ctx[F_PROTO] = c.proto[i]!;
    }
    wasm.run(0, count);
    for (let s = 0; s < count; s++) {
      got[start + s] = results[3 * s + 2]!;
    }
  }
}

/** Frames for the TCP and UDP headers of the trace, in one buffer. */
function frames(trace: readonly ClassBenchHeader[]): { batch: PacketBatch; results: BatchResults } {
  const ip = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(".");
  const list = trace
    .filter((h) => h.proto === 6 || h.proto === 17)
    .map((h) => (h.proto === 6 ? tcpPkt : udpPkt)(`${ip(h.src)}:${h.sport}`, `${ip(h.dst)}:${h.dport}`));
  const buf = new Uint8Array(list.reduce((n, f) => n + f.length, 0));
  const offsets = new Uint32Array(list.length);
  const lengths = new Uint32Array(list.length);
  let at = 0;
  list.forEach((f, i) => {
    buf.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    at += f.length;
  });
  const n = list.length;
  return {
    batch: { frames: buf, offsets, lengths, timestampsNs: new Float64Array(n).fill(1e9) },
    results: { verdicts: new Uint8Array(n), reasons: new Uint16Array(n), rules: new Uint32Array(n) },
  };
}

/** One set: agreement, then program and engine rates on both backends, and build times. */
async function runSet(name: string, levels: boolean): Promise<Record<string, unknown>> {
  const path = new URL(name, DIR);
  const rules = parseRules(readFileSync(path, "utf8"), name);
  const trace = parseTrace(readFileSync(new URL(`${name}_trace`, DIR), "utf8"), name);
  const bytes = encodeBundle(compileClassBench(rules, name));
  const program = loadProgram(bytes);
  const t0 = performance.now();
  const compiled = await compileWasm(loadProgram(bytes));
  const t1 = performance.now();
  const wasm = new WasmProgram(loadProgram(bytes), compiled);
  const c = columns(trace);
  const got = new Uint32Array(trace.length);
  const want = Uint32Array.from(trace, (h) => (h.expected <= 0 ? 0xffffffff : h.expected));
  runWasm(wasm, c, got);
  const agree = got.every((r, i) => r === want[i]);
  const engines = [Engine.load(bytes), await Engine.loadAsync(bytes, { backend: "wasm" })];
  await settleCpu(); // binaryen's optimiser tiers up in the background after a compile
  const interp = measure(() => {
    runInterp(program, c, got);
  }, trace.length);
  const fast = measure(() => {
    runWasm(wasm, c, got);
  }, trace.length);
  const { batch, results } = frames(trace);
  const n = batch.offsets.length;
  const [engineInterp, engineWasm] = engines.map((e) =>
    measure(() => {
      e.processBatch(batch, results);
    }, n),
  );
  const row: Record<string, unknown> = {
    set: name,
    rules: rules.length,
    headers: trace.length,
    algorithm: program.lookups[0]?.algorithm,
    agree,
    programMpps: { interp: interp.perSecond / 1e6, wasm: fast.perSecond / 1e6 },
    engineFrames: n,
    engineMpps: { interp: engineInterp!.perSecond / 1e6, wasm: engineWasm!.perSecond / 1e6 },
    build: {
      totalMs: t1 - t0,
      ...compiled.timings,
      ...wasm.timings,
      moduleBytes: compiled.bytes.length,
      memoryBytes: compiled.layout.bytes,
    },
  };
  if (levels) {
    row["levels"] = await compareLevels(bytes, c, got, trace.length);
  }
  return row;
}

/** Program rate and optimise time per binaryen -O level. */
async function compareLevels(bytes: Uint8Array, c: Columns, got: Uint32Array, n: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const optimizeLevel of [0, 1, 2, 3]) {
    const compiled: CompiledWasm = await compileWasm(loadProgram(bytes), { optimizeLevel });
    const wasm = new WasmProgram(loadProgram(bytes), compiled);
    await settleCpu();
    const rate = measure(() => {
      runWasm(wasm, c, got);
    }, n);
    out.push({
      optimizeLevel,
      mpps: rate.perSecond / 1e6,
      optimizeMs: compiled.timings.optimizeMs,
      moduleBytes: compiled.bytes.length,
    });
  }
  return out;
}

/** Waits until this process uses almost no CPU while sleeping (background compilation done), at most 60 s. */

const json = process.argv.includes("--json");
const levels = process.argv.includes("--levels");
const rows: Record<string, unknown>[] = [];
const importStart = performance.now();
await loadBinaryen();
const importMs = performance.now() - importStart;
const settleMs = await settleCpu();
if (!json) {
  console.log(JSON.stringify({ binaryenImportMs: importMs, settleMs }));
}
for (const name of SETS) {
  rows.push(await runSet(name, levels));
  if (!json) {
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
}
if (json) {
  console.log(
    JSON.stringify({ machine: machineFacts(), binaryenImportMs: importMs, settleMs, sets: rows }, null, 2),
  );
} else {
  console.log(JSON.stringify(machineFacts()));
}
