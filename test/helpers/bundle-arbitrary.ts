/**
 * @fileoverview fast-check arbitraries for valid bundles: every value `bundleArbitrary` produces
 * encodes to bytes that `decodeBundle` and `verifyProgram` accept. Shared by the text-form round-trip
 * property and the verifier fuzz tests.
 *
 * What varies: the string pool (unicode, empty, duplicates, quotes, controls, unreferenced entries),
 * tables with every key field, width and match kind and valid entries (LPM host bits zero, ranges
 * lo <= hi, ternary value within mask), counters, source map records, annotations, raw reserved
 * sections, the audit flag, and the program. Programs come from `buildProgram`, which turns a list of
 * random choices into a verified program: straight-line code with forward jumps, every register read
 * only where it is written on every path (the same forward dataflow the verifier runs), ending in
 * ret / retx / exit.
 */

import fc from "fast-check";
import {
  BUNDLE_FLAG_AUDIT,
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  MAX_ACTION_WORDS,
  NO_STRING,
  SEC_IDENTITIES,
  SEC_L7_RULES,
  SEC_METADATA,
  entryStride,
} from "../../runtime/bytecode/bundle.js";
import type {
  Annotation,
  Bundle,
  KeyField,
  SourceMapEntry,
  TableDef,
} from "../../runtime/bytecode/bundle.js";
import * as op from "../../runtime/bytecode/opcodes.js";
import { CONTEXT_FIELDS, CTX_WORDS, F_META0 } from "../../runtime/context.js";
import { VERDICT_MAX } from "../../runtime/verdict.js";

/** Size limits for generated bundles. */
export interface BundleArbitraryOptions {
  /** Most strings in the pool (default 10). */
  readonly maxStrings?: number;
  /** Most tables (default 3). */
  readonly maxTables?: number;
  /** Most entries per table (default 5). */
  readonly maxEntries?: number;
  /** Most instructions (default 30). */
  readonly maxInstructions?: number;
}

/** A u32 biased towards edge values and small numbers. */
export const u32Arbitrary: fc.Arbitrary<number> = fc.oneof(
  { arbitrary: fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), weight: 1 },
  { arbitrary: fc.nat(0xffff), weight: 2 },
  { arbitrary: fc.integer({ min: 0, max: 0xffffffff }), weight: 2 },
);

const TRICKY = [
  '"',
  "\\",
  "\n",
  "\r",
  "\t",
  "\0",
  "\u007f",
  "\u0085",
  "\u2028",
  "\ufeff",
  "#",
  ";",
  "$",
  "@",
  " ",
  "é",
  "😀",
  "r1",
  "-",
];

/** Strings for the pool: plain, any code point, tricky characters (U+FEFF too), and names that look like syntax. */
export const poolStringArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 8 }),
  fc.string({ unit: fc.constantFrom(...TRICKY), maxLength: 6 }),
  fc.constantFrom("", "ipcache", "policy", "drops", "r1", "key", "L3", "ret", "0x10", "\ufeffbom"),
);

const keyArbitrary: fc.Arbitrary<KeyField> = fc
  .record({ field: fc.constantFrom(...CONTEXT_FIELDS), kind: fc.nat(3) })
  .map(({ field, kind }) => ({
    field: field.id,
    words: field.words,
    kind: field.words === 4 && kind === MATCH_RANGE ? MATCH_LPM : kind,
  }));

const maskWord = fc.oneof(fc.constantFrom(0, 0xffffffff, 0xff, 0xffff0000), u32Arbitrary);

