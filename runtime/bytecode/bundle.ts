/**
 * @fileoverview The bundle: the in-memory model of a compiled policy file, and its binary layout.
 *
 * A bundle file is little-endian throughout:
 *
 *     offset  size  field
 *     0       4     magic "SLUC" (bytes 53 4c 55 43)
 *     4       2     format major version (FORMAT_MAJOR; a reader rejects any other major)
 *     6       2     format minor version (a reader accepts minors <= its own)
 *     8       4     flags (BUNDLE_FLAG_*; unknown bits are rejected)
 *     12      4     total length in bytes
 *     16      4     CRC-32 (IEEE) of bytes [20, total length)
 *     20      4     section count n
 *     24      12*n  section table: kind u32, offset u32, length u32
 *     ...           sections, in ascending kind order, each once, contiguous, 4-byte aligned, no gaps
 *
 * The layout is canonical: for a given `Bundle` value there is exactly one byte string, and the
 * decoder rejects every other (gaps, padding that is not zero, sections out of order). That is what
 * lets the text form promise `asm(disasm(b))` equals `b` byte for byte.
 *
 * Section bodies (all words u32 unless noted):
 *
 *     STRINGS     count, offsets[count+1] (byte offsets into the data, offsets[0] = 0), UTF-8 data,
 *                 zero padding to 4 bytes
 *     SOURCE_MAP  count, record words (SOURCE_MAP_RECORD_WORDS), then count records:
 *                 rule id, file, line, column, kind, namespace, name, rule index, tier, label
 *                 (strings are string indexes; NO_STRING = none; line/column are 1-based, 0 = unknown)
 *     TABLES      count, then each table: name, flags, key count (u16) | action words (u16) << 16,
 *                 entry count, key specs (field u16 | words u8 << 16 | kind u8 << 24), entries
 *                 (entry stride words each: priority, key data, verdict, rule id, flags, data...)
 *     PROGRAM     instruction count, counter count, counter names[counter count] (string indexes),
 *                 instructions (2 words each, see opcodes.ts)
 *     ANNOTATIONS count, then (pc, string) pairs sorted by pc: comments the compiler attached to
 *                 instructions, printed by `sluice disasm`
 *     IDENTITIES, L7_RULES, METADATA: reserved kinds; their bodies are defined by later format minors
 *                 and are carried as raw bytes (length a multiple of 4) until then.
 */

/** "SLUC" read as a little-endian u32. */
export const BUNDLE_MAGIC = 0x43554c53;
/** Format major version this runtime reads and writes. */
export const FORMAT_MAJOR = 1;
/** Format minor version this runtime writes (and the highest it reads). */
export const FORMAT_MINOR = 0;
/** Bytes before the section table. */
export const HEADER_BYTES = 24;
/** Bytes per section table row. */
export const SECTION_ROW_BYTES = 12;

/** Flag: the bundle was compiled in policy audit mode (would-be drops become AUDIT). */
export const BUNDLE_FLAG_AUDIT = 1 << 0;
/** All flag bits this version defines. */
export const BUNDLE_FLAGS_KNOWN = BUNDLE_FLAG_AUDIT;

/** Section kind: string pool. Required. */
export const SEC_STRINGS = 1;
/** Section kind: rule id → policy source. */
export const SEC_SOURCE_MAP = 2;
/** Section kind: match-action tables. Required. */
export const SEC_TABLES = 3;
/** Section kind: the program. Required. */
export const SEC_PROGRAM = 4;
/** Section kind: identities (reserved; raw bytes in format 1.0). */
export const SEC_IDENTITIES = 5;
/** Section kind: L7 rule sets (reserved; raw bytes in format 1.0). */
export const SEC_L7_RULES = 6;
/** Section kind: instruction annotations. */
export const SEC_ANNOTATIONS = 7;
/** Section kind: free-form metadata (reserved; raw bytes in format 1.0). */
export const SEC_METADATA = 8;
/** Highest section kind format 1.0 knows. */
export const SEC_MAX = 8;

/** Section names for diagnostics and the text form. */
export const SECTION_NAMES: Readonly<Record<number, string>> = {
  [SEC_STRINGS]: "strings",
  [SEC_SOURCE_MAP]: "source_map",
  [SEC_TABLES]: "tables",
  [SEC_PROGRAM]: "program",
  [SEC_IDENTITIES]: "identities",
  [SEC_L7_RULES]: "l7_rules",
  [SEC_ANNOTATIONS]: "annotations",
  [SEC_METADATA]: "metadata",
};

/** Kinds kept as raw bytes in this format version. */
export const RAW_SECTION_KINDS: readonly number[] = [SEC_IDENTITIES, SEC_L7_RULES, SEC_METADATA];

/** String index meaning "no string". */
export const NO_STRING = 0xffffffff;

/** Exact match: key word(s) equal the value. */
export const MATCH_EXACT = 0;
/** Longest-prefix match over the field's bits; the entry stores value words then the prefix length. */
export const MATCH_LPM = 1;
/** Inclusive range lo..hi; one-word fields only. The entry stores lo then hi. */
export const MATCH_RANGE = 2;
/** Ternary: (field & mask) == value; the entry stores value words then mask words. */
export const MATCH_TERNARY = 3;

