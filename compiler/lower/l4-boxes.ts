/**
 * @fileoverview Set difference over the L4 part of policy keys, for Calico's notPorts, notProtocol and
 * notICMP: a rule matches when its positive clauses match and none of its negated clauses does.
 *
 * Each L4 key is a box in four dimensions — protocol 0..255, destination port 0..65535, ICMP type and
 * code 0..255 — because every key the lowering emits has prefix-shaped ternary masks (0 or all ones),
 * i.e. intervals. Subtracting box B from box A splits A into at most eight boxes outside B. The result
 * converts back to keys: port intervals stay ranges, the 8-bit intervals become value/mask prefixes
 * (the minimal prefix cover of an interval, as Cilium covers port ranges with masked ports).
 */

import type { L4Key } from "./port-keys.js";

type Interval = readonly [number, number];
type Box = readonly [Interval, Interval, Interval, Interval];

function ternaryInterval(value: number, mask: number, max: number): Interval {
  if (mask === 0) {
    return [0, max];
  }
  // Prefix masks only (what the lowering emits): the value is the low end, the free bits the span.
  const free = ~mask & max;
  return [value & mask, (value & mask) | free];
}

function toBox(k: L4Key): Box {
  return [
    ternaryInterval(k.proto, k.protoMask, 255),
    [k.portLo, k.portHi],
    ternaryInterval(k.icmpType, k.icmpTypeMask, 255),
    ternaryInterval(k.icmpCode, k.icmpCodeMask, 255),
  ];
}

/** A minus B, as disjoint boxes. */
function subtractBox(a: Box, b: Box): Box[] {
  const out: Box[] = [];
  const cur: Interval[] = [...a];
  for (let d = 0; d < 4; d++) {
    const [alo, ahi] = cur[d]!;
    const [blo, bhi] = b[d]!;
    if (bhi < alo || blo > ahi) {
      return [a]; // disjoint in this dimension: nothing removed
    }
    if (alo < blo) {
      const piece = [...cur];
      piece[d] = [alo, blo - 1];
      out.push(piece as unknown as Box);
    }
    if (ahi > bhi) {
      const piece = [...cur];
      piece[d] = [bhi + 1, ahi];
      out.push(piece as unknown as Box);
    }
    cur[d] = [Math.max(alo, blo), Math.min(ahi, bhi)];
  }
  return out;
}

/** Minimal value/mask prefixes covering [lo, hi] within `bits` bits. */
export function intervalToPrefixes(lo: number, hi: number, bits: number): { value: number; mask: number }[] {
  const full = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  if (lo === 0 && hi === full) {
    return [{ value: 0, mask: 0 }];
  }
  const out: { value: number; mask: number }[] = [];
  let at = lo;
  while (at <= hi) {
    let size = 1;
    while ((at & (size * 2 - 1)) === 0 && at + size * 2 - 1 <= hi && size * 2 <= full + 1) {
      size *= 2;
    }
    out.push({ value: at, mask: full & ~(size - 1) });
    at += size;
  }
  return out;
}

function boxToKeys(b: Box): L4Key[] {
  const keys: L4Key[] = [];
  for (const p of intervalToPrefixes(b[0][0], b[0][1], 8)) {
    for (const t of intervalToPrefixes(b[2][0], b[2][1], 8)) {
      for (const c of intervalToPrefixes(b[3][0], b[3][1], 8)) {
        keys.push({
          proto: p.value,
          protoMask: p.mask,
          portLo: b[1][0],
          portHi: b[1][1],
          icmpType: t.value,
          icmpTypeMask: t.mask,
          icmpCode: c.value,
          icmpCodeMask: c.mask,
        });
      }
    }
  }
  return keys;
}

/** Keys matching what `keys` match and `minus` does not. */
export function subtractL4(keys: readonly L4Key[], minus: readonly L4Key[]): L4Key[] {
  if (minus.length === 0) {
    return [...keys];
  }
  let boxes: Box[] = keys.map(toBox);
  for (const m of minus.map(toBox)) {
    boxes = boxes.flatMap((b) => subtractBox(b, m));
  }
  return boxes.flatMap(boxToKeys);
}
