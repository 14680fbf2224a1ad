/**
 * @fileoverview Generates the bundled ClassBench-format sample (policies/classbench/sample_acl and
 * sample_acl_trace) that `npm start` classifies. Deterministic: the same seed writes the same files.
 *
 * Rules look like an ACL seed: host and subnet prefixes from a few networks, exact service ports and
 * port ranges, TCP/UDP/any protocol, and a final catch-all. Each trace header is a random point inside
 * a random rule (like ClassBench's trace_generator); its expected column is the 1-based first rule that
 * matches it, computed by a direct first-match scan, as in Song's traces.
 *
 * Run: npx tsx scripts/gen-classbench-sample.ts
 */

import { writeFileSync } from "node:fs";

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = mulberry32(20261128);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

interface Rule {
  src: number;
  srcLen: number;
  dst: number;
  dstLen: number;
  sp: [number, number];
  dp: [number, number];
  proto: number;
  mask: number;
}

const mask = (len: number): number => (len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0);
const ip = (v: number): string => [24, 16, 8, 0].map((s) => (v >>> s) & 255).join(".");
const nets = [0x0a000000, 0xac100000, 0xc0a80000, 0x64400000, 0xcb007100];
const services = [22, 25, 53, 80, 123, 443, 3306, 5432, 6379, 8080, 8443, 9090];

const rules: Rule[] = [];
for (let i = 0; i < 480; i++) {
  const srcLen = pick([32, 32, 28, 24, 16, 0]);
  const dstLen = pick([32, 32, 30, 24, 20, 16]);
  const src = (pick(nets) | int(1 << 16)) & mask(srcLen);
  const dst = (pick(nets) | int(1 << 16)) & mask(dstLen);
  const proto = pick([6, 6, 6, 17, 17, 0]);
  const dport = pick(services);
  const dp: [number, number] =
    rand() < 0.8
      ? [dport, dport]
      : pick([
          [1024, 65535],
          [0, 1023],
          [8000, 8999],
        ] as [number, number][]);
  const sp: [number, number] = rand() < 0.9 ? [0, 65535] : [1024, 65535];
  rules.push({ src: src >>> 0, srcLen, dst: dst >>> 0, dstLen, sp, dp, proto, mask: proto === 0 ? 0 : 0xff });
}
rules.push({ src: 0, srcLen: 0, dst: 0, dstLen: 0, sp: [0, 65535], dp: [0, 65535], proto: 0, mask: 0 });

const matches = (r: Rule, h: number[]): boolean =>
  (h[0]! & mask(r.srcLen)) >>> 0 === r.src &&
  (h[1]! & mask(r.dstLen)) >>> 0 === r.dst &&
  h[2]! >= r.sp[0] &&
  h[2]! <= r.sp[1] &&
  h[3]! >= r.dp[0] &&
  h[3]! <= r.dp[1] &&
  (h[4]! & r.mask) === r.proto;

const hex = (v: number): string => `0x${v.toString(16).padStart(2, "0").toUpperCase()}`;
const ruleLines = rules.map(
  (r) =>
    `@${ip(r.src)}/${r.srcLen} ${ip(r.dst)}/${r.dstLen} ${r.sp[0]} : ${r.sp[1]} ${r.dp[0]} : ${r.dp[1]} ${hex(r.proto)}/${hex(r.mask)}`,
);
const inRange = ([lo, hi]: [number, number]): number => lo + int(hi - lo + 1);
const traceLines: string[] = [];
for (let i = 0; i < 5000; i++) {
  const r = rules[int(rules.length)]!;
  const h = [
    (r.src | (int(0x100000000) & ~mask(r.srcLen))) >>> 0,
    (r.dst | (int(0x100000000) & ~mask(r.dstLen))) >>> 0,
    inRange(r.sp),
    inRange(r.dp),
    r.mask === 0 ? pick([6, 17, 1]) : r.proto,
  ];
  const first = rules.findIndex((x) => matches(x, h)) + 1;
  traceLines.push(`${h.join(" ")} ${first}`);
}
writeFileSync("policies/classbench/sample_acl", ruleLines.join("\n") + "\n");
writeFileSync("policies/classbench/sample_acl_trace", traceLines.join("\n") + "\n");
console.log(`wrote ${rules.length} rules and ${traceLines.length} headers to policies/classbench/`);
