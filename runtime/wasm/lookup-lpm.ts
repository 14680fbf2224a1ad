/**
 * @fileoverview WebAssembly for the longest-prefix-match trie (tables/lpm.ts): the trie array is
 * copied into memory and the walk is unrolled by level, since each level's context word, shift and
 * mask are constants of the table; a list node (short list of masked compares) ends the walk.
 *
 * Reference encoding as in lpm.ts: v <= 0 is the result ~v (0 = NO_ENTRY), v even a node at v >>> 1,
 * v odd a list at v >>> 1 (default reference, count, then per item: entry, check count, checks of
 * context word, mask, value).
 */

import type { Lpm } from "../tables/lpm.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import type { LookupPlan } from "./lookups.js";

/** Plan for an LPM trie: one array (the trie). */
export function planLpm(lpm: Lpm): LookupPlan {
  return {
    algorithm: lpm.algorithm,
    arrays: [lpm.trie],
    emit: (f, at) => emitLpm(f, lpm, at[0]!),
  };
}

function emitLpm(f: FunctionBuilder, lpm: Lpm, trie: number): Expr[] {
  const { m } = f;
  const ctx = 0;
  const v = f.local();
  const base = f.local();
  const p = f.local();
  const count = f.local();
  const end = f.local();
  const q = f.local();
  const walked = f.label("walked");
  const descend: Expr[] = [];
  for (let l = 0; l < lpm.levelCtx.length; l++) {
    const slot = m.i32.and(
      m.i32.shr_u(f.ctx(ctx, lpm.levelCtx[l]!), f.i32(lpm.levelShift[l]!)),
      f.i32(lpm.levelMask[l]!),
    );
    descend.push(
      m.br(walked, m.i32.le_s(f.get(v), f.i32(0))),
      m.br(walked, m.i32.and(f.get(v), f.i32(1))),
      f.set(v, f.wordAt(trie, m.i32.add(m.i32.shr_u(f.get(v), f.i32(1)), slot))),
    );
  }
  // A list: the first item whose every (ctx[word] ^ value) & mask == 0 is the answer, else the default.
  const items = f.label("items");
  const miss = f.label("miss");
  const checks = f.label("checks");
  const fail = f.label("fail");
  const list = [
    f.set(base, m.i32.shr_u(f.get(v), f.i32(1))),
    f.set(count, f.word(trie, base, 1)),
    f.set(p, m.i32.add(f.get(base), f.i32(2))),
    m.block(miss, [
      m.loop(
        items,
        m.block(null, [
          m.br(miss, m.i32.eqz(f.get(count))),
          f.set(end, m.i32.add(m.i32.add(f.get(p), f.i32(2)), m.i32.mul(f.word(trie, p, 1), f.i32(3)))),
          f.set(q, m.i32.add(f.get(p), f.i32(2))),
          m.block(fail, [
            m.loop(
              checks,
              m.block(null, [
                m.if(m.i32.eq(f.get(q), f.get(end)), m.return(f.word(trie, p))),
                m.br(
                  fail,
                  m.i32.and(m.i32.xor(f.ctxAt(ctx, f.word(trie, q)), f.word(trie, q, 2)), f.word(trie, q, 1)),
                ),
                f.bump(q, 3),
                m.br(checks),
              ]),
            ),
          ]),
          f.set(p, f.get(end)),
          f.bump(count, -1),
          m.br(items),
        ]),
      ),
    ]),
    f.set(v, f.word(trie, base)),
  ];
  return [
    f.set(v, f.i32(lpm.root)),
    m.block(walked, descend),
    m.if(m.i32.gt_s(f.get(v), f.i32(0)), m.block(null, list)),
    m.return(m.i32.xor(f.get(v), f.i32(-1))),
  ];
}
