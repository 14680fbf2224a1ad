/**
 * @fileoverview CalicoSelectorError: why a Calico selector was rejected, with the 0-based offset and
 * 1-based column of the offending text inside the selector string.
 *
 * Positions are relative to the selector text alone; a policy front end adds the offset of the YAML
 * scalar that holds it to build a `file:line:col` diagnostic. Columns count UTF-16 code units, like
 * `SourceFile.lineCol`. The message names what was found and what was expected, without a position.
 */

/** A selector string failed to tokenize or parse. */
export class CalicoSelectorError extends Error {
  /** The selector text that was rejected. */
  readonly selector: string;
  /** 0-based offset of the offending text within `selector`. */
  readonly offset: number;
  /** 1-based column of the offending text within `selector` (`offset + 1`). */
  readonly column: number;
  /** Length of the offending text (0 at the end of the selector). */
  readonly length: number;

  constructor(selector: string, offset: number, length: number, message: string) {
    super(message);
    this.name = "CalicoSelectorError";
    this.selector = selector;
    this.offset = offset;
    this.column = offset + 1;
    this.length = length;
  }
}
