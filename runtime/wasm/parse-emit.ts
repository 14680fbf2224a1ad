/**
 * @fileoverview The small expression vocabulary the wasm packet parser is written in: one wasm
 * function per layer of runtime/packet (parameter 0 is always the context address), big-endian
 * reads of frame bytes in linear memory, context stores, and i32 arithmetic with short names, so
 * codegen-parse-*.ts can follow the JS layers line by line.
 *
 * Addresses are absolute byte addresses in linear memory and stay far below 2^31 (layout.ts), so
 * signed compares order them correctly and -1 can mean "no header" as it does in the JS parser.
 * Frame reads assemble bytes (`load8_u`), the same values wire.ts's `be16` / `be24` / `be32` build:
 * wasm loads are little-endian, and the frame area has no alignment to rely on.
 */

import type { Binaryen, BinaryenModule, Expr } from "./binaryen.js";
import { FunctionBuilder } from "./builder.js";

/** Builds one parser function: `FunctionBuilder` plus the parser's reads, stores and operators. */
export class ParseFn extends FunctionBuilder {
  /** The function's name. */
  readonly name: string;
  /** Result type (binaryen type). */
  readonly result: number;

  constructor(b: Binaryen, m: BinaryenModule, name: string, params: number, result: number) {
    super(b, m, params);
    this.name = name;
    this.result = result;
  }

  /** Context word `w` (parameter 0 holds the context address). */
  ld(w: number): Expr {
    return this.m.i32.load(4 * w, 4, this.get(0));
  }

  /** Stores `value` into context word `w`. */
  st(w: number, value: Expr): Expr {
    return this.m.i32.store(4 * w, 4, this.get(0), value);
  }

  /** Stores constant `value` into context word `w`. */
  stK(w: number, value: number): Expr {
    return this.st(w, this.i32(value));
  }

  /** `ctx[w] |= bits`. */
  orK(w: number, bits: number): Expr {
    return this.st(w, this.m.i32.or(this.ld(w), this.i32(bits)));
  }

  /** Frame byte at address local `a` + `off`. */
  u8(a: number, off = 0): Expr {
    return this.m.i32.load8_u(off, 1, this.get(a));
  }

  /** Big-endian 16-bit value at address local `a` + `off` (wire.ts be16). */
  be16(a: number, off = 0): Expr {
    const m = this.m;
    return m.i32.or(m.i32.shl(this.u8(a, off), this.i32(8)), this.u8(a, off + 1));
  }

  /** Big-endian 24-bit value at address local `a` + `off` (wire.ts be24). */
  be24(a: number, off = 0): Expr {
    const m = this.m;
    return m.i32.or(m.i32.shl(this.be16(a, off), this.i32(8)), this.u8(a, off + 2));
  }

  /** Big-endian 32-bit value at address local `a` + `off` (wire.ts be32). */
  be32(a: number, off = 0): Expr {
    const m = this.m;
    return m.i32.or(m.i32.shl(this.be16(a, off), this.i32(16)), this.be16(a, off + 2));
  }

  /** `a + b`. */
  add(a: Expr, b: Expr): Expr {
    return this.m.i32.add(a, b);
  }

  /** Local `a` + constant `k`. */
  addK(a: number, k: number): Expr {
    return this.m.i32.add(this.get(a), this.i32(k));
  }

  /** `a - b`. */
  sub(a: Expr, b: Expr): Expr {
    return this.m.i32.sub(a, b);
  }

  /** `a & k`. */
  andK(a: Expr, k: number): Expr {
    return this.m.i32.and(a, this.i32(k));
  }

  /** `a === k` (i32). */
  eqK(a: Expr, k: number): Expr {
    return this.m.i32.eq(a, this.i32(k));
  }

  /** `a !== k` (i32). */
  neK(a: Expr, k: number): Expr {
    return this.m.i32.ne(a, this.i32(k));
  }

  /** `a < b`, signed. */
  lt(a: Expr, b: Expr): Expr {
    return this.m.i32.lt_s(a, b);
  }

  /** `a <= b`, signed. */
  le(a: Expr, b: Expr): Expr {
    return this.m.i32.le_s(a, b);
  }

  /** `a > b`, signed. */
  gt(a: Expr, b: Expr): Expr {
    return this.m.i32.gt_s(a, b);
  }

  /** `a || b` on i32 booleans (both evaluated; operands here have no side effects). */
  any(...xs: Expr[]): Expr {
    return xs.reduce((a, b) => this.m.i32.or(a, b));
  }

  /** `a && b` on i32 booleans (both evaluated). */
  all(...xs: Expr[]): Expr {
    return xs.reduce((a, b) => this.m.i32.and(a, b));
  }

  /** `min(a, b)` of two locals, signed. */
  min(a: number, b: number): Expr {
    return this.m.select(this.lt(this.get(a), this.get(b)), this.get(a), this.get(b));
  }

  /** `if (cond) { then } else { otherwise }`. */
  when(cond: Expr, then: readonly Expr[], otherwise?: readonly Expr[]): Expr {
    const m = this.m;
    const t = m.block(null, [...then], this.b.none);
    return otherwise === undefined
      ? m.if(cond, t)
      : m.if(cond, t, m.block(null, [...otherwise], this.b.none));
  }

  /** `while (cond) { body }`; `body` may not branch out except by return. */
  whileLoop(cond: Expr, body: readonly Expr[]): Expr {
    const m = this.m;
    const out = this.label("out");
    const again = this.label("again");
    return m.block(out, [m.loop(again, m.block(null, [m.br(out, m.i32.eqz(cond)), ...body, m.br(again)]))]);
  }

  /** `return value` (or a bare return). */
  ret(value?: Expr): Expr {
    return this.m.return(value);
  }

  /** `return -1`. */
  fail(): Expr {
    return this.m.return(this.i32(-1));
  }

  /** A call of parser function `fn` as a statement (its result, if any, dropped). */
  run(fn: ParseFn, args: readonly Expr[]): Expr {
    const c = this.m.call(fn.name, [...args], fn.result);
    return fn.result === this.b.none ? c : this.m.drop(c);
  }

  /** A call of parser function `fn` as a value. */
  call(fn: ParseFn, args: readonly Expr[]): Expr {
    return this.m.call(fn.name, [...args], fn.result);
  }

  /** Adds the function with `body`; returns this for use in calls. */
  define(body: readonly Expr[]): this {
    this.finish(this.name, this.result, [...body]);
    return this;
  }
}
