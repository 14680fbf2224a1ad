// Shared by the wasm differential tests: a seeded generator, the one-table lookup program, and running
// timed frames through Engine.processBatch in batches.
import type { Bundle, TableDef } from "../../runtime/bytecode/bundle.js";
import * as op from "../../runtime/bytecode/opcodes.js";
import type { Engine } from "../../runtime/engine/engine.js";

/** A frame and its time, ns. */
export interface TimedFrame {
  readonly frame: Uint8Array;
  readonly ts: number;
}

/** xorshift32 from `seed`: a deterministic stream of 32-bit numbers. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `table` and a program: lookup, hit, count, then verdict / data word / entry index from the action. */
export function lookupBundle(table: TableDef): Bundle {
  const insns = new Uint32Array(2 * 7);
  op.encodeInsn(insns, 0, op.OP_LOOKUP, 3, 0, 0, 0);
  op.encodeInsn(insns, 1, op.OP_HIT, 0, 3, 0, 0);
  op.encodeInsn(insns, 2, op.OP_COUNT, 0, 0, 0, 0);
  op.encodeInsn(insns, 3, op.OP_LDA, 0, 3, op.ACTION_VERDICT, 0);
  op.encodeInsn(insns, 4, op.OP_LDA, 1, 3, op.ACTION_DATA0, 0);
  op.encodeInsn(insns, 5, op.OP_MOV_X, 2, 3, 0, 0);
  op.encodeInsn(insns, 6, op.OP_EXIT, 0, 0, 0, 0);
  return {
    minor: 0,
    flags: 0,
    strings: ["t", "lookups"],
    sourceMap: [],
    tables: [table],
    program: { insns, counterNames: [1] },
    annotations: [],
    rawSections: new Map(),
  };
}

/** Run `packets` through `engine.processBatch`, `per` at a time; "verdict reason rule" per packet. */
export function runBatches(engine: Engine, packets: readonly TimedFrame[], per: number): string[] {
  const results: string[] = [];
  for (let start = 0; per > 0 && start < packets.length; start += per) {
    const part = packets.slice(start, start + per);
    const frames = new Uint8Array(part.reduce((n, p) => n + p.frame.length, 0));
    const offsets = new Uint32Array(part.length);
    const lengths = new Uint32Array(part.length);
    let at = 0;
    part.forEach((p, i) => {
      frames.set(p.frame, at);
      offsets[i] = at;
      lengths[i] = p.frame.length;
      at += p.frame.length;
    });
    const out = {
      verdicts: new Uint8Array(part.length),
      reasons: new Uint16Array(part.length),
      rules: new Uint32Array(part.length),
    };
    engine.processBatch(
      { frames, offsets, lengths, timestampsNs: Float64Array.from(part, (p) => p.ts) },
      out,
    );
    part.forEach((_, i) => results.push(`${out.verdicts[i]} ${out.reasons[i]} ${out.rules[i]}`));
  }
  return results;
}
