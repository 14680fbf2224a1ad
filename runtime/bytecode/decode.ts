/**
 * @fileoverview Reads bundle bytes into a Bundle, checking every structure on the way.
 *
 * The decoder owns the structural half of verification: header, checksum, the canonical section
 * layout, string pool, source map, annotations, and every table's key specs and entries (a table entry
 * that could make a lookup structure misbehave is rejected here). The program's control and data flow
 * is checked by verify.ts. Every failure is a LoadError naming the byte offset; no other exception
 * leaves `decodeBundle`, whatever the input.
 */

import {
  BUNDLE_FLAGS_KNOWN,
  BUNDLE_MAGIC,
  FORMAT_MAJOR,
  FORMAT_MINOR,
  HEADER_BYTES,
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  MATCH_TERNARY,
  MAX_ACTION_WORDS,
  MAX_BUNDLE_BYTES,
  MAX_COUNTERS,
  MAX_INSTRUCTIONS,
  MAX_KEY_FIELDS,
  MAX_STRINGS,
  MAX_TABLES,
  MAX_TABLE_ENTRIES,
  NO_STRING,
  RAW_SECTION_KINDS,
  SECTION_ROW_BYTES,
  SEC_ANNOTATIONS,
  SEC_MAX,
  SEC_PROGRAM,
  SEC_SOURCE_MAP,
  SEC_STRINGS,
  SEC_TABLES,
  SOURCE_MAP_RECORD_WORDS,
  entryStride,
  keyDataOffset,
} from "./bundle.js";
import type { Annotation, Bundle, KeyField, SourceMapEntry, TableDef } from "./bundle.js";
import { crc32 } from "./crc32.js";
import { LoadError } from "./load-error.js";
import type { LoadErrorCode } from "./load-error.js";
import { CTX_WORDS, contextField } from "../context.js";

// ignoreBOM: a pool string may start with U+FEFF and must come back unchanged.
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Bounds-checked little-endian reader over one section; errors name absolute offsets. */
class SectionReader {
  private at: number;
  private readonly view: DataView;
  private readonly end: number;
  private readonly code: LoadErrorCode;

  constructor(view: DataView, start: number, end: number, code: LoadErrorCode) {
    this.view = view;
    this.at = start;
    this.end = end;
    this.code = code;
  }

  get offset(): number {
    return this.at;
  }

  get remaining(): number {
    return this.end - this.at;
  }

  fail(detail: string, code: LoadErrorCode = this.code, offset = this.at): never {
    throw new LoadError(code, offset, detail);
  }

  u32(what: string): number {
    if (this.at + 4 > this.end) {
      this.fail(`section ends before ${what}`, "truncated");
    }
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  /** `n` words as a fresh Uint32Array. */
  words(n: number, what: string): Uint32Array {
    if (n > this.remaining / 4) {
      this.fail(`section ends before ${what} (${n} words)`, "truncated");
    }
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      out[i] = this.view.getUint32(this.at + 4 * i, true);
    }
    this.at += 4 * n;
    return out;
  }

  expectEnd(what: string): void {
    if (this.at !== this.end) {
      this.fail(`${this.end - this.at} bytes left over after ${what}`);
    }
  }
}

interface SectionRow {
  kind: number;
  offset: number;
  length: number;
  row: number;
}

