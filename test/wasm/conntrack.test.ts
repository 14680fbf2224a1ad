// Conntrack on both backends: the wasm backend keeps the table in linear memory and answers most
// SVC_CT_LOOKUPs in wasm (runtime/wasm/codegen-conntrack.ts), falling back to the JS lookup for list
// work. The interpreter backend (all-JS conntrack) is the oracle: over seeded conntrack-heavy traffic
// (many flows, replies, FIN/RST, reopening SYNs, ICMP errors, time jumps past every timeout, time going
// backwards, table-full eviction) both must give the same verdicts, conntrack states, engine and
// conntrack counters and table snapshots, through `process` and through `processBatch`.
import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import type { ConntrackOptions } from "../../runtime/conntrack/types.js";
import { F_CT_STATE, F_FLAGS, PKT_REPLY } from "../../runtime/context.js";
import { Engine } from "../../runtime/engine/engine.js";
import type { PacketEvent } from "../../runtime/engine/engine.js";
import { clusterYaml, compileFiles } from "../cilium/helpers.js";
import { runBatches } from "./batch-helpers.js";
import type { TimedFrame } from "./batch-helpers.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";
import { icmp6Pkt, icmpPkt, stripEthernet, tcpPkt, udpPkt } from "../helpers/packets.js";
import type { TcpFlagSpec } from "../helpers/packets.js";

type Packet = TimedFrame;

/** mulberry32: a small seeded generator in [0, 1), so every run sees the same traffic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Flow {
  readonly a: string;
  readonly b: string;
  readonly tcp: boolean;
}

/** Conntrack-heavy traffic between `hosts`: `count` packets, `seed` picks them. */
function traffic(hosts: readonly string[], ports: readonly number[], count: number, seed: number): Packet[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const flows: Flow[] = [];
  const out: Packet[] = [];
  let ts = 1e9;
  let sport = 20000;
  const ep = (h: string, p: number): string => (h.includes(":") ? `[${h}]:${p}` : `${h}:${p}`);
  const emit = (frame: Uint8Array): void => {
    const dice = r();
    if (dice < 0.01) {
      ts += 12e9; // past the SYN, close and any timeouts
    } else if (dice < 0.02) {
      ts += 1.5e9; // past one class slack
    } else if (dice < 0.025) {
      ts -= 5e8; // time going backwards
    } else {
      ts += Math.floor(r() * 2e6);
    }
    out.push({ frame, ts: r() < 0.01 ? Number.NaN : ts });
  };
  const tcp = (f: Flow, back: boolean, flags: TcpFlagSpec): void => {
    emit(back ? tcpPkt(f.b, f.a, { flags }) : tcpPkt(f.a, f.b, { flags }));
  };
  while (out.length < count) {
    const dice = r();
    if (dice < 0.15 || flows.length === 0) {
      const x = pick(hosts);
      let y = pick(hosts);
      if (x === y || x.includes(":") !== y.includes(":")) {
        y = x.includes(":")
          ? hosts.find((h) => h.includes(":") && h !== x)!
          : hosts.find((h) => h !== x && !h.includes(":"))!;
      }
      const f = { a: ep(x, sport++), b: ep(y, pick(ports)), tcp: r() < 0.7 };
      flows.push(f);
      if (f.tcp) {
        tcp(f, false, "S");
        tcp(f, true, "SA");
        tcp(f, false, "A");
      } else {
        emit(udpPkt(f.a, f.b));
      }
      continue;
    }
    const f = pick(flows);
    const back = r() < 0.5;
    if (dice < 0.7) {
      if (f.tcp) {
        tcp(f, back, "PA");
      } else {
        emit(back ? udpPkt(f.b, f.a) : udpPkt(f.a, f.b));
      }
    } else if (dice < 0.8 && f.tcp) {
      tcp(f, back, "FA");
    } else if (dice < 0.84 && f.tcp) {
      tcp(f, back, r() < 0.5 ? "R" : "RA");
    } else if (dice < 0.9 && f.tcp) {
      tcp(f, false, "S"); // reopens a closing connection, else refreshes
    } else if (dice < 0.95) {
      // An ICMP error about a packet of the flow, sent back to its sender.
      const quoted = stripEthernet(f.tcp ? tcpPkt(f.a, f.b, { flags: "PA" }) : udpPkt(f.a, f.b));
      const [src, dst] = [f.b, f.a].map((e) => e.replace(/^\[|\]?:\d+$/g, "")) as [string, string];
      emit(
        src.includes(":")
          ? icmp6Pkt(src, dst, { type: 1, code: 4, payload: quoted })
          : icmpPkt(src, dst, { type: 3, code: 3, payload: quoted }),
      );
    } else {
      emit(tcpPkt(f.a, f.b, { flags: "A" })); // mid-stream pick-up or a TCP packet of a UDP flow's ports
    }
  }
  return out;
}

interface Run {
  readonly results: string[];
  readonly events: string[];
  readonly counters: unknown;
  readonly snapshot: unknown;
  readonly audit: string;
  /** conntrack's storage bytes: list order, filed expiries and stale slots must match too. */
  readonly storage: Uint8Array;
  /** JS conntrack lookups (SVC_CT_LOOKUP answered by Conntrack.lookup). */
  readonly jsLookups: number;
  /** Replies handed to the L7 datapath (replies of redirected connections). */
  readonly l7Replies: number;
}

