// HPACK Huffman decoding (runtime/l7/http/hpack-huffman.ts): the code table against hpack.js's copy of
// RFC 7541 Appendix B, round trips of strings encoded bit by bit with hpack.js's table, and each
// decoding error of RFC 7541 §5.2 (EOS in the string, padding over 7 bits, padding not EOS's prefix).
import fc from "fast-check";
import hpack from "hpack.js";
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../runtime/l7/http/hpack.js";
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, huffmanDecode } from "../../runtime/l7/http/hpack-huffman.js";
import { DECODE_COMPRESSION, DECODE_OK } from "../../runtime/l7/stream/decoder.js";

const ORACLE = hpack.huffman.encode;
const EOS = 256;

/** Bits (MSB first) of the oracle's codes for `symbols`, in order. */
function bitsOf(symbols: readonly number[]): number[] {
  const bits: number[] = [];
  for (const sym of symbols) {
    const [len, code] = ORACLE[sym]!;
    for (let i = len - 1; i >= 0; i--) {
      bits.push(Math.floor(code / 2 ** i) % 2);
    }
  }
  return bits;
}

/** Packs bits into bytes; a last partial byte is completed with `fill` (1 = EOS prefix, RFC 7541 §5.2). */
function pack(bits: readonly number[], fill: number[] | null = null): Uint8Array {
  const all = [...bits];
  const pad = (8 - (all.length % 8)) % 8;
  for (let i = 0; i < pad; i++) {
    all.push(fill === null ? 1 : fill[i % fill.length]!);
  }
  const out = new Uint8Array(all.length / 8);
  for (let i = 0; i < all.length; i++) {
    out[i >> 3]! |= all[i]! << (7 - (i & 7));
  }
  return out;
}

/** Encodes a latin1 string with the oracle's table and standard EOS padding. */
function encode(text: string): Uint8Array {
  return pack(bitsOf(Array.from(text, (c) => c.charCodeAt(0))));
}

function decode(bytes: Uint8Array): string | null {
  return huffmanDecode(bytes, 0, bytes.length);
}

const latin1Text = fc
  .array(fc.integer({ min: 0, max: 255 }), { maxLength: 200 })
  .map((codes) => String.fromCharCode(...codes));

describe("Huffman code (RFC 7541 Appendix B)", () => {
  it("every code and length equals hpack.js's table", () => {
    expect(HUFFMAN_LENGTHS.length).toBe(257);
    for (let sym = 0; sym <= EOS; sym++) {
      expect([HUFFMAN_LENGTHS[sym], HUFFMAN_CODES[sym]]).toEqual(ORACLE[sym]);
    }
  });

  it("decodes every symbol alone and all 256 in one string", () => {
    for (let sym = 0; sym < 256; sym++) {
      expect(decode(pack(bitsOf([sym])))).toBe(String.fromCharCode(sym));
    }
    const all = Array.from({ length: 256 }, (_, i) => i);
    expect(decode(pack(bitsOf(all)))).toBe(String.fromCharCode(...all));
  });

  it("round-trips random latin1 strings", () => {
    fc.assert(
      fc.property(latin1Text, (text) => {
        expect(decode(encode(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("decodes strings longer than the output chunk", () => {
    const text = Array.from({ length: 20000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join("");
    expect(decode(encode(text))).toBe(text);
    const ascii = "x".repeat(9000) + "0".repeat(9000);
    expect(decode(encode(ascii))).toBe(ascii);
  });

  it("accepts exactly 7 bits of padding and the empty string", () => {
    // '0' (5 bits) + 'b' (6) + 'b' (6) = 17 bits: 7 bits of EOS padding.
    expect(bitsOf([0x30, 0x62, 0x62]).length).toBe(17);
    expect(decode(encode("0bb"))).toBe("0bb");
    expect(decode(new Uint8Array(0))).toBe("");
  });
});

describe("Huffman decoding errors (RFC 7541 §5.2)", () => {
  it("EOS inside the string", () => {
    expect(decode(pack(bitsOf([EOS])))).toBeNull(); // 30 ones + 2 ones of padding
    expect(decode(pack(bitsOf([0x61, EOS])))).toBeNull();
    expect(decode(pack(bitsOf([0x61, EOS, 0x61])))).toBeNull();
    expect(decode(Uint8Array.from([0xff, 0xff, 0xff, 0xff]))).toBeNull();
  });

  it("padding longer than 7 bits", () => {
    expect(decode(Uint8Array.from([0xff]))).toBeNull(); // 8 bits, no symbol
    expect(decode(pack([...bitsOf([0x61]), ...new Array<number>(11).fill(1)]))).toBeNull(); // 'a' + 11 ones
    expect(decode(Uint8Array.from([...encode("ab"), 0xff]))).toBeNull(); // a whole extra byte of ones
  });

  it("padding that is not the most significant bits of EOS", () => {
    expect(decode(pack(bitsOf([0x61]), [0]))).toBeNull(); // 'a' + 000
    expect(decode(pack(bitsOf([0x61]), [1, 0, 1]))).toBeNull(); // 'a' + 101
    expect(decode(pack(bitsOf([0x61]), [1, 1, 0]))).toBeNull(); // 'a' + 110
  });

  it("any non-ones padding of a random string is rejected", () => {
    fc.assert(
      fc.property(
        latin1Text.filter((t) => bitsOf(Array.from(t, (c) => c.charCodeAt(0))).length % 8 !== 0),
        fc.array(fc.integer({ min: 0, max: 1 }), { minLength: 7, maxLength: 7 }),
        (text, fill) => {
          const bits = bitsOf(Array.from(text, (c) => c.charCodeAt(0)));
          const pad = 8 - (bits.length % 8);
          fc.pre(fill.slice(0, pad).includes(0));
          // Under 5 bits the padding cannot hold a whole code (the shortest is 5 bits): it must fail.
          // From 5 bits on it may decode as one more symbol, but never back to the original text.
          const out = decode(pack(bits, fill));
          if (pad < 5) {
            expect(out).toBeNull();
          } else {
            expect(out).not.toBe(text);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a Huffman error fails the HPACK context", () => {
    for (const bad of [[0xff], [0x18], [0xff, 0xff, 0xff, 0xff]]) {
      const dec = new HpackDecoder();
      // Literal without indexing, literal name "a", Huffman value (H bit set) with the bad bytes.
      const block = Uint8Array.from([0x00, 0x01, 0x61, 0x80 | bad.length, ...bad]);
      expect(dec.decode(block, 0, block.length, () => undefined)).toBe(DECODE_COMPRESSION);
    }
    const good = Uint8Array.from([0x00, 0x01, 0x61, 0x81, 0x1f]); // value 'a' = 00011 + 111
    const seen: string[] = [];
    expect(new HpackDecoder().decode(good, 0, good.length, (n, v) => seen.push(`${n}=${v}`))).toBe(DECODE_OK);
    expect(seen).toEqual(["a=a"]);
  });
});
