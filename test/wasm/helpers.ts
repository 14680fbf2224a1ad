/**
 * @fileoverview Shared by the wasm differential tests: run one Program on both backends over the same
 * contexts and collect everything observable — results per context, counters, hits, service calls.
 *
 * Both sides get the same deterministic service handler (its answer depends on the service, r1 and
 * two context words, and it writes F_CT_STATE like the conntrack service does), so CALL is compared
 * too. The interpreter runs the contexts one after another on one record, as the engine does; the
 * wasm side fills slots and runs them in batches of `batch`, with META words carried between packets.
 * With `fresh`, every context instead starts as given, META words included (the engine fixtures'
 * model): the interpreter gets a copy of each, and wasm runs one slot per call with the carry record
 * holding the context's META words.
 */

import { SERVICE_ARGS } from "../../runtime/bytecode/opcodes.js";
import { CTX_WORDS, F_CT_STATE, F_DST_PORT, F_META0, F_SRC_PORT } from "../../runtime/context.js";
import { RESULT_WORDS, exec } from "../../runtime/interp/exec.js";
import type { ServiceHandler } from "../../runtime/interp/exec.js";
import type { Program } from "../../runtime/program.js";
import type { WasmProgram } from "../../runtime/wasm/index.js";

/** What one backend did over a sequence of contexts. */
export interface Observed {
  /** verdict, reason, rule per context. */
  readonly results: number[][];
  /** Program counters after the run. */
  readonly counters: number[];
  /** Hit counts per table after the run. */
  readonly hits: number[][];
  /** `service r1 -> r0` per CALL, in order. */
  readonly calls: string[];
  /** The final context words (META carry included). */
  readonly lastContext: number[];
}

/**
 * A deterministic stand-in for the engine's services; appends to `calls`. It reads r1 only for
 * services that take an argument: other registers hold whatever an earlier packet left there.
 */
function services(calls: string[]): ServiceHandler {
  return (service, regs, ctx) => {
    const r1 = (SERVICE_ARGS[service] ?? 0) >= 1 ? regs[1]! : 0;
    const r0 = (Math.imul(service, 0x9e3779b1) ^ r1 ^ ctx[F_SRC_PORT]! ^ (ctx[F_DST_PORT]! << 7)) >>> 0;
    ctx[F_CT_STATE] = r0 & 3;
    calls.push(`${service} ${r1} -> ${r0}`);
    return r0;
  };
}

/** Runs `contexts` through the interpreter on one context record (a copy of each with `fresh`). */
export function runInterp(program: Program, contexts: readonly Uint32Array[], fresh = false): Observed {
  const calls: string[] = [];
  const svc = services(calls);
  const ctx = new Uint32Array(CTX_WORDS);
  const out = new Uint32Array(RESULT_WORDS);
  const results = contexts.map((c) => {
    // The engine's parser rewrites words below META per packet and leaves META words alone.
    ctx.set(fresh ? c : c.subarray(0, F_META0));
    exec(program, ctx, out, svc);
    return [...out];
  });
  return {
    results,
    counters: [...program.counters],
    hits: program.hits.map((h) => [...h]),
    calls,
    lastContext: [...ctx],
  };
}

/** Runs `contexts` through `wasm`, `batch` slots per call (one with `fresh`). */
export function runWasm(
  wasm: WasmProgram,
  contexts: readonly Uint32Array[],
  batch = wasm.slots,
  fresh = false,
): Observed {
  const calls: string[] = [];
  const svc = services(calls);
  wasm.onService = (service, _slot, regs, ctx) => svc(service, regs, ctx);
  const results: number[][] = [];
  let last = wasm.contexts[0]!;
  const step = fresh ? 1 : batch;
  for (let start = 0; start < contexts.length; start += step) {
    const count = Math.min(step, contexts.length - start);
    for (let s = 0; s < count; s++) {
      const c = contexts[start + s]!;
      wasm.contexts[s]!.set(fresh ? c : c.subarray(0, F_META0));
      if (fresh) {
        wasm.carry.set(c.subarray(F_META0), F_META0);
      }
    }
    wasm.run(0, count);
    for (let s = 0; s < count; s++) {
      results.push([...wasm.results.subarray(3 * s, 3 * s + 3)]);
    }
    last = wasm.contexts[count - 1]!;
  }
  return {
    results,
    counters: [...wasm.program.counters],
    hits: wasm.program.hits.map((h) => [...h]),
    calls,
    lastContext: [...last],
  };
}
