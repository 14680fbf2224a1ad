/**
 * @fileoverview The interpreter: executes a verified Program against one context record.
 *
 * One `switch` over the opcode, registers in a preallocated Uint32Array, no allocation and no checks
 * per instruction: the verifier (bytecode/verify.ts) already proved every index in range, every
 * register written before it is read, and every jump forward, so the loop ends after at most
 * `program.length` steps. Arithmetic wraps at 32 bits because every result is stored into the
 * Uint32Array register file.
 *
 * Tracing is a hook, not a second interpreter: when `hook` is given, it is told about each table
 * lookup and the final result; when it is not, the cost is one null test per lookup.
 */

import * as opcodes from "../bytecode/opcodes.js";

// Local copies: V8 (Node 20) does not constant-fold imported bindings in hot code, and the dispatch
// switch below compares against every one of them per instruction.
const NO_ENTRY = opcodes.NO_ENTRY;
const NO_RULE = opcodes.NO_RULE;
const OP_ADD_K = opcodes.OP_ADD_K;
const OP_ADD_X = opcodes.OP_ADD_X;
const OP_AND_K = opcodes.OP_AND_K;
const OP_AND_X = opcodes.OP_AND_X;
const OP_CALL = opcodes.OP_CALL;
const OP_COUNT = opcodes.OP_COUNT;
const OP_EXIT = opcodes.OP_EXIT;
const OP_HIT = opcodes.OP_HIT;
const OP_JA = opcodes.OP_JA;
const OP_JEQ_K = opcodes.OP_JEQ_K;
const OP_JEQ_X = opcodes.OP_JEQ_X;
const OP_JGE_K = opcodes.OP_JGE_K;
const OP_JGE_X = opcodes.OP_JGE_X;
const OP_JGT_K = opcodes.OP_JGT_K;
const OP_JGT_X = opcodes.OP_JGT_X;
const OP_JLE_K = opcodes.OP_JLE_K;
const OP_JLE_X = opcodes.OP_JLE_X;
const OP_JLT_K = opcodes.OP_JLT_K;
const OP_JLT_X = opcodes.OP_JLT_X;
const OP_JNE_K = opcodes.OP_JNE_K;
const OP_JNE_X = opcodes.OP_JNE_X;
const OP_JSET_K = opcodes.OP_JSET_K;
const OP_JSET_X = opcodes.OP_JSET_X;
const OP_LDA = opcodes.OP_LDA;
const OP_LDF = opcodes.OP_LDF;
const OP_LOOKUP = opcodes.OP_LOOKUP;
const OP_LSH_K = opcodes.OP_LSH_K;
const OP_LSH_X = opcodes.OP_LSH_X;
const OP_MOV_K = opcodes.OP_MOV_K;
const OP_MOV_X = opcodes.OP_MOV_X;
const OP_MUL_K = opcodes.OP_MUL_K;
const OP_MUL_X = opcodes.OP_MUL_X;
const OP_OR_K = opcodes.OP_OR_K;
const OP_OR_X = opcodes.OP_OR_X;
const OP_RET = opcodes.OP_RET;
const OP_RETX = opcodes.OP_RETX;
const OP_RSH_K = opcodes.OP_RSH_K;
const OP_RSH_X = opcodes.OP_RSH_X;
const OP_STF = opcodes.OP_STF;
const OP_SUB_K = opcodes.OP_SUB_K;
const OP_SUB_X = opcodes.OP_SUB_X;
const OP_XOR_K = opcodes.OP_XOR_K;
const OP_XOR_X = opcodes.OP_XOR_X;

import type { Program } from "../program.js";

/** Index of the verdict in the result array. */
export const RESULT_VERDICT = 0;
/** Index of the drop reason in the result array. */
export const RESULT_REASON = 1;
/** Index of the rule id in the result array. */
export const RESULT_RULE = 2;
/** Words in a result array. */
export const RESULT_WORDS = 3;

