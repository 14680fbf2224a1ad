/**
 * @fileoverview How the disassembler writes string references so the assembler rebuilds the exact
 * pool (see the interning rule in values.ts).
 *
 * If interning the references in print order rebuilds the pool exactly (no duplicates, nothing
 * unreferenced, first references in index order), the listing leaves `.strings` out and every
 * reference is a literal. Otherwise it prints the whole pool, and a reference whose text occurs
 * earlier in the pool is written `$N`.
 */

import { isWord, quote } from "./lexicon.js";

/** Whether the pool must be printed: interning `refs` (indexes, print order) would not rebuild it. */
export function poolNeeded(pool: readonly string[], refs: readonly number[]): boolean {
  if (new Set(pool).size !== pool.length) {
    return true;
  }
  let next = 0;
  for (const r of refs) {
    if (r === next) {
      next++;
    } else if (r > next) {
      return true;
    }
  }
  return next !== pool.length;
}

/** Prints string references as literals, bare words or `$N`. */
export class RefPrinter {
  private readonly first = new Map<string, number>();
  private readonly pool: readonly string[];
  /** Whether the listing prints the whole pool in a `.strings` block. */
  readonly full: boolean;

  /** `pool` is the bundle's pool; `full` says whether the listing prints it. */
  constructor(pool: readonly string[], full: boolean) {
    this.pool = pool;
    this.full = full;
    pool.forEach((s, i) => {
      if (!this.first.has(s)) {
        this.first.set(s, i);
      }
    });
  }

  private literalOk(index: number): boolean {
    return !this.full || this.first.get(this.pool[index]!) === index;
  }

  /** Reference to string `index` where a string is expected: `"text"` or `$N`. */
  ref(index: number): string {
    return this.literalOk(index) ? quote(this.pool[index]!) : `$${index}`;
  }

  /** Reference where a name is expected: a bare word when the text allows, else as `ref`. */
  name(index: number): string {
    const s = this.pool[index]!;
    return this.literalOk(index) && isWord(s) ? s : this.ref(index);
  }
}
