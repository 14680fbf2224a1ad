/**
 * @fileoverview The selector tokenizer: a two-state moo lexer with Calico's lexical rules
 * (`libcalico-go/lib/selector/tokenizer/tokenizer.go`, calico.md §1.1), wrapped so every lexical error
 * becomes a CalicoSelectorError with a position.
 *
 * The two states carry the one context rule of the language: operator words (`contains`,
 * `starts with`, `ends with`, `not in`, `in`) exist only right after a label. In `main` a word is a
 * label; a label switches to `afterLabel`, where the next word must be an operator word that ends at a
 * word boundary (for the two-word operators the boundary is checked after the blanks that follow, as
 * upstream does), and anything else is an error. `has(`, `all(`, `global(` are single tokens that
 * include their parentheses (blanks allowed inside, none before `(`). Whitespace is space and tab only;
 * strings run to the next identical quote with no escapes. Labels are limited to 512 characters.
 *
 * The whole input is tokenized before parsing, so a lexical error anywhere wins over a syntax error
 * earlier in the text, as upstream (which tokenizes first) reports it.
 */

import moo from "moo";
import { CalicoSelectorError } from "./errors.js";

/** Kinds of token the parser sees. */
export type TokenKind =
  | "label"
  | "string"
  | "lbrace"
  | "rbrace"
  | "comma"
  | "eq"
  | "ne"
  | "in"
  | "not"
  | "notIn"
  | "contains"
  | "startsWith"
  | "endsWith"
  | "all"
  | "has"
  | "lparen"
  | "rparen"
  | "and"
  | "or"
  | "global"
  | "eof";

/** Each kind's name in upstream's tokenizer (`tokenizer.Kind`), as used by the test tables. */
export const UPSTREAM_TOKEN_NAMES: Readonly<Record<TokenKind, string>> = {
  label: "TokLabel",
  string: "TokStringLiteral",
  lbrace: "TokLBrace",
  rbrace: "TokRBrace",
  comma: "TokComma",
  eq: "TokEq",
  ne: "TokNe",
  in: "TokIn",
  not: "TokNot",
  notIn: "TokNotIn",
  contains: "TokContains",
  startsWith: "TokStartsWith",
  endsWith: "TokEndsWith",
  all: "TokAll",
  has: "TokHas",
  lparen: "TokLParen",
  rparen: "TokRParen",
  and: "TokAnd",
  or: "TokOr",
  global: "TokGlobal",
  eof: "TokEOF",
};

/** One token. `type` is the field nearley matches grammar terminals against. */
export interface Token {
  /** Kind. */
  readonly type: TokenKind;
  /** The label (for `label` and `has`), the string without quotes (`string`), else the text. */
  readonly value: string;
  /** The source text of the token ("" for `eof`). */
  readonly text: string;
  /** 0-based offset in the selector. */
  readonly offset: number;
}

/** Longest label upstream accepts (`tokenizer.MaxLabelLength`). */
export const MAX_LABEL_LENGTH = 512;

/** A label character: `[a-zA-Z0-9_./-]`, any of them first. */
export const LABEL_CHAR = /[a-zA-Z0-9_./-]/;

const LABEL_CHARS = "a-zA-Z0-9_./-";
/** Word boundary after a one-word operator: the next byte is not a label character. */
const BOUNDARY = `(?![${LABEL_CHARS}])`;
/** Boundary after a two-word operator: upstream skips blanks before checking. */
const BOUNDARY_AFTER_BLANKS = `(?![ \\t]*[${LABEL_CHARS}])`;

