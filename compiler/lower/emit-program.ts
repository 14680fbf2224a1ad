/**
 * @fileoverview The policy program: one fixed pipeline over the tables lowering built.
 *
 *     parse check   a packet the parser refused drops with the parser's reason
 *     ARP           recognised, not policed: forwarded
 *     conntrack     replies and related packets of tracked connections pass without policy;
 *                   new and established forward packets are checked (Cilium re-checks established)
 *     ipcache       source and destination address → identity and subject groups
 *     egress        at the source endpoint, if a policy selects it for egress
 *     ingress       at the destination endpoint, if a policy selects it for ingress
 *     commit        new connections enter conntrack; the packet is forwarded with the deciding rule
 *
 * A policy lookup's best row decides: allow goes on, deny drops with the row's reason (133 default
 * deny, 181 explicit deny); no row means the direction has no applicable rule and no default deny.
 * In audit mode a would-be drop returns AUDIT and the packet goes on. A non-first fragment denied by
 * default is reported as IP_FRAGMENTATION_NOT_SUPPORTED (157), as Cilium does: its ports are unknown.
 *
 * Registers: r6 scratch, r7 src identity, r8 egress group, r9 ct state, r10 dst identity,
 * r11 ingress group, r12 deciding rule id, r13/r14 row fields (r0..r5 are clobbered by calls).
 */

import type { Label, ProgramBuilder } from "../bundle/program-builder.js";
import {
  ACTION_DATA0,
  ACTION_RULE_ID,
  ACTION_VERDICT,
  NO_ENTRY,
  NO_RULE,
  SVC_CT_CREATE,
  SVC_CT_LOOKUP,
} from "../../runtime/bytecode/opcodes.js";
import {
  CT_NEW,
  CT_RELATED,
  CT_REOPENED,
  CT_REPLY,
  F_FLAGS,
  F_META0,
  F_PARSE_REASON,
  PKT_ARP,
  PKT_NONFIRST_FRAGMENT,
} from "../../runtime/context.js";
import {
  REASON_CT_MAP_INSERTION_FAILED,
  REASON_IP_FRAGMENTATION_NOT_SUPPORTED,
  REASON_POLICY_DENIED,
  VERDICT_AUDIT,
  VERDICT_DROPPED,
  VERDICT_FORWARDED,
} from "../../runtime/verdict.js";
import {
  ACT_ALLOW,
  ACT_PASS,
  IPC_EGRESS_GROUP,
  IPC_IDENTITY,
  IPC_INGRESS_GROUP,
  POL_REASON,
} from "./actions.js";

/** Table indexes the program uses; policy tables per direction in tier order. */
export interface ProgramTables {
  readonly ipcacheSrc: number;
  readonly ipcacheDst: number;
  readonly egress: readonly number[];
  readonly ingress: readonly number[];
}

const META_GROUP = F_META0;
const META_PEER = F_META0 + 1;

/**
 * Emit the policy stage for one direction; falls through when allowed. Tier tables run in order: a
 * row's allow ends the stage, deny drops, pass (or no row: the tier does not apply) goes on to the next
 * tier; after the last tier the packet is allowed (Kubernetes pods' namespace profile allows).
 */
