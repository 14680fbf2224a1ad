// One rejection test per LoadError class: each starts from a valid bundle and breaks exactly one thing.
import { describe, expect, it } from "vitest";
import { BundleBuilder } from "../../compiler/bundle/bundle-builder.js";
import { MATCH_EXACT, MATCH_LPM, MATCH_RANGE, MATCH_TERNARY } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { crc32 } from "../../runtime/bytecode/crc32.js";
import { decodeBundle } from "../../runtime/bytecode/decode.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { LOAD_ERROR_CODES, LoadError } from "../../runtime/bytecode/load-error.js";
import type { LoadErrorCode } from "../../runtime/bytecode/load-error.js";
import * as O from "../../runtime/bytecode/opcodes.js";
import { verifyProgram } from "../../runtime/bytecode/verify.js";
import { F_DST_PORT, F_META0, F_PROTO, F_SRC_IP6 } from "../../runtime/context.js";
import { VERDICT_DROPPED, VERDICT_FORWARDED } from "../../runtime/verdict.js";

type Insn = [op: number, dst: number, src: number, off: number, imm: number];

/** A valid bundle: one exact table on proto, one counter, a source map record and a note. */
function baseBundle(): Bundle {
  const b = new BundleBuilder();
  const t = b.table("t", [{ field: F_PROTO, words: 1, kind: MATCH_EXACT }], 1);
  t.add(0, [{ exact: 6 }], VERDICT_FORWARDED, 1, 0, [42]);
  b.counter("packets");
  b.origin({ ruleId: 1, file: "p.yaml", line: 3, column: 5, kind: "Test", name: "n" });
  const miss = b.program.label();
  b.program.note("look up");
  b.program.lookup(0, t.index);
  b.program.jeq(0, O.NO_ENTRY, miss);
  b.program.ret(VERDICT_FORWARDED);
  b.program.bind(miss);
  b.program.ret(VERDICT_DROPPED, 133);
  return b.build();
}

function withInsns(insns: Insn[], base: Bundle = baseBundle()): Bundle {
  const words = new Uint32Array(insns.length * 2);
  insns.forEach(([op, dst, src, off, imm], pc) => {
    O.encodeInsn(words, pc, op, dst, src, off, imm);
  });
  return { ...base, annotations: [], program: { ...base.program, insns: words } };
}

/** Decode + verify, returning the LoadError (or undefined when accepted). */
function loadError(bytes: Uint8Array): LoadError | undefined {
  try {
    const { bundle, insnOffset } = decodeBundle(bytes);
    verifyProgram(bundle, insnOffset);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(LoadError);
    return e as LoadError;
  }
}

function expectCode(bytes: Uint8Array, code: LoadErrorCode): LoadError {
  const e = loadError(bytes);
  expect(e?.code, e?.message).toBe(code);
  return e!;
}

/** Rewrite the checksum after a deliberate mutation, so the mutation itself is what gets rejected. */
function rechecksum(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(16, crc32(bytes, 20, bytes.length), true);
  return bytes;
}

function sectionOffset(bytes: Uint8Array, kind: number): number {
  const v = new DataView(bytes.buffer, bytes.byteOffset);
  const n = v.getUint32(20, true);
  for (let i = 0; i < n; i++) {
    if (v.getUint32(24 + 12 * i, true) === kind) {
      return v.getUint32(28 + 12 * i, true);
    }
  }
  throw new Error(`no section ${kind}`);
}

const valid = encodeBundle(baseBundle());
const program = (insns: Insn[]): Uint8Array => encodeBundle(withInsns(insns));
const RET_OK: Insn = [O.OP_RET, 0, 0, 0, VERDICT_FORWARDED];

describe("loader accepts", () => {
  it("the base bundle and reports nothing", () => {
    expect(loadError(valid)).toBeUndefined();
  });
  it("a bundle that encodes back to the same bytes", () => {
    expect(encodeBundle(decodeBundle(valid).bundle)).toEqual(valid);
  });
});

