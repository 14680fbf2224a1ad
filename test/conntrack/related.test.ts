import { describe, expect, it } from "vitest";

import {
  CT_NEW,
  CT_RELATED,
  F_FLAGS,
  F_L4_OFFSET,
  F_PAYLOAD_LENGTH,
  F_PAYLOAD_OFFSET,
  PKT_REPLY,
} from "../../runtime/context.js";
import { Conntrack } from "../../runtime/conntrack/index.js";
import { icmp, icmpEcho, icmpError, tcp, udp } from "./packets.js";
import type { TestPacket } from "./packets.js";

const S = 1e9;
const T0 = 1000 * S;

function track(ct: Conntrack, p: TestPacket, now = T0): void {
  expect(ct.lookup(p.ctx, p.frame, now)).toBe(CT_NEW);
  expect(ct.create(p.ctx, now)).toBe(0);
}

const v4 = { cli: "10.0.0.1", srv: "10.0.0.2", router: "192.0.2.1", errors: [3, 4, 5, 11, 12], echo: 8 };
const v6 = { cli: "fd00::1", srv: "fd00::2", router: "2001:db8::1", errors: [1, 2, 3, 4], echo: 128 };

describe.each([
  { name: "IPv4", ...v4, ep: (ip: string, port: number) => `${ip}:${port}` },
  { name: "IPv6", ...v6, ep: (ip: string, port: number) => `[${ip}]:${port}` },
])("ICMP errors ($name)", ({ cli, srv, router, errors, echo, ep }) => {
  const request = (): TestPacket => udp(ep(cli, 40000), ep(srv, 53));
  const response = (): TestPacket => udp(ep(srv, 53), ep(cli, 40000));

  it.each(errors)("type %i quoting a forward packet is RELATED and travels as a reply", (type) => {
    const ct = new Conntrack();
    track(ct, request());
    const err = icmpError(router, cli, type, 0, request());
    expect(ct.lookup(err.ctx, err.frame, T0 + S)).toBe(CT_RELATED);
    expect(err.ctx[F_FLAGS]! & PKT_REPLY).toBe(PKT_REPLY);
    expect(ct.create(err.ctx, T0 + S)).toBe(0); // errors are never committed
    expect(ct.size).toBe(1);
    expect(ct.counters.lookups.related).toBe(1);
  });

  it("an error quoting a reply-direction packet is RELATED without PKT_REPLY", () => {
    const ct = new Conntrack();
    track(ct, request());
    const err = icmpError(cli, srv, errors[0]!, 3, response());
    err.ctx[F_FLAGS]! |= PKT_REPLY;
    expect(ct.lookup(err.ctx, err.frame, T0 + S)).toBe(CT_RELATED);
    expect(err.ctx[F_FLAGS]! & PKT_REPLY).toBe(0);
  });

  it("quoting TCP and ICMP echo works; the whole quoted segment may be present", () => {
    const ct = new Conntrack();
    const syn = tcp(ep(cli, 31245), ep(srv, 443), "S");
    track(ct, syn);
    track(ct, icmpEcho(cli, srv, 99));
    const e1 = icmpError(router, cli, errors[0]!, 0, syn, 20);
    expect(ct.lookup(e1.ctx, e1.frame, T0)).toBe(CT_RELATED);
    const e2 = icmpError(router, cli, errors[errors.length - 1]!, 0, icmpEcho(cli, srv, 99));
    expect(ct.lookup(e2.ctx, e2.frame, T0)).toBe(CT_RELATED);
    const e3 = icmpError(router, cli, errors[0]!, 0, icmpEcho(cli, srv, 98));
    expect(ct.lookup(e3.ctx, e3.frame, T0)).toBe(CT_NEW);
  });

  it("an error about an untracked or expired connection is NEW", () => {
    const ct = new Conntrack();
    const other = udp(ep(cli, 40001), ep(srv, 53));
    const e1 = icmpError(router, cli, errors[0]!, 0, other);
    expect(ct.lookup(e1.ctx, e1.frame, T0)).toBe(CT_NEW);
    track(ct, request());
    const e2 = icmpError(router, cli, errors[0]!, 0, request());
    expect(ct.lookup(e2.ctx, e2.frame, T0 + 60 * S + 1)).toBe(CT_NEW);
    expect(ct.counters.expired).toBe(1);
  });

  it("RELATED does not refresh the connection", () => {
    const ct = new Conntrack();
    track(ct, request());
    const err = icmpError(router, cli, errors[0]!, 0, request());
    expect(ct.lookup(err.ctx, err.frame, T0 + 50 * S)).toBe(CT_RELATED);
    expect(ct.snapshot()[0]!.expiresNs).toBe(T0 + 60 * S);
    expect(ct.snapshot()[0]!.packetsOriginal).toBe(1);
  });

  it("malformed quotes are NEW, never an exception", () => {
    const ct = new Conntrack();
    track(ct, request());
    const good = icmpError(router, cli, errors[0]!, 0, request());
    const at = good.ctx[F_PAYLOAD_OFFSET]!;
    const variants: ((p: TestPacket) => void)[] = [
      (p) => (p.ctx[F_PAYLOAD_LENGTH] = 10), // too short for an IP header
      (p) => (p.ctx[F_PAYLOAD_LENGTH] = p.ctx[F_PAYLOAD_LENGTH]! - 6), // ports cut off
      (p) => (p.frame[at] = 0x55), // wrong IP version
      (p) => (p.ctx[F_PAYLOAD_OFFSET] = p.frame.length + 100), // offset outside the frame
      (p) => (p.ctx[F_PAYLOAD_OFFSET] = 0xffffffff),
    ];
    if (cli.includes(":")) {
      variants.push((p) => (p.frame[at + 6] = 0)); // hop-by-hop header claiming to run past the end
    } else {
      variants.push((p) => (p.frame[at] = 0x44)); // IHL 4 < 5
      variants.push((p) => (p.frame[at + 7] = 1)); // quoted packet is a non-first fragment
      variants.push((p) => (p.frame[at] = 0x4f)); // IHL 15: ports beyond the quote
    }
    for (const [i, mutate] of variants.entries()) {
      const p = { ctx: good.ctx.slice(), frame: good.frame.slice() };
      mutate(p);
      expect(ct.lookup(p.ctx, p.frame, T0), `variant ${i}`).toBe(CT_NEW);
    }
    expect(ct.lookup(good.ctx, good.frame, T0)).toBe(CT_RELATED);
    good.ctx[F_PAYLOAD_LENGTH] = 0xffffffff; // an overlong length is bounded by the frame
    expect(ct.lookup(good.ctx, good.frame, T0)).toBe(CT_RELATED);
  });

  it("reads the quote relative to frameBase and never past the packet", () => {
    const ct = new Conntrack();
    track(ct, request());
    const err = icmpError(router, cli, errors[0]!, 0, request());
    const buffer = new Uint8Array(100 + err.frame.length + 100).fill(0xee);
    buffer.set(err.frame, 100);
    expect(ct.lookup(err.ctx, buffer, T0, 100)).toBe(CT_RELATED);
    expect(ct.lookup(err.ctx, buffer, T0, 0)).toBe(CT_NEW);
    // A quote cut short by the packet's end is not completed from the bytes after it.
    const short = icmpError(router, cli, errors[0]!, 0, request(), 2);
    const buf2 = new Uint8Array(short.frame.length + 64);
    buf2.set(short.frame);
    buf2.set(request().frame.subarray(request().ctx[F_L4_OFFSET]), short.frame.length - 2);
    short.ctx[F_PAYLOAD_LENGTH] = 1000;
    expect(ct.lookup(short.ctx, buf2, T0)).toBe(CT_NEW);
  });

  it("an error quoting an ICMP error is not RELATED", () => {
    const ct = new Conntrack();
    track(ct, request());
    const inner = icmpError(router, cli, errors[0]!, 0, request());
    const outer = icmpError(cli, router, errors[0]!, 0, inner, 8);
    expect(ct.lookup(outer.ctx, outer.frame, T0)).toBe(CT_NEW);
  });

  it("an echo-type message does not count as an error", () => {
    const ct = new Conntrack();
    track(ct, request());
    const p = icmp(router, cli, echo, 0, 0, request().frame);
    expect(ct.lookup(p.ctx, p.frame, T0)).toBe(CT_NEW);
  });
});

