/**
 * @fileoverview Longest-prefix-match tables: a leaf-pushed multibit trie (16-8-8-... bit strides) in
 * one Int32Array, with short lists in place of sparse subtrees.
 *
 * It serves tables with exactly one MATCH_LPM key field (IPv4 or IPv6) and any number of MATCH_EXACT
 * fields — the ipcache shape. The exact words are put in front of the prefix words, so the whole key
 * is one prefix of 32 * exactWords + prefixLength bits and one trie serves every exact value. A trie
 * answers "the longest matching prefix"; that is the best entry only when, for every two nested
 * prefixes, the longer one has the better (priority, index) — e.g. priority = maxBits - length.
 * The builder checks exactly that (it suffices to compare each prefix with its nearest enclosing
 * one, as the order is transitive) and refuses otherwise, so the selector can fall back to the
 * classifier. Identical prefixes keep their best entry.
 *
 * Why this shape: DIR-24-8 answers IPv4 in at most two reads but costs 64 MiB and does not extend to
 * IPv6; a 16-bit first level (8 bits for small tables, so a tiny table does not pay 256 KiB) then
 * 8-bit levels answer IPv4 in at most three reads and IPv6 in at most fifteen, from L2-sized arrays.
 * Prefixes are expanded into the slots of the level they end in (controlled prefix expansion) and
 * each slot inherits the best shorter prefix (leaf pushing), so a walk needs no backtracking. A
 * subtree holding at most LIST_PREFIXES prefixes becomes a list of masked compares instead of a chain
 * of 256-slot nodes, which is what keeps sparse IPv6 /128 host routes from costing kilobytes each.
 *
 * Layout of `trie` (all int32). A reference v is
 *   v <= 0           a result: entry index ~v (v = 0 means NO_ENTRY, as ~0 >>> 0 = 0xffffffff);
 *   v > 0, v even    a trie node at offset v >>> 1: 2^stride(level) references, indexed by the
 *                    level's key bits (`levelCtx`, `levelShift`, `levelMask` per level);
 *   v > 0, v odd     a list at offset v >>> 1: default reference, item count, then per item
 *                    entry, check count, checks of three words (context word, mask, value), best
 *                    item first; the first item whose every `(ctx & mask) == value` holds is the
 *                    answer, else the default.
 * `root` is the reference to start from; a walk descends one trie level per node it reads.
 *
 * IPv4-mapped shortcut (interpreter only; the trie is unchanged, so the WebAssembly port walks the
 * same array): IPv4 keys of a 128-bit address field are ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), so the
 * 11 or 12 levels that read words 0..2 read the same slots every time. `setIpv4Shortcut` walks them once;
 * a lookup whose words 0..2 are 0, 0, 0xffff resumes there (`v4Ref`, `v4Level`): 4 reads, not 15 or 16.
 */

import { MATCH_EXACT, MATCH_LPM, entryStride, keyDataOffset, type TableDef } from "../bytecode/bundle.js";
import type { TableLookup } from "./lookup.js";
import { Int32Buffer } from "./int32-buffer.js";
import { rankOrder } from "./order.js";

/** Subtrees with at most this many prefixes become lists: fewer compares than it saves in memory. */
const LIST_PREFIXES = 4;
/** Distinct prefixes from which the first level takes 16 bits (256 KiB) instead of 8 (1 KiB). */
const WIDE_ROOT_PREFIXES = 1024;
/**
 * Trie size limit: 16 MiB plus 256 bytes per prefix (a 900K-prefix IPv4 table needs about a third
 * of that). Nested prefixes at every 8 bits of a 128-bit key can make a trie node per level; the
 * limit turns such a set into a build error (the selector then uses the classifier) instead of an
 * unbounded allocation.
 */
const MAX_TRIE_WORDS = 1 << 22;
const TRIE_WORDS_PER_PREFIX = 64;

/** A distinct prefix of the concatenated key: its words, length in bits, best entry and rank. */
interface Prefix {
  readonly words: Uint32Array;
  readonly bits: number;
  readonly entry: number;
  readonly rank: number;
}

/** Result reference for `entry` (NO_ENTRY encodes as 0). */
function resultRef(entry: number): number {
  return entry === 0xffffffff ? 0 : ~entry;
}

