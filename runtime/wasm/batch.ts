/**
 * @fileoverview The JS half of a wasm batch: hand the frames to the wasm parser (codegen-parse.ts),
 * and remember, per slot, where its frame starts and its time, which services called from wasm for
 * that slot need (conntrack reads the frame — in the batch's own buffer, at the slot's offset — and
 * the clock of the packet it works on, not of the batch's last one).
 *
 * Per batch of slots the JS side does no per-packet work: it copies the offsets, lengths and times
 * into linear memory, asks `span` how many slots' frames fit the frame area, copies those bytes in
 * one `set`, and calls `parse`; usually once per batch. A frame larger than the whole frame area
 * (over 128 KiB) is parsed by the JS parser into its slot instead, with the same result. So are
 * batches the wasm side cannot address: a frame buffer of 2 GiB or more, or arrays shorter than
 * the batch (whose missing entries the JS parser reads as undefined).
 */

import { F_CT_STATE, F_DIRECTION } from "../context.js";
import { parsePacket } from "../packet/parse.js";
import type { WasmProgram } from "./instance.js";

/** Frame start and packet time per slot. */
export class SlotFrames {
  /** Offset of each slot's frame in the batch buffer. */
  readonly base: Float64Array;
  /** Time of each slot's packet in ns (the previous packet's when the frame has none). */
  readonly ns: Float64Array;

  constructor(slots: number) {
    this.base = new Float64Array(slots);
    this.ns = new Float64Array(slots);
  }
}

/** Frames of a batch: buffer, start and length of each, time of each (NaN = keep the previous time). */
export interface SlotBatch {
  readonly frames: Uint8Array;
  readonly offsets: Uint32Array;
  readonly lengths: Uint32Array;
  readonly timestampsNs: Float64Array;
}

/** Largest frame buffer the wasm parser addresses: it compares offsets as signed i32 sums. */
const MAX_WASM_BUFFER = 0x7fffffff;

/**
 * Parses frames start .. start+count-1 into slots 0 .. count-1 (direction 0, conntrack state 0, as
 * the engine does for every packet), filling `slots`; returns the time of the last packet, given
 * `lastNs` before the first.
 */
export function parseIntoSlots(
  wasm: WasmProgram,
  batch: SlotBatch,
  linkType: number,
  start: number,
  count: number,
  slots: SlotFrames,
  lastNs: number,
): number {
  const { frames, offsets, lengths, timestampsNs } = batch;
  const stop = start + count;
  if (
    frames.length > MAX_WASM_BUFFER ||
    offsets.length < stop ||
    lengths.length < stop ||
    timestampsNs.length < stop
  ) {
    return parseIntoSlotsJs(wasm, batch, linkType, start, count, slots, lastNs);
  }
  const P = wasm.parser;
  const offs = offsets.subarray(start, stop);
  P.offsets.set(offs);
  P.lengths.set(lengths.subarray(start, stop));
  P.timesNs.set(timestampsNs.subarray(start, stop));
  slots.base.set(offs);
  const flen = frames.length;
  const area = P.area;
  const limit = area.length;
  let s = 0;
  while (s < count) {
    const k = P.span(s, count - s, flen, limit);
    if (k === 0) {
      parseOneJs(wasm.contexts[s]!, frames, offsets[start + s]!, lengths[start + s]!, linkType);
      s++;
      continue;
    }
    const lo = P.spanBounds[0]!;
    area.set(frames.subarray(lo, P.spanBounds[1]), 0);
    P.parse(s, k, lo, flen, linkType);
    s += k;
  }
  P.carriedNs[0] = lastNs;
  P.times(count);
  slots.ns.set(P.timesNs.subarray(0, count));
  return P.carriedNs[0];
}

/** One frame through the JS parser into `ctx`, with the words the engine resets. */
function parseOneJs(
  ctx: Uint32Array,
  frames: Uint8Array,
  offset: number,
  length: number,
  linkType: number,
): void {
  parsePacket(frames, offset, length, linkType, ctx);
  ctx[F_DIRECTION] = 0;
  ctx[F_CT_STATE] = 0;
}

/** parseIntoSlots with the JS parser for every frame (the batches the wasm parser does not take). */
export function parseIntoSlotsJs(
  wasm: WasmProgram,
  batch: SlotBatch,
  linkType: number,
  start: number,
  count: number,
  slots: SlotFrames,
  lastNs: number,
): number {
  const { frames, offsets, lengths, timestampsNs } = batch;
  let ns = lastNs;
  for (let s = 0; s < count; s++) {
    const i = start + s;
    parseOneJs(wasm.contexts[s]!, frames, offsets[i]!, lengths[i]!, linkType);
    const t = timestampsNs[i]!;
    if (t === t) {
      ns = t;
    }
    slots.base[s] = offsets[i]!;
    slots.ns[s] = ns;
    wasm.parser.timesNs[s] = ns; // the conntrack fast path's clock (codegen-conntrack.ts)
  }
  return ns;
}