describe("decoder rejects", () => {
  it("truncated: shorter than the header", () => {
    expectCode(valid.slice(0, 10), "truncated");
  });
  it("bad-magic", () => {
    const b = valid.slice();
    b[0] = 0x58;
    expectCode(b, "bad-magic");
  });
  it("bad-version: a newer major", () => {
    const b = valid.slice();
    b[4] = 2;
    expectCode(b, "bad-version");
  });
  it("bad-flags: unknown flag bit", () => {
    const b = valid.slice();
    b[9] = 0x80;
    expectCode(b, "bad-flags");
  });
  it("bad-length: header length differs from the file", () => {
    const b = new Uint8Array(valid.length + 4);
    b.set(valid);
    expectCode(b, "bad-length");
  });
  it("bad-checksum: one flipped bit in a section", () => {
    const b = valid.slice();
    b[b.length - 1]! ^= 1;
    const e = expectCode(b, "bad-checksum");
    expect(e.offset).toBe(16);
  });
  it("bad-section-table: sections out of order", () => {
    const b = valid.slice();
    const v = new DataView(b.buffer);
    v.setUint32(24, 9, true); // kind 9 is unknown
    expectCode(rechecksum(b), "bad-section-table");
  });
  it("missing-section: no program", () => {
    const b = valid.slice();
    const v = new DataView(b.buffer);
    // Relabel the program section (kind 4) as the reserved metadata section (kind 8): still ordered.
    const n = v.getUint32(20, true);
    for (let i = 0; i < n; i++) {
      if (v.getUint32(24 + 12 * i, true) === 4) {
        v.setUint32(24 + 12 * i, 5, true);
      }
    }
    expectCode(rechecksum(b), "missing-section");
  });
  it("bad-padding: non-zero string padding", () => {
    const bundle = { ...baseBundle(), strings: [...baseBundle().strings, "x"] };
    const b = encodeBundle(bundle);
    const at = sectionOffset(b, 1);
    const v = new DataView(b.buffer);
    const count = v.getUint32(at, true);
    const used = v.getUint32(at + 4 + 4 * count, true);
    const dataStart = at + 4 + 4 * (count + 1);
    b[dataStart + used] = 0x41; // first padding byte
    expectCode(rechecksum(b), "bad-padding");
  });
  it("bad-strings: invalid UTF-8", () => {
    const b = valid.slice();
    const at = sectionOffset(b, 1);
    const count = new DataView(b.buffer).getUint32(at, true);
    b[at + 4 + 4 * (count + 1)] = 0xff;
    expectCode(rechecksum(b), "bad-strings");
  });
  it("bad-string-index: table name beyond the pool", () => {
    const base = baseBundle();
    const t = base.tables[0]!;
    expectCode(encodeBundle({ ...base, tables: [{ ...t, name: 999 }] }), "bad-string-index");
  });
  it("bad-source-map: record size not the format's", () => {
    const b = valid.slice();
    const at = sectionOffset(b, 2);
    new DataView(b.buffer).setUint32(at + 4, 11, true);
    expectCode(rechecksum(b), "bad-source-map");
  });
  it("bad-annotations: pc beyond the program", () => {
    const base = baseBundle();
    expectCode(encodeBundle({ ...base, annotations: [{ pc: 99, text: 0 }] }), "bad-annotations");
  });
  it("bad-table: zero key fields", () => {
    const base = baseBundle();
    const t = base.tables[0]!;
    expectCode(
      encodeBundle({ ...base, tables: [{ ...t, keys: [], entryCount: 0, entries: new Uint32Array(0) }] }),
      "bad-table",
    );
  });
  it("bad-table-key: range match on a 128-bit field", () => {
    const base = baseBundle();
    const t = {
      ...base.tables[0]!,
      keys: [{ field: F_SRC_IP6, words: 4, kind: MATCH_RANGE }],
      entryCount: 0,
      entries: new Uint32Array(0),
    };
    expectCode(encodeBundle({ ...base, tables: [t] }), "bad-table-key");
  });
  it("bad-table-key: width disagrees with the field", () => {
    const base = baseBundle();
    const t = { ...base.tables[0]!, keys: [{ field: F_SRC_IP6, words: 1, kind: MATCH_EXACT }] };
    expectCode(encodeBundle({ ...base, tables: [t] }), "bad-table-key");
  });
  const entryCase = (name: string, kind: number, words: number, field: number, data: number[]): void => {
    it(`bad-table-entry: ${name}`, () => {
      const base = baseBundle();
      const entries = Uint32Array.from([0, ...data, VERDICT_FORWARDED, 1, 0]);
      const t = {
        ...base.tables[0]!,
        keys: [{ field, words, kind }],
        actionWords: 0,
        entryCount: 1,
        entries,
      };
      expectCode(
        encodeBundle({ ...base, program: withInsns([RET_OK]).program, tables: [t] }),
        "bad-table-entry",
      );
    });
  };
  entryCase("prefix length beyond the width", MATCH_LPM, 1, F_PROTO, [0, 33]);
  entryCase("value bits beyond the prefix", MATCH_LPM, 4, F_SRC_IP6, [0xfd000000, 0, 0, 1, 8]);
  entryCase("empty range", MATCH_RANGE, 1, F_DST_PORT, [443, 80]);
  entryCase("ternary value outside its mask", MATCH_TERNARY, 1, F_PROTO, [0x06, 0xf0]);
  it("bad-program: zero instructions", () => {
    expectCode(program([]), "bad-program");
  });
});

