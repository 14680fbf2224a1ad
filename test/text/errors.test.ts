/**
 * @fileoverview Every AsmError code, each provoked by a small listing: the error must carry the code,
 * the `file:line:col` of the offending text and a message that says what to do.
 */

import { describe, expect, it } from "vitest";
import { ASM_ERROR_CODES, AsmError, assemble } from "../../compiler/text/index.js";
import type { AsmErrorCode } from "../../compiler/text/index.js";

/** `.program` followed by `lines`, each indented. */
function program(...lines: string[]): string {
  return `.program\n${lines.map((l) => (l.endsWith(":") ? l : `    ${l}`)).join("\n")}\n`;
}

/** A table block, then a program that ends with a return. */
function table(head: string, ...entries: string[]): string {
  return `.table ${head}\n${entries.map((e) => `    ${e}`).join("\n")}\n${program("ret FORWARDED")}`;
}

/** For each code: listings and a substring of the message (position included). */
const CASES: Record<AsmErrorCode, [source: string, message: string][]> = {
  syntax: [
    [program("ldf r1,, src_ip4"), "x.sasm:2:11: unexpected `,, src_ip4`; expected [label:] mnemonic"],
    [`.strings\n    "open\n${program("ret FORWARDED")}`, "x.sasm:2:5: unterminated string"],
    [
      table("t key=proto:exact", "6 FORWARDED"),
      "x.sasm:2:5: unexpected `6 FORWARDED`; an entry needs `->` between its matches and the verdict",
    ],
    [
      table("t key=proto:exact", "6 -> "),
      "x.sasm:2:5: unexpected `6 ->`; expected an entry: one match per key field, then -> VERDICT",
    ],
  ],
  "unknown-directive": [
    [
      `.programm\n    ret FORWARDED\n`,
      "x.sasm:1:1: unknown directive `.programm` (did you mean `.program`?)",
    ],
  ],
  "misplaced-line": [
    ["ret FORWARDED\n", "x.sasm:1:1: this line is outside any block"],
    [
      `.table t key=proto:exact\n    .note "x"\n`,
      "x.sasm:2:5: `.note` attaches a comment to the next instruction; put it inside .program",
    ],
  ],
  "duplicate-block": [
    [program("ret FORWARDED") + program("ret DROPPED"), "x.sasm:3:1: `.program` is already open on line 1"],
    [`.format 1.0\n.format 1.0\n${program("ret FORWARDED")}`, "x.sasm:2:1: `.format` is given twice"],
  ],
  "bad-header": [
    [
      `.format 2.0\n${program("ret FORWARDED")}`,
      "x.sasm:1:1: format 2.0 is not one this assembler writes; use .format 1.0",
    ],
    [`.flags loud\n${program("ret FORWARDED")}`, "x.sasm:1:8: unknown flag `loud`"],
    [`.flags 0x2\n${program("ret FORWARDED")}`, "x.sasm:1:8: unknown flag `0x2`"],
  ],
  "bad-string": [
    [
      program('.note "\\u{110000}"', "ret FORWARDED"),
      "x.sasm:2:12: \\u{110000} is not a Unicode scalar value",
    ],
    [program(".note $3", "ret FORWARDED"), "x.sasm:2:11: string $3 does not exist; the pool has 0 strings"],
  ],
  "bad-option": [
    [
      table("t key=proto:exact", "6 -> FORWARDED rul=1"),
      "x.sasm:2:20: unknown option `rul` for a table entry (did you mean `rule`?)",
    ],
    [
      `.source_map\n    1 line="twelve"\n${program("ret FORWARDED")}`,
      'x.sasm:2:12: option `line` takes a number, got `"twelve"`',
    ],
    [table("t key=proto:exact", "6 -> FORWARDED rule=1 rule=2"), "x.sasm:2:27: option `rule` is given twice"],
    [table("t key=proto:exact cache=1", "6 -> FORWARDED"), "x.sasm:1:26: unknown option `cache` for a table"],
  ],
  "bad-number": [
    [program("mov r1, 0x100000000", "ret FORWARDED"), "x.sasm:2:13: immediate 0x100000000 is out of range"],
    [
      table("t key=proto:exact action_words=17", "6 -> FORWARDED"),
      "x.sasm:1:39: action_words 17 is out of range; it must be 0..16",
    ],
    [
      program("ldf r1, 64", "ret FORWARDED"),
      "x.sasm:2:13: context word 64 is out of range; it must be 0..63",
    ],
  ],
  "unknown-field": [
    [
      program("ldf r1, src_port4", "ret FORWARDED"),
      "x.sasm:2:13: unknown context field `src_port4` (did you mean `src_port`?)",
    ],
    [
      table("t key=srcip4:exact", "1 -> FORWARDED"),
      "x.sasm:1:14: unknown context field `srcip4` (did you mean `src_ip4`?)",
    ],
    [program("ldf r1, proto[1]", "ret FORWARDED"), "x.sasm:2:13: proto has 1 word (no [N])"],
  ],
  "bad-key": [
    [
      table("t key=proto:lmp", "6 -> FORWARDED"),
      "x.sasm:1:20: unknown match kind `lmp` (did you mean `lpm`?)",
    ],
    [
      table("t key=src_ip6:range", "::1 -> FORWARDED"),
      "x.sasm:1:22: range match needs a 32-bit field; src_ip6 is 128 bits",
    ],
    [table("t action_words=1", "6 -> FORWARDED"), "x.sasm:1:1: a table needs exactly one key=FIELD:KIND"],
  ],
  "bad-entry": [
    [
      table("t key=proto:exact,dst_port:range", "6 -> FORWARDED"),
      "x.sasm:2:5: entry has 1 matches; table t has 2 key fields (proto:exact dst_port:range)",
    ],
    [
      table("t key=proto:exact", "* -> FORWARDED"),
      "x.sasm:2:5: proto is matched exact: write one value, not `*`",
    ],
    [
      table("t key=proto:exact action_words=2", "6 -> FORWARDED data=1"),
      "x.sasm:2:25: data has 1 words; table t has action_words=2",
    ],
  ],
  "bad-address": [
    [
      table("t key=src_ip4:exact", "300.0.0.1 -> FORWARDED"),
      "x.sasm:2:5: `300.0.0.1` is not an IPv4 address",
    ],
    [
      table("t key=src_ip4:lpm", "fd00::/8 -> FORWARDED"),
      "x.sasm:2:5: `fd00::` is a 128-bit address; src_ip4 is 32 bits",
    ],
    [table("t key=dst_ip6:exact", "fd00:::1 -> FORWARDED"), "x.sasm:2:5: `fd00:::1` is not an IPv6 address"],
  ],
  "bad-prefix": [
    [
      table("t key=src_ip4:lpm", "10.0.0.1/8 -> FORWARDED"),
      "x.sasm:2:5: 10.0.0.1/8 has bits set beyond the prefix length; did you mean 10.0.0.0/8?",
    ],
    [
      table("t key=src_ip4:lpm", "10.0.0.0/33 -> FORWARDED"),
      "x.sasm:2:14: prefix length 33 does not fit src_ip4: it must be 0..32",
    ],
    [
      table("t key=src_ip6:lpm", "fd00::/ffff:: -> FORWARDED"),
      "x.sasm:2:12: a prefix length is a number 0..128",
    ],
  ],
  "bad-range": [
    [
      table("t key=dst_port:range", "443-80 -> FORWARDED"),
      "x.sasm:2:5: range 443-80 is empty: write the low end first (80-443)",
    ],
  ],
  "bad-ternary": [
    [
      table("t key=proto:ternary", "0x16/0x0f -> FORWARDED"),
      "x.sasm:2:5: 0x16/0x0f: the value has bits outside the mask; did you mean 0x6/0xf?",
    ],
  ],
  "unknown-mnemonic": [
    [program("lod r1, src_ip4", "ret FORWARDED"), "x.sasm:2:5: unknown mnemonic `lod` (did you mean `ldf`?)"],
  ],
  "bad-operands": [
    [program("ldf r1", "ret FORWARDED"), "x.sasm:2:5: ldf takes 2 operands, got 1 (ldf rD, FIELD)"],
    [
      program("ldf 5, src_ip4", "ret FORWARDED"),
      "x.sasm:2:9: ldf operand 1 must be a register (r0..r15), got `5`",
    ],
    [program("mov r1, src_ip4", "ret FORWARDED"), "x.sasm:2:13: mov operand 2 must be an immediate"],
    [
      `.table t key=proto:exact action_words=1\n${program("lookup r1, t", "lda r2, r1, t, data1", "ret FORWARDED")}`,
      "x.sasm:4:20: `data1` is not an action word of table t: use verdict, rule, flags, data0",
    ],
  ],
  "bad-register": [
    [program("mov r16, 1", "ret FORWARDED"), "x.sasm:2:9: `r16` is not a register; registers are r0..r15"],
  ],
  "unknown-label": [[program("ja out", "ret FORWARDED"), "x.sasm:2:8: unknown label `out`"]],
  "duplicate-label": [
    [program("a:", "mov r1, 1", "a:", "ret FORWARDED"), "x.sasm:4:1: label `a` is already defined on line 2"],
  ],
  "backward-jump": [
    [
      program("top:", "mov r1, 1", "jeq r1, 0, top", "ret FORWARDED"),
      "x.sasm:4:16: jump to `top` goes backward (to pc 0 from pc 1)",
    ],
  ],
  "jump-too-far": [
    [program("ja +40000", "ret FORWARDED"), "x.sasm:2:8: jump offset 40000 does not fit in 16 bits"],
  ],
  "dangling-label": [
    [program("ret FORWARDED", "end:"), "x.sasm:3:1: label `end` is not followed by an instruction"],
    [program("ret FORWARDED", '.note "bye"'), "x.sasm:3:5: `.note` is not followed by an instruction"],
  ],
  "unknown-table": [
    [program("lookup r1, ipcahce", "ret FORWARDED"), "x.sasm:2:16: unknown table `ipcahce`"],
    [program("lookup r1, @0", "ret FORWARDED"), "x.sasm:2:16: table @0 does not exist; there are 0 tables"],
  ],
  "unknown-counter": [
    [
      `.counters\n    drops\n${program("count dorps", "ret FORWARDED")}`,
      "x.sasm:4:11: unknown counter `dorps` (did you mean `drops`?)",
    ],
  ],
  "ambiguous-name": [
    [
      `.table t key=proto:exact\n.table t key=proto:exact\n${program("lookup r1, t", "ret FORWARDED")}`,
      "x.sasm:4:16: 2 tables are named `t` (@0, @1); pick one with @N",
    ],
  ],
  "unknown-service": [
    [
      program("call ct_lookupp", "ret FORWARDED"),
      "x.sasm:2:10: unknown service `ct_lookupp` (did you mean `ct_lookup`?)",
    ],
  ],
  "unknown-verdict": [
    [program("ret ALLOWED"), "x.sasm:2:9: unknown verdict `ALLOWED`"],
    [program("ret 9"), "x.sasm:2:9: unknown verdict `9`; use a number 1..7"],
    [
      table("t key=proto:exact", "6 -> FORWARD"),
      "x.sasm:2:10: unknown verdict `FORWARD` (did you mean `FORWARDED`?)",
    ],
  ],
  "unknown-reason": [
    [program("ret DROPPED, POLICY_DENY_ALL"), "x.sasm:2:18: unknown drop reason `POLICY_DENY_ALL`"],
    [program("ret DROPPED, 70000"), "x.sasm:2:18: unknown drop reason `70000`; use a number 0..65535"],
  ],
  "field-not-writable": [
    [
      program("mov r1, 1", "stf src_ip4, r1", "ret FORWARDED"),
      "x.sasm:3:9: stf can only write meta0..meta15; src_ip4 is written by the runtime",
    ],
  ],
  "unknown-section": [
    [
      `${program("ret FORWARDED")}.section identity\n`,
      "x.sasm:3:10: `identity` is not a raw section (did you mean `identities`?)",
    ],
  ],
  "empty-program": [
    [".format 1.0\n", "x.sasm:1:1: a listing needs a .program block with at least one instruction"],
    [".program\n", "x.sasm:1:1: a listing needs a .program block"],
  ],
  rejected: [
    [
      program("retx FORWARDED, r3"),
      "x.sasm:2:5: r3 is read before it is written on some path [uninitialized-register]; write the register on every path",
    ],
    [
      program("mov r1, 1", "jeq r1, 0, skip", "mov r2, 7", "skip:", "retx FORWARDED, r2"),
      "x.sasm:6:5: r2 is read before it is written",
    ],
    [program("mov r1, 1"), "x.sasm:2:5: the last instruction must be ret, retx or exit [no-return]"],
    [program("ja +5", "ret FORWARDED"), "x.sasm:2:5: jump to 6 beyond the last instruction 1 [bad-jump]"],
  ],
};

describe("AsmError", () => {
  it("has a case for every code", () => {
    expect(Object.keys(CASES).sort()).toEqual(Object.keys(ASM_ERROR_CODES).sort());
  });
  for (const [code, cases] of Object.entries(CASES)) {
    it(code, () => {
      for (const [source, message] of cases) {
        let caught: unknown;
        try {
          assemble(source, "x.sasm");
        } catch (e) {
          caught = e;
        }
        expect(caught, source).toBeInstanceOf(AsmError);
        const err = caught as AsmError;
        expect(err.message, source).toContain(message);
        expect(err.code, `${source}\n${err.message}`).toBe(code);
        expect(err.message).toBe(`${err.file}:${err.line}:${err.col}: ${err.detail}`);
      }
    });
  }
});
