/**
 * @fileoverview The packet parser in WebAssembly: runtime/packet/parse.ts's `parseGeneral` and its
 * layers generated with binaryen, plus the three batch exports the JS side (batch.ts) drives.
 *
 *     export parse(first, count, lo, flen, linkType)   parse slots' frames into their contexts
 *     export span(first, count, flen, limit) -> k      how many slots from `first` fit the frame area
 *     export times(count)                              carry packet times over NaN (see below)
 *
 * The batch's frame offsets and lengths are copied into `frameOffsets` / `frameLengths` (one per
 * slot), and the bytes `[lo, hi)` of the batch's frame buffer into the frame area (layout.ts), so a
 * frame at buffer offset `o` sits at `frameArea + o - lo`. Each slot's frame window is clipped to the
 * buffer (length `flen`) exactly as `parsePacket` clips it: base = min(offset, flen), cap =
 * min(flen, base + length). The context then holds what parse.ts writes — the same words, since the
 * generated layers follow the JS ones statement by statement, and offsets count from the packet start
 * so they do not depend on where the frame lies — plus F_DIRECTION and F_CT_STATE zeroed, as the
 * engine does before running a packet. There is no separate fast path: the JS fast path only has to
 * agree with the general path (test/packet/fast.test.ts), and in wasm the general path is already
 * cheap; binaryen inlines the layer functions.
 *
 * `span` grows a run of slots while the union of their windows stays within `limit` bytes, and
 * stores that union's lo / hi at `frameSpan`; 0 means the first slot's frame alone is larger than the
 * frame area (the JS parser handles that slot). `times` replaces each slot's time in `frameTimes` by
 * the time the engine uses for it — its own, or the previous packet's when it is NaN — starting from
 * the f64 at `frameSpan + 8`, where it also leaves the last one.
 */

import * as c from "../context.js";
import * as w from "../packet/wire.js";
import {
  REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED,
  REASON_UNKNOWN_L4_PROTOCOL,
  REASON_UNSUPPORTED_L3_PROTOCOL,
} from "../verdict.js";
import type { Binaryen, BinaryenModule, Expr } from "./binaryen.js";
import { defineHelpers, defineIPv4, defineIPv6, defineLink } from "./codegen-parse-l3.js";
import { defineL4, defineTunnels } from "./codegen-parse-l4.js";
import { CTX_BYTES } from "./layout.js";
import type { MemoryLayout } from "./layout.js";
import { ParseFn } from "./parse-emit.js";

/** Export names of the parser functions. */
export const EXPORT_PARSE = "parse";
/** Export name of the span function. */
export const EXPORT_SPAN = "span";
/** Export name of the time-carry function. */
export const EXPORT_TIMES = "times";

/** Adds the parser functions and their exports to `m`. */
export function emitParser(b: Binaryen, m: BinaryenModule, layout: MemoryLayout): void {
  const general = defineGeneral(b, m);
  defineParseExport(b, m, layout, general);
  defineSpanExport(b, m, layout);
  defineTimesExport(b, m, layout);
  m.addFunctionExport(EXPORT_PARSE, EXPORT_PARSE);
  m.addFunctionExport(EXPORT_SPAN, EXPORT_SPAN);
  m.addFunctionExport(EXPORT_TIMES, EXPORT_TIMES);
}

