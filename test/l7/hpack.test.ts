// HPACK decoder (runtime/l7/http/hpack.ts) against RFC 7541 itself: the Appendix C examples (hex blocks,
// decoded header lists and dynamic tables transcribed from the RFC), the static table (Appendix A, also
// checked against hpack.js), and one test per decoding error the RFC defines (§4.2, §5.1, §5.2, §6).
import hpack from "hpack.js";
import { describe, expect, it } from "vitest";
import { HpackDecoder } from "../../runtime/l7/http/hpack.js";
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from "../../runtime/l7/http/hpack-static.js";
import { DECODE_COMPRESSION, DECODE_OK } from "../../runtime/l7/stream/decoder.js";

type Field = [string, string];

/** Bytes from an RFC-style hex dump ("8286 8441 ..."). */
function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replace(/\s+/g, ""), "hex"));
}

/** Decodes `block` whole; returns the code and the fields reported. */
function run(dec: HpackDecoder, block: Uint8Array): { code: number; fields: Field[] } {
  const fields: Field[] = [];
  const code = dec.decode(block, 0, block.length, (n, v) => fields.push([n, v]));
  return { code, fields };
}

/** One step of an Appendix C sequence: block, decoded list, dynamic table (newest first), table size. */
interface Step {
  block: string;
  list: Field[];
  table: Field[];
  size: number;
}

function runSequence(dec: HpackDecoder, steps: Step[]): void {
  for (const step of steps) {
    expect(run(dec, hex(step.block))).toEqual({ code: DECODE_OK, fields: step.list });
    expect(dec.dynamicEntries()).toEqual(step.table);
    expect(dec.tableSize).toBe(step.size);
    expect(dec.tableLength).toBe(step.table.length);
  }
}

// RFC 7541 C.3 / C.4: requests (same lists and tables, plain then Huffman literals).
const REQ1: Field[] = [
  [":method", "GET"],
  [":scheme", "http"],
  [":path", "/"],
  [":authority", "www.example.com"],
];
const REQ2: Field[] = [...REQ1, ["cache-control", "no-cache"]];
const REQ3: Field[] = [
  [":method", "GET"],
  [":scheme", "https"],
  [":path", "/index.html"],
  [":authority", "www.example.com"],
  ["custom-key", "custom-value"],
];
const REQ_TABLES: Field[][] = [
  [[":authority", "www.example.com"]],
  [
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ],
  [
    ["custom-key", "custom-value"],
    ["cache-control", "no-cache"],
    [":authority", "www.example.com"],
  ],
];
const REQ_SIZES = [57, 110, 164];

// RFC 7541 C.5 / C.6: responses with SETTINGS_HEADER_TABLE_SIZE 256 (evictions).
const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOC = "https://www.example.com";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const RESP1: Field[] = [
  [":status", "302"],
  ["cache-control", "private"],
  ["date", DATE1],
  ["location", LOC],
];
const RESP2: Field[] = [[":status", "307"], ...RESP1.slice(1)];
const RESP3: Field[] = [
  [":status", "200"],
  ["cache-control", "private"],
  ["date", DATE2],
  ["location", LOC],
  ["content-encoding", "gzip"],
  ["set-cookie", COOKIE],
];
const RESP_TABLES: Field[][] = [
  [
    ["location", LOC],
    ["date", DATE1],
    ["cache-control", "private"],
    [":status", "302"],
  ],
  [
    [":status", "307"],
    ["location", LOC],
    ["date", DATE1],
    ["cache-control", "private"],
  ],
  [
    ["set-cookie", COOKIE],
    ["content-encoding", "gzip"],
    ["date", DATE2],
  ],
];
const RESP_SIZES = [222, 222, 215];

