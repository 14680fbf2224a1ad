/**
 * @fileoverview The bundle an engine runs when it is given none: nothing is policed, but parsing,
 * tunnels and conntrack still run. A packet the parser refuses drops with the parser's reason (that is
 * not policy, it is what the datapath does with a malformed packet); every other packet is forwarded,
 * and new connections enter conntrack so replies are recognised.
 */

import { FORMAT_MINOR } from "../bytecode/bundle.js";
import type { Bundle } from "../bytecode/bundle.js";
import { encodeBundle } from "../bytecode/encode.js";
import {
  NO_RULE,
  OP_CALL,
  OP_EXIT,
  OP_JEQ_K,
  OP_JNE_K,
  OP_LDF,
  OP_MOV_K,
  OP_MOV_X,
  OP_RET,
  SVC_CT_CREATE,
  SVC_CT_LOOKUP,
  encodeInsn,
} from "../bytecode/opcodes.js";
import { CT_NEW, F_PARSE_REASON } from "../context.js";
import { VERDICT_DROPPED, VERDICT_FORWARDED } from "../verdict.js";

const PROGRAM: [number, number, number, number, number][] = [
  [OP_LDF, 6, 0, 0, F_PARSE_REASON], //  0  r6 = parser verdict
  [OP_JEQ_K, 6, 0, 4, 0], //              1  parsed: skip the drop
  [OP_MOV_K, 0, 0, 0, VERDICT_DROPPED], // 2
  [OP_MOV_X, 1, 6, 0, 0], //              3  reason = parser's
  [OP_MOV_K, 2, 0, 0, NO_RULE], //        4
  [OP_EXIT, 0, 0, 0, 0], //               5
  [OP_CALL, 0, 0, 0, SVC_CT_LOOKUP], //   6
  [OP_JNE_K, 0, 0, 2, CT_NEW], //         7  tracked: forward
  [OP_MOV_K, 1, 0, 0, VERDICT_FORWARDED], // 8
  [OP_CALL, 0, 0, 0, SVC_CT_CREATE], //   9
  [OP_RET, 0, 0, 0, VERDICT_FORWARDED], // 10
];

/** The pass-through bundle's bytes. */
export function passthroughBundle(): Uint8Array {
  const insns = new Uint32Array(PROGRAM.length * 2);
  PROGRAM.forEach(([op, dst, src, off, imm], pc) => {
    encodeInsn(insns, pc, op, dst, src, off, imm);
  });
  const bundle: Bundle = {
    minor: FORMAT_MINOR,
    flags: 0,
    strings: [],
    sourceMap: [],
    tables: [],
    program: { insns, counterNames: [] },
    annotations: [],
    rawSections: new Map(),
  };
  return encodeBundle(bundle);
}
