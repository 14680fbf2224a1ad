/**
 * @fileoverview The L7 connection table against a model (a Map keyed by the tuple's text): random
 * sequences of new connections, lookups in both directions and removals over a small tuple space (so
 * evictions happen) keep the same membership as the model, never exceed the capacity,
 * and evict the least recently added or touched connection first.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  F_DST_IP6,
  F_DST_PORT,
  F_IP_VERSION,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  createContext,
} from "../../../runtime/context.js";
import { FlowTable, L7Flow, flowHash } from "../../../runtime/l7/datapath/flow-table.js";
import type { L7RuleSet } from "../../../runtime/l7/rule-set.js";

const SET: L7RuleSet = { kind: "http", rules: [] };

/** A request-direction context for connection `n` (client word and port vary, server fixed). */
function ctxOf(n: number): Uint32Array {
  const ctx = createContext();
  ctx[F_IP_VERSION] = 6;
  ctx[F_PROTO] = 6;
  ctx[F_SRC_IP6 + 3] = n >>> 16;
  ctx[F_SRC_PORT] = n & 0xffff;
  ctx[F_DST_IP6 + 3] = 99;
  ctx[F_DST_PORT] = 80;
  return ctx;
}

/** The same connection as its reply sees it. */
function replyOf(ctx: Uint32Array): Uint32Array {
  const r = ctx.slice();
  r.set(ctx.subarray(F_DST_IP6, F_DST_IP6 + 4), F_SRC_IP6);
  r.set(ctx.subarray(F_SRC_IP6, F_SRC_IP6 + 4), F_DST_IP6);
  r[F_SRC_PORT] = ctx[F_DST_PORT]!;
  r[F_DST_PORT] = ctx[F_SRC_PORT]!;
  return r;
}

describe("L7 connection table", () => {
  it("matches a model under random adds, lookups and removals, within its capacity", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.constantFrom("add", "get", "reply", "remove"), fc.nat(40)), { maxLength: 200 }),
        (capacity, ops) => {
          const removed: L7Flow[] = [];
          const table = new FlowTable(capacity, 1e12, (f) => removed.push(f));
          const model = new Map<number, L7Flow>(); // insertion order = LRU order (no touches: same time)
          const now = 0;
          for (const [op, n] of ops) {
            const ctx = ctxOf(n);
            const found = table.get(op === "reply" ? replyOf(ctx) : ctx, op === "reply", now);
            expect(found).toBe(model.get(n));
            if (op === "add" && found === undefined) {
              const f = new L7Flow(ctx, 0, SET);
              table.add(f, now);
              if (model.size >= capacity) {
                const oldest = model.keys().next().value!;
                expect(removed.at(-1)).toBe(model.get(oldest)); // the least recently used goes
                model.delete(oldest);
              }
              model.set(n, f);
            } else if (op === "remove" && found !== undefined) {
              table.remove(found);
              model.delete(n);
            }
            expect(table.size).toBe(model.size);
            expect(table.size).toBeLessThanOrEqual(capacity);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps connections whose hashes collide apart, and unlinks any of them", () => {
    // Birthday search over client ports and addresses for two tuples with the same 32-bit hash.
    const seen = new Map<number, number>();
    let pair: [number, number] | undefined;
    for (let n = 0; pair === undefined && n < 2_000_000; n++) {
      const h = flowHash(ctxOf(n));
      const other = seen.get(h);
      if (other === undefined) {
        seen.set(h, n);
      } else {
        pair = [other, n];
      }
    }
    expect(pair).toBeDefined();
    const [a, b] = pair!;
    const table = new FlowTable(16, 1e12, () => undefined);
    const fa = new L7Flow(ctxOf(a), 0, SET);
    const fb = new L7Flow(ctxOf(b), 0, SET);
    table.add(fa, 0);
    table.add(fb, 0);
    expect(table.get(ctxOf(a), false, 0)).toBe(fa);
    expect(table.get(replyOf(ctxOf(b)), true, 0)).toBe(fb);
    table.remove(fa); // not the chain's head (fb was added last)
    expect(table.get(ctxOf(a), false, 0)).toBeUndefined();
    expect(table.get(ctxOf(b), false, 0)).toBe(fb);
    table.remove(fb);
    expect(table.size).toBe(0);
  });
});
