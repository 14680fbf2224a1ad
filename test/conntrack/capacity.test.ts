import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  CT_ESTABLISHED,
  CT_NEW,
  CT_REPLY,
  F_DST_IP6,
  F_DST_PORT,
  F_SRC_IP6,
  F_SRC_PORT,
} from "../../runtime/context.js";
import { Conntrack } from "../../runtime/conntrack/index.js";
import { tcp, udp } from "./packets.js";
import type { TestPacket } from "./packets.js";

const S = 1e9;
const T0 = 1000 * S;

/** UDP flow number `i` from a distinct client port/address. */
function flow(i: number): TestPacket {
  return udp(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 50000)}`, "10.255.0.1:53");
}

describe("capacity and eviction", () => {
  it("keeps working past capacity: evictions counted, the newest connections tracked", () => {
    const capacity = 1000;
    const ct = new Conntrack({ capacity });
    for (let i = 0; i < 1500; i++) {
      const p = flow(i);
      expect(ct.lookup(p.ctx, p.frame, T0 + i * 1000)).toBe(CT_NEW);
      expect(ct.create(p.ctx, T0 + i * 1000)).toBe(0);
    }
    expect(ct.counters).toMatchObject({
      entries: 1000,
      created: 1500,
      evicted: 500,
      expired: 0,
      insertionFailures: 0,
    });
    const tracked = new Set(ct.snapshot().map((e) => e.srcAddr[3]));
    for (let i = 0; i < 1500; i++) {
      expect(tracked.has(flow(i).ctx[F_SRC_IP6 + 3])).toBe(i >= 500);
    }
    expect(ct.audit()).toBe("");
  });

  it("evicts the soonest-expiring entry: a SYN flood does not push out established connections", () => {
    const ct = new Conntrack({ capacity: 100 });
    const est: TestPacket[] = [];
    for (let i = 0; i < 10; i++) {
      const c = `10.1.0.${i}:5000`;
      ct.create(tcp(c, "10.2.0.1:443", "S").ctx, T0);
      ct.lookup(tcp("10.2.0.1:443", c, "SA").ctx, new Uint8Array(0), T0);
      est.push(tcp(c, "10.2.0.1:443", "A"));
      ct.lookup(est[i]!.ctx, est[i]!.frame, T0);
    }
    for (let i = 0; i < 5000; i++) {
      const syn = tcp(`10.3.${i >> 8}.${i & 255}:${2000 + (i % 1000)}`, "10.2.0.1:443", "S");
      expect(ct.create(syn.ctx, T0 + S + i * 1000)).toBe(0);
    }
    expect(ct.counters.evicted).toBe(5000 - 90);
    for (const p of est) {
      expect(ct.lookup(p.ctx, p.frame, T0 + 2 * S)).toBe(CT_ESTABLISHED);
    }
  });

  it("reclaims expired entries (sweep and on insertion) before evicting live ones", () => {
    const ct = new Conntrack({ capacity: 100 });
    for (let i = 0; i < 100; i++) {
      ct.create(flow(i).ctx, T0);
    }
    // 61 s later all 100 have expired; 100 new flows fill the table without a single eviction.
    for (let i = 100; i < 200; i++) {
      expect(ct.create(flow(i).ctx, T0 + 61 * S)).toBe(0);
    }
    expect(ct.counters).toMatchObject({ entries: 100, expired: 100, evicted: 0 });
    expect(ct.audit()).toBe("");
  });

  it("the incremental sweep empties an idle table two entries per call", () => {
    const ct = new Conntrack({ capacity: 64 });
    for (let i = 0; i < 64; i++) {
      ct.create(flow(i).ctx, T0);
    }
    const probe = udp("10.9.9.9:1", "10.9.9.8:2");
    for (let i = 0; i < 10; i++) {
      ct.lookup(probe.ctx, probe.frame, T0 + 61 * S);
    }
    expect(ct.size).toBe(64 - 20);
    expect(ct.sweep(T0 + 61 * S, 1000)).toBe(44);
    expect(ct.size).toBe(0);
  });

  it("a capacity-1 table works", () => {
    const ct = new Conntrack({ capacity: 1 });
    const a = udp("10.0.0.1:1", "10.0.0.2:2");
    const b = udp("10.0.0.1:3", "10.0.0.2:2");
    ct.create(a.ctx, T0);
    ct.create(b.ctx, T0 + 1);
    expect(ct.lookup(a.ctx, a.frame, T0 + 2)).toBe(CT_NEW);
    expect(ct.lookup(udp("10.0.0.2:2", "10.0.0.1:3").ctx, b.frame, T0 + 2)).toBe(CT_REPLY);
    expect(ct.audit()).toBe("");
  });
});

describe("index under churn (backward-shift deletion)", () => {
  it("every entry stays reachable through random inserts, expiries, evictions and reopens", () => {
    // Few distinct ports and addresses force long clusters and many hash collisions of slots.
    const op = fc.record({
      kind: fc.constantFrom("create", "lookup", "reply", "rst", "syn", "advance"),
      flow: fc.integer({ min: 0, max: 40 }),
      dt: fc.integer({ min: 0, max: 30 * S }),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 24 }), fc.array(op, { maxLength: 300 }), (capacity, ops) => {
        const ct = new Conntrack({ capacity });
        let now = T0;
        for (const o of ops) {
          const cli = `10.0.${o.flow % 3}.1:${1000 + o.flow}`;
          const fwd =
            o.flow % 2 === 0
              ? udp(cli, "10.0.9.9:80")
              : tcp(cli, "10.0.9.9:80", o.kind === "rst" ? "R" : "S");
          switch (o.kind) {
            case "create":
            case "syn":
              ct.lookup(fwd.ctx, fwd.frame, now);
              ct.create(fwd.ctx, now);
              break;
            case "lookup":
            case "rst":
              ct.lookup(fwd.ctx, fwd.frame, now);
              break;
            case "reply": {
              const r = fwd.ctx.slice();
              r.copyWithin(F_SRC_IP6, F_DST_IP6, F_DST_IP6 + 4);
              r.set(fwd.ctx.subarray(F_SRC_IP6, F_SRC_IP6 + 4), F_DST_IP6);
              r[F_SRC_PORT] = fwd.ctx[F_DST_PORT]!;
              r[F_DST_PORT] = fwd.ctx[F_SRC_PORT]!;
              ct.lookup(r, fwd.frame, now);
              break;
            }
            case "advance":
              now += o.dt;
              break;
          }
          const problem = ct.audit();
          if (problem !== "") {
            throw new Error(problem);
          }
          expect(ct.size).toBeLessThanOrEqual(capacity);
        }
      }),
      { numRuns: 300 },
    );
  });
});
