/**
 * @fileoverview Diagnostics: a stable code, a message, a primary span, notes, and a fix hint.
 *
 * Codes: S1xxx input parsing (YAML, JSON), S2xxx schema (unknown or ill-typed fields), S3xxx
 * semantics (a policy that cannot mean what it says), S4xxx cluster snapshot problems. Warnings and
 * lints also carry a kebab-case id users can re-level (`--warn shadowed-rule=error`), as esbuild does.
 * A Diagnostics collector de-duplicates by (file, start, code) and counts errors, so a compile stage can
 * stop before the next one as peggy's passes do.
 */

import type { Span } from "./source.js";
import { formatLocation } from "./source.js";

/** Severity of a diagnostic. */
export type Severity = "error" | "warning" | "note";

/** A related location. */
export interface DiagnosticNote {
  /** What the note says. */
  readonly message: string;
  /** Where, if anywhere. */
  readonly span?: Span;
}

/** One finding. */
export interface Diagnostic {
  /** Stable code (S2001, ...). */
  readonly code: string;
  /** Lint id users can re-level, for warnings (e.g. "weave-named-port"). */
  readonly id?: string;
  /** error, warning or note. */
  readonly severity: Severity;
  /** One sentence: what is wrong. */
  readonly message: string;
  /** Where. */
  readonly span?: Span;
  /** How to fix it. */
  readonly help?: string;
  /** Related locations. */
  readonly notes?: readonly DiagnosticNote[];
}

/** A compile failed: the diagnostics say why. */
export class CompileError extends Error {
  /** Every diagnostic collected (errors and warnings). */
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    const first = diagnostics.find((d) => d.severity === "error");
    super(first ? oneLine(first) : "compile failed");
    this.name = "CompileError";
    this.diagnostics = diagnostics;
  }
}

/** `file:line:col: error[S2001]: message` */
export function oneLine(d: Diagnostic): string {
  const where = d.span ? `${formatLocation(d.span)}: ` : "";
  return `${where}${d.severity}[${d.code}]: ${d.message}`;
}

/** Collects diagnostics for one compile. */
export class Diagnostics {
  private readonly list: Diagnostic[] = [];
  private readonly seen = new Set<string>();
  /** Lint ids re-levelled by the user. */
  private readonly levels: ReadonlyMap<string, Severity | "off">;

  constructor(levels: ReadonlyMap<string, Severity | "off"> = new Map()) {
    this.levels = levels;
  }

  /** Record `d` (unless a duplicate or silenced). */
  report(d: Diagnostic): void {
    let diag = d;
    if (d.id !== undefined) {
      const level = this.levels.get(d.id);
      if (level === "off") {
        return;
      }
      if (level !== undefined) {
        diag = { ...d, severity: level };
      }
    }
    const key = `${diag.span?.file.path ?? ""}:${diag.span?.start ?? -1}:${diag.code}:${diag.message}`;
    if (this.seen.has(key)) {
      return;
    }
    this.seen.add(key);
    this.list.push(diag);
  }

  /** Shorthand for an error. */
  error(code: string, message: string, span?: Span, help?: string, notes?: readonly DiagnosticNote[]): void {
    this.report({
      code,
      severity: "error",
      message,
      ...(span ? { span } : {}),
      ...(help ? { help } : {}),
      ...(notes ? { notes } : {}),
    });
  }

  /** Shorthand for a warning with a lint id. */
  warn(
    code: string,
    id: string,
    message: string,
    span?: Span,
    help?: string,
    notes?: readonly DiagnosticNote[],
  ): void {
    this.report({
      code,
      id,
      severity: "warning",
      message,
      ...(span ? { span } : {}),
      ...(help ? { help } : {}),
      ...(notes ? { notes } : {}),
    });
  }

  /** Number of errors so far. */
  get errorCount(): number {
    return this.list.filter((d) => d.severity === "error").length;
  }

  /** All diagnostics, in report order. */
  get all(): readonly Diagnostic[] {
    return this.list;
  }

  /** Throw a CompileError if any error was reported. */
  throwIfErrors(): void {
    if (this.errorCount > 0) {
      throw new CompileError(this.list);
    }
  }
}
