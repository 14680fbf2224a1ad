// The engine on both backends: Engine.loadAsync(…, { backend: "wasm" }) against Engine.load, on
// compiled Kubernetes (k8s-netpol corpus) and Cilium (corpus examples) bundles and the pass-through
// program, over generated traffic with replies (conntrack), ICMP, SCTP, fragments and broken frames.
// Per packet: verdict, reason, rule, conntrack state, reply flag; at the end: every counter, every
// hit count and the conntrack counters. processBatch is cut into batches larger than the slots.
import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compile } from "../../compiler/compile.js";
import { LoadError } from "../../runtime/bytecode/load-error.js";
import { F_CT_STATE, F_FLAGS, PKT_REPLY } from "../../runtime/context.js";
import { Engine } from "../../runtime/engine/engine.js";
import type { PacketEvent } from "../../runtime/engine/engine.js";
import { readMetadata } from "../../runtime/metadata.js";
import { clusterYaml, compileFiles } from "../cilium/helpers.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";
import { icmp6Pkt, icmpPkt, ipv4Fragment, sctpPkt, tcpPkt, udpPkt } from "../helpers/packets.js";
import { runBatches } from "./batch-helpers.js";
import type { TimedFrame } from "./batch-helpers.js";

type Packet = TimedFrame;

/** Traffic between `hosts` (IPv4 and IPv6 literals): handshakes with replies, UDP, SCTP, ICMP, oddities. */
function traffic(hosts: readonly string[], ports: readonly number[], budget = 700): Packet[] {
  const out: Uint8Array[] = [];
  const ep = (h: string, p: number): string => (h.includes(":") ? `[${h}]:${p}` : `${h}:${p}`);
  let sport = 30000;
  for (let i = 0; out.length < budget && i < hosts.length * hosts.length; i++) {
    const a = hosts[i % hosts.length]!;
    const b = hosts[Math.floor(i / hosts.length)]!;
    if (a === b || a.includes(":") !== b.includes(":")) {
      continue;
    }
    const port = ports[i % ports.length]!;
    const s = sport++;
    out.push(
      tcpPkt(ep(a, s), ep(b, port), { flags: "S" }),
      tcpPkt(ep(b, port), ep(a, s), { flags: "SA" }),
      tcpPkt(ep(a, s), ep(b, port), { flags: "A" }),
      udpPkt(ep(a, s), ep(b, port)),
      udpPkt(ep(b, port), ep(a, s)),
      sctpPkt(ep(a, s), ep(b, port)),
      a.includes(":") ? icmp6Pkt(a, b, { type: 128, id: s }) : icmpPkt(a, b, { type: 8, id: s }),
      tcpPkt(ep(a, s), ep(b, port), { flags: "R" }),
    );
    if (!a.includes(":")) {
      out.push(ipv4Fragment(a, b, 6, new Uint8Array(64), { offset: 1480, more: false, id: s }));
    }
    if (i % 7 === 0) {
      out.push(tcpPkt(ep(a, s), ep(b, port)).subarray(0, 30), new Uint8Array(0)); // truncated, empty
    }
  }
  return out.map((frame, i) => ({ frame, ts: 1e9 + i * 1e6 }));
}

interface Run {
  readonly results: string[];
  readonly events: string[];
  readonly counters: unknown;
  readonly hits: number[][];
  readonly logs: number[];
}

function eventText(e: PacketEvent): string {
  return `${e.verdict} ${e.dropReason} ${e.ruleId} ct=${e.ctx[F_CT_STATE]} reply=${(e.ctx[F_FLAGS]! & PKT_REPLY) !== 0} t=${e.timestampNs}`;
}

/** All packets through `process`, one at a time. */
async function runProcess(bytes: Uint8Array | null, packets: readonly Packet[], wasm: boolean): Promise<Run> {
  const events: string[] = [];
  const options = { onPacket: (e: PacketEvent) => events.push(eventText(e)) };
  const engine = wasm
    ? await Engine.loadAsync(bytes, { ...options, backend: "wasm" })
    : Engine.load(bytes, options);
  expect(engine.backend).toBe(wasm ? "wasm" : "interp");
  const results = packets.map((p) => {
    const r = engine.process(p.frame, { timestampNs: p.ts });
    return `${r.verdictName} ${r.dropReason} ${r.ruleId} ${r.ctStateName} ${r.isReply} ${JSON.stringify(r.tuple)}`;
  });
  return finish(engine, results, events);
}

/** All packets through `processBatch`, in calls of `per` packets. */
async function runBatch(
  bytes: Uint8Array | null,
  packets: readonly Packet[],
  wasm: boolean,
  per: number,
): Promise<Run> {
  const events: string[] = [];
  const options = { onPacket: (e: PacketEvent) => events.push(eventText(e)) };
  const engine = wasm
    ? await Engine.loadAsync(bytes, { ...options, backend: "wasm" })
    : Engine.load(bytes, options);
  const results: string[] = [];
  results.push(...runBatches(engine, packets, per));
  return finish(engine, results, events);
}

function finish(engine: Engine, results: string[], events: string[]): Run {
  return {
    results,
    events,
    counters: engine.counters(),
    hits: engine.program.hits.map((h) => [...h]),
    logs: engine.takeLogHits(),
  };
}

