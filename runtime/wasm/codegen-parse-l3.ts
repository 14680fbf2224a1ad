/**
 * @fileoverview The wasm parser's verdict helpers and its link and network layers, one wasm function
 * per function of runtime/packet/wire.ts, link.ts, ipv4.ts and ipv6.ts, with the same parameters
 * (context address first, then absolute addresses) and the same results (-1 = no further header).
 * Each body follows its JS original statement by statement; read those for the protocol reasons.
 */

import * as c from "../context.js";
import * as w from "../packet/wire.js";
import { REASON_INVALID_PACKET_DROPPED, REASON_UNSUPPORTED_L3_PROTOCOL } from "../verdict.js";
import type { Binaryen, BinaryenModule } from "./binaryen.js";
import { ParseFn } from "./parse-emit.js";

/** The shared helpers: malformed, unsupported, fits, setOpaquePayload. */
export interface ParseHelpers {
  /** malformed(ctx, reason, truncated). */
  readonly malformed: ParseFn;
  /** unsupported(ctx, reason). */
  readonly unsupported: ParseFn;
  /** fits(ctx, need, end, cap, reason) -> 0/1, recording the reason when 0 (need = p + n). */
  readonly fits: ParseFn;
  /** setOpaquePayload(ctx, base, q, dataEnd, cap). */
  readonly opaque: ParseFn;
}

/** Defines the helpers of wire.ts and l4.ts's setOpaquePayload. */
export function defineHelpers(b: Binaryen, m: BinaryenModule): ParseHelpers {
  const i32 = b.i32;
  const mal = new ParseFn(b, m, "p_malformed", 3, b.none);
  mal.define([
    mal.st(c.F_PARSE_REASON, mal.get(1)),
    mal.st(
      c.F_FLAGS,
      m.i32.or(
        mal.ld(c.F_FLAGS),
        m.select(mal.get(2), mal.i32(c.PKT_MALFORMED | c.PKT_TRUNCATED), mal.i32(c.PKT_MALFORMED)),
      ),
    ),
  ]);
  const uns = new ParseFn(b, m, "p_unsupported", 2, b.none);
  uns.define([uns.st(c.F_PARSE_REASON, uns.get(1)), uns.orK(c.F_FLAGS, c.PKT_UNSUPPORTED)]);
  // fits(ctx=0, need=1, end=2, cap=3, reason=4)
  const fits = new ParseFn(b, m, "p_fits", 5, i32);
  fits.define([
    fits.when(fits.all(fits.le(fits.get(1), fits.get(2)), fits.le(fits.get(1), fits.get(3))), [
      fits.ret(fits.i32(1)),
    ]),
    fits.run(mal, [fits.get(0), fits.get(4), fits.le(fits.get(1), fits.get(2))]),
    fits.ret(fits.i32(0)),
  ]);
  // setOpaquePayload(ctx=0, base=1, q=2, dataEnd=3, cap=4)
  const op = new ParseFn(b, m, "p_opaque", 5, b.none);
  const last = op.local();
  op.define([
    op.set(last, op.min(3, 4)),
    op.st(c.F_PAYLOAD_OFFSET, op.sub(op.get(2), op.get(1))),
    op.st(
      c.F_PAYLOAD_LENGTH,
      m.select(op.gt(op.get(last), op.get(2)), op.sub(op.get(last), op.get(2)), op.i32(0)),
    ),
  ]);
  return { malformed: mal, unsupported: uns, fits, opaque: op };
}

/**
 * `if (!fits(ctx, p + n, end, cap, reason)) return -1` inside `f` (a bare return when `f` has no
 * result), with p, end, cap locals.
 */
export function requireFits(
  f: ParseFn,
  h: ParseHelpers,
  p: number,
  n: number,
  end: number,
  cap: number,
  reason: number,
): ReturnType<ParseFn["when"]> {
  return f.when(
    f.m.i32.eqz(f.call(h.fits, [f.get(0), f.addK(p, n), f.get(end), f.get(cap), f.i32(reason)])),
    [f.result === f.b.none ? f.ret() : f.fail()],
  );
}

