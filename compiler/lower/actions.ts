/**
 * @fileoverview What the verdict word of a policy-table entry means, and the layout of the ipcache's
 * action data. The emitted program interprets these; trace and connlist read them back from tables.
 */

/** Policy entry: the peer and port are allowed. */
export const ACT_ALLOW = 1;
/** Policy entry: denied; action data word 0 carries the drop reason (133 default deny, 181 explicit). */
export const ACT_DENY = 2;
/** Policy entry: Calico Pass, continue with the next tier. */
export const ACT_PASS = 3;
/** Policy entry: Calico Log, record and continue. */
export const ACT_LOG = 4;
/**
 * Policy entry: allowed, and the connection goes to the L7 proxy (Cilium's `proxy_port`, verdict
 * REDIRECTED); action data word POL_L7_SET names the L7 rule set its requests are checked against.
 */
export const ACT_REDIRECT = 5;

/** Names of the actions, for listings. */
export const ACTION_NAMES: Readonly<Record<number, string>> = {
  [ACT_ALLOW]: "allow",
  [ACT_DENY]: "deny",
  [ACT_PASS]: "pass",
  [ACT_LOG]: "log",
  [ACT_REDIRECT]: "redirect",
};

/** ipcache action data: identity of the address. */
export const IPC_IDENTITY = 0;
/** ipcache action data: endpoint index + 1 (0 = not an endpoint). */
export const IPC_ENDPOINT = 1;
/** ipcache action data: the endpoint's ingress subject group (0 = none). */
export const IPC_INGRESS_GROUP = 2;
/** ipcache action data: the endpoint's egress subject group (0 = none). */
export const IPC_EGRESS_GROUP = 3;
/** ipcache action data words. */
export const IPC_WORDS = 4;

/** Policy entry action data: drop reason for deny entries. */
export const POL_REASON = 0;
/** Policy entry action data: L7 rule set index of a redirect entry (NO_L7_SET otherwise). */
export const POL_L7_SET = 1;
/** Policy entry action data words. */
export const POL_WORDS = 2;
/** POL_L7_SET of an entry that redirects nothing. */
export const NO_L7_SET = 0xffffffff;

/** Table names the lowering emits (disasm prints them; trace finds tables by them). */
export const TABLE_IPCACHE_SRC = "ipcache_src";
export const TABLE_IPCACHE_DST = "ipcache_dst";
export const TABLE_INGRESS = "policy_ingress";
export const TABLE_EGRESS = "policy_egress";
