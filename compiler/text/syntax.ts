/**
 * @fileoverview Reads a listing into syntax trees with the W3C EBNF grammar in grammar.ebnf.
 *
 * The grammar's `File` production describes a whole listing, but the reader feeds it one line at a
 * time, starting from the line production of the block the line is in (a `.table` line switches to
 * `TableLine`, and so on). That keeps every parse short (the `ebnf` parser is a backtracking PEG over
 * string slices) and makes a syntax error name its own line instead of the block it stopped in.
 */

import { readFileSync } from "node:fs";
import { Grammars } from "ebnf";
import type { IToken } from "ebnf";
import { suggest } from "./errors.js";
import type { Fail, Pos } from "./errors.js";

/** The blocks a listing is made of, by the directive that opens them. */
export type BlockKind = "strings" | "source_map" | "table" | "counters" | "program" | "section";

/** A syntax tree node: grammar rule name, matched text and where it starts. */
export interface Node extends Pos {
  /** Grammar rule name (`Insn`, `Operand`, `Word`, ...). */
  readonly type: string;
  /** The text it matched. */
  readonly text: string;
  /** Child nodes (UPPER_CASE rules such as SP are left out by the parser). */
  readonly children: readonly Node[];
}

/** One meaningful line of a listing (blank and comment-only lines are dropped). */
export interface ParsedLine {
  /** `head` opens a block, `free` is .format/.flags, `note` is .note, `body` is anything else. */
  readonly kind: "head" | "free" | "note" | "body";
  /** The block the line opens (head) or belongs to (otherwise); undefined before the first block. */
  readonly block: BlockKind | undefined;
  /** The content: the XHead, FormatDirective / FlagsDirective, Note, or the whole body line node. */
  readonly node: Node;
}

const HEADS: ReadonlyMap<string, BlockKind> = new Map<string, BlockKind>([
  ["strings", "strings"],
  ["source_map", "source_map"],
  ["table", "table"],
  ["counters", "counters"],
  ["program", "program"],
  ["section", "section"],
]);

const BODY_RULES: Readonly<Record<BlockKind, string>> = {
  strings: "StringsLine",
  source_map: "SourceMapLine",
  table: "TableLine",
  counters: "CountersLine",
  program: "ProgramLine",
  section: "SectionLine",
};

/** What a line of each kind looks like, for syntax errors. */
const EXPECTED: Readonly<Record<string, string>> = {
  strings: 'a string literal "..." (escapes \\" \\\\ \\n \\r \\t \\0 \\u{HEX})',
  source_map:
    'a record: RULE_ID [file="..."] [line=N] [col=N] [kind="..."] [ns="..."] [name="..."] [index=N] [tier="..."] [label="..."]',
  table: "an entry: one match per key field, then -> VERDICT [rule=N] [flags=N] [data=N,...] [prio=N]",
  counters: 'a counter name (a word, "string" or $N)',
  program: "[label:] mnemonic operand, operand, ...",
  section: "32-bit words (0x0000002a 7 ...)",
  ".strings": ".strings",
  ".source_map": ".source_map",
  ".table": ".table NAME key=FIELD:KIND[,FIELD:KIND...] [action_words=N]",
  ".counters": ".counters",
  ".program": ".program",
  ".section": ".section identities|l7_rules|metadata",
  ".format": ".format 1.0",
  ".flags": ".flags audit",
  ".note": '.note "text" (or .note $N)',
};

/** Rules whose text is decoded as a whole: their children are dropped. */
const LEAVES = new Set(["String", "Number", "IPv4", "IPv6", "Comment"]);

let cached: Grammars.W3C.Parser | undefined;

/** The grammar text (grammar.ebnf next to this module). */
export function grammarText(): string {
  return readFileSync(new URL("./grammar.ebnf", import.meta.url), "utf8");
}

/** The parser built from grammar.ebnf, built once. */
export function grammarParser(): Grammars.W3C.Parser {
  cached ??= new Grammars.W3C.Parser(grammarText());
  return cached;
}

function toNode(t: IToken, line: number, colAt: (i: number) => number): Node {
  const leaf = LEAVES.has(t.type);
  return {
    type: t.type,
    text: t.text,
    line,
    col: colAt(t.start),
    children: leaf ? [] : t.children.filter((c) => c.type !== "Comment").map((c) => toNode(c, line, colAt)),
  };
}

