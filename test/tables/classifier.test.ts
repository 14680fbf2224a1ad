// The classifier on hand-made tables (5-tuple ACLs, ties, unsigned ranges, non-range ternary masks,
// IPv6 fields, several trees) with expectations from the definition, and its size bounds.
import { describe, expect, it } from "vitest";

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  MATCH_TERNARY,
  type KeyField,
} from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import {
  F_DST_IP4,
  F_DST_IP6,
  F_DST_PORT,
  F_META0,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_IP6,
  F_SRC_PORT,
  F_TCP_FLAGS,
} from "../../runtime/context.js";
import { buildClassifier } from "../../runtime/tables/classifier.js";
import { ctxOf, ip4, ip6, lpmData, makeTable, type Row } from "./table-helpers.js";

const fiveTuple: KeyField[] = [
  { field: F_SRC_IP4, words: 1, kind: MATCH_LPM },
  { field: F_DST_IP4, words: 1, kind: MATCH_LPM },
  { field: F_SRC_PORT, words: 1, kind: MATCH_RANGE },
  { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
  { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
];

const ANY_PORT = [0, 65535];
const TCP = [6, 0xff];
const ANY_PROTO = [0, 0];

/** A 5-tuple rule: "a.b.c.d/len" prefixes, port ranges, protocol value/mask. */
function acl(
  priority: number,
  src: string,
  dst: string,
  sport: number[],
  dport: number[],
  proto: number[],
): Row {
  const p = (s: string): number[] => {
    const [a = "", len = "32"] = s.split("/");
    return lpmData(ip4(a), Number(len));
  };
  return { priority, data: [p(src), p(dst), sport, dport, proto] };
}

function tuple(src: string, dst: string, sport: number, dport: number, proto: number): Uint32Array {
  return ctxOf({
    [F_SRC_IP4]: ip4(src),
    [F_DST_IP4]: ip4(dst),
    [F_SRC_PORT]: sport,
    [F_DST_PORT]: dport,
    [F_PROTO]: proto,
  });
}

describe("classifier", () => {
  it("returns NO_ENTRY for an empty table", () => {
    const c = buildClassifier(makeTable(fiveTuple, []));
    expect(c.algorithm).toBe("classifier");
    expect(c.lookup(tuple("1.2.3.4", "5.6.7.8", 1, 2, 6))).toBe(NO_ENTRY);
  });

  it("returns the best entry when the table has no key fields", () => {
    const c = buildClassifier(
      makeTable(
        [],
        [
          { priority: 4, data: [] },
          { priority: 2, data: [] },
          { priority: 2, data: [] },
        ],
      ),
    );
    expect(c.lookup(ctxOf({}))).toBe(1);
  });

  it("classifies a small 5-tuple ACL by first match in priority order", () => {
    const t = makeTable(fiveTuple, [
      acl(10, "10.0.0.0/8", "192.168.1.10/32", ANY_PORT, [22, 22], TCP), // 0: ssh from 10/8
      acl(20, "0.0.0.0/0", "192.168.1.10/32", ANY_PORT, [22, 22], ANY_PROTO), // 1: deny other ssh
      acl(30, "0.0.0.0/0", "192.168.1.0/24", [1024, 65535], [80, 443], TCP), // 2: web
      acl(5, "10.9.9.9/32", "0.0.0.0/0", ANY_PORT, ANY_PORT, ANY_PROTO), // 3: quarantined host
      acl(40, "0.0.0.0/0", "0.0.0.0/0", ANY_PORT, [53, 53], [17, 0xff]), // 4: dns
      acl(1000, "0.0.0.0/0", "0.0.0.0/0", [0, 0xffffffff], [0, 0xffffffff], ANY_PROTO), // 5: default
    ]);
    const c = buildClassifier(t);
    expect(c.lookup(tuple("10.1.2.3", "192.168.1.10", 40000, 22, 6))).toBe(0);
    expect(c.lookup(tuple("11.1.2.3", "192.168.1.10", 40000, 22, 6))).toBe(1);
    expect(c.lookup(tuple("10.1.2.3", "192.168.1.10", 40000, 22, 17))).toBe(1);
    expect(c.lookup(tuple("10.9.9.9", "192.168.1.10", 40000, 22, 6))).toBe(3);
    expect(c.lookup(tuple("8.8.8.8", "192.168.1.77", 1024, 443, 6))).toBe(2);
    expect(c.lookup(tuple("8.8.8.8", "192.168.1.77", 1023, 443, 6))).toBe(5);
    expect(c.lookup(tuple("8.8.8.8", "192.168.1.77", 1024, 444, 6))).toBe(5);
    expect(c.lookup(tuple("8.8.8.8", "192.168.2.77", 1024, 80, 6))).toBe(5);
    expect(c.lookup(tuple("8.8.8.8", "1.1.1.1", 5353, 53, 17))).toBe(4);
    expect(c.lookup(tuple("8.8.8.8", "1.1.1.1", 5353, 53, 6))).toBe(5);
    expect(c.lookup(tuple("8.8.8.8", "1.1.1.1", 70000, 70000, 255))).toBe(5);
  });

  it("breaks priority ties by the lowest entry index", () => {
    const t = makeTable(fiveTuple, [
      acl(7, "0.0.0.0/0", "0.0.0.0/0", ANY_PORT, [0, 100], ANY_PROTO),
      acl(3, "0.0.0.0/0", "0.0.0.0/0", ANY_PORT, [50, 60], ANY_PROTO),
      acl(3, "0.0.0.0/0", "0.0.0.0/0", ANY_PORT, [40, 55], ANY_PROTO),
      acl(7, "0.0.0.0/0", "0.0.0.0/0", ANY_PORT, [0, 0xffffffff], ANY_PROTO),
    ]);
    const c = buildClassifier(t);
    const at = (dport: number): number => c.lookup(tuple("1.1.1.1", "2.2.2.2", 1, dport, 6));
    expect(at(52)).toBe(1);
    expect(at(45)).toBe(2);
    expect(at(58)).toBe(1);
    expect(at(61)).toBe(0);
    expect(at(101)).toBe(3);
  });

  it("compares ranges unsigned, up to 0..0xffffffff", () => {
    const t = makeTable(
      [{ field: F_META0, words: 1, kind: MATCH_RANGE }],
      [
        { priority: 0, data: [[0x7ffffffe, 0x80000001]] },
        { priority: 1, data: [[0x80000000, 0xffffffff]] },
        { priority: 2, data: [[0, 0]] },
        { priority: 3, data: [[0, 0xffffffff]] },
      ],
    );
    const c = buildClassifier(t);
    const at = (v: number): number => c.lookup(ctxOf({ [F_META0]: v }));
    expect(at(0x7fffffff)).toBe(0);
    expect(at(0x80000001)).toBe(0);
    expect(at(0x80000002)).toBe(1);
    expect(at(0xffffffff)).toBe(1);
    expect(at(0)).toBe(2);
    expect(at(1)).toBe(3);
    expect(at(0x7ffffffd)).toBe(3);
  });

  it("matches ternary fields under masks that are not ranges", () => {
    const t = makeTable(
      [
        { field: F_TCP_FLAGS, words: 1, kind: MATCH_TERNARY },
        { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
      ],
      [
        {
          priority: 0,
          data: [
            [0x02, 0x12],
            [80, 80],
          ],
        }, // SYN without ACK to port 80
        {
          priority: 1,
          data: [
            [0x10, 0x10],
            [0, 65535],
          ],
        }, // ACK set
        {
          priority: 2,
          data: [
            [0x01, 0x05],
            [0, 65535],
          ],
        }, // FIN set, RST clear
        {
          priority: 3,
          data: [
            [0, 0],
            [0, 0xffffffff],
          ],
        },
      ],
    );
    const c = buildClassifier(t);
    const at = (flags: number, port: number): number =>
      c.lookup(ctxOf({ [F_TCP_FLAGS]: flags, [F_DST_PORT]: port }));
    expect(at(0x02, 80)).toBe(0);
    expect(at(0x0a, 80)).toBe(0); // SYN+PSH
    expect(at(0x12, 80)).toBe(1); // SYN+ACK
    expect(at(0x02, 81)).toBe(3);
    expect(at(0x11, 81)).toBe(1);
    expect(at(0x01, 81)).toBe(2);
    expect(at(0x05, 81)).toBe(3); // FIN+RST
    expect(at(0x09, 70000)).toBe(3);
  });

  it("matches 4-word fields: IPv6 prefixes and exact addresses", () => {
    const t = makeTable(
      [
        { field: F_SRC_IP6, words: 4, kind: MATCH_LPM },
        { field: F_DST_IP6, words: 4, kind: MATCH_EXACT },
        { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
      ],
      [
        { priority: 1, data: [lpmData(ip6("fd00:1::"), 32), ip6("fd00:2::10"), [443, 443]] },
        { priority: 2, data: [lpmData(ip6("fd00:1:0:0:8000::"), 65), ip6("fd00:2::10"), [0, 65535]] },
        { priority: 0, data: [lpmData(ip6("fd00:1::7"), 128), ip6("fd00:2::10"), [0, 65535]] },
        { priority: 3, data: [lpmData(ip6("::"), 0), ip6("fd00:2::11"), [0, 65535]] },
      ],
    );
    const c = buildClassifier(t);
    const at = (src: string, dst: string, port: number): number =>
      c.lookup(ctxOf({ [F_SRC_IP6]: ip6(src), [F_DST_IP6]: ip6(dst), [F_DST_PORT]: port }));
    expect(at("fd00:1::7", "fd00:2::10", 443)).toBe(2);
    expect(at("fd00:1::8", "fd00:2::10", 443)).toBe(0);
    expect(at("fd00:1::8000:0:0:8", "fd00:2::10", 80)).toBe(1);
    expect(at("fd00:1::8", "fd00:2::10", 80)).toBe(NO_ENTRY);
    expect(at("fd00:1::8", "fd00:2::11", 80)).toBe(3);
    expect(at("fd00:1::8", "fd00:2::12", 443)).toBe(NO_ENTRY);
    expect(at("fd00:3::", "fd00:2::10", 443)).toBe(NO_ENTRY);
  });

  it("answers a 2,000-rule firewall through several trees, each entry reachable", () => {
    // Rule 2i: host 10.(i>>8).(i&255).1 to any, dport 1000+i; rule 2i+1: any to host
    // 172.16.(i>>8).(i&255), tcp. The two shapes go to different trees.
    const rows: Row[] = [];
    for (let i = 0; i < 1000; i++) {
      rows.push(acl(2 * i, `10.${i >> 8}.${i & 255}.1/32`, "0.0.0.0/0", ANY_PORT, [1000 + i, 1000 + i], TCP));
      rows.push(acl(2 * i + 1, "0.0.0.0/0", `172.16.${i >> 8}.${i & 255}/32`, ANY_PORT, ANY_PORT, TCP));
    }
    const c = buildClassifier(makeTable(fiveTuple, rows));
    expect(c.stats().trees).toBeGreaterThan(1);
    for (let i = 0; i < 1000; i += 3) {
      const host = `10.${i >> 8}.${i & 255}.1`;
      const server = `172.16.${i >> 8}.${i & 255}`;
      expect(c.lookup(tuple(host, "8.8.8.8", 5000, 1000 + i, 6))).toBe(2 * i);
      expect(c.lookup(tuple(host, "8.8.8.8", 5000, 1001 + i, 6))).toBe(NO_ENTRY);
      expect(c.lookup(tuple("8.8.8.8", server, 5000, 1000 + i, 6))).toBe(2 * i + 1);
      expect(c.lookup(tuple(host, server, 5000, 1000 + i, 6))).toBe(2 * i); // both match: lower priority value
      expect(c.lookup(tuple(host, server, 5000, 1000 + i, 17))).toBe(NO_ENTRY);
    }
  });

  it("stays linear in size on a wildcard cross product (bounded replication)", () => {
    // Every source-specific rule overlaps every destination-specific one: a single unbounded tree
    // would copy the rules of one kind into every branch of the other.
    const rows: Row[] = [];
    for (let i = 0; i < 3000; i++) {
      const a = `${(i * 37) & 255}.${(i * 91) & 255}.${i & 255}.${i >> 8}`;
      rows.push(
        acl(
          i,
          i % 2 === 0 ? `${a}/32` : "0.0.0.0/0",
          i % 2 === 0 ? "0.0.0.0/0" : `${a}/32`,
          ANY_PORT,
          ANY_PORT,
          ANY_PROTO,
        ),
      );
    }
    const oneTree = buildClassifier(makeTable(fiveTuple, rows), { maxTrees: 1 });
    expect(oneTree.stats().bytes / rows.length).toBeLessThan(1000);
    const c = buildClassifier(makeTable(fiveTuple, rows));
    expect(c.stats().bytes / rows.length).toBeLessThan(200);
    expect(c.lookup(tuple("0.0.0.0", "0.0.0.0", 0, 0, 0))).toBe(0);
  });

  it("exposes its arrays as Int32Arrays", () => {
    const c = buildClassifier(
      makeTable(fiveTuple, [acl(0, "10.0.0.0/8", "0.0.0.0/0", ANY_PORT, ANY_PORT, TCP)]),
    );
    for (const a of [c.trees, c.nodes, c.leaves, c.rankEntry]) {
      expect(a).toBeInstanceOf(Int32Array);
    }
  });
});
