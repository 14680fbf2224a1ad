/**
 * @fileoverview The context META words the policy program writes for the runtime to read after a
 * packet: which policy row decided (flow attribution, Hubble `policy_match_type`) and which L7 rule
 * sets a redirected packet goes to. META0 and META1 are the policy-table key (subject group, peer
 * identity) and are not listed here.
 *
 * The words are written only on the paths that use them: the deciding-row words whenever the program
 * returns a rule id taken from a policy row, the L7 words when that direction redirected. A reader
 * therefore checks them against the returned rule id (deciding row) or the redirect (L7 words) first.
 */

import { F_META0 } from "../context.js";

/** META word: table index of the policy row that decided (its rule id is the returned rule id). */
export const META_DECIDING_TABLE = F_META0 + 2;
/** META word: entry index of that row in its table. */
export const META_DECIDING_ENTRY = F_META0 + 3;
/** META word: L7 rule set the egress direction redirected to. */
export const META_L7_SET_EGRESS = F_META0 + 4;
/** META word: L7 rule set the ingress direction redirected to. */
export const META_L7_SET_INGRESS = F_META0 + 5;
