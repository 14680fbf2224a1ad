/**
 * @fileoverview A thin helper over binaryen for one function: local allocation, unique labels, and
 * the memory accesses every generator uses (a word of an array copied into linear memory, a word of
 * the context record).
 *
 * Conventions shared by all generated code: linear memory is addressed in bytes; arrays the lookups
 * read are Int32Arrays copied to a fixed byte offset (layout.ts), and an element is read as
 * `i32.load offset=<array base> (index << 2)`, so the base is an immediate and the index a local.
 * Every local is an i32 unless asked otherwise; registers r0..r15 of the program are locals too.
 */

import type { Binaryen, BinaryenModule, Expr } from "./binaryen.js";

/** Builds the locals and expressions of one wasm function. */
export class FunctionBuilder {
  /** The binaryen namespace (types, constants). */
  readonly b: Binaryen;
  /** The module the function goes into. */
  readonly m: BinaryenModule;
  /** Number of parameters (all i32); locals are numbered after them. */
  readonly params: number;
  private readonly varTypes: number[] = [];
  private labels = 0;

  constructor(b: Binaryen, m: BinaryenModule, params: number) {
    this.b = b;
    this.m = m;
    this.params = params;
  }

  /** A new local of `type` (default i32); returns its index. */
  local(type?: number): number {
    this.varTypes.push(type ?? this.b.i32);
    return this.params + this.varTypes.length - 1;
  }

  /** A label unique within this function. */
  label(prefix: string): string {
    return `${prefix}${this.labels++}`;
  }

  /** i32.const of `value` (any u32 or i32 number). */
  i32(value: number): Expr {
    return this.m.i32.const(value | 0);
  }

  /** local.get of i32 local `index`. */
  get(index: number): Expr {
    return this.m.local.get(index, this.b.i32);
  }

  /** local.set of local `index`. */
  set(index: number, value: Expr): Expr {
    return this.m.local.set(index, value);
  }

  /** Word `local + k` of the array at byte offset `base`: `i32.load offset=base+4k (local << 2)`. */
  word(base: number, local: number, k = 0): Expr {
    return this.m.i32.load(base + 4 * k, 4, this.m.i32.shl(this.get(local), this.i32(2)));
  }

  /** Word `index` (an expression) of the array at byte offset `base`. */
  wordAt(base: number, index: Expr): Expr {
    return this.m.i32.load(base, 4, this.m.i32.shl(index, this.i32(2)));
  }

  /** Context word `w` (a constant) of the record at the address in local `ctx`. */
  ctx(ctx: number, w: number): Expr {
    return this.m.i32.load(4 * w, 4, this.get(ctx));
  }

  /** Context word given by expression `w` of the record at the address in local `ctx`. */
  ctxAt(ctx: number, w: Expr): Expr {
    return this.m.i32.load(0, 4, this.m.i32.add(this.get(ctx), this.m.i32.shl(w, this.i32(2))));
  }

  /** `local += delta`. */
  bump(local: number, delta: number): Expr {
    return this.set(local, this.m.i32.add(this.get(local), this.i32(delta)));
  }

  /** Adds the function: `body` statements (ending in a return or a jump) with the locals allocated. */
  finish(name: string, results: number, body: readonly Expr[]): void {
    const { b, m } = this;
    const params = b.createType(Array.from({ length: this.params }, () => b.i32));
    m.addFunction(name, params, results, this.varTypes, m.block(null, body, b.auto));
  }
}
