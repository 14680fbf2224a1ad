/**
 * @fileoverview The command tree: one commander program, one module per command group.
 *
 * Commands return an exit code instead of exiting, so tests can run them in-process. Exit codes:
 * 0 success, 1 a negative answer (check errors, trace denied with --exit-code, bench mismatches),
 * 2 usage or input errors.
 */

import { Command, CommanderError } from "commander";
import { registerBench } from "./commands/bench.js";
import { registerDemo } from "./commands/demo.js";
import { registerPolicy } from "./commands/policy.js";
import { registerReplay } from "./commands/replay.js";
import { registerTrace } from "./commands/trace.js";
import { registerText } from "./commands/text.js";
import type { CliContext } from "./context.js";

/** Version printed by --version. */
export const VERSION = "0.1.0";

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function run(argv: readonly string[], io: Partial<CliContext> = {}): Promise<number> {
  const cli: CliContext = {
    stdout: io.stdout ?? ((s) => process.stdout.write(s)),
    stderr: io.stderr ?? ((s) => process.stderr.write(s)),
    exitCode: 0,
  };
  const program = new Command("sluice")
    .description("Compile network policies into verified match-action bytecode and run it against packets.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        cli.stdout(s);
      },
      writeErr: (s) => {
        cli.stderr(s);
      },
    })
    .showHelpAfterError();
  registerPolicy(program, cli);
  registerTrace(program, cli);
  registerReplay(program, cli);
  registerBench(program, cli);
  registerText(program, cli);
  registerDemo(program, cli, run);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    cli.stderr(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  return cli.exitCode;
}