describe("verifier rejects", () => {
  it("unknown-opcode, naming the pc", () => {
    const e = expectCode(program([[0xff, 0, 0, 0, 0], RET_OK]), "unknown-opcode");
    expect(e.pc).toBe(0);
  });
  it("reserved-bits: a src register on an immediate ALU op", () => {
    expectCode(program([[O.OP_MOV_K, 1, 3, 0, 7], RET_OK]), "reserved-bits");
  });
  it("uninitialized-register: read on one path only", () => {
    const e = expectCode(
      program([
        [O.OP_LDF, 1, 0, 0, F_PROTO],
        [O.OP_JEQ_K, 1, 0, 1, 6], // skips the write of r2
        [O.OP_MOV_K, 2, 0, 0, 1],
        [O.OP_RETX, 0, 2, 0, VERDICT_FORWARDED],
      ]),
      "uninitialized-register",
    );
    expect(e.pc).toBe(3);
  });
  it("uninitialized-register: CALL clobbers r1..r5", () => {
    expectCode(
      program([
        [O.OP_MOV_K, 1, 0, 0, 0],
        [O.OP_CALL, 0, 0, 0, O.SVC_CT_LOOKUP],
        [O.OP_RETX, 0, 1, 0, VERDICT_FORWARDED],
      ]),
      "uninitialized-register",
    );
  });
  it("uninitialized-register: EXIT needs r0, r1, r2", () => {
    expectCode(
      program([
        [O.OP_MOV_K, 0, 0, 0, 1],
        [O.OP_EXIT, 0, 0, 0, 0],
      ]),
      "uninitialized-register",
    );
  });
  it("bad-jump: backward", () => {
    expectCode(program([[O.OP_JA, 0, 0, -1, 0], RET_OK]), "bad-jump");
  });
  it("bad-jump: beyond the end", () => {
    expectCode(program([[O.OP_JA, 0, 0, 5, 0], RET_OK]), "bad-jump");
  });
  it("no-return: falls off the end", () => {
    expectCode(program([[O.OP_MOV_K, 0, 0, 0, 1]]), "no-return");
  });
  it("bad-field: load beyond the context", () => {
    expectCode(program([[O.OP_LDF, 0, 0, 0, 64], RET_OK]), "bad-field");
  });
  it("bad-field: store to a runtime-owned field", () => {
    expectCode(program([[O.OP_MOV_K, 0, 0, 0, 1], [O.OP_STF, 0, 0, 0, F_PROTO], RET_OK]), "bad-field");
  });
  it("accepts a store to a META word", () => {
    expect(
      loadError(program([[O.OP_MOV_K, 0, 0, 0, 1], [O.OP_STF, 0, 0, 0, F_META0], RET_OK])),
    ).toBeUndefined();
  });
  it("bad-table-index", () => {
    expectCode(program([[O.OP_LOOKUP, 0, 0, 0, 1], RET_OK]), "bad-table-index");
  });
  it("bad-action-word: beyond the table's data words", () => {
    expectCode(program([[O.OP_LOOKUP, 0, 0, 0, 0], [O.OP_LDA, 1, 0, 4, 0], RET_OK]), "bad-action-word");
  });
  it("bad-counter-index", () => {
    expectCode(program([[O.OP_COUNT, 0, 0, 0, 1], RET_OK]), "bad-counter-index");
  });
  it("bad-service", () => {
    expectCode(program([[O.OP_CALL, 0, 0, 0, 99], RET_OK]), "bad-service");
  });
  it("bad-verdict", () => {
    expectCode(program([[O.OP_RET, 0, 0, 0, 42]]), "bad-verdict");
  });
});

describe("error codes", () => {
  it("every code has a rejection test above", async () => {
    const { readFile } = await import("node:fs/promises");
    const src = await readFile(new URL(import.meta.url), "utf8");
    for (const code of Object.keys(LOAD_ERROR_CODES)) {
      expect(src, `no test for ${code}`).toContain(`"${code}"`);
    }
  });
});
