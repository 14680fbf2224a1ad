/**
 * @fileoverview Paths relative to the repository, valid from the sources and from the built dist/.
 */

import { fileURLToPath } from "node:url";

/** Absolute path of `rel` relative to the repository root (the folder holding package.json). */
export function repoPath(rel: string): string {
  // This file is cli/paths.ts or dist/cli/paths.js: the root is one or two levels up.
  const here = import.meta.url.replace("/dist/cli/", "/cli/");
  return fileURLToPath(new URL(`../${rel}`, here));
}
