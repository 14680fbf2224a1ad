/**
 * @fileoverview The instruction set: every opcode once, with a stable number and its semantics.
 *
 * An instruction is 8 bytes, stored as two little-endian u32 words:
 *
 *     word 0:  op:8 | dst:4 << 8 | src:4 << 12 | off:16 << 16      word 1: imm:32
 *
 * Registers r0..r15 hold unsigned 32-bit values; all comparisons are unsigned. Opcodes are composed
 * as in eBPF from a class (low 3 bits), a source bit (0x08: K = immediate, X = register) and an
 * operation (high 4 bits), and keep eBPF's numbers where the meaning is the same (ALU32, JMP, CALL,
 * EXIT), so the verifier and the disassembler decode by masks. Numbers are never reused: a retired
 * opcode keeps its number and the verifier rejects it.
 *
 * Semantics (pc advances by one unless stated; `pc += off` is applied after that advance):
 *
 *     ADD/SUB/MUL/OR/AND/LSH/RSH/XOR/MOV K   dst = dst op imm           (LSH/RSH: shift by imm & 31)
 *     ADD/SUB/MUL/OR/AND/LSH/RSH/XOR/MOV X   dst = dst op src           (MOV: dst = imm / src; no read of dst)
 *     JA                 pc += off                                      (off >= 0: jumps go forward only)
 *     JEQ/JNE/JGT/JGE/JLT/JLE/JSET K   if dst cmp imm: pc += off       (JSET: dst & imm != 0)
 *     JEQ/... X                       if dst cmp src: pc += off
 *     LDF dst, field     dst = ctx[imm]                                 imm < CTX_WORDS
 *     STF field, src     ctx[imm] = src                                 imm is a META word
 *     LOOKUP dst, table  dst = best entry index of table imm for the key read from ctx, or NO_ENTRY
 *     LDA dst, src, table, word
 *                        dst = action word `off` of entry src of table imm (0 if src is NO_ENTRY);
 *                        word 0 = verdict, 1 = rule id, 2 = flags, 3.. = action data
 *     HIT table, src     hits[imm][src] += 1 unless src is NO_ENTRY
 *     COUNT counter      counters[imm] += 1
 *     CALL service       r0 = service imm (args r1..r5); r1..r5 are clobbered
 *     RET verdict, reason             return (imm, off, NO_RULE)
 *     RETX verdict, reason, src       return (imm, off, src)
 *     EXIT                            return (r0, r1, r2)
 *
 * The verifier (verify.ts) guarantees before anything runs: known opcodes, register numbers in range,
 * every register read is written on every path before, jump targets forward and inside the program,
 * table / counter / field / service indexes in range, and a return as the last instruction. The
 * interpreter therefore checks nothing per instruction.
 */

/** Class: loads from the context and from table actions. */
export const CLS_LD = 0x01;
/** Class: stores to the context. */
export const CLS_ST = 0x03;
/** Class: 32-bit arithmetic. */
export const CLS_ALU = 0x04;
/** Class: jumps, calls, exit. */
export const CLS_JMP = 0x05;
/** Class: table lookups and hit counting. */
export const CLS_TBL = 0x06;
/** Class: returns with immediate verdicts, counters. */
export const CLS_RET = 0x07;
/** Mask of the class bits. */
export const CLS_MASK = 0x07;
/** Source bit: operand is the immediate. */
export const SRC_K = 0x00;
/** Source bit: operand is register src. */
export const SRC_X = 0x08;

