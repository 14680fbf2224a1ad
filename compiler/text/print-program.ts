/**
 * @fileoverview Prints the `.program` block: `L<pc>:` labels at jump targets, `.note` lines for
 * annotations, one instruction a line, and trailing comments.
 *
 * A `retx` (or `exit`) whose rule register was set by a `mov` earlier in the same straight-line run
 * gets the rule's policy source as a comment, so a reader sees which policy a constant return
 * belongs to. With `annotate`, every instruction also shows its pc and its two raw words.
 */

import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { OP_MOV_K, OP_MOV_X, SERVICE_NAMES, decodeInsn, opcodeInfo } from "../../runtime/bytecode/opcodes.js";
import type { DecodedInsn, OpcodeInfo } from "../../runtime/bytecode/opcodes.js";
import { CONTEXT_FIELDS, contextField } from "../../runtime/context.js";
import { DROP_REASON_NAMES, VERDICT_NAMES } from "../../runtime/verdict.js";
import { actionWordName, hex, hexWord, isWord, quote } from "./lexicon.js";
import type { RefPrinter } from "./refs.js";

/** Column where trailing instruction comments start. */
const COMMENT_COLUMN = 40;

/** Mnemonics whose immediates are bit masks, printed in hex. */
const MASK_OPS = new Set(["and", "or", "xor", "jset"]);

function fieldText(id: number): string {
  const f = contextField(id);
  if (f !== undefined) {
    return f.name;
  }
  const outer = CONTEXT_FIELDS.find((c) => id > c.id && id < c.id + c.words)!;
  return `${outer.name}[${id - outer.id}]`;
}

/** How instructions name each table or counter: its name (bare or quoted) when no other shares it, else `@index`. */
function objectNames(names: readonly string[]): string[] {
  const count = new Map<string, number>();
  for (const n of names) {
    count.set(n, (count.get(n) ?? 0) + 1);
  }
  return names.map((n, i) => (count.get(n) !== 1 ? `@${i}` : isWord(n) ? n : quote(n)));
}

function targetOf(info: OpcodeInfo, pc: number, off: number): number | undefined {
  return info.shape === "ja" || info.shape === "jmp_k" || info.shape === "jmp_x" ? pc + 1 + off : undefined;
}

function operands(
  info: OpcodeInfo,
  d: DecodedInsn,
  pc: number,
  tables: string[],
  counters: string[],
): string[] {
  const imm = MASK_OPS.has(info.name) || d.imm > 0xffff ? hex(d.imm) : String(d.imm);
  const reason = d.off & 0xffff;
  const verdict = VERDICT_NAMES[d.imm] ?? String(d.imm);
  const reasonText = reason === 0 ? [] : [DROP_REASON_NAMES[reason] ?? String(reason)];
  switch (info.shape) {
    case "alu_k":
      return [`r${d.dst}`, imm];
    case "alu_x":
      return [`r${d.dst}`, `r${d.src}`];
    case "ja":
      return [`L${pc + 1 + d.off}`];
    case "jmp_k":
      return [`r${d.dst}`, imm, `L${pc + 1 + d.off}`];
    case "jmp_x":
      return [`r${d.dst}`, `r${d.src}`, `L${pc + 1 + d.off}`];
    case "call":
      return [SERVICE_NAMES[d.imm] ?? String(d.imm)];
    case "exit":
      return [];
    case "ldf":
      return [`r${d.dst}`, fieldText(d.imm)];
    case "stf":
      return [fieldText(d.imm), `r${d.src}`];
    case "lookup":
      return [`r${d.dst}`, tables[d.imm]!];
    case "lda":
      return [`r${d.dst}`, `r${d.src}`, tables[d.imm]!, actionWordName(d.off)];
    case "hit":
      return [tables[d.imm]!, `r${d.src}`];
    case "ret":
      return [verdict, ...reasonText];
    case "retx":
      return [verdict, ...reasonText, `r${d.src}`];
    case "count":
      return [counters[d.imm]!];
  }
}

/** Tracks registers holding a `mov` constant within a straight-line run, for rule comments. */
function updateKnown(known: (number | undefined)[], info: OpcodeInfo, d: DecodedInsn): void {
  if (info.code === OP_MOV_K) {
    known[d.dst] = d.imm;
  } else if (info.code === OP_MOV_X) {
    known[d.dst] = known[d.src];
  } else if (info.shape === "call") {
    known.fill(undefined, 0, 6);
  } else if (["alu_k", "alu_x", "ldf", "lookup", "lda"].includes(info.shape)) {
    known[d.dst] = undefined;
  }
}

/** The lines of the `.program` block. */
export function printProgram(
  bundle: Bundle,
  refs: RefPrinter,
  ruleComment: (id: number) => string | undefined,
  annotate: boolean,
): string[] {
  const { insns } = bundle.program;
  const n = insns.length / 2;
  const decoded = Array.from({ length: n }, (_, pc) => decodeInsn(insns, pc));
  const infos = decoded.map((d) => opcodeInfo(d.op)!);
  const targets = new Set(
    decoded.map((d, pc) => targetOf(infos[pc]!, pc, d.off)).filter((t) => t !== undefined),
  );
  const tables = objectNames(bundle.tables.map((t) => bundle.strings[t.name]!));
  const counters = objectNames(bundle.program.counterNames.map((c) => bundle.strings[c]!));
  const notes = new Map<number, number[]>();
  for (const a of bundle.annotations) {
    notes.set(a.pc, [...(notes.get(a.pc) ?? []), a.text]);
  }
  const lines = [".program"];
  const known: (number | undefined)[] = new Array<number | undefined>(16).fill(undefined);
  let fallsInto = true;
  decoded.forEach((d, pc) => {
    const info = infos[pc]!;
    if (targets.has(pc)) {
      lines.push(`L${pc}:`);
    }
    if (targets.has(pc) || !fallsInto) {
      known.fill(undefined);
    }
    for (const text of notes.get(pc) ?? []) {
      lines.push(`    .note ${refs.ref(text)}`);
    }
    const ops = operands(info, d, pc, tables, counters);
    const text = `    ${ops.length === 0 ? info.name : `${info.name.padEnd(7)} ${ops.join(", ")}`}`;
    const comments: string[] = [];
    if (annotate) {
      comments.push(`${pc}: ${hexWord(insns[2 * pc]!).slice(2)} ${hexWord(insns[2 * pc + 1]!).slice(2)}`);
    }
    const ruleReg = info.shape === "retx" ? d.src : info.shape === "exit" ? 2 : -1;
    const rule = ruleReg >= 0 ? known[ruleReg] : undefined;
    const source = rule === undefined ? undefined : ruleComment(rule);
    if (source !== undefined) {
      comments.push(`rule ${rule!}: ${source}`);
    }
    lines.push(comments.length === 0 ? text : `${text.padEnd(COMMENT_COLUMN)}# ${comments.join("; ")}`);
    updateKnown(known, info, d);
    fallsInto = !["ja", "ret", "retx", "exit"].includes(info.shape);
  });
  return lines;
}