describe("RFC 7541 Appendix C examples", () => {
  it("C.2.1 literal with indexing", () => {
    const dec = new HpackDecoder();
    runSequence(dec, [
      {
        block: "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
        list: [["custom-key", "custom-header"]],
        table: [["custom-key", "custom-header"]],
        size: 55,
      },
    ]);
  });

  it("C.2.2 literal without indexing", () => {
    runSequence(new HpackDecoder(), [
      { block: "040c 2f73 616d 706c 652f 7061 7468", list: [[":path", "/sample/path"]], table: [], size: 0 },
    ]);
  });

  it("C.2.3 literal never indexed", () => {
    runSequence(new HpackDecoder(), [
      {
        block: "1008 7061 7373 776f 7264 0673 6563 7265 74",
        list: [["password", "secret"]],
        table: [],
        size: 0,
      },
    ]);
  });

  it("C.2.4 indexed field", () => {
    runSequence(new HpackDecoder(), [{ block: "82", list: [[":method", "GET"]], table: [], size: 0 }]);
  });

  const requests = (blocks: string[]): Step[] =>
    blocks.map((block, i) => ({
      block,
      list: [REQ1, REQ2, REQ3][i]!,
      table: REQ_TABLES[i]!,
      size: REQ_SIZES[i]!,
    }));
  const responses = (blocks: string[]): Step[] =>
    blocks.map((block, i) => ({
      block,
      list: [RESP1, RESP2, RESP3][i]!,
      table: RESP_TABLES[i]!,
      size: RESP_SIZES[i]!,
    }));

  it("C.3 requests without Huffman", () => {
    runSequence(
      new HpackDecoder(),
      requests([
        "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "8286 84be 5808 6e6f 2d63 6163 6865",
        "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
      ]),
    );
  });

  it("C.4 requests with Huffman", () => {
    runSequence(
      new HpackDecoder(),
      requests([
        "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
        "8286 84be 5886 a8eb 1064 9cbf",
        "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
      ]),
    );
  });

  it("C.5 responses without Huffman, table size 256 (evictions)", () => {
    runSequence(
      new HpackDecoder(256),
      responses([
        "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133" +
          "2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        "4803 3330 37c1 c0bf",
        "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d" +
          "54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049" +
          "5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
      ]),
    );
  });

  it("C.6 responses with Huffman, table size 256 (evictions)", () => {
    runSequence(
      new HpackDecoder(256),
      responses([
        "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6" +
          "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
        "4883 640e ffc1 c0bf",
        "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab" +
          "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f" +
          "9587 3160 65c0 03ed 4ee5 b106 3d50 07",
      ]),
    );
  });

  it("decodes a block in the middle of a larger buffer", () => {
    const inner = hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d");
    const buf = new Uint8Array(inner.length + 6).fill(0xff);
    buf.set(inner, 3);
    const dec = new HpackDecoder();
    const fields: Field[] = [];
    expect(dec.decode(buf, 3, 3 + inner.length, (n, v) => fields.push([n, v]))).toBe(DECODE_OK);
    expect(fields).toEqual(REQ1);
    // A view with a byte offset, and a Node Buffer, decode the same (fresh decoders).
    for (const view of [buf.subarray(1), Buffer.from(buf.buffer, 1)]) {
      const again: Field[] = [];
      expect(new HpackDecoder().decode(view, 2, 2 + inner.length, (n, v) => again.push([n, v]))).toBe(
        DECODE_OK,
      );
      expect(again).toEqual(REQ1);
    }
  });
});

describe("static table (RFC 7541 Appendix A)", () => {
  it("matches hpack.js's static table", () => {
    const oracle = hpack["static-table"].table;
    expect(STATIC_TABLE_LENGTH).toBe(61);
    expect(oracle.length).toBe(61);
    for (let i = 1; i <= 61; i++) {
      expect([STATIC_NAMES[i], STATIC_VALUES[i]]).toEqual([oracle[i - 1]!.name, oracle[i - 1]!.value]);
    }
  });

  it("every static index decodes to its entry; 62 does not exist in an empty table", () => {
    const dec = new HpackDecoder();
    const block = Uint8Array.from({ length: 61 }, (_, i) => 0x80 | (i + 1));
    const { code, fields } = run(dec, block);
    expect(code).toBe(DECODE_OK);
    expect(fields).toEqual(hpack["static-table"].table.map((e) => [e.name, e.value]));
    expect(run(dec, hex("be")).code).toBe(DECODE_COMPRESSION);
  });
});

