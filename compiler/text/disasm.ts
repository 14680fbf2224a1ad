/**
 * @fileoverview The disassembler: bundle bytes → a readable listing that `assemble` turns back into
 * the same bytes.
 *
 * Blocks come in a fixed order: header (`.format`, `.flags`), `.strings` (only when references alone
 * would not rebuild the pool, see refs.ts), `.source_map`, one `.table` per table, `.counters`,
 * `.program`, and one `.section` per raw reserved section. String references are interned by the
 * assembler in exactly this order, which is why the order is fixed.
 */

import { FORMAT_MAJOR, NO_STRING, SECTION_NAMES } from "../../runtime/bytecode/bundle.js";
import type { Bundle, SourceMapEntry } from "../../runtime/bytecode/bundle.js";
import { decodeBundle } from "../../runtime/bytecode/decode.js";
import { verifyProgram } from "../../runtime/bytecode/verify.js";
import { FLAG_NAMES, escapeComment, hexWord, quote } from "./lexicon.js";
import { printProgram } from "./print-program.js";
import { printTable } from "./print-tables.js";
import { RefPrinter, poolNeeded } from "./refs.js";

/** Options for `disassemble`. */
export interface DisasmOptions {
  /** Also print each instruction's pc and raw words in a trailing comment. */
  readonly annotate?: boolean;
}

/** Words per line in a `.section` block. */
const SECTION_WORDS_PER_LINE = 8;

/** String indexes the listing references, in the order the assembler will intern them. */
function referenceOrder(b: Bundle): number[] {
  const refs: number[] = [];
  for (const r of b.sourceMap) {
    refs.push(...[r.file, r.kind, r.namespace, r.name, r.tier, r.label].filter((s) => s !== NO_STRING));
  }
  refs.push(...b.tables.map((t) => t.name), ...b.program.counterNames, ...b.annotations.map((a) => a.text));
  return refs;
}

/** `file:line kind ns/name label` of rule `id`, from its first source map record. */
function ruleComments(b: Bundle): (id: number) => string | undefined {
  const byRule = new Map<number, SourceMapEntry>();
  for (const r of b.sourceMap) {
    if (!byRule.has(r.ruleId)) {
      byRule.set(r.ruleId, r);
    }
  }
  const s = (i: number): string | undefined => (i === NO_STRING ? undefined : escapeComment(b.strings[i]!));
  return (id) => {
    const r = byRule.get(id);
    if (r === undefined) {
      return undefined;
    }
    const file = s(r.file);
    const where = file === undefined ? undefined : r.line === 0 ? file : `${file}:${r.line}`;
    const ns = s(r.namespace);
    const name = s(r.name);
    const policy = name === undefined ? undefined : ns === undefined ? name : `${ns}/${name}`;
    const parts = [where, s(r.kind), policy, s(r.label)].filter((p) => p !== undefined && p !== "");
    return parts.length === 0 ? undefined : parts.join(" ");
  };
}

function recordLine(r: SourceMapEntry, refs: RefPrinter): string {
  const parts = [`    ${r.ruleId}`];
  const str = (key: string, i: number): void => {
    if (i !== NO_STRING) {
      parts.push(`${key}=${refs.ref(i)}`);
    }
  };
  str("file", r.file);
  if (r.line !== 0) {
    parts.push(`line=${r.line}`);
  }
  if (r.column !== 0) {
    parts.push(`col=${r.column}`);
  }
  str("kind", r.kind);
  str("ns", r.namespace);
  str("name", r.name);
  if (r.ruleIndex !== 0xffffffff) {
    parts.push(`index=${r.ruleIndex}`);
  }
  str("tier", r.tier);
  str("label", r.label);
  return parts.join(" ");
}

function sectionLines(kind: number, body: Uint8Array): string[] {
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const lines = [`.section ${SECTION_NAMES[kind]!}  # ${body.length} bytes`];
  for (let at = 0; at < body.length; at += 4 * SECTION_WORDS_PER_LINE) {
    const words: string[] = [];
    for (let i = at; i < Math.min(body.length, at + 4 * SECTION_WORDS_PER_LINE); i += 4) {
      words.push(hexWord(view.getUint32(i, true)));
    }
    lines.push(`    ${words.join(" ")}`);
  }
  return lines;
}

/** The listing of an already decoded and verified bundle. */
function printBundle(b: Bundle, byteLength: number, options: DisasmOptions = {}): string {
  const refs = new RefPrinter(b.strings, poolNeeded(b.strings, referenceOrder(b)));
  const ruleComment = ruleComments(b);
  const n = b.program.insns.length / 2;
  const out: string[][] = [];
  const count = (k: number, what: string): string => `${k} ${what}${k === 1 ? "" : "s"}`;
  const summary = [
    count(b.strings.length, "string"),
    count(b.tables.length, "table"),
    count(n, "instruction"),
    count(b.program.counterNames.length, "counter"),
  ].join(", ");
  const header = [
    `# sluice bundle ${FORMAT_MAJOR}.${b.minor}, ${byteLength} bytes: ${summary}`,
    `.format ${FORMAT_MAJOR}.${b.minor}`,
  ];
  const flags = [...FLAG_NAMES].filter(([, bit]) => (b.flags & bit) !== 0).map(([name]) => name);
  if (flags.length > 0) {
    header.push(`.flags ${flags.join(", ")}`);
  }
  out.push(header);
  if (refs.full) {
    out.push([".strings", ...b.strings.map((s, i) => `    ${quote(s)}  # $${i}`)]);
  }
  if (b.sourceMap.length > 0) {
    out.push([".source_map", ...b.sourceMap.map((r) => recordLine(r, refs))]);
  }
  b.tables.forEach((t, i) => out.push(printTable(t, i, refs, ruleComment)));
  if (b.program.counterNames.length > 0) {
    out.push([".counters", ...b.program.counterNames.map((c, i) => `    ${refs.name(c)}  # @${i}`)]);
  }
  out.push(printProgram(b, refs, ruleComment, options.annotate === true));
  for (const [kind, body] of [...b.rawSections].sort((x, y) => x[0] - y[0])) {
    out.push(sectionLines(kind, body));
  }
  return `${out.map((block) => block.join("\n")).join("\n\n")}\n`;
}

/** Disassemble bundle bytes into a listing. Throws LoadError for bytes the runtime would not load. */
export function disassemble(bytes: Uint8Array, options: DisasmOptions = {}): string {
  const { bundle, insnOffset } = decodeBundle(bytes);
  verifyProgram(bundle, insnOffset);
  return printBundle(bundle, bytes.length, options);
}
