/**
 * @fileoverview Grammar actions: the nearley postprocessors that selector.ne names (`{% build.x %}`)
 * and grammar.generated.ts imports. Each turns the data of one matched rule into a token list, a
 * value list, a count or a CalicoNode.
 *
 * nearley hands every action an untyped array; the accessors below check the shape they expect, so a
 * grammar edit that breaks an action fails loudly instead of building a wrong tree.
 */

import type { CalicoNode, CompareKind } from "./ast.js";
import { ALL_NODE, joinNode, setNode } from "./ast.js";
import type { Token, TokenKind } from "./lexer.js";

function internal(what: string): never {
  throw new Error(`internal: selector grammar action expected ${what}`);
}

function tokenAt(d: unknown[], i: number): Token {
  const t = d[i];
  return typeof t === "object" && t !== null && "type" in t && "offset" in t
    ? (t as Token)
    : internal("a token");
}

function nodeAt(d: unknown[], i: number): CalicoNode {
  const n = d[i];
  return typeof n === "object" && n !== null && "kind" in n ? (n as CalicoNode) : internal("a node");
}

function arrayAt(d: unknown[], i: number): unknown[] {
  const a = d[i];
  return Array.isArray(a) ? (a as unknown[]) : internal("a list");
}

function countAt(d: unknown[], i: number): number {
  const n = d[i];
  return typeof n === "number" ? n : internal("a count");
}

/** The comparison node kind of each operator token. */
const COMPARE_KINDS: Partial<Record<TokenKind, CompareKind>> = {
  eq: "eq",
  ne: "ne",
  contains: "contains",
  startsWith: "startsWith",
  endsWith: "endsWith",
};

/** `main -> %eof`: an empty or blank selector is `all()`. */
export function empty(): CalicoNode {
  return ALL_NODE;
}

/** The first datum, unchanged (`main -> or %eof`, `op -> %eq`, …). */
export function first(d: unknown[]): unknown {
  return d[0];
}

/** The second datum (`atom -> "(" or ")"`, `set -> "{" members "}"`). */
export function second(d: unknown[]): unknown {
  return d[1];
}

/** A one-element list. */
export function list(d: unknown[]): unknown[] {
  return [d[0]];
}

/** `xs "," x` → xs + [x]. */
export function append(d: unknown[]): unknown[] {
  return [...arrayAt(d, 0), d[2]];
}

/** An empty list (`set -> "{" "}"`). */
export function emptyList(): unknown[] {
  return [];
}

/** `or -> andList`: the n-ary `||` (or the single operand). */
export function or(d: unknown[]): CalicoNode {
  return joinNode(
    "or",
    arrayAt(d, 0).map((_, i, a) => nodeAt(a, i)),
  );
}

/** `and -> opList`: the n-ary `&&` (or the single operand). */
export function and(d: unknown[]): CalicoNode {
  return joinNode(
    "and",
    arrayAt(d, 0).map((_, i, a) => nodeAt(a, i)),
  );
}

/** `nots -> null`: no `!` yet. */
export function zero(): number {
  return 0;
}

/** `nots -> nots "!"`: one more `!`. */
export function increment(d: unknown[]): number {
  return countAt(d, 0) + 1;
}

/** `op -> nots atom`: a run of `!` collapses by parity into one `not` or none. */
export function negate(d: unknown[]): CalicoNode {
  const operand = nodeAt(d, 1);
  return countAt(d, 0) % 2 === 1 ? { kind: "not", operand } : operand;
}

/** `atom -> %has`. */
export function hasLabel(d: unknown[]): CalicoNode {
  return { kind: "has", label: tokenAt(d, 0).value };
}

/** `atom -> %all`. */
export function all(): CalicoNode {
  return ALL_NODE;
}

/** `atom -> %global`. */
export function global(): CalicoNode {
  return { kind: "global" };
}

/** `atom -> %label compareOp %string`. */
export function compare(d: unknown[]): CalicoNode {
  const op = tokenAt(d, 1);
  const kind = COMPARE_KINDS[op.type] ?? internal("a comparison operator");
  return { kind, label: tokenAt(d, 0).value, value: tokenAt(d, 2).value };
}

/** `atom -> %label setOp set`. */
export function membership(d: unknown[]): CalicoNode {
  const op = tokenAt(d, 1);
  const values = arrayAt(d, 2).map((_, i, a) => tokenAt(a, i).value);
  const kind = op.type === "in" || op.type === "notIn" ? op.type : internal("in or not in");
  return setNode(kind, tokenAt(d, 0).value, values);
}
