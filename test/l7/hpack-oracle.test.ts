// HPACK decoder (runtime/l7/http/hpack.ts) against hpack.js as an independent oracle: random header lists
// (latin1 names and values, Huffman on and off, all three literal kinds) encoded by hpack.js's compressor
// over several blocks sharing one context, with dynamic table size updates, must decode to the input
// lists with the same dynamic table as hpack.js's decompressor. Then fuzzing: random and mutated blocks
// never throw, return DECODE_OK or DECODE_COMPRESSION, and keep the table within its limit.
import fc from "fast-check";
import hpack from "hpack.js";
import type { OracleCompressor, OracleDecompressor, OracleHeaderIn } from "hpack.js";
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../runtime/l7/http/hpack.js";
import { DECODE_COMPRESSION, DECODE_OK } from "../../runtime/l7/stream/decoder.js";

type Field = [string, string];

/** One block of a sequence: size updates at its start, then the header list. */
interface Step {
  updates: number[];
  headers: OracleHeaderIn[];
}

/** hpack.js looks names and values up in plain objects: keys of Object.prototype break its encoder. */
const safeKey = (s: string): boolean => !(s in Object.prototype);

const latin1 = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 255 }), { maxLength }).map((codes) => String.fromCharCode(...codes));

const nameArb = fc
  .oneof(
    fc.constantFrom(...hpack["static-table"].table.map((e) => e.name)),
    fc.constantFrom("x-a", "x-b", "custom-key", "grpc-timeout"),
    fc.stringMatching(/^[a-z0-9-]{1,16}$/),
    latin1(12),
  )
  .filter(safeKey);

const valueArb = fc
  .oneof(
    fc.constantFrom("", "GET", "/", "200", "gzip, deflate", "www.example.com"),
    fc.stringMatching(/^[ -~]{0,40}$/),
    latin1(60),
  )
  .filter(safeKey);

const headerArb: fc.Arbitrary<OracleHeaderIn> = fc
  .record({
    name: nameArb,
    value: valueArb,
    huffman: fc.boolean(),
    mode: fc.constantFrom("incremental", "without", "never"),
  })
  .map(({ name, value, huffman, mode }) => ({
    name,
    value,
    huffman,
    incremental: mode === "incremental",
    neverIndex: mode === "never",
  }));

/** (initial SETTINGS_HEADER_TABLE_SIZE, cap): small tables so evictions are frequent. */
const sizesArb = fc.constantFrom<[number, number]>(
  [4096, 65536],
  [256, 1024],
  [0, 512],
  [100, 100],
  [4096, 4096],
);

const sequenceArb = sizesArb.chain(([initial, cap]) =>
  fc.record({
    initial: fc.constant(initial),
    cap: fc.constant(cap),
    steps: fc.array(
      fc.record({
        updates: fc.oneof(
          { weight: 3, arbitrary: fc.constant<number[]>([]) },
          {
            weight: 1,
            arbitrary: fc.array(fc.integer({ min: 0, max: Math.max(initial, cap) }), { maxLength: 2 }),
          },
        ),
        headers: fc.array(headerArb, { maxLength: 12 }),
      }),
      { minLength: 1, maxLength: 6 },
    ),
  }),
);

/** An hpack.js compressor/decompressor pair with protocol maximum `cap`, starting at `initial`. */
function oraclePair(initial: number, cap: number): { comp: OracleCompressor; decomp: OracleDecompressor } {
  const limit = Math.max(initial, cap);
  const comp = hpack.compressor.create({ table: { maxSize: limit } });
  const decomp = hpack.decompressor.create({ table: { maxSize: limit } });
  comp._table.updateSize(initial);
  decomp.updateTableSize(initial);
  return { comp, decomp };
}

/**
 * Encodes one step with the oracle. hpack.js's compressor emits no size update below its protocol
 * maximum, so updates are written with its bit encoder (001 + 5-bit-prefix integer, RFC 7541 §6.3) and
 * applied to its table by hand.
 */
function oracleEncode(comp: OracleCompressor, step: Step): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const size of step.updates) {
    const enc = hpack.encoder.create();
    enc.encodeBits(1, 3);
    enc.encodeInt(size);
    parts.push(...enc.render());
    comp._table.updateSize(size);
  }
  comp.write(step.headers);
  const body = comp.read();
  if (body !== null) {
    parts.push(body);
  }
  return Uint8Array.from(Buffer.concat(parts));
}

/** Decodes one block with the oracle decompressor. */
function oracleDecode(decomp: OracleDecompressor, block: Uint8Array): Field[] {
  if (block.length > 0) {
    decomp.write(Buffer.from(block));
    decomp.execute();
  }
  const out: Field[] = [];
  for (let h = decomp.read(); h !== null; h = decomp.read()) {
    out.push([h.name, h.value]);
  }
  return out;
}

function decodeOurs(dec: HpackDecoder, block: Uint8Array): { code: number; fields: Field[] } {
  const fields: Field[] = [];
  const code = dec.decode(block, 0, block.length, (n, v) => fields.push([n, v]));
  return { code, fields };
}

/** Table invariants that hold whatever the input: size within the limit and equal to its entries. */
function checkInvariants(dec: HpackDecoder, limit: number): void {
  expect(dec.maxTableSize).toBeLessThanOrEqual(limit);
  expect(dec.tableSize).toBeLessThanOrEqual(dec.maxTableSize);
  const entries = dec.dynamicEntries();
  expect(dec.tableLength).toBe(entries.length);
  expect(dec.tableSize).toBe(entries.reduce((s, [n, v]) => s + n.length + v.length + 32, 0));
}