/** Names of the match kinds, by number. */
export const MATCH_KIND_NAMES: readonly string[] = ["exact", "lpm", "range", "ternary"];

/** Words per source-map record in format 1.0. */
export const SOURCE_MAP_RECORD_WORDS = 10;

// Limits. Each says why it exists; the verifier enforces them so a hostile bundle cannot make the
// loader allocate without bound.
/** Largest bundle accepted: 256 MiB (a 100,000-entry policy set is a few MiB). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024;
/** Jump offsets are int16, and forward-only jumps reach at most 32767 ahead; 65536 keeps pcs in a u16. */
export const MAX_INSTRUCTIONS = 65536;
/** Tables a program may reference. */
export const MAX_TABLES = 65536;
/** Key fields per table: the classifier's tuple key is at most this many fields. */
export const MAX_KEY_FIELDS = 8;
/** Action data words per entry (beyond verdict, rule id, flags). */
export const MAX_ACTION_WORDS = 16;
/** Entries in one table (4 Mi): bounds the lookup structure the loader builds. */
export const MAX_TABLE_ENTRIES = 1 << 22;
/** Counters a program may declare. */
export const MAX_COUNTERS = 65536;
/** Strings in the pool. */
export const MAX_STRINGS = 1 << 22;

/** How one key field of a table is matched. */
export interface KeyField {
  /** Context field id (see context.ts). */
  readonly field: number;
  /** Width in words: 1, or 4 for 128-bit addresses. */
  readonly words: number;
  /** MATCH_EXACT, MATCH_LPM, MATCH_RANGE or MATCH_TERNARY. */
  readonly kind: number;
}

/** A match-action table. Entries are packed in one typed array, `entryStride(table)` words each. */
export interface TableDef {
  /** String index of the table's name. */
  readonly name: number;
  /** Table flags (reserved, 0). */
  readonly flags: number;
  /** Key fields in key order. */
  readonly keys: readonly KeyField[];
  /** Action data words per entry. */
  readonly actionWords: number;
  /** Number of entries. */
  readonly entryCount: number;
  /** entryCount * entryStride words: priority, key data, verdict, rule id, flags, data... */
  readonly entries: Uint32Array;
}

/** One rule's origin. */
export interface SourceMapEntry {
  /** Rule id as table actions and RETX carry it. */
  readonly ruleId: number;
  /** String index of the policy file path. */
  readonly file: number;
  /** 1-based line, 0 if unknown. */
  readonly line: number;
  /** 1-based column, 0 if unknown. */
  readonly column: number;
  /** String index of the policy kind (CiliumNetworkPolicy, ...). */
  readonly kind: number;
  /** String index of the namespace, or NO_STRING. */
  readonly namespace: number;
  /** String index of the policy name. */
  readonly name: number;
  /** Rule index inside the policy (0-based), or 0xffffffff. */
  readonly ruleIndex: number;
  /** String index of the tier, or NO_STRING. */
  readonly tier: number;
  /** String index of a free-form label (e.g. "ingress[0] allow"), or NO_STRING. */
  readonly label: number;
}

/** A comment attached to an instruction. */
export interface Annotation {
  /** Instruction index. */
  readonly pc: number;
  /** String index of the comment. */
  readonly text: number;
}

/** The program section. */
export interface ProgramDef {
  /** 2 words per instruction. */
  readonly insns: Uint32Array;
  /** String indexes of the counter names; the counter count is their number. */
  readonly counterNames: readonly number[];
}

/** A decoded (or to-be-encoded) bundle. */
export interface Bundle {
  /** Format minor version (the major is always FORMAT_MAJOR). */
  readonly minor: number;
  /** BUNDLE_FLAG_* bits. */
  readonly flags: number;
  /** String pool. */
  readonly strings: readonly string[];
  /** Source map records, or empty. */
  readonly sourceMap: readonly SourceMapEntry[];
  /** Match-action tables. */
  readonly tables: readonly TableDef[];
  /** The program. */
  readonly program: ProgramDef;
  /** Instruction annotations, sorted by pc. */
  readonly annotations: readonly Annotation[];
  /** Raw bodies of reserved sections, by kind. */
  readonly rawSections: ReadonlyMap<number, Uint8Array>;
}

/** Words of match data one key field takes in an entry. */
export function keyDataWords(key: KeyField): number {
  switch (key.kind) {
    case MATCH_EXACT:
      return key.words;
    case MATCH_LPM:
      return key.words + 1;
    case MATCH_RANGE:
      return 2;
    default:
      return 2 * key.words; // MATCH_TERNARY
  }
}

/** Words per entry of `table`: priority, key data, verdict, rule id, flags, action data. */
export function entryStride(table: Pick<TableDef, "keys" | "actionWords">): number {
  let n = 1;
  for (const k of table.keys) {
    n += keyDataWords(k);
  }
  return n + 3 + table.actionWords;
}

/** Offset, within an entry, of key field `i`'s data. */
export function keyDataOffset(table: Pick<TableDef, "keys">, i: number): number {
  let n = 1;
  for (let k = 0; k < i; k++) {
    n += keyDataWords(table.keys[k]!);
  }
  return n;
}

/** Offset, within an entry, of the action (its verdict word). */
export function actionOffset(table: Pick<TableDef, "keys">): number {
  return keyDataOffset(table, table.keys.length);
}
