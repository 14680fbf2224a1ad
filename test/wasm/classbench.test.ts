// The ClassBench Song sets through both backends: every header of each trace (a sample of it for the
// linear scan over 10K rules) gets the same rule on the wasm backend as in the interpreter and as the
// trace says, with equal hit counts. Skipped, with a notice, when the corpus is absent.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileClassBench } from "../../compiler/classbench/compile.js";
import { parseRules, parseTrace } from "../../compiler/classbench/parse.js";
import { encodeBundle } from "../../runtime/bytecode/encode.js";
import { NO_RULE } from "../../runtime/bytecode/opcodes.js";
import {
  F_DST_IP4,
  F_DST_PORT,
  F_PROTO,
  F_SRC_IP4,
  F_SRC_PORT,
  createContext,
} from "../../runtime/context.js";
import { loadProgram } from "../../runtime/program.js";
import { loadWasmProgram } from "../../runtime/wasm/index.js";
import { corpusPath, haveCorpus } from "../helpers/corpus.js";
import { runInterp, runWasm } from "./helpers.js";

const present = haveCorpus("classbench");
const SETS = ["song_acl1_100", "song_fw1_1K", "song_ipc1_10K"] as const;

describe.skipIf(!present)("ClassBench Song sets on both backends", () => {
  for (const name of SETS) {
    for (const algorithm of ["auto", "linear"] as const) {
      it(`${name}, ${algorithm}`, async () => {
        const path = corpusPath(`classbench/${name}`);
        const rules = parseRules(readFileSync(path, "utf8"), path);
        const trace = parseTrace(readFileSync(`${path}_trace`, "utf8"), `${path}_trace`);
        // The interpreter's linear scan over 9K rules runs at ~0.04 Mpps: sample that trace.
        const step = algorithm === "linear" && rules.length > 5000 ? 10 : 1;
        const headers = trace.filter((_, i) => i % step === 0);
        const contexts = headers.map((h) => {
          const c = createContext();
          c[F_SRC_IP4] = h.src;
          c[F_DST_IP4] = h.dst;
          c[F_SRC_PORT] = h.sport;
          c[F_DST_PORT] = h.dport;
          c[F_PROTO] = h.proto;
          return c;
        });
        const bytes = encodeBundle(compileClassBench(rules, path));
        const wasm = await loadWasmProgram(loadProgram(bytes, { tableAlgorithm: algorithm }));
        const got = runWasm(wasm, contexts);
        expect(got.results.map((r) => r[2])).toEqual(
          headers.map((h) => (h.expected <= 0 ? NO_RULE : h.expected)),
        );
        expect(got).toEqual(runInterp(loadProgram(bytes, { tableAlgorithm: algorithm }), contexts));
      });
    }
  }
});