function eventText(e: PacketEvent): string {
  return `${e.verdict} ${e.dropReason} ${e.ruleId} ct=${e.ctx[F_CT_STATE]} reply=${(e.ctx[F_FLAGS]! & PKT_REPLY) !== 0}`;
}

/** All packets through one engine: one at a time (`per` 0) or in processBatch calls of `per`. */
async function run(
  bytes: Uint8Array | null,
  packets: readonly Packet[],
  wasm: boolean,
  conntrack: ConntrackOptions,
  per: number,
): Promise<Run> {
  const events: string[] = [];
  const options = { conntrack, onPacket: (e: PacketEvent) => events.push(eventText(e)) };
  const engine = wasm
    ? await Engine.loadAsync(bytes, { ...options, backend: "wasm" })
    : Engine.load(bytes, options);
  const spy = vi.spyOn(engine.conntrack, "lookup");
  const l7 = engine.l7 === undefined ? undefined : vi.spyOn(engine.l7, "observeReply");
  const results: string[] = [];
  if (per === 0) {
    for (const p of packets) {
      const r = engine.process(p.frame, { timestampNs: p.ts });
      results.push(`${r.verdict} ${r.dropReason} ${r.ruleId} ${r.ctStateName} ${r.isReply}`);
    }
  }
  results.push(...runBatches(engine, packets, per));
  return {
    results,
    events,
    counters: engine.counters(),
    snapshot: engine.conntrack.snapshot(),
    audit: engine.conntrack.audit(),
    storage: engine.conntrack.storage.slice(),
    jsLookups: spy.mock.calls.length,
    l7Replies: l7?.mock.calls.length ?? 0,
  };
}

/** Index of the first byte where `a` and `b` differ, -1 when equal (toEqual on megabytes is slow). */
function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    return Math.min(a.length, b.length);
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return i;
    }
  }
  return -1;
}

/** Both backends agree on everything but the number of JS lookups, which wasm must cut; returns interp's. */
async function expectSame(
  bytes: Uint8Array | null,
  packets: readonly Packet[],
  ct: ConntrackOptions,
): Promise<Run> {
  let last: Run | undefined;
  for (const per of [0, 600, 37]) {
    const interp = await run(bytes, packets, false, ct, per);
    const wasm = await run(bytes, packets, true, ct, per);
    expect(interp.audit).toBe("");
    expect({ ...wasm, jsLookups: 0, storage: null }).toEqual({ ...interp, jsLookups: 0, storage: null });
    expect(firstDifference(wasm.storage, interp.storage)).toBe(-1);
    expect(interp.jsLookups).toBeGreaterThan(0);
    // The fast path answers the lookups that need no list work: most of them here.
    expect(wasm.jsLookups).toBeLessThan(interp.jsLookups / 2);
    last = interp;
  }
  return last!;
}

const HOSTS = ["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.1.9", "fd00::1", "fd00::2", "fd00::3"];
const SHORT = { tcpSyn: 1, tcp: 5, tcpFin: 1, any: 2 };

describe("conntrack on both backends (pass-through program)", () => {
  it("default table: many flows, replies, FIN/RST, reopen, ICMP errors, time jumps", async () => {
    await expectSame(null, traffic(HOSTS, [80, 443, 53], 2000, 1), {});
  });

  it("short timeouts: expiry, re-filing past the slack, sweeps", async () => {
    await expectSame(null, traffic(HOSTS, [80, 53], 2000, 2), { timeouts: SHORT });
  });

  it("a full table evicts live entries", async () => {
    const packets = traffic(HOSTS, [80, 443, 8080, 53], 2000, 3);
    await expectSame(null, packets, { capacity: 64, timeouts: SHORT });
  });

  it("a full table without live eviction fails insertions", async () => {
    const packets = traffic(HOSTS, [80, 443, 8080, 53], 2000, 4);
    await expectSame(null, packets, { capacity: 32, evictLive: false, timeouts: SHORT });
  });
});

const PODS = clusterYaml([
  { name: "svc", labels: { app: "myService" }, ips: ["10.244.1.1", "fd00:10:244:1::1"] },
  { name: "backend", labels: { role: "backend" }, ips: ["10.244.1.2", "fd00:10:244:1::2"] },
  { name: "frontend", labels: { role: "frontend" }, ips: ["10.244.1.3", "fd00:10:244:1::3"] },
]);

describe.skipIf(!haveCorpus("cilium"))("conntrack on both backends (L7 redirect)", () => {
  it("replies of redirected connections still reach the L7 datapath", async () => {
    const f = "examples__policies__l7__http__http.yaml";
    const r = compileFiles({ "cluster.yaml": PODS, [f]: readFileSync(corpusPath(`cilium/${f}`), "utf8") });
    expect(r.bytes).toBeDefined();
    const hosts = ["10.244.1.1", "10.244.1.2", "10.244.1.3", "fd00:10:244:1::1", "fd00:10:244:1::2"];
    const interp = await expectSame(r.bytes!, traffic(hosts, [80, 8080], 1500, 5), {});
    expect(interp.l7Replies).toBeGreaterThan(0);
  });
});
