/**
 * @fileoverview A fast path for the YAML most inputs are written in: located trees (located.ts) built
 * straight from the text, with the spans the `yaml` package would give, or no answer at all.
 *
 * The `yaml` package parses about 0.4 MB/s here (its lexer, CST and document model; BENCHMARKS.md,
 * compile time), which made reading a 10 000-pod cluster dominate the compile. This reader covers a
 * conservative subset, the shape `kubectl get -o yaml` and generators print: block mappings and
 * sequences indented with spaces, single-line flow collections, single-line plain and quoted scalars,
 * `---` between documents, comment lines before a document's first node, and comments at line ends.
 * Whatever falls outside it (anchors, tags, block scalars, multi-line scalars or flow collections,
 * escapes, duplicate keys, non-string keys, comment lines inside a document, tabs, anything malformed)
 * makes `parseFast` return undefined, and located.ts parses the file with the `yaml` package as before,
 * so diagnostics are produced only by that path. The contract is: the same values and spans as the
 * `yaml` package path, or no answer; it was checked differentially against that path on every corpus
 * file, generated clusters and 150 000 random mutations of them (no difference).
 *
 * Spans follow the `yaml` package's node ranges (start, value end): an inline value's range ends at its
 * last character, a flow collection's after its closing bracket, an empty value sits where the line
 * ends (after its spaces), and a block collection ends where its last value's line ends (after the
 * line break, or at the empty value's position).
 * Scalars: fast-scalars.ts.
 */

import type { SourceFile, Span } from "../diagnostics/source.js";
import { InlineReader } from "./fast-inline.js";
import { OUTSIDE, PLAIN_FORBIDDEN_FIRST, resolvePlain } from "./fast-scalars.js";
import type { LNode } from "./located.js";

/** Characters that may not appear anywhere (tabs, CR, other controls, BOM, NEL and Unicode breaks). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff\u2028\u2029]/;
const LF = 10;
const SPACE = 32;
const HASH = 35;
const COLON = 58;

/** Longest implicit key: the `yaml` package reports keys whose `:` lies more than 1024 chars away. */
const MAX_KEY_CHARS = 1000;

/** A parsed node, its value end (span end) and where its line ends (the `yaml` range's third offset). */
interface Parsed {
  readonly node: LNode;
  /** The node's range[2]: where a block collection holding it as last value ends. */
  readonly end: number;
  /** Start of the line after the node's last line. */
  readonly next: number;
}

/** The next content line: its first non-space character and indentation; indent -1 = end of document. */
interface Content {
  readonly pos: number;
  readonly indent: number;
  /** Start of that line. */
  readonly line: number;
}

/** The reader over one file's text: block structure here, inline values in fast-inline.ts. */
class Reader extends InlineReader {
  /**
   * Every document's root node. A document opened by `---` with no node gets a null scalar right after
   * the marker (as the `yaml` package composes it); one without a marker and without a node gets none.
   */
  documents(): LNode[] {
    const text = this.text;
    const out: LNode[] = [];
    let p = 0;
    /** Offset after the last `---` marker while its document has no node yet, else -1. */
    let emptyAt = -1;
    for (;;) {
      const leading = this.#skipLeading(p);
      if (emptyAt !== -1 && leading.comments) {
        throw OUTSIDE; // where the yaml package puts an empty document that holds comments is not modelled
      }
      p = leading.pos;
      if (p >= text.length || this.#isMarker(p)) {
        if (emptyAt !== -1) {
          out.push(this.scalar(emptyAt, emptyAt, null));
        }
        if (p >= text.length) {
          return out;
        }
        emptyAt = this.#markerEnd(p);
        p = Math.min(emptyAt + 1, text.length);
        continue;
      }
      emptyAt = -1;
      const parsed = this.#block(p, 0);
      out.push(parsed.node);
      const c = this.#content(parsed.next);
      if (c.indent !== -1) {
        throw OUTSIDE; // more content at the root: not a valid continuation in this subset
      }
      p = c.line;
    }
  }

