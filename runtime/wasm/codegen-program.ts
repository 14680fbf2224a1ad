/**
 * @fileoverview The program as WebAssembly: `run(first, count)` executes the verified program on
 * context slots first .. first+count-1, writing each slot's verdict, drop reason and rule id.
 *
 * Registers r0..r15 are locals. Jumps only go forward (verify.ts), and forward control flow is
 * exactly what nested blocks express: walking the program in order, at every jump target the code
 * so far is wrapped in a block labelled with that target, so `br L<t>` from anywhere before t
 * continues at t; no loop and no dispatch remain. A return stores the slot's result and branches
 * to the end of the slot. The semantics are interp/exec.ts's, including the cases a verified
 * program can still reach at run time: LDA of an entry that is NO_ENTRY (or any index past the
 * table) reads 0, and HIT of such an index counts nothing, as the interpreter's out-of-range typed
 * array accesses do. Counters and hits are f64 in memory, incremented like Program's arrays.
 *
 * CALL becomes a call of the imported `svc(service, slot, r1..r5) -> r0`; a table without a wasm
 * lookup calls the imported `lookupJs(table, slot) -> entry`. CALL SVC_CT_LOOKUP, when the module has
 * the conntrack fast path (codegen-conntrack.ts), calls `ctLookup(ctx, slot)` first and the import
 * only when that answers CT_FALLBACK.
 */

import * as op from "../bytecode/opcodes.js";
import type { Program } from "../program.js";
import type { Expr } from "./binaryen.js";
import type { FunctionBuilder } from "./builder.js";
import { CT_FALLBACK } from "./codegen-conntrack.js";
import { CTX_BYTES, SLOT_RESULT_WORDS } from "./layout.js";
import type { MemoryLayout } from "./layout.js";

/** Import name of the service call. */
export const IMPORT_SERVICE = "svc";
/** Import name of the JS lookup fallback. */
export const IMPORT_LOOKUP = "lookupJs";

/** What the program generator needs besides the program. */
export interface ProgramCodegenInput {
  /** The verified program. */
  readonly program: Program;
  /** The memory map. */
  readonly layout: MemoryLayout;
  /** Name of the wasm lookup function per table, or null to call IMPORT_LOOKUP. */
  readonly lookupFunctions: readonly (string | null)[];
  /** Name of the conntrack fast path `(ctx, slot) -> CT_* | CT_FALLBACK`, or null. */
  readonly ctLookup?: string | null;
}

/** Locals of `run`. */
interface Locals {
  readonly slot: number;
  readonly end: number;
  readonly ctx: number;
  readonly res: number;
  /** r0..r15. */
  readonly r: readonly number[];
}

/** Statements of `run(first, count)` (parameters 0 and 1). */
export function emitRun(f: FunctionBuilder, input: ProgramCodegenInput): Expr[] {
  const { m } = f;
  const { layout } = input;
  const L: Locals = {
    slot: f.local(),
    end: f.local(),
    ctx: f.local(),
    res: f.local(),
    r: Array.from({ length: op.REGISTER_COUNT }, () => f.local()),
  };
  const slots = f.label("slots");
  const all = f.label("all");
  const next = f.label("packet");
  const carryIn = layout.carried.map((w) =>
    m.i32.store(4 * w, 4, f.get(L.ctx), m.i32.load(layout.carry + 4 * w, 4, f.i32(0))),
  );
  const carryOut = layout.carried.map((w) => m.i32.store(layout.carry + 4 * w, 4, f.i32(0), f.ctx(L.ctx, w)));
  return [
    f.set(L.slot, f.get(0)),
    f.set(L.end, m.i32.add(f.get(0), f.get(1))),
    m.block(all, [
      m.loop(
        slots,
        m.block(null, [
          m.br(all, m.i32.ge_u(f.get(L.slot), f.get(L.end))),
          f.set(L.ctx, m.i32.add(f.i32(layout.contexts), m.i32.mul(f.get(L.slot), f.i32(CTX_BYTES)))),
          f.set(
            L.res,
            m.i32.add(f.i32(layout.results), m.i32.mul(f.get(L.slot), f.i32(4 * SLOT_RESULT_WORDS))),
          ),
          ...carryIn,
          m.block(next, [emitBody(f, input, L, next)]),
          ...carryOut,
          f.bump(L.slot, 1),
          m.br(slots),
        ]),
      ),
    ]),
    m.return(),
  ];
}

/** The program body: nested blocks, one per jump target (see the file overview). */
function emitBody(f: FunctionBuilder, input: ProgramCodegenInput, L: Locals, done: string): Expr {
  const { program } = input;
  const n = program.length;
  const isTarget = new Uint8Array(n + 1);
  for (let pc = 0; pc < n; pc++) {
    const o = program.op[pc]!;
    if ((o & op.CLS_MASK) === op.CLS_JMP && o !== op.OP_CALL && o !== op.OP_EXIT) {
      isTarget[pc + 1 + program.off[pc]!] = 1;
    }
  }
  let code: Expr[] = [];
  for (let pc = 0; pc < n; pc++) {
    if (isTarget[pc] === 1) {
      code = [f.m.block(`L${pc}`, code)];
    }
    code.push(emitInsn(f, input, L, pc, done));
  }
  return f.m.block(null, code);
}

