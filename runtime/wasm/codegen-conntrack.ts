/**
 * @fileoverview The conntrack lookup fast path in WebAssembly: `ctLookup(ctx, slot) -> CT_* or
 * CT_FALLBACK`, run by the program's CALL SVC_CT_LOOKUP before the imported JS service.
 *
 * It works on the table conntrack.ts keeps in the program's memory (conntrack/region.ts) and does
 * exactly what Conntrack.lookup does for the packets it takes; for every other packet it returns
 * CT_FALLBACK and the program calls the JS service, so the semantics stay the JS ones. Handled here:
 *   - the sweep check: when one is due, the soonest list head is found and dueAt set to its expiry as
 *     table.ts soonest() does; only when that head has expired (a removal) does JS take over;
 *   - TCP and UDP packets with ports (contextPorts >= 0): a miss (CT_NEW), or a live match, refreshed
 *     as table.ts update() does, expiry-list moves included (unlink, append, re-file), or only counted
 *     when the TCP connection is closed.
 * Left to JS: other protocols, ICMP errors (RELATED), an expired match (removal), a reopening SYN, a
 * sweep that removes something, and a reply of a connection whose remembered verdict is REDIRECTED
 * (the engine hands those to the L7 datapath after the JS lookup). Before a fallback nothing has
 * changed but dueAt, set to the value the JS sweep check computes again.
 *
 * Hashing is tuple.ts hashTuple op for op (Math.imul is i32.mul, `>>>` is shr_u); probing is
 * table.ts find(). The TCP state machine is a table generated from tcp.ts (tcpTransitionTable), so
 * the two cannot drift apart.
 */

import {
  CT_ESTABLISHED,
  CT_NEW,
  CT_REPLY,
  F_CT_STATE,
  F_DST_IP6,
  F_DST_PORT,
  F_FLAGS,
  F_PROTO,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
  PKT_HAS_L4,
  PKT_IPV4,
  PKT_IPV6,
  PKT_MALFORMED,
  PKT_NONFIRST_FRAGMENT,
  PKT_REPLY,
} from "../context.js";
import { S_LOOKUP } from "../conntrack/conntrack.js";
import {
  HEADER_BYTES,
  RG_CLASSES,
  RG_DUE_AT,
  RG_FLOOR,
  RG_HEAD,
  RG_LAST_VERDICT,
  RG_SLACK,
  RG_STATS,
  RG_TAIL,
  RG_TIMEOUTS,
  regionParts,
} from "../conntrack/region.js";
import {
  F_EXPIRY,
  F_FILED,
  KEEP_BITS,
  NO_SLOT,
  OCCUPIED,
  R_META,
  R_PACKETS,
  R_PORTS,
  REC_WORDS,
} from "../conntrack/table.js";
import { CLASS_ANY } from "../conntrack/tcp.js";
import { IPPROTO_TCP, IPPROTO_UDP } from "../conntrack/tuple.js";
import { VERDICT_REDIRECTED } from "../verdict.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import { T_CLOSED, T_REOPENS, emitTupleHash } from "./codegen-conntrack-parts.js";
import type { ConntrackRegion } from "./layout.js";

/** ctLookup's answer when the JS service must do the lookup (nothing was changed). */
export const CT_FALLBACK = -1;
/** Name of the generated function. */
export const CT_LOOKUP_FUNCTION = "ctLookup";