/** parseGeneral(ctx, base, cap, lt) of parse.ts, with the layers it calls. */
function defineGeneral(b: Binaryen, m: BinaryenModule): ParseFn {
  const h = defineHelpers(b, m);
  const { link, ethernet } = defineLink(b, m, h);
  const ipv4 = defineIPv4(b, m, h);
  const ipv6 = defineIPv6(b, m, h);
  const l4 = defineL4(b, m, h);
  const tun = defineTunnels(b, m, h, ethernet);

  const f = new ParseFn(b, m, "p_general", 4, b.none);
  const [BASE, CAP, LT] = [1, 2, 3];
  const p = f.local();
  const end = f.local();
  const depth = f.local();
  const etype = f.local();
  const q = f.local();
  const ipEnd = f.local();
  const v6 = f.local();
  const proto = f.local();
  const udpEnd = f.local();
  const port = f.local();
  const ctx = (): Expr => f.get(0);
  const fragment = (): Expr => f.neK(f.andK(f.ld(c.F_FLAGS), c.PKT_FRAGMENT), 0);
  const opaque = (): Expr => f.run(h.opaque, [ctx(), f.get(BASE), f.get(q), f.get(ipEnd), f.get(CAP)]);
  const unsupported = (reason: number): Expr => f.run(h.unsupported, [ctx(), f.i32(reason)]);
  const l4Args = (): Expr[] => [ctx(), f.get(BASE), f.get(q), f.get(ipEnd), f.get(CAP)];
  const out = f.label("out");
  const next = f.label("next");
  // resetParsedWords: words 0..39 as 20 i64 stores (records are 16-byte aligned), then 41, 43, 44.
  const reset = [
    ...Array.from({ length: 20 }, (_, k) => m.i64.store(8 * k, 8, ctx(), m.i64.const(0n))),
    f.stK(c.F_PARSE_REASON, 0),
    f.stK(c.F_LINK_TYPE, 0),
    f.stK(c.F_IP_LENGTH, 0),
  ];
  const body = m.block(null, [
    m.br(out, f.lt(f.get(p), f.i32(0))),
    f.st(c.F_L3_OFFSET, f.sub(f.get(p), f.get(BASE))),
    f.set(etype, f.ld(c.F_ETHERTYPE)),
    f.when(
      f.eqK(f.get(etype), w.ETH_P_IP),
      [f.set(q, f.call(ipv4, [ctx(), f.get(BASE), f.get(p), f.get(end), f.get(CAP)]))],
      [
        f.when(
          f.eqK(f.get(etype), w.ETH_P_IPV6),
          [f.set(q, f.call(ipv6, [ctx(), f.get(BASE), f.get(p), f.get(end), f.get(CAP)]))],
          [
            f.when(
              f.eqK(f.get(etype), w.ETH_P_ARP),
              [f.orK(c.F_FLAGS, c.PKT_ARP)],
              [unsupported(REASON_UNSUPPORTED_L3_PROTOCOL)],
            ),
            f.ret(),
          ],
        ),
      ],
    ),
    f.when(f.lt(f.get(q), f.i32(0)), [f.ret()]),
    f.set(ipEnd, f.add(f.get(p), f.ld(c.F_IP_LENGTH))),
    f.set(v6, f.eqK(f.get(etype), w.ETH_P_IPV6)),
    f.set(proto, f.ld(c.F_PROTO)),
    f.when(f.eqK(f.get(proto), w.IPPROTO_TCP), [f.run(l4.tcp, l4Args()), f.ret()]),
    f.when(f.eqK(f.get(proto), w.IPPROTO_UDP), [
      f.set(udpEnd, f.call(l4.udp, [...l4Args(), f.get(v6)])),
      f.set(port, f.ld(c.F_DST_PORT)),
      f.when(f.any(f.lt(f.get(udpEnd), f.i32(0)), fragment()), [f.ret()]),
      f.when(
        f.all(
          f.neK(f.get(port), w.VXLAN_PORT),
          f.neK(f.get(port), w.VXLAN_PORT_LINUX),
          f.neK(f.get(port), w.GENEVE_PORT),
        ),
        [f.ret()],
      ),
      f.when(f.eqK(f.get(depth), w.MAX_TUNNEL_DEPTH), [
        unsupported(REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED),
        f.ret(),
      ]),
      f.when(
        f.eqK(f.get(port), w.GENEVE_PORT),
        [f.set(p, f.call(tun.geneve, [ctx(), f.addK(q, w.UDP_HLEN), f.get(udpEnd), f.get(CAP)]))],
        [f.set(p, f.call(tun.vxlan, [ctx(), f.addK(q, w.UDP_HLEN), f.get(udpEnd), f.get(CAP)]))],
      ),
      f.set(end, f.get(udpEnd)),
      m.br(next),
    ]),
    f.when(f.eqK(f.get(proto), w.IPPROTO_SCTP), [f.run(l4.sctp, l4Args()), f.ret()]),
    // ICMP in IPv4 and ICMPv6 in IPv6 only; the other pairing is an unknown protocol.
    f.when(
      f.any(
        f.all(f.eqK(f.get(proto), w.IPPROTO_ICMP), m.i32.eqz(f.get(v6))),
        f.all(f.eqK(f.get(proto), w.IPPROTO_ICMPV6), f.get(v6)),
      ),
      [f.run(l4.icmp, [...l4Args(), f.get(v6)]), f.ret()],
    ),
    f.when(f.any(f.eqK(f.get(proto), w.IPPROTO_IPIP), f.eqK(f.get(proto), w.IPPROTO_IPV6)), [
      f.when(fragment(), [opaque(), f.ret()]),
      f.when(f.eqK(f.get(depth), w.MAX_TUNNEL_DEPTH), [
        opaque(),
        unsupported(REASON_ENCAPSULATION_TRAFFIC_IS_PROHIBITED),
        f.ret(),
      ]),
      f.when(
        f.eqK(f.get(proto), w.IPPROTO_IPIP),
        [f.run(tun.enter, [ctx(), f.i32(c.TUN_IPIP), f.i32(0)]), f.stK(c.F_ETHERTYPE, w.ETH_P_IP)],
        [f.run(tun.enter, [ctx(), f.i32(c.TUN_IP6IP6), f.i32(0)]), f.stK(c.F_ETHERTYPE, w.ETH_P_IPV6)],
      ),
      f.set(p, f.get(q)),
      f.set(end, f.get(ipEnd)),
      m.br(next),
    ]),
    opaque(),
    unsupported(REASON_UNKNOWN_L4_PROTOCOL),
    f.ret(),
  ]);
  const again = f.label("again");
  f.define([
    ...reset,
    f.st(c.F_FRAME_LENGTH, f.sub(f.get(CAP), f.get(BASE))),
    f.st(c.F_LINK_TYPE, f.get(LT)),
    f.set(p, f.call(link, [ctx(), f.get(BASE), f.get(CAP), f.get(LT)])),
    f.set(end, f.addK(CAP, w.UNBOUNDED)),
    m.block(out, [
      m.loop(again, m.block(null, [m.block(next, [body]), f.set(depth, f.addK(depth, 1)), m.br(again)])),
    ]),
  ]);
  return f;
}

