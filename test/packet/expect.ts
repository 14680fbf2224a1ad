/**
 * @fileoverview Assertions on whole context records for the parser tests. `parseFrame` parses into a
 * context pre-filled with a sentinel; `expectContext` compares every word the parser owns against the
 * expectation (a field left out must be 0) and checks that the words it does not own kept the sentinel.
 */

import { expect } from "vitest";
import { CONTEXT_FIELDS, CTX_WORDS, F_CT_STATE, F_DIRECTION, F_META0 } from "../../runtime/context.js";
import { parsePacket } from "../../runtime/packet/parse.js";

/** Value the tests put in every word before parsing. */
export const SENTINEL = 0xa5a5a5a5;

/** Words the parser must leave alone: F_DIRECTION, F_CT_STATE, reserved 45–47, META. */
export const NOT_OWNED: readonly number[] = [
  F_DIRECTION,
  F_CT_STATE,
  45,
  46,
  47,
  ...Array.from({ length: CTX_WORDS - F_META0 }, (_, i) => F_META0 + i),
];

/** Fields the parser owns, by text-form name. */
const OWNED_FIELDS = CONTEXT_FIELDS.filter((f) => !NOT_OWNED.includes(f.id));

/** Expected values by field name (`src_port`, `src_ip6`, …); 4-word fields take 4 numbers. */
export type Expected = Readonly<Record<string, number | readonly number[]>>;

/** Parses `frame` (whole, or `[offset, offset + length)`) into a sentinel-filled context. */
export function parseFrame(
  frame: Uint8Array,
  linkType = 1,
  offset = 0,
  length = frame.length - offset,
): Uint32Array {
  const ctx = new Uint32Array(CTX_WORDS).fill(SENTINEL);
  parsePacket(frame, offset, length, linkType, ctx);
  return ctx;
}

/** The owned fields of `ctx` by name (4-word fields as arrays). */
export function ownedFields(ctx: Uint32Array): Record<string, number | number[]> {
  const out: Record<string, number | number[]> = {};
  for (const f of OWNED_FIELDS) {
    out[f.name] = f.words === 4 ? Array.from(ctx.subarray(f.id, f.id + 4)) : ctx[f.id]!;
  }
  return out;
}

/** Asserts every owned field equals `expected` (0 when not listed) and unowned words kept the sentinel. */
export function expectContext(ctx: Uint32Array, expected: Expected): void {
  const want: Record<string, number | number[]> = {};
  for (const f of OWNED_FIELDS) {
    const v = expected[f.name];
    want[f.name] =
      v === undefined
        ? f.words === 4
          ? [0, 0, 0, 0]
          : 0
        : typeof v === "number"
          ? v >>> 0
          : v.map((x) => x >>> 0);
  }
  for (const name of Object.keys(expected)) {
    if (!OWNED_FIELDS.some((f) => f.name === name)) {
      throw new Error(`expectation names an unknown or unowned field: ${name}`);
    }
  }
  expect(ownedFields(ctx)).toEqual(want);
  expect(NOT_OWNED.map((w) => ctx[w])).toEqual(NOT_OWNED.map(() => SENTINEL));
}
