/**
 * @fileoverview Every row of a table that matches a context, best first: what `trace` shows beyond
 * the one row the lookup returned. Written from the definition in runtime/tables/lookup.ts.
 */

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  entryStride,
  keyDataOffset,
} from "../../runtime/bytecode/bundle.js";
import type { TableDef } from "../../runtime/bytecode/bundle.js";

function prefixMatches(
  ctx: Uint32Array,
  field: number,
  words: number,
  value: Uint32Array,
  at: number,
  plen: number,
): boolean {
  for (let w = 0; w < words; w++) {
    const bits = Math.min(32, Math.max(0, plen - 32 * w));
    if (bits === 0) {
      return true;
    }
    const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((ctx[field + w]! & mask) >>> 0 !== value[at + w]) {
      return false;
    }
  }
  return true;
}

/** Whether entry `e` of `table` matches `ctx`. */
export function entryMatches(table: TableDef, e: number, ctx: Uint32Array): boolean {
  const base = e * entryStride(table);
  const w = table.entries;
  return table.keys.every((key, k) => {
    const at = base + keyDataOffset(table, k);
    switch (key.kind) {
      case MATCH_EXACT:
        for (let i = 0; i < key.words; i++) {
          if (ctx[key.field + i] !== w[at + i]) {
            return false;
          }
        }
        return true;
      case MATCH_LPM:
        return prefixMatches(ctx, key.field, key.words, w, at, w[at + key.words]!);
      case MATCH_RANGE:
        return ctx[key.field]! >= w[at]! && ctx[key.field]! <= w[at + 1]!;
      default:
        for (let i = 0; i < key.words; i++) {
          if ((ctx[key.field + i]! & w[at + key.words + i]!) >>> 0 !== w[at + i]) {
            return false;
          }
        }
        return true;
    }
  });
}

/** Indexes of every entry matching `ctx`, best first (priority, then index). */
export function matchingRows(table: TableDef, ctx: Uint32Array): number[] {
  const stride = entryStride(table);
  const rows: number[] = [];
  for (let e = 0; e < table.entryCount; e++) {
    if (entryMatches(table, e, ctx)) {
      rows.push(e);
    }
  }
  return rows.sort((a, b) => table.entries[a * stride]! - table.entries[b * stride]! || a - b);
}
