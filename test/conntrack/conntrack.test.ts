import { describe, expect, it } from "vitest";

import {
  CT_ESTABLISHED,
  CT_NEW,
  CT_REOPENED,
  CT_REPLY,
  createContext,
  F_CT_STATE,
  F_FLAGS,
  PKT_ARP,
  PKT_REPLY,
} from "../../runtime/context.js";
import { Conntrack, DEFAULT_TIMEOUTS, MAX_CAPACITY } from "../../runtime/conntrack/index.js";
import { REASON_CT_MAP_INSERTION_FAILED } from "../../runtime/verdict.js";
import { icmpEcho, nonFirstFragment, tcp, udp } from "./packets.js";
import type { TestPacket } from "./packets.js";

const S = 1e9;
/** Start time: 1000 s, small enough that nanoseconds stay exact in a double. */
const T0 = 1000 * S;

/** lookup, and create when the state says the policy would be asked (CT_NEW / CT_REOPENED). */
function pass(ct: Conntrack, p: TestPacket, now: number): number {
  const state = ct.lookup(p.ctx, p.frame, now);
  if (state === CT_NEW || state === CT_REOPENED) {
    expect(ct.create(p.ctx, now)).toBe(0);
  }
  return state;
}

function look(ct: Conntrack, p: TestPacket, now: number): number {
  return ct.lookup(p.ctx, p.frame, now);
}

const families = [
  { name: "IPv4", a: "10.0.0.1", b: "10.0.0.2", ep: (ip: string, port: number) => `${ip}:${port}` },
  { name: "IPv6", a: "fd00::1", b: "fd00::2", ep: (ip: string, port: number) => `[${ip}]:${port}` },
];

