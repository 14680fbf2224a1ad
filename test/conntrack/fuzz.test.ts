import { describe, expect, it } from "vitest";

import {
  CT_REOPENED,
  CTX_WORDS,
  F_CT_STATE,
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_FRAME_LENGTH,
  F_ICMP_ID,
  F_ICMP_TYPE,
  F_L4_OFFSET,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
} from "../../runtime/context.js";
import { Conntrack } from "../../runtime/conntrack/index.js";
import { REASON_CT_MAP_INSERTION_FAILED } from "../../runtime/verdict.js";

const ITERATIONS = 1_000_000;
const S = 1e9;

/** xorshift32: fast, seeded, deterministic. */
function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

describe("fuzz", () => {
  it(`${ITERATIONS} random contexts and frames: no exception, sane results and counters, fixed memory`, () => {
    const next = rng(0x5eed);
    const pick = <T>(xs: readonly T[]): T => xs[next() % xs.length]!;
    const tables = [
      new Conntrack({ capacity: 256 }),
      new Conntrack({ capacity: 64, evictLive: false, timeouts: { tcpSyn: 1, any: 2, tcpFin: 1, tcp: 5 } }),
    ];
    const memory = tables.map((t) => t.memoryBytes);
    const lookups = [0, 0];
    const ctx = new Uint32Array(CTX_WORDS);
    const frames = Array.from({ length: 64 }, (_, i) => new Uint8Array(i * 3).map(() => next()));
    const protos = [1, 6, 17, 58, 132, 47, 0, 300, 0xffffffff];
    const addrs = [
      [0, 0, 0xffff, 0x0a000001],
      [0, 0, 0xffff, 0x0a000002],
      [0xfd000000, 0, 0, 1],
      [0xfd000000, 0, 0, 2],
      [0, 0, 0, 0],
    ];
    const crafted = new Uint8Array(64);
    const view = new DataView(crafted.buffer);
    let now = 1000 * S;
    for (let i = 0; i < ITERATIONS; i++) {
      const plausible = (next() & 3) !== 0;
      if (plausible) {
        ctx.fill(0);
        ctx[F_FLAGS] = (next() & 1 ? PKT_IPV4 : PKT_IPV6) | (next() % 8 === 0 ? next() & 0x1fff : PKT_HAS_L4);
        ctx[F_PROTO] = pick(protos);
        ctx.set(pick(addrs), F_SRC_IP6);
        ctx.set(pick(addrs), F_DST_IP6);
        ctx[F_SRC_PORT] = next() % 4;
        ctx[F_DST_PORT] = next() & 1 ? next() : next() % 4;
        ctx[F_TCP_FLAGS] = next() & 0xff;
        ctx[F_ICMP_TYPE] = next() & 1 ? pick([0, 1, 2, 3, 4, 8, 11, 12, 128, 129]) : next();
        ctx[F_ICMP_ID] = next() % 3;
      } else {
        for (let w = 0; w < CTX_WORDS; w++) {
          ctx[w] = next();
        }
      }
      let frame = frames[next() % frames.length]!;
      for (let b = 0; b < 8 && frame.length > 0; b++) {
        frame[next() % frame.length] = next();
      }
      if (frame.length > 0 && next() & 1) {
        // Aim the payload at a plausible embedded header sometimes.
        const at = next() % frame.length;
        frame[at] = next() & 1 ? 0x45 : 0x60;
        ctx[F_PAYLOAD_OFFSET] = at;
        ctx[F_L4_OFFSET] = Math.max(0, at - 8);
        ctx[F_PAYLOAD_LENGTH] = next() & 1 ? frame.length - at : next();
        ctx[F_FRAME_LENGTH] = next() & 1 ? frame.length : next();
      }
      if (plausible && next() % 4 === 0) {
        // A well-formed quote of a pool connection, so the RELATED path gets hits too.
        const v6 = (next() & 1) === 1;
        const f = crafted;
        const src = pick(addrs);
        const dst = pick(addrs);
        ctx[F_FLAGS] = (v6 ? PKT_IPV6 : PKT_IPV4) | PKT_HAS_L4;
        ctx[F_PROTO] = v6 ? 58 : 1;
        ctx[F_ICMP_TYPE] = v6 ? 1 + (next() % 4) : 3;
        ctx[F_PAYLOAD_OFFSET] = 8;
        ctx[F_PAYLOAD_LENGTH] = v6 ? 48 : 28;
        ctx[F_FRAME_LENGTH] = crafted.length;
        if (v6) {
          f[8] = 0x60;
          f[14] = 17;
          src.forEach((w, k) => {
            view.setUint32(16 + 4 * k, w);
          });
          dst.forEach((w, k) => {
            view.setUint32(32 + 4 * k, w);
          });
          view.setUint16(48, next() % 4);
          view.setUint16(50, next() % 4);
        } else {
          f[8] = 0x45;
          f[14] = 0;
          f[15] = 0;
          f[17] = 17;
          view.setUint32(20, src[3]!);
          view.setUint32(24, dst[3]!);
          view.setUint16(28, next() % 4);
          view.setUint16(30, next() % 4);
        }
        if (next() % 8 === 0) {
          f[8 + (next() % 40)] = next();
        }
        frame = f;
      }
      const r = next() % 100;
      now = r === 0 ? Number.NaN : r === 1 ? -now : r === 2 ? next() * S : now + (next() % 3000) * 1e6;
      for (const [t, ct] of tables.entries()) {
        const state = ct.lookup(ctx, frame, now, next() % 4 === 0 ? next() % 8 : 0);
        lookups[t]!++;
        if (!(state >= 0 && state <= CT_REOPENED) || ctx[F_CT_STATE] !== state) {
          throw new Error(`iteration ${i}: bad state ${state}`);
        }
        if (next() & 1) {
          const rc = ct.create(ctx, now, next());
          if (rc !== 0 && rc !== REASON_CT_MAP_INSERTION_FAILED) {
            throw new Error(`iteration ${i}: bad create result ${rc}`);
          }
        }
        if (ct.size > ct.capacity) {
          throw new Error(`iteration ${i}: ${ct.size} entries in a table of ${ct.capacity}`);
        }
      }
      if (i % 100_000 === 0) {
        for (const ct of tables) {
          expect(ct.audit()).toBe("");
        }
      }
    }
    for (const [t, ct] of tables.entries()) {
      expect(ct.audit()).toBe("");
      const c = ct.counters;
      const l = c.lookups;
      expect(l.new + l.established + l.reply + l.related + l.reopened).toBe(lookups[t]);
      expect(c.entries).toBe(c.created - c.expired - c.evicted - c.replaced);
      expect(ct.memoryBytes).toBe(memory[t]);
      expect(c.created).toBeGreaterThan(1000);
      expect(l.established + l.reply).toBeGreaterThan(1000);
      expect(l.related).toBeGreaterThan(100);
    }
    expect(tables[0]!.counters.evicted).toBeGreaterThan(0);
    expect(tables[1]!.counters.insertionFailures).toBeGreaterThan(0);
  });
});
