/**
 * @fileoverview A growable Int32Array for builders that emit flat structures of unknown final size.
 */

/** Appends int32 words, doubling its backing store; `toArray()` returns an exact-length copy. */
export class Int32Buffer {
  private data: Int32Array;
  /** Words written so far. */
  length = 0;

  constructor(initialCapacity = 1024) {
    this.data = new Int32Array(Math.max(16, initialCapacity));
  }

  /** Appends one word and returns its offset. */
  push(value: number): number {
    if (this.length === this.data.length) {
      this.grow(this.length + 1);
    }
    this.data[this.length] = value;
    return this.length++;
  }

  /** Appends `count` zero words and returns the offset of the first. */
  reserve(count: number): number {
    const at = this.length;
    if (at + count > this.data.length) {
      this.grow(at + count);
    }
    this.data.fill(0, at, at + count);
    this.length += count;
    return at;
  }

  /** Overwrites the word at `offset` (which must have been written). */
  set(offset: number, value: number): void {
    this.data[offset] = value;
  }

  /** Reads the word at `offset`. */
  get(offset: number): number {
    return this.data[offset]!;
  }

  /** The words written, as an exact-length array. */
  toArray(): Int32Array {
    return this.data.slice(0, this.length);
  }

  private grow(minimum: number): void {
    let capacity = this.data.length * 2;
    while (capacity < minimum) {
      capacity *= 2;
    }
    const next = new Int32Array(capacity);
    next.set(this.data.subarray(0, this.length));
    this.data = next;
  }
}