/**
 * Sets locals `base` / `cap` to slot `s`'s frame window in buffer coordinates: offset and length from
 * the slot arrays, clipped to `flen` as parsePacket clips them (unsigned: offsets are u32).
 */
function windowOf(
  f: ParseFn,
  layout: MemoryLayout,
  s: number,
  flen: number,
  base: number,
  cap: number,
): Expr[] {
  const m = f.m;
  const len = f.local();
  return [
    f.set(base, f.word(layout.frameOffsets, s)),
    f.set(len, f.word(layout.frameLengths, s)),
    f.set(base, m.select(m.i32.lt_u(f.get(base), f.get(flen)), f.get(base), f.get(flen))),
    f.set(
      cap,
      m.select(
        m.i32.gt_u(f.get(len), f.sub(f.get(flen), f.get(base))),
        f.get(flen),
        f.add(f.get(base), f.get(len)),
      ),
    ),
  ];
}

/** parse(first, count, lo, flen, lt): every slot's context from its frame in the frame area. */
function defineParseExport(b: Binaryen, m: BinaryenModule, layout: MemoryLayout, general: ParseFn): void {
  const f = new ParseFn(b, m, EXPORT_PARSE, 5, b.none);
  const [FIRST, COUNT, LO, FLEN, LT] = [0, 1, 2, 3, 4];
  const s = f.local();
  const stop = f.local();
  const ctx = f.local();
  const base = f.local();
  const cap = f.local();
  const shift = f.local();
  const slot = [
    f.set(ctx, f.add(f.i32(layout.contexts), m.i32.mul(f.get(s), f.i32(CTX_BYTES)))),
    ...windowOf(f, layout, s, FLEN, base, cap),
    f.run(general, [
      f.get(ctx),
      f.add(f.get(base), f.get(shift)),
      f.add(f.get(cap), f.get(shift)),
      f.get(LT),
    ]),
    m.i32.store(4 * c.F_DIRECTION, 4, f.get(ctx), f.i32(0)),
    m.i32.store(4 * c.F_CT_STATE, 4, f.get(ctx), f.i32(0)),
    f.set(s, f.addK(s, 1)),
  ];
  f.define([
    f.set(s, f.get(FIRST)),
    f.set(stop, f.add(f.get(FIRST), f.get(COUNT))),
    // Buffer offset o is at frameArea + o - lo.
    f.set(shift, f.sub(f.i32(layout.frameArea), f.get(LO))),
    f.whileLoop(m.i32.lt_u(f.get(s), f.get(stop)), slot),
  ]);
}