function readHeader(bytes: Uint8Array, view: DataView): { minor: number; flags: number; rows: SectionRow[] } {
  if (bytes.length < HEADER_BYTES) {
    throw new LoadError(
      "truncated",
      bytes.length,
      `bundle is ${bytes.length} bytes, header needs ${HEADER_BYTES}`,
    );
  }
  if (bytes.length > MAX_BUNDLE_BYTES) {
    throw new LoadError("bad-length", 0, `bundle is ${bytes.length} bytes, limit ${MAX_BUNDLE_BYTES}`);
  }
  if (view.getUint32(0, true) !== BUNDLE_MAGIC) {
    throw new LoadError("bad-magic", 0, "magic is not SLUC");
  }
  const major = view.getUint16(4, true);
  const minor = view.getUint16(6, true);
  if (major !== FORMAT_MAJOR || minor > FORMAT_MINOR) {
    throw new LoadError(
      "bad-version",
      4,
      `format ${major}.${minor}; this runtime reads ${FORMAT_MAJOR}.0-${FORMAT_MINOR}`,
    );
  }
  const flags = view.getUint32(8, true);
  if ((flags & ~BUNDLE_FLAGS_KNOWN) !== 0) {
    throw new LoadError("bad-flags", 8, `unknown flag bits 0x${(flags & ~BUNDLE_FLAGS_KNOWN).toString(16)}`);
  }
  const total = view.getUint32(12, true);
  if (total !== bytes.length) {
    throw new LoadError("bad-length", 12, `header says ${total} bytes, file has ${bytes.length}`);
  }
  const sum = crc32(bytes, 20, total);
  if (view.getUint32(16, true) !== sum) {
    throw new LoadError(
      "bad-checksum",
      16,
      `CRC-32 0x${view.getUint32(16, true).toString(16)} != computed 0x${sum.toString(16)}`,
    );
  }
  const count = view.getUint32(20, true);
  if (count > SEC_MAX || HEADER_BYTES + count * SECTION_ROW_BYTES > total) {
    throw new LoadError("bad-section-table", 20, `section count ${count} does not fit`);
  }
  const rows: SectionRow[] = [];
  let expectOffset = HEADER_BYTES + count * SECTION_ROW_BYTES;
  let lastKind = 0;
  for (let i = 0; i < count; i++) {
    const row = HEADER_BYTES + i * SECTION_ROW_BYTES;
    const kind = view.getUint32(row, true);
    const offset = view.getUint32(row + 4, true);
    const length = view.getUint32(row + 8, true);
    if (kind === 0 || kind > SEC_MAX) {
      throw new LoadError("bad-section-table", row, `unknown section kind ${kind}`);
    }
    if (kind <= lastKind) {
      throw new LoadError("bad-section-table", row, `section kind ${kind} out of order or repeated`);
    }
    if (offset !== expectOffset || length % 4 !== 0 || length > total - offset) {
      throw new LoadError(
        "bad-section-table",
        row,
        `section ${kind} at ${offset}+${length} is not contiguous, aligned and inside the file`,
      );
    }
    rows.push({ kind, offset, length, row });
    lastKind = kind;
    expectOffset = offset + length;
  }
  if (expectOffset !== total) {
    throw new LoadError("bad-section-table", 20, `${total - expectOffset} bytes after the last section`);
  }
  return { minor, flags, rows };
}

function readStrings(bytes: Uint8Array, view: DataView, s: SectionRow): string[] {
  const r = new SectionReader(view, s.offset, s.offset + s.length, "bad-strings");
  const count = r.u32("string count");
  if (count > MAX_STRINGS || count + 1 > r.remaining / 4) {
    r.fail(`string count ${count} does not fit`);
  }
  const offsets = r.words(count + 1, "string offsets");
  const dataStart = r.offset;
  const dataLen = s.offset + s.length - dataStart;
  if (offsets[0] !== 0) {
    r.fail("first string offset must be 0", "bad-strings", dataStart - 4 * (count + 1));
  }
  const strings: string[] = new Array<string>(count);
  for (let i = 0; i < count; i++) {
    const a = offsets[i]!;
    const b = offsets[i + 1]!;
    if (b < a || b > dataLen) {
      r.fail(`string ${i} spans ${a}..${b} outside ${dataLen} data bytes`, "bad-strings", dataStart);
    }
    try {
      strings[i] = utf8.decode(bytes.subarray(dataStart + a, dataStart + b));
    } catch {
      r.fail(`string ${i} is not valid UTF-8`, "bad-strings", dataStart + a);
    }
  }
  const used = offsets[count]!;
  const padded = (used + 3) & ~3;
  if (padded !== dataLen) {
    r.fail(`string data is ${dataLen} bytes, expected ${padded}`, "bad-strings", dataStart + used);
  }
  for (let i = dataStart + used; i < dataStart + dataLen; i++) {
    if (bytes[i] !== 0) {
      r.fail("string padding is not zero", "bad-padding", i);
    }
  }
  return strings;
}

function checkString(
  r: SectionReader,
  index: number,
  strings: readonly string[],
  optional: boolean,
  what: string,
): void {
  if (index === NO_STRING && optional) {
    return;
  }
  if (index >= strings.length) {
    r.fail(`${what} string index ${index} >= ${strings.length}`, "bad-string-index", r.offset - 4);
  }
}

function readSourceMap(view: DataView, s: SectionRow, strings: readonly string[]): SourceMapEntry[] {
  const r = new SectionReader(view, s.offset, s.offset + s.length, "bad-source-map");
  const count = r.u32("record count");
  const recordWords = r.u32("record size");
  if (recordWords !== SOURCE_MAP_RECORD_WORDS || count !== r.remaining / 4 / recordWords) {
    r.fail(`${count} records of ${recordWords} words do not fill the section`);
  }
  const out: SourceMapEntry[] = [];
  for (let i = 0; i < count; i++) {
    const ruleId = r.u32("rule id");
    const file = r.u32("file");
    checkString(r, file, strings, true, "file");
    const line = r.u32("line");
    const column = r.u32("column");
    const kind = r.u32("kind");
    checkString(r, kind, strings, true, "kind");
    const namespace = r.u32("namespace");
    checkString(r, namespace, strings, true, "namespace");
    const name = r.u32("name");
    checkString(r, name, strings, true, "name");
    const ruleIndex = r.u32("rule index");
    const tier = r.u32("tier");
    checkString(r, tier, strings, true, "tier");
    const label = r.u32("label");
    checkString(r, label, strings, true, "label");
    out.push({ ruleId, file, line, column, kind, namespace, name, ruleIndex, tier, label });
  }
  return out;
}

