/**
 * @fileoverview Traffic for the L3/L4 scenario: one batch of 64-byte Ethernet/IPv4/TCP frames (or
 * 78-byte IPv6) over a generated cluster's allowed connections, with the verdict each must get.
 *
 * The mix (fractions of packets, drawn with a fixed-seed PRNG and shuffled):
 *   70 %  established: ACKs client -> server on `flows` allowed flows (conntrack hit, policy re-checked)
 *   20 %  replies: ACKs server -> client on the same flows (conntrack hit, no policy lookup)
 *    5 %  new: SYNs of allowed connections whose source port changes every pass (`rotate`), so each is
 *         a conntrack miss, a policy allow and a conntrack insert (the table stays full and evicts
 *         half-open entries first)
 *    5 %  denied: SYNs to a port the client's egress policy does not allow, or (half of them, when the
 *         cluster has unpoliced apps) from an unpoliced app to a policed one (denied at ingress);
 *         dropped packets are never committed, so they are new on every pass
 * Established flows are assigned round-robin so every flow's forward packet is in the batch (its
 * conntrack entry exists after the first pass, before any measurement).
 */

import { tcpPkt } from "../runtime/packet/craft.js";
import { VERDICT_DROPPED, VERDICT_FORWARDED } from "../runtime/verdict.js";
import { BASE_PORT, podIp4, podIp6 } from "./gen-cluster.js";
import type { GeneratedCluster } from "./gen-cluster.js";

/** Packet kinds of the mix. */
export const KIND_ESTABLISHED = 0;
export const KIND_REPLY = 1;
export const KIND_NEW = 2;
export const KIND_DENIED = 3;

/** The batch, the expected verdicts and what `rotate` rewrites. */
export interface Traffic {
  readonly frames: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly timestampsNs: Float64Array;
  readonly count: number;
  /** Expected verdict per packet (after the first pass). */
  readonly expected: Uint8Array;
  /** Kind (KIND_*) per packet. */
  readonly kinds: Uint8Array;
  /** Frame offsets of the new-connection SYNs' TCP source port. */
  readonly newPortAt: Uint32Array;
  /** Distinct established flows. */
  readonly flows: number;
}

/** Small deterministic PRNG (mulberry32), so runs are comparable. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Options of `buildTraffic`. */
export interface TrafficOptions {
  readonly packets: number;
  /** Established flows (capped by the established packets and 18 976 per connection). */
  readonly flows: number;
  readonly ipv6?: boolean;
  readonly seed?: number;
}

