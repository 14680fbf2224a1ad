/**
 * @fileoverview `sluice demo` (what `npm start` runs): Cilium's Star Wars demo, end to end.
 *
 * Compiles the bundled cluster snapshot and the demo's CiliumNetworkPolicy (policies/star-wars), replays
 * the bundled capture through them (flows, then the summary), and traces the two questions the demo
 * asks: may the TIE fighter land, may the X-wing land. Each step is an ordinary sluice command, shown
 * so the user can run it themselves.
 */

import type { Command } from "commander";
import pc from "picocolors";
import type { CliContext } from "../context.js";
import { repoPath } from "../paths.js";

/** Register `sluice demo`. */
export function registerDemo(
  program: Command,
  cli: CliContext,
  run: (argv: string[], io: Partial<CliContext>) => Promise<number>,
): void {
  program
    .command("demo")
    .description("run the bundled example: Cilium's Star Wars demo (what `npm start` does)")
    .action(async () => {
      const dir = repoPath("policies/star-wars");
      const rel = "policies/star-wars";
      // The compile's warnings (L7 rules not enforced yet) are shown once, with the first step.
      let first = true;
      const step = async (title: string, shown: string, argv: string[]): Promise<void> => {
        cli.stdout(`\n${pc.bold(title)}\n${pc.dim(`$ sluice ${shown}`)}\n`);
        await run(first ? argv : [...argv, "--warn", "l7-not-enforced=off"], {
          stdout: cli.stdout,
          stderr: cli.stderr,
        });
        first = false;
      };
      const inputs = [`${dir}/cluster.yaml`, `${dir}/cilium`];
      await step(
        "Replay the demo capture through the Star Wars policy",
        `replay ${rel}/capture.pcap ${rel}/cluster.yaml ${rel}/cilium`,
        ["replay", `${dir}/capture.pcap`, ...inputs],
      );
      await step("Summary", `replay ${rel}/capture.pcap ${rel}/cluster.yaml ${rel}/cilium --summary`, [
        "replay",
        `${dir}/capture.pcap`,
        ...inputs,
        "--summary",
      ]);
      await step(
        "May the TIE fighter land?",
        `trace ${rel}/cluster.yaml ${rel}/cilium --from default/tiefighter --to default/deathstar --port 80`,
        ["trace", ...inputs, "--from", "default/tiefighter", "--to", "default/deathstar", "--port", "80"],
      );
      await step(
        "May the X-wing land?",
        `trace ${rel}/cluster.yaml ${rel}/cilium --from default/xwing --to default/deathstar --port 80`,
        ["trace", ...inputs, "--from", "default/xwing", "--to", "default/deathstar", "--port", "80"],
      );
      cli.stdout(`\nMore: ${pc.bold("sluice --help")}, and the tour in README.md.\n`);
    });
}