/** span(first, count, flen, limit) -> k; lo / hi of the k windows at frameSpan. */
function defineSpanExport(b: Binaryen, m: BinaryenModule, layout: MemoryLayout): void {
  const f = new ParseFn(b, m, EXPORT_SPAN, 4, b.i32);
  const [FIRST, COUNT, FLEN, LIMIT] = [0, 1, 2, 3];
  const s = f.local();
  const stop = f.local();
  const base = f.local();
  const cap = f.local();
  const lo = f.local();
  const hi = f.local();
  const nlo = f.local();
  const nhi = f.local();
  const k = f.local();
  const out = f.label("full");
  const first = (): Expr => m.i32.eqz(f.get(k));
  const body = [
    ...windowOf(f, layout, s, FLEN, base, cap),
    f.set(nlo, m.select(f.any(first(), m.i32.lt_u(f.get(base), f.get(lo))), f.get(base), f.get(lo))),
    f.set(nhi, m.select(f.any(first(), m.i32.gt_u(f.get(cap), f.get(hi))), f.get(cap), f.get(hi))),
    m.br(out, m.i32.gt_u(f.sub(f.get(nhi), f.get(nlo)), f.get(LIMIT))),
    f.set(lo, f.get(nlo)),
    f.set(hi, f.get(nhi)),
    f.set(k, f.addK(k, 1)),
    f.set(s, f.addK(s, 1)),
  ];
  f.define([
    f.set(s, f.get(FIRST)),
    f.set(stop, f.add(f.get(FIRST), f.get(COUNT))),
    m.block(out, [f.whileLoop(m.i32.lt_u(f.get(s), f.get(stop)), body)]),
    m.i32.store(layout.frameSpan, 4, f.i32(0), f.get(lo)),
    m.i32.store(layout.frameSpan + 4, 4, f.i32(0), f.get(hi)),
    f.ret(f.get(k)),
  ]);
}

/** times(count): frameTimes[s] = its time, or the one before when NaN; the last at frameSpan + 8. */
function defineTimesExport(b: Binaryen, m: BinaryenModule, layout: MemoryLayout): void {
  const f = new ParseFn(b, m, EXPORT_TIMES, 1, b.none);
  const s = f.local();
  const at = f.local();
  const t = f.local(b.f64);
  const ns = f.local(b.f64);
  const getF = (i: number): Expr => m.local.get(i, b.f64);
  f.define([
    f.set(ns, m.f64.load(layout.frameSpan + 8, 8, f.i32(0))),
    f.whileLoop(m.i32.lt_u(f.get(s), f.get(0)), [
      f.set(at, m.i32.shl(f.get(s), f.i32(3))),
      f.set(t, m.f64.load(layout.frameTimes, 8, f.get(at))),
      f.set(ns, m.select(m.f64.eq(getF(t), getF(t)), getF(t), getF(ns))),
      m.f64.store(layout.frameTimes, 8, f.get(at), getF(ns)),
      f.set(s, f.addK(s, 1)),
    ]),
    m.f64.store(layout.frameSpan + 8, 8, f.i32(0), getF(ns)),
  ]);
}
