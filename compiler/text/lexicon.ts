/**
 * @fileoverview The vocabulary both directions of the text form share: names of verdicts, drop
 * reasons, services, action words, flags and raw sections; string quoting; IPv4 / IPv6 and number
 * formatting and parsing. Keeping printer and reader on one table is what makes the round trip hold.
 */

import {
  BUNDLE_FLAG_AUDIT,
  MATCH_KIND_NAMES,
  RAW_SECTION_KINDS,
  SECTION_NAMES,
} from "../../runtime/bytecode/bundle.js";
import type { KeyField } from "../../runtime/bytecode/bundle.js";
import { contextField } from "../../runtime/context.js";
import {
  ACTION_DATA0,
  ACTION_FLAGS,
  ACTION_RULE_ID,
  ACTION_VERDICT,
  SERVICE_NAMES,
} from "../../runtime/bytecode/opcodes.js";
import { DROP_REASON_NAMES, VERDICT_NAMES } from "../../runtime/verdict.js";

/** Names the text form reads for `.flags`, by bit. */
export const FLAG_NAMES: ReadonlyMap<string, number> = new Map([["audit", BUNDLE_FLAG_AUDIT]]);

function invert(names: Readonly<Record<number, string>>): ReadonlyMap<string, number> {
  return new Map(Object.entries(names).map(([num, name]) => [name, Number(num)]));
}

/** Verdict numbers by Hubble name. */
export const VERDICT_BY_NAME = invert(VERDICT_NAMES);
/** Drop reason numbers by Hubble name. */
export const REASON_BY_NAME = invert(DROP_REASON_NAMES);
/** Service numbers by text-form name. */
export const SERVICE_BY_NAME = invert(SERVICE_NAMES);
/** Raw section kinds by name (`identities`, `l7_rules`, `metadata`). */
export const RAW_SECTION_BY_NAME: ReadonlyMap<string, number> = new Map(
  RAW_SECTION_KINDS.map((kind) => [SECTION_NAMES[kind]!, kind]),
);
/** Immediate constants the reader accepts by name: NO_ENTRY, NO_RULE and the verdict names. */
export const IMMEDIATE_NAMES: ReadonlyMap<string, number> = new Map([
  ["NO_ENTRY", 0xffffffff],
  ["NO_RULE", 0xffffffff],
  ...VERDICT_BY_NAME,
]);

const ACTION_WORD_NAMES: ReadonlyMap<string, number> = new Map([
  ["verdict", ACTION_VERDICT],
  ["rule", ACTION_RULE_ID],
  ["flags", ACTION_FLAGS],
]);

const SIMPLE_ESCAPES: ReadonlyMap<string, string> = new Map([
  ["n", "\n"],
  ["r", "\r"],
  ["t", "\t"],
  ["0", "\0"],
]);

/** Name of LDA action word `off`: verdict, rule, flags, data0.. */
export function actionWordName(off: number): string {
  switch (off) {
    case ACTION_VERDICT:
      return "verdict";
    case ACTION_RULE_ID:
      return "rule";
    case ACTION_FLAGS:
      return "flags";
    default:
      return `data${off - ACTION_DATA0}`;
  }
}

/** LDA action word offset from its name, or undefined. */
export function actionWordByName(name: string): number | undefined {
  const m = /^data(\d{1,2})$/.exec(name);
  if (m) {
    return ACTION_DATA0 + Number(m[1]);
  }
  return ACTION_WORD_NAMES.get(name);
}

/** Whether `s` can be written bare (as a Word) where a name is expected. */
export function isWord(s: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(s);
}

/** Register number of a word like `r7`, -1 for a word that is not register-shaped, -2 for `r16` and up. */
export function registerNumber(word: string): number {
  const m = /^r(\d+)$/.exec(word);
  if (!m) {
    return -1;
  }
  const n = Number(m[1]);
  return n <= 15 && String(n) === m[1] ? n : -2;
}

/** Characters a listing must not carry raw: controls, line and paragraph separators, BOM. */
const ESCAPED = /[\p{Cc}\u2028\u2029\ufeff]/gu;

function escapeChar(c: string): string {
  switch (c) {
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    default:
      return `\\u{${c.codePointAt(0)!.toString(16)}}`;
  }
}

/** `s` as a double-quoted string literal of the text form. */
export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, "\\$&").replace(ESCAPED, escapeChar)}"`;
}

