/**
 * @fileoverview Sets of (protocol, port) as sorted disjoint intervals per protocol, and np-guard's
 * connection-string format (`All Connections`, `TCP 80,8080-8090,UDP 53`).
 *
 * Only TCP, UDP and SCTP on ports 1-65535 are modelled, as in np-guard's connlist; port 0 and other
 * protocols are outside the set.
 */

import { PROTO_SCTP, PROTO_TCP, PROTO_UDP } from "../ir/entry.js";

/** The protocols a connection set covers, in np-guard's print order (SCTP < TCP < UDP as strings). */
export const CONN_PROTOCOLS: readonly { readonly proto: number; readonly name: string }[] = [
  { proto: PROTO_SCTP, name: "SCTP" },
  { proto: PROTO_TCP, name: "TCP" },
  { proto: PROTO_UDP, name: "UDP" },
];

/** Inclusive intervals, sorted and disjoint. */
export type Intervals = [number, number][];

/** Intersection of interval list `a` with [lo, hi]. */
export function clip(a: Intervals, lo: number, hi: number): Intervals {
  const out: Intervals = [];
  for (const [x, y] of a) {
    const s = Math.max(x, lo);
    const e = Math.min(y, hi);
    if (s <= e) {
      out.push([s, e]);
    }
  }
  return out;
}

/** `a` minus [lo, hi]. */
export function subtract(a: Intervals, lo: number, hi: number): Intervals {
  const out: Intervals = [];
  for (const [x, y] of a) {
    if (y < lo || x > hi) {
      out.push([x, y]);
      continue;
    }
    if (x < lo) {
      out.push([x, lo - 1]);
    }
    if (y > hi) {
      out.push([hi + 1, y]);
    }
  }
  return out;
}

/** Union of two interval lists, merged (adjacent intervals join). */
export function union(a: Intervals, b: Intervals): Intervals {
  const all = [...a, ...b].sort((p, q) => p[0] - q[0]);
  const out: Intervals = [];
  for (const [x, y] of all) {
    const last = out[out.length - 1];
    if (last !== undefined && x <= last[1] + 1) {
      last[1] = Math.max(last[1], y);
    } else {
      out.push([x, y]);
    }
  }
  return out;
}

/** Intersection of two interval lists. */
export function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Intervals = [];
  for (const [lo, hi] of b) {
    out.push(...clip(a, lo, hi));
  }
  return union(out, []);
}

/** Allowed ports per protocol. */
export type ConnSet = Map<number, Intervals>;

/** The full set: every modelled protocol on 1-65535. */
export function fullConnSet(): ConnSet {
  return new Map(CONN_PROTOCOLS.map((p) => [p.proto, [[1, 65535]] as Intervals]));
}

/** The empty set. */
export function emptyConnSet(): ConnSet {
  return new Map(CONN_PROTOCOLS.map((p) => [p.proto, [] as Intervals]));
}

/** Per-protocol intersection. */
export function intersectConns(a: ConnSet, b: ConnSet): ConnSet {
  return new Map(CONN_PROTOCOLS.map((p) => [p.proto, intersect(a.get(p.proto) ?? [], b.get(p.proto) ?? [])]));
}

/** Whether nothing is allowed. */
export function isEmptyConns(c: ConnSet): boolean {
  return CONN_PROTOCOLS.every((p) => (c.get(p.proto) ?? []).length === 0);
}

/** np-guard's connection string. */
export function formatConns(c: ConnSet): string {
  const full = CONN_PROTOCOLS.every((p) => {
    const iv = c.get(p.proto) ?? [];
    return iv.length === 1 && iv[0]![0] === 1 && iv[0]![1] === 65535;
  });
  if (full) {
    return "All Connections";
  }
  if (isEmptyConns(c)) {
    return "No Connections";
  }
  const groups: string[] = [];
  for (const p of CONN_PROTOCOLS) {
    const iv = c.get(p.proto) ?? [];
    if (iv.length > 0) {
      groups.push(`${p.name} ${iv.map(([x, y]) => (x === y ? String(x) : `${x}-${y}`)).join(",")}`);
    }
  }
  return groups.join(",");
}