/** The link layer: parseLinkHeader(ctx, base, cap, lt) and parseEthernet(ctx, p, end, cap, outer). */
export function defineLink(
  b: Binaryen,
  m: BinaryenModule,
  h: ParseHelpers,
): { link: ParseFn; ethernet: ParseFn } {
  const i32 = b.i32;
  const BAD = REASON_INVALID_PACKET_DROPPED;
  // parseTags(ctx=0, p=1, etype=2, end=3, cap=4, outer=5)
  const tags = new ParseFn(b, m, "p_tags", 6, i32);
  const n = tags.local();
  const isTag = tags.any(
    tags.eqK(tags.get(2), w.ETH_P_8021Q),
    tags.eqK(tags.get(2), w.ETH_P_8021AD),
    tags.eqK(tags.get(2), w.ETH_P_QINQ1),
  );
  tags.define([
    tags.whileLoop(tags.all(isTag, tags.lt(tags.get(n), tags.i32(w.MAX_VLAN_TAGS))), [
      requireFits(tags, h, 1, w.VLAN_HLEN, 3, 4, BAD),
      tags.when(tags.get(5), [
        tags.when(
          tags.m.i32.eqz(tags.get(n)),
          [tags.st(c.F_VLAN_OUTER, tags.andK(tags.be16(1), 0x0fff))],
          [tags.st(c.F_VLAN_INNER, tags.andK(tags.be16(1), 0x0fff))],
        ),
        tags.orK(c.F_FLAGS, c.PKT_VLAN),
      ]),
      tags.set(2, tags.be16(1, 2)),
      tags.set(1, tags.addK(1, w.VLAN_HLEN)),
      tags.set(n, tags.addK(n, 1)),
    ]),
    tags.st(c.F_ETHERTYPE, tags.get(2)),
    tags.ret(tags.get(1)),
  ]);

  // parseEthernet(ctx=0, p=1, end=2, cap=3, outer=4)
  const eth = new ParseFn(b, m, "p_ethernet", 5, i32);
  eth.define([
    requireFits(eth, h, 1, w.ETH_HLEN, 2, 3, BAD),
    eth.ret(
      eth.call(tags, [
        eth.get(0),
        eth.addK(1, w.ETH_HLEN),
        eth.be16(1, 12),
        eth.get(2),
        eth.get(3),
        eth.get(4),
      ]),
    ),
  ]);

  // parseLinkHeader(ctx=0, base=1, cap=2, lt=3)
  const link = new ParseFn(b, m, "p_link", 4, i32);
  const end = link.local();
  const version = link.local();
  const cooked = (hlen: number, typeAt: number): ReturnType<ParseFn["ret"]>[] => [
    requireFits(link, h, 1, hlen, end, 2, BAD),
    link.ret(
      link.call(tags, [
        link.get(0),
        link.addK(1, hlen),
        link.be16(1, typeAt),
        link.get(end),
        link.get(2),
        link.i32(1),
      ]),
    ),
  ];
  const lt = (k: number): ReturnType<ParseFn["eqK"]> => link.eqK(link.get(3), k);
  link.define([
    link.set(end, link.addK(2, w.UNBOUNDED)),
    link.when(lt(w.LINKTYPE_ETHERNET), [
      link.ret(link.call(eth, [link.get(0), link.get(1), link.get(end), link.get(2), link.i32(1)])),
    ]),
    link.when(lt(w.LINKTYPE_RAW), [
      // parseRawIp
      link.when(link.m.i32.ge_s(link.get(1), link.get(2)), [
        link.run(h.malformed, [link.get(0), link.i32(BAD), link.i32(1)]),
        link.fail(),
      ]),
      link.set(version, link.m.i32.shr_u(link.u8(1), link.i32(4))),
      link.when(link.eqK(link.get(version), 4), [link.stK(c.F_ETHERTYPE, w.ETH_P_IP), link.ret(link.get(1))]),
      link.when(link.eqK(link.get(version), 6), [
        link.stK(c.F_ETHERTYPE, w.ETH_P_IPV6),
        link.ret(link.get(1)),
      ]),
      link.run(h.unsupported, [link.get(0), link.i32(REASON_UNSUPPORTED_L3_PROTOCOL)]),
      link.fail(),
    ]),
    link.when(lt(w.LINKTYPE_LINUX_SLL), cooked(w.SLL_HLEN, 14)),
    link.when(lt(w.LINKTYPE_LINUX_SLL2), cooked(w.SLL2_HLEN, 0)),
    link.run(h.unsupported, [link.get(0), link.i32(REASON_UNSUPPORTED_L3_PROTOCOL)]),
    link.fail(),
  ]);
  return { link, ethernet: eth };
}

