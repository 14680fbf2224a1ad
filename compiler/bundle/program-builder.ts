/**
 * @fileoverview ProgramBuilder: emits instructions with forward labels and comments.
 *
 * The compiler never computes jump offsets by hand: it asks for a label, jumps to it, and binds it
 * later; `finish` resolves every jump and refuses a backward one (the verifier would too, but here the
 * error names the compiler bug). Comments given with `note` become bundle annotations that
 * `sluice disasm` prints beside the instruction they precede.
 */

import {
  OP_ADD_K,
  OP_AND_K,
  OP_RSH_K,
  OP_CALL,
  OP_COUNT,
  OP_EXIT,
  OP_HIT,
  OP_JA,
  OP_JEQ_K,
  OP_JEQ_X,
  OP_JGE_K,
  OP_JGT_K,
  OP_JLE_K,
  OP_JLT_K,
  OP_JNE_K,
  OP_JNE_X,
  OP_JSET_K,
  OP_LDA,
  OP_LDF,
  OP_LOOKUP,
  OP_MOV_K,
  OP_MOV_X,
  OP_RET,
  OP_RETX,
  OP_STF,
  encodeInsn,
} from "../../runtime/bytecode/opcodes.js";

/** A jump target; bind it with `ProgramBuilder.bind`. */
export interface Label {
  /** Bound instruction index, or -1 while unbound. */
  pc: number;
  /** Name for error messages. */
  readonly name: string;
}

interface PendingInsn {
  op: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  target: Label | null;
}

/** Builds one program. */
export class ProgramBuilder {
  private readonly insns: PendingInsn[] = [];
  private readonly notes: { pc: number; text: string }[] = [];
  private labelCount = 0;

  /** Index the next instruction will get. */
  get pc(): number {
    return this.insns.length;
  }

  /** A new unbound label. */
  label(name = `L${this.labelCount++}`): Label {
    return { pc: -1, name };
  }

  /** Bind `label` to the next instruction. */
  bind(label: Label): void {
    if (label.pc !== -1) {
      throw new Error(`label ${label.name} bound twice`);
    }
    label.pc = this.pc;
  }

  /** Attach a comment to the next instruction. */
  note(text: string): void {
    this.notes.push({ pc: this.pc, text });
  }

  private emit(op: number, dst = 0, src = 0, off = 0, imm = 0, target: Label | null = null): void {
    this.insns.push({ op, dst, src, off, imm: imm >>> 0, target });
  }

  /** dst = ctx[field] */
  ldf(dst: number, field: number): void {
    this.emit(OP_LDF, dst, 0, 0, field);
  }
  /** ctx[field] = src (META words only) */
  stf(field: number, src: number): void {
    this.emit(OP_STF, 0, src, 0, field);
  }
  /** dst = best entry of table, or NO_ENTRY */
  lookup(dst: number, table: number): void {
    this.emit(OP_LOOKUP, dst, 0, 0, table);
  }
  /** dst = action word `word` of entry src in table */
  lda(dst: number, src: number, table: number, word: number): void {
    this.emit(OP_LDA, dst, src, word, table);
  }
  /** hits[table][src]++ */
  hit(table: number, src: number): void {
    this.emit(OP_HIT, 0, src, 0, table);
  }
  /** dst = imm */
  mov(dst: number, imm: number): void {
    this.emit(OP_MOV_K, dst, 0, 0, imm);
  }
  /** dst = src */
  movx(dst: number, src: number): void {
    this.emit(OP_MOV_X, dst, src);
  }
  /** dst += imm */
  add(dst: number, imm: number): void {
    this.emit(OP_ADD_K, dst, 0, 0, imm);
  }
  /** dst &= imm */
  and(dst: number, imm: number): void {
    this.emit(OP_AND_K, dst, 0, 0, imm);
  }
  /** dst >>>= imm & 31 */
  rsh(dst: number, imm: number): void {
    this.emit(OP_RSH_K, dst, 0, 0, imm);
  }
  /** goto target */
  ja(target: Label): void {
    this.emit(OP_JA, 0, 0, 0, 0, target);
  }
  /** if dst == imm goto target */
  jeq(dst: number, imm: number, target: Label): void {
    this.emit(OP_JEQ_K, dst, 0, 0, imm, target);
  }
  /** if dst == src goto target */
  jeqx(dst: number, src: number, target: Label): void {
    this.emit(OP_JEQ_X, dst, src, 0, 0, target);
  }
  /** if dst != imm goto target */
  jne(dst: number, imm: number, target: Label): void {
    this.emit(OP_JNE_K, dst, 0, 0, imm, target);
  }
  /** if dst != src goto target */
  jnex(dst: number, src: number, target: Label): void {
    this.emit(OP_JNE_X, dst, src, 0, 0, target);
  }
  /** if dst > imm goto target */
  jgt(dst: number, imm: number, target: Label): void {
    this.emit(OP_JGT_K, dst, 0, 0, imm, target);
  }
  /** if dst >= imm goto target */
  jge(dst: number, imm: number, target: Label): void {
    this.emit(OP_JGE_K, dst, 0, 0, imm, target);
  }
  /** if dst < imm goto target */
  jlt(dst: number, imm: number, target: Label): void {
    this.emit(OP_JLT_K, dst, 0, 0, imm, target);
  }
  /** if dst <= imm goto target */
  jle(dst: number, imm: number, target: Label): void {
    this.emit(OP_JLE_K, dst, 0, 0, imm, target);
  }
  /** if dst & imm goto target */
  jset(dst: number, imm: number, target: Label): void {
    this.emit(OP_JSET_K, dst, 0, 0, imm, target);
  }
  /** r0 = service(r1..r5) */
  call(service: number): void {
    this.emit(OP_CALL, 0, 0, 0, service);
  }
  /** counters[counter]++ */
  count(counter: number): void {
    this.emit(OP_COUNT, 0, 0, 0, counter);
  }
  /** return (verdict, reason, no rule) */
  ret(verdict: number, reason = 0): void {
    this.emit(OP_RET, 0, 0, reason, verdict);
  }
  /** return (verdict, reason, rule = src) */
  retx(verdict: number, reason: number, src: number): void {
    this.emit(OP_RETX, 0, src, reason, verdict);
  }
  /** return (r0, r1, r2) */
  exit(): void {
    this.emit(OP_EXIT);
  }

  /** Resolve labels; the encoded instructions and the notes. */
  finish(): { insns: Uint32Array; notes: { pc: number; text: string }[] } {
    const out = new Uint32Array(this.insns.length * 2);
    this.insns.forEach((insn, pc) => {
      let off = insn.off;
      if (insn.target !== null) {
        if (insn.target.pc === -1) {
          throw new Error(`label ${insn.target.name} is never bound`);
        }
        off = insn.target.pc - (pc + 1);
        if (off < 0 || off > 0x7fff) {
          throw new Error(
            `jump from ${pc} to label ${insn.target.name} at ${insn.target.pc} is not a forward int16 offset`,
          );
        }
      }
      encodeInsn(out, pc, insn.op, insn.dst, insn.src, off, insn.imm);
    });
    return { insns: out, notes: this.notes };
  }
}
