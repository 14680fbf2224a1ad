/**
 * @fileoverview `sluice demo` (what `npm start` runs): the main job on a bundled default.
 *
 * For now that is the bundled ClassBench sample: compile it to a bundle, classify its trace through
 * the engine, and print agreement and packets per second.
 */

import type { Command } from "commander";
import { runClassBench } from "../../bench/classbench.js";
import type { CliContext } from "../context.js";
import { formatClassBench } from "./bench.js";
import { repoPath } from "../paths.js";

/** Register `sluice demo`. */
export function registerDemo(program: Command, cli: CliContext): void {
  program
    .command("demo")
    .description("run the bundled example (what `npm start` does)")
    .action(() => {
      const dir = repoPath("policies/classbench");
      cli.stdout(`Compiling ${dir}/sample_acl and classifying its trace...\n`);
      const r = runClassBench(`${dir}/sample_acl`, `${dir}/sample_acl_trace`);
      cli.stdout(formatClassBench(r));
      cli.exitCode = r.mismatches === 0 ? 0 : 1;
    });
}
