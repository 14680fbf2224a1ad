/**
 * @fileoverview The program verifier: run once at load, so the interpreter and the WASM backend can
 * execute without a single check per instruction.
 *
 * It proves, for a decoded bundle (decode.ts has already checked tables and sections):
 *   - every opcode is known and every field its opcode does not use is zero (so the text form can
 *     print every valid instruction and assemble it back to the same bytes);
 *   - jumps go forward and land inside the program, so execution terminates after at most one pass;
 *   - the last instruction is a return, so no path falls off the end;
 *   - every register read is preceded, on every path, by a write (a forward dataflow pass over the
 *     acyclic control-flow graph: one sweep in pc order suffices);
 *   - context fields, tables, action words, counters, services and verdicts are in range; STF writes
 *     only META words.
 * Unreachable instructions are checked structurally but not for register use.
 */

import type { Bundle } from "./bundle.js";
import { LoadError } from "./load-error.js";
import type { LoadErrorCode } from "./load-error.js";
import {
  ACTION_DATA0,
  OP_MOV_K,
  OP_MOV_X,
  OP_RETX,
  SERVICE_ARGS,
  SVC_MAX,
  decodeInsn,
  opcodeInfo,
} from "./opcodes.js";
import { CTX_WORDS, F_META0 } from "../context.js";
import { VERDICT_MAX } from "../verdict.js";

const UNREACHED = -1;

/** Registers clobbered by CALL (r1..r5), as a bit mask. */
const CALL_CLOBBER = 0b111110;

