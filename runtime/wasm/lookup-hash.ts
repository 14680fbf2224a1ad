/**
 * @fileoverview WebAssembly for the exact-match hash (tables/exact-hash.ts): the same MurmurHash3
 * word mixing with i32.mul / i32.rotl, then linear probing over the slot array copied into memory.
 *
 * The key's context words and their count are constants of the table, so the hash and the key
 * compare are unrolled: one load per key word, no loop over the key.
 */

import { HASH_SEED } from "../tables/exact-hash.js";
import type { ExactHash } from "../tables/exact-hash.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import type { LookupPlan } from "./lookups.js";

/** Plan for an exact hash: one array (the slots). */
export function planExactHash(hash: ExactHash): LookupPlan {
  return {
    algorithm: hash.algorithm,
    arrays: [hash.slots],
    emit: (f, at) => emitExactHash(f, hash, at[0]!),
  };
}

function emitExactHash(f: FunctionBuilder, hash: ExactHash, slots: number): Expr[] {
  const { m } = f;
  const ctx = 0;
  const words = Array.from(hash.ctxWords);
  const K = words.length;
  const slotBytes = 4 * (K + 1);
  const h = f.local();
  const k = f.local();
  const s = f.local();
  const at = f.local();
  const entry = f.local();
  const out: Expr[] = [f.set(h, f.i32(HASH_SEED))];
  for (const w of words) {
    // k = rotl(word * c1, 15) * c2; h = rotl(h ^ k, 13) * 5 + 0xe6546b64
    out.push(
      f.set(
        k,
        m.i32.mul(m.i32.rotl(m.i32.mul(f.ctx(ctx, w), f.i32(0xcc9e2d51)), f.i32(15)), f.i32(0x1b873593)),
      ),
      f.set(
        h,
        m.i32.add(
          m.i32.mul(m.i32.rotl(m.i32.xor(f.get(h), f.get(k)), f.i32(13)), f.i32(5)),
          f.i32(0xe6546b64),
        ),
      ),
    );
  }
  // Finaliser: h ^= 4K; fmix32.
  const xorShift = (n: number): Expr => f.set(h, m.i32.xor(f.get(h), m.i32.shr_u(f.get(h), f.i32(n))));
  out.push(
    f.set(h, m.i32.xor(f.get(h), f.i32(4 * K))),
    xorShift(16),
    f.set(h, m.i32.mul(f.get(h), f.i32(0x85ebca6b))),
    xorShift(13),
    f.set(h, m.i32.mul(f.get(h), f.i32(0xc2b2ae35))),
    xorShift(16),
    f.set(s, m.i32.and(f.get(h), f.i32(hash.mask))),
  );
  const probe = f.label("probe");
  const next = f.label("next");
  const keyDiffers = words.map((w, j) =>
    m.br(next, m.i32.ne(m.i32.load(slots + 4 + 4 * j, 4, f.get(at)), f.ctx(ctx, w))),
  );
  out.push(
    m.loop(
      probe,
      m.block(null, [
        f.set(at, m.i32.mul(f.get(s), f.i32(slotBytes))),
        f.set(entry, m.i32.load(slots, 4, f.get(at))),
        m.if(m.i32.lt_s(f.get(entry), f.i32(0)), m.return(f.i32(-1))),
        m.block(next, [...keyDiffers, m.return(f.get(entry))]),
        f.set(s, m.i32.and(m.i32.add(f.get(s), f.i32(1)), f.i32(hash.mask))),
        m.br(probe),
      ]),
    ),
    m.unreachable(),
  );
  return out;
}