/** Mask of bits [from, to) of word `w` of a key, bit 0 being the most significant bit of word 0. */
function wordBits(w: number, from: number, to: number): number {
  const a = Math.max(from, 32 * w) - 32 * w;
  const b = Math.min(to, 32 * w + 32) - 32 * w;
  if (b <= a) {
    return 0;
  }
  const len = b - a;
  return len === 32 ? -1 : ((((1 << len) - 1) | 0) << (32 - b)) | 0;
}

/** Why `table` cannot use the LPM trie, or null when it can (shape only, not priorities). */
function shapeProblem(table: TableDef): string | null {
  const lpm = table.keys.filter((k) => k.kind === MATCH_LPM).length;
  if (lpm !== 1) {
    return `lpm: needs exactly one lpm key field, table has ${lpm}`;
  }
  if (!table.keys.every((k) => k.kind === MATCH_LPM || k.kind === MATCH_EXACT)) {
    return "lpm: key fields other than the lpm field must be exact";
  }
  return null;
}

/** Builds the trie, or returns why it cannot represent `table` (shape, priorities or size). */
export function tryBuildLpm(table: TableDef): Lpm | string {
  const problem = shapeProblem(table);
  if (problem !== null) {
    return problem;
  }
  // Context words of the concatenated key: exact fields first, then the lpm field.
  const ordered = [...table.keys.keys()].sort(
    (a, b) => Number(table.keys[a]!.kind === MATCH_LPM) - Number(table.keys[b]!.kind === MATCH_LPM),
  );
  const keyCtx: number[] = [];
  for (const k of ordered) {
    for (let j = 0; j < table.keys[k]!.words; j++) {
      keyCtx.push(table.keys[k]!.field + j);
    }
  }
  const prefixes = distinctPrefixes(table, ordered, keyCtx.length);
  const nesting = nestingProblem(prefixes);
  if (nesting !== null) {
    return nesting;
  }
  return new LpmBuilder(keyCtx, prefixes.length).build(prefixes);
}

/** Builds the trie for `table`; throws a plain Error when it cannot represent the table. */
export function buildLpm(table: TableDef): Lpm {
  const lpm = tryBuildLpm(table);
  if (typeof lpm === "string") {
    throw new Error(lpm);
  }
  return lpm;
}

/** The entries as distinct prefixes of the concatenated key, each with its best entry. */
function distinctPrefixes(table: TableDef, ordered: readonly number[], keyWords: number): Prefix[] {
  const stride = entryStride(table);
  const entries = table.entries;
  const order = rankOrder(table);
  const byKey = new Map<string, Prefix>();
  // In rank order, the first entry seen for a prefix is its best.
  for (let rank = 0; rank < order.length; rank++) {
    const entry = order[rank]!;
    const words = new Uint32Array(keyWords);
    let at = 0;
    let bits = 0;
    for (const k of ordered) {
      const key = table.keys[k]!;
      const d = entry * stride + keyDataOffset(table, k);
      for (let j = 0; j < key.words; j++) {
        words[at++] = entries[d + j]!;
      }
      bits += key.kind === MATCH_LPM ? entries[d + key.words]! : 32 * key.words;
    }
    const id = `${words.join(",")}/${bits}`;
    if (!byKey.has(id)) {
      byKey.set(id, { words, bits, entry, rank });
    }
  }
  return [...byKey.values()];
}

/** Why the priorities contradict "longest prefix wins", or null. Sorts `prefixes` in place. */
function nestingProblem(prefixes: Prefix[]): string | null {
  // Sorted by value then length, every prefix follows its enclosing prefixes (their values are its
  // value with low bits cleared), so a stack of open prefixes yields each one's nearest enclosing.
  prefixes.sort((a, b) => {
    for (let j = 0; j < a.words.length; j++) {
      if (a.words[j] !== b.words[j]) {
        return a.words[j]! - b.words[j]!;
      }
    }
    return a.bits - b.bits;
  });
  const open: Prefix[] = [];
  for (const p of prefixes) {
    while (open.length > 0 && !encloses(open[open.length - 1]!, p)) {
      open.pop();
    }
    const parent = open[open.length - 1];
    if (parent !== undefined && parent.rank < p.rank) {
      return `lpm: entry ${parent.entry} (/${parent.bits} of the key) outranks the longer prefix of entry ${p.entry}`;
    }
    open.push(p);
  }
  return null;
}