/** Verify `bundle`'s program; `insnOffset` is the byte offset of instruction 0, for error messages. */
export function verifyProgram(bundle: Bundle, insnOffset: number): void {
  const { insns, counterNames } = bundle.program;
  const n = insns.length / 2;
  // in[pc]: bit mask of registers written on every path reaching pc, or UNREACHED.
  const inMask = new Int32Array(n).fill(UNREACHED);
  inMask[0] = 0;

  for (let pc = 0; pc < n; pc++) {
    const { op, dst, src, off, imm } = decodeInsn(insns, pc);
    const at = insnOffset + 8 * pc;
    const fail = (code: LoadErrorCode, detail: string): never => {
      throw new LoadError(code, at, detail, pc);
    };
    const info = opcodeInfo(op);
    if (info === undefined) {
      return fail("unknown-opcode", `opcode 0x${op.toString(16).padStart(2, "0")}`);
    }
    const reserved = (used: { dst?: boolean; src?: boolean; off?: boolean; imm?: boolean }): void => {
      if (
        (!used.dst && dst !== 0) ||
        (!used.src && src !== 0) ||
        (!used.off && off !== 0) ||
        (!used.imm && imm !== 0)
      ) {
        fail(
          "reserved-bits",
          `${info.name} uses ${Object.keys(used).join(", ") || "no operands"}; other fields must be 0`,
        );
      }
    };

    let reads = 0;
    let writes = 0;
    let clobbers = 0;
    let jumpTarget = -1;
    let fallsThrough = true;
    switch (info.shape) {
      case "alu_k":
        reserved({ dst: true, imm: true });
        reads = op === OP_MOV_K ? 0 : 1 << dst;
        writes = 1 << dst;
        break;
      case "alu_x":
        reserved({ dst: true, src: true });
        reads = (op === OP_MOV_X ? 0 : 1 << dst) | (1 << src);
        writes = 1 << dst;
        break;
      case "ja":
        reserved({ off: true });
        jumpTarget = pc + 1 + off;
        fallsThrough = false;
        break;
      case "jmp_k":
        reserved({ dst: true, off: true, imm: true });
        reads = 1 << dst;
        jumpTarget = pc + 1 + off;
        break;
      case "jmp_x":
        reserved({ dst: true, src: true, off: true });
        reads = (1 << dst) | (1 << src);
        jumpTarget = pc + 1 + off;
        break;
      case "call": {
        reserved({ imm: true });
        if (imm === 0 || imm > SVC_MAX) {
          fail("bad-service", `service ${imm} does not exist (1..${SVC_MAX})`);
        }
        const args = SERVICE_ARGS[imm] ?? 0;
        reads = ((1 << (args + 1)) - 1) & ~1; // r1..r<args>
        writes = 1;
        clobbers = CALL_CLOBBER;
        break;
      }
      case "exit":
        reserved({});
        reads = 0b111; // r0 verdict, r1 reason, r2 rule
        fallsThrough = false;
        break;
      case "ldf":
        reserved({ dst: true, imm: true });
        if (imm >= CTX_WORDS) {
          fail("bad-field", `context word ${imm} >= ${CTX_WORDS}`);
        }
        writes = 1 << dst;
        break;
      case "stf":
        reserved({ src: true, imm: true });
        if (imm < F_META0 || imm >= CTX_WORDS) {
          fail("bad-field", `context word ${imm} is not a writable META word (${F_META0}..${CTX_WORDS - 1})`);
        }
        reads = 1 << src;
        break;
      case "lookup":
        reserved({ dst: true, imm: true });
        if (imm >= bundle.tables.length) {
          fail("bad-table-index", `table ${imm} of ${bundle.tables.length}`);
        }
        writes = 1 << dst;
        break;
      case "lda": {
        reserved({ dst: true, src: true, off: true, imm: true });
        const table = bundle.tables[imm];
        if (table === undefined) {
          return fail("bad-table-index", `table ${imm} of ${bundle.tables.length}`);
        }
        if (off < 0 || off >= ACTION_DATA0 + table.actionWords) {
          fail("bad-action-word", `action word ${off}; table ${imm} has ${ACTION_DATA0 + table.actionWords}`);
        }
        reads = 1 << src;
        writes = 1 << dst;
        break;
      }
      case "hit":
        reserved({ src: true, imm: true });
        if (imm >= bundle.tables.length) {
          fail("bad-table-index", `table ${imm} of ${bundle.tables.length}`);
        }
        reads = 1 << src;
        break;
      case "count":
        reserved({ imm: true });
        if (imm >= counterNames.length) {
          fail("bad-counter-index", `counter ${imm} of ${counterNames.length}`);
        }
        break;
      case "ret":
      case "retx":
        reserved({ src: op === OP_RETX, off: true, imm: true });
        if (imm === 0 || imm > VERDICT_MAX) {
          fail("bad-verdict", `verdict ${imm} (1..${VERDICT_MAX})`);
        }
        reads = op === OP_RETX ? 1 << src : 0;
        fallsThrough = false;
        break;
      default: {
        const unhandled: never = info.shape;
        return fail("unknown-opcode", `shape ${String(unhandled)}`);
      }
    }

    if (jumpTarget !== -1 && (off < 0 || jumpTarget >= n)) {
      fail(
        "bad-jump",
        off < 0 ? `backward jump (off ${off})` : `jump to ${jumpTarget} beyond the last instruction ${n - 1}`,
      );
    }
    if (pc === n - 1 && fallsThrough) {
      fail("no-return", "the last instruction must be ret, retx or exit");
    }

    const mask = inMask[pc]!;
    if (mask === UNREACHED) {
      continue;
    }
    const missing = reads & ~mask;
    if (missing !== 0) {
      const reg = 31 - Math.clz32(missing & -missing);
      fail("uninitialized-register", `r${reg} is read before it is written on some path`);
    }
    const out = (mask | writes) & ~clobbers;
    const merge = (target: number): void => {
      const cur = inMask[target]!;
      inMask[target] = cur === UNREACHED ? out : cur & out;
    };
    if (fallsThrough) {
      merge(pc + 1);
    }
    if (jumpTarget !== -1) {
      merge(jumpTarget);
    }
  }
}
