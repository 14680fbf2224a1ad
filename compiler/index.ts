/**
 * @fileoverview `sluice/compiler`: policies and cluster snapshots in, verified bundles out; plus the
 * analyses (connlist, trace) and the bytecode text form.
 */

export { compile, CNIS } from "./compile.js";
export type { Cni, CompileOptions, CompileResult } from "./compile.js";
export { CompileError } from "./diagnostics/diagnostic.js";
export type { Diagnostic, DiagnosticNote, Severity } from "./diagnostics/diagnostic.js";
export { renderDiagnostic, diagnosticToJson } from "./diagnostics/render.js";
export { connlist } from "./analysis/connlist.js";
export type { ConnLine } from "./analysis/connlist.js";
export { formatConnlist, CONNLIST_FORMATS } from "./analysis/connlist-format.js";
export type { ConnlistFormat } from "./analysis/connlist-format.js";
export { trace, TraceError } from "./analysis/trace.js";
export type { TraceQuery, TraceResult } from "./analysis/trace.js";
export { assemble, disassemble, AsmError } from "./text/index.js";
export {
  parseRules as parseClassBenchRules,
  parseTrace as parseClassBenchTrace,
} from "./classbench/parse.js";
export { compileClassBench } from "./classbench/compile.js";
export * as calico from "./frontends/calico/selector/index.js";