/** parseIPv4(ctx, base, p, end, cap) -> q or -1 (ipv4.ts). */
export function defineIPv4(b: Binaryen, m: BinaryenModule, h: ParseHelpers): ParseFn {
  const f = new ParseFn(b, m, "p_ipv4", 5, b.i32);
  const [BASE, P, END, CAP] = [1, 2, 3, 4];
  const vihl = f.local();
  const hlen = f.local();
  const total = f.local();
  const flags = f.local();
  const src = f.local();
  const dst = f.local();
  const q = f.local();
  const frag = f.local();
  const offset = f.local();
  const BAD = REASON_INVALID_PACKET_DROPPED;
  const IP_MF = 0x2000;
  const IP_OFFSET_MASK = 0x1fff;
  const pTotal = (): ReturnType<ParseFn["add"]> => f.add(f.get(P), f.get(total));
  f.define([
    requireFits(f, h, P, w.IPV4_MIN_HLEN, END, CAP, BAD),
    f.set(vihl, f.u8(P)),
    f.set(hlen, m.i32.shl(f.andK(f.get(vihl), 0x0f), f.i32(2))),
    f.set(total, f.be16(P, 2)),
    f.when(
      f.any(
        f.neK(m.i32.shr_u(f.get(vihl), f.i32(4)), 4),
        f.lt(f.get(hlen), f.i32(w.IPV4_MIN_HLEN)),
        f.lt(f.get(total), f.get(hlen)),
        f.gt(pTotal(), f.get(END)),
      ),
      [f.run(h.malformed, [f.get(0), f.i32(BAD), f.i32(0)]), f.fail()],
    ),
    f.when(f.gt(f.add(f.get(P), f.get(hlen)), f.get(CAP)), [
      f.run(h.malformed, [f.get(0), f.i32(BAD), f.i32(1)]),
      f.fail(),
    ]),
    f.set(flags, m.i32.or(f.ld(c.F_FLAGS), f.i32(c.PKT_IPV4))),
    f.when(f.gt(f.get(hlen), f.i32(w.IPV4_MIN_HLEN)), [
      f.set(flags, m.i32.or(f.get(flags), f.i32(c.PKT_IP_OPTIONS))),
    ]),
    f.when(f.gt(pTotal(), f.get(CAP)), [f.set(flags, m.i32.or(f.get(flags), f.i32(c.PKT_TRUNCATED)))]),
    f.set(src, f.be32(P, 12)),
    f.set(dst, f.be32(P, 16)),
    f.stK(c.F_IP_VERSION, 4),
    f.st(c.F_IP_LENGTH, f.get(total)),
    f.st(c.F_TTL, f.u8(P, 8)),
    f.st(c.F_PROTO, f.u8(P, 9)),
    f.st(c.F_SRC_IP4, f.get(src)),
    f.st(c.F_DST_IP4, f.get(dst)),
    f.stK(c.F_SRC_IP6 + 2, 0xffff),
    f.st(c.F_SRC_IP6 + 3, f.get(src)),
    f.stK(c.F_DST_IP6 + 2, 0xffff),
    f.st(c.F_DST_IP6 + 3, f.get(dst)),
    f.set(q, f.add(f.get(P), f.get(hlen))),
    f.st(c.F_L4_OFFSET, f.sub(f.get(q), f.get(BASE))),
    f.set(frag, f.be16(P, 6)),
    f.when(f.neK(f.andK(f.get(frag), IP_MF | IP_OFFSET_MASK), 0), [
      f.set(offset, m.i32.shl(f.andK(f.get(frag), IP_OFFSET_MASK), f.i32(3))),
      f.st(c.F_FRAG_ID, f.be16(P, 4)),
      f.st(c.F_FRAG_OFFSET, f.get(offset)),
      f.when(f.neK(f.get(offset), 0), [
        f.st(c.F_FLAGS, m.i32.or(f.get(flags), f.i32(c.PKT_FRAGMENT | c.PKT_NONFIRST_FRAGMENT))),
        f.run(h.opaque, [f.get(0), f.get(BASE), f.get(q), pTotal(), f.get(CAP)]),
        f.fail(),
      ]),
      f.set(flags, m.i32.or(f.get(flags), f.i32(c.PKT_FRAGMENT))),
    ]),
    f.st(c.F_FLAGS, f.get(flags)),
    f.ret(f.get(q)),
  ]);
  return f;
}

