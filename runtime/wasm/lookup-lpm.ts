/**
 * @fileoverview WebAssembly for the longest-prefix-match trie (tables/lpm.ts): the trie array is
 * copied into memory and the walk is unrolled by level, since each level's context word, shift and
 * mask are constants of the table; a list node (short list of masked compares) ends the walk.
 *
 * Reference encoding as in lpm.ts: v <= 0 is the result ~v (0 = NO_ENTRY), v even a node at v >>> 1,
 * v odd a list at v >>> 1 (default reference, count, then per item: entry, check count, checks of
 * context word, mask, value).
 *
 * IPv4-mapped shortcut (lpm.ts `setIpv4Shortcut`): when the trie has one and the key's words 0..2 are
 * 0, 0, 0xffff, the walk starts at `v4Ref` in the unrolled level `v4Level` instead of at the root. The
 * trie is leaf-pushed, so `v4Ref` already carries the best prefix of at most 96 bits that every such
 * key matches (::/0, ::ffff:0:0/96, ...): skipping levels loses nothing, as in the interpreter.
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
  const levels = lpm.levelCtx.length;
  for (let l = 0; l < levels; l++) {
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
  // The shortcut enters the unrolled walk at level v4Level: levels before it run only from the root.
  const resume = lpm.v4Field >= 0 && lpm.v4Level > 0 && lpm.v4Level <= levels ? lpm.v4Level : 0;
  const fromRoot = [f.set(v, f.i32(lpm.root)), ...descend.slice(0, 3 * resume)];
  const walk: Expr[] =
    resume === 0
      ? fromRoot
      : [m.if(ipv4Mapped(f, ctx, lpm.v4Field), f.set(v, f.i32(lpm.v4Ref)), m.block(null, fromRoot))];
  return [
    m.block(walked, [...walk, ...descend.slice(3 * resume)]),
    m.if(m.i32.gt_s(f.get(v), f.i32(0)), m.block(null, list)),
    m.return(m.i32.xor(f.get(v), f.i32(-1))),
  ];
}

/** Whether context words field..field+2 are 0, 0, 0xffff (an IPv4-mapped address, RFC 4291 §2.5.5.2). */
function ipv4Mapped(f: FunctionBuilder, ctx: number, field: number): Expr {
  const { m } = f;
  // Bitwise, not short-circuit: one branch on three adjacent words instead of up to three branches.
  return m.i32.and(
    m.i32.eqz(m.i32.or(f.ctx(ctx, field), f.ctx(ctx, field + 1))),
    m.i32.eq(f.ctx(ctx, field + 2), f.i32(0xffff)),
  );
}