/** Tokens valid in both states; each returns to `main`. */
const COMMON: moo.Rules = {
  ws: { match: /[ \t]+/ },
  lparen: { match: "(", next: "main" },
  rparen: { match: ")", next: "main" },
  lbrace: { match: "{", next: "main" },
  rbrace: { match: "}", next: "main" },
  comma: { match: ",", next: "main" },
  string: [
    { match: /"[^"]*"/, lineBreaks: true, value: (s) => s.slice(1, -1), next: "main" },
    { match: /'[^']*'/, lineBreaks: true, value: (s) => s.slice(1, -1), next: "main" },
  ],
  badString: { match: /["'][^]*/, lineBreaks: true },
  eq: { match: "==", next: "main" },
  badEq: "=",
  ne: { match: "!=", next: "main" },
  not: { match: "!", next: "main" },
  and: { match: "&&", next: "main" },
  badAnd: "&",
  or: { match: "||", next: "main" },
  badOr: "|",
};

const lexer = moo.states({
  main: {
    ...COMMON,
    has: {
      match: new RegExp(`has\\([ \\t]*[${LABEL_CHARS}]+[ \\t]*\\)`),
      value: (s) => s.slice(4, -1).trim(),
    },
    badHas: "has(",
    all: /all\([ \t]*\)/,
    badAll: "all(",
    global: /global\([ \t]*\)/,
    badGlobal: "global(",
    label: { match: new RegExp(`[${LABEL_CHARS}]+`), next: "afterLabel" },
    badChar: moo.error,
  },
  afterLabel: {
    ...COMMON,
    contains: { match: new RegExp(`contains${BOUNDARY}`), next: "main" },
    startsWith: { match: new RegExp(`starts[ \\t]*with${BOUNDARY_AFTER_BLANKS}`), next: "main" },
    endsWith: { match: new RegExp(`ends[ \\t]*with${BOUNDARY_AFTER_BLANKS}`), next: "main" },
    notIn: { match: new RegExp(`not[ \\t]*in${BOUNDARY_AFTER_BLANKS}`), next: "main" },
    in: { match: new RegExp(`in${BOUNDARY}`), next: "main" },
    badOperator: moo.error,
  },
});

const KINDS: ReadonlySet<string> = new Set(Object.keys(UPSTREAM_TOKEN_NAMES));

function isTokenKind(s: string): s is TokenKind {
  return KINDS.has(s);
}

/** The operators that may follow a label, for messages. */
export const OPERATOR_LIST = "==, !=, in, not in, contains, starts with or ends with";

/** `"x"` for a character, with a hint for line breaks (a YAML `|` scalar ends in a newline). */
function describeChar(ch: string): string {
  const shown = JSON.stringify(ch);
  return ch === "\n" || ch === "\r"
    ? `line break ${shown} (a selector is one line; a YAML \`|\` block scalar ends it with a newline)`
    : `character ${shown}`;
}

/** Position of the first character at or after `from` that is not a blank. */
function skipBlanks(text: string, from: number): number {
  let i = from;
  while (text[i] === " " || text[i] === "\t") {
    i++;
  }
  return i;
}

/** Length of the run of label characters at `from`. */
function labelRun(text: string, from: number): number {
  let i = from;
  while (i < text.length && LABEL_CHAR.test(text[i]!)) {
    i++;
  }
  return i - from;
}

function fail(text: string, offset: number, length: number, message: string): never {
  throw new CalicoSelectorError(text, offset, length, message);
}

/** `has(` not followed by `label )`: say which part is missing. */
function badHas(text: string, start: number): never {
  const at = skipBlanks(text, start + "has(".length);
  const n = labelRun(text, at);
  if (n === 0) {
    fail(text, at, at < text.length ? 1 : 0, "expected a label inside has( )");
  }
  const close = skipBlanks(text, at + n);
  return fail(text, close, close < text.length ? 1 : 0, "expected ) to close has(");
}

/** `all(` or `global(` not followed by `)`. */
function badCall(text: string, start: number, name: string): never {
  const at = skipBlanks(text, start + name.length + 1);
  return fail(text, at, at < text.length ? 1 : 0, `expected ) after ${name}(; it takes no argument`);
}

/** A two-word operator and the blanks after it (it is rejected when a label follows, as upstream does). */
const TWO_WORD_OPERATOR = /^(starts|ends|not)[ \t]*(with|in)[ \t]+/;

/** After `label`, something that is not an operator. */
function badOperator(text: string, at: number, label: string): never {
  const op = TWO_WORD_OPERATOR.exec(text.slice(at));
  if (op !== null && (op[2] === "in") === (op[1] === "not")) {
    const next = at + op[0].length;
    const run = labelRun(text, next);
    if (run > 0) {
      const want = op[1] === "not" ? "{" : "a quoted string";
      const found = text.slice(next, next + run);
      return fail(text, next, run, `expected ${want} after "${op[1]} ${op[2]}", found "${found}"`);
    }
  }
  const n = labelRun(text, at);
  const found = n > 0 ? `"${text.slice(at, at + n)}"` : describeChar(text[at]!);
  return fail(text, at, Math.max(n, 1), `expected ${OPERATOR_LIST} after label "${label}", found ${found}`);
}

function checkLabelLength(text: string, label: string, offset: number): void {
  if (label.length > MAX_LABEL_LENGTH) {
    fail(
      text,
      offset,
      label.length,
      `label is ${label.length} characters long; the limit is ${MAX_LABEL_LENGTH}`,
    );
  }
}

/** Tokenize a selector; the result always ends with an `eof` token. Throws CalicoSelectorError. */
export function tokenize(text: string): Token[] {
  lexer.reset(text);
  const out: Token[] = [];
  let lastLabel = "";
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) {
    const type = t.type ?? "";
    switch (type) {
      case "ws":
        continue;
      case "badChar":
        return fail(text, t.offset, 1, `unexpected ${describeChar(t.text[0]!)}`);
      case "badOperator":
        return badOperator(text, t.offset, lastLabel);
      case "badString":
        return fail(text, t.offset, t.text.length, `unterminated string: no closing ${t.text[0]!}`);
      case "badEq":
        return fail(text, t.offset, 1, "expected == (a single = is not an operator)");
      case "badAnd":
        return fail(text, t.offset, 1, "expected && (a single & is not an operator)");
      case "badOr":
        return fail(text, t.offset, 1, "expected || (a single | is not an operator)");
      case "badHas":
        return badHas(text, t.offset);
      case "badAll":
        return badCall(text, t.offset, "all");
      case "badGlobal":
        return badCall(text, t.offset, "global");
      default:
        break;
    }
    if (!isTokenKind(type)) {
      throw new Error(`internal: the selector lexer produced an unknown token type '${type}'`);
    }
    if (type === "label" || type === "has") {
      checkLabelLength(text, t.value, t.offset + t.text.indexOf(t.value));
      lastLabel = t.value;
    }
    out.push({ type, value: t.value, text: t.text, offset: t.offset });
  }
  out.push({ type: "eof", value: "", text: "", offset: text.length });
  return out;
}
