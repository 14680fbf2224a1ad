/**
 * @fileoverview TCP reassembly: whatever order, duplication and overlap the segments of a stream arrive
 * in, the bytes delivered are the stream, once, in order; limits refuse out-of-order data beyond them.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ReassemblyBudget,
  SEG_BUFFERED,
  SEG_DELIVERED,
  SEG_LIMIT,
  SEG_OLD,
  TcpReassembler,
} from "../../../runtime/l7/datapath/reassembly.js";

function collector(): { out: number[]; deliver: (b: Uint8Array, s: number, e: number) => void } {
  const out: number[] = [];
  return { out, deliver: (b, s, e) => out.push(...b.subarray(s, e)) };
}

const bytes = (n: number, seed = 0): Uint8Array =>
  Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 255);

describe("TcpReassembler", () => {
  it("delivers in-order segments at once and buffers a gap until it fills", () => {
    const data = bytes(30);
    const r = new TcpReassembler(new ReassemblyBudget(1 << 20, 1 << 16));
    const c = collector();
    r.syn(999); // first data byte is 1000
    expect(r.segment(1000, data, 0, 10, c.deliver)).toBe(SEG_DELIVERED);
    expect(r.segment(1020, data, 20, 30, c.deliver)).toBe(SEG_BUFFERED);
    expect(c.out).toEqual([...data.subarray(0, 10)]);
    expect(r.buffered).toBe(10);
    expect(r.segment(1010, data, 10, 20, c.deliver)).toBe(SEG_DELIVERED);
    expect(c.out).toEqual([...data]);
    expect(r.buffered).toBe(0);
  });

  it("ignores retransmits and trims partial overlaps", () => {
    const data = bytes(20);
    const r = new TcpReassembler(new ReassemblyBudget(1 << 20, 1 << 16));
    const c = collector();
    r.syn(0);
    r.segment(1, data, 0, 10, c.deliver);
    expect(r.segment(1, data, 0, 10, c.deliver)).toBe(SEG_OLD);
    expect(r.segment(6, data, 5, 15, c.deliver)).toBe(SEG_DELIVERED);
    expect(c.out).toEqual([...data.subarray(0, 15)]);
  });

  it("starts at the first payload when no SYN was seen (mid-stream capture)", () => {
    const data = bytes(8);
    const r = new TcpReassembler(new ReassemblyBudget(1 << 20, 1 << 16));
    const c = collector();
    expect(r.segment(123456, data, 0, 8, c.deliver)).toBe(SEG_DELIVERED);
    expect(r.next).toBe(123464);
  });

  it("wraps around 2^32", () => {
    const data = bytes(20);
    const r = new TcpReassembler(new ReassemblyBudget(1 << 20, 1 << 16));
    const c = collector();
    r.syn(0xfffffff9); // first byte at 0xfffffffa: six bytes before the wrap
    expect(r.segment(4, data, 10, 20, c.deliver)).toBe(SEG_BUFFERED);
    r.segment(0xfffffffa, data, 0, 10, c.deliver);
    expect(c.out).toEqual([...data]);
    expect(r.next).toBe(14);
  });

  it("refuses out-of-order data beyond the per-flow and the total limits", () => {
    const data = bytes(100);
    const budget = new ReassemblyBudget(150, 64);
    const a = new TcpReassembler(budget);
    const b = new TcpReassembler(budget);
    const c = collector();
    a.syn(0);
    b.syn(0);
    expect(a.segment(11, data, 0, 60, c.deliver)).toBe(SEG_BUFFERED);
    expect(a.segment(80, data, 0, 10, c.deliver)).toBe(SEG_LIMIT); // 60 + 10 > 64 per flow
    expect(b.segment(11, data, 0, 60, c.deliver)).toBe(SEG_BUFFERED);
    expect(budget.used).toBe(120);
    expect(b.segment(90, data, 0, 40, c.deliver)).toBe(SEG_LIMIT); // 120 + 40 > 150 in total
    a.release();
    expect(budget.used).toBe(60);
  });

  it("property: any arrival order, duplicates and overlaps deliver the stream exactly once", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 400 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (data, cutSeeds, isn, order) => {
          const cuts = [...new Set(cutSeeds.map((x) => x % data.length))]
            .filter((x) => x > 0)
            .sort((x, y) => x - y);
          const bounds = [0, ...cuts, data.length];
          const segs: [number, number][] = [];
          for (let i = 0; i + 1 < bounds.length; i++) {
            segs.push([bounds[i]!, bounds[i + 1]!]);
          }
          // Overlapping resends: a segment spanning two neighbours.
          for (let i = 0; i + 2 < bounds.length; i += 3) {
            segs.push([bounds[i]!, bounds[i + 2]!]);
          }
          const arrival = [...segs];
          order.forEach((o, k) => {
            const i = o % arrival.length;
            const j = k % arrival.length;
            [arrival[i], arrival[j]] = [arrival[j]!, arrival[i]!];
          });
          arrival.push(...segs.slice(0, 2)); // late duplicates
          const r = new TcpReassembler(new ReassemblyBudget(1 << 20, 1 << 20));
          const c = collector();
          r.syn(isn);
          const first = (isn + 1) >>> 0;
          for (const [s, e] of arrival) {
            r.segment((first + s) >>> 0, data, s, e, c.deliver);
          }
          // Buffered segments before the first one arrived are drained when it does.
          expect(c.out).toEqual([...data]);
          expect(r.buffered).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