describe.each(families)("TCP ($name)", ({ a, b, ep }) => {
  const cli = ep(a, 31245);
  const srv = ep(b, 80);
  const c2s = (f: string): TestPacket => tcp(cli, srv, f);
  const s2c = (f: string): TestPacket => tcp(srv, cli, f);

  function handshake(ct: Conntrack, t = T0): void {
    expect(pass(ct, c2s("S"), t)).toBe(CT_NEW);
    expect(pass(ct, s2c("SA"), t)).toBe(CT_REPLY);
    expect(pass(ct, c2s("A"), t)).toBe(CT_ESTABLISHED);
  }

  it("tracks the handshake: NEW, REPLY, ESTABLISHED, with PKT_REPLY and ct_state written", () => {
    const ct = new Conntrack({ capacity: 16 });
    const syn = c2s("S");
    expect(look(ct, syn, T0)).toBe(CT_NEW);
    expect(syn.ctx[F_CT_STATE]).toBe(CT_NEW);
    expect(ct.size).toBe(0); // lookup never creates
    expect(ct.create(syn.ctx, T0)).toBe(0);
    expect(ct.snapshot()[0]!.tcpState).toBe("syn-sent");

    const synAck = s2c("SA");
    expect(look(ct, synAck, T0 + 1)).toBe(CT_REPLY);
    expect(synAck.ctx[F_CT_STATE]).toBe(CT_REPLY);
    expect(synAck.ctx[F_FLAGS]! & PKT_REPLY).toBe(PKT_REPLY);
    expect(ct.snapshot()[0]!.tcpState).toBe("syn-received");

    const ack = c2s("A");
    ack.ctx[F_FLAGS]! |= PKT_REPLY; // stale bit from a previous use must be cleared
    expect(look(ct, ack, T0 + 2)).toBe(CT_ESTABLISHED);
    expect(ack.ctx[F_CT_STATE]).toBe(CT_ESTABLISHED);
    expect(ack.ctx[F_FLAGS]! & PKT_REPLY).toBe(0);

    const [entry] = ct.snapshot();
    expect(entry).toMatchObject({
      proto: 6,
      srcPort: 31245,
      dstPort: 80,
      tcpState: "established",
      packetsOriginal: 2,
      packetsReply: 1,
      createdNs: T0,
      expiresNs: T0 + 2 + 8000 * S,
    });
    expect(look(ct, s2c("PA"), T0 + 3)).toBe(CT_REPLY);
    expect(look(ct, c2s("PA"), T0 + 4)).toBe(CT_ESTABLISHED);
    expect(ct.counters.lookups).toEqual({ new: 1, established: 2, reply: 2, related: 0, reopened: 0 });
    expect(ct.audit()).toBe("");
  });

  it("a retransmitted SYN is ESTABLISHED and keeps the SYN timeout", () => {
    const ct = new Conntrack();
    pass(ct, c2s("S"), T0);
    expect(look(ct, c2s("S"), T0 + 30 * S)).toBe(CT_ESTABLISHED);
    expect(ct.snapshot()[0]!.expiresNs).toBe(T0 + 90 * S);
  });

  it("SYN timeout is 60 s: alive at expiry, NEW 1 ns after", () => {
    const ct = new Conntrack();
    pass(ct, c2s("S"), T0);
    expect(look(ct, s2c("SA"), T0 + 60 * S)).toBe(CT_REPLY);
    const ct2 = new Conntrack();
    pass(ct2, c2s("S"), T0);
    expect(look(ct2, s2c("SA"), T0 + 60 * S + 1)).toBe(CT_NEW);
    expect(ct2.counters.expired).toBe(1);
    expect(ct2.size).toBe(0);
  });

  it("established timeout is 8000 s after the last packet", () => {
    const ct = new Conntrack();
    handshake(ct);
    expect(look(ct, s2c("PA"), T0 + 8000 * S)).toBe(CT_REPLY);
    expect(look(ct, c2s("PA"), T0 + 16000 * S)).toBe(CT_ESTABLISHED);
    expect(look(ct, c2s("PA"), T0 + 24000 * S + 1)).toBe(CT_NEW);
  });

  it("one FIN half-closes and keeps the established timeout; both FINs close for 10 s, not refreshed", () => {
    const ct = new Conntrack();
    handshake(ct);
    expect(look(ct, c2s("FA"), T0 + S)).toBe(CT_ESTABLISHED);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "closing", expiresNs: T0 + S + 8000 * S });
    expect(look(ct, s2c("PA"), T0 + 2 * S)).toBe(CT_REPLY); // half-closed: data still flows back
    expect(look(ct, s2c("FA"), T0 + 3 * S)).toBe(CT_REPLY);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "closed", expiresNs: T0 + 13 * S });
    expect(look(ct, c2s("A"), T0 + 13 * S)).toBe(CT_ESTABLISHED); // final ACK, no refresh
    expect(ct.snapshot()[0]!.expiresNs).toBe(T0 + 13 * S);
    expect(look(ct, c2s("A"), T0 + 13 * S + 1)).toBe(CT_NEW);
  });

  it("the FIN from the responder first works the same way", () => {
    const ct = new Conntrack();
    handshake(ct);
    expect(look(ct, s2c("FA"), T0 + S)).toBe(CT_REPLY);
    expect(look(ct, c2s("FA"), T0 + 2 * S)).toBe(CT_ESTABLISHED);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "closed", expiresNs: T0 + 12 * S });
  });

  it.each([
    ["originator", true],
    ["responder", false],
  ])("an RST from the %s closes the connection for 10 s", (_who, fromClient) => {
    const ct = new Conntrack();
    handshake(ct);
    const rst = fromClient ? c2s("R") : s2c("RA");
    expect(look(ct, rst, T0 + S)).toBe(fromClient ? CT_ESTABLISHED : CT_REPLY);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "closed", expiresNs: T0 + 11 * S });
    expect(look(ct, s2c("A"), T0 + 11 * S)).toBe(CT_REPLY);
    expect(look(ct, s2c("A"), T0 + 11 * S + 1)).toBe(CT_NEW);
  });

  it("an RST answering a SYN closes the half-open entry", () => {
    const ct = new Conntrack();
    pass(ct, c2s("S"), T0);
    expect(look(ct, s2c("RA"), T0 + 1)).toBe(CT_REPLY);
    expect(ct.snapshot()[0]!.tcpState).toBe("closed");
  });

  it("a SYN on a closed connection is REOPENED; create commits a fresh handshake", () => {
    const ct = new Conntrack();
    handshake(ct);
    look(ct, c2s("FA"), T0 + S);
    look(ct, s2c("FA"), T0 + S);
    const syn = c2s("S");
    expect(look(ct, syn, T0 + 5 * S)).toBe(CT_REOPENED);
    expect(syn.ctx[F_CT_STATE]).toBe(CT_REOPENED);
    expect(ct.size).toBe(0);
    expect(ct.counters.replaced).toBe(1);
    expect(ct.create(syn.ctx, T0 + 5 * S)).toBe(0);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "syn-sent", createdNs: T0 + 5 * S });
    expect(look(ct, s2c("SA"), T0 + 6 * S)).toBe(CT_REPLY);
    expect(ct.counters.lookups.reopened).toBe(1);
  });

  it("a SYN on a half-closed or reset connection reopens too; a SYN-ACK does not", () => {
    const ct = new Conntrack();
    handshake(ct);
    look(ct, c2s("FA"), T0 + S);
    expect(look(ct, s2c("SA"), T0 + 2 * S)).toBe(CT_REPLY);
    expect(look(ct, c2s("S"), T0 + 3 * S)).toBe(CT_REOPENED);
    const ct2 = new Conntrack();
    handshake(ct2);
    look(ct2, s2c("R"), T0 + S);
    expect(look(ct2, c2s("S"), T0 + 2 * S)).toBe(CT_REOPENED);
  });

  it("a SYN from the old responder reopens in its own direction", () => {
    const ct = new Conntrack();
    handshake(ct);
    look(ct, c2s("R"), T0 + S);
    const syn = s2c("S");
    expect(look(ct, syn, T0 + 2 * S)).toBe(CT_REOPENED);
    expect(syn.ctx[F_FLAGS]! & PKT_REPLY).toBe(0);
    ct.create(syn.ctx, T0 + 2 * S);
    expect(ct.snapshot()[0]).toMatchObject({ srcPort: 80, dstPort: 31245 });
    expect(look(ct, c2s("SA"), T0 + 3 * S)).toBe(CT_REPLY);
  });

  it("a SYN after the closed entry expired is NEW, not REOPENED", () => {
    const ct = new Conntrack();
    handshake(ct);
    look(ct, c2s("R"), T0 + S);
    expect(look(ct, c2s("S"), T0 + 11 * S + 1)).toBe(CT_NEW);
  });

  it("a TCP packet without SYN and no entry is NEW; create picks the connection up as established", () => {
    const ct = new Conntrack();
    expect(look(ct, c2s("PA"), T0)).toBe(CT_NEW);
    expect(look(ct, c2s(""), T0)).toBe(CT_NEW); // no SYN, no ACK: Cilium's old 136 case, left to the policy
    expect(ct.create(c2s("PA").ctx, T0)).toBe(0);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "established", expiresNs: T0 + 8000 * S });
    expect(look(ct, s2c("A"), T0 + 1)).toBe(CT_REPLY);
  });

  it("IPv4 and IPv6 with the same ports are different connections", () => {
    const ct = new Conntrack();
    pass(ct, c2s("S"), T0);
    const other = families.find((f) => f.a !== a)!;
    expect(look(ct, tcp(other.ep(other.b, 80), other.ep(other.a, 31245), "SA"), T0)).toBe(CT_NEW);
  });
});