/** A function from UTF-16 index to 1-based code point column within `text`. */
function columns(text: string): (i: number) => number {
  if (!/[\ud800-\udfff]/.test(text)) {
    return (i) => i + 1;
  }
  return (i) => i + 1 - (text.slice(0, i).match(/[\udc00-\udfff]/g)?.length ?? 0);
}

function snippet(rest: string): string {
  const s = rest.trimEnd();
  return s.length > 24 ? `${s.slice(0, 24)}…` : s;
}

/** The first descendant of `node` (depth-first, in document order) whose rule is one of `types`. */
export function find(node: Node, ...types: string[]): Node | undefined {
  for (const c of node.children) {
    if (types.includes(c.type)) {
      return c;
    }
    const inner = find(c, ...types);
    if (inner) {
      return inner;
    }
  }
  return undefined;
}

/** Parse one line from grammar rule `rule`; a partial match is a syntax error at the first unread column. */
function parseLine(text: string, lineNo: number, rule: string, expected: string, fail: Fail): Node {
  const colAt = columns(text);
  const ast = grammarParser().getAST(text, rule) as IToken | null;
  const consumed = ast ? ast.text.length : text.length - text.trimStart().length;
  if (ast && consumed === text.length) {
    return toNode(ast, lineNo, colAt);
  }
  const rest = text.slice(consumed);
  const at = { line: lineNo, col: colAt(consumed) };
  if (rest.startsWith('"')) {
    fail("syntax", at, `unterminated string or bad escape; strings are ${EXPECTED.strings!}`);
  }
  if (rule === "TableLine" && !rest.includes("->")) {
    fail(
      "syntax",
      at,
      `unexpected \`${snippet(rest)}\`; an entry needs \`->\` between its matches and the verdict`,
    );
  }
  return fail("syntax", at, `unexpected \`${snippet(rest)}\`; expected ${expected}`);
}

/** Parse a whole listing into its meaningful lines. Throws AsmError (via `fail`) on a syntax error. */
export function parseListing(source: string, fail: Fail): ParsedLine[] {
  const lines = source.split("\n");
  const out: ParsedLine[] = [];
  let block: BlockKind | undefined;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i]!.endsWith("\r") ? lines[i]!.slice(0, -1) : lines[i]!;
    const lineNo = i + 1;
    const trimmed = text.trimStart();
    if (trimmed === "" || trimmed.startsWith("#") || trimmed.startsWith(";")) {
      continue;
    }
    const at = { line: lineNo, col: text.length - trimmed.length + 1 };
    const directive = /^\.([A-Za-z_]*)/.exec(trimmed)?.[1];
    if (directive !== undefined) {
      const expected = EXPECTED[`.${directive}`];
      if (expected === undefined) {
        const known = [...HEADS.keys(), "format", "flags", "note"].map((d) => `.${d}`);
        fail(
          "unknown-directive",
          at,
          `unknown directive \`.${directive}\`${suggest(`.${directive}`, known)}; directives: ${known.join(" ")}`,
        );
      }
      const head = HEADS.get(directive);
      if (head !== undefined) {
        block = head;
        out.push({
          kind: "head",
          block,
          node: find(parseLine(text, lineNo, "HeadLine", expected, fail), headType(head))!,
        });
      } else if (directive === "note") {
        if (block !== "program") {
          fail(
            "misplaced-line",
            at,
            "`.note` attaches a comment to the next instruction; put it inside .program",
          );
        }
        out.push({
          kind: "note",
          block,
          node: find(parseLine(text, lineNo, "NoteLine", expected, fail), "Note")!,
        });
      } else {
        const node = find(
          parseLine(text, lineNo, "FreeLine", expected, fail),
          "FormatDirective",
          "FlagsDirective",
        )!;
        out.push({ kind: "free", block, node });
      }
      continue;
    }
    if (block === undefined) {
      fail(
        "misplaced-line",
        at,
        "this line is outside any block; open one first (.program, .table NAME key=..., .strings, ...)",
      );
    }
    const node = parseLine(text, lineNo, BODY_RULES[block], EXPECTED[block]!, fail);
    out.push({ kind: "body", block, node });
  }
  return out;
}

function headType(kind: BlockKind): string {
  switch (kind) {
    case "strings":
      return "StringsHead";
    case "source_map":
      return "SourceMapHead";
    case "table":
      return "TableHead";
    case "counters":
      return "CountersHead";
    case "program":
      return "ProgramHead";
    case "section":
      return "SectionHead";
  }
}
