/**
 * @fileoverview `sluice compile`, `sluice check` and `sluice connlist`.
 *
 * `check` compiles, then (when the compile succeeded) runs the lints of compiler/lint; `--warn id=level`
 * re-levels both, and it exits 1 only when an error remains (a lint raised to error counts).
 */

import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { connlist } from "../../compiler/analysis/connlist.js";
import { CONNLIST_FORMATS, formatConnlist } from "../../compiler/analysis/connlist-format.js";
import type { ConnlistFormat } from "../../compiler/analysis/connlist-format.js";
import { compile } from "../../compiler/compile.js";
import type { CompileOptions, CompileResult } from "../../compiler/compile.js";
import { Diagnostics } from "../../compiler/diagnostics/diagnostic.js";
import type { Diagnostic } from "../../compiler/diagnostics/diagnostic.js";
import { diagnosticToJson, renderDiagnostic } from "../../compiler/diagnostics/render.js";
import { lintCompile } from "../../compiler/lint/index.js";
import { decodeBundle } from "../../runtime/bytecode/decode.js";
import { readFileSync } from "node:fs";
import type { CliContext } from "../context.js";
import { addPolicyOptions, compileOptions, useColor } from "../options.js";
import type { PolicyOptions } from "../options.js";

/** Apply `--warn` levels to lint findings (silenced ones dropped), through the compile's collector. */
function relevel(found: readonly Diagnostic[], levels: CompileOptions["levels"]): readonly Diagnostic[] {
  const d = new Diagnostics(levels);
  found.forEach((x) => {
    d.report(x);
  });
  return d.all;
}

/** Print diagnostics to stderr; returns whether there were errors. */
export function reportDiagnostics(cli: CliContext, r: CompileResult, color: boolean): boolean {
  for (const d of r.diagnostics) {
    cli.stderr(renderDiagnostic(d, { color }));
  }
  return r.diagnostics.some((d) => d.severity === "error");
}

/** Compile `paths` or load `--bundle`; prints diagnostics; undefined on errors. */
export function bundleFrom(
  cli: CliContext,
  paths: readonly string[],
  o: PolicyOptions & { bundle?: string },
): Uint8Array | undefined {
  if (o.bundle !== undefined) {
    if (paths.length > 0) {
      throw new Error("give either --bundle or policy paths, not both");
    }
    return readFileSync(o.bundle);
  }
  if (paths.length === 0) {
    throw new Error("no input: give policy and cluster paths, or --bundle");
  }
  const r = compile(paths, compileOptions(paths, o));
  if (reportDiagnostics(cli, r, useColor(o.color, process.stderr)) || r.bytes === undefined) {
    return undefined;
  }
  return r.bytes;
}

/** Register the policy commands. */
export function registerPolicy(program: Command, cli: CliContext): void {
  addPolicyOptions(
    program
      .command("compile")
      .description("compile policies and a cluster snapshot into a verified bundle")
      .argument("<paths...>", "policy and cluster files or directories (- for stdin)")
      .option("-o, --output <file>", "bundle file to write", "sluice.bundle"),
  ).action((paths: string[], o: PolicyOptions & { output: string }) => {
    const r = compile(paths, compileOptions(paths, o));
    const failed = reportDiagnostics(cli, r, useColor(o.color, process.stderr));
    if (failed || r.bytes === undefined || r.bundle === undefined) {
      cli.exitCode = 1;
      return;
    }
    writeFileSync(o.output, r.bytes);
    const rows = r.bundle.tables.reduce((n, t) => n + t.entryCount, 0);
    cli.stdout(
      `compiled ${r.entries.length} policy entries for ${r.cluster?.pods.length ?? 0} endpoints (--cni ${r.cni}): ` +
        `${r.bundle.tables.length} tables, ${rows} rows, ${r.bundle.program.insns.length / 2} instructions, ${r.bytes.length} bytes -> ${o.output}\n`,
    );
  });

  addPolicyOptions(
    program
      .command("check")
      .description("validate policies (and lint them); exit 1 on errors")
      .argument("<paths...>", "policy and cluster files or directories (- for stdin)")
      .option("--format <format>", "text or json", "text"),
  ).action((paths: string[], o: PolicyOptions & { format: string }) => {
    if (o.format !== "text" && o.format !== "json") {
      throw new Error("--format must be text or json");
    }
    const options = compileOptions(paths, o);
    const r = compile(paths, options);
    const diagnostics = [...r.diagnostics, ...relevel(lintCompile(r), options.levels)];
    const count = (s: string): number => diagnostics.filter((d) => d.severity === s).length;
    const errors = count("error");
    if (o.format === "json") {
      cli.stdout(
        JSON.stringify(
          {
            errors,
            warnings: count("warning"),
            notes: count("note"),
            diagnostics: diagnostics.map(diagnosticToJson),
          },
          null,
          2,
        ) + "\n",
      );
    } else {
      const color = useColor(o.color, process.stderr);
      for (const d of diagnostics) {
        cli.stderr(renderDiagnostic(d, { color }));
      }
      const notes = count("note");
      cli.stderr(
        `${errors} error(s), ${count("warning")} warning(s)${notes > 0 ? `, ${notes} note(s)` : ""} in ${r.files.length} file(s)\n`,
      );
    }
    cli.exitCode = errors > 0 ? 1 : 0;
  });

  addPolicyOptions(
    program
      .command("connlist")
      .description("the reachability matrix between workloads and external ranges, from the compiled tables")
      .argument("[paths...]", "policy and cluster files or directories (- for stdin)")
      .option("--bundle <file>", "use a compiled bundle instead of policy paths")
      .option("-o, --output <format>", `output format: ${CONNLIST_FORMATS.join(", ")}`, "txt"),
  ).action((paths: string[], o: PolicyOptions & { bundle?: string; output: string }) => {
    if (!CONNLIST_FORMATS.includes(o.output as ConnlistFormat)) {
      throw new Error(`-o must be one of ${CONNLIST_FORMATS.join(", ")}`);
    }
    const bytes = bundleFrom(cli, paths, o);
    if (bytes === undefined) {
      cli.exitCode = 1;
      return;
    }
    cli.stdout(formatConnlist(connlist(decodeBundle(bytes).bundle), o.output as ConnlistFormat));
  });
}