describe.each(families)("UDP and ICMP echo ($name)", ({ a, b, ep }) => {
  it("UDP: request NEW, reply REPLY, 60 s refreshed by either direction", () => {
    const ct = new Conntrack();
    const q = (): TestPacket => udp(ep(a, 40000), ep(b, 53));
    const r = (): TestPacket => udp(ep(b, 53), ep(a, 40000));
    expect(pass(ct, q(), T0)).toBe(CT_NEW);
    expect(look(ct, r(), T0 + 60 * S)).toBe(CT_REPLY);
    expect(look(ct, q(), T0 + 120 * S)).toBe(CT_ESTABLISHED);
    expect(ct.snapshot()[0]).toMatchObject({ tcpState: "none", expiresNs: T0 + 180 * S });
    expect(look(ct, r(), T0 + 180 * S + 1)).toBe(CT_NEW);
    expect(look(ct, udp(ep(b, 53), ep(a, 40001)), T0)).toBe(CT_NEW);
  });

  it("ICMP echo: the reply with the same id is REPLY, another id is NEW", () => {
    const ct = new Conntrack();
    expect(pass(ct, icmpEcho(a, b, 7), T0)).toBe(CT_NEW);
    const reply = icmpEcho(b, a, 7, true);
    expect(look(ct, reply, T0 + S)).toBe(CT_REPLY);
    expect(reply.ctx[F_FLAGS]! & PKT_REPLY).toBe(PKT_REPLY);
    expect(look(ct, icmpEcho(a, b, 7), T0 + 2 * S)).toBe(CT_ESTABLISHED);
    expect(look(ct, icmpEcho(b, a, 8, true), T0 + 2 * S)).toBe(CT_NEW);
    expect(look(ct, icmpEcho(b, a, 7), T0 + 2 * S)).toBe(CT_NEW); // a request the other way is its own flow
    expect(ct.snapshot()[0]).toMatchObject({ proto: a.includes(":") ? 58 : 1, srcPort: 0, dstPort: 7 });
    expect(look(ct, reply, T0 + 62 * S + 1)).toBe(CT_NEW);
  });
});