export const OP_ADD_K = 0x04; // ADD dst, imm        dst = dst + imm
export const OP_ADD_X = 0x0c; // ADD dst, src        dst = dst + src
export const OP_SUB_K = 0x14; // SUB dst, imm        dst = dst - imm
export const OP_SUB_X = 0x1c; // SUB dst, src        dst = dst - src
export const OP_MUL_K = 0x24; // MUL dst, imm        dst = dst * imm (low 32 bits)
export const OP_MUL_X = 0x2c; // MUL dst, src        dst = dst * src (low 32 bits)
export const OP_OR_K = 0x44; // OR dst, imm          dst = dst | imm
export const OP_OR_X = 0x4c; // OR dst, src          dst = dst | src
export const OP_AND_K = 0x54; // AND dst, imm        dst = dst & imm
export const OP_AND_X = 0x5c; // AND dst, src        dst = dst & src
export const OP_LSH_K = 0x64; // LSH dst, imm        dst = dst << (imm & 31)
export const OP_LSH_X = 0x6c; // LSH dst, src        dst = dst << (src & 31)
export const OP_RSH_K = 0x74; // RSH dst, imm        dst = dst >>> (imm & 31)
export const OP_RSH_X = 0x7c; // RSH dst, src        dst = dst >>> (src & 31)
export const OP_XOR_K = 0xa4; // XOR dst, imm        dst = dst ^ imm
export const OP_XOR_X = 0xac; // XOR dst, src        dst = dst ^ src
export const OP_MOV_K = 0xb4; // MOV dst, imm        dst = imm
export const OP_MOV_X = 0xbc; // MOV dst, src        dst = src

export const OP_JA = 0x05; // JA off               pc += off
export const OP_JEQ_K = 0x15; // JEQ dst, imm, off  if dst == imm: pc += off
export const OP_JEQ_X = 0x1d; // JEQ dst, src, off  if dst == src: pc += off
export const OP_JGT_K = 0x25; // JGT dst, imm, off  if dst > imm: pc += off
export const OP_JGT_X = 0x2d; // JGT dst, src, off  if dst > src: pc += off
export const OP_JGE_K = 0x35; // JGE dst, imm, off  if dst >= imm: pc += off
export const OP_JGE_X = 0x3d; // JGE dst, src, off  if dst >= src: pc += off
export const OP_JSET_K = 0x45; // JSET dst, imm, off if dst & imm: pc += off
export const OP_JSET_X = 0x4d; // JSET dst, src, off if dst & src: pc += off
export const OP_JNE_K = 0x55; // JNE dst, imm, off  if dst != imm: pc += off
export const OP_JNE_X = 0x5d; // JNE dst, src, off  if dst != src: pc += off
export const OP_CALL = 0x85; // CALL imm            r0 = service[imm](r1..r5); r1..r5 clobbered
export const OP_EXIT = 0x95; // EXIT                return (r0, r1, r2)
export const OP_JLT_K = 0xa5; // JLT dst, imm, off  if dst < imm: pc += off
export const OP_JLT_X = 0xad; // JLT dst, src, off  if dst < src: pc += off
export const OP_JLE_K = 0xb5; // JLE dst, imm, off  if dst <= imm: pc += off
export const OP_JLE_X = 0xbd; // JLE dst, src, off  if dst <= src: pc += off

export const OP_LDF = 0x61; // LDF dst, field       dst = ctx[imm]
export const OP_LDA = 0x71; // LDA dst, src, off, imm  dst = tables[imm].action(src)[off], 0 if src == NO_ENTRY
export const OP_STF = 0x63; // STF field, src       ctx[imm] = src (META words only)

export const OP_LOOKUP = 0x06; // LOOKUP dst, imm   dst = tables[imm].lookup(ctx) or NO_ENTRY
export const OP_HIT = 0x16; // HIT imm, src         hits[imm][src]++ unless src == NO_ENTRY

export const OP_RET = 0x07; // RET imm, off         return (verdict imm, reason off, rule NO_RULE)
export const OP_RETX = 0x17; // RETX imm, off, src  return (verdict imm, reason off, rule src)
export const OP_COUNT = 0x27; // COUNT imm          counters[imm]++

/** Result of LOOKUP when no entry matches. */
export const NO_ENTRY = 0xffffffff;
/** Rule id meaning "no rule decided" (RET, and the default of a table action). */
export const NO_RULE = 0xffffffff;
/** Number of registers. */
export const REGISTER_COUNT = 16;

