/**
 * @fileoverview A progress line on stderr for long replays: bytes read out of the file size (or bytes
 * alone for stdin), packets, packets per second.
 *
 * It draws only on a terminal and only once a replay has run for `delayMs` (2 s by default), so short
 * runs, pipes, redirected stderr and tests never see it; it redraws at most every `intervalMs`, and
 * `done()` erases it so the flows and the summary that follow start on a clean line.
 */

/** Where the line goes: a TTY-aware stream (process.stderr). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(s: string): boolean;
}

/** Options of a progress line. */
export interface ProgressOptions {
  /** Total bytes (the file size), if known. */
  readonly total?: number | undefined;
  /** False to never draw (`--no-progress`); default true, and drawn only on a TTY either way. */
  readonly enabled?: boolean;
  /** Stream to draw on (default process.stderr). */
  readonly stream?: ProgressStream;
  /** Milliseconds before the first draw (default 2000). */
  readonly delayMs?: number;
  /** Minimum milliseconds between draws (default 100). */
  readonly intervalMs?: number;
  /** Clock in milliseconds (default performance.now). */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;

/** Human size, binary units. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]!}`;
}

/** Human rate: 950, 12.3k, 1.2M. */
function formatRate(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : `${Math.round(n)}`;
}

/** A progress line; call `update` as the replay advances and `done` at the end. */
export class Progress {
  private readonly stream: ProgressStream;
  private readonly total: number | undefined;
  private readonly delayMs: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly start: number;
  private last = -Infinity;
  private drawn = false;
  /** Whether the line can ever be drawn (a terminal). */
  readonly enabled: boolean;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.total = options.total;
    this.delayMs = options.delayMs ?? 2000;
    this.intervalMs = options.intervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
    this.start = this.now();
    this.enabled = options.enabled !== false && this.stream.isTTY === true;
  }

  /** Report `bytes` read and `packets` processed so far; draws when due. */
  update(bytes: number, packets: number): void {
    if (!this.enabled) {
      return;
    }
    const t = this.now();
    const elapsed = t - this.start;
    if (elapsed < this.delayMs || t - this.last < this.intervalMs) {
      return;
    }
    this.last = t;
    this.drawn = true;
    this.stream.write(`\r${this.line(bytes, packets, elapsed)}\x1b[K`);
  }

  /** The text of the line (without control sequences). */
  line(bytes: number, packets: number, elapsedMs: number): string {
    const rate = `${formatRate(packets / Math.max(elapsedMs / 1000, 1e-3))} pkt/s`;
    const count = `${packets} packets`;
    if (this.total === undefined || this.total <= 0) {
      return `replay ${formatBytes(bytes)}  ${count}  ${rate}`;
    }
    const frac = Math.min(1, bytes / this.total);
    const full = Math.round(frac * BAR_WIDTH);
    const bar = `${"=".repeat(full)}${full < BAR_WIDTH ? ">" : ""}`.padEnd(BAR_WIDTH + 1, " ");
    const pct = `${Math.floor(frac * 100)}%`.padStart(4);
    return `[${bar}] ${pct} ${formatBytes(bytes)}/${formatBytes(this.total)}  ${count}  ${rate}`;
  }

  /** Erase the line if it was drawn. */
  done(): void {
    if (this.drawn) {
      this.stream.write("\r\x1b[K");
      this.drawn = false;
    }
  }
}