/** Statements of `ctLookup(ctx, slot) -> i32` (parameters 0 and 1); `frameTimes` holds each slot's time. */
export function emitCtLookup(f: FunctionBuilder, ct: ConntrackRegion, frameTimes: number): Expr[] {
  const { m, b } = f;
  const ctx = 0;
  const slot = 1;
  const R = ct.base;
  const REC = R + HEADER_BYTES;
  const RB = 4 * REC_WORDS;
  const now = f.local(b.f64);
  const expiry = f.local(b.f64);
  const flags = f.local();
  const proto = f.local();
  const ports = f.local();
  const swapped = f.local();
  const a = f.local();
  const h = f.local();
  const s = f.local();
  const at = f.local();
  const meta = f.local();
  const reply = f.local();
  const verdict = f.local();
  const result = f.local();
  const entry = f.local();
  const next = f.local();
  const cls = f.local();
  const old = f.local();
  const p = f.local();
  const n = f.local();
  const best = f.local();
  const bestExpiry = f.local(b.f64);
  const LINKS = R + regionParts(ct.mask + 1).links;
  const getF = (i: number): Expr => m.local.get(i, b.f64);
  const c = (w: number): Expr => f.ctx(ctx, w);
  const recWord = (w: number): Expr => m.i32.load(4 * w, 4, f.get(at));
  const fallback = (): Expr => m.return(f.i32(CT_FALLBACK));
  const shr = (e: Expr, n: number): Expr => m.i32.shr_u(e, f.i32(n));
  const sameAs = (srcW: number, dstW: number): Expr => {
    let e = m.i32.eq(recWord(3), c(srcW + 3));
    for (const [r, w] of [
      [7, dstW + 3],
      [0, srcW],
      [4, dstW],
      [1, srcW + 1],
      [2, srcW + 2],
      [5, dstW + 1],
      [6, dstW + 2],
    ] as const) {
      e = m.i32.and(e, m.i32.eq(recWord(r), c(w)));
    }
    return e;
  };
  const probe = f.label("probe");
  const nextSlot = f.label("next");
  const found = f.label("found");
  const done = f.label("done");
  const expiryAt = (): Expr => m.f64.load(8 * F_EXPIRY, 8, f.get(at));
  const statsAt = R + RG_STATS + 8 * S_LOOKUP;
  const dueAt = (): Expr => m.f64.load(R + RG_DUE_AT, 8, f.i32(0));
  const setDueAt = (v: Expr): Expr => m.f64.store(R + RG_DUE_AT, 8, f.i32(0), v);
  const slotExpiry = (slotE: Expr): Expr => m.f64.load(REC + 8 * F_EXPIRY, 8, m.i32.mul(slotE, f.i32(RB)));
  // links[i] (i32 index expression) and its store.
  const link = (i: Expr): Expr => m.i32.load(LINKS, 4, m.i32.shl(i, f.i32(2)));
  const setLink = (i: Expr, v: Expr): Expr => m.i32.store(LINKS, 4, m.i32.shl(i, f.i32(2)), v);
  const byClass = (c: Expr): Expr => m.i32.shl(c, f.i32(2));
  const head = (c: Expr): Expr => m.i32.load(R + RG_HEAD, 4, byClass(c));
  const tail = (c: Expr): Expr => m.i32.load(R + RG_TAIL, 4, byClass(c));
  const setHead = (c: Expr, v: Expr): Expr => m.i32.store(R + RG_HEAD, 4, byClass(c), v);
  const setTail = (c: Expr, v: Expr): Expr => m.i32.store(R + RG_TAIL, 4, byClass(c), v);
  const twoS = (): Expr => m.i32.shl(f.get(s), f.i32(1));
  // table.ts unlink(s, class local `c`).
  const unlink = (c: number): Expr[] => [
    f.set(p, link(twoS())),
    f.set(n, link(m.i32.add(twoS(), f.i32(1)))),
    m.if(
      m.i32.ne(f.get(p), f.i32(NO_SLOT)),
      setLink(m.i32.add(m.i32.shl(f.get(p), f.i32(1)), f.i32(1)), f.get(n)),
      m.block(null, [setHead(f.get(c), f.get(n)), setDueAt(m.f64.const(Number.NEGATIVE_INFINITY))]),
    ),
    m.if(
      m.i32.ne(f.get(n), f.i32(NO_SLOT)),
      setLink(m.i32.shl(f.get(n), f.i32(1)), f.get(p)),
      setTail(f.get(c), f.get(p)),
    ),
  ];
  // table.ts append(s, cls, expiry).
  const append = (): Expr[] => [
    f.set(p, tail(f.get(cls))),
    m.f64.store(8 * F_FILED, 8, f.get(at), getF(expiry)),
    setLink(twoS(), f.get(p)),
    setLink(m.i32.add(twoS(), f.i32(1)), f.i32(NO_SLOT)),
    m.if(
      m.i32.ne(f.get(p), f.i32(NO_SLOT)),
      setLink(m.i32.add(m.i32.shl(f.get(p), f.i32(1)), f.i32(1)), f.get(s)),
      m.block(null, [
        setHead(f.get(cls), f.get(s)),
        m.if(m.f64.lt(getF(expiry), dueAt()), setDueAt(getF(expiry))),
      ]),
    ),
    setTail(f.get(cls), f.get(s)),
  ];
  // table.ts soonest(): the head expiring soonest (ties to the lower class) into `best`.
  const soonest: Expr[] = [
    f.set(best, f.i32(NO_SLOT)),
    m.local.set(bestExpiry, m.f64.const(Number.POSITIVE_INFINITY)),
  ];
  for (let k = 0; k < RG_CLASSES; k++) {
    soonest.push(
      f.set(p, head(f.i32(k))),
      m.if(
        m.i32.ne(f.get(p), f.i32(NO_SLOT)),
        m.if(
          m.i32.or(m.i32.eq(f.get(best), f.i32(NO_SLOT)), m.f64.lt(slotExpiry(f.get(p)), getF(bestExpiry))),
          m.block(null, [f.set(best, f.get(p)), m.local.set(bestExpiry, slotExpiry(f.get(p)))]),
        ),
      ),
    );
  }
  return [
    // now = the slot's time (NaN -> 0, as lookup() does).
    f.set(now, m.f64.load(frameTimes, 8, m.i32.shl(f.get(slot), f.i32(3)))),
    m.if(m.f64.ne(getF(now), getF(now)), m.local.set(now, m.f64.const(0))),
    // The sweep check of lookup(): recompute dueAt; removing the soonest head is JS work.
    m.if(
      m.f64.gt(getF(now), dueAt()),
      m.block(null, [
        ...soonest,
        setDueAt(getF(bestExpiry)),
        m.if(
          m.i32.and(m.i32.ne(f.get(best), f.i32(NO_SLOT)), m.f64.gt(getF(now), getF(bestExpiry))),
          fallback(),
        ),
      ]),
    ),
    f.set(flags, c(F_FLAGS)),
    m.if(
      m.i32.or(
        m.i32.or(
          m.i32.eqz(m.i32.and(f.get(flags), f.i32(PKT_IPV4 | PKT_IPV6))),
          m.i32.and(f.get(flags), f.i32(PKT_NONFIRST_FRAGMENT | PKT_MALFORMED)),
        ),
        m.i32.eqz(m.i32.and(f.get(flags), f.i32(PKT_HAS_L4))),
      ),
      fallback(),
    ),
    f.set(proto, c(F_PROTO)),
    m.if(
      m.i32.and(m.i32.ne(f.get(proto), f.i32(IPPROTO_TCP)), m.i32.ne(f.get(proto), f.i32(IPPROTO_UDP))),
      fallback(),
    ),
    f.set(
      ports,
      m.i32.or(
        m.i32.shl(m.i32.and(c(F_SRC_PORT), f.i32(0xffff)), f.i32(16)),
        m.i32.and(c(F_DST_PORT), f.i32(0xffff)),
      ),
    ),
    f.set(swapped, m.i32.rotl(f.get(ports), f.i32(16))),
    ...emitTupleHash(f, ctx, ports, proto, a, h),
    f.set(s, m.i32.and(f.get(h), f.i32(ct.mask))),
    f.set(result, f.i32(CT_NEW)),
    f.set(reply, f.i32(0)),
    f.set(verdict, f.i32(0)),
    m.block(done, [
      m.block(found, [
        m.loop(
          probe,
          m.block(null, [
            f.set(at, m.i32.add(m.i32.mul(f.get(s), f.i32(RB)), f.i32(REC))),
            f.set(meta, recWord(R_META)),
            m.br(done, m.i32.eqz(f.get(meta))), // a miss: CT_NEW
            m.block(nextSlot, [
              m.br(nextSlot, m.i32.ne(m.i32.and(f.get(meta), f.i32(0xff)), f.get(proto))),
              m.br(found, m.i32.and(m.i32.eq(recWord(R_PORTS), f.get(ports)), sameAs(F_SRC_IP6, F_DST_IP6))),
              f.set(reply, f.i32(1)),
              m.br(
                found,
                m.i32.and(m.i32.eq(recWord(R_PORTS), f.get(swapped)), sameAs(F_DST_IP6, F_SRC_IP6)),
              ),
              f.set(reply, f.i32(0)),
            ]),
            f.set(s, m.i32.and(m.i32.add(f.get(s), f.i32(1)), f.i32(ct.mask))),
            m.br(probe),
          ]),
        ),
      ]),
      // Found in slot s (record at `at`), direction `reply`.
      m.if(m.f64.gt(getF(now), expiryAt()), fallback()), // expired: removal is JS work
      f.set(verdict, shr(f.get(meta), 17)),
      m.if(m.i32.and(f.get(reply), m.i32.eq(f.get(verdict), f.i32(VERDICT_REDIRECTED))), fallback()),
      f.set(result, m.select(f.get(reply), f.i32(CT_REPLY), f.i32(CT_ESTABLISHED))),
      m.if(
        m.i32.eq(f.get(proto), f.i32(IPPROTO_TCP)),
        m.block(null, [
          f.set(flags, c(F_TCP_FLAGS)),
          f.set(
            entry,
            m.i32.load16_u(
              ct.tcpTable,
              2,
              m.i32.shl(
                m.i32.or(
                  m.i32.or(
                    m.i32.shl(m.i32.and(shr(f.get(meta), 8), f.i32(0x3f)), f.i32(5)),
                    m.i32.shl(
                      m.i32.or(m.i32.and(f.get(flags), f.i32(7)), m.i32.and(shr(f.get(flags), 1), f.i32(8))),
                      f.i32(1),
                    ),
                  ),
                  f.get(reply),
                ),
                f.i32(1),
              ),
            ),
          ),
          m.if(m.i32.and(f.get(entry), f.i32(T_REOPENS)), fallback()),
          m.if(
            m.i32.and(f.get(entry), f.i32(T_CLOSED)),
            m.block(null, [
              // Closed: count the packet only (table.ts count()).
              f.set(p, m.i32.add(f.get(at), m.i32.shl(f.get(reply), f.i32(2)))),
              m.i32.store(
                4 * R_PACKETS,
                4,
                f.get(p),
                m.i32.add(m.i32.load(4 * R_PACKETS, 4, f.get(p)), f.i32(1)),
              ),
              m.br(done),
            ]),
          ),
          f.set(next, m.i32.and(f.get(entry), f.i32(0x3f))),
          f.set(cls, m.i32.and(shr(f.get(entry), 6), f.i32(3))),
        ]),
        m.block(null, [f.set(next, f.i32(0)), f.set(cls, f.i32(CLASS_ANY))]),
      ),
      // table.ts update().
      f.set(old, m.i32.and(shr(f.get(meta), 14), f.i32(3))),
      m.local.set(
        expiry,
        m.f64.add(getF(now), m.f64.load(R + RG_TIMEOUTS, 8, m.i32.shl(f.get(cls), f.i32(3)))),
      ),
      m.i32.store(
        4 * R_META,
        4,
        f.get(at),
        m.i32.or(
          m.i32.or(m.i32.and(f.get(meta), f.i32(KEEP_BITS)), m.i32.shl(f.get(next), f.i32(8))),
          m.i32.or(m.i32.shl(f.get(cls), f.i32(14)), f.i32(OCCUPIED)),
        ),
      ),
      f.set(p, m.i32.add(f.get(at), m.i32.shl(f.get(reply), f.i32(2)))),
      m.i32.store(4 * R_PACKETS, 4, f.get(p), m.i32.add(m.i32.load(4 * R_PACKETS, 4, f.get(p)), f.i32(1))),
      m.f64.store(8 * F_EXPIRY, 8, f.get(at), getF(expiry)),
      m.if(
        m.f64.lt(getF(expiry), m.f64.load(R + RG_FLOOR, 8, f.i32(0))),
        m.f64.store(R + RG_FLOOR, 8, f.i32(0), getF(expiry)),
      ),
      m.if(
        m.i32.ne(f.get(old), f.get(cls)),
        m.block(null, [...unlink(old), ...append()]),
        m.if(
          m.f64.gt(
            m.f64.sub(getF(expiry), m.f64.load(8 * F_FILED, 8, f.get(at))),
            m.f64.load(R + RG_SLACK, 8, m.i32.shl(f.get(cls), f.i32(3))),
          ),
          m.if(
            m.i32.ne(tail(f.get(cls)), f.get(s)),
            m.block(null, [...unlink(cls), ...append()]),
            m.f64.store(8 * F_FILED, 8, f.get(at), getF(expiry)),
          ),
          m.if(m.f64.lt(getF(expiry), dueAt()), setDueAt(getF(expiry))),
        ),
      ),
    ]),
    // Results, as at the end of lookup().
    m.i32.store(
      4 * F_FLAGS,
      4,
      f.get(ctx),
      m.select(
        f.get(reply),
        m.i32.or(c(F_FLAGS), f.i32(PKT_REPLY)),
        m.i32.and(c(F_FLAGS), f.i32(~PKT_REPLY)),
      ),
    ),
    m.i32.store(4 * F_CT_STATE, 4, f.get(ctx), f.get(result)),
    f.set(at, m.i32.shl(f.get(result), f.i32(3))),
    m.f64.store(statsAt, 8, f.get(at), m.f64.add(m.f64.load(statsAt, 8, f.get(at)), m.f64.const(1))),
    m.i32.store(R + RG_LAST_VERDICT, 4, f.i32(0), f.get(verdict)),
    m.return(f.get(result)),
  ];
}