/** Action word offsets for LDA. */
export const ACTION_VERDICT = 0;
/** Action word offset of the rule id. */
export const ACTION_RULE_ID = 1;
/** Action word offset of the flags. */
export const ACTION_FLAGS = 2;
/** Action word offset of the first data word. */
export const ACTION_DATA0 = 3;

/** Runtime services callable with CALL, by number. Numbers are stable; unknown numbers fail verification. */
export const SVC_CT_LOOKUP = 1; // r1 = flags; r0 = CT_* state; also writes ctx[F_CT_STATE] and PKT_REPLY
export const SVC_CT_CREATE = 2; // r1 = verdict to remember; r0 = 0 on success, else drop reason
export const SVC_L7_INSPECT = 3; // r1 = L7 rule set index; r0 = verdict (issue "L7 datapath")
export const SVC_FQDN_LEARN = 4; // reserved for the L7 datapath's DNS learning
export const SVC_LOG = 5; // r1 = rule id; records a Calico "Log" hit; r0 = 0
export const SVC_IPCACHE_LOOKUP = 6; // reserved: runtime-managed ipcache (FQDN identities)
/** Highest service number. */
export const SVC_MAX = 6;

/** Argument registers (r1..rN) each service reads; the verifier checks they are written before the CALL. */
export const SERVICE_ARGS: Readonly<Record<number, number>> = {
  [SVC_CT_LOOKUP]: 0,
  [SVC_CT_CREATE]: 1,
  [SVC_L7_INSPECT]: 1,
  [SVC_FQDN_LEARN]: 0,
  [SVC_LOG]: 1,
  [SVC_IPCACHE_LOOKUP]: 1,
};

/** Operand shape of an opcode, for the verifier and the text form. */
export type OperandShape =
  | "alu_k" // dst, imm: reads and writes dst (MOV_K only writes)
  | "alu_x" // dst, src
  | "ja" // off
  | "jmp_k" // dst, imm, off
  | "jmp_x" // dst, src, off
  | "call" // imm = service
  | "exit"
  | "ldf" // dst, imm = field
  | "lda" // dst, src, off = action word, imm = table
  | "stf" // imm = field, src
  | "lookup" // dst, imm = table
  | "hit" // imm = table, src
  | "ret" // imm = verdict, off = reason
  | "retx" // imm = verdict, off = reason, src = rule
  | "count"; // imm = counter

/** One row of the opcode table. */
export interface OpcodeInfo {
  /** Opcode byte. */
  readonly code: number;
  /** Mnemonic in the text form, lower case. */
  readonly name: string;
  /** Operand shape. */
  readonly shape: OperandShape;
}

