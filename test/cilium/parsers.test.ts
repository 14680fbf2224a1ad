// The small parsers of the Cilium front end: FQDN patterns (cilium.md §1.6), RE2 syntax checks (§1.9),
// port strings (Go strconv.ParseUint base 0 and IANA service names, §1.7).
import { describe, expect, it } from "vitest";
import { nameRegex, patternRegex } from "../../compiler/frontends/cilium/fqdn.js";
import { isSvcName, parseGoPort } from "../../compiler/frontends/cilium/ports.js";
import { re2Error } from "../../compiler/frontends/cilium/re2.js";
import { httpRegexSource } from "../../compiler/ir/l7.js";

/** Whether a DNS name matches a compiled selector (names are lower-cased, with a trailing dot). */
const dnsMatch = (regex: string, name: string): boolean =>
  new RegExp(regex).test(name.toLowerCase().endsWith(".") ? name.toLowerCase() : `${name.toLowerCase()}.`);

describe("FQDN selectors", () => {
  it("matchName is literal and case-insensitive; a trailing dot is optional", () => {
    const re = nameRegex("Cilium.io");
    expect(["cilium.io", "CILIUM.IO", "cilium.io."].map((n) => dnsMatch(re, n))).toEqual([true, true, true]);
    expect(["www.cilium.io", "ciliumXio", "cilium.io.evil"].map((n) => dnsMatch(re, n))).toEqual([
      false,
      false,
      false,
    ]);
  });

  const cases: readonly [string, readonly string[], readonly string[]][] = [
    ["*.cilium.io", ["www.cilium.io", "blog.cilium.io"], ["cilium.io", "a.b.cilium.io", "google.com"]],
    ["*cilium.io", ["cilium.io", "subcilium.io"], ["www.cilium.io"]],
    ["sub*.cilium.io", ["sub.cilium.io", "subdomain.cilium.io"], ["www.cilium.io", "cilium.io"]],
    ["**.cilium.io", ["a.cilium.io", "a.b.cilium.io"], ["cilium.io", "acilium.io"]],
    ["*", ["cilium.io", "a.b.c.example.com"], []],
    [
      "special*service.api.cilium.io",
      ["specialservice.api.cilium.io", "special-a-service.api.cilium.io"],
      ["special.a.service.api.cilium.io"],
    ],
  ];
  for (const [pattern, yes, no] of cases) {
    it(`matchPattern ${pattern}`, () => {
      const re = patternRegex(pattern);
      expect(yes.filter((n) => !dnsMatch(re, n))).toEqual([]);
      expect(no.filter((n) => dnsMatch(re, n))).toEqual([]);
    });
  }
});

describe("RE2 syntax", () => {
  it("accepts RE2 regexes, including Go-only syntax", () => {
    for (const re of [
      "/path1$",
      "/api/v[0-9]+/.*",
      "GET|PUT",
      "(?i)get",
      "(?P<v>a+)b",
      "\\d{2,1000}",
      "[]a]",
      "\\Q(\\E",
      "\\pL+",
      "\\012",
    ]) {
      expect(re2Error(re), re).toBeUndefined();
    }
  });

  it("rejects what RE2 does not have, and syntax errors", () => {
    const cases: readonly [string, RegExp][] = [
      ["(a", /unterminated|Unterminated/],
      ["a(?=b)", /lookahead/],
      ["(?<!a)b", /lookbehind/],
      ["(a)\\1", /backreference/],
      ["(?<n>a)\\k<n>", /backreference/],
      ["a{1001}", /repeat count/],
      ["a++", /possessive/],
      ["a**", /repeat/i],
      ["\\y", /invalid escape/],
      ["[z-a]", /range/i],
    ];
    for (const [re, why] of cases) {
      expect(re2Error(re), re).toMatch(why);
    }
  });

  it("HTTP fields match the whole value", () => {
    const re = new RegExp(httpRegexSource("/path1$"));
    expect([re.test("/path1"), re.test("/path1/x"), re.test("/path1?q=1"), re.test("/x/path1")]).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});

describe("ports", () => {
  it("parses numbers like Go's strconv.ParseUint(s, 0, 16)", () => {
    expect(["80", "0", "010", "0x1F", "0b101", "0o17", "1_000", "65535"].map(parseGoPort)).toEqual([
      80, 0, 8, 31, 5, 15, 1000, 65535,
    ]);
    expect(["65536", "08", "_1", "1__0", "1_", "", "80-90", "-1"].map(parseGoPort)).toEqual([
      "value out of range",
      "invalid syntax",
      "invalid syntax",
      "invalid syntax",
      "invalid syntax",
      "invalid syntax",
      "invalid syntax",
      "invalid syntax",
    ]);
  });

  it("recognises IANA service names (so 0x10 is a name, not 16)", () => {
    expect(["http", "HTTP-alt", "0x10", "dns-tcp", "a1"].map(isSvcName)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(["1234", "-http", "http-", "a--b", "abcdefghijklmnop", "REMOVE_ME", "a.b"].map(isSvcName)).toEqual(
      [false, false, false, false, false, false, false],
    );
  });
});
