// Locating ../shared/corpus from tests; tests skip with a printed notice when it is absent.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of a corpus folder (may not exist). */
export function corpusPath(rel: string): string {
  return fileURLToPath(new URL(`../../../shared/corpus/${rel}`, import.meta.url));
}

/** Whether the corpus folder exists; prints a notice when it does not. */
export function haveCorpus(rel: string): boolean {
  const p = corpusPath(rel);
  if (!existsSync(p)) {
    console.warn(`notice: ${p} is absent; tests that need it are skipped`);
    return false;
  }
  return true;
}
