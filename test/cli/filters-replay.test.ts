// `sluice replay` with hubble filter flags, in-process over a capture written with PcapWriter; and the
// progress line, which never reaches a non-TTY stderr.
import { describe, expect, it } from "vitest";
import { sluice } from "../helpers/cli.js";
import { writeShopFixture } from "../helpers/shop.js";
import { Progress } from "../../cli/progress.js";

const { capture, policy } = writeShopFixture();

/** Summaries of the JSON flows a replay prints. */
async function replay(...filters: string[]): Promise<string[]> {
  const r = await sluice(["replay", capture, policy, "--cni", "spec", "-o", "json", ...filters]);
  expect(r.err).toBe("");
  expect(r.code).toBe(0);
  return r.out
    .trim()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => {
      const f = (JSON.parse(l) as { flow: { verdict: string; Summary: string } }).flow;
      return `${f.verdict} ${f.Summary}`;
    });
}

describe("sluice replay with filters", () => {
  it("prints every flow without filters", async () => {
    expect(await replay()).toEqual([
      "FORWARDED TCP Flags: SYN",
      "FORWARDED TCP Flags: SYN, ACK",
      "DROPPED UDP",
    ]);
  });

  it("--verdict, --protocol, --to-pod, --label select flows", async () => {
    expect(await replay("--verdict", "DROPPED")).toEqual(["DROPPED UDP"]);
    expect(await replay("--protocol", "tcp", "--to-pod", "shop/web")).toEqual(["FORWARDED TCP Flags: SYN"]);
    expect(await replay("--label", "app=client")).toEqual([
      "FORWARDED TCP Flags: SYN",
      "FORWARDED TCP Flags: SYN, ACK",
    ]);
    expect(await replay("--from-ip", "10.1.0.0/24", "--to-port", "53", "--to-port", "8080")).toEqual([
      "FORWARDED TCP Flags: SYN",
      "DROPPED UDP",
    ]);
  });

  it("--not interleaved with other options (before and after positionals) negates the next filter", async () => {
    // As in hubble, the deny list is one filter too: negated flags AND across flags (DROPPED and trace).
    expect(await replay("--not", "--verdict", "DROPPED", "--not", "-t", "trace")).toHaveLength(3);
    expect(await replay("--not", "--verdict", "DROPPED", "--not", "--verdict", "FORWARDED")).toEqual([]);
    const r = await sluice([
      "replay",
      "--not",
      "--protocol",
      "udp",
      capture,
      "--color",
      "never",
      policy,
      "--cni",
      "spec",
    ]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n")).toHaveLength(2);
    expect(r.out).not.toMatch(/UDP/);
  });

  it("HTTP filters match nothing until flows carry L7 records", async () => {
    expect(await replay("--http-method", "GET")).toEqual([]);
    expect(await replay("--not", "--http-path", "/")).toHaveLength(3);
  });

  it("a trailing --not, a bad value, or filters with --summary are usage errors (exit 2)", async () => {
    const trailing = await sluice(["replay", capture, "--verdict", "DROPPED", "--not"]);
    expect(trailing.code).toBe(2);
    expect(trailing.err).toBe("error: trailing --not found in the arguments\n");
    const bad = await sluice(["replay", capture, "--verdict", "NOPE"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/invalid --verdict value: NOPE/);
    const summary = await sluice(["replay", capture, "--summary", "--verdict", "DROPPED"]);
    expect(summary.code).toBe(2);
    expect(summary.err).toMatch(/cannot be combined with --summary/);
  });

  it("other outputs are unchanged apart from filtering (table keeps its header)", async () => {
    const r = await sluice([
      "replay",
      capture,
      policy,
      "--cni",
      "spec",
      "-o",
      "table",
      "--verdict",
      "DROPPED",
    ]);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(/^TIMESTAMP\s+SOURCE\s+DESTINATION\s+TYPE\s+VERDICT\s+SUMMARY$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/DROPPED\s+UDP$/);
  });
});

describe("progress line", () => {
  /** A fake stream and clock. */
  function fake(isTTY: boolean): {
    written: string[];
    clock: { t: number };
    progress: (total?: number) => Progress;
  } {
    const written: string[] = [];
    const clock = { t: 0 };
    return {
      written,
      clock,
      progress: (total) =>
        new Progress({
          total,
          stream: { isTTY, write: (s) => written.push(s) > 0 },
          now: () => clock.t,
        }),
    };
  }

  it("draws nothing when stderr is not a terminal", () => {
    const f = fake(false);
    const p = f.progress(1000);
    f.clock.t = 10_000;
    p.update(500, 100);
    p.done();
    expect(f.written).toEqual([]);
  });

  it("on a terminal, waits 2 s, throttles, shows bytes/size and packets/s, and erases itself", () => {
    const f = fake(true);
    const p = f.progress(4 * 1024 * 1024);
    f.clock.t = 1500;
    p.update(1024, 10);
    expect(f.written).toEqual([]);
    f.clock.t = 4000;
    p.update(2 * 1024 * 1024, 20_000);
    f.clock.t = 4050;
    p.update(3 * 1024 * 1024, 30_000); // within 100 ms: skipped
    expect(f.written).toHaveLength(1);
    expect(f.written[0]).toBe(
      `\r[${"=".repeat(12)}>${" ".repeat(12)}]  50% 2.0 MiB/4.0 MiB  20000 packets  5.0k pkt/s\x1b[K`,
    );
    p.done();
    expect(f.written[1]).toBe("\r\x1b[K");
  });

  it("without a size (stdin) shows bytes read only", () => {
    const f = fake(true);
    const p = f.progress();
    expect(p.line(2048, 3, 1000)).toBe("replay 2.0 KiB  3 packets  3 pkt/s");
  });
});
