/**
 * @fileoverview AsmError: why a text listing could not be assembled, with a stable code, the position
 * (`file:line:col`, 1-based, columns in code points) and a message that says how to fix it.
 *
 * Codes are kebab-case like LoadError's, listed once in ASM_ERROR_CODES so tests can check that each
 * one is reachable. `suggest` supplies the "did you mean" part of messages about unknown names.
 */

/** Every code an AsmError can carry, with what it means. */
export const ASM_ERROR_CODES = {
  syntax: "the line does not match the grammar of its block",
  "unknown-directive": "a `.word` that is not a directive",
  "misplaced-line":
    "a line outside the block it belongs to (an entry outside .table, a .note outside .program)",
  "duplicate-block":
    "a block that may appear once (.strings, .source_map, .counters, .program, .section X) appears twice",
  "bad-header": ".format or .flags has a value this assembler does not write",
  "bad-string": "a string escape or $N string index is invalid",
  "bad-option": "an option (name=value) is unknown, repeated, missing or has the wrong kind of value",
  "bad-number": "a number is out of range for where it is used",
  "unknown-field": "a context field name is not known",
  "bad-key": "a table key spec is invalid: match kind, key count, range on a 128-bit field",
  "bad-entry": "a table entry has the wrong number of matches or data words, or a match its kind cannot take",
  "bad-address": "an IPv4 or IPv6 address is malformed or has the wrong width for its field",
  "bad-prefix": "a prefix is longer than its field or has bits set beyond its length",
  "bad-range": "a range's low end is above its high end",
  "bad-ternary": "a ternary value has bits outside its mask",
  "unknown-mnemonic": "an instruction mnemonic is not in the opcode table",
  "bad-operands": "an instruction has the wrong number or kind of operands",
  "bad-register": "a register name is outside r0..r15",
  "unknown-label": "a jump names a label that is not defined",
  "duplicate-label": "a label is defined twice",
  "backward-jump": "a jump goes to an earlier instruction (jumps go forward only)",
  "jump-too-far": "a jump offset does not fit in 16 bits",
  "dangling-label": "a label or .note is not followed by an instruction",
  "unknown-table": "an instruction names a table that does not exist",
  "unknown-counter": "a count instruction names a counter that does not exist",
  "ambiguous-name": "a name matches more than one table or counter",
  "unknown-service": "a call names an unknown runtime service",
  "unknown-verdict": "a verdict name or number is not known",
  "unknown-reason": "a drop reason name is not known, or its number does not fit 16 bits",
  "field-not-writable": "stf writes a field other than meta0..meta15",
  "unknown-section": ".section names a kind that is not a reserved raw section",
  "empty-program": "the listing has no .program block or the block has no instruction",
  rejected:
    "the assembled bundle failed decoding or verification (e.g. a register read before it is written)",
} as const;

/** A stable assembler error code. */
export type AsmErrorCode = keyof typeof ASM_ERROR_CODES;

/** A listing could not be assembled. `message` is `file:line:col: what is wrong; how to fix it`. */
export class AsmError extends Error {
  /** Stable code. */
  readonly code: AsmErrorCode;
  /** File name as passed to `assemble`. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in code points. */
  readonly col: number;
  /** The message without the position prefix. */
  readonly detail: string;

  constructor(code: AsmErrorCode, file: string, line: number, col: number, detail: string) {
    super(`${file}:${line}:${col}: ${detail}`);
    this.name = "AsmError";
    this.code = code;
    this.file = file;
    this.line = line;
    this.col = col;
    this.detail = detail;
  }
}

/** Where a piece of text sits, for errors: 1-based line and column. */
export interface Pos {
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in code points. */
  readonly col: number;
}

/** Throws AsmError; the resolver passes one around so it need not know the file name. */
export type Fail = (code: AsmErrorCode, at: Pos, detail: string) => never;

/** A `Fail` that throws AsmErrors for `file`. */
export function failIn(file: string): Fail {
  return (code, at, detail) => {
    throw new AsmError(code, file, at.line, at.col, detail);
  };
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** ` (did you mean `x`?)` for the closest of `candidates` to `name`, or "" when none is close. */
export function suggest(name: string, candidates: Iterable<string>): string {
  let best = "";
  let bestScore = Infinity;
  const lower = name.toLowerCase();
  for (const c of candidates) {
    // Ties go to the same first letter, then to more shared letters: `lod` is `ldf`, not `add` or `lsh`.
    const cl = c.toLowerCase();
    const shared = [...new Set(cl)].filter((ch) => lower.includes(ch)).length;
    const score = distance(lower, cl) - (cl[0] === lower[0] ? 0.5 : 0) - shared / 100;
    if (score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  const d = Math.ceil(bestScore);
  const close = d <= Math.max(2, Math.ceil(name.length / 3)) && d < name.length;
  return close ? ` (did you mean \`${best}\`?)` : "";
}