function emitDirection(
  p: ProgramBuilder,
  tables: readonly number[],
  direction: string,
  group: number,
  peer: number,
  audit: boolean,
): void {
  const done = p.label(`${direction}_done`);
  p.note(`${direction}: skip unless a policy selects the endpoint for ${direction}`);
  p.jeq(group, 0, done);
  p.stf(META_GROUP, group);
  p.stf(META_PEER, peer);
  tables.forEach((table, k) => {
    const next = p.label(`${direction}_tier${k}_next`);
    p.lookup(6, table);
    p.note(`${direction}: no row means this tier does not apply`);
    p.jeq(6, NO_ENTRY, next);
    p.hit(table, 6);
    p.lda(13, 6, table, ACTION_RULE_ID);
    p.lda(14, 6, table, ACTION_VERDICT);
    const denied = p.label(`${direction}_tier${k}_denied`);
    p.jeq(14, ACT_PASS, next);
    p.jne(14, ACT_ALLOW, denied);
    p.movx(12, 13);
    p.ja(done);
    p.bind(denied);
    p.note(`${direction}: denied; the row carries the drop reason`);
    p.lda(1, 6, table, ACTION_DATA0 + POL_REASON);
    const reasonSet = p.label(`${direction}_tier${k}_reason`);
    p.jne(1, REASON_POLICY_DENIED, reasonSet);
    p.ldf(6, F_FLAGS);
    p.and(6, PKT_NONFIRST_FRAGMENT);
    p.jeq(6, 0, reasonSet);
    p.mov(1, REASON_IP_FRAGMENTATION_NOT_SUPPORTED);
    p.bind(reasonSet);
    p.movx(2, 13);
    if (audit) {
      p.note(`${direction}: audit mode, the drop is only recorded`);
      p.mov(0, VERDICT_AUDIT);
      p.mov(1, 0);
    } else {
      p.mov(0, VERDICT_DROPPED);
    }
    p.exit();
    p.bind(next);
  });
  p.bind(done);
}

/** Emit the program. */
export function emitProgram(p: ProgramBuilder, t: ProgramTables, options: { audit: boolean }): void {
  const parsed = p.label("parsed");
  const forward: Label = p.label("forward_tracked");
  p.note("a packet the parser refused drops with the parser's reason");
  p.ldf(6, F_PARSE_REASON);
  p.jeq(6, 0, parsed);
  p.mov(0, VERDICT_DROPPED);
  p.movx(1, 6);
  p.mov(2, NO_RULE);
  p.exit();
  p.bind(parsed);
  p.ldf(6, F_FLAGS);
  p.note("ARP is recognised, not policed");
  p.jset(6, PKT_ARP, forward);
  p.call(SVC_CT_LOOKUP);
  p.note("replies and related packets of tracked connections pass without policy");
  p.jeq(0, CT_REPLY, forward);
  p.jeq(0, CT_RELATED, forward);
  p.movx(9, 0);
  p.note("source address: identity and egress group");
  p.lookup(6, t.ipcacheSrc);
  p.lda(7, 6, t.ipcacheSrc, ACTION_DATA0 + IPC_IDENTITY);
  p.lda(8, 6, t.ipcacheSrc, ACTION_DATA0 + IPC_EGRESS_GROUP);
  p.note("destination address: identity and ingress group");
  p.lookup(6, t.ipcacheDst);
  p.lda(10, 6, t.ipcacheDst, ACTION_DATA0 + IPC_IDENTITY);
  p.lda(11, 6, t.ipcacheDst, ACTION_DATA0 + IPC_INGRESS_GROUP);
  p.mov(12, NO_RULE);
  emitDirection(p, t.egress, "egress", 8, 10, options.audit);
  emitDirection(p, t.ingress, "ingress", 11, 7, options.audit);
  const commit = p.label("commit");
  const out = p.label("out");
  p.note("new (or reopened) connections enter conntrack");
  p.jeq(9, CT_NEW, commit);
  p.jne(9, CT_REOPENED, out);
  p.bind(commit);
  p.mov(1, VERDICT_FORWARDED);
  p.call(SVC_CT_CREATE);
  p.jeq(0, 0, out);
  p.mov(1, REASON_CT_MAP_INSERTION_FAILED);
  p.mov(0, VERDICT_DROPPED);
  p.movx(2, 12);
  p.exit();
  p.bind(out);
  p.mov(0, VERDICT_FORWARDED);
  p.mov(1, 0);
  p.movx(2, 12);
  p.exit();
  p.bind(forward);
  p.ret(VERDICT_FORWARDED);
}