  /** Skip blank lines and whole-line comments before a document's first node; whether any were comments. */
  #skipLeading(p: number): { pos: number; comments: boolean } {
    const text = this.text;
    let comments = false;
    while (p < text.length) {
      let q = p;
      while (text.charCodeAt(q) === 32) {
        q++;
      }
      const ch = text[q];
      if (ch === "#") {
        if (q === p || text[q - 1] === " ") {
          comments = true;
          q = text.indexOf("\n", q);
          p = q === -1 ? text.length : q + 1;
          continue;
        }
      }
      if (ch === "\n") {
        p = q + 1;
        continue;
      }
      if (q >= text.length) {
        return { pos: text.length, comments };
      }
      if (q !== p) {
        throw OUTSIDE; // an indented root node
      }
      if (ch === "%" || text.startsWith("...", p)) {
        throw OUTSIDE; // directives and document end markers
      }
      return { pos: p, comments };
    }
    return { pos: p, comments };
  }

  /** Whether `p` (a line start) holds a `---` document marker. */
  #isMarker(p: number): boolean {
    const text = this.text;
    if (!text.startsWith("---", p)) {
      return false;
    }
    const after = text[p + 3];
    return after === undefined || after === "\n" || after === " ";
  }

  /** The end of a `---` marker's line (spaces skipped), which must hold nothing else. */
  #markerEnd(p: number): number {
    const text = this.text;
    let q = p + 3;
    while (text.charCodeAt(q) === 32) {
      q++;
    }
    if (q < text.length && text[q] !== "\n") {
      throw OUTSIDE; // content or a comment after the marker
    }
    return q;
  }

  /** The next content line from line start `p`, skipping blank lines; comment lines leave the subset. */
  #content(p: number): Content {
    const text = this.text;
    while (p < text.length) {
      let q = p;
      while (text.charCodeAt(q) === 32) {
        q++;
      }
      const ch = text[q];
      if (ch === "\n") {
        p = q + 1;
        continue;
      }
      if (q >= text.length) {
        break;
      }
      if (ch === "#") {
        throw OUTSIDE; // a comment line inside a document: the yaml package attaches it to nodes
      }
      if (q === p && (this.#isMarker(p) || text.startsWith("...", p))) {
        return { pos: p, indent: -1, line: p };
      }
      return { pos: q, indent: q - p, line: p };
    }
    return { pos: text.length, indent: -1, line: text.length };
  }

  /** Whether `p` holds a block sequence indicator (`-` then a space or line end). */
  #isSeqItem(p: number): boolean {
    const text = this.text;
    const after = text[p + 1];
    return text[p] === "-" && (after === undefined || after === " " || after === "\n");
  }

  /** A block node (mapping, sequence or inline value) starting at `p`, in column `col`. */
  #block(p: number, col: number): Parsed {
    if (this.#isSeqItem(p)) {
      return this.#blockSeq(p, col);
    }
    if (this.#keyEnd(p) !== -1) {
      return this.#blockMap(p, col);
    }
    return this.#inlineLine(p);
  }

  /** An inline value at `p` that must end its line (spaces and a comment may follow). */
  #inlineLine(p: number): Parsed {
    const { node, end } = this.inline(p, false);
    const next = this.#lineEnd(end);
    return { node, end: next, next };
  }

  /** After a value ending at `p`: skip spaces and a comment; the start of the next line. */
  #lineEnd(p: number): number {
    const text = this.text;
    let q = p;
    while (text.charCodeAt(q) === 32) {
      q++;
    }
    if (text[q] === "#") {
      if (q === p) {
        throw OUTSIDE; // a comment must follow a space
      }
      q = text.indexOf("\n", q);
      q = q === -1 ? text.length : q;
    }
    if (q >= text.length) {
      return text.length;
    }
    if (text[q] !== "\n") {
      throw OUTSIDE;
    }
    return q + 1;
  }

  /**
   * If a block mapping key starts at `p`, the offset of its `:` indicator, else -1. The key is a quoted
   * scalar or a plain one on this line, followed by `:` and a space or the line end.
   */
  #keyEnd(p: number): number {
    const text = this.text;
    const ch = text[p];
    if (ch === '"' || ch === "'") {
      const close = text.indexOf(ch, p + 1);
      const nl = text.indexOf("\n", p);
      if (close === -1 || (nl !== -1 && close > nl)) {
        return -1;
      }
      // A key holding '' (an escaped single quote) is no key here; #quoted then leaves the subset.
      return text[close + 1] === ":" && this.#breaksAfter(close + 2) ? close + 1 : -1;
    }
    if (ch === undefined || PLAIN_FORBIDDEN_FIRST.includes(ch)) {
      return -1;
    }
    for (let q = p + 1; q < text.length; q++) {
      const c = text.charCodeAt(q);
      if (c === LF || (c === HASH && text.charCodeAt(q - 1) === SPACE)) {
        return -1;
      }
      if (c === COLON && this.#breaksAfter(q + 1)) {
        return q;
      }
    }
    return -1;
  }

  /** Whether `p` is a space, a line break or the end of the text. */
  #breaksAfter(p: number): boolean {
    const c = this.text[p];
    return c === undefined || c === " " || c === "\n";
  }

  /** A block mapping whose first key starts at `p`, its keys in column `col`. */
  #blockMap(p: number, col: number): Parsed {
    const text = this.text;
    const entries = new Map<string, { keySpan: Span; value: LNode }>();
    const start = p;
    for (;;) {
      const colon = this.#keyEnd(p);
      if (colon === -1 || colon - p > MAX_KEY_CHARS) {
        throw OUTSIDE;
      }
      const key = this.#key(p, colon);
      if (entries.has(key)) {
        throw OUTSIDE; // located.ts reports duplicates (S1003)
      }
      const keySpan = this.span(p, colon);
      let q = colon + 1;
      while (text.charCodeAt(q) === 32) {
        q++;
      }
      const value =
        q >= text.length || text[q] === "\n" ? this.#valueBelow(q, col, true) : this.#inlineLine(q);
      entries.set(key, { keySpan, value: value.node });
      const c = this.#content(value.next);
      if (c.indent < col) {
        const end = value.end;
        return { node: { kind: "map", span: this.span(start, end), entries }, end, next: c.line };
      }
      if (c.indent > col || this.#isSeqItem(c.pos)) {
        throw OUTSIDE;
      }
      p = c.pos;
    }
  }

  /** The text of the key from `p` to its `:` at `colon` (a string, else outside the subset). */
  #key(p: number, colon: number): string {
    const text = this.text;
    const ch = text[p];
    if (ch === '"' || ch === "'") {
      return this.quoted(p).node.value as string;
    }
    const raw = text.slice(p, colon);
    if (raw.endsWith(" ") || typeof resolvePlain(raw) !== "string") {
      throw OUTSIDE;
    }
    return raw;
  }

  /**
   * The value of a key or sequence item whose line ends at `q` (after the indicator and spaces): a
   * block node on the following lines, or an empty (null) value at `q`. A mapping's value may be a
   * block sequence in the mapping's own column.
   */
  #valueBelow(q: number, col: number, inMap: boolean): Parsed {
    const c = this.#content(q + 1);
    if (c.indent > col || (inMap && c.indent === col && this.#isSeqItem(c.pos))) {
      return c.indent > col ? this.#block(c.pos, c.indent) : this.#blockSeq(c.pos, col);
    }
    return { node: this.scalar(q, q, null), end: q, next: Math.min(q + 1, this.text.length) };
  }

  /** A block sequence whose first `-` is at `p`, in column `col`. */
  #blockSeq(p: number, col: number): Parsed {
    const text = this.text;
    const start = p;
    const items: LNode[] = [];
    for (;;) {
      let q = p + 1;
      while (text.charCodeAt(q) === 32) {
        q++;
      }
      let item: Parsed;
      if (q >= text.length || text[q] === "\n") {
        item = this.#valueBelow(q, col, false);
      } else if (text[q] === "#") {
        throw OUTSIDE;
      } else {
        // A compact mapping or sequence in the item's own column, or an inline value.
        const lineStart = text.lastIndexOf("\n", q) + 1;
        item = this.#block(q, q - lineStart);
      }
      items.push(item.node);
      const c = this.#content(item.next);
      if (c.indent < col || (c.indent === col && !this.#isSeqItem(c.pos))) {
        // A line in the same column that is no item continues the mapping holding this sequence.
        return {
          node: { kind: "seq", span: this.span(start, item.end), items },
          end: item.end,
          next: c.line,
        };
      }
      if (c.indent > col) {
        throw OUTSIDE;
      }
      p = c.pos;
    }
  }
}

/**
 * The documents of `file` when its text lies in the subset this reader covers (the documents' root
 * nodes, as located.ts's `parseDocuments` returns them), else undefined. Never throws for any text.
 */
export function parseFast(file: SourceFile): LNode[] | undefined {
  if (UNSUPPORTED_CHARS.test(file.text)) {
    return undefined;
  }
  try {
    return new Reader(file).documents();
  } catch (e) {
    // The reader recurses per nesting level: input nested deep enough to exhaust the stack (a
    // RangeError) goes to the yaml package too, which then reports what it reports today.
    if (e === OUTSIDE || e instanceof RangeError) {
      return undefined;
    }
    throw e;
  }
}
