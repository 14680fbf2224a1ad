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
 * Redirect rows (L7 rules, Cilium's proxy_port) allow like allow rows and remember the direction and
 * the row's L7 rule set (r15 bit, META_L7_SET_<dir>); a later allow in the other direction does not
 * replace the redirect row as the deciding rule. After the conntrack commit (which remembers
 * REDIRECTED) a redirected packet calls L7_INSPECT once per redirecting direction, egress first, with
 * r1 = the rule set index:
 *     r0 == 0   no per-packet decision: the packet returns REDIRECTED (reason 0) with the redirect
 *               row's rule id. The runtime answers 0 until the L7 datapath exists, so today every
 *               redirected packet is REDIRECTED.
 *     r0 != 0   verdict | reason << 8 to return (same rule id). The L7 datapath (runtime/l7/datapath)
 *               reassembles the stream, and for a packet completing a request (HTTP request, Kafka
 *               request, DNS query) evaluates it against the set: FORWARDED when a rule matches,
 *               DROPPED when none does (reason 0: the proxy answers HTTP 403, DNS REFUSED or a Kafka
 *               error, and Hubble records those as L7 flows), DROPPED with an L7 reason when the
 *               stream cannot be inspected (malformed, limits).
 * With toFQDNs peers the program asks the runtime's FQDN cache (SVC_IPCACHE_LOOKUP, r1 = 1: the
 * destination) after the ipcache: an address learned from a DNS answer takes its FQDN identity.
 * Audit mode is unaffected: redirects are allows; a would-be drop in the other direction returns AUDIT.
 *
 * Registers: r6 scratch, r7 src identity, r8 egress group, r9 ct state, r10 dst identity,
 * r11 ingress group, r12 deciding rule id, r13/r14 row fields, r15 redirect bits (1 egress, 2 ingress)
 * (r0..r5 are clobbered by calls). The deciding row is also stored in META_DECIDING_TABLE/ENTRY
 * (runtime/l7/meta-words.ts) whenever r12 or a drop takes its rule id, for flow attribution.
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
  SVC_IPCACHE_LOOKUP,
  SVC_L7_INSPECT,
  SVC_LOG,
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
  VERDICT_REDIRECTED,
} from "../../runtime/verdict.js";
import {
  META_DECIDING_ENTRY,
  META_DECIDING_TABLE,
  META_L7_SET_EGRESS,
  META_L7_SET_INGRESS,
} from "../../runtime/l7/meta-words.js";
import {
  ACT_ALLOW,
  ACT_LOG,
  ACT_PASS,
  ACT_REDIRECT,
  IPC_EGRESS_GROUP,
  IPC_IDENTITY,
  IPC_INGRESS_GROUP,
  POL_L7_SET,
  POL_REASON,
} from "./actions.js";

/** Table indexes the program uses; policy tables per direction in tier order. */
export interface ProgramTables {
  readonly ipcacheSrc: number;
  readonly ipcacheDst: number;
  readonly egress: readonly number[];
  readonly ingress: readonly number[];
  /** Calico Log tables per tier (undefined where the tier has no Log rule), parallel to egress/ingress. */
  readonly egressLog?: readonly (number | undefined)[];
  readonly ingressLog?: readonly (number | undefined)[];
}

const META_GROUP = F_META0;
const META_PEER = F_META0 + 1;
/** SVC_IPCACHE_LOOKUP argument: look up the destination address. */
const IPCACHE_DESTINATION = 1;
/** Register holding the redirect bits. */
const R_REDIRECT = 15;
/** r15 bit: egress redirected. */
const REDIRECT_EGRESS = 1;
/** r15 bit: ingress redirected. */
const REDIRECT_INGRESS = 2;

/** Record row r6 of `table` as the deciding row (clobbers r1). */
function markDeciding(p: ProgramBuilder, table: number): void {
  p.mov(1, table);
  p.stf(META_DECIDING_TABLE, 1);
  p.stf(META_DECIDING_ENTRY, 6);
}

/**
 * Emit the policy stage for one direction; falls through when allowed. Tier tables run in order: a
 * row's allow ends the stage, deny drops, pass (or no row: the tier does not apply) goes on to the next
 * tier; after the last tier the packet is allowed (Kubernetes pods' namespace profile allows).
 */
