/**
 * @fileoverview Timestamp resolutions: turning a pcapng 64-bit tick count into seconds and nanoseconds
 * exactly, without a BigInt per packet in the common case.
 *
 * An interface's `if_tsresol` byte v means one tick is 10^-v seconds, or 2^-(v & 0x7f) seconds when bit 7
 * is set; without the option a tick is a microsecond. Present-day nanosecond tick counts (about 1.7e18)
 * exceed 2^53, so `hi * 2^32 + lo` as a double is not exact. For decimal resolutions up to nanoseconds
 * `split` divides the 64-bit count by long division in 16-bit digits, where every intermediate stays
 * below 2^47; other resolutions (binary, or finer than a nanosecond) go through BigInt. Sub-nanosecond
 * fractions are truncated. Seconds are exact while below 2^53, which any 64-bit tick count guarantees at a
 * resolution of 2^-11 s or finer (so at 10^-4 s or finer).
 */

import { DEFAULT_TSRESOL, TSRESOL_BINARY } from "./format.js";

/** Nanoseconds in one second. */
export const NS_PER_SECOND = 1_000_000_000;
/** NS_PER_SECOND as a BigInt. */
const BIG_NS_PER_SECOND = 1_000_000_000n;

/** One interface's timestamp resolution, with a reusable result (`sec`, `nsec`) to avoid allocation. */
export class TimestampResolution {
  /** The if_tsresol byte this was built from. */
  readonly tsresol: number;
  /** Ticks per second (exact up to 2^53; see `bigUnitsPerSecond`). */
  readonly unitsPerSecond: number;
  /** Ticks per second as a BigInt, exact for every resolution. */
  readonly bigUnitsPerSecond: bigint;
  /** Nanoseconds per tick for the fast path (decimal resolutions 10^0..10^9), else 0. */
  private readonly nsPerUnit: number;
  /** Seconds of the last `split`. */
  sec = 0;
  /** Nanoseconds (0..999 999 999) of the last `split`. */
  nsec = 0;

  constructor(tsresol: number = DEFAULT_TSRESOL) {
    this.tsresol = tsresol;
    const exp = tsresol & ~TSRESOL_BINARY;
    const binary = (tsresol & TSRESOL_BINARY) !== 0;
    this.bigUnitsPerSecond = binary ? 1n << BigInt(exp) : 10n ** BigInt(exp);
    this.unitsPerSecond = Number(this.bigUnitsPerSecond);
    this.nsPerUnit = !binary && exp <= 9 ? 10 ** (9 - exp) : 0;
  }

  /** Splits the tick count `hi * 2^32 + lo` into `this.sec` and `this.nsec`. */
  split(hi: number, lo: number): void {
    if (this.nsPerUnit === 0) {
      this.splitBig(hi, lo);
      return;
    }
    // Long division by U <= 1e9 in base 2^16: each partial dividend is < U * 2^16 < 2^47, exact in a double.
    const u = this.unitsPerSecond;
    let cur = hi >>> 16;
    const q3 = Math.floor(cur / u);
    cur = (cur - q3 * u) * 65536 + (hi & 0xffff);
    const q2 = Math.floor(cur / u);
    cur = (cur - q2 * u) * 65536 + (lo >>> 16);
    const q1 = Math.floor(cur / u);
    cur = (cur - q1 * u) * 65536 + (lo & 0xffff);
    const q0 = Math.floor(cur / u);
    this.sec = ((q3 * 65536 + q2) * 65536 + q1) * 65536 + q0;
    this.nsec = (cur - q0 * u) * this.nsPerUnit;
  }

  /** `split` for binary and sub-nanosecond resolutions. */
  private splitBig(hi: number, lo: number): void {
    const ticks = (BigInt(hi) << 32n) | BigInt(lo);
    const units = this.bigUnitsPerSecond;
    this.sec = Number(ticks / units);
    this.nsec = Number(((ticks % units) * BIG_NS_PER_SECOND) / units);
  }

  /** Ticks for a time of `sec` seconds and `nsec` nanoseconds (truncated to the resolution), as [hi, lo]. */
  toTicks(sec: number, nsec: number): [hi: number, lo: number] {
    const units = this.bigUnitsPerSecond;
    const ticks = BigInt(sec) * units + (BigInt(nsec) * units) / BIG_NS_PER_SECOND;
    return [Number(ticks >> 32n), Number(ticks & 0xffffffffn)];
  }
}
