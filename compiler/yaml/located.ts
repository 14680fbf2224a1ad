/**
 * @fileoverview Located values: YAML (and JSON) documents as plain trees whose every node knows its span.
 *
 * Front ends read policies through these nodes so each diagnostic can point at the exact key or value
 * (`file:line:col`), as the `yaml` package's node ranges allow. Parse errors become S1001 diagnostics;
 * a file with errors yields the documents that did parse.
 */

import { LineCounter, isMap, isScalar, isSeq, parseAllDocuments } from "yaml";
import type { Node as YamlNode } from "yaml";
import type { Diagnostics } from "../diagnostics/diagnostic.js";
import type { SourceFile, Span } from "../diagnostics/source.js";
import { parseFast } from "./fast-yaml.js";

/** A mapping node. Keys are strings (non-string keys are reported and skipped). */
export interface LMap {
  readonly kind: "map";
  readonly span: Span;
  /** Entries in source order: key text → key span and value node. */
  readonly entries: ReadonlyMap<string, { readonly keySpan: Span; readonly value: LNode }>;
}

/** A sequence node. */
export interface LSeq {
  readonly kind: "seq";
  readonly span: Span;
  readonly items: readonly LNode[];
}

/** A scalar: string, number, boolean or null. */
export interface LScalar {
  readonly kind: "scalar";
  readonly span: Span;
  readonly value: string | number | boolean | null;
}

/** Any located node. */
export type LNode = LMap | LSeq | LScalar;

function spanOf(file: SourceFile, node: YamlNode | null | undefined, fallback: Span): Span {
  const r = node?.range;
  return r ? { file, start: r[0], end: r[1] } : fallback;
}

function convert(file: SourceFile, node: unknown, fallback: Span, diags: Diagnostics): LNode {
  if (isMap(node)) {
    const span = spanOf(file, node, fallback);
    const entries = new Map<string, { keySpan: Span; value: LNode }>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      const keySpan = spanOf(file, keyNode, span);
      const key = isScalar(keyNode) ? keyNode.value : undefined;
      if (typeof key !== "string" && typeof key !== "number" && typeof key !== "boolean") {
        diags.error("S1002", "mapping keys must be plain strings", keySpan);
        continue;
      }
      const k = String(key);
      if (entries.has(k)) {
        diags.error("S1003", `duplicate key '${k}'`, keySpan, "remove one of the two entries", [
          { message: "first defined here", span: entries.get(k)!.keySpan },
        ]);
        continue;
      }
      const v = pair.value as YamlNode | null;
      entries.set(k, {
        keySpan,
        value: v === null ? { kind: "scalar", span: keySpan, value: null } : convert(file, v, keySpan, diags),
      });
    }
    return { kind: "map", span, entries };
  }
  if (isSeq(node)) {
    const span = spanOf(file, node, fallback);
    return { kind: "seq", span, items: node.items.map((it) => convert(file, it, span, diags)) };
  }
  if (isScalar(node)) {
    const span = spanOf(file, node, fallback);
    const v = node.value;
    // Other scalar types (dates, binary) are kept as their source text.
    const value =
      typeof v === "string" || typeof v === "number" || typeof v === "boolean" || v === null
        ? v
        : file.text.slice(span.start, span.end);
    return { kind: "scalar", span, value };
  }
  // Aliases and other exotic nodes: resolve to null with a diagnostic rather than guessing.
  diags.error(
    "S1004",
    "YAML aliases and tags are not supported here",
    fallback,
    "write the value out in full",
  );
  return { kind: "scalar", span: fallback, value: null };
}

/**
 * Parse every document of `file`; returns the non-empty documents' root nodes. Text in the subset
 * fast-yaml.ts reads (most generated and hand-written manifests) skips the `yaml` package, which is
 * ~100× slower; the rest, and every file with problems to report, goes through it.
 */
export function parseDocuments(file: SourceFile, diags: Diagnostics): LNode[] {
  return parseFast(file) ?? parseDocumentsWithYaml(file, diags);
}

/** `parseDocuments` through the `yaml` package alone (the reference the fast path is tested against). */
export function parseDocumentsWithYaml(file: SourceFile, diags: Diagnostics): LNode[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(file.text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const out: LNode[] = [];
  const whole: Span = { file, start: 0, end: file.text.length };
  for (const doc of docs) {
    for (const e of doc.errors) {
      diags.error(
        "S1001",
        `YAML: ${e.message.split("\n")[0] ?? e.message}`,
        { file, start: e.pos[0], end: e.pos[1] },
        "fix the YAML syntax",
      );
    }
    if (doc.errors.length > 0 || doc.contents === null) {
      continue;
    }
    out.push(convert(file, doc.contents, whole, diags));
  }
  return out;
}

/** The value at `key` of a map node, if `node` is a map and has it. */
export function get(node: LNode | undefined, key: string): LNode | undefined {
  return node?.kind === "map" ? node.entries.get(key)?.value : undefined;
}

/** The string at `key`, if it is a string scalar. */
export function getString(node: LNode | undefined, key: string): string | undefined {
  const v = get(node, key);
  return v?.kind === "scalar" && typeof v.value === "string" ? v.value : undefined;
}

/** Convert a located node to a plain JS value (for fields the compiler does not inspect). */
export function toPlain(node: LNode): unknown {
  switch (node.kind) {
    case "scalar":
      return node.value;
    case "seq":
      return node.items.map(toPlain);
    case "map": {
      const o: Record<string, unknown> = {};
      for (const [k, v] of node.entries) {
        o[k] = toPlain(v.value);
      }
      return o;
    }
  }
}