function emitDirection(
  p: ProgramBuilder,
  tables: readonly number[],
  logTables: readonly (number | undefined)[],
  direction: string,
  group: number,
  peer: number,
  audit: boolean,
  redirectMeta: { readonly bit: number; readonly meta: number },
): void {
  const done = p.label(`${direction}_done`);
  p.note(`${direction}: skip unless a policy selects the endpoint for ${direction}`);
  p.jeq(group, 0, done);
  p.stf(META_GROUP, group);
  p.stf(META_PEER, peer);
  tables.forEach((table, k) => {
    const next = p.label(`${direction}_tier${k}_next`);
    const log = logTables[k];
    if (log !== undefined) {
      // The log table holds the tier's rows and its Log rows at their first-match priorities: a Log
      // row as the best row is a Log rule reached before any rule decided (Calico: log and continue).
      const logged = p.label(`${direction}_tier${k}_logged`);
      p.note(`${direction}: a Calico Log rule reached before the tier decides logs the packet`);
      p.lookup(6, log);
      p.jeq(6, NO_ENTRY, logged);
      p.lda(14, 6, log, ACTION_VERDICT);
      p.jne(14, ACT_LOG, logged);
      p.lda(1, 6, log, ACTION_RULE_ID);
      p.call(SVC_LOG);
      p.bind(logged);
    }
    p.lookup(6, table);
    p.note(`${direction}: no row means this tier does not apply`);
    p.jeq(6, NO_ENTRY, next);
    p.hit(table, 6);
    p.lda(13, 6, table, ACTION_RULE_ID);
    p.lda(14, 6, table, ACTION_VERDICT);
    const denied = p.label(`${direction}_tier${k}_denied`);
    const redirect = p.label(`${direction}_tier${k}_redirect`);
    p.jeq(14, ACT_PASS, next);
    p.jeq(14, ACT_REDIRECT, redirect);
    p.jne(14, ACT_ALLOW, denied);
    p.note(`${direction}: allowed; a redirect of the other direction stays the deciding row`);
    p.jne(R_REDIRECT, 0, done);
    p.movx(12, 13);
    markDeciding(p, table);
    p.ja(done);
    p.bind(redirect);
    p.note(`${direction}: allowed and redirected to the L7 proxy; remember the rule set`);
    p.lda(1, 6, table, ACTION_DATA0 + POL_L7_SET);
    p.stf(redirectMeta.meta, 1);
    p.add(R_REDIRECT, redirectMeta.bit);
    p.movx(12, 13);
    markDeciding(p, table);
    p.ja(done);
    p.bind(denied);
    markDeciding(p, table);
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
export function emitProgram(
  p: ProgramBuilder,
  t: ProgramTables,
  options: { readonly audit: boolean; readonly fqdn?: boolean },
): void {
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
  if (options.fqdn === true) {
    const static_ = p.label("fqdn_static");
    p.note("destination learned from a DNS answer: its FQDN identity replaces the ipcache's");
    p.mov(1, IPCACHE_DESTINATION);
    p.call(SVC_IPCACHE_LOOKUP);
    p.jeq(0, 0, static_);
    p.movx(10, 0);
    p.bind(static_);
  }
  p.mov(12, NO_RULE);
  p.mov(R_REDIRECT, 0);
  emitDirection(p, t.egress, t.egressLog ?? [], "egress", 8, 10, options.audit, {
    bit: REDIRECT_EGRESS,
    meta: META_L7_SET_EGRESS,
  });
  emitDirection(p, t.ingress, t.ingressLog ?? [], "ingress", 11, 7, options.audit, {
    bit: REDIRECT_INGRESS,
    meta: META_L7_SET_INGRESS,
  });
  const commit = p.label("commit");
  const commitCall = p.label("commit_call");
  const out = p.label("out");
  p.note("new (or reopened) connections enter conntrack, remembering a redirect");
  p.jeq(9, CT_NEW, commit);
  p.jne(9, CT_REOPENED, out);
  p.bind(commit);
  p.mov(1, VERDICT_FORWARDED);
  p.jeq(R_REDIRECT, 0, commitCall);
  p.mov(1, VERDICT_REDIRECTED);
  p.bind(commitCall);
  p.call(SVC_CT_CREATE);
  p.jeq(0, 0, out);
  p.mov(1, REASON_CT_MAP_INSERTION_FAILED);
  p.mov(0, VERDICT_DROPPED);
  p.movx(2, 12);
  p.exit();
  p.bind(out);
  const redirected = p.label("redirected");
  p.jne(R_REDIRECT, 0, redirected);
  p.mov(0, VERDICT_FORWARDED);
  p.mov(1, 0);
  p.movx(2, 12);
  p.exit();
  p.bind(redirected);
  emitL7Inspect(p);
  p.bind(forward);
  p.ret(VERDICT_FORWARDED);
}

/** The redirected exit: L7_INSPECT per redirecting direction; 0 from every call means REDIRECTED. */
function emitL7Inspect(p: ProgramBuilder): void {
  const decided = p.label("l7_decided");
  const steps = [
    { bit: REDIRECT_EGRESS, meta: META_L7_SET_EGRESS, name: "egress" },
    { bit: REDIRECT_INGRESS, meta: META_L7_SET_INGRESS, name: "ingress" },
  ];
  for (const s of steps) {
    const run = p.label(`l7_${s.name}`);
    const skip = p.label(`l7_${s.name}_skip`);
    p.jset(R_REDIRECT, s.bit, run);
    p.ja(skip);
    p.bind(run);
    p.note(`L7: inspect against the ${s.name} rule set; r0 = 0 leaves the packet REDIRECTED`);
    p.ldf(1, s.meta);
    p.call(SVC_L7_INSPECT);
    p.jne(0, 0, decided);
    p.bind(skip);
  }
  p.mov(0, VERDICT_REDIRECTED);
  p.mov(1, 0);
  p.movx(2, 12);
  p.exit();
  p.bind(decided);
  p.note("L7: the L7 engine decided this packet (r0 = verdict | reason << 8)");
  p.movx(1, 0);
  p.rsh(1, 8);
  p.and(0, 0xff);
  p.movx(2, 12);
  p.exit();
}
