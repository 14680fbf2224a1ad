/**
 * @fileoverview Entry ranks: the total order behind "best entry" that every lookup structure shares.
 *
 * The best matching entry (lookup.ts) has the smallest priority, ties broken by the lowest entry
 * index. Sorting the entries once by (priority, index) turns that rule into "first match in rank
 * order", which is what lets the linear scan stop early, the classifier's leaves stop at the first
 * hit and its trees compare candidates with one integer compare.
 */

import { entryStride, type TableDef } from "../bytecode/bundle.js";

/** Entry indexes of `table` sorted by (priority, entry index): position = rank, value = entry. */
export function rankOrder(table: TableDef): Int32Array {
  const stride = entryStride(table);
  const entries = table.entries;
  const order = new Int32Array(table.entryCount);
  for (let i = 0; i < order.length; i++) {
    order[i] = i;
  }
  // Priorities are u32, so compare them as numbers rather than by subtraction into an int.
  order.sort((a, b) => {
    const pa = entries[a * stride]!;
    const pb = entries[b * stride]!;
    return pa < pb ? -1 : pa > pb ? 1 : a - b;
  });
  return order;
}
