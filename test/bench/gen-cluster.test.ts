// The performance suite's generator and scenarios at tiny sizes: the compiled tables hold the requested
// number of policy entries, the traffic gets the verdicts its construction implies, and the scenarios
// and their CLI commands report every field. No timing is asserted.
import { describe, expect, it } from "vitest";
import { generateCluster, shapeForRows } from "../../bench/gen-cluster.js";
import { compileGenerated, policyRows, tableRows } from "../../bench/l3l4-cluster.js";
import {
  KIND_DENIED,
  KIND_ESTABLISHED,
  KIND_NEW,
  KIND_REPLY,
  buildTraffic,
  rotate,
} from "../../bench/l3l4-traffic.js";
import { Engine } from "../../runtime/engine/engine.js";
import { VERDICT_DROPPED, VERDICT_FORWARDED } from "../../runtime/verdict.js";

describe("shapeForRows", () => {
  it.each([100, 1_000, 10_000, 100_000])("splits %i entries into policies x rows per direction", (rows) => {
    const s = shapeForRows(rows);
    expect(2 * s.policies * s.rowsPerDirection).toBe(rows);
    expect(s.policies).toBeLessThanOrEqual(2_000); // 10 000 endpoints / 5 replicas
  });

  it("refuses an odd count", () => {
    expect(() => shapeForRows(101)).toThrow(RangeError);
  });
});

describe.each(["kubernetes", "cilium"] as const)("generated %s cluster", (dialect) => {
  const endpoints = 100;
  const g = generateCluster({ endpoints, dialect, ...shapeForRows(40, endpoints) });
  const c = compileGenerated(g);

  // Per direction: one group per policed app (5), (k - 1) = 3 pair rows + one default-deny row each;
  // Cilium adds an allow-localhost ingress row per group (the host may reach local pods, cilium.md §2.1).
  const localhost = dialect === "cilium" ? 5 : 0;

  it("compiles to exactly the requested policy entries", () => {
    expect(c.errors).toEqual([]);
    expect(policyRows(c.bundle)).toBe(40 + localhost);
    expect(g.expectedRows).toBe(40 + localhost);
    const rows = tableRows(c.bundle);
    expect(rows["policy_ingress"]).toBe(20 + localhost);
    expect(rows["policy_egress"]).toBe(20);
    // Two addresses per pod (dual stack) plus the IPv4 and IPv6 world entries.
    expect(rows["ipcache_src"]).toBe(2 * endpoints + 2);
  });

  it.each([false, true])("traffic gets the verdicts of its construction (ipv6 %s)", (ipv6) => {
    const t = buildTraffic(g, { packets: 1_000, flows: 100, ipv6 });
    expect(t.lengths[0]).toBe(ipv6 ? 78 : 64);
    const counts = [0, 0, 0, 0];
    t.kinds.forEach((k) => counts[k]!++);
    expect(counts[KIND_ESTABLISHED]).toBeGreaterThan(counts[KIND_REPLY]!);
    expect(counts[KIND_NEW]).toBeGreaterThan(0);
    expect(counts[KIND_DENIED]).toBeGreaterThan(0);
    const engine = Engine.load(c.bytes);
    const out = {
      verdicts: new Uint8Array(t.count),
      reasons: new Uint16Array(t.count),
      rules: new Uint32Array(t.count),
    };
    for (let pass = 0; pass < 3; pass++) {
      rotate(t, pass);
      engine.processBatch(t, out);
    }
    const want = Uint8Array.from(t.kinds, (k) => (k === KIND_DENIED ? VERDICT_DROPPED : VERDICT_FORWARDED));
    expect(Buffer.from(out.verdicts).equals(Buffer.from(want))).toBe(true);
    const ct = engine.counters().conntrack.lookups;
    expect(ct.established).toBeGreaterThan(0);
    expect(ct.reply).toBeGreaterThan(0);
  });
});