describe("untrackable packets", () => {
  it("non-first fragments are NEW and create commits nothing", () => {
    const ct = new Conntrack();
    const p = udp("10.0.0.1:1000", "10.0.0.2:2000");
    pass(ct, p, T0);
    const frag = nonFirstFragment(udp("10.0.0.2:2000", "10.0.0.1:1000"));
    expect(look(ct, frag, T0)).toBe(CT_NEW);
    expect(ct.create(frag.ctx, T0)).toBe(0);
    expect(ct.size).toBe(1);
    expect(ct.counters.untracked).toBe(1);
  });

  it("non-IP contexts are NEW and untracked", () => {
    const ct = new Conntrack();
    const ctx = createContext();
    ctx[F_FLAGS] = PKT_ARP | PKT_REPLY;
    expect(ct.lookup(ctx, new Uint8Array(0), T0)).toBe(CT_NEW);
    expect(ctx[F_FLAGS] & PKT_REPLY).toBe(0);
    expect(ct.create(ctx, T0)).toBe(0);
    expect(ct.size).toBe(0);
  });
});

describe("create, verdicts, options", () => {
  it("remembers the verdict and is idempotent", () => {
    const ct = new Conntrack();
    const p = udp("10.0.0.1:1000", "10.0.0.2:2000");
    look(ct, p, T0);
    expect(ct.matchedVerdict).toBe(0);
    expect(ct.create(p.ctx, T0, 5)).toBe(0);
    expect(ct.create(p.ctx, T0, 1)).toBe(0);
    expect(ct.size).toBe(1);
    expect(look(ct, p, T0)).toBe(CT_ESTABLISHED);
    expect(ct.matchedVerdict).toBe(1);
    const r = udp("10.0.0.2:2000", "10.0.0.1:1000");
    expect(ct.create(r.ctx, T0, 2)).toBe(0); // tracked the other way: left alone
    expect(ct.snapshot()).toHaveLength(1);
    expect(ct.snapshot()[0]!.verdict).toBe(1);
    expect(ct.counters.created).toBe(1);
  });

  it("applies configured timeouts", () => {
    const ct = new Conntrack({ timeouts: { any: 5, tcpSyn: 2 } });
    expect(ct.timeouts).toEqual({ ...DEFAULT_TIMEOUTS, any: 5, tcpSyn: 2 });
    pass(ct, udp("10.0.0.1:1", "10.0.0.2:2"), T0);
    pass(ct, tcp("10.0.0.1:1", "10.0.0.2:2", "S"), T0);
    expect(ct.snapshot().map((e) => e.expiresNs)).toEqual([T0 + 5 * S, T0 + 2 * S]);
  });

  it("rejects bad options", () => {
    for (const capacity of [0, -1, 1.5, MAX_CAPACITY + 1, Number.NaN]) {
      expect(() => new Conntrack({ capacity })).toThrow(RangeError);
    }
    for (const tcpFin of [0, -1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => new Conntrack({ timeouts: { tcpFin } })).toThrow(RangeError);
    }
  });

  it("fails insertion when full and live eviction is off, until something expires", () => {
    const ct = new Conntrack({ capacity: 2, evictLive: false });
    expect(ct.create(udp("10.0.0.1:1", "10.0.0.2:2").ctx, T0)).toBe(0);
    expect(ct.create(udp("10.0.0.1:3", "10.0.0.2:2").ctx, T0 + S)).toBe(0);
    const third = udp("10.0.0.1:4", "10.0.0.2:2");
    expect(ct.create(third.ctx, T0 + 2 * S)).toBe(REASON_CT_MAP_INSERTION_FAILED);
    expect(ct.counters.insertionFailures).toBe(1);
    expect(ct.create(third.ctx, T0 + 60 * S + 1)).toBe(0);
    expect(ct.counters).toMatchObject({ expired: 1, evicted: 0, entries: 2 });
  });

  it("clear() empties the table and resets the counters", () => {
    const ct = new Conntrack({ capacity: 4 });
    pass(ct, udp("10.0.0.1:1", "10.0.0.2:2"), T0);
    ct.clear();
    expect(ct.size).toBe(0);
    expect(ct.counters.created).toBe(0);
    expect(look(ct, udp("10.0.0.2:2", "10.0.0.1:1"), T0)).toBe(CT_NEW);
    expect(ct.audit()).toBe("");
  });

  it("works at epoch-scale timestamps", () => {
    const ct = new Conntrack();
    const t = 1_752_000_000 * S;
    pass(ct, udp("10.0.0.1:1", "10.0.0.2:2"), t);
    expect(look(ct, udp("10.0.0.2:2", "10.0.0.1:1"), t + 60 * S)).toBe(CT_REPLY);
    expect(look(ct, udp("10.0.0.2:2", "10.0.0.1:1"), t + 120 * S + 1000)).toBe(CT_NEW);
  });
});
