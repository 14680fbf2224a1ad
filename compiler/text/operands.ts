/**
 * @fileoverview Operands of one instruction: registers, immediates, jump targets, context fields,
 * tables and counters by name or `@N`, and names of services, verdicts and drop reasons. Each reader
 * checks what the verifier would check and fails with a message that says what to write instead.
 */

import type { OperandShape } from "../../runtime/bytecode/opcodes.js";
import {
  CONTEXT_FIELDS,
  CTX_WORDS,
  F_META0,
  contextField,
  contextFieldByName,
} from "../../runtime/context.js";
import { suggest } from "./errors.js";
import type { Fail } from "./errors.js";
import { IMMEDIATE_NAMES, parseIPv4, registerNumber } from "./lexicon.js";
import type { Node } from "./syntax.js";
import { numberIn, stringValue } from "./values.js";

/** Operand syntax of each shape, for error messages. */
export const USAGE: Readonly<Record<OperandShape, string>> = {
  alu_k: "rD, rS|IMM",
  alu_x: "rD, rS|IMM",
  ja: "LABEL|+N",
  jmp_k: "rD, rS|IMM, LABEL|+N",
  jmp_x: "rD, rS|IMM, LABEL|+N",
  call: "SERVICE",
  exit: "(no operands)",
  ldf: "rD, FIELD",
  stf: "metaN, rS",
  lookup: "rD, TABLE",
  lda: "rD, rS, TABLE, verdict|rule|flags|dataN",
  hit: "TABLE, rS",
  ret: "VERDICT[, REASON]",
  retx: "VERDICT[, REASON], rS",
  count: "COUNTER",
};

/** Resolves the operands of one instruction; each method fails with a message naming the fix. */
export class Operands {
  private readonly ops: readonly Node[];
  private readonly mnemonic: string;
  private readonly usage: string;
  private readonly fail: Fail;

  /** `ops` are the operand nodes of `mnemonic`; `usage` is its operand syntax for messages. */
  constructor(ops: readonly Node[], mnemonic: string, usage: string, fail: Fail) {
    this.ops = ops;
    this.mnemonic = mnemonic;
    this.usage = usage;
    this.fail = fail;
  }

  /** Fails: operand `i` is not the kind of thing `want` describes. */
  bad(i: number, want: string): never {
    const op = this.ops[i]!;
    return this.fail(
      "bad-operands",
      op,
      `${this.mnemonic} operand ${i + 1} must be ${want}, got \`${op.text}\` (${this.mnemonic} ${this.usage})`,
    );
  }

  /** Whether operand `i` is written as a register (even an invalid one like r16). */
  isReg(i: number): boolean {
    const op = this.ops[i]!;
    return op.type === "Word" && registerNumber(op.text) !== -1;
  }

  /** Register number of operand `i`. */
  reg(i: number): number {
    const op = this.ops[i]!;
    const r = op.type === "Word" ? registerNumber(op.text) : -1;
    if (r === -2) {
      this.fail("bad-register", op, `\`${op.text}\` is not a register; registers are r0..r15`);
    }
    return r >= 0 ? r : this.bad(i, "a register (r0..r15)");
  }

  /** 32-bit immediate of operand `i`: a number (negative wraps), an IPv4 address or a named constant. */
  imm(i: number): number {
    const op = this.ops[i]!;
    if (op.type === "Number") {
      return numberIn(op, -0x80000000, 0xffffffff, "immediate", this.fail) >>> 0;
    }
    const v =
      op.type === "IPv4" ? parseIPv4(op.text) : op.type === "Word" ? IMMEDIATE_NAMES.get(op.text) : undefined;
    return v ?? this.bad(i, "an immediate (number, IPv4 address, verdict name, NO_ENTRY or NO_RULE)");
  }

