/**
 * @fileoverview What every lint pass gets: the compile's IR and cluster, the lowering model built the
 * way the compile built it, the evaluation model of the CNI, located YAML nodes by span, and helpers
 * that name policies and rules in messages.
 */

import type { Cni, CompileResult } from "../compile.js";
import type { Cluster } from "../cluster/model.js";
import { Diagnostics } from "../diagnostics/diagnostic.js";
import type { Diagnostic, DiagnosticNote, Severity } from "../diagnostics/diagnostic.js";
import type { SourceFile, Span } from "../diagnostics/source.js";
import type { Origin, PolicyEntry, RuleEntry } from "../ir/entry.js";
import { buildModel } from "../lower/model.js";
import type { EvaluationModel, LoweringModel } from "../lower/model.js";
import { parseDocuments } from "../yaml/located.js";
import type { LNode } from "../yaml/located.js";

/** Evaluation model per CNI (as compile.ts lowers). */
const MODEL: Readonly<Record<Cni, EvaluationModel>> = {
  weave: "kubernetes",
  spec: "kubernetes",
  cilium: "cilium",
  calico: "calico",
};

/** Shared inputs of the lint passes. */
export interface LintContext {
  /** IR entries, staged ones left out (they never decide). */
  readonly entries: readonly PolicyEntry[];
  /** Index of each entry in the compile's entry list (its rule id). */
  readonly indexOf: ReadonlyMap<PolicyEntry, number>;
  readonly cluster: Cluster;
  readonly model: LoweringModel;
  readonly evalModel: EvaluationModel;
  /** The located YAML node whose span is exactly `span`, if any. */
  nodeAt(span: Span): LNode | undefined;
  /** Record a finding. */
  report(d: Diagnostic): void;
}

function spanKey(file: SourceFile, start: number, end: number): string {
  return `${file.path}\u0000${start}\u0000${end}`;
}

/** Index every located node of `files` by its span. */
function indexNodes(files: readonly SourceFile[]): Map<string, LNode> {
  const out = new Map<string, LNode>();
  const walk = (n: LNode): void => {
    out.set(spanKey(n.span.file, n.span.start, n.span.end), n);
    if (n.kind === "map") {
      n.entries.forEach((v) => {
        walk(v.value);
      });
    } else if (n.kind === "seq") {
      n.items.forEach(walk);
    }
  };
  for (const f of files) {
    // The compile already reported this file's problems; a second parse only locates nodes.
    parseDocuments(f, new Diagnostics()).forEach(walk);
  }
  return out;
}

/** Build the context of a successful compile, or undefined when the compile did not get that far. */
export function lintContext(result: CompileResult, sink: Diagnostic[]): LintContext | undefined {
  if (result.cluster === undefined || result.bundle === undefined) {
    return undefined;
  }
  const cni = result.cni;
  const model = buildModel(result.cluster, result.entries, {
    cidrMatchesPods: false,
    filterLabels: cni === "cilium",
  });
  let nodes: Map<string, LNode> | undefined;
  return {
    entries: result.entries.filter((e) => e.origin.staged !== true),
    indexOf: new Map(result.entries.map((e, i) => [e, i])),
    cluster: result.cluster,
    model,
    evalModel: MODEL[cni],
    nodeAt: (span) => {
      nodes ??= indexNodes(result.files);
      return nodes.get(spanKey(span.file, span.start, span.end));
    },
    report: (d) => sink.push(d),
  };
}

/** A lint finding. */
export function lint(
  code: string,
  id: string,
  severity: Severity,
  message: string,
  span: Span,
  help?: string,
  notes?: readonly DiagnosticNote[],
): Diagnostic {
  return {
    code,
    id,
    severity,
    message,
    span,
    ...(help !== undefined ? { help } : {}),
    ...(notes !== undefined && notes.length > 0 ? { notes } : {}),
  };
}

/** `NetworkPolicy shop/web`, `CiliumClusterwideNetworkPolicy deny-all`. */
export function policyName(o: Origin): string {
  return `${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ""}${o.name}`;
}

/** `ingress rule 0`, `egressDeny rule 1` (Cilium deny sections), as the YAML names them. */
export function ruleName(e: RuleEntry): string {
  const section = e.origin.dialect === "cilium" && e.verdict === "deny" ? `${e.direction}Deny` : e.direction;
  return `${section} rule ${e.origin.ruleIndex}`;
}

/** `ingress rule 0 of NetworkPolicy shop/web`. */
export function describeRule(e: RuleEntry): string {
  return `${ruleName(e)} of ${policyName(e.origin)}`;
}

/** Key of a policy object (its span). */
export function policyKey(o: Origin): string {
  return spanKey(o.policySpan.file, o.policySpan.start, o.policySpan.end);
}

/** Key of a span. */
export function keyOfSpan(s: Span): string {
  return spanKey(s.file, s.start, s.end);
}
