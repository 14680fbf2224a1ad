/**
 * @fileoverview WebAssembly for the decision-tree classifier (tables/classifier.ts): nodes, leaves
 * and the rank → entry map are copied into memory; the handful of trees is unrolled, since each
 * tree's root and smallest rank are constants of the table.
 *
 * Per tree: skip it and every later one once its smallest rank cannot beat the best so far; walk
 * split nodes (`(y ^ SIGN) <= t` signed, i.e. y <= t unsigned) and cut nodes
 * (`slots[(y - lo) >>> shift]`) to a leaf; scan the leaf's records in rank order, each check being
 * `(((ctx[word] & mask) - lo) ^ SIGN) <= (hi - lo) ^ SIGN` as a signed compare.
 */

import { TREE_WORDS } from "../tables/classifier.js";
import type { Classifier } from "../tables/classifier.js";
import { CHECK_WORDS, CUT_HEADER_WORDS, SIGN, SPLIT_BIT } from "../tables/decision-tree.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import type { LookupPlan } from "./lookups.js";

/** Rank meaning "nothing found yet", as in classifier.ts. */
const NO_RANK = 0x7fffffff;

/** Plan for a classifier: nodes, leaves, rank → entry. */
export function planClassifier(c: Classifier): LookupPlan {
  return {
    algorithm: c.algorithm,
    // Zero-length arrays still get an (empty) place; a tree of only leaves reads no node.
    arrays: [c.nodes, c.leaves, c.rankEntry],
    emit: (f, at) => emitClassifier(f, c, at[0]!, at[1]!, at[2]!),
  };
}

function emitClassifier(
  f: FunctionBuilder,
  c: Classifier,
  nodes: number,
  leaves: number,
  rankEntry: number,
): Expr[] {
  const { m } = f;
  const ctx = 0;
  const best = f.local();
  const ref = f.local();
  const o = f.local();
  const y = f.local();
  const p = f.local();
  const count = f.local();
  const rank = f.local();
  const end = f.local();
  const q = f.local();
  const done = f.label("done");
  const trees: Expr[] = [];
  for (let t = 0; t < c.trees.length; t += TREE_WORDS) {
    const walk = f.label("walk");
    const leaf = f.label("leaf");
    const records = f.label("records");
    const scanned = f.label("scanned");
    const checks = f.label("checks");
    const fail = f.label("fail");
    const node = m.block(null, [
      m.br(leaf, m.i32.lt_s(f.get(ref), f.i32(0))),
      f.set(o, m.i32.shr_u(f.get(ref), f.i32(1))),
      f.set(y, m.i32.and(f.ctxAt(ctx, f.word(nodes, o)), f.word(nodes, o, 1))),
      m.if(
        m.i32.and(f.get(ref), f.i32(SPLIT_BIT)),
        f.set(
          ref,
          m.select(
            m.i32.le_s(m.i32.xor(f.get(y), f.i32(SIGN)), f.word(nodes, o, 2)),
            f.word(nodes, o, 3),
            f.word(nodes, o, 4),
          ),
        ),
        f.set(
          ref,
          f.wordAt(
            nodes + 4 * CUT_HEADER_WORDS,
            m.i32.add(f.get(o), m.i32.shr_u(m.i32.sub(f.get(y), f.word(nodes, o, 2)), f.word(nodes, o, 3))),
          ),
        ),
      ),
      m.br(walk),
    ]);
    const check = m.i32.gt_s(
      m.i32.xor(
        m.i32.sub(m.i32.and(f.ctxAt(ctx, f.word(leaves, q)), f.word(leaves, q, 1)), f.word(leaves, q, 2)),
        f.i32(SIGN),
      ),
      f.word(leaves, q, 3),
    );
    const record = m.block(null, [
      m.br(scanned, m.i32.eqz(f.get(count))),
      f.set(rank, f.word(leaves, p)),
      m.br(scanned, m.i32.ge_s(f.get(rank), f.get(best))),
      f.set(
        end,
        m.i32.add(m.i32.add(f.get(p), f.i32(2)), m.i32.mul(f.word(leaves, p, 1), f.i32(CHECK_WORDS))),
      ),
      f.set(q, m.i32.add(f.get(p), f.i32(2))),
      m.block(fail, [
        m.loop(
          checks,
          m.block(null, [
            m.if(m.i32.eq(f.get(q), f.get(end)), m.block(null, [f.set(best, f.get(rank)), m.br(scanned)])),
            m.br(fail, check),
            f.bump(q, CHECK_WORDS),
            m.br(checks),
          ]),
        ),
      ]),
      f.set(p, f.get(end)),
      f.bump(count, -1),
      m.br(records),
    ]);
    trees.push(
      // This tree and every later one hold only worse ranks than the best so far.
      m.br(done, m.i32.ge_s(f.i32(c.trees[t + 1]!), f.get(best))),
      f.set(ref, f.i32(c.trees[t]!)),
      m.block(leaf, [m.loop(walk, node)]),
      f.set(p, m.i32.xor(f.get(ref), f.i32(-1))),
      f.set(count, f.word(leaves, p)),
      f.bump(p, 1),
      m.block(scanned, [m.loop(records, record)]),
    );
  }
  return [
    f.set(best, f.i32(NO_RANK)),
    m.block(done, trees),
    m.return(m.if(m.i32.eq(f.get(best), f.i32(NO_RANK)), f.i32(-1), f.wordAt(rankEntry, f.get(best)))),
  ];
}
