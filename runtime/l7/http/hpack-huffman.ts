/**
 * @fileoverview The HPACK Huffman code (RFC 7541 Appendix B) and its decoder, plus the latin1 string
 * conversion HPACK strings share. The decoder is a byte-at-a-time state machine: a state is an internal
 * node of the code tree (the code is complete with 257 leaves, so there are exactly 256 internal nodes
 * and a state fits a byte), and one table lookup per input byte gives the next state and the symbols
 * finished on the way (codes are at least 5 bits long, so at most two end inside a byte). The table is
 * built once at module load from the code lengths; decoding allocates nothing per byte.
 */

import { Buffer } from "node:buffer";

/**
 * Code length in bits of each symbol 0–255 and of EOS (256), RFC 7541 Appendix B, 16 symbols a row.
 * The Appendix B code is canonical: sorted by (length, symbol), each code is the previous one plus 1,
 * shifted left by the growth in length. So the lengths alone determine every code (built below).
 */
// prettier-ignore
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, //   0–15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, //  16–31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, //          32–47  ' ' to '/'
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, //               48–63  '0' to '?'
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, //                 64–79  '@' to 'O'
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, //              80–95  'P' to '_'
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, //                 96–111 '`' to 'o'
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, //            112–127 'p' to DEL
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128–143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144–159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160–175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176–191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192–207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208–223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224–239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240–255
  30, //                                                               256 EOS
];

/** The EOS symbol (RFC 7541 §5.2): never valid inside a string. */
export const HUFFMAN_EOS = 256;

/** Code length in bits by symbol 0–256 (RFC 7541 Appendix B). */
export const HUFFMAN_LENGTHS: Uint8Array = Uint8Array.from(CODE_LENGTHS);

/** Code by symbol 0–256, right-aligned in `HUFFMAN_LENGTHS[sym]` bits (RFC 7541 Appendix B). */
export const HUFFMAN_CODES: Uint32Array = canonicalCodes(HUFFMAN_LENGTHS);

/** Canonical code assignment from lengths (codes of one length are consecutive, in symbol order). */
function canonicalCodes(lengths: Uint8Array): Uint32Array {
  const codes = new Uint32Array(lengths.length);
  let code = 0;
  let prevLen = 0;
  for (let len = 1; len <= 30; len++) {
    for (let sym = 0; sym < lengths.length; sym++) {
      if (lengths[sym] !== len) {
        continue;
      }
      // The first code of the table is 0; each next one is the previous plus 1, widened to `len` bits.
      code = prevLen === 0 ? 0 : (code + 1) * 2 ** (len - prevLen);
      prevLen = len;
      codes[sym] = code;
    }
  }
  return codes;
}

// ## Decoder tables
//
// Transition entry for (state, input byte): bits 0–7 next state, bits 8–9 how many symbols ended in the
// byte (0–2: codes are at least 5 bits, so a byte finishes at most two), bits 10–17 the first, bits
// 18–25 the second, bit 26 "EOS was decoded" (a decoding error, RFC 7541 §5.2).
const T_COUNT_SHIFT = 8;
const T_SYM1_SHIFT = 10;
const T_SYM2_SHIFT = 18;
const T_FAIL = 1 << 26;

/**
 * 256 states × 256 input bytes: 256 KiB, built in a few milliseconds at load. A 4-bit table (16 KiB)
 * needs two lookups per byte and measured about 1.5× slower on long strings.
 */
const TRANSITIONS = new Uint32Array(256 * 256);

/**
 * 1 for states a string may end in: the root (the last code ended on the byte boundary) and the nodes
 * reached from the root by 1 to 7 one-bits, i.e. padding that is a proper prefix of EOS (whose code is
 * all ones) and at most 7 bits long (RFC 7541 §5.2). Any other final state is a decoding error.
 */
const FINAL_OK = new Uint8Array(256);

buildDecoder();

