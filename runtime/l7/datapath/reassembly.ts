/**
 * @fileoverview In-order reassembly of one direction of one TCP connection, for the L7 decoders.
 *
 * The sequence space starts at the SYN (ISN + 1) or, for a connection first seen mid-stream (a capture
 * started late, conntrack entries older than the L7 state), at the first segment that carries payload.
 * Each segment is classified:
 *   - in order (starts at or before the next expected byte and reaches past it): its new bytes — a
 *     partial overlap with bytes already delivered is trimmed, as the receiving stack would — are
 *     delivered, followed by every buffered segment the delivery makes contiguous;
 *   - a retransmit (ends at or before the next expected byte): nothing is delivered;
 *   - out of order (starts after a gap): copied into the buffer, unless that would exceed the per-flow
 *     or the shared total limit, in which case the segment is refused (LIMIT) and the caller gives the
 *     flow its limit verdict. Overlapping buffered segments keep the bytes that arrived first.
 * Sequence arithmetic is modulo 2^32 (RFC 9293 §3.4), so wrap-around is handled.
 */

/** Segment outcome: its new bytes (and maybe buffered ones) were delivered. */
export const SEG_DELIVERED = 0;
/** Segment outcome: nothing new (a retransmit, or an empty segment). */
export const SEG_OLD = 1;
/** Segment outcome: held in the out-of-order buffer. */
export const SEG_BUFFERED = 2;
/** Segment outcome: refused, the out-of-order buffer limits are reached. */
export const SEG_LIMIT = 3;

/** Bytes of out-of-order data buffered over all flows, shared by every reassembler of a datapath. */
export class ReassemblyBudget {
  /** Bytes held now. */
  used = 0;
  /** Limit over all flows. */
  readonly total: number;
  /** Limit per connection direction. */
  readonly perFlow: number;

  constructor(total: number, perFlow: number) {
    this.total = total;
    this.perFlow = perFlow;
  }
}

/** Receives in-order bytes. */
export type Deliver = (bytes: Uint8Array, start: number, end: number) => void;

/** A buffered out-of-order segment. */
interface Held {
  seq: number;
  data: Uint8Array;
}

/** `a - b` as a signed 32-bit distance in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** One direction's reassembly state. */
export class TcpReassembler {
  /** Next expected sequence number (valid once `started`). */
  next = 0;
  /** Whether the sequence space is known. */
  started = false;
  /** Bytes delivered so far. */
  delivered = 0;
  private held: Held[] = [];
  private heldBytes = 0;
  private readonly budget: ReassemblyBudget;

  constructor(budget: ReassemblyBudget) {
    this.budget = budget;
  }

  /** A SYN fixes the sequence space: the first data byte is ISN + 1. */
  syn(seq: number): void {
    if (!this.started) {
      this.next = (seq + 1) >>> 0;
      this.started = true;
    }
  }

  /** Bytes held out of order. */
  get buffered(): number {
    return this.heldBytes;
  }

  /** Offer the payload `bytes[start, end)` at sequence `seq`; returns a SEG_* outcome. */
  segment(seq: number, bytes: Uint8Array, start: number, end: number, deliver: Deliver): number {
    const len = end - start;
    if (len <= 0) {
      return SEG_OLD;
    }
    if (!this.started) {
      this.next = seq >>> 0;
      this.started = true;
    }
    const gap = seqDiff(seq, this.next);
    if (gap > 0) {
      return this.hold(seq, bytes, start, end);
    }
    if (gap + len <= 0) {
      return SEG_OLD;
    }
    const from = start - gap; // skip the bytes already delivered
    this.next = (this.next + (end - from)) >>> 0;
    this.delivered += end - from;
    deliver(bytes, from, end);
    if (this.held.length > 0) {
      this.drain(deliver);
    }
    return SEG_DELIVERED;
  }

  /** Drop the buffered data (connection closed or evicted). */
  release(): void {
    this.budget.used -= this.heldBytes;
    this.heldBytes = 0;
    this.held = [];
  }

  private hold(seq: number, bytes: Uint8Array, start: number, end: number): number {
    const len = end - start;
    const budget = this.budget;
    if (this.heldBytes + len > budget.perFlow || budget.used + len > budget.total) {
      return SEG_LIMIT;
    }
    const held = this.held;
    let i = held.length;
    while (i > 0 && seqDiff(held[i - 1]!.seq, seq) > 0) {
      i--;
    }
    held.splice(i, 0, { seq: seq >>> 0, data: bytes.slice(start, end) });
    this.heldBytes += len;
    budget.used += len;
    return SEG_BUFFERED;
  }

  /** Deliver buffered segments that became contiguous; discard those wholly delivered already. */
  private drain(deliver: Deliver): void {
    const held = this.held;
    let k = 0;
    while (k < held.length) {
      const h = held[k]!;
      const gap = seqDiff(h.seq, this.next);
      if (gap > 0) {
        break;
      }
      const len = h.data.length;
      if (gap + len > 0) {
        const from = -gap;
        this.next = (this.next + (len - from)) >>> 0;
        this.delivered += len - from;
        deliver(h.data, from, len);
      }
      this.heldBytes -= len;
      this.budget.used -= len;
      k++;
    }
    if (k > 0) {
      held.splice(0, k);
    }
  }
}