/** One instruction. */
function emitInsn(f: FunctionBuilder, input: ProgramCodegenInput, L: Locals, pc: number, done: string): Expr {
  const { m } = f;
  const { program, layout } = input;
  const o = program.op[pc]!;
  const imm = program.imm[pc]!;
  const off = program.off[pc]!;
  const dst = L.r[program.dst[pc]!]!;
  const src = L.r[program.src[pc]!]!;
  const reg = (r: number): Expr => f.get(r);
  const operand = (o & op.SRC_X) !== 0 ? (): Expr => reg(src) : (): Expr => f.i32(imm);
  const jump = (cond: Expr): Expr => m.br(`L${pc + 1 + off}`, cond);
  const alu = (fn: (a: Expr, b: Expr) => Expr): Expr => f.set(dst, fn(reg(dst), operand()));
  const ret = (verdict: Expr, reason: Expr, rule: Expr): Expr =>
    m.block(null, [
      m.i32.store(0, 4, f.get(L.res), verdict),
      m.i32.store(4, 4, f.get(L.res), reason),
      m.i32.store(8, 4, f.get(L.res), rule),
      m.br(done),
    ]);
  switch (o) {
    case op.OP_ADD_K:
    case op.OP_ADD_X:
      return alu((a, b) => m.i32.add(a, b));
    case op.OP_SUB_K:
    case op.OP_SUB_X:
      return alu((a, b) => m.i32.sub(a, b));
    case op.OP_MUL_K:
    case op.OP_MUL_X:
      return alu((a, b) => m.i32.mul(a, b));
    case op.OP_OR_K:
    case op.OP_OR_X:
      return alu((a, b) => m.i32.or(a, b));
    case op.OP_AND_K:
    case op.OP_AND_X:
      return alu((a, b) => m.i32.and(a, b));
    case op.OP_XOR_K:
    case op.OP_XOR_X:
      return alu((a, b) => m.i32.xor(a, b));
    case op.OP_LSH_K:
    case op.OP_LSH_X:
      return alu((a, b) => m.i32.shl(a, b)); // wasm shifts by (b & 31), as the interpreter does
    case op.OP_RSH_K:
    case op.OP_RSH_X:
      return alu((a, b) => m.i32.shr_u(a, b));
    case op.OP_MOV_K:
    case op.OP_MOV_X:
      return f.set(dst, operand());
    case op.OP_JA:
      return m.br(`L${pc + 1 + off}`);
    case op.OP_JEQ_K:
    case op.OP_JEQ_X:
      return jump(m.i32.eq(reg(dst), operand()));
    case op.OP_JNE_K:
    case op.OP_JNE_X:
      return jump(m.i32.ne(reg(dst), operand()));
    case op.OP_JGT_K:
    case op.OP_JGT_X:
      return jump(m.i32.gt_u(reg(dst), operand()));
    case op.OP_JGE_K:
    case op.OP_JGE_X:
      return jump(m.i32.ge_u(reg(dst), operand()));
    case op.OP_JLT_K:
    case op.OP_JLT_X:
      return jump(m.i32.lt_u(reg(dst), operand()));
    case op.OP_JLE_K:
    case op.OP_JLE_X:
      return jump(m.i32.le_u(reg(dst), operand()));
    case op.OP_JSET_K:
    case op.OP_JSET_X:
      return jump(m.i32.and(reg(dst), operand()));
    case op.OP_LDF:
      return f.set(dst, f.ctx(L.ctx, imm));
    case op.OP_STF:
      return m.i32.store(4 * imm, 4, f.get(L.ctx), reg(src));
    case op.OP_LOOKUP: {
      const fn = input.lookupFunctions[imm];
      return f.set(
        dst,
        fn === null || fn === undefined
          ? m.call(IMPORT_LOOKUP, [f.i32(imm), f.get(L.slot)], f.b.i32)
          : m.call(fn, [f.get(L.ctx)], f.b.i32),
      );
    }
    case op.OP_LDA: {
      const t = layout.tables[imm]!;
      // Entry index past the table (NO_ENTRY included): 0, as the interpreter's out-of-range read.
      return f.set(
        dst,
        m.if(
          m.i32.lt_u(reg(src), f.i32(t.entries)),
          m.i32.load(t.actions + 4 * off, 4, m.i32.mul(reg(src), f.i32(4 * t.actionStride))),
          f.i32(0),
        ),
      );
    }
    case op.OP_HIT: {
      const t = layout.tables[imm]!;
      const at = (): Expr => m.i32.shl(reg(src), f.i32(3));
      return m.if(
        m.i32.lt_u(reg(src), f.i32(t.entries)),
        m.f64.store(t.hits, 8, at(), m.f64.add(m.f64.load(t.hits, 8, at()), m.f64.const(1))),
      );
    }
    case op.OP_COUNT: {
      const at = layout.counters + 8 * imm;
      return m.f64.store(at, 8, f.i32(0), m.f64.add(m.f64.load(at, 8, f.i32(0)), m.f64.const(1)));
    }
    case op.OP_CALL: {
      const service = (): Expr =>
        f.set(
          L.r[0]!,
          m.call(IMPORT_SERVICE, [f.i32(imm), f.get(L.slot), ...L.r.slice(1, 6).map(reg)], f.b.i32),
        );
      const fast = input.ctLookup;
      if (imm !== op.SVC_CT_LOOKUP || fast === null || fast === undefined) {
        return service();
      }
      return m.block(null, [
        f.set(L.r[0]!, m.call(fast, [f.get(L.ctx), f.get(L.slot)], f.b.i32)),
        m.if(m.i32.eq(reg(L.r[0]!), f.i32(CT_FALLBACK)), service()),
      ]);
    }
    case op.OP_RET:
      return ret(f.i32(imm), f.i32(off & 0xffff), f.i32(op.NO_RULE));
    case op.OP_RETX:
      return ret(f.i32(imm), f.i32(off & 0xffff), reg(src));
    case op.OP_EXIT:
      return ret(reg(L.r[0]!), reg(L.r[1]!), reg(L.r[2]!));
    default:
      throw new Error(`wasm: opcode 0x${o.toString(16)} at pc ${pc} passed verification`);
  }
}
