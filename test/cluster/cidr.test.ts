import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  cidrContains,
  cidrLast,
  cidrsOverlap,
  formatCidr,
  formatIp,
  parseCidr,
  parseCidrOrIp,
  parseIp,
  parsePrefix,
} from "../../compiler/net/cidr.js";
import type { Cidr } from "../../compiler/net/cidr.js";

const cidr = (t: string): Cidr => {
  const c = parseCidr(t);
  if (c === undefined) {
    throw new Error(`bad test CIDR ${t}`);
  }
  return c;
};

describe("parseIp / formatIp", () => {
  it.each([
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    ["10.244.1.7", "10.244.1.7"],
    ["::", "::"],
    ["::1", "::1"],
    ["FD00:10:244::1", "fd00:10:244::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0"],
    ["::ffff:10.1.2.3", "::ffff:a01:203"],
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
  ])("%s → %s", (text, canonical) => {
    const a = parseIp(text);
    expect(a).toBeDefined();
    expect(formatIp(a!)).toBe(canonical);
  });

  it.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.-4",
    "1..3.4",
    ":::",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8::",
    "12345::",
    "fe80::1%eth0",
    "::1.2.3",
    "g::1",
  ])("rejects %j", (text) => {
    expect(parseIp(text)).toBeUndefined();
  });

  it("round-trips random addresses through their canonical text", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }), fc.boolean(), (v, v4) => {
        const addr = v4 ? { family: 4 as const, value: v & 0xffffffffn } : { family: 6 as const, value: v };
        expect(parseIp(formatIp(addr))).toEqual(addr);
      }),
    );
  });
});

describe("CIDRs", () => {
  it("parses, clears host bits, and formats", () => {
    expect(formatCidr(cidr("10.1.2.3/8"))).toBe("10.0.0.0/8");
    expect(formatCidr(cidr("fd00:10:244::1/64"))).toBe("fd00:10:244::/64");
    expect(formatCidr(cidr("0.0.0.0/0"))).toBe("0.0.0.0/0");
    expect(parsePrefix("10.1.2.3/8")?.address).toEqual(parseIp("10.1.2.3"));
    expect(cidrLast(cidr("10.0.0.0/8"))).toBe(0x0affffffn);
    expect(cidrLast(cidr("::/0"))).toBe((1n << 128n) - 1n);
  });

  it.each(["10.0.0.0", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/", "x/8"])(
    "rejects %j",
    (text) => {
      expect(parseCidr(text)).toBeUndefined();
    },
  );

  it("parseCidrOrIp takes a bare address as a host prefix", () => {
    expect(parseCidrOrIp("10.0.0.1")).toEqual({ family: 4, base: 0x0a000001n, prefix: 32 });
    expect(parseCidrOrIp("::1")).toEqual({ family: 6, base: 1n, prefix: 128 });
    expect(parseCidrOrIp("nope")).toBeUndefined();
  });

  it("contains and overlaps, per family", () => {
    const c = cidr("10.0.0.0/8");
    expect(cidrContains(c, parseIp("10.255.255.255")!)).toBe(true);
    expect(cidrContains(c, parseIp("11.0.0.0")!)).toBe(false);
    expect(cidrContains(cidr("::/0"), parseIp("10.0.0.1")!)).toBe(false);
    expect(cidrsOverlap(c, cidr("10.1.0.0/16"))).toBe(true);
    expect(cidrsOverlap(cidr("10.1.0.0/16"), c)).toBe(true);
    expect(cidrsOverlap(c, cidr("11.0.0.0/8"))).toBe(false);
    expect(cidrsOverlap(cidr("0.0.0.0/0"), cidr("::/0"))).toBe(false);
  });
});
