/**
 * @fileoverview The contract every match-action lookup structure implements, and the rule that
 * defines the correct answer.
 *
 * Best entry: among the entries whose every key field matches the context, the one with the smallest
 * priority value; among equal priorities, the lowest entry index. A key field matches when
 *   exact:   ctx words == value words
 *   lpm:     the first `prefixLength` bits of the ctx words (most significant word first) equal the value's
 *   range:   lo <= ctx word <= hi (unsigned)
 *   ternary: (ctx words & mask words) == value words
 * The linear scan (linear-scan.ts) implements this literally and is the oracle for every other
 * structure; it also serves as the "iptables model" baseline in benchmarks.
 */

/** A built lookup structure for one table. */
export interface TableLookup {
  /** Algorithm name, for disasm and benchmark output (e.g. "hash", "lpm", "tuple-merge", "linear"). */
  readonly algorithm: string;
  /** Best entry index for the key read from `ctx`, or NO_ENTRY (0xffffffff). Must not allocate. */
  lookup(ctx: Uint32Array): number;
}