describe("dynamic table", () => {
  it("indexes newest first across ring growth (hundreds of entries)", () => {
    const dec = new HpackDecoder(65536);
    const names = Array.from({ length: 300 }, (_, i) => `n${i}`);
    // Literal with incremental indexing, literal name: 0x40, len, name, len, value (RFC 7541 §6.2.1).
    const parts: number[] = [];
    for (const n of names) {
      parts.push(0x40, n.length, ...Buffer.from(n), 1, 0x76);
    }
    expect(run(dec, Uint8Array.from(parts)).code).toBe(DECODE_OK);
    expect(dec.tableLength).toBe(300);
    expect(dec.tableSize).toBe(names.reduce((s, n) => s + n.length + 1 + 32, 0));
    // Index 62 is the newest (n299); 62 + 299 the oldest (n0). 7-bit prefix integers (RFC 7541 §5.1).
    for (const [index, name] of [
      [62, "n299"],
      [62 + 10, "n289"],
      [62 + 299, "n0"],
    ] as const) {
      const { code, fields } = run(dec, encodeIndexed(index));
      expect(code).toBe(DECODE_OK);
      expect(fields).toEqual([[name, "v"]]);
    }
    expect(run(dec, encodeIndexed(62 + 300)).code).toBe(DECODE_COMPRESSION);
  });

  it("an entry larger than the table empties it (RFC 7541 §4.4)", () => {
    const dec = new HpackDecoder(100);
    // custom-key: custom-header (55 octets) fits.
    expect(run(dec, hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")).code).toBe(
      DECODE_OK,
    );
    expect(dec.tableSize).toBe(55);
    // A 70-octet value with name "x": 32 + 1 + 70 = 103 > 100.
    const big = [0x40, 1, 0x78, 70, ...new Array<number>(70).fill(0x61)];
    const { code, fields } = run(dec, Uint8Array.from(big));
    expect(code).toBe(DECODE_OK);
    expect(fields).toEqual([["x", "a".repeat(70)]]);
    expect(dec.tableSize).toBe(0);
    expect(dec.tableLength).toBe(0);
  });

  it("an entry exactly the table size fits after evicting everything", () => {
    const dec = new HpackDecoder(104);
    run(dec, Uint8Array.from([0x40, 1, 0x61, 1, 0x62])); // a: b, 34 octets
    const exact = [0x40, 1, 0x78, 71, ...new Array<number>(71).fill(0x61)]; // 32 + 1 + 71 = 104
    expect(run(dec, Uint8Array.from(exact)).code).toBe(DECODE_OK);
    expect(dec.dynamicEntries()).toEqual([["x", "a".repeat(71)]]);
    expect(dec.tableSize).toBe(104);
  });

  it("a size update evicts down to the new size; 0 empties the table (RFC 7541 §4.3)", () => {
    const dec = new HpackDecoder();
    // C.3.1 and C.3.2 leave cache-control: no-cache (53) and :authority: www.example.com (57).
    runSequence(dec, [
      {
        block: "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
        list: REQ1,
        table: REQ_TABLES[0]!,
        size: 57,
      },
      { block: "8286 84be 5808 6e6f 2d63 6163 6865", list: REQ2, table: REQ_TABLES[1]!, size: 110 },
    ]);
    // 0x3f 0x1b: update to 31 + 27 = 58 keeps only the newest (53 octets).
    expect(run(dec, hex("3f1b 82"))).toEqual({ code: DECODE_OK, fields: [[":method", "GET"]] });
    expect(dec.dynamicEntries()).toEqual([["cache-control", "no-cache"]]);
    expect(dec.maxTableSize).toBe(58);
    // Two updates at the start of one block: 0 then 4096 (0x3f 0xe1 0x1f).
    expect(run(dec, hex("20 3fe1 1f")).code).toBe(DECODE_OK);
    expect(dec.tableSize).toBe(0);
    expect(dec.maxTableSize).toBe(4096);
  });

  it("accepts updates up to the cap, above the initial setting", () => {
    const dec = new HpackDecoder(4096, 8192);
    expect(run(dec, Uint8Array.from([0x20 | 31, ...varint(8192 - 31)])).code).toBe(DECODE_OK);
    expect(dec.maxTableSize).toBe(8192);
  });
});

describe("decoding errors (the context stays failed)", () => {
  /** Asserts `block` fails a fresh decoder and that the decoder then refuses a valid block. */
  function rejects(block: Uint8Array, dec = new HpackDecoder()): void {
    expect(run(dec, block).code).toBe(DECODE_COMPRESSION);
    expect(run(dec, hex("82")).code).toBe(DECODE_COMPRESSION);
  }

  it("index 0 (RFC 7541 §6.1)", () => {
    rejects(hex("80"));
  });

  it("index beyond static + dynamic table (RFC 7541 §2.3.3)", () => {
    rejects(hex("be")); // 62, empty dynamic table
    rejects(hex("ff 80 01")); // 127 + 128
    rejects(hex("7e 01 61")); // literal with indexing, name index 62
    rejects(hex("0f 2f 01 61")); // literal without indexing, name index 15 + 47 = 62
    rejects(hex("1f 2f 01 61")); // never indexed, name index 62
  });

  it("table size update above the limit (RFC 7541 §6.3)", () => {
    expect(run(new HpackDecoder(4096, 8192), Uint8Array.from([0x3f, ...varint(8192 - 31)])).code).toBe(
      DECODE_OK,
    );
    rejects(Uint8Array.from([0x3f, ...varint(8193 - 31)]), new HpackDecoder(4096, 8192));
    rejects(hex("3f e2 1f"), new HpackDecoder(4096, 4096)); // 4097
  });

  it("table size update after a field (RFC 7541 §4.2)", () => {
    rejects(hex("82 20"));
    rejects(hex("20 82 3f e1 1f"));
  });

  it("truncated integers", () => {
    rejects(hex("ff")); // full 7-bit prefix, no continuation
    rejects(hex("ff 80")); // continuation flag on the last byte
    rejects(hex("3f")); // size update prefix only
    rejects(hex("40 7f")); // name length prefix full, then nothing
  });

  it("truncated strings", () => {
    rejects(hex("40")); // literal name missing
    rejects(hex("40 05 6162")); // name length 5, 2 bytes
    rejects(hex("40 01 61")); // value missing
    rejects(hex("41 03 6162")); // value length 3, 2 bytes
    rejects(hex("41 83 6162")); // Huffman value length 3, 2 bytes
  });

  it("integer overflow and over-long integers (RFC 7541 §5.1)", () => {
    rejects(hex("ff ff ff ff ff 0f")); // 127 + 2^32 - 1 > 2^31 - 1
    rejects(hex("ff 80 80 80 80 80 00")); // 6 continuation bytes
    rejects(hex("40 7f ff ff ff ff 07")); // string length 127 + 2^31 - 1 > 2^31 - 1
    // Five continuation bytes with leading zero groups are within the limit: size update to 31.
    const dec = new HpackDecoder();
    expect(run(dec, hex("3f 80 80 80 80 00")).code).toBe(DECODE_OK);
    expect(dec.maxTableSize).toBe(31);
  });

  it("bad ranges are refused, not thrown", () => {
    const dec = new HpackDecoder();
    expect(dec.decode(hex("82"), 0, 5, () => undefined)).toBe(DECODE_COMPRESSION);
    expect(new HpackDecoder().decode(hex("82"), 1, 0, () => undefined)).toBe(DECODE_COMPRESSION);
    expect(new HpackDecoder().decode(hex("82"), -1, 1, () => undefined)).toBe(DECODE_COMPRESSION);
  });

  it("reports the fields before the error, then fails", () => {
    const dec = new HpackDecoder();
    expect(run(dec, hex("82 86 80"))).toEqual({
      code: DECODE_COMPRESSION,
      fields: [
        [":method", "GET"],
        [":scheme", "http"],
      ],
    });
  });
});

/** An indexed field representation (RFC 7541 §6.1) for `index`. */
function encodeIndexed(index: number): Uint8Array {
  return index < 127 ? Uint8Array.from([0x80 | index]) : Uint8Array.from([0xff, ...varint(index - 127)]);
}

/** The continuation bytes of an RFC 7541 §5.1 integer whose prefix is full: `rest` = value - prefix max. */
function varint(rest: number): number[] {
  const out: number[] = [];
  while (rest >= 128) {
    out.push((rest % 128) + 128);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return out;
}
