// The second half of the np-guard conformance: sample pairs and ports from every scenario, build real
// packets, run them through the engine, and require the verdicts to agree with connlist (which is
// itself checked against np-guard's lists in k8s-netpol-connlist.test.ts).
import { existsSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { connlist } from "../../compiler/analysis/connlist.js";
import { CONN_PROTOCOLS } from "../../compiler/analysis/port-set.js";
import type { ConnSet } from "../../compiler/analysis/port-set.js";
import { compile } from "../../compiler/compile.js";
import { readMetadata } from "../../runtime/metadata.js";
import { Engine } from "../../runtime/engine/engine.js";
import { sctpPkt, tcpPkt, udpPkt } from "../helpers/packets.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";

const present = haveCorpus("k8s-netpol");
const root = corpusPath("k8s-netpol");
const scenarios = present
  ? readdirSync(root)
      .filter((s) => existsSync(`${root}/${s}/expected/${s}_connlist_output.txt`))
      .sort()
  : [];

/** Ports to probe for one protocol: interval ends, their outside neighbours, and a few fixed ones. */
function probePorts(intervals: readonly [number, number][]): number[] {
  const ports = new Set([1, 80, 443, 8080, 65535, 12345]);
  for (const [lo, hi] of intervals) {
    for (const p of [lo - 1, lo, hi, hi + 1]) {
      if (p >= 1 && p <= 65535) {
        ports.add(p);
      }
    }
  }
  return [...ports];
}

function allowed(conns: ConnSet | undefined, proto: number, port: number): boolean {
  return (conns?.get(proto) ?? []).some(([lo, hi]) => port >= lo && port <= hi);
}

const BUILD: Record<number, (src: string, dst: string) => Uint8Array> = {
  6: (s, d) => tcpPkt(s, d, { flags: "S" }),
  17: (s, d) => udpPkt(s, d),
  132: (s, d) => sctpPkt(s, d),
};

describe.skipIf(!present)("k8s-netpol corpus: packets through the engine agree with connlist", () => {
  for (const s of scenarios) {
    it(s, () => {
      const r = compile([`${root}/${s}/resources`], { cni: "spec", syntheticIps: "always" });
      const bundle = r.bundle!;
      const lines = connlist(bundle);
      const meta = readMetadata(bundle)!;
      const addr = new Map<string, string>();
      for (const ep of meta.endpoints) {
        if (!addr.has(ep.workload)) {
          addr.set(
            ep.workload,
            ep.ips.find((ip) => ip.includes("."))!,
          );
        }
      }
      const byPair = new Map(lines.map((l) => [`${l.src}|${l.dst}`, l.conns]));
      const workloads = [...addr.keys()];
      // Every workload pair up to a budget; ipblockstest_4 is large, so sample it.
      const pairs: [string, string][] = [];
      for (const a of workloads) {
        for (const b of workloads) {
          if (a !== b) {
            pairs.push([a, b]);
          }
        }
      }
      const step = Math.max(1, Math.floor(pairs.length / 120));
      // External ranges appear in connlist lines; probe a sample of those too, from the range's first address.
      const external = lines.filter((l) => l.src.endsWith("[External]") || l.dst.endsWith("[External]"));
      for (const l of external.filter((_, i) => i % Math.max(1, Math.floor(external.length / 40)) === 0)) {
        for (const name of [l.src, l.dst]) {
          if (name.endsWith("[External]")) {
            addr.set(name, name.slice(0, name.indexOf("-")));
          }
        }
        pairs.push([l.src, l.dst]);
      }
      const engine = Engine.load(r.bytes);
      let sport = 1024;
      let probes = 0;
      for (let i = 0; i < pairs.length; i += step) {
        const [src, dst] = pairs[i]!;
        const conns = byPair.get(`${src}|${dst}`);
        for (const { proto } of CONN_PROTOCOLS) {
          for (const port of probePorts(conns?.get(proto) ?? [])) {
            sport = sport >= 65000 ? 1024 : sport + 1;
            const frame = BUILD[proto]!(`${addr.get(src)!}:${sport}`, `${addr.get(dst)!}:${port}`);
            const res = engine.process(frame, { timestampNs: 1e9 + probes });
            expect(res.verdictName === "FORWARDED", `${src} -> ${dst} ${proto}/${port}`).toBe(
              allowed(conns, proto, port),
            );
            probes++;
          }
        }
      }
      expect(probes).toBeGreaterThan(0);
    });
  }
});
