/**
 * @fileoverview BundleBuilder: assembles a Bundle value from tables, a program, a source map and notes.
 *
 * Strings are interned (one index per distinct string). Tables grow entry by entry into a packed
 * Uint32Array laid out exactly as bundle.ts describes, so `encodeBundle` can write them as they are.
 */

import {
  FORMAT_MINOR,
  MATCH_EXACT,
  MATCH_LPM,
  MATCH_RANGE,
  NO_STRING,
  entryStride,
} from "../../runtime/bytecode/bundle.js";
import type { Bundle, KeyField, SourceMapEntry, TableDef } from "../../runtime/bytecode/bundle.js";
import { ProgramBuilder } from "./program-builder.js";

/** Match data for one key field of an entry. */
export type KeyMatch =
  | { readonly exact: readonly number[] | number }
  | { readonly prefix: readonly number[] | number; readonly length: number }
  | { readonly lo: number; readonly hi: number }
  | { readonly value: readonly number[] | number; readonly mask: readonly number[] | number };

/** One table being built. */
export class TableBuilder {
  /** Table index in the bundle. */
  readonly index: number;
  private readonly keys: readonly KeyField[];
  private readonly actionWords: number;
  private readonly stride: number;
  private words: Uint32Array;
  private count = 0;
  private readonly name: number;

  constructor(index: number, name: number, keys: readonly KeyField[], actionWords: number) {
    this.index = index;
    this.name = name;
    this.keys = keys;
    this.actionWords = actionWords;
    this.stride = entryStride({ keys, actionWords });
    this.words = new Uint32Array(this.stride * 16);
  }

  /** Number of entries so far. */
  get size(): number {
    return this.count;
  }

  /** Append an entry; returns its index. */
  add(
    priority: number,
    match: readonly KeyMatch[],
    verdict: number,
    ruleId: number,
    flags = 0,
    data: readonly number[] = [],
  ): number {
    if (match.length !== this.keys.length) {
      throw new Error(`entry has ${match.length} key matches, table has ${this.keys.length} keys`);
    }
    if ((this.count + 1) * this.stride > this.words.length) {
      const next = new Uint32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    let at = this.count * this.stride;
    const w = this.words;
    w[at++] = priority >>> 0;
    const put = (v: readonly number[] | number, n: number): void => {
      const arr = typeof v === "number" ? [v] : v;
      if (arr.length !== n) {
        throw new Error(`key value has ${arr.length} words, field has ${n}`);
      }
      for (const x of arr) {
        w[at++] = x >>> 0;
      }
    };
    this.keys.forEach((key, i) => {
      const m = match[i]!;
      if (key.kind === MATCH_EXACT && "exact" in m) {
        put(m.exact, key.words);
      } else if (key.kind === MATCH_LPM && "prefix" in m) {
        put(m.prefix, key.words);
        w[at++] = m.length;
      } else if (key.kind === MATCH_RANGE && "lo" in m) {
        w[at++] = m.lo >>> 0;
        w[at++] = m.hi >>> 0;
      } else if ("value" in m) {
        put(m.value, key.words);
        put(m.mask, key.words);
      } else {
        throw new Error(`key ${i}: match data does not fit match kind ${key.kind}`);
      }
    });
    w[at++] = verdict >>> 0;
    w[at++] = ruleId >>> 0;
    w[at++] = flags >>> 0;
    if (data.length !== this.actionWords) {
      throw new Error(`action has ${data.length} data words, table has ${this.actionWords}`);
    }
    for (const d of data) {
      w[at++] = d >>> 0;
    }
    return this.count++;
  }

  /** The finished table. */
  build(): TableDef {
    return {
      name: this.name,
      flags: 0,
      keys: this.keys,
      actionWords: this.actionWords,
      entryCount: this.count,
      entries: this.words.slice(0, this.count * this.stride),
    };
  }
}

/** Source-map fields given as strings; the builder interns them. */
export interface RuleOrigin {
  readonly ruleId: number;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly ruleIndex?: number;
  readonly tier?: string;
  readonly label?: string;
}

/** Builds one bundle. */
export class BundleBuilder {
  /** The program under construction. */
  readonly program = new ProgramBuilder();
  private readonly strings: string[] = [];
  private readonly stringIndex = new Map<string, number>();
  private readonly tables: TableBuilder[] = [];
  private readonly sourceMap: SourceMapEntry[] = [];
  private readonly counters: number[] = [];
  private readonly raw = new Map<number, Uint8Array>();
  /** BUNDLE_FLAG_* bits. */
  flags = 0;

  /** Index of `s` in the string pool, adding it if new. */
  string(s: string): number {
    let i = this.stringIndex.get(s);
    if (i === undefined) {
      i = this.strings.length;
      this.strings.push(s);
      this.stringIndex.set(s, i);
    }
    return i;
  }

  /** Start a new table. */
  table(name: string, keys: readonly KeyField[], actionWords = 0): TableBuilder {
    const t = new TableBuilder(this.tables.length, this.string(name), keys, actionWords);
    this.tables.push(t);
    return t;
  }

  /** Declare a counter; returns its index for COUNT. */
  counter(name: string): number {
    this.counters.push(this.string(name));
    return this.counters.length - 1;
  }

  /** Record where rule `origin.ruleId` came from. */
  origin(o: RuleOrigin): void {
    const opt = (s: string | undefined): number => (s === undefined ? NO_STRING : this.string(s));
    this.sourceMap.push({
      ruleId: o.ruleId >>> 0,
      file: opt(o.file),
      line: o.line ?? 0,
      column: o.column ?? 0,
      kind: opt(o.kind),
      namespace: opt(o.namespace),
      name: opt(o.name),
      ruleIndex: o.ruleIndex === undefined ? 0xffffffff : o.ruleIndex,
      tier: opt(o.tier),
      label: opt(o.label),
    });
  }

  /** Attach the raw body of a reserved section (identities, L7 rules, metadata). */
  rawSection(kind: number, body: Uint8Array): void {
    this.raw.set(kind, body);
  }

  /** The finished bundle value (encode it with encodeBundle). */
  build(): Bundle {
    const { insns, notes } = this.program.finish();
    const annotations = notes.map((n) => ({ pc: n.pc, text: this.string(n.text) }));
    return {
      minor: FORMAT_MINOR,
      flags: this.flags,
      strings: this.strings,
      sourceMap: this.sourceMap,
      tables: this.tables.map((t) => t.build()),
      program: { insns, counterNames: this.counters },
      annotations,
      rawSections: this.raw,
    };
  }
}