/** Builds the code tree from HUFFMAN_CODES, then TRANSITIONS and FINAL_OK from the tree. */
function buildDecoder(): void {
  // child[2 * node + bit]: an internal node id (> 0), or ~symbol (< 0) for a leaf, or 0 while unset
  // (the root, node 0, is never a child).
  const child = new Int32Array(2 * 256);
  let nodes = 1;
  for (let sym = 0; sym <= HUFFMAN_EOS; sym++) {
    const len = HUFFMAN_LENGTHS[sym]!;
    const code = HUFFMAN_CODES[sym]!;
    let node = 0;
    for (let i = len - 1; i > 0; i--) {
      const slot = 2 * node + ((code >>> i) & 1);
      if (child[slot] === 0) {
        child[slot] = nodes++;
      }
      node = child[slot]!;
    }
    child[2 * node + (code & 1)] = ~sym;
  }
  // The all-ones path from the root: depth 1..7 are acceptable padding.
  FINAL_OK[0] = 1;
  let ones = 0;
  for (let depth = 1; depth <= 7; depth++) {
    ones = child[2 * ones + 1]!;
    FINAL_OK[ones] = 1;
  }
  for (let state = 0; state < 256; state++) {
    for (let byte = 0; byte < 256; byte++) {
      let node = state;
      let count = 0;
      let syms = 0;
      let fail = 0;
      for (let i = 7; i >= 0; i--) {
        const next = child[2 * node + ((byte >>> i) & 1)]!;
        if (next >= 0) {
          node = next;
          continue;
        }
        const sym = ~next;
        if (sym === HUFFMAN_EOS) {
          fail = T_FAIL;
        } else {
          syms |= sym << (count === 0 ? T_SYM1_SHIFT : T_SYM2_SHIFT);
          count++;
        }
        node = 0;
      }
      TRANSITIONS[state * 256 + byte] = fail | syms | (count << T_COUNT_SHIFT) | node;
    }
  }
}

// ## Strings

/**
 * Output chunk of the Huffman decoder: decoded bytes collect here and turn into string pieces when it
 * fills, so the scratch stays one fixed size whatever the string's length. Module-level: decoding is
 * synchronous and not reentrant. A Buffer, so its bytes become a string in one native call.
 */
const CHUNK = 4096;
const scratch = Buffer.allocUnsafeSlow(CHUNK);

/**
 * `bytes` as a Buffer sharing its memory (itself when it is one): one view per header block, so that
 * strings are cut from it natively (Buffer#toString("latin1") is many times faster than building them
 * with String.fromCharCode).
 */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** The bytes `src[start, end)` as a latin1 string (one char per byte, as Node's http module reads them). */
export function latin1(src: Buffer, start: number, end: number): string {
  return src.toString("latin1", start, end);
}

/**
 * Decodes the Huffman-coded bytes `src[start, end)` (RFC 7541 §5.2) into a latin1 string, or returns
 * null on a decoding error: EOS inside the string, padding longer than 7 bits, or padding that is not
 * the most significant bits of EOS.
 */
export function huffmanDecode(src: Uint8Array, start: number, end: number): string | null {
  const table = TRANSITIONS;
  const out = scratch;
  let s = "";
  let n = 0;
  let state = 0;
  for (let p = start; p < end; p++) {
    const t = table[(state << 8) | src[p]!]!;
    if (t >= T_FAIL) {
      return null;
    }
    const count = (t >>> T_COUNT_SHIFT) & 3;
    if (count !== 0) {
      // Byte stores keep the low 8 bits: the symbol.
      out[n++] = t >>> T_SYM1_SHIFT;
      if (count === 2) {
        out[n++] = t >>> T_SYM2_SHIFT;
      }
    }
    state = t & 0xff;
    // At most 2 symbols per byte: flush while there is still room for both.
    if (n >= CHUNK - 1) {
      s += out.toString("latin1", 0, n);
      n = 0;
    }
  }
  if (FINAL_OK[state] === 0) {
    return null;
  }
  return n === 0 ? s : s + out.toString("latin1", 0, n);
}
