/**
 * @fileoverview ByteQueue: the reader's input buffer. Pushed chunks are queued as they are (no copy);
 * only a structure that straddles two chunks is copied, into a scratch buffer, so that every header,
 * record and block the parser looks at is contiguous in `buf` at `pos`.
 *
 * Consumed chunks are dropped as soon as the parser moves past them, so the queue holds only the
 * unconsumed tail of the input: at most the bytes pushed since the last complete structure, plus the
 * scratch buffer (sized to the largest straddling structure, shrunk again after an unusually large one).
 *
 * The queue borrows pushed chunks: their bytes must not change while they are queued.
 */

/** The buffer of an empty queue. */
const EMPTY = new Uint8Array(0);

/** Scratch buffers up to this size are kept for reuse; a larger one is dropped after it is consumed. */
const SCRATCH_KEEP_BYTES = 1024 * 1024;
/** Smallest scratch allocation, so that small straddles do not reallocate each time. */
const SCRATCH_MIN_BYTES = 4096;

/** A queue of pushed chunks that makes the next n bytes contiguous on demand. */
export class ByteQueue {
  /** The buffer holding the next unconsumed byte (a pushed chunk or the scratch buffer). */
  buf: Uint8Array = EMPTY;
  /** DataView over `buf`; offsets into it are offsets into `buf`. */
  view: DataView = new DataView(EMPTY.buffer);
  /** Index in `buf` of the next unconsumed byte. */
  pos = 0;
  /** Stream offset of `buf[pos]`: bytes consumed since the start of the stream. */
  offset = 0;
  /** Unconsumed bytes in `buf` and `rest` together. */
  available = 0;
  /** Chunks after `buf`, oldest first, none of them consumed. */
  private rest: Uint8Array[] = [];
  /** Stitching buffer for straddling structures. */
  private scratch: Uint8Array = EMPTY;
  /** Whether `buf` is a view of `scratch` (rather than a pushed chunk). */
  private inScratch = false;

  /** Queues a chunk (borrowed, not copied). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) {
      return;
    }
    this.available += chunk.length;
    if (this.pos === this.buf.length) {
      this.setBuf(chunk, false);
    } else {
      this.rest.push(chunk);
    }
  }

  /** Makes `n` bytes contiguous at `buf[pos]`; false when fewer than `n` bytes are queued. */
  ensure(n: number): boolean {
    if (this.buf.length - this.pos >= n) {
      return true;
    }
    if (this.available < n) {
      return false;
    }
    this.stitch(n);
    return true;
  }

  /** Consumes `n` bytes; the caller has ensured them. */
  consume(n: number): void {
    this.pos += n;
    this.offset += n;
    this.available -= n;
    if (this.pos === this.buf.length) {
      const next = this.rest.shift();
      if (next !== undefined) {
        this.setBuf(next, false);
      } else {
        // Drop the reference so the caller's chunk can be collected; views already handed out keep it
        // alive for as long as they need it.
        this.setBuf(EMPTY, false);
      }
      if (this.scratch.length > SCRATCH_KEEP_BYTES) {
        this.scratch = EMPTY;
      }
    }
  }

  /** Copies the next `n` bytes (which span several chunks) into the scratch buffer and reads from it. */
  private stitch(n: number): void {
    const have = this.buf.length - this.pos;
    let target = this.scratch;
    if (target.length < n || (target.length > SCRATCH_KEEP_BYTES && n <= SCRATCH_KEEP_BYTES)) {
      target = new Uint8Array(Math.max(n, SCRATCH_MIN_BYTES));
    }
    if (this.inScratch && target === this.scratch) {
      target.copyWithin(0, this.pos, this.buf.length);
    } else {
      target.set(this.buf.subarray(this.pos), 0);
    }
    let filled = have;
    while (filled < n) {
      const chunk = this.rest[0]!;
      const take = Math.min(chunk.length, n - filled);
      target.set(take === chunk.length ? chunk : chunk.subarray(0, take), filled);
      filled += take;
      if (take === chunk.length) {
        this.rest.shift();
      } else {
        this.rest[0] = chunk.subarray(take);
      }
    }
    this.scratch = target;
    // Only the first n bytes of the scratch buffer are valid input.
    this.setBuf(target.length === n ? target : target.subarray(0, n), true);
  }

  /** Makes `b` the current buffer, from its first byte. */
  private setBuf(b: Uint8Array, inScratch: boolean): void {
    this.buf = b;
    this.inScratch = inScratch;
    this.pos = 0;
    this.view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
}
