// Scenarios (1) and (3) of the performance suite at tiny sizes, through their functions and the CLI:
// every reported field is there and every verdict agrees. No timing is asserted.
import { describe, expect, it } from "vitest";
import { runCompileTime } from "../../bench/compile-time.js";
import { runL3L4 } from "../../bench/l3l4-cluster.js";
import { sluice } from "../helpers/cli.js";

const quick = { windowMs: 100, windows: 1, warmupMs: 10 };

describe("bench scenarios", () => {
  it("l3l4 reports each size beside its baseline", async () => {
    const r = await runL3L4({
      ...quick,
      endpoints: 100,
      entries: [20, 40],
      backends: ["interp"],
      packets: 512,
      flows: 64,
    });
    expect(r.rows.map((x) => x.entries)).toEqual([20, 40]);
    for (const x of r.rows) {
      expect(x.mismatches).toBe(0);
      expect(x.baselineMismatches).toBe(0);
      expect(x.mpps).toBeGreaterThan(0);
      expect(x.baselineMpps).toBeGreaterThan(0);
      expect(x.frameBytes).toBe(64);
      expect(x.ctStates["established"]).toBeGreaterThan(0);
    }
    expect(r.costRatio["interp"]).toBeGreaterThan(0);
  });

  it("compile reports time, bundle bytes and rows for both dialects", () => {
    const rows = runCompileTime({ endpoints: 100, policies: 4, runs: 1 });
    expect(rows.map((r) => r.dialect)).toEqual(["kubernetes", "cilium"]);
    for (const r of rows) {
      expect(r.errors).toBe(0);
      // 4 policies x 2 directions x 10 rows, and Cilium's allow-localhost row per ingress group.
      expect(r.policyRows).toBe(2 * 4 * 10 + (r.dialect === "cilium" ? 4 : 0));
      expect(r.bundleBytes).toBeGreaterThan(0);
      expect(r.compileMs).toBeGreaterThan(0);
    }
  });

  it("sluice bench l3l4 --json", async () => {
    const r = await sluice([
      "bench",
      "l3l4",
      "--endpoints",
      "100",
      "--entries",
      "40",
      "--backend",
      "interp",
      "--packets",
      "256",
      "--flows",
      "32",
      "--ipv6",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as {
      l3l4: { rows: { entries: number; frameBytes: number; mismatches: number }[] };
    };
    expect(j.l3l4.rows[0]).toMatchObject({ entries: 40, frameBytes: 78, mismatches: 0 });
  });

  it("sluice bench compile --json", async () => {
    const r = await sluice([
      "bench",
      "compile",
      "--endpoints",
      "100",
      "--policies",
      "3",
      "--dialect",
      "cilium",
      "--runs",
      "1",
      "--json",
    ]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { compile: { dialect: string; policyRows: number }[] };
    expect(j.compile).toMatchObject([{ dialect: "cilium", policyRows: 2 * 3 * 10 + 3 }]);
  });
});
