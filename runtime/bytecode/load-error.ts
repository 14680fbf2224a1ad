/**
 * @fileoverview LoadError: why a bundle was refused, with a stable code and where.
 *
 * Every rejection by the decoder or the verifier is a LoadError; nothing else escapes `loadBundle`.
 * Codes are stable kebab-case ids (listed in LOAD_ERROR_CODES) so tools and tests can match on them;
 * `offset` is the byte offset in the bundle where the problem was found, `pc` the instruction index
 * when the problem is in the program.
 */

/** Every code a LoadError can carry, with what it means. */
export const LOAD_ERROR_CODES = {
  truncated: "the bundle ends before a structure it announces",
  "bad-magic": "not a sluice bundle (magic is not SLUC)",
  "bad-version": "format major version not supported, or minor newer than this runtime",
  "bad-flags": "unknown header flag bits",
  "bad-length": "header length does not match the file, or exceeds the size limit",
  "bad-checksum": "CRC-32 does not match: the file is corrupt",
  "bad-section-table": "section table malformed: kind unknown, order, overlap, gap or misalignment",
  "missing-section": "a required section is absent",
  "bad-padding": "padding bytes are not zero",
  "bad-strings": "string pool malformed: offsets, UTF-8 or size",
  "bad-string-index": "a string index is out of range",
  "bad-source-map": "source map malformed",
  "bad-annotations": "annotations malformed or not sorted",
  "bad-table": "table header malformed or over a limit",
  "bad-table-key": "table key spec invalid: field, width or match kind",
  "bad-table-entry": "table entry invalid: prefix length, range, mask or value bits",
  "bad-program": "program section malformed or over a limit",
  "reserved-bits": "an instruction field its opcode does not use is not zero",
  "unknown-opcode": "an instruction has an opcode this runtime does not know",
  "uninitialized-register": "a register is read on some path before it is written",
  "bad-jump": "jump goes backward or leaves the program",
  "bad-field": "context field id out of range, inside a multi-word field, or not writable",
  "bad-table-index": "instruction references a table that does not exist",
  "bad-action-word": "LDA reads beyond the table's action words",
  "bad-counter-index": "COUNT references a counter that does not exist",
  "bad-service": "CALL references an unknown runtime service",
  "bad-verdict": "RET carries an unknown verdict number",
  "no-return": "the program does not end with a return",
} as const;

/** A stable load error code. */
export type LoadErrorCode = keyof typeof LOAD_ERROR_CODES;

/** A bundle was refused. Nothing from it runs. */
export class LoadError extends Error {
  /** Stable code. */
  readonly code: LoadErrorCode;
  /** Byte offset in the bundle where the problem was found. */
  readonly offset: number;
  /** Instruction index, when the problem is in the program. */
  readonly pc: number | undefined;

  constructor(code: LoadErrorCode, offset: number, detail: string, pc?: number) {
    const where = pc === undefined ? `offset ${offset}` : `pc ${pc} (offset ${offset})`;
    super(`${code} at ${where}: ${detail}`);
    this.name = "LoadError";
    this.code = code;
    this.offset = offset;
    this.pc = pc;
  }
}
