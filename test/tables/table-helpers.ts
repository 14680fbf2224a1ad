/**
 * @fileoverview Helpers for the table tests: building TableDefs from readable rows, a naive oracle
 * written straight from the definition in lookup.ts (independent of every structure, including the
 * linear scan), and fast-check arbitraries for random tables and contexts biased to hit entries.
 */

import fc from "fast-check";

import {
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  MATCH_TERNARY,
  entryStride,
  keyDataOffset,
  keyDataWords,
  type KeyField,
  type TableDef,
} from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import { CTX_WORDS, createContext } from "../../runtime/context.js";

/** One entry: its priority and, per key field, the field's data words (bundle.ts layout). */
export interface Row {
  readonly priority: number;
  readonly data: readonly (readonly number[])[];
}

/** Builds a table; rule id of entry i is 100 + i, verdict and flags 0, no action data. */
export function makeTable(keys: readonly KeyField[], rows: readonly Row[]): TableDef {
  const stride = entryStride({ keys, actionWords: 0 });
  const entries = new Uint32Array(rows.length * stride);
  rows.forEach((row, i) => {
    const words = [row.priority, ...row.data.flat(), 0, 100 + i, 0];
    if (words.length !== stride) {
      throw new Error(`row ${i}: ${words.length} words, stride is ${stride}`);
    }
    entries.set(words, i * stride);
  });
  return { name: 0, flags: 0, keys, actionWords: 0, entryCount: rows.length, entries };
}

/** A context with the given words set (field id → word or words). */
export function ctxOf(values: Readonly<Record<number, number | readonly number[]>>): Uint32Array {
  const ctx = createContext();
  for (const [field, v] of Object.entries(values)) {
    const words = typeof v === "number" ? [v] : v;
    words.forEach((w, j) => (ctx[Number(field) + j] = w));
  }
  return ctx;
}

