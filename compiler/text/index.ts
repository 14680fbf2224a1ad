/**
 * @fileoverview The bytecode text form: `disassemble` prints a bundle as a listing, `assemble` reads
 * a listing (grammar.ebnf) back into the same bytes.
 */

export { assemble } from "./asm.js";
export { ASM_ERROR_CODES, AsmError } from "./errors.js";
export type { AsmErrorCode } from "./errors.js";
export { disassemble } from "./disasm.js";
export type { DisasmOptions } from "./disasm.js";
