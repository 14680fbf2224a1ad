/**
 * @fileoverview Bad selectors: each must throw a CalicoSelectorError at the right column (1-based,
 * within the selector) with a message that says what was found and what was expected. The first block
 * is upstream's `badSelectors` table (positions chosen here: the corpus gives none); the rest cover
 * every lexical error path and the grammar's expectations.
 */

import { describe, expect, it } from "vitest";
import { SourceFile } from "../../compiler/diagnostics/source.js";
import {
  CalicoSelectorError,
  parseSelector,
  validateSelector,
} from "../../compiler/frontends/calico/selector/index.js";

const LABEL_OPS = "==, !=, in, not in, contains, starts with or ends with";
const OPERAND = "a label, has(label), all(), global(), ! or (";

/** [selector, column, message]: the message must contain the given text. */
const UPSTREAM_BAD: readonly [string, number, string][] = [
  ["b == b", 6, 'unexpected label "b"; expected a quoted string'],
  ["b contains b", 12, 'unexpected label "b"; expected a quoted string'],
  ["b starts with b", 15, 'expected a quoted string after "starts with", found "b"'],
  ["b ends with b", 13, 'expected a quoted string after "ends with", found "b"'],
  ["'b1' == b", 1, "unexpected string 'b1'; expected a label"],
  ["b", 2, `unexpected end of selector; expected ${LABEL_OPS}`],
  ["a b", 3, `expected ${LABEL_OPS} after label "a", found "b"`],
  ["!", 2, `unexpected end of selector; expected ${OPERAND}`],
  ['foo == "bar" &', 14, "expected && (a single & is not an operator)"],
  ['foo == "bar" |', 14, "expected || (a single | is not an operator)"],
  ["foo != ||", 8, 'unexpected "||"; expected a quoted string'],
  ['foo in {"", ||', 13, 'unexpected "||"; expected a quoted string or }'],
  ['foo in ""', 8, 'unexpected string ""; expected {'],
  ['"FOO', 1, 'unterminated string: no closing "'],
  ["\"FOO'", 1, 'unterminated string: no closing "'],
  ["'FOO", 1, "unterminated string: no closing '"],
  ["(", 2, `unexpected end of selector; expected ${OPERAND}`],
  ['(a == "foo"', 12, "unexpected end of selector; expected &&, || or )"],
  [")", 1, `unexpected ")"; expected a label`],
  ["()", 2, `unexpected ")"; expected ${OPERAND}`],
  ["%", 1, 'unexpected character "%"'],
  ['a == "b" && %', 13, 'unexpected character "%"'],
  ['a == "b" || %', 13, 'unexpected character "%"'],
  ["a ", 3, `unexpected end of selector; expected ${LABEL_OPS}`],
  ["has(foo) &&", 12, `unexpected end of selector; expected ${OPERAND}`],
];

const LONG = "a".repeat(513);

const MORE_BAD: readonly [string, number, string][] = [
  ["has()", 5, "expected a label inside has( )"],
  ["has(foo", 8, "expected ) to close has("],
  ["has( foo ", 10, "expected ) to close has("],
  ["has(foo bar)", 9, "expected ) to close has("],
  ["all(", 5, "expected ) after all(; it takes no argument"],
  ["global( x)", 9, "expected ) after global("],
  ['label = "v"', 7, "expected == (a single = is not an operator)"],
  [`${LONG} == "v"`, 1, "label is 513 characters long; the limit is 512"],
  [`has( ${LONG})`, 6, "label is 513 characters long"],
  ["a == 'b'\n", 9, 'unexpected line break "\\n" (a selector is one line'],
  ["a ==\t'b' &&\r\nc == 'd'", 12, 'unexpected line break "\\r"'],
  ['label squiggles "v"', 7, `expected ${LABEL_OPS} after label "label", found "squiggles"`],
  ['label inf "v"', 7, 'found "inf"'],
  ['label ends withs "v"', 7, 'found "ends"'],
  ['label starts foo "v"', 7, 'found "starts"'],
  ["a not in b", 10, 'expected { after "not in", found "b"'],
  ['a == "é" && ü', 13, 'unexpected character "ü"'],
  ['a in {"a" "b"}', 11, 'unexpected string "b"; expected , or }'],
  ["a in {,}", 7, 'unexpected ","; expected a quoted string or }'],
  ['a in {"a"} b', 12, 'unexpected label "b"; expected &&, || or the end of the selector'],
  ["all() == 'x'", 7, 'unexpected "=="; expected &&, || or the end of the selector'],
  ["has (a)", 5, `unexpected "("; expected ${LABEL_OPS}`],
  ["a == 'x' (b == 'y')", 10, 'unexpected "("'],
  ["a ==", 5, "unexpected end of selector; expected a quoted string"],
  ["a in", 5, "unexpected end of selector; expected {"],
  ["a in {'x'", 10, "unexpected end of selector; expected , or }"],
  ["!!", 3, `unexpected end of selector; expected ${OPERAND}`],
  ["a == 'x' && && b == 'y'", 13, `unexpected "&&"; expected ${OPERAND}`],
  ["(a == 'x'))", 11, 'unexpected ")"; expected &&, || or the end of the selector'],
];

function expectError(selector: string, column: number, message: string): void {
  let err: unknown;
  try {
    parseSelector(selector);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CalicoSelectorError);
  const e = err as CalicoSelectorError;
  expect(e.message).toContain(message);
  expect(e.column).toBe(column);
  expect(e.offset).toBe(column - 1);
  expect(e.selector).toBe(selector);
  expect(e.offset + e.length).toBeLessThanOrEqual(selector.length);
}

describe("CalicoSelectorError", () => {
  it.each(UPSTREAM_BAD)("upstream bad selector %j: column %i, %s", expectError);
  it.each(MORE_BAD)("%j: column %i, %s", expectError);

  it("is an Error with a name, an offset, a column and a length", () => {
    const e = validateSelector("a == 'b' && c squiggles 'd'");
    expect(e).toBeInstanceOf(Error);
    expect(e?.name).toBe("CalicoSelectorError");
    expect([e?.offset, e?.column, e?.length]).toEqual([14, 15, 9]);
  });

  it("validateSelector returns undefined for a valid selector", () => {
    expect(validateSelector("a == 'b'")).toBeUndefined();
    expect(validateSelector("")).toBeUndefined();
  });

  it("gives a policy front end what it needs for file:line:col", () => {
    // The front end knows where the selector's text starts in the file and adds the error's offset.
    const yaml = "spec:\n  selector: role == 'db' && tier squiggles 'x'\n";
    const file = new SourceFile("policy.yaml", yaml);
    const start = yaml.indexOf("role");
    const err = validateSelector(yaml.slice(start, yaml.indexOf("\n", start)))!;
    expect(file.lineCol(start + err.offset)).toEqual({ line: 2, column: 34 });
  });
});
