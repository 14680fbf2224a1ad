#!/usr/bin/env node
/**
 * @fileoverview The `sluice` executable: runs the CLI and is the only module that exits the process.
 */

import { run } from "./app.js";

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`sluice: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
