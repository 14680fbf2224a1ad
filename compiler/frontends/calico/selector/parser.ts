/**
 * @fileoverview parseSelector: tokens from lexer.ts through the nearley grammar of selector.ne
 * (compiled into grammar.generated.ts) to a CalicoSelector.
 *
 * A syntax error reports the offending token and what the grammar could have accepted there. nearley
 * keeps its Earley table on the parser; the column before the failing token lists every state still
 * alive, and the terminals those states wait for are exactly the expected tokens (nearley's own error
 * reporter reads the same fields, which @types/nearley does not declare; `EarleyTable` below does).
 * The token stream ends with an `eof` token, so "unexpected end" and "unexpected content at the end"
 * are ordinary token errors.
 */

import nearley from "nearley";
import type { CalicoNode } from "./ast.js";
import { CalicoSelectorError } from "./errors.js";
import { grammar } from "./grammar.generated.js";
import type { Token, TokenKind } from "./lexer.js";
import { tokenize } from "./lexer.js";
import { CalicoSelector } from "./selector.js";

const GRAMMAR = nearley.Grammar.fromCompiled(grammar);

/** Hands nearley the pre-tokenized selector (its `feed` chunk is ignored). */
class TokenStream implements nearley.Lexer {
  private readonly tokens: readonly Token[];
  private index = 0;

  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  reset(): void {
    this.index = 0;
  }

  next(): Token | undefined {
    return this.tokens[this.index++];
  }

  save(): nearley.LexerState {
    return { index: this.index };
  }

  formatError(_token: nearley.Token, message: string): string {
    return message;
  }
}

/** The parts of nearley's parser state that error reporting reads. */
interface EarleyTable {
  readonly table: readonly ({ readonly states: readonly EarleyState[] } | undefined)[];
}

/** An Earley item: a rule and how far into it the parse has got. */
interface EarleyState {
  readonly rule: { readonly symbols: readonly unknown[] };
  readonly dot: number;
}

/** How each token kind is named in "expected …", in the order messages list them. */
const EXPECTED_NAMES: readonly (readonly [TokenKind, string])[] = [
  ["label", "a label"],
  ["has", "has(label)"],
  ["all", "all()"],
  ["global", "global()"],
  ["not", "!"],
  ["lparen", "("],
  ["eq", "=="],
  ["ne", "!="],
  ["in", "in"],
  ["notIn", "not in"],
  ["contains", "contains"],
  ["startsWith", "starts with"],
  ["endsWith", "ends with"],
  ["string", "a quoted string"],
  ["lbrace", "{"],
  ["comma", ","],
  ["rbrace", "}"],
  ["and", "&&"],
  ["or", "||"],
  ["rparen", ")"],
  ["eof", "the end of the selector"],
];

/** Token kinds some live Earley state accepts next, in message order. */
function expectedKinds(parser: nearley.Parser): TokenKind[] {
  const column = (parser as unknown as EarleyTable).table[parser.current];
  const kinds = new Set<unknown>();
  for (const state of column?.states ?? []) {
    const sym = state.rule.symbols[state.dot];
    if (typeof sym === "object" && sym !== null && "type" in sym) {
      kinds.add(sym.type);
    }
  }
  return EXPECTED_NAMES.filter(([k]) => kinds.has(k)).map(([k]) => k);
}

/** `a, b or c`. */
function oneOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? "nothing") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)!}`;
}

/** How a found token is named in messages. */
function describeToken(t: Token): string {
  switch (t.type) {
    case "eof":
      return "end of selector";
    case "label":
      return `label "${t.value}"`;
    case "string":
      return `string ${t.text}`;
    default:
      return `"${t.text}"`;
  }
}

function syntaxError(text: string, token: Token, expected: readonly TokenKind[]): CalicoSelectorError {
  const names = new Map(EXPECTED_NAMES);
  const list = oneOf(expected.map((k) => names.get(k)!));
  return new CalicoSelectorError(
    text,
    token.offset,
    token.text.length,
    `unexpected ${describeToken(token)}; expected ${list}`,
  );
}

/** Parse `text` into its syntax tree. Throws CalicoSelectorError. */
export function parseSelectorNode(text: string): CalicoNode {
  const tokens = tokenize(text);
  const parser = new nearley.Parser(GRAMMAR, { lexer: new TokenStream(tokens) });
  try {
    parser.feed(text);
  } catch (e) {
    const bad = tokens[parser.current];
    if (!(e instanceof Error) || !("token" in e) || bad === undefined) {
      throw e;
    }
    throw syntaxError(text, bad, expectedKinds(parser));
  }
  const results = parser.results as unknown[];
  if (results.length !== 1) {
    throw new Error(
      `internal: the selector grammar gave ${results.length} parses of ${JSON.stringify(text)}`,
    );
  }
  return results[0] as CalicoNode;
}

/** Parse a Calico selector. Throws CalicoSelectorError (with offset and column) when it is invalid. */
export function parseSelector(text: string): CalicoSelector {
  return new CalicoSelector(parseSelectorNode(text));
}

/** The error `parseSelector(text)` would throw, or undefined when `text` is a valid selector. */
export function validateSelector(text: string): CalicoSelectorError | undefined {
  try {
    parseSelectorNode(text);
    return undefined;
  } catch (e) {
    if (e instanceof CalicoSelectorError) {
      return e;
    }
    throw e;
  }
}