/** Valid match data for one key field. */
function keyDataArbitrary(key: KeyField): fc.Arbitrary<number[]> {
  const w = key.words;
  switch (key.kind) {
    case MATCH_EXACT:
      return fc.array(u32Arbitrary, { minLength: w, maxLength: w });
    case MATCH_LPM:
      return fc
        .tuple(fc.array(u32Arbitrary, { minLength: w, maxLength: w }), fc.nat(32 * w))
        .map(([value, plen]) => [
          ...value.map((v, i) => {
            const bits = plen - 32 * i; // bits of this word inside the prefix
            return bits <= 0 ? 0 : bits >= 32 ? v : (v & (0xffffffff << (32 - bits))) >>> 0;
          }),
          plen,
        ]);
    case MATCH_RANGE:
      return fc.tuple(u32Arbitrary, u32Arbitrary).map(([a, b]) => (a <= b ? [a, b] : [b, a]));
    default:
      return fc
        .tuple(
          fc.array(u32Arbitrary, { minLength: w, maxLength: w }),
          fc.array(maskWord, { minLength: w, maxLength: w }),
        )
        .map(([value, mask]) => [...value.map((v, i) => (v & mask[i]!) >>> 0), ...mask]);
  }
}

function entryArbitrary(keys: readonly KeyField[], actionWords: number): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.oneof(fc.constant(0), u32Arbitrary),
      fc.tuple(...keys.map(keyDataArbitrary)),
      fc.oneof(fc.nat(VERDICT_MAX), u32Arbitrary),
      fc.oneof(fc.constant(op.NO_RULE), fc.nat(5), u32Arbitrary),
      fc.oneof(fc.constant(0), u32Arbitrary),
      fc.array(u32Arbitrary, { minLength: actionWords, maxLength: actionWords }),
    )
    .map(([prio, data, verdict, rule, flags, action]) => [
      prio,
      ...data.flat(),
      verdict,
      rule,
      flags,
      ...action,
    ]);
}

function tableArbitrary(name: fc.Arbitrary<number>, maxEntries: number): fc.Arbitrary<TableDef> {
  const actionWords = fc.oneof(fc.nat(2), fc.nat(MAX_ACTION_WORDS));
  return fc
    .record({ name, keys: fc.array(keyArbitrary, { minLength: 1, maxLength: 8 }), actionWords })
    .chain(({ name, keys, actionWords }) =>
      fc.array(entryArbitrary(keys, actionWords), { maxLength: maxEntries }).map((rows) => {
        const entries = new Uint32Array(rows.length * entryStride({ keys, actionWords }));
        entries.set(rows.flat());
        return { name, flags: 0, keys, actionWords, entryCount: rows.length, entries };
      }),
    );
}

function recordArbitrary(str: fc.Arbitrary<number>): fc.Arbitrary<SourceMapEntry> {
  const small = (n: number, dflt: number): fc.Arbitrary<number> =>
    fc.oneof(fc.constant(dflt), fc.nat(n), u32Arbitrary);
  return fc.record({
    ruleId: small(5, 1),
    file: str,
    line: small(500, 0),
    column: small(80, 0),
    kind: str,
    namespace: str,
    name: str,
    ruleIndex: small(10, 0xffffffff),
    tier: str,
    label: str,
  });
}

const rawSectionsArbitrary: fc.Arbitrary<Map<number, Uint8Array>> = fc
  .tuple(
    ...[SEC_IDENTITIES, SEC_L7_RULES, SEC_METADATA].map(() =>
      fc.option(fc.array(u32Arbitrary, { maxLength: 10 })),
    ),
  )
  .map((bodies) => {
    const kinds = [SEC_IDENTITIES, SEC_L7_RULES, SEC_METADATA];
    const out = new Map<number, Uint8Array>();
    bodies.forEach((words, i) => {
      if (words !== null) {
        out.set(kinds[i]!, new Uint8Array(Uint32Array.from(words).buffer));
      }
    });
    return out;
  });

/** One random decision per instruction; `buildProgram` interprets it. */
export interface InsnChoice {
  /** Picks the instruction kind among those valid here. */
  readonly kind: number;
  /** Picks registers. */
  readonly a: number;
  /** Picks the second register, jump distance, operation, reason. */
  readonly b: number;
  /** Immediate. */
  readonly imm: number;
}

/** Random choices for a program of 1..max instructions. */
export function choicesArbitrary(max: number): fc.Arbitrary<InsnChoice[]> {
  return fc.array(fc.record({ kind: fc.nat(), a: fc.nat(), b: fc.nat(), imm: u32Arbitrary }), {
    minLength: 1,
    maxLength: max,
  });
}