/** parseIPv6(ctx, base, p, end, cap) -> q or -1 (ipv6.ts), extension headers included. */
export function defineIPv6(b: Binaryen, m: BinaryenModule, h: ParseHelpers): ParseFn {
  const f = new ParseFn(b, m, "p_ipv6", 5, b.i32);
  const [BASE, P, END, CAP] = [1, 2, 3, 4];
  const plen = f.local();
  const nh = f.local();
  const ipEnd = f.local();
  const q = f.local();
  const count = f.local();
  const next = f.local();
  const hl = f.local();
  const word = f.local();
  const offset = f.local();
  const BAD = REASON_INVALID_PACKET_DROPPED;
  const EXT = w.IPV6_EXT_MIN_LEN;
  const isExt = f.any(
    f.eqK(f.get(nh), w.IPPROTO_HOPOPTS),
    f.eqK(f.get(nh), w.IPPROTO_ROUTING),
    f.eqK(f.get(nh), w.IPPROTO_DSTOPTS),
    f.eqK(f.get(nh), w.IPPROTO_FRAGMENT),
    f.eqK(f.get(nh), w.IPPROTO_AH),
  );
  const addrs = [0, 1, 2, 3].flatMap((k) => [
    f.st(c.F_SRC_IP6 + k, f.be32(P, 8 + 4 * k)),
    f.st(c.F_DST_IP6 + k, f.be32(P, 24 + 4 * k)),
  ]);
  f.define([
    requireFits(f, h, P, w.IPV6_HLEN, END, CAP, BAD),
    f.set(plen, f.be16(P, 4)),
    f.set(nh, f.u8(P, 6)),
    f.set(
      ipEnd,
      m.select(
        f.all(f.eqK(f.get(plen), 0), f.eqK(f.get(nh), w.IPPROTO_HOPOPTS)),
        f.min(END, CAP),
        f.add(f.addK(P, w.IPV6_HLEN), f.get(plen)),
      ),
    ),
    f.when(f.any(f.neK(m.i32.shr_u(f.u8(P), f.i32(4)), 6), f.gt(f.get(ipEnd), f.get(END))), [
      f.run(h.malformed, [f.get(0), f.i32(BAD), f.i32(0)]),
      f.fail(),
    ]),
    f.st(
      c.F_FLAGS,
      m.i32.or(
        m.i32.or(f.ld(c.F_FLAGS), f.i32(c.PKT_IPV6)),
        m.select(f.gt(f.get(ipEnd), f.get(CAP)), f.i32(c.PKT_TRUNCATED), f.i32(0)),
      ),
    ),
    f.stK(c.F_IP_VERSION, 6),
    f.st(c.F_IP_LENGTH, f.sub(f.get(ipEnd), f.get(P))),
    f.st(c.F_TTL, f.u8(P, 7)),
    ...addrs,
    f.set(q, f.addK(P, w.IPV6_HLEN)),
    f.whileLoop(isExt, [
      f.when(
        f.any(
          f.eqK(f.get(count), w.MAX_IPV6_EXT_HEADERS),
          f.all(f.eqK(f.get(nh), w.IPPROTO_HOPOPTS), f.neK(f.get(count), 0)),
        ),
        [f.run(h.malformed, [f.get(0), f.i32(BAD), f.i32(0)]), f.fail()],
      ),
      f.orK(c.F_FLAGS, c.PKT_IP_OPTIONS),
      requireFits(f, h, q, EXT, ipEnd, CAP, BAD),
      f.set(next, f.u8(q)),
      f.when(
        f.eqK(f.get(nh), w.IPPROTO_FRAGMENT),
        [
          f.set(word, f.be16(q, 2)),
          f.set(offset, f.andK(f.get(word), 0xfff8)),
          f.when(f.any(f.neK(f.get(offset), 0), f.neK(f.andK(f.get(word), 0x0001), 0)), [
            f.st(c.F_FRAG_ID, f.be32(q, 4)),
            f.st(c.F_FRAG_OFFSET, f.get(offset)),
            f.orK(c.F_FLAGS, c.PKT_FRAGMENT),
            f.when(f.neK(f.get(offset), 0), [
              f.orK(c.F_FLAGS, c.PKT_NONFIRST_FRAGMENT),
              f.st(c.F_PROTO, f.get(next)),
              f.st(c.F_L4_OFFSET, f.sub(f.addK(q, EXT), f.get(BASE))),
              f.run(h.opaque, [f.get(0), f.get(BASE), f.addK(q, EXT), f.get(ipEnd), f.get(CAP)]),
              f.fail(),
            ]),
          ]),
          f.set(hl, f.i32(EXT)),
        ],
        [
          // AH counts 4-byte units minus 2 (RFC 4302 §2.2); the others 8-byte units after the first 8.
          f.set(
            hl,
            m.select(
              f.eqK(f.get(nh), w.IPPROTO_AH),
              m.i32.shl(f.add(f.u8(q, 1), f.i32(2)), f.i32(2)),
              m.i32.shl(f.add(f.u8(q, 1), f.i32(1)), f.i32(3)),
            ),
          ),
        ],
      ),
      f.when(
        m.i32.eqz(
          f.call(h.fits, [f.get(0), f.add(f.get(q), f.get(hl)), f.get(ipEnd), f.get(CAP), f.i32(BAD)]),
        ),
        [f.fail()],
      ),
      f.set(q, f.add(f.get(q), f.get(hl))),
      f.set(nh, f.get(next)),
      f.set(count, f.addK(count, 1)),
    ]),
    f.st(c.F_PROTO, f.get(nh)),
    f.st(c.F_L4_OFFSET, f.sub(f.get(q), f.get(BASE))),
    f.ret(f.get(q)),
  ]);
  return f;
}
