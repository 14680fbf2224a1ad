/**
 * @fileoverview The ClassBench workload: compile a rule set, classify its trace through the engine,
 * check every answer, and measure packets per second beside the linear-scan baseline.
 *
 * Agreement is checked against the trace itself for Song traces (1-based first match) and against an
 * independent first-match scan written from the format's definition for db_generator traces, whose
 * last column names the rule a header was generated from rather than the first match (corpus README).
 * The baseline is the same bundle with every table forced to the linear scan — the "iptables model" —
 * measured in the same run on the same trace.
 */

import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { compileClassBench } from "../compiler/classbench/compile.js";
import { firstMatch, parseRules, parseTrace } from "../compiler/classbench/parse.js";
import type { ClassBenchHeader, ClassBenchRule } from "../compiler/classbench/parse.js";
import { encodeBundle } from "../runtime/bytecode/encode.js";
import { F_DST_IP4, F_DST_PORT, F_PROTO, F_SRC_IP4, F_SRC_PORT, createContext } from "../runtime/context.js";
import { RESULT_RULE, RESULT_WORDS, exec } from "../runtime/interp/exec.js";
import { loadProgram } from "../runtime/program.js";
import type { Program, TableAlgorithm } from "../runtime/program.js";
import type { WasmProgram } from "../runtime/wasm/index.js";
import { measure, settleCpu } from "./harness.js";
import type { MeasureOptions } from "./harness.js";

/** Result of one ClassBench run (the `--json` object). */
export interface ClassBenchResult {
  readonly ruleSet: string;
  readonly rules: number;
  readonly packets: number;
  readonly agree: number;
  readonly mismatches: number;
  readonly mpps: number;
  readonly baselineMpps: number;
  readonly ratio: number;
  readonly algorithm: string;
  readonly backend: string;
  readonly compileMs: number;
  readonly loadMs: number;
  readonly bundleBytes: number;
  readonly firstMismatches: readonly {
    readonly line: number;
    readonly expected: number;
    readonly got: number;
  }[];
}

/** Options of a run. */
export interface ClassBenchOptions extends MeasureOptions {
  /** Execution backend ("wasm" needs runClassBenchAsync). */
  readonly backend?: "interp" | "wasm";
  /** Skip the baseline measurement (it takes seconds for 10K rules). */
  readonly skipBaseline?: boolean;
  /** Table algorithm for the measured engine. */
  readonly tableAlgorithm?: TableAlgorithm;
}

/** Expected 1-based rule per header: the trace column (Song) or the first-match oracle (db_generator). */
function expectedRules(
  rules: readonly ClassBenchRule[],
  trace: readonly ClassBenchHeader[],
  dbgen: boolean,
): Int32Array {
  const out = new Int32Array(trace.length);
  trace.forEach((h, i) => {
    out[i] = dbgen ? firstMatch(rules, h) + 1 : h.expected;
  });
  return out;
}

/** Column arrays of the trace, so the measured loop reads typed arrays only. */
function traceColumns(trace: readonly ClassBenchHeader[]): Uint32Array[] {
  const cols = [0, 1, 2, 3, 4].map(() => new Uint32Array(trace.length));
  trace.forEach((h, i) => {
    cols[0]![i] = h.src;
    cols[1]![i] = h.dst;
    cols[2]![i] = h.sport;
    cols[3]![i] = h.dport;
    cols[4]![i] = h.proto;
  });
  return cols;
}

/** One pass over the trace; writes the rule id per header into `got`. */
function classifyAll(program: Program, cols: Uint32Array[], got: Uint32Array): void {
  const ctx = createContext();
  const out = new Uint32Array(RESULT_WORDS);
  const [src, dst, sport, dport, proto] = cols as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  for (let i = 0; i < src.length; i++) {
    ctx[F_SRC_IP4] = src[i]!;
    ctx[F_DST_IP4] = dst[i]!;
    ctx[F_SRC_PORT] = sport[i]!;
    ctx[F_DST_PORT] = dport[i]!;
    ctx[F_PROTO] = proto[i]!;
    exec(program, ctx, out);
    got[i] = out[RESULT_RULE]!;
  }
}

/** One pass of a backend over the trace columns, writing rule ids. */
type Classify = (cols: Uint32Array[], got: Uint32Array) => void;

/** Everything a run prepares before measuring. */
interface Prepared {
  readonly rules: readonly ClassBenchRule[];
  readonly trace: readonly ClassBenchHeader[];
  readonly bytes: Uint8Array;
  readonly program: Program;
  readonly compileMs: number;
  readonly loadMs: number;
}

