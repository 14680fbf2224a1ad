/**
 * @fileoverview Writes a Bundle to its canonical bytes (layout in bundle.ts).
 *
 * The writer is the only producer of bundle bytes: the compiler builds a `Bundle` value and calls
 * `encodeBundle`; `sluice asm` does the same from text. Because the layout is canonical, encoding
 * what `decodeBundle` returned gives back the original bytes.
 */

import {
  BUNDLE_MAGIC,
  FORMAT_MAJOR,
  HEADER_BYTES,
  SECTION_ROW_BYTES,
  SEC_ANNOTATIONS,
  SEC_PROGRAM,
  SEC_SOURCE_MAP,
  SEC_STRINGS,
  SEC_TABLES,
  SOURCE_MAP_RECORD_WORDS,
  entryStride,
} from "./bundle.js";
import type { Bundle, TableDef } from "./bundle.js";
import { crc32 } from "./crc32.js";

const utf8 = new TextEncoder();

/** A growable little-endian word/byte writer. */
class ByteSink {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) {
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.length + n) {
      size *= 2;
    }
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0, true);
    this.length += 4;
  }

  words(ws: Uint32Array): void {
    this.reserve(ws.length * 4);
    for (let i = 0; i < ws.length; i++) {
      this.view.setUint32(this.length + 4 * i, ws[i]!, true);
    }
    this.length += ws.length * 4;
  }

  bytes(bs: Uint8Array): void {
    this.reserve(bs.length);
    this.buf.set(bs, this.length);
    this.length += bs.length;
  }

  /** Zero bytes up to the next multiple of 4. */
  pad4(): void {
    while (this.length % 4 !== 0) {
      this.reserve(1);
      this.buf[this.length++] = 0;
    }
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function encodeStrings(strings: readonly string[]): Uint8Array {
  const encoded = strings.map((s) => utf8.encode(s));
  const out = new ByteSink();
  out.u32(strings.length);
  let at = 0;
  out.u32(0);
  for (const e of encoded) {
    at += e.length;
    out.u32(at);
  }
  for (const e of encoded) {
    out.bytes(e);
  }
  out.pad4();
  return out.finish();
}

function encodeSourceMap(bundle: Bundle): Uint8Array {
  const out = new ByteSink();
  out.u32(bundle.sourceMap.length);
  out.u32(SOURCE_MAP_RECORD_WORDS);
  for (const r of bundle.sourceMap) {
    out.u32(r.ruleId);
    out.u32(r.file);
    out.u32(r.line);
    out.u32(r.column);
    out.u32(r.kind);
    out.u32(r.namespace);
    out.u32(r.name);
    out.u32(r.ruleIndex);
    out.u32(r.tier);
    out.u32(r.label);
  }
  return out.finish();
}

function encodeTable(out: ByteSink, t: TableDef): void {
  out.u32(t.name);
  out.u32(t.flags);
  out.u32((t.keys.length & 0xffff) | ((t.actionWords & 0xffff) << 16));
  out.u32(t.entryCount);
  for (const k of t.keys) {
    out.u32((k.field & 0xffff) | ((k.words & 0xff) << 16) | ((k.kind & 0xff) << 24));
  }
  const words = t.entryCount * entryStride(t);
  if (t.entries.length !== words) {
    throw new Error(`table has ${t.entries.length} entry words, expected ${words}`);
  }
  out.words(t.entries);
}

function encodeTables(tables: readonly TableDef[]): Uint8Array {
  const out = new ByteSink();
  out.u32(tables.length);
  for (const t of tables) {
    encodeTable(out, t);
  }
  return out.finish();
}

function encodeProgram(bundle: Bundle): Uint8Array {
  const out = new ByteSink();
  const { insns, counterNames } = bundle.program;
  if (insns.length % 2 !== 0) {
    throw new Error("program words must come in pairs");
  }
  out.u32(insns.length / 2);
  out.u32(counterNames.length);
  for (const c of counterNames) {
    out.u32(c);
  }
  out.words(insns);
  return out.finish();
}

function encodeAnnotations(bundle: Bundle): Uint8Array {
  const out = new ByteSink();
  out.u32(bundle.annotations.length);
  for (const a of bundle.annotations) {
    out.u32(a.pc);
    out.u32(a.text);
  }
  return out.finish();
}

/** The bundle's sections as (kind, body) in canonical order; empty optional sections are left out. */
function sectionBodies(bundle: Bundle): [number, Uint8Array][] {
  const sections: [number, Uint8Array][] = [
    [SEC_STRINGS, encodeStrings(bundle.strings)],
    [SEC_TABLES, encodeTables(bundle.tables)],
    [SEC_PROGRAM, encodeProgram(bundle)],
  ];
  if (bundle.sourceMap.length > 0) {
    sections.push([SEC_SOURCE_MAP, encodeSourceMap(bundle)]);
  }
  if (bundle.annotations.length > 0) {
    sections.push([SEC_ANNOTATIONS, encodeAnnotations(bundle)]);
  }
  for (const [kind, body] of bundle.rawSections) {
    if (body.length % 4 !== 0) {
      throw new Error(`raw section ${kind} length ${body.length} is not a multiple of 4`);
    }
    sections.push([kind, body]);
  }
  sections.sort((a, b) => a[0] - b[0]);
  return sections;
}

/** Encode `bundle` into its canonical bytes. Throws a plain Error for values no bundle can hold. */
export function encodeBundle(bundle: Bundle): Uint8Array {
  const sections = sectionBodies(bundle);
  const tableBytes = HEADER_BYTES + SECTION_ROW_BYTES * sections.length;
  let total = tableBytes;
  for (const [, body] of sections) {
    total += body.length;
  }
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, BUNDLE_MAGIC, true);
  view.setUint16(4, FORMAT_MAJOR, true);
  view.setUint16(6, bundle.minor, true);
  view.setUint32(8, bundle.flags >>> 0, true);
  view.setUint32(12, total, true);
  view.setUint32(20, sections.length, true);
  let at = tableBytes;
  sections.forEach(([kind, body], i) => {
    const row = HEADER_BYTES + SECTION_ROW_BYTES * i;
    view.setUint32(row, kind, true);
    view.setUint32(row + 4, at, true);
    view.setUint32(row + 8, body.length, true);
    out.set(body, at);
    at += body.length;
  });
  view.setUint32(16, crc32(out, 20, total), true);
  return out;
}