/** Runtime services behind CALL. `regs` holds r0..r15; the return value becomes r0. */
export type ServiceHandler = (service: number, regs: Uint32Array, ctx: Uint32Array) => number;

/** Observer of one execution, for `trace`. */
export interface ExecHook {
  /** A LOOKUP in `table` returned `entry` (NO_ENTRY on a miss). */
  lookup(table: number, entry: number, pc: number): void;
}

/** A service handler for programs that call none: any CALL returns 0. */
export const NO_SERVICES: ServiceHandler = () => 0;

const regs = new Uint32Array(16);

/**
 * Run `program` on `ctx`; writes verdict, reason and rule id to `out[0..3)` and returns the verdict.
 * Not reentrant (one register file per process), which is all a single-threaded engine needs.
 */
export function exec(
  program: Program,
  ctx: Uint32Array,
  out: Uint32Array,
  services: ServiceHandler = NO_SERVICES,
  hook: ExecHook | null = null,
): number {
  const { op, dst, src, off, imm } = program;
  const r = regs;
  let pc = 0;
  for (;;) {
    switch (op[pc]!) {
      case OP_LDF:
        r[dst[pc]!] = ctx[imm[pc]!]!;
        pc++;
        break;
      case OP_LOOKUP: {
        const t = imm[pc]!;
        const e = program.lookups[t]!.lookup(ctx);
        r[dst[pc]!] = e;
        if (hook !== null) {
          hook.lookup(t, e, pc);
        }
        pc++;
        break;
      }
      case OP_LDA: {
        const t = imm[pc]!;
        const e = r[src[pc]!]!;
        r[dst[pc]!] =
          e === NO_ENTRY
            ? 0
            : program.tableEntries[t]![
                e * program.tableStride[t]! + program.tableActionOffset[t]! + off[pc]!
              ]!;
        pc++;
        break;
      }
      case OP_HIT: {
        const e = r[src[pc]!]!;
        if (e !== NO_ENTRY) {
          program.hits[imm[pc]!]![e]!++;
        }
        pc++;
        break;
      }
      case OP_STF:
        ctx[imm[pc]!] = r[src[pc]!]!;
        pc++;
        break;
      case OP_JA:
        pc += 1 + off[pc]!;
        break;
      case OP_JEQ_K:
        pc += r[dst[pc]!] === imm[pc] ? 1 + off[pc]! : 1;
        break;
      case OP_JEQ_X:
        pc += r[dst[pc]!] === r[src[pc]!] ? 1 + off[pc]! : 1;
        break;
      case OP_JNE_K:
        pc += r[dst[pc]!] !== imm[pc] ? 1 + off[pc]! : 1;
        break;
      case OP_JNE_X:
        pc += r[dst[pc]!] !== r[src[pc]!] ? 1 + off[pc]! : 1;
        break;
      case OP_JGT_K:
        pc += r[dst[pc]!]! > imm[pc]! ? 1 + off[pc]! : 1;
        break;
      case OP_JGT_X:
        pc += r[dst[pc]!]! > r[src[pc]!]! ? 1 + off[pc]! : 1;
        break;
      case OP_JGE_K:
        pc += r[dst[pc]!]! >= imm[pc]! ? 1 + off[pc]! : 1;
        break;
      case OP_JGE_X:
        pc += r[dst[pc]!]! >= r[src[pc]!]! ? 1 + off[pc]! : 1;
        break;
      case OP_JLT_K:
        pc += r[dst[pc]!]! < imm[pc]! ? 1 + off[pc]! : 1;
        break;
      case OP_JLT_X:
        pc += r[dst[pc]!]! < r[src[pc]!]! ? 1 + off[pc]! : 1;
        break;
      case OP_JLE_K:
        pc += r[dst[pc]!]! <= imm[pc]! ? 1 + off[pc]! : 1;
        break;
      case OP_JLE_X:
        pc += r[dst[pc]!]! <= r[src[pc]!]! ? 1 + off[pc]! : 1;
        break;
      case OP_JSET_K:
        pc += (r[dst[pc]!]! & imm[pc]!) !== 0 ? 1 + off[pc]! : 1;
        break;
      case OP_JSET_X:
        pc += (r[dst[pc]!]! & r[src[pc]!]!) !== 0 ? 1 + off[pc]! : 1;
        break;
      case OP_MOV_K:
        r[dst[pc]!] = imm[pc]!;
        pc++;
        break;
      case OP_MOV_X:
        r[dst[pc]!] = r[src[pc]!]!;
        pc++;
        break;
      case OP_ADD_K:
        r[dst[pc]!] = r[dst[pc]!]! + imm[pc]!;
        pc++;
        break;
      case OP_ADD_X:
        r[dst[pc]!] = r[dst[pc]!]! + r[src[pc]!]!;
        pc++;
        break;
      case OP_SUB_K:
        r[dst[pc]!] = r[dst[pc]!]! - imm[pc]!;
        pc++;
        break;
      case OP_SUB_X:
        r[dst[pc]!] = r[dst[pc]!]! - r[src[pc]!]!;
        pc++;
        break;
      case OP_MUL_K:
        r[dst[pc]!] = Math.imul(r[dst[pc]!]!, imm[pc]!);
        pc++;
        break;
      case OP_MUL_X:
        r[dst[pc]!] = Math.imul(r[dst[pc]!]!, r[src[pc]!]!);
        pc++;
        break;
      case OP_OR_K:
        r[dst[pc]!] = r[dst[pc]!]! | imm[pc]!;
        pc++;
        break;
      case OP_OR_X:
        r[dst[pc]!] = r[dst[pc]!]! | r[src[pc]!]!;
        pc++;
        break;
      case OP_AND_K:
        r[dst[pc]!] = r[dst[pc]!]! & imm[pc]!;
        pc++;
        break;
      case OP_AND_X:
        r[dst[pc]!] = r[dst[pc]!]! & r[src[pc]!]!;
        pc++;
        break;
      case OP_XOR_K:
        r[dst[pc]!] = r[dst[pc]!]! ^ imm[pc]!;
        pc++;
        break;
      case OP_XOR_X:
        r[dst[pc]!] = r[dst[pc]!]! ^ r[src[pc]!]!;
        pc++;
        break;
      case OP_LSH_K:
        r[dst[pc]!] = r[dst[pc]!]! << (imm[pc]! & 31);
        pc++;
        break;
      case OP_LSH_X:
        r[dst[pc]!] = r[dst[pc]!]! << (r[src[pc]!]! & 31);
        pc++;
        break;
      case OP_RSH_K:
        r[dst[pc]!] = r[dst[pc]!]! >>> (imm[pc]! & 31);
        pc++;
        break;
      case OP_RSH_X:
        r[dst[pc]!] = r[dst[pc]!]! >>> (r[src[pc]!]! & 31);
        pc++;
        break;
      case OP_COUNT:
        program.counters[imm[pc]!]!++;
        pc++;
        break;
      case OP_CALL:
        r[0] = services(imm[pc]!, r, ctx);
        pc++;
        break;
      case OP_RET:
        out[0] = imm[pc]!;
        out[1] = off[pc]! & 0xffff;
        out[2] = NO_RULE;
        return out[0];
      case OP_RETX:
        out[0] = imm[pc]!;
        out[1] = off[pc]! & 0xffff;
        out[2] = r[src[pc]!]!;
        return out[0];
      case OP_EXIT:
        out[0] = r[0]!;
        out[1] = r[1]!;
        out[2] = r[2]!;
        return out[0];
      default:
        // Unreachable for a verified program; kept so a bug cannot turn into an endless loop.
        throw new Error(`interpreter: opcode 0x${op[pc]!.toString(16)} at pc ${pc} passed verification`);
    }
  }
}
