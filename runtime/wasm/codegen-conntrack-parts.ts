/**
 * @fileoverview Pieces of the wasm conntrack fast path (codegen-conntrack.ts) that mirror a JS function
 * one to one: the tuple hash of tuple.ts hashTuple, and the TCP transition table generated from tcp.ts.
 */

import { tcpAdvance, tcpClass, tcpClosed, tcpReopens } from "../conntrack/tcp.js";
import { F_DST_IP6, F_SRC_IP6 } from "../context.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import { TCP_TABLE_ENTRIES } from "./layout.js";

/** Transition table entry bits above the next state (6 bits) and class (2 bits). */
export const T_CLOSED = 1 << 8;
/** The packet reopens the connection (tcpReopens). */
export const T_REOPENS = 1 << 9;

/**
 * The TCP transition table: at (state << 5) | (fin | syn << 1 | rst << 2 | ack << 3) << 1 | reply,
 * tcpAdvance's next state | tcpClass(next) << 6 | T_CLOSED if tcpClosed(state) | T_REOPENS if
 * tcpReopens(state, flags). Only those four flags matter to tcp.ts.
 */
export function tcpTransitionTable(): Uint16Array {
  const table = new Uint16Array(TCP_TABLE_ENTRIES);
  for (let state = 0; state < 64; state++) {
    for (let f4 = 0; f4 < 16; f4++) {
      const flags = (f4 & 7) | ((f4 & 8) << 1); // FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10
      for (let reply = 0; reply < 2; reply++) {
        const next = tcpAdvance(state, flags, reply === 1);
        table[(state << 5) | (f4 << 1) | reply] =
          next |
          (tcpClass(next) << 6) |
          (tcpClosed(state) ? T_CLOSED : 0) |
          (tcpReopens(state, flags) ? T_REOPENS : 0);
      }
    }
  }
  return table;
}

/**
 * Statements computing tuple.ts hashTuple of the context at local `ctx` (addresses F_SRC_IP6..,
 * ports word in local `ports`, protocol in local `proto`) into local `h`, using local `a` as scratch.
 * Math.imul is i32.mul and `>>>` is shr_u; JS's sums of i32 products, taken mod 2^32 by `| 0` or `^`,
 * are i32.add's wrapping sums.
 */
export function emitTupleHash(
  f: FunctionBuilder,
  ctx: number,
  ports: number,
  proto: number,
  a: number,
  h: number,
): Expr[] {
  const { m } = f;
  const c = (w: number): Expr => f.ctx(ctx, w);
  const shr = (e: Expr, n: number): Expr => m.i32.shr_u(e, f.i32(n));
  const xorShr = (local: number, n: number): Expr =>
    f.set(local, m.i32.xor(f.get(local), shr(f.get(local), n)));
  const mul = (local: number, k: number): Expr => f.set(local, m.i32.mul(f.get(local), f.i32(k)));
  // tuple.ts hashEndpoint of ctx words w..w+3 and `port`, into `out`.
  const endpoint = (out: number, w: number, port: Expr): Expr[] => [
    f.set(
      out,
      m.i32.add(
        m.i32.add(
          m.i32.add(m.i32.mul(c(w), f.i32(0x9e3779b1)), m.i32.mul(c(w + 1), f.i32(0x85ebca77))),
          m.i32.add(m.i32.mul(c(w + 2), f.i32(0xc2b2ae3d)), m.i32.mul(c(w + 3), f.i32(0x27d4eb2f))),
        ),
        m.i32.mul(port, f.i32(0x165667b1)),
      ),
    ),
    xorShr(out, 15),
    mul(out, 0x2c1b3c6d),
    xorShr(out, 12),
    mul(out, 0x297a2d39),
    xorShr(out, 15),
  ];
  return [
    ...endpoint(a, F_SRC_IP6, shr(f.get(ports), 16)),
    ...endpoint(h, F_DST_IP6, m.i32.and(f.get(ports), f.i32(0xffff))),
    // h = (a + b) ^ imul(proto, 0x9e3779b1), then fmix32.
    f.set(h, m.i32.xor(m.i32.add(f.get(a), f.get(h)), m.i32.mul(f.get(proto), f.i32(0x9e3779b1)))),
    xorShr(h, 16),
    mul(h, 0x85ebca6b),
    xorShr(h, 13),
    mul(h, 0xc2b2ae35),
    xorShr(h, 16),
  ];
}
