/**
 * @fileoverview The packets-per-second harness every reported figure goes through.
 *
 * Measurement rules (../shared/reference/performance.md §7): warm up first (V8 tiers code up late),
 * time windows of at least 100 ms with process.hrtime.bigint, take the median of several windows,
 * and keep allocation out of the measured loop (the body works on preallocated buffers). The machine
 * facts printed beside every figure come from `machineFacts`.
 */

import os from "node:os";

/** Options of one measurement. */
export interface MeasureOptions {
  /** Minimum window length in ms (>= 100). */
  readonly windowMs?: number;
  /** Windows to take the median of. */
  readonly windows?: number;
  /** Warm-up duration in ms. */
  readonly warmupMs?: number;
  /**
   * "wall" (default) times windows by the clock; "cpu" by this process's CPU time (user + system), which
   * on a shared, overloaded machine measures the cost per item instead of the share of a core the
   * scheduler gave us. Background threads (GC, JIT) count too, so it errs on the slow side.
   */
  readonly clock?: "wall" | "cpu";
}

/** Result of one measurement. */
export interface Measurement {
  /** Median items per second over the windows. */
  readonly perSecond: number;
  /** Median nanoseconds per item. */
  readonly nsPerItem: number;
  /** Per-window rates, for the spread. */
  readonly windows: readonly number[];
}

/**
 * Measure `body`, which processes `itemsPerCall` items per call (e.g. one pass over a trace).
 * The call count per window adapts so each window lasts at least `windowMs`.
 */
export function measure(body: () => void, itemsPerCall: number, options: MeasureOptions = {}): Measurement {
  const windowMs = Math.max(100, options.windowMs ?? 150);
  const windows = options.windows ?? 5;
  const warmupMs = options.warmupMs ?? 300;
  const now = (): number => Number(process.hrtime.bigint()) / 1e6;
  // Warm-up, also used to calibrate calls per window.
  let calls = 0;
  const w0 = now();
  while (now() - w0 < warmupMs) {
    body();
    calls++;
  }
  const perCallMs = (now() - w0) / Math.max(1, calls);
  const callsPerWindow = Math.max(1, Math.ceil(windowMs / Math.max(perCallMs, 1e-6)));
  const rates: number[] = [];
  const cpu = options.clock === "cpu";
  for (let w = 0; w < windows; w++) {
    const t0 = process.hrtime.bigint();
    const c0 = cpu ? process.cpuUsage() : undefined;
    for (let i = 0; i < callsPerWindow; i++) {
      body();
    }
    const c = c0 === undefined ? undefined : process.cpuUsage(c0);
    const ns = c === undefined ? Number(process.hrtime.bigint() - t0) : (c.user + c.system) * 1000;
    rates.push((callsPerWindow * itemsPerCall * 1e9) / Math.max(ns, 1));
  }
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { perSecond: median, nsPerItem: 1e9 / median, windows: rates };
}

/**
 * Wait until this process is idle (under 10% of a core over 250 ms, at most 60 s). After binaryen is
 * loaded or has optimised a module, V8 keeps compiling binaryen's own wasm on background threads for
 * seconds; measuring then measures that. Returns the time waited in ms.
 */
export async function settleCpu(): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    const before = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const used = process.cpuUsage(before);
    if (used.user + used.system < 25_000 || performance.now() - t0 > 60_000) {
      return performance.now() - t0;
    }
  }
}

/** Facts about this machine and runtime, printed beside every figure. */
export function machineFacts(): { node: string; v8: string; cpu: string; cores: number; platform: string } {
  const cpus = os.cpus();
  return {
    node: process.version,
    v8: process.versions.v8,
    cpu: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    platform: `${os.platform()} ${os.arch()}`,
  };
}