/** Build the batch for `g`. */
export function buildTraffic(g: GeneratedCluster, options: TrafficOptions): Traffic {
  const n = options.packets;
  const v6 = options.ipv6 === true;
  const rand = prng(options.seed ?? 1);
  const conns = g.connections;
  const policedSet = new Set(g.policed);
  const unpoliced = g.apps.map((_, j) => j).filter((j) => !policedSet.has(j));
  const kinds = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    kinds[i] = r < 0.7 ? KIND_ESTABLISHED : r < 0.9 ? KIND_REPLY : r < 0.95 ? KIND_NEW : KIND_DENIED;
  }
  const established = kinds.reduce((a, k) => a + (k === KIND_ESTABLISHED ? 1 : 0), 0);
  const flows = Math.max(1, Math.min(options.flows, established, conns.length * 18_976));
  const ip = v6 ? podIp6 : podIp4;
  const ep = (pod: number, port: number): string => (v6 ? `[${ip(pod)}]:${port}` : `${ip(pod)}:${port}`);
  const pod = (app: number, u: number): number => {
    const a = g.apps[app]!;
    return a.firstPod + (u % a.pods);
  };
  /** Flow f: connection f mod C, its u-th instance (client pod, server pod, source port 1024 + u). */
  const flow = (f: number): { c: number; s: number; sport: number; dport: number } => {
    const x = conns[f % conns.length]!;
    const u = Math.floor(f / conns.length);
    return { c: pod(x.client, u), s: pod(x.server, Math.floor(u / 5)), sport: 1024 + u, dport: x.port };
  };
  // IPv4: 14 + 20 + 20 + 10 bytes of payload = 64; IPv6: 14 + 40 + 20 + 4 = 78.
  const payload = new Uint8Array(v6 ? 4 : 10);
  const list: Uint8Array[] = [];
  const expected = new Uint8Array(n);
  const newSlots: number[] = [];
  let nextFlow = 0;
  for (let i = 0; i < n; i++) {
    let frame: Uint8Array;
    let verdict = VERDICT_FORWARDED;
    switch (kinds[i]) {
      case KIND_ESTABLISHED: {
        const f = flow(nextFlow++ % flows);
        frame = tcpPkt(ep(f.c, f.sport), ep(f.s, f.dport), { flags: "A", payload });
        break;
      }
      case KIND_REPLY: {
        const f = flow(Math.floor(rand() * flows));
        frame = tcpPkt(ep(f.s, f.dport), ep(f.c, f.sport), { flags: "A", payload });
        break;
      }
      case KIND_NEW: {
        const x = conns[Math.floor(rand() * conns.length)]!;
        const u = Math.floor(rand() * 25);
        frame = tcpPkt(ep(pod(x.client, u), 20_000), ep(pod(x.server, u >> 2), x.port), {
          flags: "S",
          payload,
        });
        newSlots.push(i);
        break;
      }
      default: {
        const x = conns[Math.floor(rand() * conns.length)]!;
        const u = Math.floor(rand() * 25);
        const fromUnpoliced = unpoliced.length > 0 && rand() < 0.5;
        const client = fromUnpoliced ? unpoliced[Math.floor(rand() * unpoliced.length)]! : x.client;
        // Port BASE_PORT - 1 is in no policy; an unpoliced client uses an allowed port and fails at ingress.
        const dport = fromUnpoliced ? x.port : BASE_PORT - 1;
        frame = tcpPkt(ep(pod(client, u), 20_000 + u), ep(pod(x.server, u), dport), { flags: "S", payload });
        verdict = VERDICT_DROPPED;
      }
    }
    list.push(frame);
    expected[i] = verdict;
  }
  // Shuffle the packet order (Fisher–Yates), so flows interleave as on a real link.
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const total = list.reduce((a, f) => a + f.length, 0);
  const frames = new Uint8Array(total);
  const offsets = new Uint32Array(n);
  const lengths = new Uint32Array(n);
  const outExpected = new Uint8Array(n);
  const outKinds = new Uint8Array(n);
  const isNew = new Uint8Array(n);
  newSlots.forEach((i) => (isNew[i] = 1));
  const newPortAt: number[] = [];
  let at = 0;
  order.forEach((src, i) => {
    const f = list[src]!;
    frames.set(f, at);
    offsets[i] = at;
    lengths[i] = f.length;
    outExpected[i] = expected[src]!;
    outKinds[i] = kinds[src]!;
    if (isNew[src] === 1) {
      newPortAt.push(at + 14 + (v6 ? 40 : 20));
    }
    at += f.length;
  });
  return {
    frames,
    offsets,
    lengths,
    timestampsNs: Float64Array.from({ length: n }, (_, i) => 1e18 + i * 1000),
    count: n,
    expected: outExpected,
    kinds: outKinds,
    newPortAt: Uint32Array.from(newPortAt),
    flows,
  };
}

/** Give every new-connection SYN a fresh source port (20000..59999) for pass `pass`. */
export function rotate(t: Traffic, pass: number): void {
  const at = t.newPortAt;
  const frames = t.frames;
  for (let i = 0; i < at.length; i++) {
    const port = 20_000 + ((i * 131 + pass) % 40_000);
    const o = at[i]!;
    frames[o] = port >>> 8;
    frames[o + 1] = port & 255;
  }
}
