/**
 * @fileoverview What every command gets: where to write, and where to put its exit code.
 */

/** Output sinks and the exit code of the running command. */
export interface CliContext {
  /** Standard output. */
  stdout: (s: string) => void;
  /** Standard error. */
  stderr: (s: string) => void;
  /** Exit code the command sets (0 unless it says otherwise). */
  exitCode: number;
}