const ALU_K = [
  op.OP_ADD_K,
  op.OP_SUB_K,
  op.OP_MUL_K,
  op.OP_OR_K,
  op.OP_AND_K,
  op.OP_LSH_K,
  op.OP_RSH_K,
  op.OP_XOR_K,
  op.OP_MOV_K,
];
const JMP_K = [op.OP_JEQ_K, op.OP_JGT_K, op.OP_JGE_K, op.OP_JSET_K, op.OP_JNE_K, op.OP_JLT_K, op.OP_JLE_K];
const REASONS = [0, 133, 181, 134, 0xffff, 1000];

/** A verified program from `choices` for tables with `actionWords` and `counters` counters. */
export function buildProgram(
  choices: readonly InsnChoice[],
  actionWords: readonly number[],
  counters: number,
): Uint32Array {
  const n = choices.length;
  const out = new Uint32Array(2 * n);
  const inMask = new Int32Array(n).fill(-1); // registers written on every path into pc; -1 = unreached
  inMask[0] = 0;
  for (let pc = 0; pc < n; pc++) {
    const c = choices[pc]!;
    const reached = inMask[pc]! >= 0;
    const mask = reached ? inMask[pc]! : 0xffff;
    const regs = Array.from({ length: 16 }, (_, r) => r).filter((r) => (mask & (1 << r)) !== 0);
    const pickReg = (x: number): number => regs[x % regs.length]!;
    const any = c.a & 15;
    const last = pc === n - 1;
    const svcs = Array.from({ length: op.SVC_MAX }, (_, i) => i + 1).filter((s) => {
      const argRegs = ((1 << ((op.SERVICE_ARGS[s] ?? 0) + 1)) - 1) & ~1; // r1..rN
      return (mask & argRegs) === argRegs;
    });
    const kinds = [
      "ret",
      ...(regs.length > 0 ? ["retx"] : []),
      ...((mask & 7) === 7 ? ["exit"] : []),
      ...(last
        ? []
        : [
            "movk",
            "ldf",
            "ja",
            "call",
            ...(regs.length > 0 ? ["alu", "stf", "jmp"] : []),
            ...(actionWords.length > 0 ? ["lookup"] : []),
            ...(actionWords.length > 0 && regs.length > 0 ? ["lda", "hit"] : []),
            ...(counters > 0 ? ["count"] : []),
          ]),
    ].filter((k) => k !== "call" || svcs.length > 0);
    const kind = kinds[c.kind % kinds.length]!;
    const off = last ? 0 : c.b % (n - pc - 1); // target pc + 1 + off lies in (pc, n - 1]
    let writes = 0;
    let clobbers = 0;
    let jump = -1;
    let falls = true;
    const emit = (code: number, dst: number, src: number, o: number, imm: number): void => {
      op.encodeInsn(out, pc, code, dst, src, o, imm);
    };
    switch (kind) {
      case "movk":
        emit(op.OP_MOV_K, any, 0, 0, c.imm);
        writes = 1 << any;
        break;
      case "alu": {
        const x = (c.b & 1) === 1;
        const code = ALU_K[(c.b >>> 1) % ALU_K.length]! | (x ? op.SRC_X : op.SRC_K);
        const dst = code === op.OP_MOV_X ? any : pickReg(c.a);
        emit(code, dst, x ? pickReg(c.b >>> 5) : 0, 0, x ? 0 : c.imm);
        writes = 1 << dst;
        break;
      }
      case "ldf":
        emit(op.OP_LDF, any, 0, 0, c.imm % CTX_WORDS);
        writes = 1 << any;
        break;
      case "stf":
        emit(op.OP_STF, 0, pickReg(c.a), 0, F_META0 + (c.imm % (CTX_WORDS - F_META0)));
        break;
      case "lookup":
        emit(op.OP_LOOKUP, any, 0, 0, c.imm % actionWords.length);
        writes = 1 << any;
        break;
      case "lda": {
        const table = c.imm % actionWords.length;
        emit(op.OP_LDA, any, pickReg(c.b), c.b % (op.ACTION_DATA0 + actionWords[table]!), table);
        writes = 1 << any;
        break;
      }
      case "hit":
        emit(op.OP_HIT, 0, pickReg(c.a), 0, c.imm % actionWords.length);
        break;
      case "count":
        emit(op.OP_COUNT, 0, 0, 0, c.imm % counters);
        break;
      case "call":
        emit(op.OP_CALL, 0, 0, 0, svcs[c.imm % svcs.length]!);
        writes = 1;
        clobbers = 0b111110;
        break;
      case "ja":
        emit(op.OP_JA, 0, 0, off, 0);
        jump = pc + 1 + off;
        falls = false;
        break;
      case "jmp": {
        const x = (c.imm & 1) === 1;
        const code = JMP_K[(c.imm >>> 1) % JMP_K.length]! | (x ? op.SRC_X : op.SRC_K);
        emit(code, pickReg(c.a), x ? pickReg(c.a >>> 4) : 0, off, x ? 0 : c.imm);
        jump = pc + 1 + off;
        break;
      }
      case "ret":
      case "retx":
        emit(
          kind === "ret" ? op.OP_RET : op.OP_RETX,
          0,
          kind === "ret" ? 0 : pickReg(c.a),
          REASONS[c.b % REASONS.length]!,
          1 + (c.imm % VERDICT_MAX),
        );
        falls = false;
        break;
      default:
        emit(op.OP_EXIT, 0, 0, 0, 0);
        falls = false;
    }
    if (!reached) {
      continue; // the verifier does not propagate from unreached code
    }
    const after = (mask | writes) & ~clobbers;
    for (const target of [falls ? pc + 1 : -1, jump]) {
      if (target >= 0) {
        inMask[target] = inMask[target]! < 0 ? after : inMask[target]! & after;
      }
    }
  }
  return out;
}