function readKey(r: SectionReader): KeyField {
  const w = r.u32("key spec");
  const field = w & 0xffff;
  const words = (w >>> 16) & 0xff;
  const kind = w >>> 24;
  const info = contextField(field);
  const at = r.offset - 4;
  if (info === undefined || field + words > CTX_WORDS) {
    r.fail(`key field ${field} is not a context field`, "bad-table-key", at);
  }
  if (words !== info.words) {
    r.fail(`key field ${info.name} is ${info.words} words wide, spec says ${words}`, "bad-table-key", at);
  }
  if (kind > MATCH_TERNARY) {
    r.fail(`unknown match kind ${kind}`, "bad-table-key", at);
  }
  if (kind === MATCH_RANGE && words !== 1) {
    r.fail(`range match on ${words}-word field ${info.name}`, "bad-table-key", at);
  }
  return { field, words, kind };
}

/** Checks one entry's key data: lpm prefix length and host bits, range order, ternary value within mask. */
function checkEntry(r: SectionReader, t: TableDef, e: number, entryStart: number): void {
  const stride = entryStride(t);
  const base = e * stride;
  for (let k = 0; k < t.keys.length; k++) {
    const key = t.keys[k]!;
    const at = base + keyDataOffset(t, k);
    const where = entryStart + at * 4;
    if (key.kind === MATCH_LPM) {
      const plen = t.entries[at + key.words]!;
      if (plen > 32 * key.words) {
        r.fail(`entry ${e}: prefix length ${plen} > ${32 * key.words}`, "bad-table-entry", where);
      }
      for (let w = 0; w < key.words; w++) {
        const bits = Math.min(32, Math.max(0, plen - 32 * w));
        const hostMask = bits === 32 ? 0 : (0xffffffff >>> bits) >>> 0;
        if ((t.entries[at + w]! & hostMask) !== 0) {
          r.fail(`entry ${e}: value has bits set beyond prefix /${plen}`, "bad-table-entry", where);
        }
      }
    } else if (key.kind === MATCH_RANGE) {
      if (t.entries[at]! > t.entries[at + 1]!) {
        r.fail(
          `entry ${e}: range ${t.entries[at]!}..${t.entries[at + 1]!} is empty`,
          "bad-table-entry",
          where,
        );
      }
    } else if (key.kind === MATCH_TERNARY) {
      for (let w = 0; w < key.words; w++) {
        if ((t.entries[at + w]! & ~t.entries[at + key.words + w]!) !== 0) {
          r.fail(`entry ${e}: ternary value has bits outside its mask`, "bad-table-entry", where);
        }
      }
    } else if (key.kind !== MATCH_EXACT) {
      r.fail(`entry ${e}: unknown match kind`, "bad-table-entry", where);
    }
  }
}

function readTables(view: DataView, s: SectionRow, strings: readonly string[]): TableDef[] {
  const r = new SectionReader(view, s.offset, s.offset + s.length, "bad-table");
  const count = r.u32("table count");
  if (count > MAX_TABLES) {
    r.fail(`${count} tables exceed the limit of ${MAX_TABLES}`);
  }
  const tables: TableDef[] = [];
  for (let i = 0; i < count; i++) {
    const name = r.u32("table name");
    checkString(r, name, strings, false, "table name");
    const flags = r.u32("table flags");
    if (flags !== 0) {
      r.fail(`table ${i}: unknown flags 0x${flags.toString(16)}`, "bad-table", r.offset - 4);
    }
    const shape = r.u32("table shape");
    const keyCount = shape & 0xffff;
    const actionWords = shape >>> 16;
    if (keyCount === 0 || keyCount > MAX_KEY_FIELDS || actionWords > MAX_ACTION_WORDS) {
      r.fail(
        `table ${i}: ${keyCount} key fields / ${actionWords} action words out of range`,
        "bad-table",
        r.offset - 4,
      );
    }
    const entryCount = r.u32("entry count");
    if (entryCount > MAX_TABLE_ENTRIES) {
      r.fail(
        `table ${i}: ${entryCount} entries exceed the limit of ${MAX_TABLE_ENTRIES}`,
        "bad-table",
        r.offset - 4,
      );
    }
    const keys: KeyField[] = [];
    for (let k = 0; k < keyCount; k++) {
      keys.push(readKey(r));
    }
    const stride = entryStride({ keys, actionWords });
    const entryStart = r.offset;
    const entries = r.words(entryCount * stride, `table ${i} entries`);
    const table: TableDef = { name, flags, keys, actionWords, entryCount, entries };
    for (let e = 0; e < entryCount; e++) {
      checkEntry(r, table, e, entryStart);
    }
    tables.push(table);
  }
  r.expectEnd("the last table");
  return tables;
}

