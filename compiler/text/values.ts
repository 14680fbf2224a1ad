/**
 * @fileoverview Turning syntax-tree leaves into values for the resolver: numbers with range checks,
 * string literals, `name=value` options, and the string pool with its interning rule.
 *
 * Interning rule (the disassembler relies on it): a `.strings` block, if present, is the start of the
 * pool, duplicates and all. Every other string reference, in document order, means the first pool
 * entry with that text, and is appended when there is none. `$N` names pool entry N exactly.
 */

import { suggest } from "./errors.js";
import type { Fail, Pos } from "./errors.js";
import { parseNumber, unquote } from "./lexicon.js";
import { find } from "./syntax.js";
import type { Node } from "./syntax.js";

/** The string pool being built. */
export class StringPool {
  /** The pool, in index order. */
  readonly strings: string[] = [];
  private readonly first = new Map<string, number>();
  private readonly explicit: { index: number; at: Pos }[] = [];

  /** Append `s` as the next pool entry (a `.strings` line), even if it is already there. */
  add(s: string): number {
    if (!this.first.has(s)) {
      this.first.set(s, this.strings.length);
    }
    this.strings.push(s);
    return this.strings.length - 1;
  }

  /** Index of the first entry with text `s`, appending it when absent. */
  intern(s: string): number {
    return this.first.get(s) ?? this.add(s);
  }

  /** Index for a Name / StringRef node: `"text"`, bare word, or `$N` (checked by `checkIndexes`). */
  ref(node: Node, fail: Fail): number {
    const lit = node.type === "String" ? node : find(node, "String", "StringIndex", "Word");
    if (lit === undefined) {
      return fail("syntax", node, `expected a string, got \`${node.text}\``);
    }
    if (lit.type === "String") {
      return this.intern(stringValue(lit, fail));
    }
    if (lit.type === "Word") {
      return this.intern(lit.text);
    }
    const index = Number(lit.text.slice(1));
    this.explicit.push({ index, at: lit });
    return index;
  }

  /** Fails on the first `$N` beyond the finished pool. */
  checkIndexes(fail: Fail): void {
    for (const { index, at } of this.explicit) {
      if (index >= this.strings.length) {
        fail(
          "bad-string",
          at,
          `string $${index} does not exist; the pool has ${this.strings.length} strings ($0..)`,
        );
      }
    }
  }
}

/** The value of a String node. */
export function stringValue(node: Node, fail: Fail): string {
  return unquote(node.text, (offset, why) =>
    fail("bad-string", { line: node.line, col: node.col + offset }, why),
  );
}

/** The integer of a Number node, required to lie in [min, max]. */
export function numberIn(node: Node, min: number, max: number, what: string, fail: Fail): number {
  const n = find(node, "Number") ?? node;
  const v = parseNumber(n.text);
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    const range = max === 0xffffffff ? "a 32-bit unsigned value" : `${min}..${max}`;
    return fail("bad-number", n, `${what} ${n.text} is out of range; it must be ${range}`);
  }
  return v;
}

/** An unsigned 32-bit value from a Number node. */
export function u32(node: Node, what: string, fail: Fail): number {
  return numberIn(node, 0, 0xffffffff, what, fail);
}

/** What an option takes: a string reference, one number, or a list of numbers. */
export type OptionKind = "string" | "number" | "numbers";

/** Options read from `name=value` nodes: name → the value node (StringRef, Number, NumberList). */
export type Options = ReadonlyMap<string, Node>;

const VALUE_TYPE: Readonly<Record<OptionKind, string>> = {
  string: "StringRef",
  number: "NumberList",
  numbers: "NumberList",
};

/** Read every Option child of `parent` against `spec`; unknown, repeated or mistyped options fail. */
export function readOptions(
  parent: Node,
  spec: Readonly<Record<string, OptionKind>>,
  where: string,
  fail: Fail,
): Options {
  const out = new Map<string, Node>();
  for (const opt of parent.children.filter((c) => c.type === "Option")) {
    const [nameNode, valueNode] = opt.children as [Node, Node];
    const name = nameNode.text;
    const kind = spec[name];
    const known = Object.keys(spec);
    if (kind === undefined) {
      fail(
        "bad-option",
        opt,
        `unknown option \`${name}\` for ${where}${suggest(name, known)}; options: ${known.join(", ")}`,
      );
    }
    if (out.has(name)) {
      fail("bad-option", opt, `option \`${name}\` is given twice`);
    }
    const value = valueNode.children[0]!;
    const single = kind !== "number" || value.children.length === 1;
    if (value.type !== VALUE_TYPE[kind] || !single) {
      const want = {
        string: 'a string ("..." or $N)',
        number: "a number",
        numbers: "numbers (N,N,...)",
      }[kind];
      fail("bad-option", value, `option \`${name}\` takes ${want}, got \`${value.text}\``);
    }
    out.set(name, kind === "number" ? value.children[0]! : value);
  }
  return out;
}
