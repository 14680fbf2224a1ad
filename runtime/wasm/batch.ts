/**
 * @fileoverview The JS half of a wasm batch: parse frames into the context slots and remember, per
 * slot, where its frame starts and its time, which services called from wasm for that slot need
 * (conntrack reads the frame and the clock of the packet it works on, not of the batch's last one).
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
  let ns = lastNs;
  for (let s = 0; s < count; s++) {
    const ctx = wasm.contexts[s]!;
    const i = start + s;
    parsePacket(frames, offsets[i]!, lengths[i]!, linkType, ctx);
    ctx[F_DIRECTION] = 0;
    ctx[F_CT_STATE] = 0;
    const t = timestampsNs[i]!;
    if (t === t) {
      ns = t;
    }
    slots.base[s] = offsets[i]!;
    slots.ns[s] = ns;
  }
  return ns;
}