/** Both backends, both entry points; returns the number of packets each verdict got. */
async function expectSame(bytes: Uint8Array | null, packets: readonly Packet[]): Promise<void> {
  expect(await runProcess(bytes, packets, true)).toEqual(await runProcess(bytes, packets, false));
  const batchInterp = await runBatch(bytes, packets, false, 600);
  expect(await runBatch(bytes, packets, true, 600)).toEqual(batchInterp); // 600 > 256 slots
  expect(await runBatch(bytes, packets, true, 37)).toEqual(batchInterp);
}

describe("Engine with backend wasm", () => {
  it("Engine.load refuses wasm and points at loadAsync; loadAsync serves both backends", async () => {
    expect(() => Engine.load(null, { backend: "wasm" })).toThrow(LoadError);
    expect(() => Engine.load(null, { backend: "wasm" })).toThrow(/loadAsync/);
    expect((await Engine.loadAsync(null)).backend).toBe("interp");
    expect((await Engine.loadAsync(null, { backend: "wasm" })).backend).toBe("wasm");
  });

  it("pass-through program: same answers and conntrack states", async () => {
    await expectSame(null, traffic(["10.0.0.1", "10.0.0.2", "10.0.0.3", "fd00::1", "fd00::2"], [80, 53]));
  });

  it.skipIf(!haveCorpus("k8s-netpol"))(
    "a traced packet runs in the interpreter on the same counters",
    async () => {
      const bytes = compile([corpusPath("k8s-netpol/acs-security-demos/resources")], {
        cni: "spec",
        syntheticIps: "always",
      }).bytes;
      const engine = await Engine.loadAsync(bytes, { backend: "wasm" });
      const lookups: number[] = [];
      const frame = tcpPkt("10.0.0.1:1000", "10.0.0.2:80", { flags: "S" });
      const traced = engine.process(frame, { hook: { lookup: (t) => lookups.push(t) } });
      const plain = engine.process(frame);
      expect([traced.verdict, traced.dropReason, traced.ruleId]).toEqual([
        plain.verdict,
        plain.dropReason,
        plain.ruleId,
      ]);
      expect(lookups.length).toBeGreaterThan(0);
      expect(engine.counters().packets).toBe(2);
    },
  );
});

const k8s = haveCorpus("k8s-netpol");
const scenarios = k8s
  ? readdirSync(corpusPath("k8s-netpol")).filter((s) => {
      try {
        return readdirSync(corpusPath(`k8s-netpol/${s}/resources`)).length > 0;
      } catch {
        return false;
      }
    })
  : [];

describe.skipIf(!k8s)("k8s-netpol corpus bundles on both backends", () => {
  for (const s of scenarios.sort()) {
    it(s, async () => {
      const r = compile([corpusPath(`k8s-netpol/${s}/resources`)], { cni: "spec", syntheticIps: "always" });
      if (r.bytes === undefined) {
        return; // scenarios the compiler refuses are covered by the conformance tests
      }
      const hosts = [...new Set((readMetadata(r.bundle!)?.endpoints ?? []).flatMap((e) => e.ips))].slice(
        0,
        24,
      );
      await expectSame(
        r.bytes,
        traffic([...hosts, "8.8.8.8", "2001:db8::8"], [80, 443, 8080, 5432, 53, 9090], 500),
      );
    });
  }
});

const cilium = haveCorpus("cilium");
const PODS = clusterYaml([
  { name: "svc", labels: { app: "myService" }, ips: ["10.244.1.1", "fd00:10:244:1::1"] },
  { name: "backend", labels: { role: "backend" }, ips: ["10.244.1.2", "fd00:10:244:1::2"] },
  { name: "frontend", labels: { role: "frontend" }, ips: ["10.244.1.3", "fd00:10:244:1::3"] },
  { name: "kafka", labels: { app: "kafka" }, ips: ["10.244.1.4", "fd00:10:244:1::4"] },
  { name: "worker", labels: { type: "ingress-worker" }, ips: ["10.244.1.5", "fd00:10:244:1::5"] },
]);
const HOSTS = [
  "10.244.1.1",
  "10.244.1.2",
  "10.244.1.3",
  "10.244.1.4",
  "10.244.1.5",
  "192.168.1.10",
  "8.8.8.8",
  "10.1.2.3",
];

describe.skipIf(!cilium)("Cilium corpus bundles on both backends", () => {
  const files = cilium
    ? readdirSync(corpusPath("cilium"))
        .filter((f) => f.endsWith(".yaml"))
        .sort()
    : [];
  for (const f of files) {
    it(f, async () => {
      const r = compileFiles({ "cluster.yaml": PODS, [f]: readFileSync(corpusPath(`cilium/${f}`), "utf8") });
      if (r.bytes === undefined) {
        return; // refused by the front end: nothing to run
      }
      const v6 = HOSTS.slice(0, 5).map((h) => `fd00:10:244:1::${h.split(".")[3]}`);
      await expectSame(r.bytes, traffic([...HOSTS, ...v6], [80, 443, 8080, 9092, 53, 1000], 500));
    });
  }
});