function readProgram(
  view: DataView,
  s: SectionRow,
  strings: readonly string[],
): { insns: Uint32Array; counterNames: number[]; insnOffset: number } {
  const r = new SectionReader(view, s.offset, s.offset + s.length, "bad-program");
  const insnCount = r.u32("instruction count");
  const counterCount = r.u32("counter count");
  if (insnCount === 0 || insnCount > MAX_INSTRUCTIONS) {
    r.fail(`${insnCount} instructions; allowed 1..${MAX_INSTRUCTIONS}`, "bad-program", s.offset);
  }
  if (counterCount > MAX_COUNTERS) {
    r.fail(`${counterCount} counters exceed the limit of ${MAX_COUNTERS}`, "bad-program", s.offset + 4);
  }
  const counterNames: number[] = [];
  for (let i = 0; i < counterCount; i++) {
    const c = r.u32("counter name");
    checkString(r, c, strings, false, "counter name");
    counterNames.push(c);
  }
  const insnOffset = r.offset;
  const insns = r.words(insnCount * 2, "instructions");
  r.expectEnd("the instructions");
  return { insns, counterNames, insnOffset };
}

function readAnnotations(
  view: DataView,
  s: SectionRow,
  strings: readonly string[],
  insnCount: number,
): Annotation[] {
  const r = new SectionReader(view, s.offset, s.offset + s.length, "bad-annotations");
  const count = r.u32("annotation count");
  if (count !== r.remaining / 8) {
    r.fail(`${count} annotations do not fill the section`);
  }
  const out: Annotation[] = [];
  let last = -1;
  for (let i = 0; i < count; i++) {
    const pc = r.u32("annotation pc");
    if (pc >= insnCount || pc < last) {
      r.fail(`annotation pc ${pc} out of range or not sorted`, "bad-annotations", r.offset - 4);
    }
    last = pc;
    const text = r.u32("annotation text");
    checkString(r, text, strings, false, "annotation");
    out.push({ pc, text });
  }
  return out;
}

/** A decoded bundle plus where its instructions start (verify.ts names offsets with it). */
export interface DecodedBundle {
  /** The bundle value. */
  readonly bundle: Bundle;
  /** Byte offset of instruction 0. */
  readonly insnOffset: number;
}

/** Decode and structurally check `bytes`. Throws LoadError and nothing else. */
export function decodeBundle(bytes: Uint8Array): DecodedBundle {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { minor, flags, rows } = readHeader(bytes, view);
  const byKind = new Map(rows.map((row) => [row.kind, row]));
  for (const required of [SEC_STRINGS, SEC_TABLES, SEC_PROGRAM]) {
    if (!byKind.has(required)) {
      throw new LoadError("missing-section", 20, `required section ${required} is absent`);
    }
  }
  const strings = readStrings(bytes, view, byKind.get(SEC_STRINGS)!);
  const sm = byKind.get(SEC_SOURCE_MAP);
  const sourceMap = sm ? readSourceMap(view, sm, strings) : [];
  const tables = readTables(view, byKind.get(SEC_TABLES)!, strings);
  const { insns, counterNames, insnOffset } = readProgram(view, byKind.get(SEC_PROGRAM)!, strings);
  const an = byKind.get(SEC_ANNOTATIONS);
  const annotations = an ? readAnnotations(view, an, strings, insns.length / 2) : [];
  const rawSections = new Map<number, Uint8Array>();
  for (const kind of RAW_SECTION_KINDS) {
    const row = byKind.get(kind);
    if (row) {
      rawSections.set(kind, bytes.slice(row.offset, row.offset + row.length));
    }
  }
  // Canonical form: the writer omits empty optional sections, so an empty one present is not canonical.
  if ((sm && sourceMap.length === 0) || (an && annotations.length === 0)) {
    throw new LoadError("bad-section-table", (sm ?? an)!.row, "empty optional section present");
  }
  return {
    bundle: {
      minor,
      flags,
      strings,
      sourceMap,
      tables,
      program: { insns, counterNames },
      annotations,
      rawSections,
    },
    insnOffset,
  };
}