function prepare(rulesPath: string, tracePath: string, options: ClassBenchOptions): Prepared {
  const rules = parseRules(readFileSync(rulesPath, "utf8"), rulesPath);
  const trace = parseTrace(readFileSync(tracePath, "utf8"), tracePath);
  const t0 = performance.now();
  const bytes = encodeBundle(compileClassBench(rules, rulesPath));
  const t1 = performance.now();
  const program = loadProgram(bytes, { tableAlgorithm: options.tableAlgorithm ?? "auto" });
  const t2 = performance.now();
  return { rules, trace, bytes, program, compileMs: t1 - t0, loadMs: t2 - t1 };
}

/** Check every answer of `classify`, measure it and the linear-scan baseline. */
function finish(
  rulesPath: string,
  p: Prepared,
  classify: Classify,
  options: ClassBenchOptions,
): ClassBenchResult {
  const { rules, trace, bytes, program } = p;
  const dbgen = rules.some((r) => r.flags !== undefined);
  const expected = expectedRules(rules, trace, dbgen);
  const cols = traceColumns(trace);
  const got = new Uint32Array(trace.length);
  classify(cols, got);
  let agree = 0;
  const firstMismatches: { line: number; expected: number; got: number }[] = [];
  for (let i = 0; i < trace.length; i++) {
    const want = expected[i]! <= 0 ? 0xffffffff : expected[i]!;
    if (got[i] === want) {
      agree++;
    } else if (firstMismatches.length < 10) {
      firstMismatches.push({ line: i + 1, expected: expected[i]!, got: got[i]! | 0 });
    }
  }
  const engine = measure(
    () => {
      classify(cols, got);
    },
    trace.length,
    options,
  );
  let baselineMpps = Number.NaN;
  if (options.skipBaseline !== true) {
    const baseline = loadProgram(bytes, { tableAlgorithm: "linear" });
    baselineMpps =
      measure(
        () => {
          classifyAll(baseline, cols, got);
        },
        trace.length,
        options,
      ).perSecond / 1e6;
  }
  const mpps = engine.perSecond / 1e6;
  return {
    ruleSet: basename(rulesPath),
    rules: rules.length,
    packets: trace.length,
    agree,
    mismatches: trace.length - agree,
    mpps,
    baselineMpps,
    ratio: mpps / baselineMpps,
    algorithm: program.lookups[0]?.algorithm ?? "none",
    backend: options.backend ?? "interp",
    compileMs: p.compileMs,
    loadMs: p.loadMs,
    bundleBytes: bytes.length,
    firstMismatches,
  };
}

/** Run the workload on files `rulesPath` and `tracePath` in the interpreter. */
export function runClassBench(
  rulesPath: string,
  tracePath: string,
  options: ClassBenchOptions = {},
): ClassBenchResult {
  const p = prepare(rulesPath, tracePath, options);
  return finish(
    rulesPath,
    p,
    (cols, got) => {
      classifyAll(p.program, cols, got);
    },
    options,
  );
}

/** One pass over the trace in the WASM backend: contexts filled per batch of slots, one call per batch. */
function classifyAllWasm(wasm: WasmProgram, cols: Uint32Array[], got: Uint32Array): void {
  const { contexts, results, slots } = wasm;
  const [src, dst, sport, dport, proto] = cols as [
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
    Uint32Array,
  ];
  for (let start = 0; start < src.length; start += slots) {
    const count = Math.min(slots, src.length - start);
    for (let s = 0; s < count; s++) {
      const ctx = contexts[s]!;
      const i = start + s;
      ctx[F_SRC_IP4] = src[i]!;
      ctx[F_DST_IP4] = dst[i]!;
      ctx[F_SRC_PORT] = sport[i]!;
      ctx[F_DST_PORT] = dport[i]!;
      ctx[F_PROTO] = proto[i]!;
    }
    wasm.run(0, count);
    for (let s = 0; s < count; s++) {
      got[start + s] = results[3 * s + 2]!;
    }
  }
}

/** runClassBench with either backend; "wasm" compiles the program with binaryen (loaded on demand). */
export async function runClassBenchAsync(
  rulesPath: string,
  tracePath: string,
  options: ClassBenchOptions = {},
): Promise<ClassBenchResult> {
  if (options.backend !== "wasm") {
    return runClassBench(rulesPath, tracePath, options);
  }
  const p = prepare(rulesPath, tracePath, options);
  const { loadWasmProgram } = await import("../runtime/wasm/index.js");
  const wasm = await loadWasmProgram(
    loadProgram(p.bytes, { tableAlgorithm: options.tableAlgorithm ?? "auto" }),
  );
  await settleCpu();
  return finish(
    rulesPath,
    p,
    (cols, got) => {
      classifyAllWasm(wasm, cols, got);
    },
    options,
  );
}