/** Whether prefix `outer` contains prefix `inner`. */
function encloses(outer: Prefix, inner: Prefix): boolean {
  if (outer.bits > inner.bits) {
    return false;
  }
  for (let w = 0; 32 * w < outer.bits; w++) {
    const mask = wordBits(w, 0, outer.bits);
    if (((outer.words[w]! ^ inner.words[w]!) & mask) !== 0) {
      return false;
    }
  }
  return true;
}

class LpmBuilder {
  private readonly trie = new Int32Buffer();
  private readonly strides: number[] = [];
  private readonly starts: number[] = [];
  private readonly limit: number;

  private readonly keyCtx: readonly number[];

  constructor(keyCtx: readonly number[], prefixCount: number) {
    this.keyCtx = keyCtx;
    const totalBits = 32 * keyCtx.length;
    let bit = 0;
    while (bit < totalBits) {
      const s = bit === 0 && prefixCount >= WIDE_ROOT_PREFIXES ? 16 : 8;
      this.starts.push(bit);
      this.strides.push(s);
      bit += s;
    }
    this.limit = MAX_TRIE_WORDS + TRIE_WORDS_PER_PREFIX * prefixCount;
  }

  build(prefixes: readonly Prefix[]): Lpm | string {
    this.trie.push(0); // offset 0 is never a node, so no reference is 0 except NO_ENTRY
    const root = this.subtree(prefixes, 0, resultRef(0xffffffff));
    if (root === null) {
      return `lpm: trie would exceed ${this.limit} words`;
    }
    const levels = this.strides.length;
    const levelCtx = new Int32Array(levels);
    const levelShift = new Int32Array(levels);
    const levelMask = new Int32Array(levels);
    for (let l = 0; l < levels; l++) {
      const start = this.starts[l]!;
      levelCtx[l] = this.keyCtx[start >>> 5]!;
      levelShift[l] = 32 - (start & 31) - this.strides[l]!;
      levelMask[l] = (1 << this.strides[l]!) - 1;
    }
    const trie = this.trie.toArray();
    const lpm = new Lpm(trie, root, levelCtx, levelShift, levelMask);
    // Only a key that is exactly one 4-word address (no exact words in front) has the IPv4 shortcut.
    if (this.keyCtx.length === 4) {
      lpm.setIpv4Shortcut(this.keyCtx[0]!);
    }
    return lpm;
  }

  /** Reference for the subtree at `level` holding `prefixes` (all longer than its start bit). */
  private subtree(prefixes: readonly Prefix[], level: number, inherited: number): number | null {
    if (prefixes.length === 0) {
      return inherited;
    }
    if (prefixes.length <= LIST_PREFIXES) {
      return this.list(prefixes, this.starts[level]!, inherited);
    }
    const start = this.starts[level]!;
    const stride = this.strides[level]!;
    const end = start + stride;
    if (this.trie.length + (1 << stride) > this.limit) {
      return null;
    }
    const base = this.trie.reserve(1 << stride);
    for (let i = 0; i < 1 << stride; i++) {
      this.trie.set(base + i, inherited);
    }
    const slotOf = (p: Prefix): number =>
      (p.words[start >>> 5]! >>> (32 - (start & 31) - stride)) & ((1 << stride) - 1);
    // Prefixes ending in this level cover a run of slots; longer ones are written last and win.
    const ending = prefixes.filter((p) => p.bits <= end).sort((a, b) => a.bits - b.bits);
    for (const p of ending) {
      const first = slotOf(p);
      const count = 1 << (end - p.bits);
      for (let i = first; i < first + count; i++) {
        this.trie.set(base + i, resultRef(p.entry));
      }
    }
    const deeper = new Map<number, Prefix[]>();
    for (const p of prefixes) {
      if (p.bits > end) {
        const slot = slotOf(p);
        const group = deeper.get(slot);
        if (group === undefined) {
          deeper.set(slot, [p]);
        } else {
          group.push(p);
        }
      }
    }
    for (const [slot, group] of deeper) {
      const child = this.subtree(group, level + 1, this.trie.get(base + slot));
      if (child === null) {
        return null;
      }
      this.trie.set(base + slot, child);
    }
    return base << 1;
  }

