// Shared by the lint tests: inline YAML policies over a small cluster, compiled from temporary files,
// and findings turned into comparable records (code, severity, file:line:col, message, notes).
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { compile } from "../../compiler/compile.js";
import type { Cni } from "../../compiler/compile.js";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { formatLocation } from "../../compiler/diagnostics/source.js";
import { lintCompile } from "../../compiler/lint/index.js";

/** Scratch directory of the lint tests. */
export const dir = mkdtempSync(join(tmpdir(), "sluice-lint-"));
let n = 0;

/** Three pods: shop/web, shop/client, data/db. */
export const PODS = `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
status: { podIP: 10.1.0.10 }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: shop, labels: { app: client } }
status: { podIP: 10.1.0.20 }
---
apiVersion: v1
kind: Pod
metadata: { name: db, namespace: data, labels: { app: db } }
status: { podIP: 10.1.0.30 }
---
`;

/** A linted input. */
export interface Linted {
  readonly file: string;
  readonly text: string;
  readonly lints: Diagnostic[];
}

/** Compile `PODS + policies` from a temporary file and lint it. */
export function lintYaml(policies: string, cni?: Cni): Linted {
  const file = join(dir, `case-${n++}.yaml`);
  const text = PODS + policies;
  writeFileSync(file, text);
  const r = compile([file], cni === undefined ? {} : { cni });
  expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { file, text, lints: lintCompile(r) };
}

/** `file:line:col` of the `nth` occurrence of `needle` in the linted text. */
export function at(l: Linted, needle: string, nth = 0): string {
  let i = -1;
  for (let k = 0; k <= nth; k++) {
    i = l.text.indexOf(needle, i + 1);
    expect(i).toBeGreaterThanOrEqual(0);
  }
  const before = l.text.slice(0, i).split("\n");
  return `${l.file}:${before.length}:${before[before.length - 1]!.length + 1}`;
}

/** The findings with lint id `id`, as comparable records. */
export function found(
  l: Linted,
  id: string,
): { code: string; severity: string; at: string; message: string; notes: string[] }[] {
  return l.lints
    .filter((d) => d.id === id)
    .map((d) => ({
      code: d.code,
      severity: d.severity,
      at: formatLocation(d.span!),
      message: d.message,
      notes: (d.notes ?? []).map((x) => (x.span ? `${x.message} @ ${formatLocation(x.span)}` : x.message)),
    }));
}
