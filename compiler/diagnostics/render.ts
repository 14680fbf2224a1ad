/**
 * @fileoverview Renders diagnostics rustc-style, or as JSON:
 *
 *     error[S3002]: endPort must be a number from 80 to 65535
 *      --> policies/web.yaml:14:20
 *        |
 *     14 |         endPort: 70
 *        |                  ^^
 *        = help: ...
 *        = note: ... (with its own location)
 */

import pc from "picocolors";
import type { Diagnostic } from "./diagnostic.js";
import type { Span } from "./source.js";

/** Whether to color output. */
export interface RenderOptions {
  readonly color: boolean;
}

function paint(color: boolean, fn: (s: string) => string, s: string): string {
  return color ? fn(s) : s;
}

function snippet(span: Span, color: boolean, gutter: number): string[] {
  const start = span.file.lineCol(span.start);
  const end = span.file.lineCol(Math.max(span.start, span.end - 1));
  const text = span.file.lineText(start.line);
  const width =
    end.line === start.line
      ? Math.max(1, end.column - start.column + 1)
      : Math.max(1, text.length - start.column + 1);
  const pad = " ".repeat(gutter);
  const bar = paint(color, pc.blue, "|");
  return [
    `${pad} ${bar}`,
    `${paint(color, pc.blue, String(start.line).padStart(gutter))} ${bar} ${text}`,
    `${pad} ${bar} ${" ".repeat(start.column - 1)}${paint(color, pc.red, "^".repeat(Math.min(width, Math.max(1, text.length - start.column + 1))))}`,
  ];
}

/** One diagnostic, rustc-style. */
export function renderDiagnostic(d: Diagnostic, options: RenderOptions): string {
  const { color } = options;
  const head =
    d.severity === "error"
      ? paint(color, pc.red, `error[${d.code}]`)
      : d.severity === "warning"
        ? paint(color, pc.yellow, `warning[${d.code}]`)
        : `note[${d.code}]`;
  const id = d.id !== undefined ? paint(color, pc.dim, ` [${d.id}]`) : "";
  const out = [`${paint(color, pc.bold, `${head}: ${d.message}`)}${id}`];
  const gutter = d.span ? String(d.span.file.lineCol(d.span.start).line).length : 1;
  const pad = " ".repeat(gutter);
  if (d.span) {
    const { line, column } = d.span.file.lineCol(d.span.start);
    out.push(`${pad}${paint(color, pc.blue, "-->")} ${d.span.file.path}:${line}:${column}`);
    out.push(...snippet(d.span, color, gutter));
  }
  if (d.help !== undefined) {
    out.push(`${pad} ${paint(color, pc.blue, "=")} help: ${d.help}`);
  }
  for (const n of d.notes ?? []) {
    if (n.span) {
      const { line, column } = n.span.file.lineCol(n.span.start);
      out.push(
        `${pad} ${paint(color, pc.blue, "=")} note: ${n.message} (${n.span.file.path}:${line}:${column})`,
      );
    } else {
      out.push(`${pad} ${paint(color, pc.blue, "=")} note: ${n.message}`);
    }
  }
  return out.join("\n") + "\n";
}

/** JSON form of a diagnostic (positions as file/line/column and byte offsets). */
export function diagnosticToJson(d: Diagnostic): Record<string, unknown> {
  const loc = (s: Span) => ({ file: s.file.path, ...s.file.lineCol(s.start), start: s.start, end: s.end });
  return {
    code: d.code,
    ...(d.id !== undefined ? { id: d.id } : {}),
    severity: d.severity,
    message: d.message,
    ...(d.span ? { location: loc(d.span) } : {}),
    ...(d.help !== undefined ? { help: d.help } : {}),
    notes: (d.notes ?? []).map((n) => ({ message: n.message, ...(n.span ? { location: loc(n.span) } : {}) })),
  };
}