  /** A list node for `prefixes` (best first), checking key bits from `start` on. */
  private list(prefixes: readonly Prefix[], start: number, inherited: number): number {
    const trie = this.trie;
    const at = trie.push(inherited);
    trie.push(prefixes.length);
    for (const p of [...prefixes].sort((a, b) => a.rank - b.rank)) {
      trie.push(p.entry);
      const countAt = trie.push(0);
      for (let w = start >>> 5; 32 * w < p.bits; w++) {
        const mask = wordBits(w, start, p.bits);
        if (mask !== 0) {
          trie.push(this.keyCtx[w]!);
          trie.push(mask);
          trie.push(p.words[w]! & mask);
          trie.set(countAt, trie.get(countAt) + 1);
        }
      }
    }
    return (at << 1) | 1;
  }
}

/** A built LPM trie; its public fields are the whole structure (layout in the file overview). */
export class Lpm implements TableLookup {
  readonly algorithm = "lpm";

  /** Trie nodes and lists. */
  readonly trie: Int32Array;
  /** Reference to start the walk from. */
  readonly root: number;
  /** Per level: context word holding the level's key bits. */
  readonly levelCtx: Int32Array;
  /** Per level: right shift that brings the level's bits to the bottom. */
  readonly levelShift: Int32Array;
  /** Per level: 2^stride - 1. */
  readonly levelMask: Int32Array;
  /** First context word of the IPv4-mapped address key, or -1 when there is no shortcut. */
  v4Field = -1;
  /** Reference the walk of every IPv4-mapped key reaches after the levels that read words 0..2. */
  v4Ref = 0;
  /** Level the walk resumes at from `v4Ref`. */
  v4Level = 0;

  constructor(
    trie: Int32Array,
    root: number,
    levelCtx: Int32Array,
    levelShift: Int32Array,
    levelMask: Int32Array,
  ) {
    this.trie = trie;
    this.root = root;
    this.levelCtx = levelCtx;
    this.levelShift = levelShift;
    this.levelMask = levelMask;
  }

  /**
   * Precompute the walk through the levels that read the constant words 0, 0, 0xffff of an IPv4-mapped
   * key whose address starts at context word `field` (see the file overview).
   */
  setIpv4Shortcut(field: number): void {
    const { trie, levelCtx, levelShift, levelMask } = this;
    const mapped = [0, 0, 0xffff];
    let v = this.root;
    let level = 0;
    while (v > 0 && (v & 1) === 0 && level < levelCtx.length) {
      const w = levelCtx[level]! - field;
      if (w < 0 || w > 2) {
        break;
      }
      v = trie[(v >>> 1) + ((mapped[w]! >>> levelShift[level]!) & levelMask[level]!)]!;
      level++;
    }
    if (level > 0) {
      this.v4Field = field;
      this.v4Ref = v;
      this.v4Level = level;
    }
  }

  lookup(ctx: Uint32Array): number {
    const { trie, levelCtx, levelShift, levelMask } = this;
    let v = this.root;
    let level = 0;
    const f = this.v4Field;
    if (f >= 0 && ctx[f] === 0 && ctx[f + 1] === 0 && ctx[f + 2] === 0xffff) {
      v = this.v4Ref;
      level = this.v4Level;
    }
    while (v > 0) {
      const base = v >>> 1;
      if ((v & 1) === 0) {
        v = trie[base + ((ctx[levelCtx[level]!]! >>> levelShift[level]!) & levelMask[level]!)]!;
        level++;
        continue;
      }
      const count = trie[base + 1]!;
      let p = base + 2;
      for (let i = 0; i < count; i++) {
        const end = p + 2 + 3 * trie[p + 1]!;
        let q = p + 2;
        while (q < end && ((ctx[trie[q]!]! ^ trie[q + 2]!) & trie[q + 1]!) === 0) {
          q += 3;
        }
        if (q === end) {
          return trie[p]!;
        }
        p = end;
      }
      v = trie[base]!;
      break;
    }
    return ~v >>> 0;
  }
}