  /** Jump offset of operand `i` (a label or `+N`) for the instruction at `pc`. */
  target(i: number, pc: number, labels: ReadonlyMap<string, number>): number {
    const op = this.ops[i]!;
    let off: number;
    if (op.type === "Relative") {
      off = Number(op.text.slice(1));
    } else if (op.type === "Word") {
      const to = labels.get(op.text);
      if (to === undefined) {
        return this.fail(
          "unknown-label",
          op,
          `unknown label \`${op.text}\`${suggest(op.text, labels.keys())}; define it with \`${op.text}:\` before the target instruction`,
        );
      }
      off = to - (pc + 1);
      if (off < 0) {
        this.fail(
          "backward-jump",
          op,
          `jump to \`${op.text}\` goes backward (to pc ${to} from pc ${pc}); jumps go forward only, so move the target after the jump`,
        );
      }
    } else {
      return this.bad(i, "a label or +N");
    }
    return off <= 0x7fff
      ? off
      : this.fail(
          "jump-too-far",
          op,
          `jump offset ${off} does not fit in 16 bits (max 32767); split the program`,
        );
  }

  /** Context word of operand `i`: `name`, `name[N]` or a number; `store` demands a META word. */
  field(i: number, store: boolean): number {
    const op = this.ops[i]!;
    let id: number;
    if (op.type === "Number") {
      id = numberIn(op, 0, CTX_WORDS - 1, "context word", this.fail);
    } else if (op.type === "Word" || op.type === "WordOf") {
      const name = op.type === "Word" ? op.text : op.children[0]!.text;
      const info = contextFieldByName(name);
      if (info === undefined) {
        return this.fail(
          "unknown-field",
          op,
          `unknown context field \`${name}\`${suggest(
            name,
            CONTEXT_FIELDS.map((f) => f.name),
          )}`,
        );
      }
      const word = op.type === "WordOf" ? Number(op.children[1]!.text) : 0;
      if (word >= info.words) {
        this.fail(
          "unknown-field",
          op,
          `${name} has ${info.words} word${info.words > 1 ? "s ([0]..[3])" : " (no [N])"}`,
        );
      }
      id = info.id + word;
    } else {
      return this.bad(i, "a context field (src_ip4, dst_port, meta0, ...)");
    }
    if (store && id < F_META0) {
      this.fail(
        "field-not-writable",
        op,
        `stf can only write meta0..meta15; ${contextField(id)?.name ?? `word ${id}`} is written by the runtime`,
      );
    }
    return id;
  }

  /** Index of the table or counter operand `i` names (`name`, `"name"` or `@N`) among `names`. */
  named(i: number, names: readonly string[], what: "table" | "counter"): number {
    const op = this.ops[i]!;
    const code = what === "table" ? "unknown-table" : "unknown-counter";
    if (op.type === "Index") {
      const n = Number(op.text.slice(1));
      return n < names.length
        ? n
        : this.fail(code, op, `${what} ${op.text} does not exist; there are ${names.length} ${what}s`);
    }
    if (op.type !== "Word" && op.type !== "String") {
      return this.bad(i, `a ${what} name or @N`);
    }
    const name = op.type === "Word" ? op.text : stringValue(op, this.fail);
    const hits = names.flatMap((n, k) => (n === name ? [k] : []));
    if (hits.length > 1) {
      this.fail(
        "ambiguous-name",
        op,
        `${hits.length} ${what}s are named \`${op.text}\` (${hits.map((k) => `@${k}`).join(", ")}); pick one with @N`,
      );
    }
    return hits[0] ?? this.fail(code, op, `unknown ${what} \`${op.text}\`${suggest(name, names)}`);
  }

  /** Number of operand `i`, given by name in `map` or as a number, within [min, max]. */
  byName(
    i: number,
    map: ReadonlyMap<string, number>,
    min: number,
    max: number,
    what: string,
    code: "unknown-service" | "unknown-verdict" | "unknown-reason",
  ): number {
    const op = this.ops[i]!;
    const v = op.type === "Number" ? Number(op.text) : op.type === "Word" ? map.get(op.text) : undefined;
    if (v === undefined || !(v >= min && v <= max)) {
      const names = [...map].filter(([, n]) => n >= min && n <= max).map(([n]) => n);
      const hint = op.type === "Word" ? suggest(op.text, names) : "";
      return this.fail(
        code,
        op,
        `unknown ${what} \`${op.text}\`${hint}; use a number ${min}..${max} or one of ${names.join(", ")}`,
      );
    }
    return v;
  }
}