/** The opcode table, by opcode byte. */
export const OPCODES: readonly OpcodeInfo[] = [
  { code: OP_ADD_K, name: "add", shape: "alu_k" },
  { code: OP_ADD_X, name: "add", shape: "alu_x" },
  { code: OP_SUB_K, name: "sub", shape: "alu_k" },
  { code: OP_SUB_X, name: "sub", shape: "alu_x" },
  { code: OP_MUL_K, name: "mul", shape: "alu_k" },
  { code: OP_MUL_X, name: "mul", shape: "alu_x" },
  { code: OP_OR_K, name: "or", shape: "alu_k" },
  { code: OP_OR_X, name: "or", shape: "alu_x" },
  { code: OP_AND_K, name: "and", shape: "alu_k" },
  { code: OP_AND_X, name: "and", shape: "alu_x" },
  { code: OP_LSH_K, name: "lsh", shape: "alu_k" },
  { code: OP_LSH_X, name: "lsh", shape: "alu_x" },
  { code: OP_RSH_K, name: "rsh", shape: "alu_k" },
  { code: OP_RSH_X, name: "rsh", shape: "alu_x" },
  { code: OP_XOR_K, name: "xor", shape: "alu_k" },
  { code: OP_XOR_X, name: "xor", shape: "alu_x" },
  { code: OP_MOV_K, name: "mov", shape: "alu_k" },
  { code: OP_MOV_X, name: "mov", shape: "alu_x" },
  { code: OP_JA, name: "ja", shape: "ja" },
  { code: OP_JEQ_K, name: "jeq", shape: "jmp_k" },
  { code: OP_JEQ_X, name: "jeq", shape: "jmp_x" },
  { code: OP_JGT_K, name: "jgt", shape: "jmp_k" },
  { code: OP_JGT_X, name: "jgt", shape: "jmp_x" },
  { code: OP_JGE_K, name: "jge", shape: "jmp_k" },
  { code: OP_JGE_X, name: "jge", shape: "jmp_x" },
  { code: OP_JSET_K, name: "jset", shape: "jmp_k" },
  { code: OP_JSET_X, name: "jset", shape: "jmp_x" },
  { code: OP_JNE_K, name: "jne", shape: "jmp_k" },
  { code: OP_JNE_X, name: "jne", shape: "jmp_x" },
  { code: OP_JLT_K, name: "jlt", shape: "jmp_k" },
  { code: OP_JLT_X, name: "jlt", shape: "jmp_x" },
  { code: OP_JLE_K, name: "jle", shape: "jmp_k" },
  { code: OP_JLE_X, name: "jle", shape: "jmp_x" },
  { code: OP_CALL, name: "call", shape: "call" },
  { code: OP_EXIT, name: "exit", shape: "exit" },
  { code: OP_LDF, name: "ldf", shape: "ldf" },
  { code: OP_LDA, name: "lda", shape: "lda" },
  { code: OP_STF, name: "stf", shape: "stf" },
  { code: OP_LOOKUP, name: "lookup", shape: "lookup" },
  { code: OP_HIT, name: "hit", shape: "hit" },
  { code: OP_RET, name: "ret", shape: "ret" },
  { code: OP_RETX, name: "retx", shape: "retx" },
  { code: OP_COUNT, name: "count", shape: "count" },
];

const BY_CODE: (OpcodeInfo | undefined)[] = new Array<OpcodeInfo | undefined>(256).fill(undefined);
for (const info of OPCODES) {
  BY_CODE[info.code] = info;
}

/** The opcode table row for byte `code`, or undefined for an unknown opcode. */
export function opcodeInfo(code: number): OpcodeInfo | undefined {
  return BY_CODE[code & 0xff];
}

/** Service names for the text form, by number. */
export const SERVICE_NAMES: Readonly<Record<number, string>> = {
  [SVC_CT_LOOKUP]: "ct_lookup",
  [SVC_CT_CREATE]: "ct_create",
  [SVC_L7_INSPECT]: "l7_inspect",
  [SVC_FQDN_LEARN]: "fqdn_learn",
  [SVC_LOG]: "log",
  [SVC_IPCACHE_LOOKUP]: "ipcache_lookup",
};

/** Encode one instruction into words 2*pc and 2*pc+1 of `out`. */
export function encodeInsn(
  out: Uint32Array,
  pc: number,
  op: number,
  dst: number,
  src: number,
  off: number,
  imm: number,
): void {
  out[2 * pc] = ((op & 0xff) | ((dst & 0xf) << 8) | ((src & 0xf) << 12) | ((off & 0xffff) << 16)) >>> 0;
  out[2 * pc + 1] = imm >>> 0;
}

/** Decoded fields of one instruction. `off` is signed (int16). */
export interface DecodedInsn {
  op: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

/** Decode instruction `pc` of `words`. */
export function decodeInsn(words: Uint32Array, pc: number): DecodedInsn {
  const w0 = words[2 * pc]!;
  return {
    op: w0 & 0xff,
    dst: (w0 >>> 8) & 0xf,
    src: (w0 >>> 12) & 0xf,
    off: (w0 >> 16) | 0, // arithmetic shift: off is int16
    imm: words[2 * pc + 1]!,
  };
}
