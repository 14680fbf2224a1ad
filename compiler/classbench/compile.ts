/**
 * @fileoverview Compiles a ClassBench rule set into a bundle: one 5-tuple table and a four-instruction
 * program, the plain ACL workload the engine must run as fast as DPDK's rte_acl.
 *
 * Table key: src_ip4 (lpm), dst_ip4 (lpm), src_port (range), dst_port (range), proto (ternary);
 * priority = line order (first rule wins); rule id = the rule's 1-based position in the file, which is
 * what Song traces expect. A matching rule forwards; no match drops with POLICY_DENIED. The TCP-flags
 * field of db_generator rules is parsed but not matched (see the corpus README: the traces ignore it).
 */

import { BundleBuilder } from "../bundle/bundle-builder.js";
import { MATCH_LPM, MATCH_RANGE, MATCH_TERNARY } from "../../runtime/bytecode/bundle.js";
import type { Bundle } from "../../runtime/bytecode/bundle.js";
import { ACTION_RULE_ID, ACTION_VERDICT, NO_ENTRY } from "../../runtime/bytecode/opcodes.js";
import { F_DST_IP4, F_DST_PORT, F_PROTO, F_SRC_IP4, F_SRC_PORT } from "../../runtime/context.js";
import { REASON_POLICY_DENIED, VERDICT_DROPPED, VERDICT_FORWARDED } from "../../runtime/verdict.js";
import type { ClassBenchRule } from "./parse.js";

/** Compile `rules` (in priority order) into a bundle value. */
export function compileClassBench(rules: readonly ClassBenchRule[], file = "<rules>"): Bundle {
  const b = new BundleBuilder();
  const t = b.table("classbench", [
    { field: F_SRC_IP4, words: 1, kind: MATCH_LPM },
    { field: F_DST_IP4, words: 1, kind: MATCH_LPM },
    { field: F_SRC_PORT, words: 1, kind: MATCH_RANGE },
    { field: F_DST_PORT, words: 1, kind: MATCH_RANGE },
    { field: F_PROTO, words: 1, kind: MATCH_TERNARY },
  ]);
  rules.forEach((r, i) => {
    t.add(
      i,
      [
        { prefix: r.srcAddr, length: r.srcLen },
        { prefix: r.dstAddr, length: r.dstLen },
        { lo: r.srcPortLo, hi: r.srcPortHi },
        { lo: r.dstPortLo, hi: r.dstPortHi },
        { value: r.proto, mask: r.protoMask },
      ],
      VERDICT_FORWARDED,
      i + 1,
    );
    b.origin({
      ruleId: i + 1,
      file,
      line: r.line,
      column: 1,
      kind: "ClassBench",
      name: `rule ${i + 1}`,
      ruleIndex: i,
    });
  });
  const p = b.program;
  const miss = p.label("no_match");
  p.note("classify the 5-tuple; first rule in file order wins");
  p.lookup(3, t.index);
  p.jeq(3, NO_ENTRY, miss);
  p.hit(t.index, 3);
  p.lda(0, 3, t.index, ACTION_VERDICT);
  p.mov(1, 0);
  p.lda(2, 3, t.index, ACTION_RULE_ID);
  p.exit();
  p.bind(miss);
  p.note("no rule matched");
  p.ret(VERDICT_DROPPED, REASON_POLICY_DENIED);
  return b.build();
}
