/**
 * @fileoverview Inline values for the fast YAML reader (fast-yaml.ts): single-line flow collections and
 * plain or quoted scalars, as located nodes with the `yaml` package's spans (a scalar's range ends at
 * its last character, a flow collection's after its closing bracket). Anything else (multi-line flow
 * collections, empty or trailing entries, single-pair mappings in sequences, non-string or duplicate
 * keys) leaves the subset (`OUTSIDE`).
 */

import type { SourceFile, Span } from "../diagnostics/source.js";
import {
  OUTSIDE,
  PLAIN_FORBIDDEN_FIRST,
  isFlowIndicator,
  plainEnd,
  quotedScalar,
  resolvePlain,
} from "./fast-scalars.js";
import type { LMap, LNode, LScalar } from "./located.js";

/** Reads inline values from one file's text; fast-yaml.ts's block reader extends it. */
export class InlineReader {
  /** The file's text. */
  protected readonly text: string;
  /** The file, for spans. */
  protected readonly file: SourceFile;

  constructor(file: SourceFile) {
    this.file = file;
    this.text = file.text;
  }

  /** A span of this file. */
  protected span(start: number, end: number): Span {
    return { file: this.file, start, end };
  }

  /** A scalar node. */
  protected scalar(start: number, end: number, value: LScalar["value"]): LScalar {
    return { kind: "scalar", span: this.span(start, end), value };
  }

  /** An inline value at `p`: flow collection, quoted or plain scalar; its node and value end. */
  inline(p: number, flow: boolean): { node: LNode; end: number } {
    const text = this.text;
    const ch = text[p];
    if (ch === "[") {
      return this.flowSeq(p);
    }
    if (ch === "{") {
      return this.flowMap(p);
    }
    if (ch === '"' || ch === "'") {
      return this.quoted(p);
    }
    if (ch === undefined || PLAIN_FORBIDDEN_FIRST.includes(ch)) {
      const after = text[p + 1];
      // `-`, `?` and `:` start a plain scalar when a "safe" character follows (YAML 1.2.2 §7.3.3).
      const safe =
        after !== undefined && after !== " " && after !== "\n" && !isFlowIndicator(after.charCodeAt(0));
      if (!((ch === "-" || ch === "?" || ch === ":") && safe)) {
        throw OUTSIDE;
      }
    }
    return this.plain(p, flow);
  }

  /** A plain scalar at `p`; in a flow collection it also ends at flow indicators. */
  protected plain(p: number, flow: boolean): { node: LScalar; end: number } {
    const end = plainEnd(this.text, p, flow);
    return { node: this.scalar(p, end, resolvePlain(this.text.slice(p, end))), end };
  }

  /** A single-line quoted scalar at `p`: double-quoted without escapes, or single-quoted. */
  quoted(p: number): { node: LScalar; end: number } {
    const { value, end } = quotedScalar(this.text, p);
    return { node: this.scalar(p, end, value), end };
  }

  /** Spaces inside a flow collection (which must close on its line). */
  protected skipFlowSpaces(p: number): number {
    const text = this.text;
    while (text.charCodeAt(p) === 32) {
      p++;
    }
    if (p >= text.length || text[p] === "\n" || text[p] === "#") {
      throw OUTSIDE;
    }
    return p;
  }

  /** A flow sequence `[ ... ]` at `p`. */
  protected flowSeq(p: number): { node: LNode; end: number } {
    const text = this.text;
    const items: LNode[] = [];
    let q = this.skipFlowSpaces(p + 1);
    if (text[q] !== "]") {
      for (;;) {
        const item = this.inline(q, true);
        items.push(item.node);
        q = this.skipFlowSpaces(item.end);
        if (text[q] === "]") {
          break;
        }
        if (text[q] !== ",") {
          throw OUTSIDE; // includes `[a: b]`, a single-pair mapping
        }
        q = this.skipFlowSpaces(q + 1);
        if (text[q] === "]" || text[q] === ",") {
          throw OUTSIDE; // trailing or empty entries
        }
      }
    }
    return { node: { kind: "seq", span: this.span(p, q + 1), items }, end: q + 1 };
  }

  /** A flow mapping `{ k: v, ... }` at `p`. */
  protected flowMap(p: number): { node: LMap; end: number } {
    const text = this.text;
    const entries = new Map<string, { keySpan: Span; value: LNode }>();
    let q = this.skipFlowSpaces(p + 1);
    if (text[q] !== "}") {
      for (;;) {
        const ch = text[q];
        const quoted = ch === '"' || ch === "'";
        const keyNode = quoted ? this.quoted(q) : this.inline(q, true);
        const key = keyNode.node;
        if (key.kind !== "scalar" || typeof key.value !== "string" || entries.has(key.value)) {
          throw OUTSIDE;
        }
        q = keyNode.end;
        // A plain key needs `: `; a quoted (JSON-like) key may be followed by `:` and the value at once.
        if (text[q] !== ":" || (!quoted && text[q + 1] !== " ")) {
          throw OUTSIDE;
        }
        q = this.skipFlowSpaces(q + 1);
        if (text[q] === "," || text[q] === "}") {
          throw OUTSIDE; // an empty value
        }
        const value = this.inline(q, true);
        entries.set(key.value, { keySpan: key.span, value: value.node });
        q = this.skipFlowSpaces(value.end);
        if (text[q] === "}") {
          break;
        }
        if (text[q] !== ",") {
          throw OUTSIDE;
        }
        q = this.skipFlowSpaces(q + 1);
        if (text[q] === "}" || text[q] === ",") {
          throw OUTSIDE;
        }
      }
    }
    return { node: { kind: "map", span: this.span(p, q + 1), entries }, end: q + 1 };
  }
}
