/**
 * @fileoverview `sluice disasm` and `sluice asm`: the bundle's text form, both ways.
 */

import { readFileSync, writeFileSync } from "node:fs";
import type { Command } from "commander";
import { assemble } from "../../compiler/text/asm.js";
import { disassemble } from "../../compiler/text/disasm.js";
import type { CliContext } from "../context.js";

/** Register `sluice disasm` and `sluice asm`. */
export function registerText(program: Command, cli: CliContext): void {
  program
    .command("disasm")
    .description("print a bundle as text: tables with their entries, the program with labels and sources")
    .argument("<bundle>", "bundle file")
    .option("--annotate", "print the compiler's comments beside instructions", true)
    .option("--no-annotate", "leave the compiler's comments out")
    .action((file: string, opts: { annotate: boolean }) => {
      cli.stdout(disassemble(readFileSync(file), { annotate: opts.annotate }));
    });
  program
    .command("asm")
    .description("assemble the text form into a bundle (byte-identical to the disassembled one)")
    .argument("<file>", "text form file")
    .requiredOption("-o, --output <bundle>", "bundle file to write")
    .action((file: string, opts: { output: string }) => {
      writeFileSync(opts.output, assemble(readFileSync(file, "utf8"), file));
    });
}