describe("HPACK decoder vs hpack.js", () => {
  it("decodes random header sequences to the input lists with the oracle's dynamic table", () => {
    fc.assert(
      fc.property(sequenceArb, ({ initial, cap, steps }) => {
        const { comp, decomp } = oraclePair(initial, cap);
        const dec = new HpackDecoder(initial, cap);
        for (const step of steps) {
          const block = oracleEncode(comp, step);
          const expected = step.headers.map((h): Field => [h.name, h.value]);
          expect(oracleDecode(decomp, block)).toEqual(expected);
          expect(decodeOurs(dec, block)).toEqual({ code: DECODE_OK, fields: expected });
          expect(dec.tableSize).toBe(decomp._table.size);
          expect(dec.tableLength).toBe(decomp._table.dynamic.length);
          expect(dec.maxTableSize).toBe(decomp._table.maxSize);
          expect(dec.dynamicEntries()).toEqual(
            decomp._table.dynamic.map((e): Field => [e.name, e.value]).reverse(),
          );
          checkInvariants(dec, Math.max(initial, cap));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("decodes long values (chunked latin1 and Huffman output) and indexes them", () => {
    const value = Array.from({ length: 10000 }, (_, i) => String.fromCharCode((i * 31 + 7) % 256)).join("");
    for (const huffman of [true, false]) {
      const { comp, decomp } = oraclePair(65536, 65536);
      const dec = new HpackDecoder(65536, 65536);
      const steps: Step[] = [
        { updates: [], headers: [{ name: "x-long", value, huffman }] },
        { updates: [], headers: [{ name: "x-long", value, huffman }] }, // now an indexed field
      ];
      for (const step of steps) {
        const block = oracleEncode(comp, step);
        expect(decodeOurs(dec, block)).toEqual({ code: DECODE_OK, fields: [["x-long", value]] });
        oracleDecode(decomp, block);
        expect(dec.tableSize).toBe(decomp._table.size);
      }
      expect(dec.tableSize).toBe(6 + 10000 + 32);
    }
  });
});

describe("HPACK decoder fuzzing", () => {
  /** Bytes biased towards representation prefixes and integer boundaries. */
  const byteArb = fc.oneof(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(
      0x80,
      0x82,
      0xbe,
      0xbf,
      0xff,
      0x40,
      0x7f,
      0x3f,
      0x20,
      0x00,
      0x0f,
      0x10,
      0x1f,
      0x81,
      0x85,
      0x7f,
    ),
  );
  const blockArb = fc.array(byteArb, { maxLength: 64 }).map((b) => Uint8Array.from(b));

  it("random blocks never throw and keep the table bounded", () => {
    fc.assert(
      fc.property(sizesArb, fc.array(blockArb, { minLength: 1, maxLength: 4 }), ([initial, cap], blocks) => {
        const dec = new HpackDecoder(initial, cap);
        let failed = false;
        for (const block of blocks) {
          const code = decodeOurs(dec, block).code;
          expect([DECODE_OK, DECODE_COMPRESSION]).toContain(code);
          if (failed) {
            expect(code).toBe(DECODE_COMPRESSION);
          }
          failed ||= code === DECODE_COMPRESSION;
          checkInvariants(dec, Math.max(initial, cap));
        }
      }),
      { numRuns: 2000 },
    );
  });

  /** One edit of a valid block: flip a byte, truncate, insert a byte, or duplicate a slice. */
  const mutationArb = fc.record({
    kind: fc.constantFrom("flip", "truncate", "insert", "duplicate"),
    at: fc.nat(),
    len: fc.integer({ min: 1, max: 8 }),
    byte: fc.integer({ min: 0, max: 255 }),
  });

  function mutate(block: Uint8Array, m: { kind: string; at: number; len: number; byte: number }): Uint8Array {
    const at = block.length === 0 ? 0 : m.at % block.length;
    const b = Array.from(block);
    if (m.kind === "flip" && b.length > 0) {
      b[at] = b[at]! ^ (m.byte | 1);
    } else if (m.kind === "truncate") {
      b.length = at;
    } else if (m.kind === "insert") {
      b.splice(at, 0, m.byte);
    } else {
      b.splice(at, 0, ...b.slice(at, at + m.len));
    }
    return Uint8Array.from(b);
  }

  it("mutated valid blocks never throw and keep the table bounded", () => {
    fc.assert(
      fc.property(sequenceArb, fc.nat(), mutationArb, ({ initial, cap, steps }, which, m) => {
        const { comp } = oraclePair(initial, cap);
        const blocks = steps.map((s) => oracleEncode(comp, s));
        const target = which % blocks.length;
        blocks[target] = mutate(blocks[target]!, m);
        const dec = new HpackDecoder(initial, cap);
        blocks.forEach((block, i) => {
          const { code, fields } = decodeOurs(dec, block);
          expect([DECODE_OK, DECODE_COMPRESSION]).toContain(code);
          if (i < target) {
            expect(fields).toEqual(steps[i]!.headers.map((h): Field => [h.name, h.value]));
          }
          checkInvariants(dec, Math.max(initial, cap));
        });
      }),
      { numRuns: 1000 },
    );
  });
});
