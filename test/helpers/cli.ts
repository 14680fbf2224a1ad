// Running the sluice CLI in-process, capturing what it prints.
import { run } from "../../cli/app.js";

/** Run `sluice <args>`; resolves to the exit code and everything written to stdout and stderr. */
export async function sluice(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await run(args, {
    stdout: (s) => {
      out += s;
    },
    stderr: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}
