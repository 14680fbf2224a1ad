/**
 * @fileoverview Resolves the `.program` block: labels, `.note` annotations and instructions.
 *
 * Two steps, because instructions name things defined anywhere in the listing: `collectProgram` runs
 * in document order (it interns note strings, so the pool order matches what the disassembler
 * printed) and records where each label points; `encodeProgram` runs once tables and counters are
 * known and turns each instruction into its two words, choosing the K or X form of ALU and jump
 * mnemonics from the second operand.
 */

import type { Annotation } from "../../runtime/bytecode/bundle.js";
import { ACTION_DATA0, OPCODES, SVC_MAX, encodeInsn } from "../../runtime/bytecode/opcodes.js";
import type { OpcodeInfo } from "../../runtime/bytecode/opcodes.js";
import { VERDICT_MAX } from "../../runtime/verdict.js";
import { suggest } from "./errors.js";
import type { Fail, Pos } from "./errors.js";
import { REASON_BY_NAME, SERVICE_BY_NAME, VERDICT_BY_NAME, actionWordByName } from "./lexicon.js";
import { Operands, USAGE } from "./operands.js";
import { find } from "./syntax.js";
import type { Node, ParsedLine } from "./syntax.js";
import type { StringPool } from "./values.js";

/** The program block after the first step: instructions in order, labels, annotations. */
export interface ProgramDraft {
  /** Insn nodes, by pc. */
  readonly insns: readonly Node[];
  /** Label name → pc. */
  readonly labels: ReadonlyMap<string, number>;
  /** Notes attached to instructions, in pc order. */
  readonly annotations: readonly Annotation[];
}

/** Names the instructions can refer to, by index. */
export interface ProgramScope {
  /** Table names (pool text), by table index. */
  readonly tables: readonly string[];
  /** Action words per table, by table index. */
  readonly actionWords: readonly number[];
  /** Counter names, by counter index. */
  readonly counters: readonly string[];
}

/** First step: labels, notes and instruction nodes of a `.program` block's lines. */
export function collectProgram(lines: readonly ParsedLine[], pool: StringPool, fail: Fail): ProgramDraft {
  const insns: Node[] = [];
  const labels = new Map<string, number>();
  const labelAt = new Map<string, Pos>();
  const annotations: Annotation[] = [];
  let pending: Node | undefined;
  for (const { kind, node } of lines) {
    if (kind === "note") {
      annotations.push({ pc: insns.length, text: pool.ref(node.children[0]!, fail) });
      pending ??= node;
      continue;
    }
    for (const label of find(node, "Statement")?.children.filter((c) => c.type === "Label") ?? []) {
      const name = label.children[0]!.text;
      const before = labelAt.get(name);
      if (before !== undefined) {
        fail(
          "duplicate-label",
          label,
          `label \`${name}\` is already defined on line ${before.line}; rename one of them`,
        );
      }
      labels.set(name, insns.length);
      labelAt.set(name, label);
      pending ??= label;
    }
    const insn = find(node, "Insn");
    if (insn !== undefined) {
      insns.push(insn);
      pending = undefined;
    }
  }
  if (pending !== undefined) {
    const what = pending.type === "Label" ? `label \`${pending.children[0]!.text}\`` : "`.note`";
    fail(
      "dangling-label",
      pending,
      `${what} is not followed by an instruction; add one after it (e.g. ret DROPPED, POLICY_DENIED)`,
    );
  }
  return { insns, labels, annotations };
}

