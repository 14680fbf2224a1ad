/**
 * @fileoverview The assembler: text listing → canonical bundle bytes.
 *
 * Stages: parse every line with the EBNF grammar (syntax.ts), resolve names, labels and strings into
 * a Bundle (resolve*.ts), `encodeBundle`, then load the result as the runtime would (`decodeBundle` +
 * `verifyProgram`). A LoadError from that last step becomes an AsmError at the offending instruction,
 * so `sluice asm` never writes a bundle the runtime would refuse.
 */

import { decodeBundle } from "../../runtime/bytecode/decode.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { LOAD_ERROR_CODES, LoadError } from "../../runtime/bytecode/load-error.js";
import type { LoadErrorCode } from "../../runtime/bytecode/load-error.js";
import { verifyProgram } from "../../runtime/bytecode/verify.js";
import { AsmError, failIn } from "./errors.js";
import type { Pos } from "./errors.js";
import { resolveListing } from "./resolve.js";
import { parseListing } from "./syntax.js";

export { AsmError, ASM_ERROR_CODES } from "./errors.js";
export type { AsmErrorCode } from "./errors.js";

/** How to fix what the verifier reports, by load error code. */
const FIXES: Partial<Record<LoadErrorCode, string>> = {
  "uninitialized-register":
    "write the register on every path that reaches this instruction (a jump may skip the write)",
  "no-return": "end the program with ret, retx or exit",
  "bad-jump": "point the jump at a label on a later instruction inside the program",
};

function rejected(e: LoadError, insnAt: readonly Pos[], file: string): AsmError {
  const at = e.pc === undefined ? undefined : insnAt[e.pc];
  const detail = e.message.slice(e.message.indexOf(": ") + 2);
  const fix = FIXES[e.code] ?? LOAD_ERROR_CODES[e.code];
  const where = at === undefined ? ` (at byte ${e.offset})` : "";
  return new AsmError("rejected", file, at?.line ?? 1, at?.col ?? 1, `${detail}${where} [${e.code}]; ${fix}`);
}

/** Assemble a listing into canonical bundle bytes; throws AsmError (`file:line:col: ...`) on any problem. */
export function assemble(text: string, fileName = "<asm>"): Uint8Array {
  const fail = failIn(fileName);
  const source = text.startsWith("\ufeff") ? text.slice(1) : text; // an editor's byte order mark
  const { bundle, insnAt } = resolveListing(parseListing(source, fail), fail);
  const bytes = encodeBundle(bundle);
  try {
    const decoded = decodeBundle(bytes);
    verifyProgram(decoded.bundle, decoded.insnOffset);
  } catch (e) {
    throw e instanceof LoadError ? rejected(e, insnAt, fileName) : e;
  }
  return bytes;
}