/** Parses an IPv4 dotted quad. */
export function ip4(text: string): number {
  const p = text.split(".").map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** Parses an IPv6 address (at most one "::", optional dotted IPv4 tail) into four words, MSB first. */
export function ip6(text: string): number[] {
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted !== null) {
    const v = ip4(dotted[2]!);
    text = `${dotted[1]!}${(v >>> 16).toString(16)}:${(v & 0xffff).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t].map((g) =>
    parseInt(g, 16),
  );
  return [0, 1, 2, 3].map((i) => ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0);
}

/** LPM data words for `words` (already zero past the prefix) and prefix length `len`. */
export function lpmData(words: number | readonly number[], len: number): number[] {
  return [...(typeof words === "number" ? [words] : words), len];
}

function bigOf(ctx: Uint32Array | readonly number[], at: number, words: number): bigint {
  let v = 0n;
  for (let j = 0; j < words; j++) {
    v = (v << 32n) | BigInt(ctx[at + j]! >>> 0);
  }
  return v;
}

/** Whether key field `k` of entry `e` matches `ctx`, read literally from the definition. */
function fieldMatches(table: TableDef, e: number, k: number, ctx: Uint32Array): boolean {
  const key = table.keys[k]!;
  const d = e * entryStride(table) + keyDataOffset(table, k);
  const data = Array.from(table.entries.subarray(d, d + keyDataWords(key)));
  switch (key.kind) {
    case MATCH_EXACT:
      return data.every((w, j) => ctx[key.field + j] === w);
    case MATCH_LPM: {
      const len = BigInt(data[key.words]!);
      const drop = BigInt(32 * key.words) - len;
      return bigOf(ctx, key.field, key.words) >> drop === bigOf(data, 0, key.words) >> drop;
    }
    case MATCH_RANGE:
      return data[0]! <= ctx[key.field]! && ctx[key.field]! <= data[1]!;
    default:
      return data
        .slice(0, key.words)
        .every((v, j) => (ctx[key.field + j]! & data[key.words + j]!) >>> 0 === v);
  }
}

/** The best entry by the definition: a scan in entry order keeping the strictly smaller priority. */
export function naiveBest(table: TableDef, ctx: Uint32Array): number {
  const stride = entryStride(table);
  let best = NO_ENTRY;
  for (let e = 0; e < table.entryCount; e++) {
    if (table.keys.every((_, k) => fieldMatches(table, e, k, ctx))) {
      if (best === NO_ENTRY || table.entries[e * stride]! < table.entries[best * stride]!) {
        best = e;
      }
    }
  }
  return best;
}

// ## Arbitraries

/** u32 values biased to edges and small numbers, so random entries collide and nest. */
export const u32Arb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff),
  fc.integer({ min: 0, max: 15 }),
  fc.integer({ min: 0, max: 0xffffffff }),
);

const maskArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, 0xff, 0xffffffff, 0xffff0000, 0xf0f0f0f0, 0x80000001, 0x0000ff00),
  fc.integer({ min: 0, max: 0xffffffff }),
);

/** The kind and width of one key field. */
export type FieldShape = Pick<KeyField, "kind" | "words">;

const shapeArb: fc.Arbitrary<FieldShape> = fc.oneof(
  fc.record({ kind: fc.constantFrom(MATCH_EXACT, MATCH_LPM, MATCH_TERNARY), words: fc.constantFrom(1, 4) }),
  fc.constant({ kind: MATCH_RANGE, words: 1 }),
);

/** Non-overlapping context fields: 4-word fields first from the address slots, 1-word from the rest. */
export function assignFields(shapes: readonly FieldShape[]): KeyField[] {
  const wide = [6, 10, 32, 36];
  const narrow = [3, 4, 5, 14, 15, 16, 48, 49, 50, 51];
  return shapes.map((s) => ({ ...s, field: s.words === 4 ? wide.shift()! : narrow.shift()! }));
}

/** Prefix mask of word `j` for a prefix of `len` bits. */
function prefixWord(len: number, j: number): number {
  const bits = len - 32 * j;
  return bits >= 32 ? 0xffffffff : bits <= 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** Data words for one field of one entry. */
export function fieldDataArb(key: FieldShape): fc.Arbitrary<number[]> {
  const words = fc.array(u32Arb, { minLength: key.words, maxLength: key.words });
  switch (key.kind) {
    case MATCH_EXACT:
      return words;
    case MATCH_LPM: {
      const max = 32 * key.words;
      const len = fc.oneof(
        fc.constantFrom(...[0, 1, 8, 16, 24, 31, 32, 33, 64, 65, 96, 127, 128].filter((l) => l <= max)),
        fc.integer({ min: 0, max }),
      );
      return fc.tuple(words, len).map(([w, l]) =>
        lpmData(
          w.map((x, j) => (x & prefixWord(l, j)) >>> 0),
          l,
        ),
      );
    }
    case MATCH_RANGE:
      return fc.tuple(u32Arb, u32Arb).map(([a, b]) => [Math.min(a, b), Math.max(a, b)]);
    default:
      return fc
        .tuple(words, fc.array(maskArb, { minLength: key.words, maxLength: key.words }))
        .map(([v, m]) => [...v.map((x, j) => (x & m[j]!) >>> 0), ...m]);
  }
}

/** Rows for `keys`: priorities from a small pool, so ties are common. */
export function rowsArb(
  keys: readonly FieldShape[],
  maxEntries: number,
  minEntries = 0,
): fc.Arbitrary<Row[]> {
  const row = fc.record({
    priority: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.constantFrom(0xffffffff, 1000)),
    data: fc.tuple(...keys.map(fieldDataArb)),
  });
  return fc.array(row, { minLength: minEntries, maxLength: maxEntries, size: "max" });
}

/** Random general tables: 1..maxKeys fields of any kind and width, minEntries..maxEntries entries. */
export function tableArb(maxKeys = 5, maxEntries = 40, minEntries = 0): fc.Arbitrary<TableDef> {
  return fc
    .array(shapeArb, { minLength: 1, maxLength: maxKeys })
    .map(assignFields)
    .chain((keys) => rowsArb(keys, maxEntries, minEntries).map((rows) => makeTable(keys, rows)));
}

/** A recipe for a context: which entry to aim at, and per-word choices and noise. */
export interface CtxRecipe {
  readonly entry: number;
  readonly choice: readonly number[];
  readonly noise: readonly number[];
}

/** Context recipes (32 choices and noise words: enough for 8 four-word fields). */
export const ctxRecipeArb: fc.Arbitrary<CtxRecipe> = fc.record({
  entry: fc.nat(),
  choice: fc.array(fc.nat(9), { minLength: 32, maxLength: 32 }),
  noise: fc.array(u32Arb, { minLength: 32, maxLength: 32 }),
});

/**
 * A context near entry `recipe.entry`: per field word, the entry's corner values (exact value, both
 * ends of a prefix or range and one past them, the ternary value with random free bits) or noise.
 */
export function contextFor(table: TableDef, recipe: CtxRecipe): Uint32Array {
  const ctx = createContext();
  for (let i = 0; i < CTX_WORDS; i++) {
    ctx[i] = recipe.noise[i % 32]!;
  }
  if (table.entryCount === 0) {
    return ctx;
  }
  const e = recipe.entry % table.entryCount;
  let slot = 0;
  table.keys.forEach((key, k) => {
    const d = e * entryStride(table) + keyDataOffset(table, k);
    const data = table.entries.subarray(d, d + keyDataWords(key));
    for (let j = 0; j < key.words; j++, slot++) {
      const c = recipe.choice[slot % 32]!;
      const noise = recipe.noise[slot % 32]!;
      if (c >= 8) {
        continue; // keep the noise
      }
      let v: number;
      switch (key.kind) {
        case MATCH_EXACT:
          v = data[j]!;
          break;
        case MATCH_LPM: {
          const m = prefixWord(data[key.words]!, j);
          const free = ~m >>> 0;
          v = c < 3 ? data[j]! : c < 5 ? (data[j]! | free) >>> 0 : ((data[j]! & m) | (noise & free)) >>> 0;
          break;
        }
        case MATCH_RANGE: {
          const options = [data[0]!, data[1]!, data[0]! - 1, data[1]! + 1, noise];
          v = options[c % options.length]! >>> 0;
          break;
        }
        default: {
          const m = data[key.words + j]!;
          v = c < 6 ? (data[j]! | (noise & ~m)) >>> 0 : data[j]!;
        }
      }
      ctx[key.field + j] = v;
    }
  });
  return ctx;
}