describe("ICMPv6 errors quoting extension headers", () => {
  /** Insert an extension-header chain between the quoted IPv6 header and its L4 header. */
  function withExtensions(p: TestPacket, chain: { next: number; bytes: number[] }[]): TestPacket {
    const f = p.frame;
    const l4 = f.subarray(40);
    const proto = f[6]!;
    const ext: number[] = [];
    chain.forEach((h, i) => {
      const bytes = [...h.bytes];
      bytes[0] = i + 1 < chain.length ? chain[i + 1]!.next : proto;
      ext.push(...bytes);
    });
    const out = new Uint8Array(40 + ext.length + l4.length);
    out.set(f.subarray(0, 40));
    out[6] = chain[0]!.next;
    out.set(ext, 40);
    out.set(l4, 40 + ext.length);
    const ctx = p.ctx.slice();
    return { ctx, frame: out };
  }
  const hbh = { next: 0, bytes: [0, 0, 1, 4, 0, 0, 0, 0] };
  const fragFirst = { next: 44, bytes: [0, 0, 0, 1, 0, 0, 0, 42] };
  const fragLater = { next: 44, bytes: [0, 0, 0x05, 0xc8, 0, 0, 0, 42] };

  it("walks hop-by-hop and first-fragment headers; a later fragment has no ports", () => {
    const ct = new Conntrack();
    const req = udp("[fd00::1]:40000", "[fd00::2]:53");
    track(ct, req);
    const quoted = withExtensions(req, [hbh, fragFirst]);
    // The quote's L4 offset for icmpError: after the chain.
    quoted.ctx[F_L4_OFFSET] = 40 + 16;
    const err = icmpError("2001:db8::1", "fd00::1", 1, 4, quoted);
    expect(ct.lookup(err.ctx, err.frame, T0)).toBe(CT_RELATED);
    const later = withExtensions(req, [hbh, fragLater]);
    later.ctx[F_L4_OFFSET] = 40 + 16;
    const err2 = icmpError("2001:db8::1", "fd00::1", 1, 4, later);
    expect(ct.lookup(err2.ctx, err2.frame, T0)).toBe(CT_NEW);
  });
});
