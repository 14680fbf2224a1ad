/**
 * @fileoverview WebAssembly for the linear scan (tables/linear-scan.ts), the oracle and "iptables
 * model" baseline: entries in rank order, each a fixed number of conditions
 * `(((ctx[word] & mask) - lo) ^ SIGN) <= (hi - lo) ^ SIGN` (signed), first passing entry wins.
 *
 * Small tables (at most UNROLL_CONDITIONS conditions in all) are compiled to straight-line code with
 * every word, mask and bound an immediate, and padding conditions (always true) left out; this is
 * what "auto" gives tables of up to eight entries. Larger ones scan the condition array copied into
 * memory, with the per-entry conditions unrolled (their count is a constant of the table).
 */

import type { TableLookup } from "../tables/lookup.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import type { LookupPlan } from "./lookups.js";

/** XOR with this maps u32 order onto i32 order, as in linear-scan.ts. */
const SIGN = 0x80000000 | 0;
/** Words per condition in the scan array: context word, mask, lo, (hi - lo) ^ SIGN. */
const CONDITION_WORDS = 4;
/** Up to this many conditions over all entries, the scan becomes straight-line code. */
const UNROLL_CONDITIONS = 256;

/** The public fields of the (unexported) LinearScan class that the generated code reads. */
export interface LinearScanShape extends TableLookup {
  /** Per entry in rank order: entry index, then `conditions` conditions. */
  readonly code: Int32Array;
  /** Entries. */
  readonly count: number;
  /** Conditions per entry. */
  readonly conditions: number;
}

/** Whether `lookup` is the linear scan (tables/linear-scan.ts does not export its class). */
export function isLinearScan(lookup: TableLookup): lookup is LinearScanShape {
  const l = lookup as Partial<LinearScanShape>;
  return (
    lookup.algorithm === "linear" &&
    l.code instanceof Int32Array &&
    typeof l.count === "number" &&
    typeof l.conditions === "number"
  );
}

/** Plan for a linear scan: straight-line code for small tables, else one array (the conditions). */
export function planLinearScan(scan: LinearScanShape): LookupPlan {
  if (scan.count * scan.conditions <= UNROLL_CONDITIONS) {
    return { algorithm: scan.algorithm, arrays: [], emit: (f) => emitUnrolled(f, scan) };
  }
  return { algorithm: scan.algorithm, arrays: [scan.code], emit: (f, at) => emitScan(f, scan, at[0]!) };
}

/** `cond` fails: (((ctx & mask) - lo) ^ SIGN) > bound. */
function fails(f: FunctionBuilder, y: Expr, mask: Expr, lo: Expr, bound: Expr): Expr {
  const { m } = f;
  return m.i32.gt_s(m.i32.xor(m.i32.sub(m.i32.and(y, mask), lo), f.i32(SIGN)), bound);
}

function emitUnrolled(f: FunctionBuilder, scan: LinearScanShape): Expr[] {
  const { m } = f;
  const { code, conditions } = scan;
  const entryWords = 1 + CONDITION_WORDS * conditions;
  const out: Expr[] = [];
  for (let i = 0; i < scan.count; i++) {
    const at = i * entryWords;
    const next = f.label("next");
    const tests: Expr[] = [];
    for (let c = 0; c < conditions; c++) {
      const q = at + 1 + CONDITION_WORDS * c;
      const [word, mask, lo, bound] = [code[q]!, code[q + 1]!, code[q + 2]!, code[q + 3]!];
      if (mask === 0 && lo === 0) {
        continue; // ((0 - 0) ^ SIGN) is the smallest int32: holds for every bound (padding too)
      }
      tests.push(m.br(next, fails(f, f.ctx(0, word), f.i32(mask), f.i32(lo), f.i32(bound))));
    }
    out.push(m.block(next, [...tests, m.return(f.i32(code[at]!))]));
  }
  out.push(m.return(f.i32(-1)));
  return out;
}

function emitScan(f: FunctionBuilder, scan: LinearScanShape, codeAt: number): Expr[] {
  const { m } = f;
  const entryWords = 1 + CONDITION_WORDS * scan.conditions;
  const p = f.local();
  const entries = f.label("entries");
  const miss = f.label("miss");
  const next = f.label("next");
  const tests: Expr[] = [];
  for (let c = 0; c < scan.conditions; c++) {
    const k = 1 + CONDITION_WORDS * c;
    tests.push(
      m.br(
        next,
        fails(
          f,
          f.ctxAt(0, f.word(codeAt, p, k)),
          f.word(codeAt, p, k + 1),
          f.word(codeAt, p, k + 2),
          f.word(codeAt, p, k + 3),
        ),
      ),
    );
  }
  return [
    f.set(p, f.i32(0)),
    m.block(miss, [
      m.loop(
        entries,
        m.block(null, [
          m.br(miss, m.i32.ge_u(f.get(p), f.i32(scan.count * entryWords))),
          m.block(next, [...tests, m.return(f.word(codeAt, p))]),
          f.bump(p, entryWords),
          m.br(entries),
        ]),
      ),
    ]),
    m.return(f.i32(-1)),
  ];
}
