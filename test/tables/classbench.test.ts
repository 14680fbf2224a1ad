// ClassBench agreement: on the Song filter sets, the classifier (and "auto") must return, for every
// trace header, the rule the trace's last column names (the 1-based first match).

import { describe, expect, it } from "vitest";

import { entryStride } from "../../runtime/bytecode/bundle.js";
import { NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import { createContext } from "../../runtime/context.js";
import { buildClassifier } from "../../runtime/tables/classifier.js";
import type { TableLookup } from "../../runtime/tables/lookup.js";
import { buildTableLookup } from "../../runtime/tables/select.js";
import {
  CLASSBENCH_DIR,
  SONG_SETS,
  TRACE_WORDS,
  classbenchPresent,
  fillContext,
  loadSongSet,
} from "./classbench-fixture.js";

if (!classbenchPresent) {
  console.warn(`ClassBench corpus not found at ${CLASSBENCH_DIR}; skipping the ClassBench agreement tests.`);
}

/** Headers whose answer differs from the trace's expected rule id, as "header: got/want". */
function disagreements(lookup: TableLookup, set: string): string[] {
  const { table, trace } = loadSongSet(set);
  const stride = entryStride(table);
  const ctx = createContext();
  const bad: string[] = [];
  for (let i = 0; i < trace.length / TRACE_WORDS; i++) {
    fillContext(ctx, trace, i);
    const e = lookup.lookup(ctx);
    const rule = e === NO_ENTRY ? 0 : table.entries[e * stride + stride - 2]!;
    if (rule !== trace[i * TRACE_WORDS + 5]) {
      bad.push(`${i}: ${rule}/${trace[i * TRACE_WORDS + 5]}`);
    }
  }
  return bad;
}

describe("ClassBench Song sets", () => {
  for (const set of SONG_SETS) {
    it.skipIf(!classbenchPresent)(`classifier matches every header of ${set}`, () => {
      const { table } = loadSongSet(set);
      expect(disagreements(buildClassifier(table), set)).toEqual([]);
    });

    it.skipIf(!classbenchPresent)(`auto matches every header of ${set}`, () => {
      const { table } = loadSongSet(set);
      const lookup = buildTableLookup(table);
      expect(lookup.algorithm).toBe("classifier");
      expect(disagreements(lookup, set)).toEqual([]);
    });
  }

  it.skipIf(!classbenchPresent)("linear scan matches every header of song_fw1_1K", () => {
    const { table } = loadSongSet("song_fw1_1K");
    expect(disagreements(buildTableLookup(table, { algorithm: "linear" }), "song_fw1_1K")).toEqual([]);
  });
});
