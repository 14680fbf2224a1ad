import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { CT_NEW, CT_REOPENED, F_FLAGS, PKT_REPLY } from "../../runtime/context.js";
import { Conntrack } from "../../runtime/conntrack/index.js";
import type { ConntrackEntry } from "../../runtime/conntrack/index.js";
import { ModelConntrack } from "./model.js";
import type { ModelEntry, ModelPacket } from "./model.js";
import { icmpEcho, icmpError, nonFirstFragment, tcp, udp } from "./packets.js";
import type { TestPacket } from "./packets.js";

const S = 1e9;
const T0 = 1000 * S;

function endpoint(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The frame and context for a model packet. */
function build(p: ModelPacket): TestPacket {
  switch (p.kind) {
    case "tcp":
      return tcp(endpoint(p.src, p.sport), endpoint(p.dst, p.dport), p.flags);
    case "udp":
      return udp(endpoint(p.src, p.sport), endpoint(p.dst, p.dport));
    case "echo":
      return icmpEcho(p.src, p.dst, p.id, p.reply);
    case "error":
      return icmpError(p.src, p.dst, p.src.includes(":") ? 1 : 3, 0, build(p.quoted));
    case "fragment":
      return nonFirstFragment(udp(endpoint(p.src, 7), endpoint(p.dst, 7)));
  }
}

function implSnapshot(ct: Conntrack, now: number): ModelEntry[] {
  return ct
    .snapshot(now)
    .map((e: ConntrackEntry) => ({
      key: `${e.proto}|${e.srcAddr.join(",")}|${e.dstAddr.join(",")}|${e.srcPort}|${e.dstPort}`,
      tcpState: e.tcpState,
      expiresNs: e.expiresNs,
      verdict: e.verdict,
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Packets over a small universe so that replies, reopens and collisions are frequent. */
function packetArb(v6: boolean): fc.Arbitrary<ModelPacket> {
  const host = fc.constantFrom(...(v6 ? ["fd00::1", "fd00::2"] : ["10.0.0.1", "10.0.0.2"]));
  const port = fc.constantFrom(80, 1000);
  const flags = fc.constantFrom("S", "SA", "A", "PA", "FA", "F", "R", "RA", "", "SF", "SR");
  const tcpArb = fc.record({
    kind: fc.constant("tcp" as const),
    src: host,
    dst: host,
    sport: port,
    dport: port,
    flags,
  });
  const udpArb = fc.record({
    kind: fc.constant("udp" as const),
    src: host,
    dst: host,
    sport: port,
    dport: port,
  });
  const echoArb = fc.record({
    kind: fc.constant("echo" as const),
    src: host,
    dst: host,
    id: fc.constantFrom(1, 2),
    reply: fc.boolean(),
  });
  const quotable = fc.oneof(tcpArb, udpArb, echoArb);
  const errorArb = fc.record({
    kind: fc.constant("error" as const),
    src: host,
    dst: host,
    type: fc.constant(0),
    quoted: quotable,
  });
  const fragArb = fc.record({ kind: fc.constant("fragment" as const), src: host, dst: host });
  return fc.oneof(
    { arbitrary: tcpArb, weight: 6 },
    { arbitrary: udpArb, weight: 3 },
    { arbitrary: echoArb, weight: 2 },
    { arbitrary: errorArb, weight: 2 },
    { arbitrary: fragArb, weight: 1 },
  );
}

/** Time steps: zero, a nanosecond, small, and the edges of every default timeout. */
const dtArb = fc.oneof(
  { arbitrary: fc.constant(0), weight: 4 },
  {
    arbitrary: fc.constantFrom(1, 10 * S, 10 * S + 1, 60 * S, 60 * S + 1, 8000 * S, 8000 * S + 1),
    weight: 2,
  },
  { arbitrary: fc.integer({ min: 0, max: 5 * S }), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 100 * S }), weight: 1 },
);

const stepArb = (v6: boolean) =>
  fc.record({
    packet: packetArb(v6),
    dt: dtArb,
    allow: fc.boolean(),
    extraCreate: fc.boolean(),
    verdict: fc.integer({ min: 0, max: 7 }),
  });

describe("conntrack agrees with the reference model", () => {
  it.each([false, true])("random packet sequences (IPv6: %s)", (v6) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.array(stepArb(v6), { minLength: 1, maxLength: 120 }),
        (capacity, evictLive, steps) => {
          const timeouts = { tcp: 8000, tcpSyn: 60, tcpFin: 10, any: 60 };
          const ct = new Conntrack({ capacity, timeouts, evictLive });
          const model = new ModelConntrack(capacity, timeouts, evictLive);
          let now = T0;
          for (const [i, step] of steps.entries()) {
            now += step.dt;
            const p = build(step.packet);
            const state = ct.lookup(p.ctx, p.frame, now);
            const expected = model.lookup(step.packet, now);
            expect(state, `step ${i} state`).toBe(expected.state);
            expect((p.ctx[F_FLAGS]! & PKT_REPLY) !== 0, `step ${i} PKT_REPLY`).toBe(expected.reply);
            if ((step.allow && (state === CT_NEW || state === CT_REOPENED)) || step.extraCreate) {
              const rc = ct.create(p.ctx, now, step.verdict);
              const after = new Set(implSnapshot(ct, now).map((e) => e.key));
              expect(rc, `step ${i} create`).toBe(model.create(step.packet, now, step.verdict, after));
            }
            expect(implSnapshot(ct, now), `step ${i} entries`).toEqual(model.snapshot(now));
          }
          expect(ct.audit()).toBe("");
        },
      ),
      { numRuns: 1500 },
    );
  });
});
