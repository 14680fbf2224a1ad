/**
 * @fileoverview A minimal ClassBench loader for the table tests and the table benchmark: Song-format
 * filter sets (`@src/len dst/len slo : shi dlo : dhi proto/mask`) become a TableDef, and Song traces
 * become flat header tuples. Not the product's ClassBench front end (that lives in compiler/).
 */

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { MATCH_LPM, MATCH_RANGE, MATCH_TERNARY, type TableDef } from "../../runtime/bytecode/bundle.js";
import { F_DST_IP4, F_DST_PORT, F_PROTO, F_SRC_IP4, F_SRC_PORT } from "../../runtime/context.js";

/** Directory of the shared ClassBench corpus, resolved from the repository root. */
export const CLASSBENCH_DIR = fileURLToPath(new URL("../../../shared/corpus/classbench/", import.meta.url));

/** Whether the corpus is present (it lives outside the repository). */
export const classbenchPresent = existsSync(CLASSBENCH_DIR);

/** Song sets that come with a 1-based first-match trace. */
export const SONG_SETS = ["song_acl1_100", "song_fw1_1K", "song_ipc1_10K"] as const;

/** Words per trace header: src, dst, sport, dport, proto, expected 1-based rule. */
export const TRACE_WORDS = 6;

/** Entry words: priority, 2 lpm (value, len) ×2, 2 ranges ×2, ternary (value, mask), verdict, rule id, flags. */
const STRIDE = 14;

function parseIp(text: string): number {
  const parts = text.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`bad IPv4 address ${text}`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function prefixMask(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}

/** Parses Song-format rules: priority = line index, rule id = 1-based line number. */
export function parseSongRules(text: string): TableDef {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const entries = new Uint32Array(lines.length * STRIDE);
  const rule =
    /^@(\S+)\/(\d+)\s+(\S+)\/(\d+)\s+(\d+)\s*:\s*(\d+)\s+(\d+)\s*:\s*(\d+)\s+0x([0-9a-fA-F]+)\/0x([0-9a-fA-F]+)/;
  lines.forEach((line, i) => {
    const m = rule.exec(line);
    if (m === null) {
      throw new Error(`line ${i + 1}: not a Song ClassBench rule: ${line}`);
    }
    const srcLen = Number(m[2]);
    const dstLen = Number(m[4]);
    const protoMask = parseInt(m[10]!, 16);
    const words = [
      i,
      (parseIp(m[1]!) & prefixMask(srcLen)) >>> 0,
      srcLen,
      (parseIp(m[3]!) & prefixMask(dstLen)) >>> 0,
      dstLen,
      Number(m[5]),
      Number(m[6]),
      Number(m[7]),
      Number(m[8]),
      parseInt(m[9]!, 16) & protoMask,
      protoMask,
      0,
      i + 1,
      0,
    ];
    entries.set(words, i * STRIDE);
  });
  return {
    name: 0,
    flags: 0,
    keys: [
      { field: F_SRC_IP4, words: 1, kind: MATCH_LPM },
      { field: F_DST_IP4, words: 1, kind: MATCH_LPM },
      { field: F_SRC_PORT, words: 1, kind: MATCH_RANGE },
      { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
      { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
    ],
    actionWords: 0,
    entryCount: lines.length,
    entries,
  };
}

/** Parses a Song trace into TRACE_WORDS words per header. */
export function parseSongTrace(text: string): Uint32Array {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const out = new Uint32Array(lines.length * TRACE_WORDS);
  lines.forEach((line, i) => {
    const cols = line.trim().split(/\s+/).map(Number);
    if (cols.length < TRACE_WORDS) {
      throw new Error(`trace line ${i + 1}: expected ${TRACE_WORDS} columns`);
    }
    for (let c = 0; c < TRACE_WORDS; c++) {
      out[i * TRACE_WORDS + c] = cols[c]!;
    }
  });
  return out;
}

/** Loads `name` and `name_trace` from the corpus. */
export function loadSongSet(name: string): { table: TableDef; trace: Uint32Array } {
  const table = parseSongRules(readFileSync(CLASSBENCH_DIR + name, "utf8"));
  const trace = parseSongTrace(readFileSync(CLASSBENCH_DIR + name + "_trace", "utf8"));
  return { table, trace };
}

/** Writes trace header `i` into the context words the fixture's key fields read. */
export function fillContext(ctx: Uint32Array, trace: Uint32Array, i: number): void {
  const b = i * TRACE_WORDS;
  ctx[F_SRC_IP4] = trace[b]!;
  ctx[F_DST_IP4] = trace[b + 1]!;
  ctx[F_SRC_PORT] = trace[b + 2]!;
  ctx[F_DST_PORT] = trace[b + 3]!;
  ctx[F_PROTO] = trace[b + 4]!;
}