/** Second step: encode every instruction. Returns the words and each instruction's position. */
export function encodeProgram(
  draft: ProgramDraft,
  scope: ProgramScope,
  fail: Fail,
): { insns: Uint32Array; at: Pos[] } {
  const out = new Uint32Array(draft.insns.length * 2);
  const at: Pos[] = [];
  draft.insns.forEach((insn, pc) => {
    at.push(insn);
    const mnemonic = insn.children[0]!.text;
    const variants = OPCODES.filter((o) => o.name === mnemonic);
    if (variants.length === 0) {
      const names = [...new Set(OPCODES.map((o) => o.name))];
      fail(
        "unknown-mnemonic",
        insn,
        `unknown mnemonic \`${mnemonic}\`${suggest(mnemonic, names)}; mnemonics: ${names.join(" ")}`,
      );
    }
    // An operand is its one child, except `word[N]`, which becomes a WordOf node (Word, Dec).
    const ops = insn.children
      .slice(1)
      .map((o) =>
        o.children.length === 2
          ? { ...o, type: "WordOf", children: [o.children[0]!, o.children[1]!.children[0]!] }
          : o.children[0]!,
      );
    const usage = USAGE[variants[0]!.shape];
    const o = new Operands(ops, mnemonic, usage, fail);
    const arity = (min: number, max = min): void => {
      if (ops.length < min || ops.length > max) {
        const n = min === max ? `${min}` : `${min} or ${max}`;
        fail(
          "bad-operands",
          insn,
          `${mnemonic} takes ${n} operand${max === 1 ? "" : "s"}, got ${ops.length} (${mnemonic} ${usage})`,
        );
      }
    };
    const pick = (x: boolean): OpcodeInfo =>
      variants.find((v) => v.shape.endsWith(x ? "_x" : "_k")) ?? variants[0]!;
    const emit = (info: OpcodeInfo, dst: number, src: number, off: number, imm: number): void => {
      encodeInsn(out, pc, info.code, dst, src, off, imm);
    };
    const info = variants[0]!;
    switch (info.shape) {
      case "alu_k":
      case "alu_x": {
        arity(2);
        const x = o.isReg(1);
        emit(pick(x), o.reg(0), x ? o.reg(1) : 0, 0, x ? 0 : o.imm(1));
        break;
      }
      case "jmp_k":
      case "jmp_x": {
        arity(3);
        const x = o.isReg(1);
        emit(pick(x), o.reg(0), x ? o.reg(1) : 0, o.target(2, pc, draft.labels), x ? 0 : o.imm(1));
        break;
      }
      case "ja":
        arity(1);
        emit(info, 0, 0, o.target(0, pc, draft.labels), 0);
        break;
      case "call":
        arity(1);
        emit(info, 0, 0, 0, o.byName(0, SERVICE_BY_NAME, 1, SVC_MAX, "service", "unknown-service"));
        break;
      case "exit":
        arity(0);
        emit(info, 0, 0, 0, 0);
        break;
      case "ldf":
        arity(2);
        emit(info, o.reg(0), 0, 0, o.field(1, false));
        break;
      case "stf":
        arity(2);
        emit(info, 0, o.reg(1), 0, o.field(0, true));
        break;
      case "lookup":
        arity(2);
        emit(info, o.reg(0), 0, 0, o.named(1, scope.tables, "table"));
        break;
      case "lda": {
        arity(4);
        const table = o.named(2, scope.tables, "table");
        const limit = ACTION_DATA0 + scope.actionWords[table]!;
        const w = ops[3]!.type === "Number" ? Number(ops[3]!.text) : actionWordByName(ops[3]!.text);
        if (w === undefined || !(w >= 0 && w < limit)) {
          const words = limit - ACTION_DATA0;
          const data =
            words === 0 ? "; it has no data words" : words === 1 ? ", data0" : `, data0..data${words - 1}`;
          fail(
            "bad-operands",
            ops[3]!,
            `\`${ops[3]!.text}\` is not an action word of table ${ops[2]!.text}: use verdict, rule, flags${data}`,
          );
        }
        emit(info, o.reg(0), o.reg(1), w, table);
        break;
      }
      case "hit":
        arity(2);
        emit(info, 0, o.reg(1), 0, o.named(0, scope.tables, "table"));
        break;
      case "count":
        arity(1);
        emit(info, 0, 0, 0, o.named(0, scope.counters, "counter"));
        break;
      case "ret":
      case "retx": {
        const isX = info.shape === "retx";
        arity(isX ? 2 : 1, isX ? 3 : 2);
        const verdict = o.byName(0, VERDICT_BY_NAME, 1, VERDICT_MAX, "verdict", "unknown-verdict");
        const hasReason = ops.length === (isX ? 3 : 2);
        const reason = hasReason
          ? o.byName(1, REASON_BY_NAME, 0, 0xffff, "drop reason", "unknown-reason")
          : 0;
        emit(info, 0, isX ? o.reg(ops.length - 1) : 0, reason, verdict);
        break;
      }
    }
  });
  return { insns: out, at };
}