/** `s` with control characters escaped, safe inside a `#` comment. */
export function escapeComment(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(ESCAPED, escapeChar);
}

/** The value of a string literal the grammar accepted; `bad(offset, why)` reports a bad `\u{..}`. */
export function unquote(literal: string, bad: (offset: number, why: string) => never): string {
  let out = "";
  for (let i = 1; i < literal.length - 1; i++) {
    const c = literal[i]!;
    if (c !== "\\") {
      out += c;
      continue;
    }
    const e = literal[++i]!;
    if (e === "u") {
      const close = literal.indexOf("}", i);
      const cp = parseInt(literal.slice(i + 2, close), 16);
      if (close - i - 2 > 6 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        bad(
          i - 1,
          `\\u{${literal.slice(i + 2, close)}} is not a Unicode scalar value (0..10ffff, not d800..dfff)`,
        );
      }
      out += String.fromCodePoint(cp);
      i = close;
    } else {
      out += SIMPLE_ESCAPES.get(e) ?? e;
    }
  }
  return out;
}

/** `n` in lower-case hex with a `0x` prefix and no padding. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

/** `n` as a zero-padded 8-digit hex word. */
export function hexWord(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/** The value of a Number token (`-`? decimal or 0x hex); may be out of u32 range, callers check. */
export function parseNumber(text: string): number {
  const neg = text.startsWith("-");
  const body = neg ? text.slice(1) : text;
  const v = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : Number(body);
  return neg ? -v : v;
}

/** Dotted-quad form of a host-order IPv4 address. */
export function formatIPv4(v: number): string {
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff].join(".");
}

/** Host-order value of a dotted quad, or undefined when an octet is out of range or has leading zeros. */
export function parseIPv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^(0|[1-9]\d{0,2})$/.test(p) || Number(p) > 255)) {
    return undefined;
  }
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

/** RFC 5952 form of a 128-bit address given as 4 words, most significant first. */
export function formatIPv6(words: ArrayLike<number>): string {
  const groups: number[] = [];
  for (let i = 0; i < 4; i++) {
    groups.push(words[i]! >>> 16, words[i]! & 0xffff);
  }
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${formatIPv4(words[3]! >>> 0)}`;
  }
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) {
      j++;
    }
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const text = groups.map((g) => g.toString(16));
  if (bestAt < 0) {
    return text.join(":");
  }
  return `${text.slice(0, bestAt).join(":")}::${text.slice(bestAt + bestLen).join(":")}`;
}

function parseGroups(part: string, allowV4Tail: boolean): number[] | undefined {
  if (part === "") {
    return [];
  }
  const out: number[] = [];
  const pieces = part.split(":");
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (allowV4Tail && i === pieces.length - 1 && p.includes(".")) {
      const v4 = parseIPv4(p);
      if (v4 === undefined) {
        return undefined;
      }
      out.push(v4 >>> 16, v4 & 0xffff);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** The 4 words of an IPv6 address (with `::` and an optional dotted IPv4 tail), or undefined. */
export function parseIPv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) {
    return undefined;
  }
  const head = parseGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? parseGroups(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) {
    return undefined;
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) {
    return undefined;
  }
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return [0, 1, 2, 3].map((i) => ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0);
}

/** How a key value of a 1-word field is printed: as an IPv4 address, decimal, or hex (masks). */
export type ScalarStyle = "ip4" | "dec" | "hex";

/** The value of a key field (1 or 4 words) as the text form prints it. */
export function formatScalar(words: ArrayLike<number>, style: ScalarStyle): string {
  if (words.length === 4) {
    return formatIPv6(words);
  }
  const v = words[0]! >>> 0;
  return style === "ip4" ? formatIPv4(v) : style === "hex" ? hex(v) : String(v);
}

/** Print style of a 1-word key field's values: addresses for *_ip4 fields, else decimal. */
export function keyStyle(key: KeyField): ScalarStyle {
  return contextField(key.field)?.name.endsWith("_ip4") ? "ip4" : "dec";
}

/** `field:kind` of a key spec, as the head prints it. */
export function keySpecText(key: KeyField): string {
  return `${contextField(key.field)?.name ?? key.field}:${MATCH_KIND_NAMES[key.kind] ?? key.kind}`;
}

/** The mask of the top `bits` bits of a word (`bits` is clamped to 0..32). */
export function prefixMask(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
}