/** Annotations (sorted by pc) for a program of `n` instructions and a pool of `strings` strings. */
function annotationsArbitrary(n: number, strings: number): fc.Arbitrary<Annotation[]> {
  if (strings === 0) {
    return fc.constant([]);
  }
  return fc
    .array(fc.record({ pc: fc.nat(n - 1), text: fc.nat(strings - 1) }), { maxLength: 4 })
    .map((as) => [...as].sort((x, y) => x.pc - y.pc));
}

/** Valid bundles: `encodeBundle` of each is accepted by `decodeBundle` and `verifyProgram`. */
export function bundleArbitrary(options: BundleArbitraryOptions = {}): fc.Arbitrary<Bundle> {
  const { maxStrings = 10, maxTables = 3, maxEntries = 5, maxInstructions = 30 } = options;
  return fc
    .array(poolStringArbitrary, { maxLength: maxStrings })
    .chain((strings) => {
      const index = strings.length === 0 ? undefined : fc.nat(strings.length - 1);
      const optional = index === undefined ? fc.constant(NO_STRING) : fc.oneof(fc.constant(NO_STRING), index);
      return fc.record({
        strings: fc.constant(strings),
        flags: fc.constantFrom(0, BUNDLE_FLAG_AUDIT),
        sourceMap: fc.array(recordArbitrary(optional), { maxLength: 4 }),
        tables:
          index === undefined
            ? fc.constant<TableDef[]>([])
            : fc.array(tableArbitrary(index, maxEntries), { maxLength: maxTables }),
        counterNames: index === undefined ? fc.constant<number[]>([]) : fc.array(index, { maxLength: 4 }),
        rawSections: rawSectionsArbitrary,
      });
    })
    .chain((part) =>
      choicesArbitrary(maxInstructions).chain((choices) => {
        const insns = buildProgram(
          choices,
          part.tables.map((t) => t.actionWords),
          part.counterNames.length,
        );
        return annotationsArbitrary(choices.length, part.strings.length).map((annotations): Bundle => ({
          minor: 0,
          flags: part.flags,
          strings: part.strings,
          sourceMap: part.sourceMap,
          tables: part.tables,
          program: { insns, counterNames: part.counterNames },
          annotations,
          rawSections: part.rawSections,
        }));
      }),
    );
}
