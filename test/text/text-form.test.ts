/**
 * @fileoverview Unit tests of the text form outside the fixtures: conveniences of hand-written input,
 * `annotate`, the string pool rule, what `disassemble` refuses, and the lexicon helpers.
 */

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { decodeBundle } from "../../runtime/bytecode/decode.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { LoadError } from "../../runtime/bytecode/load-error.js";
import { assemble, disassemble } from "../../compiler/text/index.js";
import { formatIPv6, parseIPv4, parseIPv6, quote, unquote } from "../../compiler/text/lexicon.js";

const RET_FORWARDED = [0x07, 1]; // ret FORWARDED

function bundleOf(strings: string[], insns: number[], names: Partial<Bundle> = {}): Bundle {
  return {
    minor: 0,
    flags: 0,
    strings,
    sourceMap: [],
    tables: [],
    program: { insns: Uint32Array.from(insns), counterNames: [] },
    annotations: [],
    rawSections: new Map(),
    ...names,
  };
}

describe("hand-written listings", () => {
  it("accept CRLF line ends, ; comments and labels on the instruction line", () => {
    const a = assemble(
      ".program\r\n    mov r1, 1 ; one\r\n    jeq r1, 1, out\r\n    ret DROPPED\r\nout: ret FORWARDED\r\n",
    );
    const b = assemble(
      ".program\n    mov r1, 1\n    jeq r1, 1, +1\n    ret DROPPED, 0\nout:\n    ret FORWARDED\n",
    );
    expect(a).toEqual(b);
  });

  it("accept immediates as IPv4 addresses, verdict names and NO_ENTRY", () => {
    const named = assemble(
      ".program\n    ldf r1, src_ip4\n    jeq r1, 10.0.0.1, +1\n    jne r1, NO_ENTRY, +0\n    mov r2, FORWARDED\n    ret FORWARDED\n",
    );
    const plain = assemble(
      ".program\n    ldf r1, src_ip4\n    jeq r1, 0x0a000001, +1\n    jne r1, 0xffffffff, +0\n    mov r2, 1\n    ret FORWARDED\n",
    );
    expect(named).toEqual(plain);
  });

  it("build the pool from references in document order when .strings is absent", () => {
    const bytes = assemble(
      '.counters\n    b\n    a\n.program\n    .note "c"\n    .note "b"\n    ret FORWARDED\n',
    );
    expect(decodeBundle(bytes).bundle.strings).toEqual(["b", "a", "c"]);
    expect(disassemble(bytes)).not.toContain(".strings");
  });

  it("keep a .strings pool as written, duplicates and unreferenced strings included", () => {
    const bytes = assemble(
      '.strings\n    "x"\n    "x"\n    "unused"\n.counters\n    $1\n    x\n.program\n    ret FORWARDED\n',
    );
    const { strings, program } = decodeBundle(bytes).bundle;
    expect(strings).toEqual(["x", "x", "unused"]);
    expect(program.counterNames).toEqual([1, 0]);
  });
});

describe("disassemble", () => {
  it("annotates instructions with pc and raw words on request, and the listing still reassembles", () => {
    const bytes = encodeBundle(bundleOf([], [0x01b4, 7, ...RET_FORWARDED]));
    const plain = disassemble(bytes);
    const annotated = disassemble(bytes, { annotate: true });
    expect(plain).not.toContain("# 0:");
    expect(annotated).toContain("mov     r1, 7                       # 0: 000001b4 00000007");
    expect(assemble(annotated)).toEqual(bytes);
  });

  it("names the policy of a constant rule id returned by retx", () => {
    const bundle = bundleOf(["web.yaml", "allow-web"], [0x02b4, 5, 0x2017, 1], {
      sourceMap: [
        {
          ruleId: 5,
          file: 0,
          line: 9,
          column: 0,
          kind: 0xffffffff,
          namespace: 0xffffffff,
          name: 1,
          ruleIndex: 0xffffffff,
          tier: 0xffffffff,
          label: 0xffffffff,
        },
      ],
    });
    expect(disassemble(encodeBundle(bundle))).toContain(
      "retx    FORWARDED, r2               # rule 5: web.yaml:9 allow-web",
    );
  });

  it("refuses bytes the runtime refuses", () => {
    const bytes = encodeBundle(bundleOf([], [0x01b4, 7])); // no return at the end
    expect(() => disassemble(bytes)).toThrow(LoadError);
    expect(() => disassemble(new Uint8Array(8))).toThrow(LoadError);
  });

  // A TextDecoder strips a leading byte order mark unless told not to; the pool must keep it.
  it("keeps a string that starts with U+FEFF", () => {
    const bytes = encodeBundle(
      bundleOf(["\ufeffx"], RET_FORWARDED, {
        program: { insns: Uint32Array.from(RET_FORWARDED), counterNames: [0] },
      }),
    );
    expect(assemble(disassemble(bytes))).toEqual(bytes);
  });
});

describe("lexicon", () => {
  it("prints IPv6 addresses in RFC 5952 form", () => {
    expect(formatIPv6([0, 0, 0, 0])).toBe("::");
    expect(formatIPv6([0, 0, 0, 1])).toBe("::1");
    expect(formatIPv6([0xfd000000, 0, 0, 0])).toBe("fd00::");
    expect(formatIPv6([0x20010db8, 0, 1, 0x10000])).toBe("2001:db8::1:1:0");
    expect(formatIPv6([0x20010db8, 0, 0x00010000, 0])).toBe("2001:db8:0:0:1::");
    expect(formatIPv6([0x10000, 0x10000, 0x10000, 0x10000])).toBe("1:0:1:0:1:0:1:0");
    expect(formatIPv6([0, 0, 0xffff, 0x0a000001])).toBe("::ffff:10.0.0.1");
  });

  it("reads back every IPv6 address it prints", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
        (words) => {
          expect(parseIPv6(formatIPv6(words))).toEqual(words);
        },
      ),
    );
  });

  it("reads IPv6 addresses in the forms people write", () => {
    fc.assert(
      fc.property(fc.ipV6(), (text) => {
        const words = parseIPv6(text);
        expect(words).toBeDefined();
        expect(parseIPv6(formatIPv6(words!))).toEqual(words);
      }),
    );
    for (const bad of ["1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "::1.2.3", ":1", "fd00:::1"]) {
      expect(parseIPv6(bad), bad).toBeUndefined();
    }
  });

  it("reads dotted quads strictly", () => {
    expect(parseIPv4("10.0.0.1")).toBe(0x0a000001);
    expect(parseIPv4("255.255.255.255")).toBe(0xffffffff);
    expect(parseIPv4("256.0.0.1")).toBeUndefined();
    expect(parseIPv4("01.0.0.1")).toBeUndefined();
  });

  it("quotes every string to a literal that reads back the same", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        const lit = quote(s);
        expect(lit).not.toMatch(/[\p{Cc}\u2028\u2029]/u);
        expect(unquote(lit, () => expect.fail("bad escape"))).toBe(s);
      }),
    );
  });
});
